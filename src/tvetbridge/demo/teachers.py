"""Synthetic bilingual-teacher examples for the demo, on the real ALT University Luban Workshop
(Kazakhstan, smart logistics, “Chinese + vocational skills”): a Chinese-taught logistics programme
whose teachers need HSK 6 (3.0), teachers of Urumqi Vocational University who could be dispatched (one
with the pre-departure training done) and one local teacher. Everything is marked synthetic; the
shortage page then shows Kazakhstan × logistics × Chinese short by several teachers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tvetbridge.core.services import system_user
from tvetbridge.registry.models import FacultyLanguage, FacultyMember, Institution, Programme
from tvetbridge.teachers import services
from tvetbridge.teachers.models import DevelopmentProgramme, DevelopmentSession

PROGRAMME = "demo-prog-alt-chinese-logistics"
# (key, institution, name, {language: declared CEFR level}, willing, pre-departure done)
TEACHERS = [
    ("demo-fac-urumqi-wang", "real-inst-urumqi-vocational", "Wang Fang", {"zh": "native", "ru": "B2"}, True, True),
    ("demo-fac-urumqi-liu", "real-inst-urumqi-vocational", "Liu Yang", {"zh": "native", "ru": "B1"}, True, False),
    ("demo-fac-urumqi-zhao", "real-inst-urumqi-vocational", "Zhao Lei", {"zh": "native", "kk": "A2"}, False, False),
    ("demo-fac-alt-nurlan", "real-inst-alt-university", "Nurlan Abenov", {"kk": "native", "zh": "C1"}, False, False),
    ("demo-fac-alt-aigerim", "real-inst-alt-university", "Aigerim Sadykova", {"kk": "native", "zh": "B1"}, False,
     False),
]


@transaction.atomic
def build() -> list[str]:
    if Programme.objects.filter(external_key=PROGRAMME).exists():
        return ["teacher shortage examples already present"]
    inst = {i.external_key: i for i in Institution.objects.filter(external_key__in={t[1] for t in TEACHERS})}
    if len(inst) < 2:
        return ["teacher shortage examples skipped: seed institutions missing"]
    programme = Programme.objects.create(
        external_key=PROGRAMME, institution=inst["real-inst-alt-university"], is_synthetic=True,
        name="Smart logistics, Chinese + vocational skills (example)", field_id="1041", isced_level=5,
        duration_months=36, intake_capacity=180, expected_graduates=150)
    programme.languages.add("zh", "ru")
    user = system_user()
    services.set_programme_requirement(user, {"programme": programme, "language_id": "zh", "scale": "hsk3",
                                              "level": "6"})
    pd = DevelopmentProgramme.objects.create(
        external_key="demo-tdp-pre-departure", name="Cross-cultural pre-departure training (example)",
        kind=DevelopmentProgramme.Kind.PRE_DEPARTURE, provider=inst["real-inst-urumqi-vocational"], hours=40,
        is_synthetic=True)
    done = dt.date.today() - dt.timedelta(days=60)
    session = DevelopmentSession.objects.create(programme=pd, start_date=done - dt.timedelta(days=14), end_date=done,
                                                place="Urumqi")
    for key, inst_key, name, levels, willing, trained in TEACHERS:
        teacher = FacultyMember.objects.create(external_key=key, institution=inst[inst_key], full_name=name,
                                               position="Lecturer, logistics", willing_to_dispatch=willing,
                                               is_synthetic=True)
        teacher.fields.add("1041")
        FacultyLanguage.objects.bulk_create([FacultyLanguage(faculty=teacher, language_id=lang, level=level)
                                             for lang, level in levels.items()])
        if trained:
            services.record_participation(user, {"session": session, "faculty": teacher, "result": "completed",
                                                 "completed_on": done})
    return [f"teacher shortage examples: 1 programme, {len(TEACHERS)} teachers"]


def language_results(seed: int) -> list[str]:
    """Synthetic HSK results of the trainees of "Chinese + vocational skills" projects: about a third
    arrive with HSK 1–2; most who complete sit an exit test within six weeks of their last day, one to
    three levels above where they started. Re-runs add nothing already there."""
    import numpy as np

    from tvetbridge.outcomes.models import Enrolment
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.teachers.models import LanguageProficiency

    rng = np.random.default_rng(seed)
    enrolments = (Enrolment.objects.filter(project__kind=CooperationProject.Kind.CHINESE_PLUS_SKILLS,
                                           trainee__is_synthetic=True)
                  .exclude(status=Enrolment.Status.APPLIED).order_by("pk")
                  .values_list("pk", "trainee_id", "start_date", "end_date", "status"))
    today = dt.date.today()
    rows = []
    for pk, trainee, start, end, status in enrolments:
        entry = int(rng.choice([0, 0, 1, 2], p=[0.4, 0.25, 0.2, 0.15]))
        if entry:
            rows.append(LanguageProficiency(
                external_key=f"demo-hsk-{pk}-in", trainee_id=trainee, language_id="zh", scale="hsk3",
                level=str(entry), certified_on=start - dt.timedelta(days=int(rng.integers(20, 300))),
                issuer="Chinese Testing International"))
        sat = end and status == Enrolment.Status.COMPLETED and rng.random() < 0.85
        on = end + dt.timedelta(days=int(rng.integers(0, 45))) if sat else None
        if on and on <= today:
            level = min(entry + int(rng.choice([0, 1, 2, 3], p=[0.1, 0.35, 0.4, 0.15])), 6)
            if level:
                rows.append(LanguageProficiency(
                    external_key=f"demo-hsk-{pk}-out", trainee_id=trainee, language_id="zh", scale="hsk3",
                    level=str(level), certificate=f"H{level}{pk:07d}", certified_on=on,
                    issuer="Chinese Testing International"))
    made = LanguageProficiency.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return [f"HSK results of Chinese + vocational skills trainees: {len(made)}"]


# The HSK centre the seed names (002_8e780d6cbebb9204.txt: set up with Uzbekistan Renaissance Education
# University, "completing HSK training and examination work for 67 people"). The seed gives neither the
# dates nor the levels: the sitting history below is synthetic and adds up to those 67 candidates.
CENTRE = "demo-hskc-renaissance"
SITTINGS = [  # (date, level on HSK 3.0, registered, sat, passed)
    ("2023-11-19", "1", 12, 11, 10), ("2023-11-19", "2", 9, 8, 6), ("2024-03-16", "2", 10, 10, 8),
    ("2024-03-16", "3", 8, 7, 5), ("2024-06-15", "3", 9, 9, 6), ("2024-06-15", "4", 5, 5, 3),
    ("2024-12-08", "2", 10, 9, 7), ("2025-04-19", "4", 8, 8, 5),
]


@transaction.atomic
def hsk_centre() -> list[str]:
    from tvetbridge.teachers.models import HskCentre, HskSitting

    if HskCentre.objects.filter(external_key=CENTRE).exists():
        return ["HSK centre example already present"]
    inst = Institution.objects.filter(external_key="real-inst-uz-renaissance").first()
    if inst is None:
        return ["HSK centre example skipped: seed institution missing"]
    centre = HskCentre.objects.create(
        external_key=CENTRE, institution=inst, country=inst.country, tests=["hsk", "hskk"],
        accredited_by="Chinese Testing International", accredited_on=dt.date(2023, 9, 1), is_synthetic=True,
        name_en="HSK test centre, Uzbekistan Renaissance Education University",
        name_zh_hans="乌兹别克斯坦复兴教育大学HSK考点",
        name_ru="Центр тестирования HSK Узбекского университета образования «Ренессанс»",
        name_kk="Өзбекстан «Ренессанс» білім беру университетінің HSK тестілеу орталығы",
        city_en="Tashkent", city_zh_hans="塔什干", city_ru="Ташкент", city_kk="Ташкент")
    HskSitting.objects.bulk_create([
        HskSitting(external_key=f"{CENTRE}-{day}-{level}", centre=centre, date=dt.date.fromisoformat(day),
                   language_id="zh", scale="hsk3", level=level, registered=reg, sat=sat, passed=passed)
        for day, level, reg, sat, passed in SITTINGS])
    return [f"HSK centre example: {len(SITTINGS)} sittings, {sum(s[3] for s in SITTINGS)} candidates"]
