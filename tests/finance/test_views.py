"""Finance pages through the Django test client: designer flow, forms, statements, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tvetbridge.finance import services
from tvetbridge.finance.forms import initial_from_spec
from tvetbridge.finance.models import FundDesign, ProfitShare, SimulationRun


def designer_post(**over) -> dict:
    spec = services.default_spec()
    spec["cohort"].update(cohort_size=50, horizon_months=36)
    spec["sponsors"]["loan"]["term_months"] = 48
    data = {k: ("on" if v is True else v) for k, v in initial_from_spec(spec).items()
            if v is not None and v is not False}
    data.update(n_paths=1_000, seed=1)
    data.update(over)
    return data


@pytest.fixture
def coordinator_client(client, users):
    client.force_login(users["coordinator"])
    return client


def test_designer_flow_run_see_figures_save_attach_compare(coordinator_client, users, world, inline_runs):
    c = coordinator_client
    page = c.get(reverse("finance_designer"), {"project": world["project"].pk})
    assert page.status_code == 200
    assert "No impact estimate for this project yet" in page.content.decode()
    resp = c.post(reverse("finance_designer"), designer_post(project=world["project"].pk))
    run = SimulationRun.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("finance_run", args=[run.pk])
    status = c.get(reverse("finance_run_status", args=[run.pk])).json()
    assert status["status"] == "done" and status["progress"] == 1.0
    html = c.get(resp["Location"]).content.decode()
    for text in ("Probability of ruin within 36 months", "Break-even profit-share rate",
                 "Reserve needed at 99%", "<svg", "Save this design"):
        assert text in html, text
    resp = c.post(reverse("finance_run_save", args=[run.pk]), {"name": "Floor + share A",
                                                               "project": world["project"].pk})
    design = FundDesign.objects.get()
    assert resp["Location"] == reverse("finance_design", args=[design.pk])
    assert design.project == world["project"] and design.summary["break_even_rate"] is not None
    assert "Floor + share A" in c.get(resp["Location"]).content.decode()

    data = designer_post(share_rate=20)
    del data["use_floor"]
    c.post(reverse("finance_designer"), data)
    b = services.save_design(users["coordinator"], SimulationRun.objects.latest("pk"), name="Share only 20%")
    html = c.get(reverse("finance_compare"), {"a": design.pk, "b": b.pk}).content.decode()
    assert "Floor + share A" in html and "Share only 20%" in html
    assert "Share of income gain (%)" in html  # a term that differs is listed
    assert html.count("<svg") >= 2


@pytest.mark.parametrize("field, value, message", [
    ("share_rate", 150, "Enter a value between 0 and 100%."),
    ("floor_floor_income", -5, "Must not be negative."),
    ("option_maturity_month", 2, "must come after the start"),
    ("cohort_fund_currency", "XYZ", "Select a valid choice"),
])
def test_designer_bad_terms_show_on_the_field_and_run_nothing(coordinator_client, inline_runs, field, value,
                                                              message):
    extra = {"use_option": "on", "option_start_month": 3, "option_strike": 800, "option_notional": 1,
             "option_premium": 0, "option_kind": "call"} if field.startswith("option") else {}
    resp = coordinator_client.post(reverse("finance_designer"), designer_post(**{**extra, field: value}))
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert SimulationRun.objects.count() == 0


def test_instrument_form_bad_share_names_field_and_saves_nothing(coordinator_client, fund):
    url = reverse("finance_instrument_create", args=[fund.pk, "share"])
    resp = coordinator_client.post(url, {"currency": "KZT", "rate": "150", "threshold": "0", "months": "36",
                                         "cap_multiple": "2"})
    assert resp.status_code == 200
    assert "Enter a value between 0 and 100%." in resp.context["form"].errors["rate"]
    assert ProfitShare.objects.count() == 0
    resp = coordinator_client.post(url, {"currency": "KZT", "rate": "12.5", "threshold": "0", "months": "36",
                                         "cap_multiple": "2"})
    assert resp.status_code == 302 and ProfitShare.objects.get().rate == Decimal("12.5")


def test_fund_page_posts_flows_and_exports_statements(coordinator_client, fund, world):
    c = coordinator_client
    today = dt.date.today()
    resp = c.post(reverse("finance_flow_create", args=[fund.pk]),
                  {"kind": "contribution", "amount": "5000", "date": today.isoformat(), "project": world["project"].pk})
    assert resp.status_code == 302
    html = c.get(reverse("finance_fund", args=[fund.pk])).content.decode()
    assert "Almaty Skills Fund" in html and "5,000.00" in html
    params = {"start": today.replace(month=1, day=1).isoformat(), "end": today.isoformat()}
    xlsx = c.get(reverse("finance_statement", args=[fund.pk]), {**params, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = c.get(reverse("finance_statement", args=[fund.pk]), {**params, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_access_by_role(client, users, fund, make_user, world):
    url = reverse("finance_fund", args=[fund.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(users["institution"])  # ALT staff: the fund serves their project
    assert client.get(url).status_code == 200
    assert client.get(reverse("finance_designer")).status_code == 403
    assert client.post(reverse("finance_flow_create", args=[fund.pk]), {}).status_code == 403
    client.force_login(make_user("institution", institution=world["other_institution"], username="o"))
    assert client.get(url).status_code == 403
    assert "Almaty Skills Fund" not in client.get(reverse("finance_home")).content.decode()
    client.force_login(users["enterprise"])
    assert client.get(reverse("finance_home")).status_code == 403
