"""The scikit-learn peer of the matching benchmarks: brute-force cosine nearest neighbours, both ways.

Brute force over every row would take hours at national scale, so a random sample of query rows is
timed and the time extrapolated linearly to all rows (brute force costs the same per query row).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors


@dataclass
class PeerRun:
    seconds_extrapolated: float
    queries_t: np.ndarray  # sampled rows of T (queries against V)
    queries_v: np.ndarray  # sampled rows of V (queries against T)
    dist_tv: np.ndarray
    idx_tv: np.ndarray
    dist_vt: np.ndarray
    idx_vt: np.ndarray


def brute_force_both_ways(T, V, k: int, n_sample: int, rng: np.random.Generator) -> PeerRun:
    qt = rng.choice(T.shape[0], min(n_sample, T.shape[0]), replace=False)
    qv = rng.choice(V.shape[0], min(n_sample, V.shape[0]), replace=False)
    nn_v = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=-1).fit(V)
    nn_t = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=-1).fit(T)
    t0 = time.perf_counter()
    dv, iv = nn_v.kneighbors(T[qt])
    s1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    dt, it = nn_t.kneighbors(V[qv])
    s2 = time.perf_counter() - t0
    total = s1 * T.shape[0] / len(qt) + s2 * V.shape[0] / len(qv)
    print(f"sklearn_sampled_queries: {len(qt)}+{len(qv)} (time extrapolated linearly to all rows)")
    print(f"sklearn_both_ways_s_extrapolated: {total:.2f}")
    return PeerRun(total, qt, qv, dv, iv, dt, it)
