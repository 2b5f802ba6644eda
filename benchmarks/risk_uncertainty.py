"""Uncertainty analysis of the composite index: batched Monte Carlo vs a naive loop of single indices.

Indicator set: the 21 lowest-level INFORM 2021 components for all 191 countries (all +1 directions).
Each draw picks a normalisation (minmax / rank / distance), an aggregation (arithmetic / geometric),
Dirichlet weights around equal weights and possibly leaves one indicator out.

- ``batched_seconds``: ``uncertainty_analysis`` end to end (sampling, all scores, all ranks, score and
  rank percentiles), median of repeats.
- ``naive_loop_seconds``: a Python loop calling ``composite_index`` (scores + ranks) once per draw with
  the same choices, median of repeats. At national scale a subset of draws is timed and scaled
  linearly; the output says so.
- ``ratio`` = batched / naive (goal <= 0.1).

    python benchmarks/risk_uncertainty.py --scale small|national
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

from tvetbridge.risk.engine.composite import AGGREGATIONS, composite_index
from tvetbridge.risk.engine.inform import INFORM_2021, load_inform_2021
from tvetbridge.risk.engine.sensitivity import uncertainty_analysis

NORMALISATIONS = ("minmax", "rank", "distance")
SCALES = {
    # draws, draws timed in the naive loop, repeats (batched, naive)
    "small": (1_000, 1_000, (5, 3)),
    "national": (10_000, 2_000, (5, 3)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n_draws, n_naive, (rep_batched, rep_naive) = SCALES[args.scale]

    table = load_inform_2021()
    X = np.column_stack([table.column(c) for c in INFORM_2021.leaves])
    d = np.ones(X.shape[1], dtype=int)
    kwargs = dict(directions=d, normalisations=NORMALISATIONS, aggregations=AGGREGATIONS, n_draws=n_draws,
                  seed=args.seed)

    uncertainty_analysis(X, **{**kwargs, "n_draws": 100})  # warm-up (imports, BLAS threads)
    batched = []
    for _ in range(rep_batched):
        t0 = time.perf_counter()
        res = uncertainty_analysis(X, keep_draws=True, **kwargs)
        batched.append(time.perf_counter() - t0)
    t_batched = statistics.median(batched)

    ch = res.choices

    def naive(n: int) -> np.ndarray:
        out = np.empty((n, X.shape[0]))
        for i in range(n):
            out[i] = composite_index(X, directions=d, weights=ch.weights[i],
                                     normalisation=NORMALISATIONS[ch.normalisation_index[i]],
                                     aggregation=AGGREGATIONS[ch.aggregation_index[i]]).scores
        return out

    naive(20)
    loops = []
    for _ in range(rep_naive):
        t0 = time.perf_counter()
        S_naive = naive(n_naive)
        loops.append(time.perf_counter() - t0)
    t_naive = statistics.median(loops) * (n_draws / n_naive)
    max_diff = float(np.nanmax(np.abs(S_naive - res.scores[:n_naive])))

    tracemalloc.start()
    uncertainty_analysis(X, **kwargs)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    ratio = t_batched / t_naive
    print(f"scale: {args.scale}")
    print(f"draws: {n_draws}")
    print(f"countries: {X.shape[0]}")
    print(f"indicators: {X.shape[1]}")
    print(f"batched_seconds: {t_batched:.4f}")
    print(f"naive_loop_seconds: {t_naive:.4f}")
    print(f"naive_loop_draws_timed: {n_naive}")
    if n_naive < n_draws:
        print(f"naive_loop_note: timed {n_naive} draws (median of {rep_naive} runs) and scaled linearly "
              f"to {n_draws}")
    print(f"naive_seconds_per_index: {t_naive / n_draws:.6f}")
    print(f"max_abs_score_diff_batched_vs_naive: {max_diff:.3g}")
    print(f"peak_memory_mib: {peak:.1f}")
    print(f"ratio: {ratio:.4f}")
    print(f"headline: {ratio:.4f}")


if __name__ == "__main__":
    main()
