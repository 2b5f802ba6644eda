"""Demo trainee ↔ vacancy matching: skills, languages and mobility for the demo trainees, a few open
vacancies near them, and the candidate lists computed from both.

Trainee skills are derived from what they trained for: the enrolment's occupation (ISCO-08 unit group)
→ the ESCO occupations of that group → their essential skills. A completed course gives each skill
with weight 1.0 (probability 0.7 per skill), a course in progress 0.6, a dropped one 0.4; applicants
who were not admitted declare two skills at 0.3. Languages follow the home country (plus Chinese for
those holding an HSK credential). Everything written here is synthetic and replaced on re-run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from tvetbridge.core.models import Language, Region
from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import services as matching_services
from tvetbridge.outcomes.models import (
    Assessment,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    LearningProgress,
    Trainee,
    TraineeSkill,
)
from tvetbridge.registry.models import Enterprise
from tvetbridge.taxonomy.models import Occupation, OccupationSkill

VACANCY_PREFIX = "syn-vac-"
NATIVE = {"KZ": ("kk", "ru"), "KG": ("ky", "ru"), "UZ": ("uz", "ru"), "TJ": ("tg", "ru"), "TM": ("tk", "ru"),
          "RU": ("ru",), "CN": ("zh",)}
WEIGHT_BY_STATUS = {"completed": 1.0, "enrolled": 0.6, "dropped": 0.4}


def _essentials_by_isco(codes) -> dict[str, list[int]]:
    """ISCO unit group → essential skill pks of its first ESCO occupation that has at least 4."""
    out: dict[str, list[int]] = {}
    occs = Occupation.objects.filter(isco_group_id__in=set(codes)).order_by("code").values_list("pk", "isco_group_id")
    links = defaultdict(list)
    for occ, skill in OccupationSkill.objects.filter(occupation_id__in=[o for o, _g in occs], essential=True) \
            .order_by("skill_id").values_list("occupation_id", "skill_id"):
        links[occ].append(skill)
    for occ, group in occs:
        if group not in out and len(links[occ]) >= 4:
            out[group] = links[occ]
    return out


@transaction.atomic
def derive_trainee_facts(*, seed: int = 42) -> int:
    """Skills, languages and mobility for the synthetic trainees; returns the skill rows written."""
    rng = np.random.default_rng(seed)
    trainees = Trainee.objects.filter(is_synthetic=True)
    TraineeSkill.objects.filter(trainee__in=trainees).delete()
    enrol = {}
    for t, code, status in Enrolment.objects.filter(trainee__in=trainees).exclude(occupation_code="") \
            .order_by("trainee_id", "-start_date").values_list("trainee_id", "occupation_code", "status"):
        enrol.setdefault(t, (code[:4], status))
    essentials = _essentials_by_isco({c for c, _s in enrol.values()})
    hsk = set(Credential.objects.filter(trainee__in=trainees, kind=Credential.Kind.LANGUAGE, name="HSK")
              .values_list("trainee_id", flat=True))
    known = set(Language.objects.values_list("code", flat=True))
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    rows, langs, movers = [], [], []
    people = list(trainees.order_by("pk").values_list("pk", "home_region_id"))
    for pk, home in people:
        code, status = enrol.get(pk, (None, None))
        skills = essentials.get(code, [])
        if skills:
            if status in WEIGHT_BY_STATUS:
                keep = [s for s in skills if rng.random() < 0.7] or skills[:1]
                w = WEIGHT_BY_STATUS[status]
                rows += [TraineeSkill(trainee_id=pk, skill_id=s, weight=round(w * rng.uniform(0.8, 1.0), 3),
                                      source=TraineeSkill.Source.PROGRAMME) for s in keep]
            else:
                pick = rng.choice(len(skills), size=min(2, len(skills)), replace=False)
                rows += [TraineeSkill(trainee_id=pk, skill_id=skills[i], weight=0.3,
                                      source=TraineeSkill.Source.DECLARED) for i in sorted(pick)]
        spoken = set(NATIVE.get(region_country.get(home, ""), ("ru",)))
        if pk in hsk:
            spoken.add("zh")
        langs += [(pk, code) for code in sorted(spoken & known)]
        if rng.random() < 0.3:
            movers.append(pk)
    TraineeSkill.objects.bulk_create(rows, batch_size=2000)
    through = Trainee.languages.through
    through.objects.filter(trainee_id__in=[p for p, _h in people]).delete()
    through.objects.bulk_create([through(trainee_id=t, language_id=c) for t, c in langs], batch_size=2000)
    trainees.update(willing_to_relocate=False)
    Trainee.objects.filter(pk__in=movers).update(willing_to_relocate=True)
    return len(rows)


@transaction.atomic
def demo_vacancies(*, seed: int = 42, per_place: int = 2) -> int:
    """Open vacancies for the trades the demo trainees learnt, where they live: half posted by JD
    (the demo enterprise account's company), half by another real enterprise of the country."""
    rng = np.random.default_rng(seed + 1)
    SkillDemand.required_skills.through.objects.filter(skilldemand__external_key__startswith=VACANCY_PREFIX).delete()
    SkillDemand.objects.filter(external_key__startswith=VACANCY_PREFIX).delete()
    jd = Enterprise.objects.filter(external_key="real-ent-jd").first() or Enterprise.objects.order_by("pk").first()
    if jd is None:
        return 0
    places = Counter()
    for code, region in Enrolment.objects.filter(trainee__is_synthetic=True).exclude(occupation_code="") \
            .values_list("occupation_code", "trainee__home_region_id"):
        if region is not None:
            places[(code[:4], region)] += 1
    groups = {c for c, _r in places}
    occ_of = {}
    for occ in Occupation.objects.filter(isco_group_id__in=groups).order_by("code"):
        occ_of.setdefault(occ.isco_group_id, occ)
    essentials = _essentials_by_isco(groups)
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    others = defaultdict(list)
    for e in Enterprise.objects.filter(is_synthetic=False).exclude(pk=jd.pk).order_by("pk"):
        others[e.country_id].append(e)
    deadline = timezone.localdate() + dt.timedelta(days=90)
    made, links = [], []
    for n, ((code, region), _count) in enumerate(sorted(places.items(), key=lambda x: (-x[1], x[0]))[:12]):
        occ, skills = occ_of.get(code), essentials.get(code, [])
        if occ is None or not skills:
            continue
        country = region_country[region]
        for j in range(per_place):
            ent = jd if (n + j) % 2 == 0 or not others[country] else others[country][j % len(others[country])]
            need = sorted(rng.choice(len(skills), size=min(6, len(skills)), replace=False))
            lang = [{"language": "ru", "level": "B1"}] if j == 0 else [{"language": "zh", "level": "HSK3"}]
            # The title in every language the occupation has a label in (the others fall back to English).
            titles = {build_localized_fieldname("title", lang_code): f"{label} ({j + 1})"
                      for lang_code, _name in settings.LANGUAGES
                      if (label := getattr(occ, build_localized_fieldname("label", lang_code), ""))}
            v = SkillDemand(external_key=f"{VACANCY_PREFIX}{code}-{region}-{j + 1}", enterprise=ent,
                            kind=SkillDemand.Kind.VACANCY, **titles, country_id=country,
                            region_id=region, occupation=occ, count=int(rng.integers(2, 9)), languages=lang,
                            deadline=deadline, is_synthetic=True)
            made.append(v)
            links.append([skills[i] for i in need])
    SkillDemand.objects.bulk_create(made)
    through = SkillDemand.required_skills.through
    through.objects.bulk_create([through(skilldemand_id=v.pk, skill_id=s)
                                 for v, skills in zip(made, links, strict=True) for s in skills])
    return len(made)


def demo_trainee() -> Trainee | None:
    """The trainee the demo's trainee account stands for: a graduate who consented to matching, with
    skills and a candidate list, a credential, a job and incomes before and after training, so the
    trainee's whole journey can be seen. Falls back to any consenting trainee with a list."""
    from tvetbridge.matching.models import CandidateList

    with_list = CandidateList.objects.filter(kind=CandidateList.Kind.TRAINEE).exclude(candidate_ids=[]) \
        .values_list("subject_id", flat=True)
    consenting = Trainee.objects.filter(pk__in=with_list, consent_matching=True, is_synthetic=True)
    graduate = Enrolment.objects.filter(trainee=OuterRef("pk"), status=Enrolment.Status.COMPLETED,
                                        end_date__isnull=False)
    before = IncomeObservation.objects.filter(trainee=OuterRef("pk"), period__lt=OuterRef("_start"))
    after = IncomeObservation.objects.filter(trainee=OuterRef("pk"), period__gt=OuterRef("_end"))
    full = consenting.annotate(
        _start=graduate.values("start_date")[:1], _end=graduate.values("end_date")[:1]).filter(
        Exists(graduate), Exists(Credential.objects.filter(trainee=OuterRef("pk"))),
        Exists(Employment.objects.filter(trainee=OuterRef("pk"))), Exists(before), Exists(after))
    trainee = full.order_by("pk").first() or consenting.order_by("pk").first()
    if trainee is not None:
        _complete_record(trainee)
    return trainee


def _complete_record(trainee: Trainee) -> None:
    """Learning progress and an assessment on the graduate's enrolment (the outcomes generator makes
    neither), so the record page shows a course followed to its end."""
    enrolment = Enrolment.objects.filter(trainee=trainee).order_by("-end_date", "-start_date").first()
    if enrolment is None or enrolment.end_date is None:
        return
    if not LearningProgress.objects.filter(enrolment=enrolment).exists():
        LearningProgress.objects.create(enrolment=enrolment, as_of=enrolment.end_date, hours=960,
                                        modules_completed=12, modules_total=12)
    if not Assessment.objects.filter(enrolment=enrolment).exists():
        Assessment.objects.create(enrolment=enrolment, name="Final practical assessment", date=enrolment.end_date,
                                  score=86, max_score=100, passed=True)


def build(*, seed: int = 42) -> list[str]:
    skills = derive_trainee_facts(seed=seed)
    vacancies = demo_vacancies(seed=seed)
    report = matching_services.rebuild_candidates()
    return [f"trainee skills derived: {skills}", f"demo vacancies: {vacancies}",
            *[f"candidates: {line}" for line in report.lines()]]
