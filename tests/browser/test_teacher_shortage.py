"""Done-when of issue #17: a coordinator opens the teacher shortage map from the menu, sees
Kazakhstan × logistics × Chinese short by N, opens the ranked candidates, plans a dispatch for a
teacher who has done the pre-departure training; the shortage falls by one for that period and the
teacher's record shows the assignment."""

import datetime as dt
import os

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_fills_a_shortage_from_the_ranked_candidates(page, live_server, world, users):
    from tvetbridge.core.services import system_user
    from tvetbridge.registry.models import FacultyLanguage, FacultyMember
    from tvetbridge.teachers import queries, services
    from tvetbridge.teachers.models import (
        DevelopmentProgramme,
        DevelopmentSession,
        ProgrammeLanguageRequirement,
    )

    world["kz"].latitude, world["kz"].longitude = 48.0, 67.0
    world["kz"].save()
    world["programme"].intake_capacity = 120
    world["programme"].save()
    ProgrammeLanguageRequirement.objects.create(programme=world["programme"], language_id="zh", scale="hsk3", level="6")
    teachers = {}
    for key, name in [("fm-wang", "Wang Fang"), ("fm-liu", "Liu Yang")]:
        t = FacultyMember.objects.create(external_key=key, institution=world["urumqi"], full_name=name,
                                         willing_to_dispatch=True)
        t.fields.add(world["logistics"])
        FacultyLanguage.objects.create(faculty=t, language_id="zh", level="native")
        teachers[key] = t
    programme = DevelopmentProgramme.objects.create(external_key="pd", name="Cross-cultural pre-departure",
                                                    kind="pre_departure")
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20))
    services.record_participation(system_user(), {"session": session, "faculty": teachers["fm-wang"],
                                                   "result": "completed", "completed_on": dt.date(2026, 6, 20)})
    period = queries.Period.containing(dt.date.today())
    key = queries.cell_key("KZ", world["logistics"].code, "zh")
    n = queries.find_cell(key, period).gap
    assert n == 6  # 120 trainees ÷ 20 per teacher, nobody in place

    base = live_server.url
    login(page, base, "coordinator-user", "pw-coordinator-123!")
    page.click("nav >> text=Teacher shortage")
    page.wait_for_load_state()
    row = page.locator(f'#shortage tr[data-key="{key}"]')
    assert row.locator("td").nth(0).inner_text() == "Kazakhstan"
    assert row.locator("td").nth(1).inner_text() == "Transport services"
    assert row.locator("td").nth(2).inner_text() == "Chinese"
    assert row.locator("td.gap").inner_text() == str(n)
    assert page.locator("#shortage-map svg").count() == 1
    if os.environ.get("TEACH_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["TEACH_SHOTS"], "shortage.png"), full_page=True)

    row.locator("text=Candidates").click()
    page.wait_for_load_state()
    first = page.locator("#to-dispatch article.candidate").first
    assert "Wang Fang" in first.inner_text()  # trained ranks above untrained
    assert "Completed the cross-cultural pre-departure training." in first.inner_text()
    if os.environ.get("TEACH_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["TEACH_SHOTS"], "candidates.png"), full_page=True)
    first.locator("button", has_text="Plan dispatch").click()
    page.wait_for_load_state()
    assert page.locator(f'#shortage tr[data-key="{key}"] td.gap').inner_text() == str(n - 1)
    assert page.locator(f'#shortage tr[data-key="{key}"] td').nth(7).inner_text() == "1"

    page.goto(f"{base}/teachers/teacher/{teachers['fm-wang'].pk}/")
    record = page.inner_text("#assignments")
    assert "Kazakhstan" in record and "Transport services" in record and "planning" in record
    assert "Luban Workshop (ALT)" in record and f"{period.end.year}" in record
