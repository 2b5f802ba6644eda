"""What the fund designer asks of the simulation: an option's fair value, the break-even profit share
and a tornado of the assumptions. Every run reuses the same seed (common random numbers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from scipy import optimize

from .instruments import CohortAssumptions, FundDesign
from .montecarlo import simulate_fund
from .results import BreakEven, FundResult, Tornado, TornadoRow


def price_option(design: FundDesign, n_paths: int, *, seed: int | None = 0,
                 chunk_size: int = 262_144) -> tuple[float, float]:
    """Fair value (discounted expected payoff, fund currency) of the design's option, with its SE."""
    if design.option is None:
        raise ValueError("option: the design has no skill appreciation option")
    bare = replace(design, option=replace(design.option, premium=0.0))
    r = simulate_fund(bare, n_paths, seed=seed, chunk_size=chunk_size)
    assert r.option_value is not None and r.option_se is not None  # the design has an option
    return float(r.option_value), float(r.option_se)


def break_even_share_rate(design: FundDesign, n_paths: int, *, seed: int | None = 0, lo: float = 0.0,
                          hi: float = 1.0, xtol: float = 1e-5, chunk_size: int = 262_144) -> BreakEven:
    """The profit-share rate at which the fund's expected NPV is zero.

    Every evaluation reuses the same seed (common random numbers), so the simulated NPV is a smooth,
    non-decreasing function of the rate and Brent's method converges as on a deterministic function.
    """
    share = design.share
    if share is None:
        raise ValueError("share: the design has no profit-sharing terms")
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError("lo/hi: need 0 ≤ lo < hi ≤ 1")
    cache: dict[float, FundResult] = {}

    def npv(rate: float) -> float:
        r = simulate_fund(replace(design, share=replace(share, rate=float(rate))), n_paths,
                          seed=seed, chunk_size=chunk_size, n_bins=8)
        cache[float(rate)] = r
        return r.fund_npv

    f_lo, f_hi = npv(lo), npv(hi)
    if f_lo > 0:
        rate = lo
    elif f_hi < 0:
        raise ValueError(f"share.rate: the fund does not break even for any rate in [{lo}, {hi}] "
                         f"(expected NPV {f_lo:,.0f} to {f_hi:,.0f})")
    else:
        rate = optimize.brentq(npv, lo, hi, xtol=xtol)
    res = cache.get(float(rate)) or simulate_fund(
        replace(design, share=replace(share, rate=float(rate))), n_paths, seed=seed,
        chunk_size=chunk_size, n_bins=8)
    return BreakEven(rate=float(rate), fund_npv=res.fund_npv, fund_npv_se=res.fund_npv_se,
                     evaluations=len(cache))


TORNADO_ASSUMPTIONS = ("monthly_dropout", "monthly_employment_hazard", "monthly_default_hazard",
                       "baseline_income", "expected_gain", "gain_dispersion", "income_volatility",
                       "wage_drift", "wage_volatility", "fx_volatility", "disruption_probability",
                       "discount_rate")
_PROBABILITIES = {"monthly_dropout", "monthly_employment_hazard", "monthly_default_hazard",
                  "disruption_probability"}
METRICS: dict[str, Callable[[FundResult], float]] = {
    "fund_npv": lambda r: r.fund_npv,
    "ruin_probability": lambda r: float(r.ruin_probability[-1]),
    "reserve_var": lambda r: r.reserve.var,
    "reserve_es": lambda r: r.reserve.es,
    "option_value": lambda r: float("nan") if r.option_value is None else r.option_value,
    "trainee_return": lambda r: r.party_returns["trainee"].mean,
}


def tornado(design: FundDesign, n_paths: int, *, seed: int | None = 0, metric: str = "fund_npv",
            rel_change: float = 0.1, assumptions: Sequence[str] = TORNADO_ASSUMPTIONS,
            chunk_size: int = 262_144) -> Tornado:
    """Move each assumption by ±rel_change (same seed throughout) and record the metric."""
    if metric not in METRICS:
        raise ValueError(f"metric: unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if not 0.0 < rel_change < 1.0:
        raise ValueError("rel_change: must be in (0, 1)")
    valid = set(CohortAssumptions.__dataclass_fields__)
    for a in assumptions:
        if a not in valid or a not in TORNADO_ASSUMPTIONS:
            raise ValueError(f"assumptions: {a!r} is not a numeric cohort assumption")
    get = METRICS[metric]

    def run(cohort: CohortAssumptions) -> float:
        return get(simulate_fund(replace(design, cohort=cohort), n_paths, seed=seed,
                                 chunk_size=chunk_size, n_bins=8))

    base = run(design.cohort)
    rows = []
    for a in assumptions:
        x0 = getattr(design.cohort, a)
        lo_x, hi_x = x0 * (1 - rel_change), x0 * (1 + rel_change)
        if a in _PROBABILITIES:
            lo_x, hi_x = min(max(lo_x, 0.0), 1.0), min(max(hi_x, 0.0), 1.0)
        lo_v = run(replace(design.cohort, **{a: lo_x}))
        hi_v = run(replace(design.cohort, **{a: hi_x}))
        rows.append(TornadoRow(a, lo_x, hi_x, lo_v, hi_v))
    rows.sort(key=lambda r: -r.swing)
    return Tornado(metric=metric, base_value=base, rel_change=rel_change, rows=tuple(rows))
