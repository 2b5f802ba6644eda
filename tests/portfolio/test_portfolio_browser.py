"""Issue 12's coordinator journey in a real browser: from login, through the menus only, find an
off-target project in the portfolio, open it, and export the portfolio."""

import csv
import io
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots/portfolio")


def test_coordinator_finds_off_target_project_opens_it_and_exports(page, live_server, portfolio_world, users):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/")
    page.click("header .tools >> text=Log in")
    page.fill("#id_username", "coordinator-user")
    page.fill("#id_password", "pw-coordinator-123!")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/my/")
    page.click("#portfolio-link")
    assert page.locator("#portfolio").is_visible()
    page.screenshot(path=str(SHOTS / "portfolio-en.png"), full_page=True)
    # sort by trainees (a figure: largest first), then pick the first project with a cell off target
    page.click("#portfolio thead >> text=Trainees (target)")
    row = page.locator("#portfolio tbody tr:has(td.pf-off_track)").first
    name = row.locator("th a").inner_text()
    assert name == portfolio_world["p1"].name
    row.locator("th a").click()
    page.wait_for_load_state()
    assert f"/outcomes/projects/{portfolio_world['p1'].pk}/" in page.url
    assert page.locator("h1").inner_text().strip().endswith(name) or name in page.content()
    page.click("#portfolio-link")
    page.select_option("select[name=country]", "KZ")
    page.click("#portfolio-filters button[type=submit]")
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [name]  # exactly what the filtered page shows
    with page.expect_navigation():
        page.select_option("#lang-select", "ru")
    page.screenshot(path=str(SHOTS / "portfolio-ru.png"), full_page=True)
