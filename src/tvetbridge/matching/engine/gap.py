"""Gap analysis (demand vs supply pipeline) and proposal scoring for reverse project initiation.

Definitions (all counts are people):

* demand of a cell (region r, occupation o) = sum of open demand rows of r and o whose deadline
  falls within ``[now, now + horizon]``;
* supply of the cell = expected graduates of programmes teaching o that graduate within the same
  window and are within ``radius_km`` of r. A programme near two regions counts for both: the
  figure answers "could this region be served?"; the exclusive split is the allocation's job;
* gap = max(demand − supply, 0), surplus = max(supply − demand, 0).

The skill view does the same per (region, skill), a demand row counting for each required skill and
a programme's graduates for each skill it teaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from .alloc import haversine_km


@dataclass(frozen=True)
class GapTable:
    region: np.ndarray
    key: np.ndarray  # occupation index (or skill index for the skill view)
    demand: np.ndarray
    supply: np.ndarray
    gap: np.ndarray
    surplus: np.ndarray
    demand_rows: list[np.ndarray]  # indices of the demand rows behind each cell (drill-down)

    def by_region(self, n_regions: int) -> tuple[np.ndarray, np.ndarray]:
        """(demand, gap) summed per region."""
        return (np.bincount(self.region, self.demand, n_regions), np.bincount(self.region, self.gap, n_regions))

    def by_group(self, region_group: np.ndarray) -> dict[int, tuple[float, float]]:
        """Sums per higher level (e.g. country of each region): {group: (demand, gap)}."""
        g = np.asarray(region_group)[self.region]
        return {int(u): (float(self.demand[g == u].sum()), float(self.gap[g == u].sum())) for u in np.unique(g)}


def _check(name: str, x: ArrayLike, n: int | None = None) -> np.ndarray:
    a = np.asarray(x)
    if n is not None and len(a) != n:
        raise ValueError(f"{name} has {len(a)} rows, expected {n}")
    return a


def gap_analysis(
    *,
    demand_region: ArrayLike, demand_key: ArrayLike, demand_count: ArrayLike, demand_deadline: ArrayLike,
    supply_region: ArrayLike, supply_key: ArrayLike, supply_graduates: ArrayLike, supply_ready: ArrayLike,
    region_lat: ArrayLike, region_lon: ArrayLike,
    horizon: float, radius_km: float, now: float = 0.0,
    demand_keys: sp.csr_matrix | None = None, supply_keys: sp.csr_matrix | None = None,
) -> GapTable:
    """Gap per (region, key). ``key`` is the occupation index per row; for the skill view pass
    ``demand_keys``/``supply_keys`` (rows × skills incidence) instead and any array for the keys.
    Times are numbers on one axis (e.g. days)."""
    n_d = np.shape(demand_region)[0]
    n_s = np.shape(supply_region)[0]
    dr = _check("demand_region", demand_region).astype(np.int64)
    dc = _check("demand_count", demand_count, n_d).astype(np.float64)
    dd = _check("demand_deadline", demand_deadline, n_d).astype(np.float64)
    sr = _check("supply_region", supply_region).astype(np.int64)
    sg = _check("supply_graduates", supply_graduates, n_s).astype(np.float64)
    st = _check("supply_ready", supply_ready, n_s).astype(np.float64)
    if np.any(dc < 0) or np.any(sg < 0):
        raise ValueError("counts must be >= 0")
    lat, lon = np.asarray(region_lat, float), np.asarray(region_lon, float)
    if demand_keys is None:
        dk = sp.csr_matrix((np.ones(n_d), (np.arange(n_d), _check("demand_key", demand_key, n_d))))
        sk = sp.csr_matrix((np.ones(n_s), (np.arange(n_s), _check("supply_key", supply_key, n_s))))
    else:
        dk, sk = sp.csr_matrix(demand_keys), sp.csr_matrix(supply_keys)
    n_keys = max(dk.shape[1], sk.shape[1])
    dk.resize((n_d, n_keys))
    sk.resize((n_s, n_keys))
    n_r = len(lat)
    in_d = (dd >= now) & (dd <= now + horizon)
    in_s = (st >= now) & (st <= now + horizon)
    # demand per (region, key) and the rows behind it
    Dm = (sp.csr_matrix((dc * in_d, (dr, np.arange(n_d))), shape=(n_r, n_d)) @ dk).tocoo()
    # supply available to each region: graduates within radius
    near = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) <= radius_km  # region × region
    # A region always serves itself, even when its coordinates are unknown (NaN compares False).
    near |= np.eye(n_r, dtype=bool)
    Sreg = sp.csr_matrix((sg * in_s, (sr, np.arange(n_s))), shape=(n_r, n_s)) @ sk  # graduates per (prog region, key)
    Savail = sp.csr_matrix(near.astype(np.float64)) @ Sreg
    cells = {(int(r), int(k)) for r, k, v in zip(Dm.row, Dm.col, Dm.data, strict=False) if v > 0}
    Dd = Dm.tocsr()
    Sa = Savail.tocsr()
    region = np.array([c[0] for c in sorted(cells)], dtype=np.int64)
    key = np.array([c[1] for c in sorted(cells)], dtype=np.int64)
    dem = np.asarray(Dd[region, key]).ravel() if len(region) else np.zeros(0)
    sup = np.asarray(Sa[region, key]).ravel() if len(region) else np.zeros(0)
    dkc = dk.tocsc()
    rows_behind = []
    for r, k in zip(region, key, strict=False):
        cand = dkc.indices[dkc.indptr[k] : dkc.indptr[k + 1]]
        rows_behind.append(np.sort(cand[(dr[cand] == r) & in_d[cand]]))
    order = np.argsort(-(dem - sup), kind="stable")
    return GapTable(region[order], key[order], dem[order], sup[order], np.maximum(dem - sup, 0)[order],
                    np.maximum(sup - dem, 0)[order], [rows_behind[i] for i in order])


# ---------------------------------------------------------------------------------------- proposals
@dataclass(frozen=True)
class ScoreComponent:
    """One term of a proposal's score. ``facts`` are the numbers behind it (distance, counts, scores):
    the platform words them in the reader's language (``matching.explain``); the engine writes no text."""

    name: str
    value: float  # in [0, 1]
    weight: float
    contribution: float  # weight * value
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    host: int  # index into the host-institution arrays
    partner: int  # index into the Chinese-institution arrays
    expected_trainees: int
    cost: float
    income_gain: float
    score: float
    components: tuple[ScoreComponent, ...] = field(default_factory=tuple)

    def explain(self) -> str:
        """A plain trace for logs and notebooks (pages and reports use ``matching.explain``)."""
        return "; ".join(f"{c.name} {c.value:.2f}×{c.weight:g} {c.facts}" for c in self.components)


@dataclass(frozen=True)
class ProposalWeights:
    proximity: float = 0.20
    capacity: float = 0.20
    field_strength: float = 0.20
    bilingual: float = 0.10
    facilities: float = 0.10
    value: float = 0.10
    risk: float = 0.10
    km_ref: float = 300.0  # proximity halves every km_ref·ln2 km
    bilingual_needed: int = 4  # bilingual teachers for a full-strength cohort


def score_proposals(
    *,
    gap: float, demand_lat: float, demand_lon: float,
    host_lat: ArrayLike, host_lon: ArrayLike, host_capacity: ArrayLike, host_field_match: ArrayLike,
    partner_field_strength: ArrayLike, partner_bilingual_faculty: ArrayLike, partner_facilities: ArrayLike,
    cost_per_trainee: float, income_gain_per_trainee: float, country_risk: float,
    weights: ProposalWeights = ProposalWeights(), top: int = 5, max_km: float = np.inf,
) -> list[Proposal]:
    """Rank (host institution, Chinese partner) pairs for one gap; every score component explained.

    expected trainees = min(gap, host capacity); value = net income gain per trainee relative to the
    gain (1 = training is free, 0 = cost eats the gain); risk component = 1 − country risk (0–1).
    """
    if gap <= 0:
        return []
    if not 0 <= country_risk <= 1:
        raise ValueError("country_risk must be within [0, 1]")
    hl, hn = np.asarray(host_lat, float), np.asarray(host_lon, float)
    hc, hf = np.asarray(host_capacity, float), np.asarray(host_field_match, float)
    pf, pb, pfac = (np.asarray(x, float) for x in (partner_field_strength, partner_bilingual_faculty, partner_facilities))
    w = weights
    dist = haversine_km(demand_lat, demand_lon, hl, hn)
    prox = np.exp(-dist / w.km_ref)
    trainees = np.minimum(gap, hc).astype(np.int64)
    cap = trainees / gap
    bil = np.minimum(pb / w.bilingual_needed, 1.0)
    value = float(np.clip((income_gain_per_trainee - cost_per_trainee) / income_gain_per_trainee, 0, 1)) if income_gain_per_trainee > 0 else 0.0
    risk = 1.0 - country_risk
    out: list[Proposal] = []
    for h in np.flatnonzero((dist <= max_km) & (hc > 0)):
        for p in range(len(pf)):
            comps = (
                ScoreComponent("proximity", float(prox[h]), w.proximity, w.proximity * float(prox[h]),
                               {"km": float(dist[h]), "km_ref": w.km_ref}),
                ScoreComponent("capacity", float(cap[h]), w.capacity, w.capacity * float(cap[h]),
                               {"trainees": int(trainees[h]), "gap": float(gap)}),
                ScoreComponent("field_strength", float(pf[p] * hf[h]), w.field_strength,
                               w.field_strength * float(pf[p] * hf[h]),
                               {"partner_strength": float(pf[p]), "host_match": float(hf[h])}),
                ScoreComponent("bilingual", float(bil[p]), w.bilingual, w.bilingual * float(bil[p]),
                               {"teachers": float(pb[p]), "needed": w.bilingual_needed}),
                ScoreComponent("facilities", float(pfac[p]), w.facilities, w.facilities * float(pfac[p]),
                               {"score": float(pfac[p])}),
                ScoreComponent("value", value, w.value, w.value * value,
                               {"gain": float(income_gain_per_trainee), "cost": float(cost_per_trainee)}),
                ScoreComponent("risk", risk, w.risk, w.risk * risk, {"risk": float(country_risk)}),
            )
            t = int(trainees[h])
            out.append(Proposal(int(h), int(p), t, t * cost_per_trainee, t * income_gain_per_trainee,
                                float(sum(c.contribution for c in comps)), comps))
    out.sort(key=lambda x: (-x.score, x.host, x.partner))
    return out[:top]
