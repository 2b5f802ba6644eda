"""Matching engines: exact top-k candidates, capacity allocation, gap analysis, proposal scoring.

Pure NumPy/SciPy (+ sparse_dot_topn, OR-Tools, HiGHS); no Django. Callers pass arrays and CSR
matrices in and get arrays and small typed results out. Allocation, gap and proposals live in
``engine_alloc``, ``engine_gap`` and are re-exported here so callers import one module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize
from sparse_dot_topn import sp_matmul_topn

from .engine_alloc import (  # noqa: F401  (re-export)
    AllocationResult,
    allocate,
    allocation_cost,
    allocation_lp,
    haversine_km,
)
from .engine_gap import (  # noqa: F401  (re-export)
    GapTable,
    Proposal,
    ProposalWeights,
    ScoreComponent,
    gap_analysis,
    score_proposals,
)

__all__ = [
    "TopK",
    "topk_cosine",
    "topk_prepared",
    "prepare",
    "candidates_both_ways",
    "compat_features",
    "AllocationResult",
    "allocate",
    "allocation_cost",
    "allocation_lp",
    "haversine_km",
    "GapTable",
    "gap_analysis",
    "Proposal",
    "ProposalWeights",
    "ScoreComponent",
    "score_proposals",
]


@dataclass(frozen=True)
class TopK:
    """Row i's candidates: ``indices[i, :]`` (−1 pads rows with fewer than k positive scores) and
    ``scores[i, :]``, sorted by score descending, ties by ascending candidate index."""

    indices: np.ndarray  # (n, k) int64
    scores: np.ndarray  # (n, k) float64
    exact_fallback_rows: int = 0  # rows recomputed in full because ties crossed the kernel's cut


def _csr(x, name: str) -> sp.csr_matrix:
    if not sp.issparse(x):
        raise TypeError(f"{name} must be a scipy sparse matrix (CSR), got {type(x).__name__}")
    x = x.tocsr().astype(np.float64, copy=False)
    if x.nnz and (not np.all(np.isfinite(x.data)) or x.data.min() < 0):
        raise ValueError(f"{name} must hold finite non-negative weights")
    return x


def compat_features(codes: np.ndarray, n_codes: int, weight: float) -> sp.csr_matrix:
    """One-hot rows scaled by sqrt(weight): appended to both sides, they add ``weight`` to the score
    of every pair that shares the code (same region, common language) inside the same sparse product.
    ``codes`` may be 1-d (one code per row; −1 = none) or a CSR row×code incidence (several languages)."""
    if weight < 0:
        raise ValueError("compatibility weight must be >= 0")
    s = np.sqrt(weight)
    if sp.issparse(codes):
        m = codes.tocsr().astype(np.float64)
        m.data[:] = s
        return m
    codes = np.asarray(codes)
    rows = np.flatnonzero(codes >= 0)
    return sp.csr_matrix((np.full(len(rows), s), (rows, codes[rows])), shape=(len(codes), n_codes))


def _prepare(X, extra, name: str) -> sp.csr_matrix:
    X = normalize(_csr(X, name), norm="l2", axis=1, copy=True)
    if extra is not None:
        extra = _csr(extra, f"{name}_extra")
        if extra.shape[0] != X.shape[0]:
            raise ValueError(f"{name}_extra has {extra.shape[0]} rows, {name} has {X.shape[0]}")
        X = sp.hstack([X, extra], format="csr")
    X.sort_indices()
    return X


def _finish_block(C: sp.csr_matrix, Ablk: sp.csr_matrix, BT: sp.csr_matrix, k: int, n_req: int,
                  out_i: np.ndarray, out_s: np.ndarray, n_threads: int = 1) -> int:
    """Order each row's kernel results by (−score, index) and keep k. A row whose last kept score
    equals its k-th score may have lost tied candidates to the kernel's cut: it is recomputed in full,
    which makes the tie rule exact rather than an accident of the kernel."""
    counts = np.diff(C.indptr)
    rows = np.repeat(np.arange(C.shape[0]), counts)
    o = np.lexsort((C.indices, -C.data, rows))
    ci, cs = C.indices[o].astype(np.int64), C.data[o]
    rank = np.arange(len(o)) - np.repeat(C.indptr[:-1], counts)
    keep = rank < k
    out_i[rows[keep], rank[keep]] = ci[keep]
    out_s[rows[keep], rank[keep]] = cs[keep]
    full = np.flatnonzero(counts >= n_req)
    if n_req <= k or len(full) == 0:
        return 0
    last = cs[C.indptr[full] + n_req - 1]
    kth = cs[C.indptr[full] + k - 1]
    redo = full[last == kth]
    n_redo = len(redo)
    # First ask the kernel again for a longer list: a row whose last returned score is below its k-th
    # now holds every candidate tied with the k-th, and its order is exact. Rows with longer tie runs
    # are recomputed in full, a few hundred at a time (one sparse product per chunk, not per row).
    wide = max(8 * k, 64)
    if len(redo) and wide < BT.shape[1]:
        W = sp_matmul_topn(Ablk[redo], BT, top_n=wide, threshold=0.0, sort=True, n_threads=n_threads)
        cnt = np.diff(W.indptr)
        done = np.zeros(len(redo), dtype=bool)
        for j, r in enumerate(redo):
            a, b = W.indptr[j], W.indptr[j + 1]
            d, ix = W.data[a:b], W.indices[a:b]
            if cnt[j] < wide or d[-1] < out_s[r, k - 1]:
                oo = np.lexsort((ix, -d))[:k]
                out_i[r] = -1
                out_s[r] = 0.0
                out_i[r, : len(oo)] = ix[oo]
                out_s[r, : len(oo)] = d[oo]
                done[j] = True
        redo = redo[~done]
    for s in range(0, len(redo), 256):
        rr = redo[s : s + 256]
        M = (Ablk[rr] @ BT).tocsr()
        M.eliminate_zeros()
        cnt = np.diff(M.indptr)
        loc = np.repeat(np.arange(len(rr)), cnt)
        o = np.lexsort((M.indices, -M.data, loc))
        mi, ms = M.indices[o].astype(np.int64), M.data[o]
        rank = np.arange(len(o)) - np.repeat(M.indptr[:-1], cnt)
        keep = rank < k
        out_i[rr] = -1
        out_s[rr] = 0.0
        out_i[rr[loc[keep]], rank[keep]] = mi[keep]
        out_s[rr[loc[keep]], rank[keep]] = ms[keep]
    return n_redo


def topk_cosine(
    A,
    B,
    k: int = 10,
    *,
    a_extra=None,
    b_extra=None,
    groups_a: np.ndarray | None = None,
    groups_b: np.ndarray | None = None,
    block_rows: int = 65536,
    n_threads: int | None = -1,
    tie_margin: int = 2,
) -> TopK:
    """Exact top-k of ``cos(A_i, B_j) + a_extra_i · b_extra_j`` over j, for every row i of A.

    - ``A`` (n_a × d), ``B`` (n_b × d): non-negative sparse skill vectors (binary or weighted); rows
      are L2-normalised here, so the skill part is the cosine similarity.
    - ``a_extra``/``b_extra``: optional additive compatibility features (see :func:`compat_features`).
    - ``groups_a``/``groups_b``: optional hard mask — only pairs in the same group are candidates
      (e.g. country, or "willing to move" handled by the caller as group −1 = anywhere is not
      supported: give such trainees the group of each target region in separate calls).
    - Only strictly positive scores are returned; shorter rows are padded with index −1, score 0.
    - Memory: the kernel holds one block of ``block_rows`` rows × (k + tie_margin) results at a time.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    A = _prepare(A, a_extra, "A")
    B = _prepare(B, b_extra, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} columns, B has {B.shape[1]} (skill vocabularies differ)")
    n_a = A.shape[0]
    out_i = np.full((n_a, k), -1, dtype=np.int64)
    out_s = np.zeros((n_a, k), dtype=np.float64)
    if groups_a is not None or groups_b is not None:
        if groups_a is None or groups_b is None:
            raise ValueError("give both groups_a and groups_b")
        groups_a, groups_b = np.asarray(groups_a), np.asarray(groups_b)
        if len(groups_a) != n_a or len(groups_b) != B.shape[0]:
            raise ValueError("group arrays must align with the rows of A and B")
        fb = 0
        for g in np.unique(groups_a):
            ra, rb = np.flatnonzero(groups_a == g), np.flatnonzero(groups_b == g)
            if len(rb) == 0:
                continue
            sub = _topk_prepared(A[ra], B[rb], k, block_rows, n_threads, tie_margin)
            ok = sub.indices >= 0
            out_i[ra] = np.where(ok, rb[np.maximum(sub.indices, 0)], -1)
            out_s[ra] = sub.scores
            fb += sub.exact_fallback_rows
        return TopK(out_i, out_s, fb)
    return _topk_prepared(A, B, k, block_rows, n_threads, tie_margin)


def topk_prepared(A: sp.csr_matrix, B: sp.csr_matrix, k: int = 10, *, block_rows: int = 65536,
                  n_threads: int | None = -1, tie_margin: int = 2) -> TopK:
    """Exact top-k of ``A_i · B_j`` for operands already prepared (normalised, extras appended, CSR with
    sorted indices) — e.g. by :func:`prepare` once for several calls."""
    return _topk_prepared(A, B, k, block_rows, n_threads, tie_margin)


def prepare(X, extra=None, name: str = "A") -> sp.csr_matrix:
    """L2-normalised rows of ``X`` with ``extra`` columns appended: the operand :func:`topk_cosine` builds."""
    return _prepare(X, extra, name)


def _topk_prepared(A, B, k, block_rows, n_threads, tie_margin) -> TopK:
    n_a = A.shape[0]
    out_i = np.full((n_a, k), -1, dtype=np.int64)
    out_s = np.zeros((n_a, k), dtype=np.float64)
    BT = B.T.tocsr()
    n_req = k + max(0, tie_margin)
    fb = 0
    if n_threads == -1:
        import os

        n_threads = max(1, (os.cpu_count() or 2) - 1) if (os.cpu_count() or 1) > 2 else (os.cpu_count() or 1)
    for s in range(0, n_a, block_rows):
        Ablk = A[s : s + block_rows]
        C = sp_matmul_topn(Ablk, BT, top_n=n_req, threshold=0.0, sort=False, n_threads=n_threads)
        fb += _finish_block(C, Ablk, BT, k, n_req, out_i[s : s + block_rows], out_s[s : s + block_rows],
                            n_threads)
    return TopK(out_i, out_s, fb)


def candidates_both_ways(trainees, vacancies, k: int = 10, **kw) -> tuple[TopK, TopK]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees).

    Keyword arguments go to :func:`topk_cosine`; ``a_extra``/``groups_a`` refer to the trainees."""
    swap = {"a_extra": "b_extra", "b_extra": "a_extra", "groups_a": "groups_b", "groups_b": "groups_a"}
    kw_rev = {swap.get(key, key): v for key, v in kw.items()}
    return topk_cosine(trainees, vacancies, k, **kw), topk_cosine(vacancies, trainees, k, **kw_rev)
