"""Real records for the teachers router's schemathesis run: a teacher with a certified level, a
completed pre-departure training, a dispatch in planning, a shortage cell with a project, and an HSK
centre with a sitting."""

from __future__ import annotations

import datetime as dt

from tvetbridge.core.services import system_user
from tvetbridge.registry.models import FacultyMember
from tvetbridge.teachers import services
from tvetbridge.teachers.models import (
    DevelopmentProgramme,
    DevelopmentSession,
    HskCentre,
    HskSitting,
    LanguageProficiency,
    ProgrammeLanguageRequirement,
)


def real_path_parameters(world, users) -> dict[str, dict]:
    ProgrammeLanguageRequirement.objects.create(programme=world["programme"], language_id="zh", scale="hsk3",
                                                level="6")
    teacher = FacultyMember.objects.create(external_key="fm-t", institution=world["urumqi"], full_name="Wang Fang",
                                           willing_to_dispatch=True)
    teacher.fields.add(world["logistics"])
    level = LanguageProficiency.objects.create(external_key="lp-t", faculty=teacher, language_id="zh",
                                               scale="native", level="native")
    programme = DevelopmentProgramme.objects.create(external_key="pd-t", name="Pre-departure", kind="pre_departure")
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20))
    services.record_participation(system_user(), {"session": session, "faculty": teacher, "result": "completed",
                                                   "completed_on": dt.date(2026, 6, 20)})
    dispatch = services.plan_assignment(system_user(), {
        "faculty": teacher, "project": world["project"], "country_id": "KZ", "field_id": "104",
        "language_id": "zh", "start_date": dt.date(2030, 9, 1), "end_date": dt.date(2031, 6, 30)})
    centre = HskCentre.objects.create(external_key="hskc-t", name="ALT HSK centre", institution=world["alt"],
                                      country=world["kz"], city="Almaty", tests=["hsk"])
    HskSitting.objects.create(external_key="s-t", centre=centre, date=dt.date(2024, 6, 15), language_id="zh",
                              scale="hsk3", level="3", registered=24, sat=22, passed=17)
    base = "/api/v1/teachers"
    return {
        f"{base}/faculty/{{faculty_id}}": {"faculty_id": teacher.pk},
        f"{base}/faculty/{{faculty_id}}/languages": {"faculty_id": teacher.pk},
        f"{base}/languages/{{proficiency_id}}": {"proficiency_id": level.pk},
        f"{base}/programmes/{{programme_id}}": {"programme_id": programme.pk},
        f"{base}/dispatches/{{assignment_id}}": {"assignment_id": dispatch.pk},
        f"{base}/dispatches/{{assignment_id}}/transition": {"assignment_id": dispatch.pk},
        f"{base}/shortage/{{key}}/candidates": {"key": "KZ~104~zh"},
        f"{base}/shortage/{{key}}/dispatches": {"key": "KZ~104~zh"},
        f"{base}/hsk-centres/{{centre_id}}": {"centre_id": centre.pk},
    }
