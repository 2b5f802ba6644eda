"""The designer takes its expected income gain (and that gain's uncertainty) from the outcomes app's
latest impact estimate when there is one, and says so next to the field; otherwise it keeps its
assumption and says that instead."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from tvetbridge.finance import engine, services
from tvetbridge.finance import engine as mc
from tvetbridge.finance.engine import draws


def impact_payload(estimate=52_000.0, se=4_000.0, *, basis_key="KZT-real-2024", error="", method="aipw"):
    row = {"method": method, "label": "doubly robust (AIPW)", "estimand": "ATT", "estimate": estimate,
           "std_error": se, "ci_low": estimate - 1.96 * se, "ci_high": estimate + 1.96 * se, "level": 0.95,
           "n_treated": 118, "n_control": 240}
    return {"comparison": "applicants", "comparison_label": "applicants to this project who were not enrolled",
            "basis": f"{basis_key.split('-')[0]} at 2024 prices (real)", "basis_key": basis_key,
            "estimand": "ATT", "error": error, "estimates": [] if error else [row],
            "headline": None if error else row}


def store(project, payload, *, key="k1", days_ago=0):
    from tvetbridge.outcomes.models import ImpactResult

    result = ImpactResult.objects.create(project=project, key=key, payload=payload)
    ImpactResult.objects.filter(pk=result.pk).update(computed=timezone.now() - dt.timedelta(days=days_ago))
    return result


# ---------------------------------------------------------------------------------------------
# reading the estimate


def test_without_an_estimate_the_gain_stays_an_assumption(world):
    spec, notes, field_notes = services.spec_for_project(world["project"])
    default = services.default_spec()["cohort"]
    assert services.expected_gain_from_outcomes(world["project"]) is None
    assert spec["cohort"]["expected_gain"] == default["expected_gain"]
    assert spec["cohort"]["gain_uncertainty"] == 0
    assert notes[0] == "No impact estimate for this project yet: the income gain is an assumption."
    assert "cohort.expected_gain" not in field_notes
    assert spec["cohort"]["disruption_probability"] == services.DEFAULT_DISRUPTION
    assert field_notes["cohort.disruption_probability"] == [notes[1]]


def test_the_latest_estimate_becomes_the_gain_and_its_uncertainty(world):
    project = world["project"]
    store(project, impact_payload(30_000.0, 9_000.0), key="old", days_ago=40)
    store(project, impact_payload(52_000.0, 4_000.0), key="new", days_ago=1)
    spec, notes, field_notes = services.spec_for_project(project)
    assert spec["cohort"]["expected_gain"] == pytest.approx(52_000.0)
    assert spec["cohort"]["gain_uncertainty"] == pytest.approx(4_000.0)
    assert notes[0] == "Income gain and its uncertainty from the project's impact estimate."
    method_line, source_line = field_notes["cohort.expected_gain"]
    assert method_line == ("doubly robust (AIPW): 52,000 KZT per month; 95 percent interval 44,160 to 59,840 KZT "
                           "per month, standard error 4,000.")
    assert source_line.startswith("Impact estimate of Luban Workshop (ALT): doubly robust (AIPW), ATT, 118 trained "
                                  "vs 240 compared (applicants to this project who were not enrolled); "
                                  "KZT at 2024 prices (real); computed ")
    assert "cohort.gain_uncertainty" in field_notes
    est = services.expected_gain_from_outcomes(project)
    assert est.gain == pytest.approx(52_000.0) and est.std_error == pytest.approx(4_000.0)
    # the spec is valid for the engine as it stands
    assert services.design_from_spec(spec).cohort.gain_uncertainty == pytest.approx(4_000.0)


def test_an_estimate_in_another_currency_is_converted_at_the_basis_year_rate(world):
    from tvetbridge.core.models import ExchangeRate

    ExchangeRate.objects.filter(currency="KZT").delete()  # the shipped rates: replaced by one known rate
    ExchangeRate.objects.create(currency="KZT", date=dt.date(2024, 6, 30), per_usd=Decimal("470"))
    store(world["project"], impact_payload(110.0, 10.0, basis_key="USD-real-2024"))
    spec, _notes, field_notes = services.spec_for_project(world["project"])
    assert spec["cohort"]["expected_gain"] == pytest.approx(110.0 * 470)
    assert spec["cohort"]["gain_uncertainty"] == pytest.approx(10.0 * 470)
    assert "converted to KZT at the 2024 average rate (470 KZT per USD)" in field_notes["cohort.expected_gain"][1]


def test_without_an_exchange_rate_a_foreign_estimate_is_not_used(world):
    from tvetbridge.core.models import ExchangeRate

    ExchangeRate.objects.filter(currency="KZT").delete()
    store(world["project"], impact_payload(110.0, 10.0, basis_key="USD-real-2024"))
    spec, notes, field_notes = services.spec_for_project(world["project"])
    assert spec["cohort"]["expected_gain"] == services.default_spec()["cohort"]["expected_gain"]
    assert notes[0] == ("The latest impact estimate is in USD and there is no 2024 exchange rate to KZT: the "
                        "income gain is an assumption.")
    assert "cohort.expected_gain" not in field_notes


def test_failed_analyses_are_skipped_and_a_negative_gain_is_not_simulated(world):
    project = world["project"]
    store(project, impact_payload(error="Too few people with income observed after training"), key="failed")
    assert services.expected_gain_from_outcomes(project) is None
    store(project, impact_payload(-2_000.0, 3_000.0), key="negative", days_ago=5)
    spec, notes, field_notes = services.spec_for_project(project)
    assert services.expected_gain_from_outcomes(project).gain == pytest.approx(-2_000.0)
    assert spec["cohort"]["expected_gain"] == services.default_spec()["cohort"]["expected_gain"]
    assert "is not a positive gain" in notes[0]
    assert "standard error 3,000" in field_notes["cohort.expected_gain"][0]


def test_the_designer_page_shows_method_interval_and_source_next_to_the_field(client, users, world):
    store(world["project"], impact_payload(52_000.0, 4_000.0))
    client.force_login(users["coordinator"])
    page = client.get(f"/finance/designer/?project={world['project'].pk}").content.decode()
    assert 'value="52000.0"' in page and 'value="4000.0"' in page
    start = page.index('id="source-cohort_expected_gain"')
    block = page[start:page.index("</div>", start)]
    assert "doubly robust (AIPW)" in block and "95 percent interval 44,160 to 59,840 KZT" in block
    assert "Impact estimate of Luban Workshop (ALT)" in block


def test_the_designer_page_without_an_estimate_says_so(client, users, world):
    client.force_login(users["coordinator"])
    page = client.get(f"/finance/designer/?project={world['project'].pk}").content.decode()
    assert "No impact estimate for this project yet" in page
    assert 'id="source-cohort_expected_gain"' not in page


# ---------------------------------------------------------------------------------------------
# the engine's use of the uncertainty


def test_gain_level_draw_has_the_estimate_as_mean_and_its_standard_error_as_sd():
    c = engine.CohortAssumptions(expected_gain=50_000.0, gain_uncertainty=15_000.0)
    z = np.random.default_rng(7).standard_normal(400_000)
    level = c.expected_gain * np.exp(draws.gain_level_shift(c, z).astype(np.float64))
    n = level.size
    assert abs(level.mean() - 50_000.0) < 3 * 15_000.0 / math.sqrt(n)
    assert level.std() == pytest.approx(15_000.0, rel=0.01)


def small_design(**cohort):
    return engine.FundDesign(
        cohort=engine.CohortAssumptions(cohort_size=50, horizon_months=36, **cohort),
        sponsors=engine.Sponsors(initial_capital=150_000.0, training_cost=2_000.0),
        share=engine.ProfitShare(rate=0.10, threshold=0.0, months=24, cap_multiple=5.0))


def test_zero_uncertainty_leaves_every_random_number_as_it_was():
    base = mc.simulate_fund(small_design(), 20_000, seed=3)
    again = mc.simulate_fund(small_design(gain_uncertainty=0.0), 20_000, seed=3)
    assert again.fund_npv == base.fund_npv
    np.testing.assert_array_equal(again.balance_mean, base.balance_mean)


def test_uncertainty_about_the_gain_widens_the_fund_outcome_but_not_its_centre():
    known = mc.simulate_fund(small_design(), 40_000, seed=11)
    unsure = mc.simulate_fund(small_design(gain_uncertainty=30_000.0), 40_000, seed=11)
    # every cohort now shares a common surprise in its average gain: outcomes spread more
    assert unsure.fund_npv_se > 1.5 * known.fund_npv_se
    # shares are nearly linear in the gain here (no threshold, a loose cap): the mean barely moves
    assert abs(unsure.fund_npv - known.fund_npv) < 3 * math.hypot(unsure.fund_npv_se, known.fund_npv_se)
    # the same run in chunks of another size gives the same figures (streams are per block)
    chunked = mc.simulate_fund(small_design(gain_uncertainty=30_000.0), 40_000, seed=11, chunk_size=5_000)
    assert chunked.fund_npv == pytest.approx(unsure.fund_npv, rel=1e-9)


def test_negative_uncertainty_is_a_bad_term():
    with pytest.raises(ValueError, match="gain_uncertainty"):
        replace(engine.CohortAssumptions(), gain_uncertainty=-1.0)
