"""The finance API: who may do what, bad terms refused with a clear error and nothing saved, and no
ledger entry written unbalanced."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from tvetbridge.core import tokens
from tvetbridge.finance import services
from tvetbridge.finance.models import (
    Entry,
    Fund,
    IncomeFloor,
    OrderCommitment,
    ProfitShare,
    SkillOption,
    Transaction,
)


class Api:
    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None and getattr(user, "is_authenticated", False):
            _token, key = tokens.issue_token(user, "finance api test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1/finance{path}", params or {}, headers=self.headers)

    def post(self, path, data):
        return self.client.post(f"/api/v1/finance{path}", data=json.dumps(data, default=str),
                                content_type="application/json", headers=self.headers)


@pytest.fixture
def api(users):
    return lambda role: Api(users[role])


def saved_nothing(*models):
    return all(m.objects.count() == 0 for m in models) and all(m.history.count() == 0 for m in models)


# ---------------------------------------------------------------------------------------------
# permissions


def test_who_may_see_and_change_funds(api, fund, users, world, make_user):
    assert api("coordinator").get(f"/funds/{fund.pk}").status_code == 200
    assert [f["id"] for f in api("institution").get("/funds").json()] == [fund.pk]  # ALT: its project's fund
    assert api("institution").get(f"/funds/{fund.pk}/balances").status_code == 200
    outsider = make_user("institution", institution=world["other_institution"], username="other-staff")
    assert Api(outsider).get(f"/funds/{fund.pk}").status_code == 403
    assert Api(outsider).get("/funds").json() == []
    assert api("enterprise").get(f"/funds/{fund.pk}").status_code == 403
    assert api("public").get(f"/funds/{fund.pk}").status_code == 401
    assert api("coordinator").get("/funds/999999").status_code == 404


def test_only_fund_managers_create_funds_terms_and_postings(api, fund, world):
    for role in ("institution", "enterprise"):
        res = api(role).post("/funds", {"name": "Mine", "currency": "KZT", "projects": [world["project"].pk]})
        assert res.status_code == 403, res.content
        res = api(role).post(f"/funds/{fund.pk}/terms/share", {"rate": 10, "months": 12})
        assert res.status_code == 403
        cash = fund.accounts.get(code="cash")
        capital = fund.accounts.get(code="capital")
        res = api(role).post(f"/funds/{fund.pk}/transactions", {
            "date": "2026-01-05", "description": "x", "kind": "contribution",
            "lines": [{"account": cash.pk, "amount": "10"}, {"account": capital.pk, "amount": "-10"}]})
        assert res.status_code == 403
    assert api("public").post("/funds", {"name": "Mine", "currency": "KZT"}).status_code == 401
    assert Fund.objects.count() == 1 and Transaction.objects.count() == 0
    assert saved_nothing(ProfitShare)


def test_a_run_is_seen_by_whoever_sees_its_project(api, users, world, inline_runs):
    from tests.finance.test_services import small_spec

    run = services.start_simulation(users["coordinator"], small_spec(), n_paths=500, project=world["project"])
    res = api("coordinator").get(f"/runs/{run.pk}")
    assert res.status_code == 200 and res.json()["status"] == "done"
    assert res.json()["result"]["n_paths"] >= 500
    assert api("institution").get(f"/runs/{run.pk}").status_code == 200  # ALT is a partner of the project
    assert api("enterprise").get(f"/runs/{run.pk}").status_code == 403


# ---------------------------------------------------------------------------------------------
# bad terms: 422 naming the field, nothing saved


@pytest.mark.parametrize("kind, body, field, message, model", [
    ("share", {"rate": 150, "threshold": 0, "months": 36, "cap_multiple": 2}, "rate",
     "Enter a value between 0 and 100%.", ProfitShare),
    ("floor", {"floor_income": -1, "refund_amount": 0, "refund_after_months": 6, "topup_months": 3},
     "floor_income", "Must not be negative.", IncomeFloor),
    ("option", {"strike": 800, "start_month": 12, "maturity_month": 6}, "maturity_month",
     "The maturity (month 6) must come after the start (month 12).", SkillOption),
    ("share", {"rate": 10, "months": 36, "currency": "XYZ"}, "currency", "not a valid choice", ProfitShare),
    ("share", {"rate": 10, "months": 36, "colour": "red"}, "colour", "Unknown field", ProfitShare),
    ("share", {"rate": [10], "months": 36}, "rate", "Give a number.", ProfitShare),
    ("share", {"rate": "ten", "months": 36}, "rate", "must be a decimal number", ProfitShare),
    ("order", {"demand": "SD-2025-017", "price_per_hire": 10}, "demand", "Give the id of the record",
     OrderCommitment),
    ("order", {"demand": 987654, "price_per_hire": 10}, "demand", "There is no skill demand with id 987654.", OrderCommitment),
    ("option", {"strike": 800, "maturity_month": 24, "notes": "a\x00b"}, "notes", "NUL", SkillOption),
])
def test_bad_terms_get_a_clear_error_and_nothing_is_saved(api, fund, kind, body, field, message, model):
    res = api("coordinator").post(f"/funds/{fund.pk}/terms/{kind}", body)
    assert res.status_code == 422, res.content
    errors = res.json()["errors"]
    assert field in errors, errors
    assert any(message in m for m in errors[field]), errors[field]
    assert saved_nothing(model)


def test_good_terms_are_recorded(api, fund, world, demands):
    res = api("coordinator").post(f"/funds/{fund.pk}/terms/share", {"rate": "12.5", "threshold": 20000, "months": 36,
                                                                   "cap_multiple": 2, "currency": "KZT"})
    assert res.status_code == 201, res.content
    share = ProfitShare.objects.get(pk=res.json()["id"])
    assert share.rate == Decimal("12.5") and share.fund == fund and share.currency == "KZT"
    # an order names its demand; enterprise, currency and price come from it
    res = api("coordinator").post(f"/funds/{fund.pk}/terms/order", {"demand": demands["jd_order"].pk,
                                                                   "committed_hires": 20})
    assert res.status_code == 201, res.content
    order = OrderCommitment.objects.get(pk=res.json()["id"])
    assert (order.enterprise, order.currency, order.price_per_hire) == (world["jd"], "CNY", Decimal("1500"))


def test_fund_with_unknown_currency_or_project_is_refused(api, world):
    res = api("coordinator").post("/funds", {"name": "X", "currency": "XYZ"})
    assert res.status_code == 422 and "currency" in res.json()["errors"]
    res = api("coordinator").post("/funds", {"name": "X", "currency": "KZT", "projects": [world["project"].pk, 4242]})
    assert res.status_code == 422 and res.json()["errors"]["projects"] == ["No project with id 4242."]
    assert Fund.objects.count() == 0
    res = api("coordinator").post("/funds", {"name": "Y", "currency": "KZT", "projects": [world["project"].pk]})
    assert res.status_code == 201
    fund = Fund.objects.get()
    assert fund.accounts.filter(code="cash").exists() and list(fund.projects.all()) == [world["project"]]


# ---------------------------------------------------------------------------------------------
# the ledger through the API


def lines(fund, *pairs):
    return [{"account": fund.accounts.get(code=code).pk, "amount": str(amount)} for code, amount in pairs]


@pytest.mark.parametrize("pairs, message", [
    ((("cash", "100.00"), ("capital", "-90.00")), "Debits and credits in CNY differ by 10.00."),
    ((("cash", "100.00"),), "A transaction needs at least two lines."),
    ((("cash", "100.005"), ("capital", "-100.005")), "Line 1: amounts have at most two decimals."),
    ((("cash", "0"), ("capital", "0")), "Line 1: the amount must not be zero."),
])
def test_unbalanced_or_malformed_postings_are_refused(api, fund, pairs, message):
    res = api("coordinator").post(f"/funds/{fund.pk}/transactions", {
        "date": "2026-01-05", "description": "Ministry contribution", "kind": "contribution",
        "lines": lines(fund, *pairs)})
    assert res.status_code == 422, res.content
    assert message in res.json()["errors"]["lines"]
    assert Transaction.objects.count() == 0 and Entry.objects.count() == 0


def test_an_account_of_another_fund_is_refused(api, fund, users):
    other = services.create_fund(users["coordinator"], {"name": "Other", "currency": "CNY"})
    services.open_standard_accounts(users["coordinator"], other)
    body = {"date": "2026-01-05", "description": "x", "kind": "contribution",
            "lines": [{"account": other.accounts.get(code="cash").pk, "amount": "5"},
                      {"account": fund.accounts.get(code="capital").pk, "amount": "-5"}]}
    res = api("coordinator").post(f"/funds/{fund.pk}/transactions", body)
    assert res.status_code == 422
    assert res.json()["errors"]["lines"] == ["Line 1: the account is not one of this fund's accounts."]
    assert Entry.objects.count() == 0


def test_bad_kind_or_text_is_refused(api, fund):
    base = {"date": "2026-01-05", "description": "x", "kind": "contribution",
            "lines": lines(fund, ("cash", "5"), ("capital", "-5"))}
    res = api("coordinator").post(f"/funds/{fund.pk}/transactions", {**base, "kind": "gift"})
    assert res.status_code == 422 and "kind" in res.json()["errors"]
    res = api("coordinator").post(f"/funds/{fund.pk}/transactions", {**base, "description": "a\x00b"})
    assert res.status_code == 422
    assert Transaction.objects.count() == 0


def test_a_balanced_posting_shows_in_the_balances(api, fund):
    res = api("coordinator").post(f"/funds/{fund.pk}/transactions", {
        "date": "2026-01-05", "description": "Ministry contribution", "kind": "contribution",
        "lines": lines(fund, ("cash", "250000.00"), ("capital", "-250000.00"))})
    assert res.status_code == 201, res.content
    rows = {r["account"]: r for r in api("coordinator").get(f"/funds/{fund.pk}/balances").json()}
    assert Decimal(rows["cash"]["balance"]) == Decimal("250000.00")
    assert Decimal(rows["capital"]["balance"]) == Decimal("250000.00")
    before = api("coordinator").get(f"/funds/{fund.pk}/balances", {"as_of": str(dt.date(2026, 1, 4))}).json()
    assert all(Decimal(r["balance"]) == 0 for r in before)
