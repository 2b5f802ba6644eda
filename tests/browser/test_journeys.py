"""Issue 12 in a real browser: the trainee's journey from login, the anonymous visitor reaching the
public risk summary from the menu, and screenshots of the role home pages in two languages."""

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SHOTS = Path("var/screenshots/journeys")


def login(page, base, username, password):
    """From the public home page, through the menu's "Log in" button (no typed URL)."""
    page.goto(base + "/")
    page.click("header .tools >> text=Log in")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, "login failed"


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_trainee_opens_record_downloads_and_withdraws_consent(page, live_server, journey_world, shots):
    login(page, live_server.url, "graduate", "pw-trainee-123!")
    assert page.url.endswith("/my/")  # landed on their own record, not the public home page
    page.screenshot(path=str(shots / "trainee-en.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#download-json")
    data = json.loads(Path(download.value.path()).read_text())
    assert data["credentials"][0]["name"] == "Welder level 3"
    page.click(f'article[data-vacancy="{journey_world["vacancy"].pk}"] button')
    assert "You said you are interested" in page.content()
    page.uncheck("#id_consent_matching")
    page.click("#save-consent")
    assert page.locator("#matching-off").is_visible()
    page.goto(f"{live_server.url}/ru/my/")
    page.screenshot(path=str(shots / "trainee-ru.png"), full_page=True)


def test_anonymous_reaches_risk_summary_and_results_from_the_menu(page, live_server, journey_world, shots):
    page.goto(live_server.url + "/")
    page.click("nav.main-nav >> text=Country risk")
    assert page.locator("#risk-ranking").is_visible() and "/login/" not in page.url
    page.click("#risk-ranking >> text=Tajikistan")
    assert page.locator("#risk-value").is_visible()
    page.screenshot(path=str(shots / "risk-public-en.png"), full_page=True)
    page.click("nav.main-nav >> text=Results")
    assert "/outcomes/projects/" in page.url


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize(("username", "password"), [("coordinator-user", "pw-coordinator-123!"),
                                                    ("institution-user", "pw-institution-123!"),
                                                    ("enterprise-user", "pw-enterprise-123!")])
def test_role_home_pages(page, live_server, journey_world, shots, username, password, lang):
    login(page, live_server.url, username, password)
    assert page.url.endswith("/my/")
    prefix = "" if lang == "en" else f"/{lang}"
    page.goto(f"{live_server.url}{prefix}/my/")
    assert page.locator("h1").inner_text()
    page.screenshot(path=str(shots / f"{username}-{lang}.png"), full_page=True)
