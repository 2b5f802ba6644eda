"""Fixtures shared by the language-gain, HSK-centre and report tests."""

import datetime as dt

import pytest

D = dt.date

# (entry results, exit results, completed, trade credential, job): results as (scale, level, date).
PEOPLE = [
    ([], [("hsk3", "3", D(2024, 7, 10))], True, True, True),               # 0 → 3
    ([("hsk3", "1", D(2023, 5, 1))], [("hsk3", "4", D(2024, 6, 20))], True, True, False),  # 1 → 4
    ([("hsk2", "2", D(2022, 5, 1))], [], True, False, True),               # older HSK 2 = 3.0 level 3, no gain
    ([], [("hsk3", "2", D(2024, 6, 30))], True, True, True),               # 0 → 2
    ([("hsk3", "2", D(2023, 9, 1))], [("hsk3", "3", D(2024, 6, 1))], True, False, False),  # 2 → 3
    ([], [("hsk3", "4", D(2025, 3, 1))], True, True, False),               # sat too late: 0 → 0
    ([], [], False, False, False),                                         # still in training
]


def add_trainees(project, institution, people, *, first: int = 0) -> None:
    """Trainees of ``project`` who started on 2023-09-01 and, when completed, ended on 2024-06-30."""
    from tvetbridge.outcomes.models import Credential, Employment, Enrolment, Trainee
    from tvetbridge.teachers.models import LanguageProficiency

    for i, (entry, exit_, completed, certified, job) in enumerate(people, start=first):
        t = Trainee.objects.create(external_key=f"cp-{i}", institution=institution)
        e = Enrolment.objects.create(external_key=f"cp-e{i}", trainee=t, project=project,
                                     status="completed" if completed else "enrolled",
                                     start_date=D(2023, 9, 1), end_date=D(2024, 6, 30) if completed else None)
        for j, (scale, level, on) in enumerate(entry + exit_):
            LanguageProficiency.objects.create(external_key=f"cp-{i}-{j}", trainee=t, language_id="zh",
                                               scale=scale, level=level, certified_on=on)
        if certified:
            Credential.objects.create(trainee=t, enrolment=e, kind="skill", name="Forklift", awarded=D(2024, 6, 30))
        if job:
            Employment.objects.create(external_key=f"cp-j{i}", trainee=t, enrolment=e, country=project.host_country,
                                      start_date=D(2024, 8, 1))


@pytest.fixture
def chinese_plus(world):
    from tvetbridge.registry.models import CooperationProject

    project = CooperationProject.objects.create(external_key="proj-cp", name="Chinese + logistics (ALT)",
                                                kind="chinese_plus", status="active", host_country=world["kz"])
    project.partner_institutions.add(world["alt"])
    add_trainees(project, world["alt"], PEOPLE)
    return project


@pytest.fixture
def centre(world):
    from tvetbridge.teachers.models import HskCentre, HskSitting

    c = HskCentre.objects.create(external_key="hskc-alt", name="ALT HSK centre", institution=world["alt"],
                                 country=world["kz"], city="Almaty", tests=["hsk", "hskk"],
                                 accredited_by="Chinese Testing International", accredited_on=dt.date(2022, 5, 1))
    HskSitting.objects.create(external_key="s1", centre=c, date=dt.date(2024, 6, 15), language_id="zh",
                              scale="hsk3", level="3", registered=24, sat=22, passed=17)
    HskSitting.objects.create(external_key="s2", centre=c, date=dt.date(2024, 6, 15), language_id="zh",
                              scale="hsk3", level="5", registered=5, sat=4, passed=3)
    return c
