"""A configurable cooperation-risk composite index, built as the OECD/JRC *Handbook on Constructing
Composite Indicators* (2008) describes: normalise, weight, aggregate.

Pure NumPy/SciPy: no Django. Arrays in, frozen results out.

Conventions
-----------
``X`` is ``(n_countries, n_indicators)``; NaN marks a missing value. ``directions`` gives +1 for an
indicator where a higher raw value means more risk, -1 where it means less. Every normalisation
returns values oriented so that *higher = more risk*; composite ranks are 1 = riskiest.

Normalisations (per indicator, over the countries present):

``minmax``   ``10 (x - min) / (max - min)`` in [0, 10].
``zscore``   ``(x - mean) / sd`` (population sd): unbounded and signed, so it cannot be combined
             with geometric aggregation.
``rank``     percentile rank ``10 (r - 1) / (n - 1)`` in [0, 10] (ties share their mean rank).
             Robust to outliers, but throws away the size of gaps.
``distance`` distance to a reference (by default the leader, i.e. the largest raw value):
             ``10 x / ref`` for a +1 indicator, ``10 (1 - x / ref)`` for a -1 indicator. In [0, 10]
             for 0 <= x <= ref; needs non-negative data. A target can be passed as ``reference``.

Aggregations (weights ``w`` sum to one):

``arithmetic``  ``sum w y``: fully compensatory - a bad value is offset by good ones in proportion to
                the weights, so weights act as trade-offs, not importance.
``geometric``   ``prod (1 + y)^w - 1``: partly compensatory - a country gains more by improving its
                worst indicator. The +1 offset (INFORM's trick) stops a single 0 from zeroing the
                whole score; by the AM-GM inequality it is never above the arithmetic score.

Missing values (``missing``):

``available``  drop the missing indicator and renormalise the remaining weights (INFORM's rule);
``mean``       impute the indicator's mean normalised value (unconditional mean imputation);
``error``      refuse input with any missing value.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "AGGREGATIONS",
    "MISSING",
    "NORMALISATIONS",
    "CompositeResult",
    "aggregate",
    "check_indicators",
    "check_weights",
    "composite_index",
    "composite_index_batch",
    "normalise",
    "pca_weights",
    "rank_descending",
]

NORMALISATIONS = ("minmax", "zscore", "rank", "distance")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING = ("available", "mean", "error")
_WEIGHT_TOL = 1e-6


# None or "equal", "pca", or k non-negative weights summing to one
Weights = str | ArrayLike | None


def check_indicators(X: ArrayLike, directions: ArrayLike, *,
                     missing: str = "available") -> tuple[np.ndarray, np.ndarray]:
    """Validate an indicator matrix and its directions; return them as float / int arrays."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-D (countries x indicators) matrix, got shape {X.shape}")
    n, k = X.shape
    if n < 2 or k < 1:
        raise ValueError(f"X: need at least 2 countries and 1 indicator, got shape {X.shape}")
    if np.isinf(X).any():
        i, j = np.argwhere(np.isinf(X))[0]
        raise ValueError(f"X: infinite value at row {i}, indicator {j}")
    d = np.asarray(directions)
    if d.shape != (k,) or not np.isin(d, (-1, 1)).all():
        raise ValueError(f"directions: expected {k} values, each +1 or -1")
    if missing not in MISSING:
        raise ValueError(f"missing: {missing!r} is not one of {MISSING}")
    nan = np.isnan(X)
    if missing == "error" and nan.any():
        i, j = np.argwhere(nan)[0]
        raise ValueError(f"X: missing value at row {i}, indicator {j} (missing='error')")
    empty_rows = np.flatnonzero(nan.all(axis=1))
    if empty_rows.size:
        raise ValueError(f"X: row {empty_rows[0]} has no indicator value")
    thin = np.flatnonzero((~nan).sum(axis=0) < 2)
    if thin.size:
        raise ValueError(f"X: indicator {thin[0]} has fewer than 2 values")
    return X, d.astype(int)


def check_weights(weights: ArrayLike, k: int, *, name: str = "weights") -> np.ndarray:
    """Weights must be finite, non-negative and sum to one (within 1e-6); returned as floats."""
    w = np.asarray(weights, dtype=float)
    if w.shape[-1:] != (k,):
        raise ValueError(f"{name}: expected {k} weights per row, got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError(f"{name}: must be finite")
    if (w < 0).any():
        raise ValueError(f"{name}: negative weight {w[w < 0].flat[0]!r}")
    sums = w.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=_WEIGHT_TOL, rtol=0):
        bad = np.atleast_1d(sums)[~np.isclose(np.atleast_1d(sums), 1.0, atol=_WEIGHT_TOL, rtol=0)][0]
        raise ValueError(f"{name}: must sum to 1, sum is {bad!r}")
    return w


def normalise(X: ArrayLike, *, directions: ArrayLike, method: str = "minmax",
              reference: ArrayLike | None = None) -> np.ndarray:
    """Normalise each indicator (column) of ``X``; NaN stays NaN. See the module notes."""
    X, d = check_indicators(X, directions)
    if method not in NORMALISATIONS:
        raise ValueError(f"normalisation: {method!r} is not one of {NORMALISATIONS}")
    if method == "minmax":
        lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        span = hi - lo
        # A constant indicator carries no information: put everyone mid-scale rather than divide by 0.
        y = np.where(span > 0, (X - lo) / np.where(span > 0, span, 1.0), 0.5)
        y = np.where(d > 0, y, 1.0 - y) * 10.0
    elif method == "zscore":
        mu, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        y = np.where(sd > 0, (X - mu) / np.where(sd > 0, sd, 1.0), 0.0) * d
    elif method == "rank":
        r = stats.rankdata(X * d, axis=0, nan_policy="omit", method="average")
        cnt = (~np.isnan(X)).sum(axis=0)
        y = 10.0 * (r - 1.0) / (cnt - 1.0)
    else:  # distance to reference
        if (X < 0).any():
            j = int(np.argwhere(X < 0)[0][1])
            raise ValueError(f"X: indicator {j} has negative values; 'distance' normalisation needs x >= 0")
        if reference is None:
            ref = np.nanmax(X, axis=0)
        else:
            ref = np.asarray(reference, dtype=float)
            if ref.shape != (X.shape[1],):
                raise ValueError(f"reference: expected {X.shape[1]} values, got shape {ref.shape}")
        if not (np.isfinite(ref).all() and (ref > 0).all()):
            raise ValueError("reference: every reference value must be positive and finite")
        y = X / ref
        y = np.where(d > 0, y, 1.0 - y) * 10.0
    return np.where(np.isnan(X), np.nan, y)


def rank_descending(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ranks with 1 = highest score (riskiest); ties share their mean rank; NaN ranks last.

    Written with one argsort plus array ops (not ``scipy.stats.rankdata``) because the Monte Carlo
    ranks 10,000 x 191 draws and this is several times faster there.
    """
    s = np.moveaxis(np.asarray(scores, dtype=float), axis, -1)
    key = np.where(np.isnan(s), np.inf, -s)  # ascending key: riskiest first, NaN last
    order = np.argsort(key, axis=-1)
    srt = np.take_along_axis(key, order, axis=-1)
    n = s.shape[-1]
    pos = np.broadcast_to(np.arange(n, dtype=float), s.shape)
    same = srt[..., 1:] == srt[..., :-1]
    if same.any():
        # Tied runs get the mean of their positions: first and last position of each run.
        starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), ~same], axis=-1)
        ends = np.concatenate([~same, np.ones(s.shape[:-1] + (1,), bool)], axis=-1)
        first = np.maximum.accumulate(np.where(starts, pos, 0.0), axis=-1)
        last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n), -1), axis=-1), -1)
        pos = (first + last) / 2.0
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, pos + 1.0, axis=-1)
    return np.moveaxis(ranks, -1, axis)


def _fill(Y: np.ndarray, missing: str) -> tuple[np.ndarray, np.ndarray]:
    """Values ready for a weighted sum (NaN -> 0) and a mask of which entries count."""
    nan = np.isnan(Y)
    if missing == "mean" and nan.any():
        Y = np.where(nan, np.nanmean(Y, axis=-2, keepdims=True), Y)
        nan = np.zeros_like(nan)
    return np.where(nan, 0.0, Y), (~nan).astype(float)


def aggregate(Y: np.ndarray, weights: ArrayLike, *, method: str = "arithmetic", missing: str = "available") -> np.ndarray:
    """Aggregate normalised values ``Y`` (countries x indicators) with ``weights`` (summing to one)."""
    Y = np.asarray(Y, dtype=float)
    if method not in AGGREGATIONS:
        raise ValueError(f"aggregation: {method!r} is not one of {AGGREGATIONS}")
    if missing not in MISSING:
        raise ValueError(f"missing: {missing!r} is not one of {MISSING}")
    w = check_weights(weights, Y.shape[-1])
    if method == "geometric" and (Y < 0).any():
        raise ValueError("aggregation: 'geometric' needs non-negative normalised values "
                         "(z-scores are signed: use arithmetic, or another normalisation)")
    V, present = _fill(Y, missing)
    if method == "geometric":
        V = np.log1p(V)
    wsum = present @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (V @ w) / wsum
    if method == "geometric":
        out = np.expm1(out)
    return np.where(wsum > 0, out, np.nan)


def pca_weights(X: ArrayLike, *, directions: ArrayLike, min_eigenvalue: float = 1.0) -> np.ndarray:
    """Weights from principal components, following the Handbook's factor-analysis recipe (unrotated).

    Indicators are standardised (missing values mean-imputed), components with eigenvalue >=
    ``min_eigenvalue`` are kept (Kaiser), each indicator is assigned to the kept component on which its
    squared loading is largest, and its weight is that squared loading (scaled to sum to one within the
    component) times the component's share of the kept variance. Weights returned sum to one.
    """
    Z = normalise(X, directions=directions, method="zscore")
    Z = np.where(np.isnan(Z), 0.0, Z)
    k = Z.shape[1]
    if k == 1:
        return np.ones(1)
    corr = np.corrcoef(Z, rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    evals, evecs = np.linalg.eigh(corr)
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    keep = max(1, int((evals >= min_eigenvalue).sum()))
    loadings2 = (evecs[:, :keep] ** 2) * evals[:keep]  # squared loadings
    scaled = loadings2 / loadings2.sum(axis=0)
    share = evals[:keep] / evals[:keep].sum()
    best = np.argmax(loadings2, axis=1)
    w = scaled[np.arange(k), best] * share[best]
    return np.asarray(w / w.sum())


@dataclass(frozen=True)
class CompositeResult:
    """One evaluation of the index: normalised values, weights used, scores and ranks (1 = riskiest)."""

    scores: np.ndarray
    ranks: np.ndarray
    normalised: np.ndarray
    weights: np.ndarray
    normalisation: str
    aggregation: str
    missing: str


def _resolve_weights(weights: Weights, X: np.ndarray, d: np.ndarray) -> np.ndarray:
    k = X.shape[1]
    if weights is None or (isinstance(weights, str) and weights == "equal"):
        return np.full(k, 1.0 / k)
    if isinstance(weights, str):
        if weights == "pca":
            return pca_weights(X, directions=d)
        raise ValueError(f"weights: {weights!r} is not 'equal', 'pca' or an array")
    return check_weights(weights, k)


def composite_index(
    X: ArrayLike,
    *,
    directions: ArrayLike,
    weights: Weights = None,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    reference: ArrayLike | None = None,
    missing: str = "available",
) -> CompositeResult:
    """Compute the composite index once. ``weights``: None/'equal', 'pca', or k non-negative weights summing to 1."""
    X, d = check_indicators(X, directions, missing=missing)
    w = _resolve_weights(weights, X, d)
    Y = normalise(X, directions=d, method=normalisation, reference=reference)
    s = aggregate(Y, w, method=aggregation, missing=missing)
    for a in (s, Y, w):
        a.setflags(write=False)
    r = rank_descending(s)
    r.setflags(write=False)
    return CompositeResult(scores=s, ranks=r, normalised=Y, weights=w, normalisation=normalisation,
                           aggregation=aggregation, missing=missing)


@functools.cache
def _blas_controller() -> Any:
    try:  # shipped with scikit-learn, a project dependency; optional here
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()  # inspecting the loaded libraries costs ~0.3 ms: once per process


def _one_blas_thread() -> AbstractContextManager[Any]:
    """BLAS on one thread for the batch's products: they are thin (k ~ 20 indicators), a second
    thread only spins (twice the CPU time for the same wall time when idle, more when the machine
    is busy)."""
    controller = _blas_controller()
    return nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


def composite_index_batch(
    X: ArrayLike,
    *,
    directions: ArrayLike,
    weights: np.ndarray,
    normalisation_index: np.ndarray,
    aggregation_index: np.ndarray,
    normalisations: Sequence[str] = ("minmax", "rank", "distance"),
    aggregations: Sequence[str] = AGGREGATIONS,
    reference: ArrayLike | None = None,
    missing: str = "available",
) -> np.ndarray:
    """Scores for many index variants at once: returns ``(n_draws, n_countries)``.

    Draw ``i`` uses ``weights[i]`` (each row summing to one; a zero drops an indicator),
    ``normalisations[normalisation_index[i]]`` and ``aggregations[aggregation_index[i]]``. Row ``i``
    equals ``composite_index(X, weights=weights[i], ...)`` for those choices.

    Each normalisation is computed once; then every draw is one matrix product per
    (normalisation, aggregation) pair, so the cost is a handful of BLAS calls, not a Python loop.
    """
    X, d = check_indicators(X, directions, missing=missing)
    n, k = X.shape
    W = check_weights(np.atleast_2d(weights), k)
    D = W.shape[0]
    ni = np.asarray(normalisation_index)
    ai = np.asarray(aggregation_index)
    for nm, idx, opts in (("normalisation_index", ni, normalisations), ("aggregation_index", ai, aggregations)):
        if idx.shape != (D,) or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"{nm}: expected {D} integers")
        if ((idx < 0) | (idx >= len(opts))).any():
            raise ValueError(f"{nm}: values must lie in 0..{len(opts) - 1}")
    for m in normalisations:
        if m not in NORMALISATIONS:
            raise ValueError(f"normalisations: {m!r} is not one of {NORMALISATIONS}")
    for a in aggregations:
        if a not in AGGREGATIONS:
            raise ValueError(f"aggregations: {a!r} is not one of {AGGREGATIONS}")
    if missing not in MISSING:
        raise ValueError(f"missing: {missing!r} is not one of {MISSING}")

    out = np.empty((D, n))
    with _one_blas_thread():
        for m_i, method in enumerate(normalisations):
            Y = normalise(X, directions=d, method=method, reference=reference)
            V, present = _fill(Y, missing)
            # only countries with a missing value need their own weight sum (the others' is one)
            gaps = np.flatnonzero(present.min(axis=1) == 0)
            for a_i, agg in enumerate(aggregations):
                sel = np.flatnonzero((ni == m_i) & (ai == a_i))
                if sel.size == 0:
                    continue
                if agg == "geometric" and (Y < 0).any():
                    raise ValueError(f"aggregation: 'geometric' needs non-negative values; "
                                     f"normalisation {method!r} gives signed values")
                T = np.log1p(V) if agg == "geometric" else V
                Ws = W[sel]  # (m, k)
                s = Ws @ T.T  # weights already sum to one
                if gaps.size:
                    wsum = Ws @ present[gaps].T
                    with np.errstate(invalid="ignore", divide="ignore"):
                        s[:, gaps] = np.where(wsum > 0, s[:, gaps] / wsum, np.nan)
                if agg == "geometric":
                    s = np.expm1(s)
                out[sel] = s
    return out
