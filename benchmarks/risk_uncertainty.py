"""Uncertainty analysis of the composite index: batched Monte Carlo vs the naive loop doing the same work.

Indicator set: the 21 lowest-level INFORM 2021 components for all 191 countries (all +1 directions).
Each draw picks a normalisation (minmax / rank / distance), an aggregation (arithmetic / geometric),
Dirichlet weights around equal weights and possibly leaves one indicator out.

- ours: ``uncertainty_analysis`` end to end (sampling the choices, all scores, all ranks, score and
  rank percentiles).
- peer (headline denominator): the same choices sampled by the same function, the three
  normalisations computed **once** (with their missing-value masks and log1p for the geometric
  mean), then a Python loop over the draws doing one weighted mean and one ranking per draw
  (``rank_descending`` on one row: the project's own ranking, faster than ``scipy.stats.rankdata``),
  then ``np.percentile`` over the stacked scores and ranks. Same numbers as ours (checked: max
  difference printed). It is the loop a careful analyst writes first; only batching separates us.

Both sides run with BLAS on one thread, timed in CPU time (``time.process_time``) with wall time
beside it, each the median of ``--repeat`` runs (≥ 5) with min and max.

    python benchmarks/risk_uncertainty.py --scale small|national
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from tvetbridge.risk.engine.composite import AGGREGATIONS, normalise, rank_descending
from tvetbridge.risk.engine.inform import INFORM_2021, load_inform_2021
from tvetbridge.risk.engine.sensitivity import draw_choices, uncertainty_analysis

NORMALISATIONS = ("minmax", "rank", "distance")
SCALES = {"small": 1_000, "national": 10_000}  # draws
INTERVAL = (5.0, 50.0, 95.0)


def peer(X: np.ndarray, d: np.ndarray, n_draws: int, seed: int):
    ch = draw_choices(n_draws, k=X.shape[1], n_normalisations=len(NORMALISATIONS),
                      n_aggregations=len(AGGREGATIONS), nominal_weights=None, seed=seed)
    values, present, logs = [], [], []
    for m in NORMALISATIONS:  # computed once
        Y = normalise(X, directions=d, method=m)
        values.append(np.where(np.isnan(Y), 0.0, Y))
        present.append((~np.isnan(Y)).astype(float))
        logs.append(np.log1p(values[-1]))
    S = np.empty((n_draws, X.shape[0]))
    R = np.empty_like(S)
    for i in range(n_draws):
        m, geometric, w = ch.normalisation_index[i], ch.aggregation_index[i] == 1, ch.weights[i]
        wsum = present[m] @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(wsum > 0, ((logs[m] if geometric else values[m]) @ w) / wsum, np.nan)
        if geometric:
            s = np.expm1(s)
        S[i] = s
        R[i] = rank_descending(s)
    return S, np.nanpercentile(S, INTERVAL, axis=0), np.percentile(R, INTERVAL, axis=0)


def timed(fn, repeat: int):
    cpu, wall, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return cpu, wall, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--draws", type=int, default=None, help="override the scale's number of draws")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n_draws = args.draws or SCALES[args.scale]

    table = load_inform_2021()
    X = np.column_stack([table.column(c) for c in INFORM_2021.leaves])
    d = np.ones(X.shape[1], dtype=int)
    kwargs = dict(directions=d, normalisations=NORMALISATIONS, aggregations=AGGREGATIONS, n_draws=n_draws,
                  seed=args.seed, interval=(INTERVAL[0], INTERVAL[2]))

    with threadpool_limits(limits=1, user_api="blas"):
        blas = ",".join(f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info()
                        if i["user_api"] == "blas")
        uncertainty_analysis(X, **{**kwargs, "n_draws": 100})  # warm-up (imports, caches)
        peer(X, d, 100, args.seed)
        ours_cpu, ours_wall, res = timed(lambda: uncertainty_analysis(X, keep_draws=True, **kwargs), args.repeat)
        peer_cpu, peer_wall, (S, sq, rq) = timed(lambda: peer(X, d, n_draws, args.seed), args.repeat)
        tracemalloc.start()
        uncertainty_analysis(X, **kwargs)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        tracemalloc.start()
        peer(X, d, n_draws, args.seed)
        peer_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    diff = max(float(np.nanmax(np.abs(S - res.scores))),
               float(np.nanmax(np.abs(sq - np.array([res.score_low, res.score_median, res.score_high])))),
               float(np.nanmax(np.abs(rq - np.array([res.rank_low, res.rank_median, res.rank_high])))))
    ratios = [o / p for o, p in zip(ours_cpu, peer_cpu, strict=True)]
    med = statistics.median
    print(f"scale: {args.scale}")
    print(f"draws: {n_draws}")
    print(f"countries: {X.shape[0]}")
    print(f"indicators: {X.shape[1]}")
    print(f"missing_values: {int(np.isnan(X).sum())}")
    print(f"runs: {args.repeat}")
    print(f"blas_threads: {blas}")
    print(f"ours_cpu_seconds: {med(ours_cpu):.4f} (min {min(ours_cpu):.4f}, max {max(ours_cpu):.4f})")
    print(f"peer_cpu_seconds: {med(peer_cpu):.4f} (min {min(peer_cpu):.4f}, max {max(peer_cpu):.4f})")
    print(f"ours_wall_seconds: {med(ours_wall):.4f}")
    print(f"peer_wall_seconds: {med(peer_wall):.4f}")
    print(f"ratio_wall: {med(ours_wall) / med(peer_wall):.4f}")
    print(f"ratio_cpu_min: {min(ratios):.4f}")
    print(f"ratio_cpu_max: {max(ratios):.4f}")
    print(f"max_abs_diff_ours_vs_peer: {diff:.3g}")
    print(f"peak_traced_memory_mib: {peak:.1f}")
    print(f"peer_peak_traced_memory_mib: {peer_peak:.1f}")
    print(f"headline: {med(ratios):.4f}")


if __name__ == "__main__":
    main()
