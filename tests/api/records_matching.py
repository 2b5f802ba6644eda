"""Real records for the schemathesis run of the matching router: an open vacancy with a stored
candidate list, a consenting trainee with skills and a list, and an occupation gap with proposals."""

import datetime as dt


def real_path_parameters(world, users) -> dict[str, dict]:
    from django.utils import timezone

    from tvetbridge.matching import queries, services
    from tvetbridge.outcomes.models import Trainee, TraineeSkill
    from tvetbridge.taxonomy import services as taxonomy
    from tvetbridge.taxonomy.models import Occupation

    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    occupation = Occupation.objects.filter(skill_links__essential=True).order_by("code").first()
    skills = list(occupation.skills.filter(occupation_links__essential=True).order_by("pk")[:3])
    from tvetbridge.demand.models import SkillDemand

    today = timezone.localdate()
    vacancy = SkillDemand.objects.create(
        external_key="vac-schemathesis", enterprise=world["jd"], kind="vacancy", title="Welder",
        country=world["kz"], region=world["almaty"], occupation=occupation, count=3,
        languages=[{"language": "ru", "level": "B1"}], deadline=today + dt.timedelta(days=60),
        offered_wage=300000, wage_currency="KZT")
    vacancy.required_skills.set(skills)
    trainee = Trainee.objects.create(external_key="tr-schemathesis", home_region=world["almaty"],
                                     consent_matching=True, consent_date=today)
    for skill in skills[:2]:
        TraineeSkill.objects.create(trainee=trainee, skill=skill, weight=0.9)
    services.rebuild_candidates()
    rows = queries.gaps(queries.GapParams()).rows
    gap = next((r for r in rows if r.is_occupation), None)
    out = {
        "/api/v1/matching/vacancies/{vacancy_id}/candidates": {"vacancy_id": vacancy.pk},
        "/api/v1/matching/trainees/{trainee_id}/vacancies": {"trainee_id": trainee.pk},
    }
    if gap is not None:
        out["/api/v1/matching/gaps/{key}/proposals"] = {"key": gap.key}
    return out
