"""Trainee ↔ vacancy candidate lists end to end: database → vectors → exact top-10 both ways → stored lists.

Uses the database of ``TVETBRIDGE_DATABASE_URL`` (SQLite file by default). ``--generate`` first
(re)creates the scale's synthetic trainees and vacancies with ESCO skill sets
(``tvetbridge generate --skip-registry --trainees N --vacancies M``); the taxonomy must be loaded.

Prints ``name: value`` lines, medians over ``--runs``:
- ``e2e_over_kernel`` (goal ≤ 1.5): ``services.rebuild_candidates()`` (read, top-k with exact ties, write the
  lists in one transaction) over the bare kernel — one ``sp_matmul_topn`` per direction on the very
  same prepared vectors (skills L2-normalised + region/language columns), nothing else. The pipeline
  itself multiplies skills and regions only and adds the language part per group, exactly (see
  ``candidates.compute``), so it does less kernel work than this peer; ``kernel_no_language_s`` is the
  same bare kernel on just the columns the pipeline multiplies, and ``e2e_over_kernel_no_language``
  the end-to-end time over it — the overhead around the kernel work actually done;
- ``kernel_over_sklearn`` (goal ≤ 0.2): the bare kernel on the skill vectors over scikit-learn's
  brute-force cosine ``NearestNeighbors`` on the same vectors (sampled queries, time extrapolated
  linearly to every row), with identical top-10 sets on the sample;
- the stored lists checked against a dense brute-force of the full score on sampled rows;
- ``peak_memory_gib`` (goal ≤ 8 at national scale).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")

import django  # noqa: E402

django.setup()

from _sklearn_peer import brute_force_both_ways  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402

from tvetbridge.matching import services  # noqa: E402
from tvetbridge.matching.engine import candidates, topk_cosine  # noqa: E402
from tvetbridge.matching.io import candidates as candidate_io  # noqa: E402
from tvetbridge.matching.models import CandidateList  # noqa: E402

SCALES = {"small": (10_000, 2_000, 500), "medium": (100_000, 20_000, 1_000),
          "national": (1_000_000, 200_000, 2_000)}


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def threads() -> int:
    n = os.cpu_count() or 1
    return n - 1 if n > 2 else n


def bare_kernel(A, B, k: int) -> float:
    """One sp_matmul_topn per direction on already prepared CSR matrices."""
    AT, BT = A.T.tocsr(), B.T.tocsr()
    t0 = time.perf_counter()
    sp_matmul_topn(A, BT, top_n=k, threshold=0.0, n_threads=threads())
    sp_matmul_topn(B, AT, top_n=k, threshold=0.0, n_threads=threads())
    return time.perf_counter() - t0


def same_up_to_ties(ours_i, ours_s, theirs_i, score_row, k) -> tuple[bool, bool]:
    """(strictly identical sets, identical except candidates tied at the k-th score)."""
    a, b = set(ours_i.tolist()), set(theirs_i.tolist())
    if a == b:
        return True, True
    if len(ours_s) == 0:
        return False, False
    kth = ours_s.min()
    diff = a ^ b
    return False, all(abs(score_row[j] - kth) < 1e-9 for j in diff)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--generate", action="store_true", help="(Re)generate the scale's trainees and vacancies first.")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    n_t, n_v, n_sample = SCALES[args.scale]
    k = args.k
    from django.db import connection

    print(f"scale: {args.scale}")
    print(f"database: {connection.vendor}")
    if args.generate:
        from tvetbridge.demo import matching_generator

        t0 = time.perf_counter()
        made = matching_generator.generate(trainees=n_t, vacancies=n_v, seed=args.seed)
        print(f"generate_s: {time.perf_counter() - t0:.1f}")
        print(f"generated: {made}")

    e2e, kern, reads, topks, writes = [], [], [], [], []
    inputs = None
    for run in range(args.runs):
        report = services.rebuild_candidates(k)
        e2e.append(report.total)
        reads.append(report.seconds["read"])
        topks.append(report.seconds["top-k"])
        writes.append(report.seconds["write"])
        if inputs is None:
            inputs = candidate_io.load_inputs()
            A, B = inputs.prepared()
        kern.append(bare_kernel(A, B, k))
        print(f"run_{run + 1}: e2e {report.total:.2f} s ({', '.join(f'{n} {s:.2f}' for n, s in report.seconds.items())}), "
              f"kernel {kern[-1]:.2f} s, tie_fallback_rows {report.tie_fallback_rows}")
    print(f"trainees_consenting: {report.trainees}")
    print(f"vacancies_open: {report.vacancies}")
    print(f"lists_stored: {report.lists}")
    print(f"skills_per_trainee_mean: {inputs.T.nnz / max(inputs.T.shape[0], 1):.1f}")
    print(f"skills_per_vacancy_mean: {inputs.V.nnz / max(inputs.V.shape[0], 1):.1f}")
    med = statistics.median
    print(f"e2e_s_median: {med(e2e):.2f} (read {med(reads):.2f}, top-k {med(topks):.2f}, write {med(writes):.2f})")
    print(f"kernel_both_ways_s_median: {med(kern):.2f}")
    print(f"e2e_over_kernel: {med(e2e) / med(kern):.3f}")
    cut = A.shape[1] - inputs.n_language_columns
    kern_nolang = statistics.median(bare_kernel(A[:, :cut].tocsr(), B[:, :cut].tocsr(), k) for _ in range(3))
    print(f"kernel_no_language_s: {kern_nolang:.2f} (median of 3)")
    print(f"e2e_over_kernel_no_language: {med(e2e) / kern_nolang:.3f}")

    # Stored lists against a dense brute force of the full score on sampled rows.
    rng = np.random.default_rng(1)
    qv = rng.choice(len(inputs.vacancy_pk), min(200, len(inputs.vacancy_pk)), replace=False)
    qt = rng.choice(len(inputs.trainee_pk), min(200, len(inputs.trainee_pk)), replace=False)
    lists = {(kind, s): (ids, sc) for kind, s, ids, sc in CandidateList.objects.filter(
        subject_id__in=np.concatenate([inputs.vacancy_pk[qv], inputs.trainee_pk[qt]]).tolist())
        .values_list("kind", "subject_id", "candidate_ids", "scores")}
    strict = tied = 0
    a_bias = np.where(inputs.t_anywhere, candidates.REGION_WEIGHT, 0.0)
    b_bias = np.where(inputs.v_no_language, candidates.LANGUAGE_WEIGHT, 0.0)
    for rows, P, Q, kind, subj_pk, cand_pk, own, other in (
            (qv, B, A, "vacancy", inputs.vacancy_pk, inputs.trainee_pk, b_bias, a_bias),
            (qt, A, B, "trainee", inputs.trainee_pk, inputs.vacancy_pk, a_bias, b_bias)):
        full = (P[rows] @ Q.T).toarray()
        for r, raw in zip(rows, full, strict=True):
            ids, sc = lists.get((kind, int(subj_pk[r])), ([], []))
            pos = np.flatnonzero(raw > 0)  # pairs sharing a skill, region or required language
            row = np.where(raw > 0, raw + own[r] + other, 0.0)
            top = pos[np.lexsort((pos, -row[pos]))][:k]
            ours = np.searchsorted(cand_pk, np.array(ids, dtype=np.int64))
            s, t = same_up_to_ties(ours, np.array(sc), top, row, k)
            strict += s
            tied += t
    print(f"stored_vs_bruteforce_identical_top{k}: {strict}/{len(qv) + len(qt)} "
          f"(identical up to exact ties at the k-th score: {tied})")

    # Kernel vs scikit-learn brute force on the skill vectors alone (cosine).
    T, V = inputs.T, inputs.V
    Tn, Vn = normalize(T), normalize(V)
    skill_kernel = bare_kernel(Tn, Vn, k)
    print(f"kernel_skills_only_s: {skill_kernel:.2f}")
    peer = brute_force_both_ways(T, V, k, n_sample, rng)
    qt, qv, sk_total = peer.queries_t, peer.queries_v, peer.seconds_extrapolated
    dv, iv, dt_, it = peer.dist_tv, peer.idx_tv, peer.dist_vt, peer.idx_vt
    fwd = topk_cosine(T[qt], V, k)
    rev = topk_cosine(V[qv], T, k)
    strict = tied = 0
    for res, Q, P, d, i in ((fwd, T[qt], V, dv, iv), (rev, V[qv], T, dt_, it)):
        full = (normalize(Q) @ normalize(P).T).toarray()
        for r in range(Q.shape[0]):
            ours = res.indices[r][res.indices[r] >= 0]
            theirs = i[r][d[r] < 1 - 1e-9]  # sklearn pads with zero-similarity rows
            s, t = same_up_to_ties(ours, res.scores[r][res.indices[r] >= 0], theirs, full[r], k)
            strict += s
            tied += t
    print(f"identical_top{k}_sets_vs_sklearn: {strict}/{len(qt) + len(qv)} (up to exact ties: {tied})")
    print(f"kernel_over_sklearn: {skill_kernel / sk_total:.4f}")
    print(f"peak_memory_gib: {peak_gib():.2f}")
    print(f"headline: e2e/kernel {med(e2e) / med(kern):.3f}, kernel/sklearn {skill_kernel / sk_total:.4f}")


if __name__ == "__main__":
    main()
