"""A coordinator opens a demo project and sees its funnel, targets by county, impact estimate with
interval and diagnostics, and a flag with its evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_coordinator_reviews_project_results(live_server, world, make_user, page, settings):
    settings.AXES_ENABLED = False
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.outcomes import flags

    project = world["project"]
    demo_outcomes.generate([project], seed=11, per_project=150, today=dt.date.today())
    from tvetbridge.outcomes.models import ProjectTarget

    # an ambitious employment target the synthetic cohort misses, so the page has a flag to show
    ProjectTarget.objects.filter(project=project, region=None, indicator="employment_6m").update(value=100)
    flags.evaluate_project(project)
    make_user("coordinator", username="coordinator")
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "coordinator")
    page.fill("input[name=password]", "pw-coordinator-123!")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/outcomes/projects/{project.pk}/")
    assert page.locator("figure.funnel svg").count() == 1
    assert page.locator("table.funnel-table tr[data-step=completed] td.num").first.inner_text().strip() != ""
    assert page.locator("table.targets tbody tr").count() >= 3
    assert "Almaty" in page.locator("table.targets").inner_text()
    head = page.locator(".card.headline").inner_text()
    assert "95% interval" in head and "Assumptions" in head
    assert page.locator("table.balance tbody tr").count() >= 3
    assert page.locator("table.estimators tr[data-method=aipw]").count() == 1
    flag = page.locator("article.flag").first
    assert flag.locator("dl.evidence dt").count() >= 2
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "outcomes-project-results.png"), full_page=True)
    flag.locator("h3 a").click()
    page.fill("textarea[name=comment]", "Asked the partner college for the missing follow-up survey.")
    page.select_option("select[name=status]", "reviewing")
    page.click("form.record-form button[type=submit]")
    assert "Asked the partner college" in page.locator("ul.comments").inner_text()
