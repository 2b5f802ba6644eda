"""A world in which every role has work to see: a graduate trainee with a full record and an account,
a vacancy with candidates, a quality flag, a project awaiting approval, country risk computed."""

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def journey_world(risk_world, users, make_user):
    from tvetbridge.core.models import Language
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching import services as matching
    from tvetbridge.outcomes.models import (
        Assessment,
        Credential,
        Employment,
        Enrolment,
        IncomeObservation,
        LearningProgress,
        QualityFlag,
        Trainee,
        TraineeSkill,
    )
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.taxonomy import services as taxonomy
    from tvetbridge.taxonomy.models import Occupation, Skill

    w = risk_world
    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    s1, s2, s3 = Skill.objects.order_by("pk")[:3]
    today = timezone.localdate()
    vacancy = SkillDemand.objects.create(
        external_key="V1", enterprise=w["jd"], kind="vacancy", title="Welder in Almaty", country=w["kz"],
        region=w["almaty"], occupation=Occupation.objects.order_by("pk").first(), count=2,
        languages=[{"language": "ru", "level": "B1"}], deadline=today + dt.timedelta(days=30),
        offered_wage=350000, wage_currency="KZT")
    vacancy.required_skills.set([s1, s2])
    other_vacancy = SkillDemand.objects.create(
        external_key="V2", enterprise=w["other_enterprise"], kind="vacancy", title="Other welder",
        country=w["kz"], region=w["almaty"], occupation=Occupation.objects.order_by("pk").first(), count=1,
        languages=[], deadline=today + dt.timedelta(days=30))
    other_vacancy.required_skills.set([s1, s3])

    trainee_user = make_user("trainee", username="graduate")
    start, end = today - dt.timedelta(days=700), today - dt.timedelta(days=300)
    grad = Trainee.objects.create(external_key="syn-grad-1", identity_hash="a" * 64, institution=w["alt"],
                                  home_region=w["almaty"], consent_matching=True, consent_follow_up=True,
                                  consent_date=start, baseline_income=90000, baseline_currency="KZT",
                                  user=trainee_user)
    grad.languages.set(Language.objects.filter(code__in=["ru", "kk"]))
    enrolment = Enrolment.objects.create(external_key="enr-grad-1", trainee=grad, project=w["project"],
                                         programme=w["programme"], status="completed", start_date=start,
                                         end_date=end)
    LearningProgress.objects.create(enrolment=enrolment, as_of=end, hours=960, modules_completed=12,
                                    modules_total=12)
    Assessment.objects.create(enrolment=enrolment, name="Final practical", date=end, score=86, max_score=100,
                              passed=True)
    Credential.objects.create(trainee=grad, enrolment=enrolment, kind="skill", name="Welder level 3",
                              awarded=end)
    for skill in (s1, s2):
        TraineeSkill.objects.create(trainee=grad, skill=skill, weight=1.0)
    Employment.objects.create(external_key="job-grad-1", trainee=grad, enrolment=enrolment, employer=w["jd"],
                              country=w["kz"], region=w["almaty"], start_date=end + dt.timedelta(days=30))
    for months, amount in ((-3, 90000), (2, 240000), (5, 250000)):
        period = (end + dt.timedelta(days=31 * months)).replace(day=1)
        IncomeObservation.objects.create(trainee=grad, period=period, amount=amount, currency="KZT",
                                         source="payroll")
    # Another consenting trainee: never visible to the graduate.
    peer = Trainee.objects.create(external_key="syn-peer-1", identity_hash="b" * 64, home_region=w["almaty"],
                                  consent_matching=True, consent_date=start)
    TraineeSkill.objects.create(trainee=peer, skill=s1, weight=1.0)
    IncomeObservation.objects.create(trainee=peer, period=today.replace(day=1), amount=777777, currency="KZT",
                                     source="payroll")
    flag = QualityFlag.objects.create(project=w["project"], rule="employment_short", summary="Few graduates employed")
    proposed = CooperationProject.objects.create(external_key="proj-proposed", name="Proposed workshop",
                                                 kind="luban_workshop", status="proposed", host_country=w["kz"])
    matching.rebuild_candidates()
    other_enterprise = make_user("enterprise", enterprise=w["other_enterprise"], username="other-enterprise")
    return {**w, "users": {**users, "trainee": trainee_user, "other_enterprise": other_enterprise},
            "vacancy": vacancy, "other_vacancy": other_vacancy, "grad": grad, "peer": peer, "flag": flag,
            "proposed": proposed, "enrolment": enrolment}
