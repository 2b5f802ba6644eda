"""In headless chromium, as an anonymous visitor in Russian: the Open data menu leads to the downloads,
the institutions CSV and the IATI activity file download, and the pages are screenshotted."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def chromium(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def test_anonymous_visitor_downloads_open_data_in_russian(published, live_server, chromium):
    page = chromium
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/ru/")
    page.click("nav.main-nav >> text=Открытые данные")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Открытые данные"
    page.screenshot(path=str(ARTIFACTS / "opendata-downloads-ru.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#institutions >> text=CSV")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "inst-alt" in text and "KZ-BIN-990140000483" in text
    page.click("text=Публикация в IATI")
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / "opendata-iati-ru.png"), full_page=True)
    response = page.request.get(f"{live_server.url}/open-data/iati/activity.xml")
    assert response.status == 200 and b"KZ-BIN-990140000483-LW-ALT-2023" in response.body()
    page.goto(f"{live_server.url}/open-data/")
    page.screenshot(path=str(ARTIFACTS / "opendata-downloads-en.png"), full_page=True)
