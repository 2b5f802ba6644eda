"""In headless chromium: log in through the form as each role, switch through the four languages,
and check what each role may and may not see and do."""

import datetime
from pathlib import Path

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LANGUAGES = ["en", "zh-hans", "ru", "kk"]


@pytest.fixture
def data(world):
    from tvetbridge.core.models import Region, Source
    from tvetbridge.registry.models import CountryStatistic, Programme, ReportedResult

    source = Source.objects.create(key="kz-moe", title="National report on TVET", publisher="Ministry of Enlightenment",
                                   locator="Table 1", published=datetime.date(2025, 9, 1))
    CountryStatistic.objects.create(country=world["kz"], indicator="institutions", period="2025-2026", value=706,
                                    source=source)
    CountryStatistic.objects.create(country=world["kz"], indicator="students", period="2025-2026", value=562000,
                                    source=source)
    Region.objects.filter(pk=world["almaty"].pk).update(latitude=43.25, longitude=76.95)
    project = world["project"]
    project.fields.add(world["logistics"])
    ReportedResult.objects.create(project=project, indicator="trained", value=349, source=source)
    other = Programme.objects.create(external_key="prog-other", institution=world["other_institution"],
                                     name="Welding", field=world["logistics"], isced_level=4, duration_months=10,
                                     intake_capacity=20, expected_graduates=15, is_synthetic=True)
    return {**world, "other_programme": other}


def test_public_sees_dashboards_but_not_the_registry(page, live_server, data):
    response = page.goto(f"{live_server.url}/institutions/")
    assert "/login/" in page.url and response.ok
    page.goto(f"{live_server.url}/countries/KZ/")
    assert page.locator("#country-map svg").count() == 1
    assert page.locator("text=National report on TVET").count() >= 1
    assert page.locator("nav.main-nav a[href='/institutions/']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard_kz.png"), full_page=True)


def test_switch_through_four_languages(page, live_server, data, users):
    login(page, live_server.url, "coordinator-user", "pw-coordinator-123!")
    page.goto(f"{live_server.url}/countries/KZ/")
    seen_titles = set()
    for code in LANGUAGES[1:] + ["en"]:
        with page.expect_navigation():
            page.select_option("#lang-select", code)
        assert page.get_attribute("html", "lang") == code
        assert page.input_value("#lang-select") == code
        assert page.locator("#country-map svg").count() == 1
        prefix = "" if code == "en" else f"/{code}"
        assert page.url.rstrip("/").endswith(f"{prefix}/countries/KZ")
        seen_titles.add(page.title())
    assert len(seen_titles) >= 1
    # The choice sticks across pages.
    with page.expect_navigation():
        page.select_option("#lang-select", "ru")
    page.click("nav.main-nav a[href$='/institutions/']")
    assert page.get_attribute("html", "lang") == "ru" and "/ru/institutions/" in page.url


def test_institution_staff_edit_only_their_own(page, live_server, data, users):
    login(page, live_server.url, "institution-user", "pw-institution-123!")
    page.goto(f"{live_server.url}/programmes/{data['programme'].pk}/")
    assert page.locator("#edit-button").is_visible()
    page.screenshot(path=str(ARTIFACTS / "programme_detail.png"), full_page=True)
    page.goto(f"{live_server.url}/programmes/{data['other_programme'].pk}/")
    assert page.locator("#edit-button").count() == 0
    assert page.locator(".badge.synthetic").count() >= 1
    assert page.goto(f"{live_server.url}/programmes/{data['other_programme'].pk}/edit/").status == 403
    # Editing their own programme through the form works and lands back on the detail page.
    page.goto(f"{live_server.url}/programmes/{data['programme'].pk}/edit/")
    page.fill("#id_intake_capacity", "75")
    page.click("form.record-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("dd", has_text="75").count() >= 1
    assert page.goto(f"{live_server.url}/audit/").status == 403


def test_enterprise_staff_cannot_edit_institutions(page, live_server, data, users):
    login(page, live_server.url, "enterprise-user", "pw-enterprise-123!")
    assert page.goto(f"{live_server.url}/institutions/{data['alt'].pk}/edit/").status == 403
    page.goto(f"{live_server.url}/enterprises/{data['jd'].pk}/")
    assert page.locator("#edit-button").is_visible()
    page.goto(f"{live_server.url}/enterprises/{data['other_enterprise'].pk}/")
    assert page.locator("#edit-button").count() == 0


def test_coordinator_and_admin_see_audit_and_approve(page, live_server, data, users):
    from tvetbridge.registry.models import CooperationProject

    CooperationProject.objects.filter(pk=data["project"].pk).update(status="proposed")
    login(page, live_server.url, "coordinator-user", "pw-coordinator-123!")
    page.goto(f"{live_server.url}/projects/{data['project'].pk}/")
    assert page.locator("#reported-results", has_text="349").count() == 1
    page.screenshot(path=str(ARTIFACTS / "project_detail.png"), full_page=True)
    page.click("#approve-button")
    page.wait_for_load_state()
    assert page.locator("#approve-button").count() == 0
    page.click("nav.main-nav a[href$='/audit/']")
    assert page.locator("table.audit", has_text="coordinator-user").count() == 1
    page.screenshot(path=str(ARTIFACTS / "audit_log.png"), full_page=True)
    page.click("form[action$='/logout/'] button")
    page.wait_for_load_state()
    login(page, live_server.url, "admin-user", "pw-admin-123!")
    page.goto(f"{live_server.url}/institutions/{data['other_institution'].pk}/")
    assert page.locator("#delete-button").is_visible()
