"""In headless chromium: a fund manager (coordinator) designs a floor-plus-profit-share fund for a
demo project, runs it (progress polled in the background), sees ruin probability, break-even share
rate and reserve, and saves the design attached to the project."""

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_fund_manager_designs_runs_and_saves_a_floor_plus_share_fund(page, live_server, users, world):
    from tvetbridge.finance.models import FundDesign

    project = world["project"]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users["coordinator"].username)
    page.fill("#id_password", "pw-coordinator-123!")
    page.click("form button[type=submit]:not(.small)")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/finance/designer/?project={project.pk}")
    assert "No impact estimate for this project yet" in page.content()
    # The default design is a floor plus profit sharing; make the terms this fund's own.
    assert page.is_checked("#id_use_floor") and page.is_checked("#id_use_share")
    assert not page.is_checked("#id_use_option")
    page.fill("#id_cohort_cohort_size", "80")
    page.fill("#id_floor_floor_income", "180000")
    page.fill("#id_share_rate", "12")
    page.fill("#id_share_months", "36")
    page.fill("#id_n_paths", "24000")
    page.select_option("#id_project", str(project.pk))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finance-designer-form.png"), full_page=True)
    # A full-page screenshot resizes the viewport and back; Chromium then owes the page a scroll that
    # it pays on the next focus change, i.e. between the click's mousedown and mouseup, so the mouseup
    # lands on the form and no click reaches the button. Settle the scroll before clicking.
    page.evaluate("window.scrollTo(0, 0)")
    page.click("#run-simulation")
    page.wait_for_url(re.compile(r"/finance/runs/\d+/$"))
    page.wait_for_selector("#headline", timeout=20_000)  # the polling script reloads when done
    ruin = page.inner_text("#metric-ruin")
    assert "Probability of ruin within 60 months" in ruin and "%" in ruin
    assert re.search(r"\d+\.\d%", page.inner_text("#metric-break-even"))
    assert "CNY" in page.inner_text("#metric-reserve")
    assert page.locator("#chart-solvency svg").count() == 1
    assert page.locator("#chart-tornado svg").count() == 1
    assert page.locator("#ruin-table tbody tr").count() == 5
    page.screenshot(path=str(ARTIFACTS / "finance-designer-results.png"), full_page=True)

    page.fill("#id_name", "Luban floor + 12% share")
    page.select_option("#save-design select[name=project]", str(project.pk))
    page.click("#save-design-button")
    page.wait_for_url(re.compile(r"/finance/designs/\d+/$"))
    assert "Luban floor + 12% share" in page.inner_text("h1")
    assert project.name in page.inner_text("#design-project")
    design = FundDesign.objects.get()
    assert design.project == project and design.spec["share"]["rate"] == pytest.approx(0.12)
    assert design.summary["break_even_rate"] is not None and design.summary["reserve_var"] > 0
