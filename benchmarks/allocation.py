"""Capacity allocation by min-cost flow (OR-Tools), end-to-end vs bare solve, and optimality vs HiGHS LP.

Synthetic instance: demand cells (region × occupation) and programmes placed at random in Central
Asia; arcs where the programme is within 1,500 km and teaches at least 30 % of the skills. Prints
`name: value` lines; headline = end-to-end / bare OR-Tools solve.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tvetbridge.matching.engine import allocate, allocation_cost, allocation_lp, haversine_km  # noqa: E402
from tvetbridge.matching.engine.alloc import build_network, extract  # noqa: E402

SCALES = {"small": (2_000, 500, 300, 100), "national": (20_000, 5_000, 1_000, 300)}


def instance(n_d, n_p, rng):
    lat_d, lon_d = rng.uniform(37, 52, n_d), rng.uniform(50, 87, n_d)
    lat_p, lon_p = rng.uniform(37, 52, n_p), rng.uniform(50, 87, n_p)
    dist = haversine_km(lat_d[:, None], lon_d[:, None], lat_p[None, :], lon_p[None, :])
    lang = rng.choice([0.0, 0.5, 1.0], (n_d, n_p))
    cov = rng.uniform(0, 1, (n_d, n_p))
    demand = rng.integers(1, 60, n_d)
    cap = rng.integers(10, 200, n_p)
    return dist, lang, cov, demand, cap


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    args = ap.parse_args()
    n_d, n_p, lp_d, lp_p = SCALES[args.scale]
    rng = np.random.default_rng(7)
    dist, lang, cov, demand, cap = instance(n_d, n_p, rng)
    d, p, c = allocation_cost(dist, lang, cov, max_km=1500, min_coverage=0.3)
    print(f"scale: {args.scale}")
    print(f"demand_cells: {n_d}")
    print(f"programmes: {n_p}")
    print(f"arcs: {len(d)}")

    reps = 3
    e2e, bare = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        res = allocate(demand, cap, d, p, c)
        e2e.append(time.perf_counter() - t0)
        smcf, parts = build_network(demand, cap, d, p, c)
        t0 = time.perf_counter()
        smcf.solve()
        bare.append(time.perf_counter() - t0)
        assert extract(smcf, *parts).total_cost == res.total_cost
    e2e_s, bare_s = min(e2e), min(bare)
    print(f"total_demand: {int(demand.sum())}")
    print(f"unmet: {int(res.unmet.sum())}")
    print(f"engine_end_to_end_s: {e2e_s:.3f}")
    print(f"ortools_solve_s: {bare_s:.3f}")

    # optimality certificate on a smaller instance
    dist2, lang2, cov2, dem2, cap2 = instance(lp_d, lp_p, np.random.default_rng(8))
    d2, p2, c2 = allocation_cost(dist2, lang2, cov2, max_km=1500, min_coverage=0.3)
    flow = allocate(dem2, cap2, d2, p2, c2).total_cost
    t0 = time.perf_counter()
    lp = allocation_lp(dem2, cap2, d2, p2, c2)
    print(f"lp_instance: {lp_d}x{lp_p} ({len(d2)} arcs)")
    print(f"highs_lp_s: {time.perf_counter() - t0:.3f}")
    print(f"flow_objective: {flow}")
    print(f"lp_objective: {lp:.1f}")
    print(f"optimality_gap: {abs(flow - lp) / max(abs(lp), 1):.2e}")
    print(f"peak_memory_gib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}")
    print(f"headline: {e2e_s / bare_s:.3f}")


if __name__ == "__main__":
    main()
