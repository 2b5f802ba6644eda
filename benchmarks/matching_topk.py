"""Exact top-10 trainee ↔ vacancy candidates on synthetic ESCO skill sets.

Each synthetic person/vacancy picks an ESCO occupation and keeps each essential skill with
probability 0.7 and each optional one with 0.15; weights are 1.0 (essential) / 0.5 (optional) times a
proficiency in [0.5, 1], which makes exact score ties improbable so "identical top-10 sets" is well
posed. Prints `name: value` lines; headline = engine time / scikit-learn brute-force time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _sklearn_peer import brute_force_both_ways  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402

from tvetbridge.matching.engine import topk_cosine  # noqa: E402
from tvetbridge.taxonomy.engine import esco_data  # noqa: E402

SCALES = {"small": (50_000, 10_000, 500), "national": (1_000_000, 200_000, 2_000)}


def synth(n: int, rng: np.random.Generator) -> sp.csr_matrix:
    m = esco_data.occupation_skill_matrix()
    ess, allm = m.essential.tocsr(), m.matrix.tocsr()
    ok = np.flatnonzero(np.diff(ess.indptr) >= 3)
    occ = rng.choice(ok, n)
    sub = allm[occ]  # n × skills, 1.0 essential / 0.5 optional
    keep_p = np.where(sub.data == 1.0, 0.7, 0.15)
    keep = rng.random(sub.nnz) < keep_p
    sub.data = np.where(keep, sub.data * rng.uniform(0.5, 1.0, sub.nnz), 0.0)
    sub.eliminate_zeros()
    return sub.tocsr()


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()
    n_t, n_v, n_sample = SCALES[args.scale]
    k = args.k
    rng = np.random.default_rng(20240601)
    t0 = time.perf_counter()
    T, V = synth(n_t, rng), synth(n_v, rng)
    print(f"scale: {args.scale}")
    print(f"trainees: {n_t}")
    print(f"vacancies: {n_v}")
    print(f"skills_per_row_mean: {T.nnz / n_t:.1f}")
    print(f"generate_s: {time.perf_counter() - t0:.2f}")

    # bare kernel: pre-normalised matrices, one sp_matmul_topn call per direction, nothing else
    Tn, Vn = normalize(T), normalize(V)
    TnT, VnT = Tn.T.tocsr(), Vn.T.tocsr()
    t0 = time.perf_counter()
    sp_matmul_topn(Tn, VnT, top_n=k, threshold=0.0, n_threads=-1 if __import__("os").cpu_count() > 2 else 2)
    sp_matmul_topn(Vn, TnT, top_n=k, threshold=0.0, n_threads=-1 if __import__("os").cpu_count() > 2 else 2)
    kernel = time.perf_counter() - t0
    del TnT, VnT
    print(f"kernel_both_ways_s: {kernel:.2f}")

    t0 = time.perf_counter()
    fwd = topk_cosine(T, V, k)
    rev = topk_cosine(V, T, k)
    eng = time.perf_counter() - t0
    print(f"engine_both_ways_s: {eng:.2f}")
    print(f"engine_over_kernel: {eng / kernel:.3f}")
    print(f"tie_fallback_rows: {fwd.exact_fallback_rows + rev.exact_fallback_rows}")

    peer = brute_force_both_ways(T, V, k, n_sample, rng)
    qt, qv, sk_total = peer.queries_t, peer.queries_v, peer.seconds_extrapolated
    dv, iv, dt, it = peer.dist_tv, peer.idx_tv, peer.dist_vt, peer.idx_vt

    def same(res, rows, d, i):
        n_ok = 0
        for r, dd, ii in zip(rows, d, i, strict=False):
            ours = set(res.indices[r][res.indices[r] >= 0].tolist())
            theirs = set(ii[dd < 1 - 1e-9].tolist())  # sklearn pads with zero-similarity rows
            n_ok += ours == theirs
        return n_ok

    ok = same(fwd, qt, dv, iv) + same(rev, qv, dt, it)
    print(f"identical_top{k}_sets: {ok}/{len(qt) + len(qv)}")
    print(f"kernel_over_sklearn: {kernel / sk_total:.4f}")
    print(f"peak_memory_gib: {peak_gib():.2f}")
    print(f"headline: {eng / sk_total:.4f}")


if __name__ == "__main__":
    main()
