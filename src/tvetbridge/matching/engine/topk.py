"""Exact top-k cosine candidates both ways between two sparse matrices (trainees and vacancies)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize
from sparse_dot_topn import sp_matmul_topn


@dataclass(frozen=True)
class TopK:
    """Row i's candidates: ``indices[i, :]`` (−1 pads rows with fewer than k positive scores) and
    ``scores[i, :]``, sorted by score descending, ties by ascending candidate index."""

    indices: np.ndarray  # (n, k) int64
    scores: np.ndarray  # (n, k) float64
    exact_fallback_rows: int = 0  # rows recomputed in full because ties crossed the kernel's cut


# key(rows of A, their products) -> the values to rank by (see topk_prepared)
Key = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _csr(x: Any, name: str) -> sp.csr_matrix:
    if not sp.issparse(x):
        raise TypeError(f"{name} must be a scipy sparse matrix (CSR), got {type(x).__name__}")
    x = x.tocsr().astype(np.float64, copy=False)
    if x.nnz and (not np.all(np.isfinite(x.data)) or x.data.min() < 0):
        raise ValueError(f"{name} must hold finite non-negative weights")
    return x


def compat_features(codes: np.ndarray | sp.csr_matrix, n_codes: int, weight: float) -> sp.csr_matrix:
    """One-hot rows scaled by sqrt(weight): appended to both sides, they add ``weight`` to the score
    of every pair that shares the code (same region, common language) inside the same sparse product.
    ``codes`` may be 1-d (one code per row; −1 = none) or a CSR row×code incidence (several languages)."""
    if weight < 0:
        raise ValueError("compatibility weight must be >= 0")
    s = np.sqrt(weight)
    if sp.issparse(codes):
        m = cast(Any, codes).tocsr()  # sparse: issparse does not narrow for the checker.astype(np.float64)
        m.data[:] = s
        return m
    codes = np.asarray(codes)
    rows = np.flatnonzero(codes >= 0)
    return sp.csr_matrix((np.full(len(rows), s), (rows, codes[rows])), shape=(len(codes), n_codes))


def _prepare(X: Any, extra: Any, name: str) -> sp.csr_matrix:
    X = normalize(_csr(X, name), norm="l2", axis=1, copy=True)
    if extra is not None:
        extra = _csr(extra, f"{name}_extra")
        if extra.shape[0] != X.shape[0]:
            raise ValueError(f"{name}_extra has {extra.shape[0]} rows, {name} has {X.shape[0]}")
        X = sp.hstack([X, extra], format="csr")
    X.sort_indices()
    return X


# At most this many (row, candidate) pairs go into one sparse product while ties are resolved.
_PAIRS_PER_PRODUCT = 1 << 25


def _finish_block(C: sp.csr_matrix, Ablk: sp.csr_matrix, B: sp.csr_matrix, k: int, n_req: int,
                  out_i: np.ndarray, out_s: np.ndarray, key: Key | None = None,
                  implicit: np.ndarray | None = None) -> int:
    """Order each row's kernel results by (−key, index) and keep k (``key`` of the product, see
    :func:`topk_prepared`; the product itself by default).

    Which of equal keys the kernel keeps at its cut is its own business, so where that cut may have
    dropped candidates tied with the k-th — the row's last returned key equals its k-th — the tied
    candidates are looked up again in index order (:func:`_resolve_ties`): the tie rule is exact
    rather than an accident of the kernel. A row whose k-th key lies at its ``implicit`` level ends
    with the lowest columns at that level (:func:`_fill_implicit`). Returns the number of rows
    completed either way."""
    n = C.shape[0]
    counts = np.diff(C.indptr)
    rows = np.repeat(np.arange(n), counts)
    pos = np.arange(C.nnz) - np.repeat(C.indptr[:-1], counts)
    width = max(n_req, 1)
    S = np.full((n, width), -np.inf)
    Ix = np.full((n, width), np.iinfo(np.int64).max, dtype=np.int64)
    S[rows, pos] = C.data if key is None else key(rows, C.data)
    Ix[rows, pos] = C.indices
    o = np.lexsort((Ix, -S), axis=-1)
    S, Ix = np.take_along_axis(S, o, 1), np.take_along_axis(Ix, o, 1)
    kk = min(k, width)
    got = np.isfinite(S[:, :kk])
    out_i[:, :kk] = np.where(got, Ix[:, :kk], -1)
    out_s[:, :kk] = np.where(got, S[:, :kk], 0.0)
    if n_req <= k:
        return 0
    # Every candidate keyed above the n_req-th returned key was returned; only a row whose n_req-th
    # key equals its k-th may miss candidates tied with the k-th that have lower indices.
    redo = (counts >= n_req) & (S[:, n_req - 1] == S[:, k - 1])
    n_implicit = 0
    if implicit is not None:
        above = (S[:, :k] > implicit[:, None]).sum(axis=1)
        low = np.flatnonzero(~np.isnan(implicit) & (above < k))
        _fill_implicit(low, above[low], implicit[low], B.shape[0], k, out_i, out_s)
        redo[low] = False
        n_implicit = len(low)
    redo = np.flatnonzero(redo)
    if len(redo):
        tie = S[redo, k - 1]
        _resolve_ties(Ablk[redo], B, tie, (S[redo, :k] > tie[:, None]).sum(axis=1), k, out_i, out_s, redo,
                      None if key is None else (lambda r, v: key(redo[r], v)))
    return len(redo) + n_implicit


def _fill_implicit(rows: np.ndarray, above: np.ndarray, level: np.ndarray, n_b: int, k: int,
                   out_i: np.ndarray, out_s: np.ndarray) -> None:
    """Rows whose k-th key is their implicit ``level``: their ``above`` first places hold every column
    keyed higher (all of them were returned: a column left out keys at most as the lowest returned,
    which is at the level); the rest of the list is the lowest columns not among those, all keyed
    ``level`` — within the first k columns, since at most ``above`` of those are taken."""
    if len(rows) == 0:
        return
    first = np.arange(min(k, n_b))
    kept = np.arange(k) < above[:, None]
    taken = ((out_i[rows][:, :, None] == first) & kept[:, :, None]).any(axis=1)
    slot = above[:, None] + np.cumsum(~taken, axis=1) - 1
    ok = ~taken & (slot < k)
    out_i[rows] = np.where(kept, out_i[rows], -1)
    out_s[rows] = np.where(kept, out_s[rows], 0.0)
    r, c = np.nonzero(ok)
    out_i[rows[r], slot[r, c]] = first[c]
    out_s[rows[r], slot[r, c]] = level[r]


def _resolve_ties(A: sp.csr_matrix, B: sp.csr_matrix, tie: np.ndarray, above: np.ndarray, k: int,
                  out_i: np.ndarray, out_s: np.ndarray, rows: np.ndarray, key: Key | None = None) -> None:
    """For each row r of ``A`` (row ``rows[r]`` of the output) whose k-th key is ``tie[r]`` with
    ``above[r]`` candidates keyed higher (already in place): the ``k − above[r]`` lowest indices j
    with ``key(A_r · B_j) == tie[r]``, found by scanning B in index order a chunk at a time — chunks
    double, and a row leaves the scan as soon as it has enough — so for most rows only the lowest
    part of B is multiplied."""
    n_b = B.shape[0]
    need = k - above
    have = np.zeros(len(rows), dtype=np.int64)
    todo = np.arange(len(rows))
    lo, step = 0, max(64, -(-n_b // 32))
    while len(todo) and lo < n_b:
        hi = min(n_b, lo + step)
        batch = max(1, _PAIRS_PER_PRODUCT // (hi - lo))
        todo = np.concatenate([_ties_in_chunk(A, B, lo, hi, todo[s : s + batch], tie, need, have, above,
                                              out_i, out_s, rows, key) for s in range(0, len(todo), batch)])
        lo, step = hi, step * 2
    if len(todo):  # cannot happen when the product repeats the kernel's sums; never leave a row short
        raise RuntimeError(f"{len(todo)} rows lost tied candidates while resolving ties")


def _ties_in_chunk(A: sp.csr_matrix, B: sp.csr_matrix, lo: int, hi: int, todo: np.ndarray, tie: np.ndarray,
                   need: np.ndarray, have: np.ndarray, above: np.ndarray, out_i: np.ndarray,
                   out_s: np.ndarray, rows: np.ndarray, key: Key | None) -> np.ndarray:
    """One step of :func:`_resolve_ties`: rows ``todo`` against columns ``lo:hi``; returns the rows
    still short of their tied candidates."""
    M = (A[todo] @ B[lo:hi].T).tocsr()
    loc = np.repeat(np.arange(len(todo)), np.diff(M.indptr))
    vals = M.data if key is None else key(todo[loc], M.data)
    hit = vals == tie[todo][loc]
    hr, hc = loc[hit], M.indices[hit].astype(np.int64) + lo
    o = np.lexsort((hc, hr))
    hr, hc = hr[o], hc[o]
    # rank of each hit within its row, plus what the row already has: keep up to its need
    first = np.searchsorted(hr, np.arange(len(todo)))
    rank = np.arange(len(hr)) - first[hr] + have[todo][hr]
    keep = rank < need[todo][hr]
    kr, kc, krank = todo[hr[keep]], hc[keep], rank[keep]
    out_i[rows[kr], above[kr] + krank] = kc
    out_s[rows[kr], above[kr] + krank] = tie[kr]
    have[todo] += np.bincount(hr[keep], minlength=len(todo))
    return np.asarray(todo[have[todo] < need[todo]])


def topk_cosine(
    A: Any,
    B: Any,
    k: int = 10,
    *,
    a_extra: Any = None,
    b_extra: Any = None,
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
                  n_threads: int | None = -1, tie_margin: int = 2, key: Key | None = None,
                  implicit: np.ndarray | None = None) -> TopK:
    """Exact top-k of ``A_i · B_j`` for operands already prepared (normalised, extras appended, CSR with
    sorted indices) — e.g. by :func:`prepare` once for several calls.

    - ``key(rows, values)``: rank and report ``key`` of the product instead of the product itself —
      vectorised over row indices of A and their products, non-decreasing in the product for each
      row (say, a per-row amount added). Ties are broken by lower index on the key.
    - ``implicit``: per row of A, the key of a column whose product with the row is 0 (such a column
      is then a candidate, ranked below every column with a positive product), NaN where such columns
      are not candidates (the default)."""
    return _topk_prepared(A, B, k, block_rows, n_threads, tie_margin, key, implicit)


def prepare(X: Any, extra: Any = None, name: str = "A") -> sp.csr_matrix:
    """L2-normalised rows of ``X`` with ``extra`` columns appended: the operand :func:`topk_cosine` builds."""
    return _prepare(X, extra, name)


def _offset_key(key: Key, offset: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``key`` for a block of A's rows starting at ``offset``."""
    return key(rows + offset, values)


def _topk_prepared(A: sp.csr_matrix, B: sp.csr_matrix, k: int, block_rows: int, n_threads: int | None,
                   tie_margin: int, key: Key | None = None, implicit: np.ndarray | None = None) -> TopK:
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
        fb += _finish_block(C, Ablk, B, k, n_req, out_i[s : s + block_rows], out_s[s : s + block_rows],
                            None if key is None else partial(_offset_key, key, s),
                            None if implicit is None else implicit[s : s + block_rows])
    return TopK(out_i, out_s, fb)


def candidates_both_ways(trainees: Any, vacancies: Any, k: int = 10, **kw: Any) -> tuple[TopK, TopK]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees).

    Keyword arguments go to :func:`topk_cosine`; ``a_extra``/``groups_a`` refer to the trainees."""
    swap = {"a_extra": "b_extra", "b_extra": "a_extra", "groups_a": "groups_b", "groups_b": "groups_a"}
    kw_rev = {swap.get(key, key): v for key, v in kw.items()}
    return topk_cosine(trainees, vacancies, k, **kw), topk_cosine(vacancies, trainees, k, **kw_rev)
