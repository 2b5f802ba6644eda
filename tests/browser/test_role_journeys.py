"""Issue 12's role journeys in a real browser, each from login and through the menus (no typed URL):
the coordinator finds an off-target project in the portfolio, opens it and exports the portfolio; the
institution records a cohort's employment and sees its reporting rate rise; the enterprise posts a
vacancy, sees candidates without anyone running a command, and then a trainee's interest."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from .test_journeys import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots/journeys")


def _nav(page, label: str) -> None:
    page.click(f"nav.main-nav >> text={label}")
    page.wait_for_load_state()


def test_coordinator_finds_an_off_target_project_and_exports_the_portfolio(page, live_server, journey_world):
    from tvetbridge.core.models import ExchangeRate, Source
    from tvetbridge.outcomes.io.price_tables import install_shipped_tables
    from tvetbridge.outcomes.models import CpiIndex, ProjectTarget

    # a transactional test before this one may have flushed the price tables the migrations install
    install_shipped_tables(ExchangeRate, CpiIndex, Source)
    project = journey_world["project"]
    # 200 trainees were due by yesterday; one is enrolled
    ProjectTarget.objects.create(project=project, indicator="trainees", value=200,
                                 due=dt.date.today() - dt.timedelta(days=1))
    login(page, live_server.url, "coordinator-user", "pw-coordinator-123!")
    page.click("#portfolio-link")
    row = page.locator("#portfolio tbody tr", has=page.locator("td.pf-off_track"))
    assert row.count() == 1 and row.get_attribute("data-project") == str(project.pk)
    row.locator("th a").click()
    page.wait_for_load_state()
    assert project.name in page.locator("h1").inner_text()
    assert page.locator('table.targets tr[data-status="off_track"]').count() == 1
    page.go_back()
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert any(project.name in cell for r in rows[1:] for cell in r)


def test_institution_records_a_cohorts_employment_and_sees_completeness_rise(page, live_server, journey_world,
                                                                                tmp_path):
    from tvetbridge.outcomes.models import Enrolment, Trainee

    w = journey_world
    grad = w["grad"]
    second = Trainee.objects.create(external_key="syn-grad-2", identity_hash="c" * 64, institution=w["alt"],
                                    home_region=w["almaty"], consent_follow_up=True, consent_date=grad.consent_date)
    Enrolment.objects.create(external_key="enr-grad-2", trainee=second, project=w["project"],
                             programme=w["programme"], status="completed", start_date=w["enrolment"].start_date,
                             end_date=w["enrolment"].end_date)
    login(page, live_server.url, "institution-user", "pw-institution-123!")
    job_cell = page.locator(f'#completeness tr[data-project="{w["project"].pk}"] td:nth-child(5)')
    assert job_cell.inner_text().startswith("50%")
    _nav(page, "Results")
    page.click("main >> text=Import")
    page.select_option("#id_kind", "employment")
    upload = tmp_path / "employment.csv"
    start = (w["enrolment"].end_date + dt.timedelta(days=45)).isoformat()
    upload.write_text("external_key,trainee,enrolment,employer_name,country,region,start_date\n"
                      f"job-grad-2,syn-grad-2,enr-grad-2,Almaty Logistics LLP,KZ,KZ-75,{start}\n")
    page.set_input_files("#id_file", str(upload))
    page.click("main form button.primary")
    assert page.locator(".import-result .msg.success").is_visible(), page.locator(".import-result").inner_text()
    page.click("#my-work-link")
    assert job_cell.inner_text().startswith("100%")


def test_enterprise_posts_a_vacancy_sees_candidates_then_interest(page, live_server, journey_world, browser):
    from tvetbridge.demand.models import SkillDemand

    w = journey_world
    vacancy = w["vacancy"]
    login(page, live_server.url, "enterprise-user", "pw-enterprise-123!")
    page.click("main >> text=Post a vacancy or training order")
    page.select_option("#id_kind", "vacancy")
    page.fill("#id_title", "Pipe welder, Almaty")
    page.select_option("#id_country", "KZ")
    page.select_option("#id_region", str(w["almaty"].pk))
    page.fill("#id_occupation", vacancy.occupation.code)
    page.fill("#id_count", "3")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.click("button[name=suggest]", timeout=120000)
    page.wait_for_selector("#suggested-occupations", timeout=120000)
    # the suggested skills come ticked; keep the vacancy's own two
    for skill in vacancy.required_skills.all():
        box = page.locator(f'input[name=required_skills][value="{skill.pk}"]')
        if box.count():
            box.check()
    page.click("main form button.primary")
    page.wait_for_selector("#candidates-link")
    posted = SkillDemand.objects.get(title="Pipe welder, Almaty")
    page.click("#candidates-link")
    # the list was brought up to date when the vacancy was saved: no command, no waiting for a nightly run
    rows = page.locator("#candidates tbody tr")
    assert rows.count() >= 1 and "No candidates" not in rows.first.inner_text() and \
        "No consenting trainee" not in rows.first.inner_text()
    # the graduate says they are interested, in their own browser
    context = browser.new_context()
    trainee_page = context.new_page()
    login(trainee_page, live_server.url, "graduate", "pw-trainee-123!")
    trainee_page.click(f'article[data-vacancy="{posted.pk}"] button')
    assert "You said you are interested" in trainee_page.content()
    context.close()
    page.click("#my-work-link")
    interested = page.locator(f'#my-vacancies tr[data-demand="{posted.pk}"] td:nth-child(7)')
    assert interested.inner_text().strip() == "1"
    page.click(f'#my-vacancies tr[data-demand="{posted.pk}"] td:nth-child(6) a')
    assert page.locator("#interests tbody tr").count() == 1
    page.screenshot(path=str(SHOTS / "enterprise-after-interest.png"), full_page=True)
