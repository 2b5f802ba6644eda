"""The calendar in a browser, without scripts: a coordinator reads it in Russian and Kazakh, moves a
month on and back, and narrows it to a country; the feed link carries the same country."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["GOVERNANCE_SHOTS"]) if os.environ.get("GOVERNANCE_SHOTS") else None


def test_calendar_in_russian_and_kazakh(network, live_server, browser):
    from tvetbridge.core.models import Language
    from tvetbridge.teachers.models import Assignment

    meeting = network["meeting"]
    Assignment.objects.create(faculty=network["teacher"], from_institution=network["urumqi"],
                              project=network["project"], country=network["kz"], field=network["logistics"],
                              language=Language.objects.get(code="ru"), start_date=meeting.starts_on,
                              end_date=meeting.starts_on + dt.timedelta(days=90), status="abroad")
    network["coordinator"].set_password("pw-coordinator-123!")
    network["coordinator"].save()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", network["coordinator"].username)
    page.fill("input[name=password]", "pw-coordinator-123!")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    month = f"{meeting.starts_on:%Y-%m}"
    for language, heading in (("ru", "Календарь сотрудничества"), ("kk", "Ынтымақтастық күнтізбесі")):
        with translation.override(language):
            page.goto(f"{live_server.url}{reverse('governance_calendar')}?month={month}")
        assert page.locator("h1").inner_text() == heading
        assert page.get_by_text(meeting.title).is_visible() and page.get_by_text("Wang Fang").is_visible()
        if SHOTS is not None:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"calendar-{language}.png"), full_page=True)
    shown = page.locator("#month-shown").inner_text()
    page.click("#month-next")
    assert page.locator("#month-shown").inner_text() != shown
    page.click("#month-previous")
    assert page.locator("#month-shown").inner_text() == shown
    page.select_option("select[name=country]", "CN")
    page.click("form.filters button[type=submit]")
    assert "country=CN" in page.url and page.get_by_text(meeting.title).count() == 0
    assert "country=CN" in page.locator("#calendar-feed").get_attribute("href")
    context.close()
