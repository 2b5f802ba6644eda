"""Capacity allocation: demand cells (region × occupation) → programmes, by min-cost flow.

Network: one node per demand cell (supply = its count), one per programme, one sink. Arcs
demand→programme (capacity = demand count, cost = integer arc cost), programme→sink (capacity =
programme capacity, cost 0) and demand→sink ("unmet", capacity = demand count, cost =
``unmet_penalty``). With the penalty above every arc cost, the optimum serves as much demand as
capacity allows, at least total cost, and the unmet arcs report what is left.

Arc cost (:func:`allocation_cost`), integer-scaled because OR-Tools' min-cost flow is exact on
integers::

    cost = round(scale * (w_distance * km / km_ref + w_language * (1 - language_fit)
                          + w_skills * (1 - skill_coverage)))

``language_fit`` and ``skill_coverage`` are in [0, 1] (1 = trainees speak the employer's language;
the programme teaches every required skill). Pairs farther than ``max_km`` or below
``min_coverage`` get no arc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance in km; broadcasts (pass column/row vectors for a matrix)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


@dataclass(frozen=True)
class CostWeights:
    distance: float = 1.0
    language: float = 1.0
    skills: float = 2.0
    km_ref: float = 1000.0
    scale: int = 1000


def allocation_cost(
    dist_km: np.ndarray,
    language_fit: np.ndarray,
    skill_coverage: np.ndarray,
    *,
    weights: CostWeights = CostWeights(),
    max_km: float = np.inf,
    min_coverage: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs (demand_index, programme_index, integer_cost) from n_d × n_p matrices."""
    dist_km, language_fit, skill_coverage = (np.asarray(x, dtype=np.float64) for x in (dist_km, language_fit, skill_coverage))
    if not (dist_km.shape == language_fit.shape == skill_coverage.shape) or dist_km.ndim != 2:
        raise ValueError("dist_km, language_fit and skill_coverage must be n_demand × n_programme matrices")
    for name, x in (("language_fit", language_fit), ("skill_coverage", skill_coverage)):
        if np.any((x < 0) | (x > 1)):
            raise ValueError(f"{name} must be within [0, 1]")
    if np.any(dist_km < 0):
        raise ValueError("distances must be >= 0")
    w = weights
    cost = w.scale * (w.distance * dist_km / w.km_ref + w.language * (1 - language_fit) + w.skills * (1 - skill_coverage))
    ok = (dist_km <= max_km) & (skill_coverage >= min_coverage)
    d, p = np.nonzero(ok)
    return d.astype(np.int64), p.astype(np.int64), np.rint(cost[d, p]).astype(np.int64)


@dataclass(frozen=True)
class AllocationResult:
    arc_demand: np.ndarray  # arcs with positive flow
    arc_programme: np.ndarray
    flow: np.ndarray
    unmet: np.ndarray  # per demand cell
    served: np.ndarray  # per demand cell
    used_capacity: np.ndarray  # per programme
    total_cost: int  # including unmet penalties
    assignment_cost: int  # arcs only
    optimal: bool


# demand, capacity, arc demand cell, arc programme, arc cost: validated int64 arrays
Network = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _validate(demand: ArrayLike, capacity: ArrayLike, arc_demand: ArrayLike, arc_programme: ArrayLike,
              arc_cost: ArrayLike) -> Network:
    dm, cp = np.asarray(demand), np.asarray(capacity)
    adm, apr, acs = (np.asarray(x) for x in (arc_demand, arc_programme, arc_cost))
    for name, x in (("demand", dm), ("capacity", cp), ("arc_cost", acs)):
        if x.size and not np.issubdtype(x.dtype, np.integer):
            if not np.all(np.equal(np.mod(x, 1), 0)):
                raise ValueError(f"{name} must be integers (scale costs with allocation_cost)")
        if x.size and x.min() < 0:
            raise ValueError(f"{name} must be >= 0")
    if not (len(adm) == len(apr) == len(acs)):
        raise ValueError("arc arrays must have the same length")
    if len(adm) and (adm.min() < 0 or adm.max() >= len(dm)):
        raise ValueError("arc_demand refers to an unknown demand cell")
    if len(apr) and (apr.min() < 0 or apr.max() >= len(cp)):
        raise ValueError("arc_programme refers to an unknown programme")
    return (dm.astype(np.int64), cp.astype(np.int64), adm.astype(np.int64), apr.astype(np.int64),
            acs.astype(np.int64))


def default_penalty(arc_cost: np.ndarray) -> int:
    # Any value above the dearest arc makes serving always better than leaving unmet.
    return int((arc_cost.max() if len(arc_cost) else 0) + 1) * 10


def build_network(demand: ArrayLike, capacity: ArrayLike, arc_demand: ArrayLike, arc_programme: ArrayLike,
                  arc_cost: ArrayLike, unmet_penalty: int | None = None) -> tuple[Any, tuple[Any, ...]]:
    """The OR-Tools network, built with vectorised calls (no per-arc Python loop)."""
    from ortools.graph.python import min_cost_flow

    dm, cp, ad, ap, ac = _validate(demand, capacity, arc_demand, arc_programme, arc_cost)
    n_d, n_p = len(dm), len(cp)
    sink = n_d + n_p
    pen = default_penalty(ac) if unmet_penalty is None else int(unmet_penalty)
    if len(ac) and pen <= ac.max():
        raise ValueError("unmet_penalty must exceed every arc cost")
    tails = np.concatenate([ad, n_d + np.arange(n_p), np.arange(n_d)])
    heads = np.concatenate([n_d + ap, np.full(n_p, sink), np.full(n_d, sink)])
    caps = np.concatenate([dm[ad], cp, dm])
    costs = np.concatenate([ac, np.zeros(n_p, np.int64), np.full(n_d, pen, np.int64)])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate([dm, np.zeros(n_p, np.int64), [-dm.sum()]])
    smcf.set_nodes_supplies(np.arange(n_d + n_p + 1), supplies)
    return smcf, (dm, cp, ad, ap, ac, pen)


def allocate(demand: ArrayLike, capacity: ArrayLike, arc_demand: ArrayLike, arc_programme: ArrayLike,
             arc_cost: ArrayLike, unmet_penalty: int | None = None) -> AllocationResult:
    """Min-cost allocation of integer demand to programme capacity (see module docstring)."""
    smcf, (dm, cp, ad, ap, ac, pen) = build_network(demand, capacity, arc_demand, arc_programme, arc_cost,
                                                    unmet_penalty)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return extract(smcf, dm, cp, ad, ap, ac, pen)


def extract(smcf: Any, demand: np.ndarray, capacity: np.ndarray, ad: np.ndarray, ap: np.ndarray,
            ac: np.ndarray, pen: int) -> AllocationResult:
    n_d, n_p, m = len(demand), len(capacity), len(ad)
    flows = smcf.flows(np.arange(m + n_p + n_d))
    f = flows[:m]
    unmet = flows[m + n_p :].astype(np.int64)
    pos = f > 0
    return AllocationResult(
        arc_demand=ad[pos],
        arc_programme=ap[pos],
        flow=f[pos].astype(np.int64),
        unmet=unmet,
        served=demand - unmet,
        used_capacity=flows[m : m + n_p].astype(np.int64),
        total_cost=int(smcf.optimal_cost()),
        assignment_cost=int((f * ac).sum()),
        optimal=True,
    )


def allocation_lp(demand: ArrayLike, capacity: ArrayLike, arc_demand: ArrayLike, arc_programme: ArrayLike,
                  arc_cost: ArrayLike, unmet_penalty: int | None = None) -> float:
    """The same problem as an LP (x_arc, u_demand ≥ 0; serve-or-unmet equalities, capacity rows),
    solved by HiGHS through SciPy; returns the optimal objective, to certify the flow's optimality."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    dm, cp, ad, ap, ac = _validate(demand, capacity, arc_demand, arc_programme, arc_cost)
    pen = default_penalty(ac) if unmet_penalty is None else int(unmet_penalty)
    n_d, n_p, m = len(dm), len(cp), len(ad)
    c = np.concatenate([ac, np.full(n_d, pen)]).astype(np.float64)
    A_eq = sp.hstack([sp.csr_matrix((np.ones(m), (ad, np.arange(m))), shape=(n_d, m)), sp.identity(n_d)], format="csr")
    A_ub = sp.hstack([sp.csr_matrix((np.ones(m), (ap, np.arange(m))), shape=(n_p, m)), sp.csr_matrix((n_p, n_d))], format="csr")
    res = linprog(c, A_ub=A_ub, b_ub=cp, A_eq=A_eq, b_eq=dm, bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"HiGHS LP failed: {res.message}")
    return float(res.fun)
