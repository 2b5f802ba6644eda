"""The cooperation-risk index: INFORM dimensions (plus any user indicator) through the composite
engine, raised by recent risk events. Pure NumPy: no Django.

Formula
-------
For country ``c`` at reference date ``t``:

``base_c``
    the composite index (``risk.composite``) of the indicator matrix ``X`` -- by default INFORM's
    three dimensions Hazard & Exposure, Vulnerability and Lack of Coping Capacity, plus every user
    indicator observed for at least two countries -- min-max normalised over all countries,
    equal weights, arithmetic aggregation, missing values dropped (INFORM's rule). 0-10.

``uplift_c = min(cap, a * sum_k s_k * 2 ** (-age_k / h))``
    over the country's events ``k`` dated ``0 <= age_k <= horizon`` days before ``t``, with
    severity ``s_k`` in 1-5, ``a = 0.25`` points per severity step, half-life ``h = 90`` days,
    ``horizon = 365`` days and ``cap = 3``. A severity-5 event raises the score by 1.25 on the day
    and by 0.6 a quarter later; a year later it has faded to a sixteenth.

``score_c = min(10, base_c + uplift_c)``.

Uncertainty: the composite part is recomputed over Monte Carlo draws of the modelling choices
(``risk.sensitivity.uncertainty_analysis``: normalisation, aggregation, Dirichlet weights, one
indicator left out); the uplift is added to every draw, countries are ranked per draw, and the 5th
and 95th percentiles give the score and rank intervals. A fixed seed makes the result reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .composite import composite_index, rank_descending
from .inform import INFORM_2021, InformModel, risk_class
from .sensitivity import uncertainty_analysis

SEVERITY_POINTS = 0.25
HALF_LIFE_DAYS = 90.0
HORIZON_DAYS = 365
UPLIFT_CAP = 3.0
DIMENSIONS = ("HAZARD & EXPOSURE", "VULNERABILITY", "LACK OF COPING CAPACITY")


def event_uplift(ages_days: Sequence[float], severities: Sequence[int], *, points: float = SEVERITY_POINTS,
                 half_life: float = HALF_LIFE_DAYS, horizon: float = HORIZON_DAYS,
                 cap: float = UPLIFT_CAP) -> float:
    """Points added to a country's score by its events (see the module notes)."""
    age = np.asarray(ages_days, dtype=float)
    sev = np.asarray(severities, dtype=float)
    if age.shape != sev.shape:
        raise ValueError("ages_days and severities must have the same length")
    if ((sev < 1) | (sev > 5)).any():
        raise ValueError("severities must lie in 1-5")
    keep = (age >= 0) & (age <= horizon)
    total = points * float((sev[keep] * np.exp2(-age[keep] / half_life)).sum())
    return min(cap, total)


@dataclass(frozen=True)
class CooperationRisk:
    base: np.ndarray
    uplift: np.ndarray
    score: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray
    rank: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    risk_class: tuple[str, ...]


def cooperation_risk(X: np.ndarray, directions: Sequence[int], uplift: np.ndarray, *, n_draws: int = 2000,
                     seed: int = 20210, interval: tuple[float, float] = (5.0, 95.0)) -> CooperationRisk:
    """Nominal scores, intervals and ranks (1 = riskiest) for every row of ``X``."""
    X = np.asarray(X, dtype=float)
    uplift = np.asarray(uplift, dtype=float)
    if uplift.shape != (X.shape[0],):
        raise ValueError(f"uplift: expected {X.shape[0]} values, got shape {uplift.shape}")
    nominal = composite_index(X, directions=directions)
    score = np.minimum(10.0, nominal.scores + uplift)
    if X.shape[1] >= 2:
        ua = uncertainty_analysis(X, directions=directions, n_draws=n_draws, seed=seed, keep_draws=True,
                                  drop_indicator=X.shape[1] >= 3, interval=interval)
        draws = np.minimum(10.0, ua.scores + uplift)
    else:
        draws = score[None, :]
    ranks = rank_descending(draws, axis=1)
    lo, hi = interval
    s_lo, s_hi = np.nanpercentile(draws, [lo, hi], axis=0)
    r_lo, r_hi = np.nanpercentile(ranks, [lo, hi], axis=0)
    return CooperationRisk(
        base=nominal.scores, uplift=uplift, score=score, score_low=np.minimum(s_lo, score),
        score_high=np.maximum(s_hi, score), rank=rank_descending(score), rank_low=r_lo, rank_high=r_hi,
        risk_class=tuple(str(c) for c in risk_class(score, model=INFORM_2021)))


def drivers(values: dict[str, float], *, model: InformModel = INFORM_2021) -> list[tuple[str, float]]:
    """Path of largest contributors from the root down: dimension, category, ..., component.

    ``values`` maps INFORM names to a country's values. At each node the child with the highest value
    is taken: under INFORM's geometric aggregations the highest child moves the parent most.
    """
    path: list[tuple[str, float]] = []
    name = model.root
    while True:
        try:
            node = model.node(name)
        except ValueError:
            return path
        kids = [(c, v) for c in node.children if (v := values.get(c)) is not None and not np.isnan(v)]
        if not kids:
            return path
        if node.aggregation == "conflict":
            # max(current, 0.7 projected): the larger term is the driver
            cur = dict(kids).get(node.children[0], -1.0)
            proj = dict(kids).get(node.children[1], -1.0)
            best = (node.children[0], cur) if cur >= node.factor * proj else (node.children[1], proj)
        else:
            best = max(kids, key=lambda kv: kv[1])
        path.append(best)
        name = best[0]
