"""A coordinator approves a planned dispatch from the teacher's record: refused until the teacher has
completed the cross-cultural pre-departure training, then approved; the record shows both."""

import datetime as dt

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_approves_a_trained_teachers_dispatch(page, live_server, world, users):
    from tvetbridge.core.services import system_user
    from tvetbridge.registry.models import FacultyMember
    from tvetbridge.teachers import services
    from tvetbridge.teachers.models import DevelopmentProgramme, DevelopmentSession

    teacher = FacultyMember.objects.create(external_key="fm-b1", institution=world["urumqi"], full_name="Wang Fang")
    services.plan_assignment(users["coordinator"], {
        "faculty": teacher, "project": world["project"], "country": world["kz"], "field": world["logistics"],
        "language_id": "zh", "start_date": dt.date(2026, 9, 1), "end_date": dt.date(2027, 6, 30)})
    base = live_server.url
    login(page, base, "coordinator-user", "pw-coordinator-123!")
    page.click("text=Bilingual teachers")
    page.click("#dispatches >> text=Wang Fang")
    page.click("#assignments button[value=approved]")
    assert "pre-departure training" in page.inner_text("#record-error")
    assert page.inner_text("#assignments td.status") == "planning"

    programme = DevelopmentProgramme.objects.create(external_key="pd", name="Cross-cultural pre-departure",
                                                    kind="pre_departure")
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20))
    services.record_participation(system_user(), {"session": session, "faculty": teacher, "result": "completed",
                                                   "completed_on": dt.date(2026, 6, 20)})
    page.goto(f"{base}/teachers/teacher/{teacher.pk}/")
    assert "Cross-cultural pre-departure" in page.inner_text("#development")
    page.click("#assignments button[value=approved]")
    page.wait_for_load_state()
    assert page.inner_text("#assignments td.status") == "approved"
    assert page.locator("#assignments button[value=abroad]").count() == 1
