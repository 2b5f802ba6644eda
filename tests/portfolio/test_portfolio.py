"""The portfolio: every visible project × its indicators, coloured against target, filtered, sorted,
exported as shown, for the roles that have one, in a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tvetbridge.outcomes.models import (
    ImpactResult,
    QualityFlag,
)
from tvetbridge.portfolio import queries
from tvetbridge.registry.models import CooperationProject

TODAY = dt.date.today()


def _as(user):
    c = Client()
    c.force_login(user)
    return c


def test_cells_coloured_against_target(portfolio_world, users):
    data = queries.portfolio(users["coordinator"], {}, today=TODAY)
    rows = {r["project"].pk: r["cells"] for r in data["rows"]}
    c = rows[portfolio_world["p1"].pk]
    # 10 enrolled where 100 × 2/3 of the project time ≈ 66.7 were due: off track
    assert c["trainees"]["value"] == 10 and c["trainees"]["status"] == "off_track"
    assert c["trainees"]["expected"] == pytest.approx(66.7, abs=0.5)
    assert c["completion"]["value"] == pytest.approx(80.0) and c["completion"]["status"] == "at_risk"  # 80/90
    assert c["certification"]["value"] == pytest.approx(50.0) and c["certification"]["status"] == "no_target"
    assert c["employment"]["value"] == pytest.approx(75.0) and c["employment"]["status"] == "on_track"  # 75/70
    assert (c["income_gain"]["value"], c["income_gain"]["low"], c["income_gain"]["high"]) == (90.0, 40.0, 140.0)
    assert c["income_gain"]["status"] == "at_risk"  # 90 of a 100 USD target
    assert c["cost_per_employed"]["value"] == pytest.approx(c["cost_per_employed"]["spent"] / 6)
    assert c["flags"]["value"] == 2 and c["flags"]["status"] == "off_track"  # open + under review
    assert c["risk"]["status"] == "off_track" and c["risk"]["value"] == 6.1
    empty = rows[portfolio_world["p2"].pk]
    assert empty["trainees"]["value"] == 0 and empty["employment"]["value"] is None
    assert empty["income_gain"]["status"] == "no_target" and empty["risk"]["status"] == "no_data"


def test_income_gain_whose_interval_includes_zero_is_off_track(portfolio_world, users):
    ImpactResult.objects.filter(project=portfolio_world["p1"]).update(payload={
        "comparison": "applicants", "basis_key": portfolio_world["basis"].key,
        "headline": {"estimate": 120.0, "ci_low": -10.0, "ci_high": 250.0}})
    data = queries.portfolio(users["coordinator"], {}, today=TODAY)
    cell = next(r for r in data["rows"] if r["project"] == portfolio_world["p1"])["cells"]["income_gain"]
    assert cell["value"] == 120.0 and cell["status"] == "off_track"
    # in another money basis nothing is stored: a dash, never a number computed for the page
    data = queries.portfolio(users["coordinator"], {"currency": "KZT"}, today=TODAY)
    cell = next(r for r in data["rows"] if r["project"] == portfolio_world["p1"])["cells"]["income_gain"]
    assert cell["value"] is None


def test_page_states_rule_legend_and_links_results(portfolio_world, users):
    html = _as(users["coordinator"]).get("/portfolio/").content.decode()
    assert "on track at 95% or more" in html and "two or more are off track" in html
    for label in ("on track", "at risk", "off track", "not yet measurable", "no target set"):
        assert label in html
    assert f'href="/outcomes/projects/{portfolio_world["p1"].pk}/"' in html
    assert 'class="num pf-off_track" data-col="trainees"' in html
    assert "USD at" in html  # the money basis is stated


def test_income_figure_carries_its_verdict(portfolio_world, users):
    ImpactResult.objects.filter(project=portfolio_world["p1"]).update(payload={
        "comparison": "applicants", "basis_key": portfolio_world["basis"].key,
        "headline": {"estimate": 120.0, "ci_low": 10.0, "ci_high": 250.0}, "reliability": {"verdict": "fragile"}})
    html = _as(users["coordinator"]).get("/portfolio/").content.decode()
    assert '<span class="sub" data-verdict="fragile">Fragile</span>' in html


@pytest.mark.parametrize("params, expected", [
    ({"country": "TJ"}, {"p2"}), ({"kind": "luban_workshop"}, {"p1"}), ({"status": "proposed"}, {"p2"}),
    ({"year": "2021"}, {"p2"}), ({"field": "10"}, {"p1"}), ({"alliance": "ALLIANCE"}, {"p1"}),
    ({"region": "REGION"}, {"p1"}), ({"country": "ZZ", "kind": "nonsense"}, set()),
])
def test_filters(portfolio_world, users, world, params, expected):
    params = {k: (str(portfolio_world["alliance"].pk) if v == "ALLIANCE" else str(world["almaty"].pk)
                  if v == "REGION" else v) for k, v in params.items()}
    data = queries.portfolio(users["coordinator"], params, today=TODAY)
    assert {r["project"].pk for r in data["rows"]} == {portfolio_world[k].pk for k in expected}


def test_sorting_puts_missing_values_last_both_ways(portfolio_world, users):
    p1, p2 = portfolio_world["p1"].pk, portfolio_world["p2"].pk
    for sort in ("employment", "-employment"):
        data = queries.portfolio(users["coordinator"], {"sort": sort}, today=TODAY)
        assert [r["project"].pk for r in data["rows"]] == [p1, p2]
    data = queries.portfolio(users["coordinator"], {"sort": "-trainees"}, today=TODAY)
    assert [r["project"].pk for r in data["rows"]] == [p1, p2]
    data = queries.portfolio(users["coordinator"], {"sort": "trainees"}, today=TODAY)
    assert [r["project"].pk for r in data["rows"]] == [p2, p1]


def test_export_is_what_is_shown_with_inert_cells(portfolio_world, users):
    CooperationProject.objects.filter(pk=portfolio_world["p2"].pk).update(name='=HYPERLINK("http://x","y")')
    c = _as(users["coordinator"])
    response = c.get("/portfolio/export.csv?sort=-trainees&country=&currency=USD")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert [r[0] for r in body] == [portfolio_world["p1"].name, "'" + '=HYPERLINK("http://x","y")']
    row = dict(zip(header, body[0], strict=True))
    assert (row["Trainees"], row["Trainees: status"], row["Employed at 6 months (%)"]) == ("10", "off track", "75")
    assert row["Income gain"] == "90" and row["Results page"].endswith(f"/outcomes/projects/{portfolio_world['p1'].pk}/")
    # the filters of the page apply to the file
    xlsx = c.get("/portfolio/export.xlsx?country=TJ")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][0] == '=HYPERLINK("http://x","y")'
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, not a formula


def test_who_sees_the_portfolio(portfolio_world, users, make_user, world):
    mine = queries.portfolio(users["institution"], {}, today=TODAY)
    assert [r["project"].pk for r in mine["rows"]] == [portfolio_world["p1"].pk]
    html = _as(users["institution"]).get("/portfolio/").content.decode()
    assert "Dushanbe" not in html and 'id="portfolio-link"' in html
    # the export is scoped the same way
    body = _as(users["institution"]).get("/portfolio/export.csv").content.decode("utf-8-sig")
    assert "Dushanbe" not in body
    assert 'id="portfolio-link"' in _as(users["coordinator"]).get("/my/").content.decode()
    for role in ("enterprise",):
        c = _as(users[role])
        assert c.get("/portfolio/").status_code == 403
        assert c.get("/portfolio/export.csv").status_code == 403
        assert 'id="portfolio-link"' not in c.get("/my/").content.decode()
    assert Client().get("/portfolio/").status_code == 302  # to the login page
    assert "portfolio-link" not in Client().get("/").content.decode()


def test_queries_do_not_grow_with_projects(portfolio_world, users, world, add_people):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.portfolio(users["coordinator"], {}, today=TODAY)
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        p = CooperationProject.objects.create(external_key=f"proj-x{i}", name=f"Extra {i}", kind="exchange",
                                              status="active", host_country=world["kz"], target_trainees=10)
        add_people(p, 3, completed=2, employed=1, prefix=f"x{i}")
        QualityFlag.objects.create(project=p, rule="unreported")
    assert count() == before


def test_project_starting_on_a_leap_day(portfolio_world, users):
    # found by the benchmark: a start on 29 February plus the default three years is no date
    CooperationProject.objects.filter(pk=portfolio_world["p2"].pk).update(start_date=dt.date(2024, 2, 29),
                                                                          target_trainees=10)
    data = queries.portfolio(users["coordinator"], {}, today=TODAY)
    assert next(r for r in data["rows"] if r["project"] == portfolio_world["p2"])["cells"]["trainees"]["target"] == 10
