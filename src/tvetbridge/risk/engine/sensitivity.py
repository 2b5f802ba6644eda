"""Uncertainty and sensitivity analysis of the composite index (Handbook, steps 7-8).

Pure NumPy/SciPy/SALib: no Django.

The uncertain inputs of the index are the modeller's choices: the normalisation, the aggregation rule,
the weights (drawn from a Dirichlet centred on the nominal weights) and, optionally, leaving one
indicator out. ``uncertainty_analysis`` samples them by Monte Carlo and reports, per country, score
and rank intervals. ``index_sensitivity`` apportions the variance of each country's rank (or score)
among those choices with Sobol indices (Saltelli sampling, SALib's estimators), through
``sobol_indices``, a pure wrapper that any vectorised model can use.

Both map a point ``u`` of the unit hypercube to a set of choices with the same function
(``_choices_from_unit``), so the Monte Carlo and the Sobol design explore the same input space.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .composite import (
    AGGREGATIONS,
    NORMALISATIONS,
    check_indicators,
    check_weights,
    composite_index,
    composite_index_batch,
    rank_descending,
)

__all__ = [
    "IndexChoices",
    "SobolResult",
    "UncertaintyResult",
    "draw_choices",
    "index_sensitivity",
    "sobol_indices",
    "uncertainty_analysis",
]


# --------------------------------------------------------------------------- Sobol wrapper


@dataclass(frozen=True)
class SobolResult:
    """First-order (S1) and total (ST) Sobol indices with bootstrap confidence half-widths.

    Arrays are ``(n_outputs, n_factors)``; for a single output, ``(1, n_factors)``. A constant
    output has no variance to apportion: its indices are NaN.
    """

    factors: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    n_base: int
    n_evaluations: int


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    *,
    names: Sequence[str],
    bounds: Sequence[tuple[float, float]] | None = None,
    groups: Sequence[str] | None = None,
    n_base: int = 1024,
    seed: int = 0,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> SobolResult:
    """Sobol indices of ``func`` over independent uniform inputs.

    ``func`` takes an ``(N, d)`` array of inputs and returns ``(N,)`` or ``(N, n_outputs)``; it is
    called once on the whole Saltelli design (``n_base * (n_factors + 2)`` rows). ``groups`` (one label
    per input) makes a factor of several inputs, e.g. all the weights. ``n_base`` must be a power of 2
    (the Sobol sequence balances only then). Deterministic given ``seed``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    names = tuple(str(nm) for nm in names)
    d = len(names)
    if d < 1 or len(set(names)) != d:
        raise ValueError("names: need at least one input, with distinct names")
    if bounds is None:
        bounds = [(0.0, 1.0)] * d
    bounds = [(float(b[0]), float(b[1])) for b in bounds]
    if len(bounds) != d or any(not (np.isfinite(lo) and np.isfinite(hi) and lo < hi) for lo, hi in bounds):
        raise ValueError(f"bounds: expected {d} finite (low, high) pairs with low < high")
    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"n_base: {n_base} is not a power of 2")
    if num_resamples < 1:
        raise ValueError("num_resamples: must be at least 1")
    if not 0 < conf_level < 1:
        raise ValueError("conf_level: must lie in (0, 1)")
    problem: dict[str, Any] = {"num_vars": d, "names": list(names), "bounds": [list(b) for b in bounds]}
    if groups is not None:
        if len(groups) != d:
            raise ValueError(f"groups: expected {d} labels, got {len(groups)}")
        problem["groups"] = [str(g) for g in groups]
        factors = tuple(dict.fromkeys(problem["groups"]))
    else:
        factors = names

    sample = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    Y = np.asarray(func(sample), dtype=float)
    if Y.shape[0] != sample.shape[0] or Y.ndim not in (1, 2):
        raise ValueError(f"func: returned shape {Y.shape}, expected ({sample.shape[0]},) or "
                         f"({sample.shape[0]}, n_outputs)")
    Y2 = Y.reshape(Y.shape[0], -1)
    if not np.isfinite(Y2).all():
        raise ValueError("func: returned non-finite values")
    m, g = Y2.shape[1], len(factors)
    res = {key: np.full((m, g), np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
    # SALib reseeds its bootstrap only for a truthy seed; +1 keeps seed=0 deterministic too.
    boot_seed = int(seed) + 1
    for j in range(m):
        y = Y2[:, j]
        if np.ptp(y) == 0:
            continue
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                   conf_level=conf_level, seed=boot_seed)
        for key in res:
            res[key][j] = np.asarray(si[key], dtype=float)
    for a in res.values():
        a.setflags(write=False)
    return SobolResult(factors=factors, n_base=n_base, n_evaluations=int(sample.shape[0]), **res)


# --------------------------------------------------------------------------- index choices


@dataclass(frozen=True)
class IndexChoices:
    """One set of modelling choices per draw, as index arrays over the option tuples."""

    normalisation_index: np.ndarray  # (D,)
    aggregation_index: np.ndarray  # (D,)
    dropped: np.ndarray  # (D,), -1 = none dropped
    weights: np.ndarray  # (D, k), rows sum to one, dropped indicator has weight 0


def _check_options(normalisations: Sequence[str],
                   aggregations: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    norms, aggs = tuple(normalisations), tuple(aggregations)
    if not norms or any(m not in NORMALISATIONS for m in norms):
        raise ValueError(f"normalisations: each must be one of {NORMALISATIONS}")
    if not aggs or any(a not in AGGREGATIONS for a in aggs):
        raise ValueError(f"aggregations: each must be one of {AGGREGATIONS}")
    if "zscore" in norms and "geometric" in aggs:
        raise ValueError("normalisations: 'zscore' gives signed values and cannot be combined with "
                         "'geometric' aggregation; drop one of them")
    return norms, aggs


def _check_nominal(weights: ArrayLike | None, k: int) -> np.ndarray:
    w = np.full(k, 1.0 / k) if weights is None else check_weights(weights, k)
    if (w <= 0).any():
        raise ValueError("weights: nominal weights must all be positive for the Dirichlet perturbation")
    return w


def _renormalise_dropped(W: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    W = W.copy()
    rows = np.flatnonzero(dropped >= 0)
    W[rows, dropped[rows]] = 0.0
    return np.asarray(W / W.sum(axis=1, keepdims=True))


def _choices_from_unit(U: np.ndarray, *, k: int, n_norm: int, n_agg: int, nominal: np.ndarray,
                       concentration: float, drop_indicator: bool) -> IndexChoices:
    """Map points of [0,1)^(3+k) to choices. Columns: normalisation, aggregation, drop, k weight quantiles."""
    U = np.clip(U, 0.0, np.nextafter(1.0, 0.0))
    ni = np.floor(U[:, 0] * n_norm).astype(np.int64)
    ai = np.floor(U[:, 1] * n_agg).astype(np.int64)
    if drop_indicator:
        # k + 1 equally likely outcomes: drop indicator j, or (value k) drop none.
        dr = np.floor(U[:, 2] * (k + 1)).astype(np.int64)
        dr = np.where(dr == k, -1, dr)
    else:
        dr = np.full(U.shape[0], -1, dtype=np.int64)
    # Independent Gamma(alpha_j) quantiles, normalised, are exactly Dirichlet(alpha).
    g = stats.gamma.ppf(U[:, 3:3 + k], concentration * nominal)
    g = np.maximum(g, np.finfo(float).tiny)
    W = g / g.sum(axis=1, keepdims=True)
    return IndexChoices(ni, ai, dr, _renormalise_dropped(W, dr))


def draw_choices(n_draws: int, *, k: int, n_normalisations: int, n_aggregations: int,
                 nominal_weights: ArrayLike | None,
                 concentration: float = 100.0, drop_indicator: bool = True, seed: int = 0) -> IndexChoices:
    """Monte Carlo draws of index choices (uniform over the discrete options, Dirichlet weights)."""
    if n_draws < 1:
        raise ValueError("n_draws: must be at least 1")
    if not (np.isfinite(concentration) and concentration > 0):
        raise ValueError("concentration: must be positive")
    if drop_indicator and k < 2:
        raise ValueError("drop_indicator: needs at least 2 indicators")
    nominal = _check_nominal(nominal_weights, k)
    rng = np.random.default_rng(seed)
    ni = rng.integers(0, n_normalisations, n_draws)
    ai = rng.integers(0, n_aggregations, n_draws)
    dr = rng.integers(-1, k, n_draws) if drop_indicator else np.full(n_draws, -1, dtype=np.int64)
    # Same distribution as _choices_from_unit's Gamma quantiles, but sampled directly (much faster).
    W = rng.dirichlet(concentration * nominal, size=n_draws)
    W = np.maximum(W, np.finfo(float).tiny)
    return IndexChoices(ni, ai, dr, _renormalise_dropped(W, dr))


# --------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class UncertaintyResult:
    """Per-country score and rank intervals over the Monte Carlo draws (rank 1 = riskiest)."""

    nominal_score: np.ndarray
    nominal_rank: np.ndarray
    score_median: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray
    rank_median: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    interval: tuple[float, float]
    n_draws: int
    choices: IndexChoices
    scores: np.ndarray | None = None  # (n_draws, n_countries) when keep_draws


def uncertainty_analysis(
    X: ArrayLike,
    *,
    directions: ArrayLike,
    weights: ArrayLike | None = None,
    normalisations: Sequence[str] = ("minmax", "rank", "distance"),
    aggregations: Sequence[str] = AGGREGATIONS,
    nominal_normalisation: str = "minmax",
    nominal_aggregation: str = "arithmetic",
    concentration: float = 100.0,
    drop_indicator: bool = True,
    n_draws: int = 10_000,
    interval: tuple[float, float] = (5.0, 95.0),
    reference: ArrayLike | None = None,
    missing: str = "available",
    seed: int = 0,
    keep_draws: bool = False,
) -> UncertaintyResult:
    """Monte Carlo over normalisation, aggregation, Dirichlet weights and one left-out indicator.

    ``concentration`` c sets the Dirichlet ``alpha = c * nominal``: each weight keeps its nominal mean
    and has variance ``w (1 - w) / (c + 1)``. Scores from different normalisations share the 0-10
    scale only for minmax/rank/distance; ranks are comparable whatever the choices.
    """
    Xa, d = check_indicators(X, directions, missing=missing)
    k = Xa.shape[1]
    normalisations, aggregations = _check_options(normalisations, aggregations)
    nominal = _check_nominal(weights, k)
    lo, hi = map(float, interval)
    if not 0 <= lo < hi <= 100:
        raise ValueError("interval: expected (low, high) percentiles with 0 <= low < high <= 100")
    ch = draw_choices(n_draws, k=k, n_normalisations=len(normalisations), n_aggregations=len(aggregations),
                      nominal_weights=nominal, concentration=concentration, drop_indicator=drop_indicator,
                      seed=seed)
    S = composite_index_batch(Xa, directions=d, weights=ch.weights, normalisation_index=ch.normalisation_index,
                              aggregation_index=ch.aggregation_index, normalisations=normalisations,
                              aggregations=aggregations, reference=reference, missing=missing)
    R = rank_descending(S, axis=1)
    nominal_res = composite_index(Xa, directions=d, weights=nominal, normalisation=nominal_normalisation,
                                  aggregation=nominal_aggregation, reference=reference, missing=missing)
    sq = _column_percentiles(S, (lo, 50.0, hi))
    rq = _column_percentiles(R, (lo, 50.0, hi), half_integers=True)
    arrays = [sq, rq, S]
    for a in arrays:
        a.setflags(write=False)
    return UncertaintyResult(
        nominal_score=nominal_res.scores, nominal_rank=nominal_res.ranks,
        score_low=sq[0], score_median=sq[1], score_high=sq[2],
        rank_low=rq[0], rank_median=rq[1], rank_high=rq[2],
        interval=(lo, hi), n_draws=int(n_draws), choices=ch, scores=S if keep_draws else None,
    )


def _column_percentiles(A: np.ndarray, q: Sequence[float], *, half_integers: bool = False) -> np.ndarray:
    """Percentiles down each column, linear interpolation (NumPy's default), NaN ignored.

    ``np.nanpercentile`` loops over columns in Python and dominated the Monte Carlo's run time; here
    one partial sort (``np.partition`` on just the order statistics needed) serves all columns.
    Ranks (multiples of 1/2) are sorted as small integers instead, which NumPy radix-sorts.
    """
    T = np.ascontiguousarray(A.T)
    n_rows, m = T.shape
    out = np.full((len(q), n_rows), np.nan)
    if np.isnan(T).any():
        T = np.sort(T, axis=1)  # NaN sorts last
        cnt = (~np.isnan(T)).sum(axis=1)
    elif half_integers and m and np.abs(T).max() < 16_000:
        T = np.sort((2.0 * T).astype(np.int16), axis=1, kind="stable") / 2.0
        cnt = np.full(n_rows, m)
    else:
        h = (m - 1) * (np.asarray(q, dtype=float) / 100.0)
        kth = np.unique(np.concatenate([np.floor(h), np.minimum(np.floor(h) + 1, m - 1)]).astype(np.int64))
        T = np.partition(T, kth, axis=1)
        cnt = np.full(n_rows, m)
    rows = np.arange(n_rows)
    for i, qq in enumerate(q):
        h = (cnt - 1) * (qq / 100.0)
        lo = np.maximum(np.floor(h).astype(np.int64), 0)
        hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
        frac = h - np.floor(h)
        v = T[rows, lo] + frac * (T[rows, hi] - T[rows, lo])
        out[i] = np.where(cnt > 0, v, np.nan)
    return out


# --------------------------------------------------------------------------- Sobol on the index


def index_sensitivity(
    X: ArrayLike,
    *,
    directions: ArrayLike,
    weights: ArrayLike | None = None,
    normalisations: Sequence[str] = ("minmax", "rank", "distance"),
    aggregations: Sequence[str] = AGGREGATIONS,
    concentration: float = 100.0,
    drop_indicator: bool = True,
    output: str = "rank",
    n_base: int = 512,
    reference: ArrayLike | None = None,
    missing: str = "available",
    seed: int = 0,
    num_resamples: int = 100,
) -> SobolResult:
    """Sobol indices of each country's rank (or score) to the modelling choices.

    Factors: ``normalisation``, ``aggregation``, ``dropped indicator`` (if ``drop_indicator``) and
    ``weights`` (all k weights as one group). Rows of the result follow the countries of ``X``.
    """
    Xa, d = check_indicators(X, directions, missing=missing)
    k = Xa.shape[1]
    normalisations, aggregations = _check_options(normalisations, aggregations)
    nominal = _check_nominal(weights, k)
    if output not in ("rank", "score"):
        raise ValueError(f"output: {output!r} is not 'rank' or 'score'")
    if not (np.isfinite(concentration) and concentration > 0):
        raise ValueError("concentration: must be positive")

    names = ["normalisation", "aggregation", "dropped indicator"] + [f"weight {j}" for j in range(k)]
    groups = ["normalisation", "aggregation", "dropped indicator"] + ["weights"] * k
    keep = [i for i, g in enumerate(groups) if drop_indicator or g != "dropped indicator"]

    def model(U_kept: np.ndarray) -> np.ndarray:
        U = np.zeros((U_kept.shape[0], 3 + k))
        U[:, keep] = U_kept
        ch = _choices_from_unit(U, k=k, n_norm=len(normalisations), n_agg=len(aggregations), nominal=nominal,
                                concentration=concentration, drop_indicator=drop_indicator)
        S = composite_index_batch(Xa, directions=d, weights=ch.weights, normalisation_index=ch.normalisation_index,
                                  aggregation_index=ch.aggregation_index, normalisations=normalisations,
                                  aggregations=aggregations, reference=reference, missing=missing)
        return rank_descending(S, axis=1) if output == "rank" else S

    return sobol_indices(model, names=[names[i] for i in keep], groups=[groups[i] for i in keep],
                         n_base=n_base, seed=seed, num_resamples=num_resamples)
