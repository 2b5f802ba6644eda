"""The Monte Carlo engine's results: small frozen records with read-only arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class TailRisk:
    """VaR and expected shortfall of a loss at level ``alpha``, with Monte Carlo standard errors."""

    alpha: float
    var: float
    var_se: float
    es: float
    es_se: float
    n: int


@dataclass(frozen=True)
class PartyReturn:
    """Expected present value per enrolled trainee (fund currency) for one party, with its SE."""

    mean: float
    se: float


@dataclass(frozen=True, eq=False)
class FundResult:
    n_paths: int
    n_scenarios: int
    cohort_size: int
    horizon_months: int
    seed: int | None
    currency: str
    months: np.ndarray
    balance_mean: np.ndarray
    balance_std: np.ndarray
    quantile_levels: tuple[float, ...]
    balance_quantiles: np.ndarray      # (len(quantile_levels), months); within one histogram bin
    ruin_probability: np.ndarray       # P(balance < 0 at some month ≤ t)
    ruin_se: np.ndarray
    reserve: TailRisk                  # of the largest cumulative net outflow (before initial capital)
    fund_npv: float
    fund_npv_se: float
    party_returns: dict[str, PartyReturn]
    option_value: float | None
    option_se: float | None
    refund_count_pmf: np.ndarray       # share of scenarios with k refunds, k = 0..cohort_size
    mean_flows: dict[str, np.ndarray]  # mean fund-currency flow per scenario and month, by kind
    rates: dict[str, float]            # dropout, employment, refund, default (share of enrolled)


@dataclass(frozen=True)
class BreakEven:
    rate: float
    fund_npv: float
    fund_npv_se: float
    evaluations: int


@dataclass(frozen=True)
class TornadoRow:
    assumption: str
    low_input: float
    high_input: float
    low_value: float
    high_value: float

    @property
    def swing(self) -> float:
        return abs(self.high_value - self.low_value)


@dataclass(frozen=True)
class Tornado:
    metric: str
    base_value: float
    rel_change: float
    rows: tuple[TornadoRow, ...]  # widest swing first
