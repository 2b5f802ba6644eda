"""Forms that help, in a real browser (issue 12, part 10): the region list follows the chosen country,
a long list can be filtered by typing, and an empty save shows the error summary whose links lead to
the fields; at phone width and on a desktop. Screenshots go to $TVETBRIDGE_SCREENSHOTS when set."""

import os
from pathlib import Path

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    folder = os.environ.get("TVETBRIDGE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_institution_form_follows_country_filters_long_lists_and_summarises_errors(page, live_server,
                                                                                     all_countries, users):
    from tvetbridge.core.models import Country, Region

    Region.objects.create(code="KZ-71", country=Country.objects.get(code="KZ"), name="Astana")
    login(page, live_server.url, "coordinator-user", "pw-coordinator-123!")
    page.goto(f"{live_server.url}/institutions/new/")
    region_options = page.locator("#id_region option:not([hidden])")
    page.select_option("#id_country", "KZ")
    visible = region_options.all_inner_texts()
    assert "Almaty" in visible and "Astana" in visible and "Xinjiang" not in visible
    page.select_option("#id_country", "CN")
    assert "Xinjiang" in region_options.all_inner_texts() and "Almaty" not in region_options.all_inner_texts()
    # the country list is long: typing narrows it
    page.fill("#id_country-filter", "kazakh")
    shown = page.locator("#id_country option:not([hidden])").all_inner_texts()
    assert 1 <= len(shown) <= 3, shown
    page.fill("#id_country-filter", "")
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("main form.record-form button[type=submit].primary")
    page.wait_for_load_state()
    summary = page.locator(".error-summary[role=alert]")
    assert summary.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "institution-errors-390")
    summary.locator("a[href='#id_name_en']").click()
    assert page.url.endswith("#id_name_en")
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "institution-errors-desktop")
    # the same in Russian: the summary speaks the reader's language
    page.goto(f"{live_server.url}/ru/institutions/new/")
    page.click("main form.record-form button[type=submit].primary")
    page.wait_for_load_state()
    assert "Исправьте" in page.locator(".error-summary").inner_text()
    _shot(page, "institution-errors-ru-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "institution-errors-ru-390")
