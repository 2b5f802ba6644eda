"""In headless chromium: a new enterprise user posts a demand in Russian, sees it coded to an
occupation and skills, finds the gap it opens on the gap map and table, and the top proposal for that
gap becomes a draft project. Accepting is for coordinators and staff of a proposed institution, so a
coordinator presses "Accept" on the proposal the enterprise user saw."""

import datetime as dt
from pathlib import Path

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RUSSIAN_AD = "Требуется сварщик для монтажа трубопроводов"


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


@pytest.fixture
def setting(world, users, make_user):
    from tvetbridge.core.models import FieldOfStudy, Language, Region
    from tvetbridge.registry.models import FacultyLanguage, FacultyMember, Institution, Programme
    from tvetbridge.taxonomy import services as taxonomy

    taxonomy.load_taxonomy(isco_prefixes=["7212", "8311"], csco=False)
    Region.objects.filter(pk=world["almaty"].pk).update(latitude=43.25, longitude=76.95)
    shymkent = Region.objects.create(code="KZ-79", country=world["kz"], name="Шымкент", latitude=42.32,
                                     longitude=69.59)
    weld = FieldOfStudy.objects.create(code="0715", name="Mechanics and metal trades")
    Programme.objects.create(external_key="prog-weld", institution=world["other_institution"], name="Welding",
                             field=weld, isced_level=4, duration_months=10, intake_capacity=30, expected_graduates=6)
    tianjin = Institution.objects.create(external_key="inst-tj", name="Tianjin Welding College", kind="college",
                                         country=world["cn"], region=world["xj"])
    tianjin.fields.add(weld)
    teacher = FacultyMember.objects.create(external_key="fm-1", institution=tianjin, full_name="Li Wei")
    for code in ("zh", "ru"):
        FacultyLanguage.objects.create(faculty=teacher, language=Language.objects.get(code=code), level="C1")
    newcomer = make_user("enterprise", enterprise=world["jd"], username="new-enterprise")
    return {**world, "users": users, "shymkent": shymkent, "tianjin": tianjin, "newcomer": newcomer}


def test_russian_demand_to_gap_to_draft_project(browser, live_server, setting):
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching.models import Proposal

    w = setting
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = new_page(browser)
    login(page, base, "new-enterprise", "pw-enterprise-123!")

    # post the demand in Russian and let the platform code it
    page.goto(f"{base}/ru/demand/new/")
    page.fill("#id_title", RUSSIAN_AD)
    page.fill("#id_description", "Сварка труб, чтение чертежей, работа на объекте.")
    page.select_option("#id_country", "KZ")
    page.select_option("#id_region", str(w["shymkent"].pk))
    page.fill("#id_count", "12")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=90)).isoformat())
    page.fill("#id_offered_wage", "400000")
    page.select_option("#id_wage_currency", "KZT")
    page.click("button[name=suggest]", timeout=180000)
    page.wait_for_selector("#suggested-occupations", timeout=180000)
    assert page.input_value("#id_occupation").startswith("7212")
    page.click("main form button.primary")
    page.wait_for_selector("#demand-occupation")
    assert "7212" in page.inner_text("#demand-occupation")
    assert page.locator("#demand-skills li a").count() >= 1
    demand = SkillDemand.objects.get()
    assert demand.occupation.isco_group_id == "7212" and demand.region == w["shymkent"]

    # the gap it opens, on the map and in the table
    page.goto(f"{base}/ru/matching/gaps/")
    assert page.locator("#gap-map svg").count() == 1
    key = f"R{w['shymkent'].pk}~O{demand.occupation_id}"
    row = page.locator(f"#gaps tr[data-key='{key}']")
    assert row.count() == 1
    assert row.locator("td strong").inner_text() == "12"  # no welding graduates within 300 km of Shymkent
    page.screenshot(path=str(ARTIFACTS / "gap_map.png"), full_page=True)
    row.locator("a.proposals").click()
    page.wait_for_selector("#proposal-1")
    assert "Tianjin Welding College" in page.inner_text("#proposal-1 h2")
    assert page.locator("#proposal-1 button.primary").count() == 0  # enterprises do not start projects
    proposals_url = page.url
    context.close()

    # a coordinator turns the top proposal into a draft project
    context, page = new_page(browser)
    login(page, base, "coordinator-user", "pw-coordinator-123!")
    page.goto(proposals_url)
    page.click("#proposal-1 button.primary")
    page.wait_for_load_state()
    proposal = Proposal.objects.get()
    assert page.url.rstrip("/").endswith(f"/{proposal.project_id}")
    project = proposal.project
    assert project.status == "draft" and project.target_trainees == 12
    assert project.chinese_institutions.get() == w["tianjin"]
    assert list(proposal.demands.all()) == [demand]
    assert "7212" in page.content()
    page.screenshot(path=str(ARTIFACTS / "gap_project.png"), full_page=True)
    context.close()
