"""The Monte Carlo engine against closed forms (within 3 MC standard errors) and its promises.

Every check uses a fixed seed, so a failure is a change of behaviour, not bad luck.
"""

import math
import tracemalloc
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tvetbridge.finance.engine import break_even_share_rate, price_option, simulate_fund, tornado
from tvetbridge.finance.engine import closedform as cf
from tvetbridge.finance.engine.accumulators import tail_risk
from tvetbridge.finance.engine.draws import BLOCK_PATHS, chunks, plan_blocks
from tvetbridge.finance.engine.instruments import (
    CURRENCY_CODES,
    CohortAssumptions,
    ConcessionalLoan,
    FundDesign,
    IncomeFloor,
    OrderCommitment,
    ProfitShare,
    SkillOption,
    Sponsors,
)
from tvetbridge.finance.engine.results import frozen

pytestmark = pytest.mark.engine


# --- two textbook surplus processes on the engine's block plan and seeded streams ----------------------
# They check the ruin machinery on its own (the plan, the per-block seeds, the running-minimum ruin
# count) against closed forms, without the fund's cash flows; only these tests use them.

@dataclass(frozen=True)
class RuinResult:
    times: np.ndarray
    probability: np.ndarray
    se: np.ndarray
    n_paths: int


def random_walk_ruin(initial: float, drift: float, volatility: float, horizon: float, n_steps: int,
                     n_paths: int, *, seed: int | None = 0, chunk_size: int = 262_144) -> RuinResult:
    """Ruin by each step of a surplus u + drift·t + σW_t looked at every horizon/n_steps."""
    if initial < 0:
        raise ValueError("initial: must not be negative")
    if volatility <= 0:
        raise ValueError("volatility: must be positive")
    if horizon <= 0 or n_steps < 1:
        raise ValueError("horizon/n_steps: must be positive")
    dt = horizon / n_steps
    plan = plan_blocks(1, n_paths, chunk_size)
    ruined = np.zeros(n_steps, dtype=np.int64)
    for blocks, seqs in chunks(plan, seed):
        for (_, nsb), ss in zip(blocks, seqs, strict=True):
            z = np.random.default_rng(ss).standard_normal((nsb, n_steps))
            path = initial + np.cumsum(drift * dt + volatility * math.sqrt(dt) * z, axis=1)
            ruined += (np.minimum.accumulate(path, axis=1) < 0).sum(0)
    p = ruined / plan.n_scenarios
    return RuinResult(times=frozen(dt * np.arange(1, n_steps + 1)), probability=frozen(p),
                      se=frozen(np.sqrt(p * (1 - p) / plan.n_scenarios)), n_paths=plan.n_scenarios)


def compound_poisson_ruin(u: float, premium_rate: float, claim_rate: float, mean_claim: float,
                          horizon: float, n_paths: int, *, seed: int | None = 0,
                          claims_per_draw: int = 256) -> RuinResult:
    """Ruin before ``horizon`` of u + c·t − (sum of exponential claims arriving at rate λ).

    Ruin can only happen at a claim, so paths are advanced claim by claim, in batches.
    """
    if u < 0:
        raise ValueError("u: must not be negative")
    for name, val in (("premium_rate", premium_rate), ("claim_rate", claim_rate),
                      ("mean_claim", mean_claim), ("horizon", horizon)):
        if not val > 0:
            raise ValueError(f"{name}: must be positive")
    plan = plan_blocks(1, n_paths, BLOCK_PATHS)
    ruined_total = 0
    for blocks, seqs in chunks(plan, seed):
        for (_, nsb), ss in zip(blocks, seqs, strict=True):
            rng = np.random.default_rng(ss)
            t = np.zeros(nsb)
            s = np.zeros(nsb)
            alive = np.arange(nsb)
            while alive.size:
                m = alive.size
                times = t[alive, None] + np.cumsum(rng.standard_exponential((m, claims_per_draw)), 1) / claim_rate
                claims = s[alive, None] + np.cumsum(rng.standard_exponential((m, claims_per_draw)), 1) * mean_claim
                low = (u + premium_rate * times - claims < 0) & (times <= horizon)
                hit = low.any(axis=1)
                ruined_total += int(hit.sum())
                go_on = ~hit & (times[:, -1] <= horizon)
                t[alive], s[alive] = times[:, -1], claims[:, -1]
                alive = alive[go_on]
    p = ruined_total / plan.n_scenarios
    return RuinResult(times=frozen(np.array([horizon])), probability=frozen(np.array([p])),
                      se=frozen(np.array([math.sqrt(p * (1 - p) / plan.n_scenarios)])),
                      n_paths=plan.n_scenarios)


def degenerate_cohort(*, drift: float, horizon: int = 6) -> CohortAssumptions:
    """One trainee per scenario, hired at once, earning exactly S0 × a GBM wage index."""
    return CohortAssumptions(
        cohort_size=1, training_months=0, monthly_dropout=0, monthly_employment_hazard=1,
        monthly_default_hazard=0, baseline_income=0, expected_gain=42, gain_dispersion=0,
        income_volatility=0, wage_drift=drift, wage_volatility=0.2, local_currency="CNY",
        fund_currency="CNY", fx_rate=1, fx_volatility=0, disruption_probability=0, discount_rate=0.10,
        horizon_months=horizon)


def demo_design(**over) -> FundDesign:
    """A floor-plus-profit-share fund for a Kazakh cohort, funded in CNY."""
    kw = dict(
        cohort=CohortAssumptions(cohort_size=100),
        sponsors=Sponsors(initial_capital=50_000, grant=20_000, trainee_fee=20_000, training_cost=2_000,
                          loan=ConcessionalLoan(principal=100_000, annual_rate=0.02, grace_months=12,
                                                term_months=96)),
        floor=IncomeFloor(refund_amount=100_000, refund_after_months=6, floor_income=200_000, topup_months=12),
        share=ProfitShare(rate=0.10, threshold=20_000, months=36, cap_multiple=2.0),
        order=OrderCommitment(price_per_hire=1_500, hire_probability=0.5, upfront_share=0.2, committed_hires=20),
        option=SkillOption(strike=800, maturity_month=24, notional=100, premium=5_000),
    )
    kw.update(over)
    return FundDesign(**kw)


# ---------------------------------------------------------------------------------------------
# external truth


@pytest.mark.parametrize("kind, reference", [("call", 4.7594), ("put", 0.8086)])
def test_option_on_lognormal_income_matches_black_scholes(kind, reference):
    design = FundDesign(cohort=degenerate_cohort(drift=0.10),
                        option=SkillOption(strike=40, maturity_month=6, kind=kind))
    value, se = price_option(design, 150_000, seed=20260501)
    assert reference == pytest.approx(cf.black_scholes(42, 40, 0.10, 0.20, 0.5, kind), abs=1e-4)
    assert abs(value - reference) < 3 * se


@pytest.mark.parametrize("kind", ["call", "put"])
def test_option_on_driftless_income_matches_black76(kind):
    design = FundDesign(cohort=degenerate_cohort(drift=0.0),
                        option=SkillOption(strike=40, maturity_month=6, kind=kind))
    value, se = price_option(design, 150_000, seed=20260502)
    assert abs(value - cf.black76(42, 40, 0.10, 0.20, 0.5, kind)) < 3 * se


def test_capped_call_is_a_call_spread():
    base = degenerate_cohort(drift=0.10)
    capped, se = price_option(FundDesign(cohort=base, option=SkillOption(strike=40, maturity_month=6, cap=5)),
                              150_000, seed=7)
    spread = cf.black_scholes(42, 40, 0.1, 0.2, 0.5) - cf.black_scholes(42, 45, 0.1, 0.2, 0.5)
    assert abs(capped - spread) < 3 * se


def test_compound_poisson_ruin_matches_cramer_lundberg():
    # λ = μ = 1, θ = 0.2, u = 5. Ruin after t = 2000 needs a survivor's surplus (≈ N(405, 2·2000))
    # to fall back to zero: about E[ψ(U_T)] ≈ exp(−R·405 + R²·2000)/1.2 ≈ 6e-6 with R = 1/6, far
    # below the standard error, so the long finite horizon stands for the infinite one.
    r = compound_poisson_ruin(5.0, premium_rate=1.2, claim_rate=1.0, mean_claim=1.0, horizon=2000.0,
                              n_paths=25_000, seed=20260503)
    ref = cf.cramer_lundberg_ruin_exponential(5.0, 0.2, 1.0)
    assert ref == pytest.approx(0.36217, abs=1e-5)
    assert abs(r.probability[0] - ref) < 3 * r.se[0]


def test_discretely_watched_brownian_surplus_matches_corrected_first_passage():
    u, mu, sig, T, steps = 2.0, 0.5, 1.0, 5.0, 260
    r = random_walk_ruin(u, mu, sig, T, steps, 100_000, seed=20260504)
    corrected = cf.discrete_brownian_ruin_probability(u, mu, sig, T, T / steps)
    continuous = cf.brownian_ruin_probability(u, mu, sig, T)
    assert abs(r.probability[-1] - corrected) < 3 * r.se[-1]
    # the correction is needed: weekly monitoring misses crossings the continuous formula counts
    assert continuous - r.probability[-1] > 3 * r.se[-1]
    assert np.all(np.diff(r.probability) >= 0)


def test_refunds_in_a_pool_follow_the_binomial_distribution():
    n, hazard, wait, amount = 20, 0.2, 3, 1_000.0
    cohort = CohortAssumptions(cohort_size=n, training_months=2, monthly_dropout=0,
                               monthly_employment_hazard=hazard, disruption_probability=0.0,
                               fx_volatility=0.0, fx_rate=1.0, local_currency="CNY", fund_currency="CNY",
                               horizon_months=12)
    design = FundDesign(cohort=cohort, floor=IncomeFloor(refund_amount=amount, refund_after_months=wait))
    r = simulate_fund(design, n * 20_000, seed=20260505)
    p = cf.refund_probability(hazard, wait)
    expected = cf.refund_count_pmf(n, p) * r.n_scenarios
    observed = r.refund_count_pmf * r.n_scenarios
    keep = expected >= 5  # pool sparse tails so the chi-square approximation holds
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    assert stats.chisquare(obs, exp).pvalue > 0.001
    # and the fund's mean refund outflow in the refund month is n·p·amount within 3 SE
    outflow = -r.mean_flows["refunds"][2 + wait]
    se = amount * math.sqrt(n * p * (1 - p) / r.n_scenarios)
    assert abs(outflow - n * p * amount) < 3 * se


def test_tail_estimator_matches_normal_var_and_es():
    rng = np.random.default_rng(20260506)
    mu, sig, alpha = 10.0, 3.0, 0.99
    chunks = [mu + sig * rng.standard_normal(100_000) for _ in range(8)]
    tr = tail_risk(chunks, alpha)
    assert abs(tr.var - cf.normal_var(mu, sig, alpha)) < 3 * tr.var_se
    assert abs(tr.es - cf.normal_es(mu, sig, alpha)) < 3 * tr.es_se
    # streaming changes nothing: the kept tail is exact
    whole = tail_risk(np.concatenate(chunks), alpha)
    assert (whole.var, whole.es) == (tr.var, tr.es)


# ---------------------------------------------------------------------------------------------
# behaviour


def test_fund_summary_is_coherent():
    r = simulate_fund(demo_design(), 100_000, seed=1)
    assert r.n_scenarios == 1_000 and r.months.size == 61
    assert np.all(np.diff(r.ruin_probability) >= 0)
    assert np.all(np.diff(r.balance_quantiles, axis=0) >= 0)   # quantile bands are ordered
    assert r.reserve.es >= r.reserve.var >= 0
    assert set(r.party_returns) == {"trainee", "fund", "enterprise", "investor", "sponsor"}
    # a concessional loan and a grant cost the sponsor money; the trainee gains on average
    assert r.party_returns["sponsor"].mean < 0 < r.party_returns["trainee"].mean
    assert 0 < r.rates["dropout"] < 0.1 and r.rates["employment"] > 0.8
    assert r.refund_count_pmf.sum() == pytest.approx(1.0)
    assert r.balance_mean[0] == pytest.approx(50_000 + 20_000 + 100_000 + 100 * 20_000 / 70 - 100 * 2_000
                                              + 0.2 * 20 * 1_500 + 5_000)


def test_same_seed_same_result_and_chunk_size_does_not_matter():
    d = demo_design()
    a = simulate_fund(d, 140_000, seed=42, chunk_size=65_536)
    b = simulate_fund(d, 140_000, seed=42, chunk_size=1_000_000)
    c = simulate_fund(d, 140_000, seed=43)
    assert a.fund_npv == b.fund_npv and a.reserve == b.reserve
    assert np.array_equal(a.balance_quantiles, b.balance_quantiles)
    assert np.array_equal(a.ruin_probability, b.ruin_probability)
    assert c.fund_npv != a.fund_npv


def test_figures_are_those_of_the_engine_before_the_monthly_loop_was_sliced():
    # Figures of the engine as it was before the monthly loop ran slice by slice (issue #18), for the
    # same seed: the rewrite changes no number. The tolerance only absorbs a float32 exp that
    # differs by an ulp between CPUs; a changed draw order moves these figures by percents.
    d = demo_design()
    d = replace(d, cohort=replace(d.cohort, gain_uncertainty=4_000.0))
    r = simulate_fund(d, 30_000, seed=7, chunk_size=40_000)
    got = (r.fund_npv, r.balance_mean[-1], r.balance_quantiles[1][-1], r.party_returns["trainee"].mean,
           r.option_value, r.reserve.var, r.mean_flows["topups"].sum(), r.mean_flows["shares"].sum())
    before = (99996.23693448765, 200220.40255523488, 97343.5806698493, 34013.18288785408,
              6363.5732136832985, 96544.00674368466, -39060.93682196627, 267976.27946929244)
    assert got == pytest.approx(before, rel=1e-6)


def test_progress_is_reported_up_to_completion():
    seen: list[float] = []
    simulate_fund(demo_design(), 200_000, seed=3, chunk_size=65_536, progress=seen.append)
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_memory_stays_flat_as_paths_grow():
    d = demo_design(cohort=CohortAssumptions(cohort_size=500))
    peaks = []
    for n in (200_000, 600_000):
        tracemalloc.start()
        simulate_fund(d, n, seed=5, chunk_size=65_536)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.15 * peaks[0]


def test_break_even_rate_makes_fund_npv_zero():
    d = demo_design(option=None)
    be = break_even_share_rate(d, 50_000, seed=9)
    assert 0 < be.rate < 1
    scale = 100 * d.sponsors.training_cost
    assert abs(be.fund_npv) < 1e-3 * scale
    lower = simulate_fund(replace(d, share=replace(d.share, rate=be.rate - 0.01)), 50_000, seed=9).fund_npv
    higher = simulate_fund(replace(d, share=replace(d.share, rate=be.rate + 0.01)), 50_000, seed=9).fund_npv
    assert lower < 0 < higher


def test_break_even_reports_when_no_rate_suffices():
    d = demo_design(option=None, sponsors=Sponsors(training_cost=1e9))
    with pytest.raises(ValueError, match="^share.rate:"):
        break_even_share_rate(d, 20_000, seed=1)


def test_tornado_ranks_assumptions_and_moves_the_right_way():
    t = tornado(demo_design(), 20_000, seed=4, metric="fund_npv", rel_change=0.2,
                assumptions=("expected_gain", "monthly_default_hazard", "discount_rate"))
    assert [r.swing for r in t.rows] == sorted((r.swing for r in t.rows), reverse=True)
    row = {r.assumption: r for r in t.rows}
    assert row["expected_gain"].high_value > t.base_value > row["expected_gain"].low_value
    assert row["monthly_default_hazard"].high_value < row["monthly_default_hazard"].low_value


def test_country_disruption_delays_jobs_and_hurts_the_fund():
    calm = simulate_fund(demo_design(), 50_000, seed=8)
    rough = simulate_fund(demo_design(cohort=CohortAssumptions(cohort_size=100, disruption_probability=0.1,
                                                               disruption_months=6)), 50_000, seed=8)
    assert rough.rates["refund"] > calm.rates["refund"]
    assert rough.fund_npv < calm.fund_npv
    assert rough.ruin_probability[-1] >= calm.ruin_probability[-1]


def test_profit_share_cap_binds():
    small_cap = demo_design(share=ProfitShare(rate=0.5, threshold=0, months=48, cap_multiple=0.5))
    r = simulate_fund(small_cap, 20_000, seed=2)
    cap_total = 0.5 * 2_000 * 70 * 100          # local currency per cohort at most
    assert r.mean_flows["shares"].sum() * 70 < cap_total * 1.2  # FX drifts, so allow some room


# ---------------------------------------------------------------------------------------------
# validation


@given(rate=st.floats(min_value=1.0, max_value=1e6, exclude_min=True))
def test_share_above_100_percent_is_refused(rate):
    with pytest.raises(ValueError, match="^rate:"):
        ProfitShare(rate=rate)


@given(floor=st.floats(max_value=0.0, exclude_max=True, allow_nan=False, allow_infinity=False))
def test_negative_floor_is_refused(floor):
    with pytest.raises(ValueError, match="^floor_income:"):
        IncomeFloor(floor_income=floor)


@given(start=st.integers(0, 120), back=st.integers(0, 120))
def test_maturity_not_after_start_is_refused(start, back):
    maturity = start - back
    with pytest.raises(ValueError, match="^(maturity_month|start_month):"):
        SkillOption(start_month=start, maturity_month=maturity)


@given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=4).filter(lambda c: c not in CURRENCY_CODES))
def test_unknown_currency_is_refused(code):
    with pytest.raises(ValueError, match="^(local|fund)_currency:"):
        CohortAssumptions(local_currency=code)
    with pytest.raises(ValueError, match="^fund_currency:"):
        CohortAssumptions(fund_currency=code)


@settings(max_examples=50)
@given(rate=st.floats(0, 1), threshold=st.floats(0, 1e6), months=st.integers(1, 120),
       cap=st.floats(0.01, 10), currency=st.sampled_from(sorted(CURRENCY_CODES)),
       grace=st.integers(0, 59), extra=st.integers(1, 120))
def test_valid_terms_are_accepted(rate, threshold, months, cap, currency, grace, extra):
    ProfitShare(rate=rate, threshold=threshold, months=months, cap_multiple=cap)
    CohortAssumptions(local_currency=currency)
    loan = ConcessionalLoan(principal=1e6, annual_rate=0.02, grace_months=grace, term_months=grace + extra)
    assert sum(loan.schedule()) >= 1e6 * (1 - 1e-9)


@pytest.mark.parametrize("build, field", [
    (lambda: CohortAssumptions(monthly_dropout=1.5), "monthly_dropout"),
    (lambda: CohortAssumptions(training_months=60, horizon_months=60), "training_months"),
    (lambda: ConcessionalLoan(grace_months=24, term_months=24), "grace_months"),
    (lambda: OrderCommitment(upfront_share=-0.1), "upfront_share"),
    (lambda: SkillOption(kind="straddle"), "kind"),
    (lambda: FundDesign(option=SkillOption(maturity_month=72)), "option.maturity_month"),
    (lambda: simulate_fund(demo_design(), 10, seed=1), "n_paths"),
])
def test_other_bad_terms_name_their_field(build, field):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        build()
