"""Instrument terms, permissions and the designer's services (runs, designs, project defaults)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.finance import services
from tvetbridge.finance.models import (
    Fund,
    FundDesign,
    IncomeFloor,
    OrderCommitment,
    ProfitShare,
    SimulationRun,
    SkillOption,
    SponsorCommitment,
)

D = Decimal


def small_spec(**cohort):
    spec = services.default_spec()
    spec["cohort"].update(cohort_size=50, horizon_months=36, **cohort)
    spec["sponsors"]["loan"]["term_months"] = 48
    return spec


# ---------------------------------------------------------------------------------------------
# bad terms: a clear error naming the field, and nothing saved


@pytest.mark.parametrize("kind, data, field, model", [
    ("share", {"rate": D("150"), "threshold": D("0"), "months": 36, "cap_multiple": D("2")}, "rate", ProfitShare),
    ("floor", {"floor_income": D("-1"), "refund_amount": D("0"), "refund_after_months": 6, "topup_months": 3},
     "floor_income", IncomeFloor),
    ("option", {"strike": D("800"), "start_month": 12, "maturity_month": 6}, "maturity_month", SkillOption),
    ("order", {"price_per_hire": D("100"), "currency": "XYZ"}, "currency", OrderCommitment),
    ("order", {"price_per_hire": D("100")}, "demand", OrderCommitment),
    ("sponsor", {"kind": "loan", "amount": D("1000"), "annual_rate": D("2"), "grace_months": 24,
                 "term_months": 12}, "grace_months", SponsorCommitment),
    ("sponsor", {"kind": "loan", "amount": D("1000")}, "annual_rate", SponsorCommitment),
])
def test_bad_terms_name_the_field_and_save_nothing(fund, users, world, parties, kind, data, field, model):
    extra = {"order": {"enterprise": world["jd"], "project": world["project"]},
             "sponsor": {"party": parties["bank"]}}.get(kind, {})
    with pytest.raises(ValidationError) as exc:
        services.create_instrument(users["coordinator"], fund, kind, {**data, **extra})
    assert field in exc.value.message_dict, exc.value.message_dict
    assert model.objects.count() == 0
    assert model.history.count() == 0


def test_error_messages_are_sentences_not_engine_internals(fund, users):
    with pytest.raises(ValidationError) as exc:
        services.create_instrument(users["coordinator"], fund, "share",
                                   {"rate": D("150"), "threshold": D("0"), "months": 36, "cap_multiple": D("2")})
    assert exc.value.message_dict["rate"] == ["Enter a value between 0 and 100%."]
    with pytest.raises(ValidationError) as exc:
        services.create_instrument(users["coordinator"], fund, "option",
                                   {"strike": D("800"), "start_month": 12, "maturity_month": 6})
    assert exc.value.message_dict["maturity_month"] == [
        "The maturity (month 6) must come after the start (month 12)."]


def test_good_terms_are_saved_with_an_audit_row(fund, users, world, parties, demands):
    c = users["coordinator"]
    share = services.create_instrument(c, fund, "share", {"rate": D("10"), "threshold": D("20000"), "months": 36,
                                                          "cap_multiple": D("2"), "currency": "KZT"})
    assert share.engine_terms().rate == pytest.approx(0.10)
    assert share.history.first().history_user == c
    order = services.create_instrument(c, fund, "order", {
        "enterprise": world["jd"], "project": world["project"], "price_per_hire": D("1500"),
        "upfront_share": D("20"), "committed_hires": 20, "demand": demands["jd_order"]})
    assert order.currency == "CNY" and order.engine_terms().upfront_share == pytest.approx(0.2)
    assert order.demand == demands["jd_order"] and demands["jd_order"].order_commitments.get() == order
    option = services.create_instrument(c, fund, "option", {"investor": parties["investor"], "strike": D("800"),
                                                            "maturity_month": 24, "premium": D("5000"),
                                                            "notional": D("100")})
    services.price_skill_option(c, option, small_spec(), n_paths=2_000)
    option.refresh_from_db()
    assert option.fair_value is not None and option.fair_value >= 0 and option.priced_at is not None


def test_fund_with_unknown_currency_is_refused(users):
    with pytest.raises(ValidationError) as exc:
        services.create_fund(users["coordinator"], {"name": "X", "currency": "XYZ"})
    assert "currency" in exc.value.message_dict
    assert Fund.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# permissions


def test_fund_managers_manage_institution_staff_see_their_projects_funds(fund, users, world, make_user):
    assert users["coordinator"].has_perm("finance.change_fund", fund)
    assert users["admin"].has_perm("finance.change_fund", fund)
    alt_staff = users["institution"]  # ALT University is a partner of the fund's project
    assert alt_staff.has_perm("finance.view_fund", fund)
    assert not alt_staff.has_perm("finance.change_fund", fund)
    assert not alt_staff.has_perm("finance.post_fund", fund)
    outsider = make_user("institution", institution=world["other_institution"], username="other-staff")
    assert not outsider.has_perm("finance.view_fund", fund)
    assert not users["enterprise"].has_perm("finance.view_fund", fund)
    assert not users["public"].has_perm("finance.view_fund", fund)
    with pytest.raises(PermissionDenied):
        services.create_fund(alt_staff, {"name": "Mine", "currency": "KZT"})
    with pytest.raises(PermissionDenied):
        services.create_instrument(alt_staff, fund, "share", {"rate": D("5"), "months": 12})


# ---------------------------------------------------------------------------------------------
# designer services


def test_spec_validation_names_section_and_field():
    spec = small_spec()
    spec["share"]["rate"] = 1.5
    spec["floor"]["floor_income"] = -5.0
    spec["option"] = {"strike": 800.0, "start_month": 10, "maturity_month": 5}
    with pytest.raises(ValidationError) as exc:
        services.design_from_spec(spec)
    assert set(exc.value.message_dict) == {"share.rate", "floor.floor_income", "option.maturity_month"}


def test_inline_run_produces_the_designer_figures(users, world, inline_runs):
    spec = small_spec()
    spec["option"] = {"strike": 50.0, "maturity_month": 24, "start_month": 0, "kind": "call", "cap": None,
                      "notional": 10.0, "premium": 100.0}
    run = services.start_simulation(users["coordinator"], spec, n_paths=2_000, seed=7, project=world["project"])
    assert run.status == SimulationRun.Status.DONE, run.error
    r = run.result
    assert len(r["ruin"]) == 37 and all(0 <= p <= 1 for p in r["ruin"])
    assert r["ruin"] == sorted(r["ruin"])  # ruin by t can only grow with t
    assert [h["months"] for h in r["ruin_by_horizon"]] == [12, 24, 36]
    assert 0 <= r["break_even"]["rate"] <= 1 or "error" in r["break_even"]
    assert r["reserve"]["es"] >= r["reserve"]["var"] >= 0
    assert r["option"]["value"] >= 0
    assert len(r["tornado"]["rows"]) == 12
    assert set(r["parties"]) == {"trainee", "fund", "enterprise", "investor", "sponsor"}


def test_same_seed_same_figures(users, inline_runs):
    a = services.start_simulation(users["coordinator"], small_spec(), n_paths=1_000, seed=3)
    b = services.start_simulation(users["coordinator"], small_spec(), n_paths=1_000, seed=3)
    assert a.result["fund_npv"] == b.result["fund_npv"]
    assert a.result["break_even"] == b.result["break_even"]


def test_only_fund_managers_run_and_save(users, inline_runs):
    for role in ("institution", "enterprise", "public"):
        with pytest.raises(PermissionDenied):
            services.start_simulation(users[role], small_spec(), n_paths=1_000)
    run = services.start_simulation(users["coordinator"], small_spec(), n_paths=1_000)
    with pytest.raises(PermissionDenied):
        services.save_design(users["institution"], run, name="x")
    assert FundDesign.objects.count() == 0


def test_bad_run_size_is_refused_and_nothing_queued(users, inline_runs):
    with pytest.raises(ValidationError) as exc:
        services.start_simulation(users["coordinator"], small_spec(), n_paths=10)
    assert "n_paths" in exc.value.message_dict
    assert SimulationRun.objects.count() == 0


def test_save_and_attach_design(users, world, inline_runs):
    c = users["coordinator"]
    run = services.start_simulation(c, small_spec(), n_paths=1_000)
    design = services.save_design(c, run, name="Floor + 10% share")
    assert design.summary["ruin_probability"] == run.result["ruin_by_horizon"][-1]["p"]
    assert design.spec == run.spec
    services.attach_design(c, design, world["project"])
    design.refresh_from_db()
    assert design.project == world["project"]
    assert users["institution"].has_perm("finance.view_funddesign", design)  # ALT staff: their project
    assert design.history.count() == 2


def test_project_defaults_use_host_currency_and_risk_hooks(world):
    spec, notes, _field_notes = services.spec_for_project(world["project"])
    assert spec["cohort"]["local_currency"] == "KZT"
    assert services.expected_gain_from_outcomes(world["project"]) is None
    assert spec["cohort"]["disruption_probability"] == services.DEFAULT_DISRUPTION
    assert len(notes) == 2
