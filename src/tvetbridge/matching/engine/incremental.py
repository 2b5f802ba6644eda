"""Candidate lists kept exact one change at a time (pure NumPy/SciPy).

The full rebuild (:func:`candidates.compute`) ranks, for each subject (trainee or vacancy), its
candidates on the other side by a *rank key* and breaks ties by the lower primary key::

    key(subject, candidate) = raw(subject, candidate) + bias(candidate)
    score                   = key + bias(subject)

``raw`` is the product of the two prepared vectors (skills L2-normalised, then the place and language
columns), summed in column order — the order both the kernel and SciPy's sparse product add in, so
the same bits; ``bias`` is "would move anywhere" for a trainee and "requires no language" for a
vacancy. A pair is a candidate when ``raw > 0``.

When one subject X changes (new, changed vectors, or gone), only X's own list and the lists that may
hold X can move. X's own list is one sparse product against the other side. For a list L on the
other side (exact top-k before the change, X's new key ``x``):

- X was not in L: the new list is the best k of L ∪ {x} — everything outside L ranked below L's last;
- X was in L and L was not full: L held every candidate; same merge;
- X was in L, L was full, and x still ranks at least as well as L's last entry (X's old entry when
  X was last): L less X plus x are k entries all ranking above the unknown (k+1)-th; same merge;
- otherwise (X fell below the last, or is no longer a candidate) the (k+1)-th is unknown: that list is
  recomputed exactly against the whole of X's side.

So after every change the lists are exactly what a full rebuild of the same data gives, keys and
tie rule alike. Rank keys are kept in float64 alongside the lists (stored scores are rounded).

Rows of a side are never moved in place: a changed subject's old row is marked dead and its new
vectors appended, so lists refer to subjects by primary key; :meth:`Side.compact` drops dead rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

_BIG = np.iinfo(np.int64).max


@dataclass
class Side:
    """One side (trainees or vacancies): row i is subject ``pk[i]`` (when ``alive[i]``), with its
    prepared vector ``X[i]``, own bias, and its exact top-k list of the other side's primary keys
    (−1 pads) with their rank keys (−inf pads)."""

    pk: np.ndarray
    X: sp.csr_matrix
    bias: np.ndarray
    alive: np.ndarray
    top_pk: np.ndarray
    top_key: np.ndarray

    @property
    def k(self) -> int:
        return int(self.top_pk.shape[1])

    def row_of(self, pk: int) -> int | None:
        rows = np.flatnonzero((self.pk == pk) & self.alive)
        return int(rows[0]) if len(rows) else None

    def append(self, pk: int, x: sp.csr_matrix, bias: float, top_pk: np.ndarray, top_key: np.ndarray) -> None:
        self.X = sp.vstack([self.X, x], format="csr")
        self.pk = np.append(self.pk, np.int64(pk))
        self.bias = np.append(self.bias, bias)
        self.alive = np.append(self.alive, True)
        self.top_pk = np.vstack([self.top_pk, top_pk[None, :]])
        self.top_key = np.vstack([self.top_key, top_key[None, :]])

    def compact(self) -> None:
        keep = self.alive
        self.X = self.X[keep].tocsr()
        self.pk, self.bias, self.alive = self.pk[keep], self.bias[keep], self.alive[keep]
        self.top_pk, self.top_key = self.top_pk[keep], self.top_key[keep]

    def score(self, rows: np.ndarray) -> np.ndarray:
        """The stored scores of these rows' lists: key + own bias (0 where padded)."""
        return np.where(self.top_pk[rows] >= 0, self.top_key[rows] + self.bias[rows, None], 0.0)


@dataclass
class Changed:
    """Primary keys whose stored list must be rewritten, and subjects whose list must go."""

    trainees: set[int] = field(default_factory=set)
    vacancies: set[int] = field(default_factory=set)
    removed_trainees: set[int] = field(default_factory=set)
    removed_vacancies: set[int] = field(default_factory=set)
    recomputed_rows: int = 0


def _better(a_key: np.ndarray, a_pk: np.ndarray, b_key: np.ndarray, b_pk: np.ndarray) -> np.ndarray:
    """Whether entry a ranks before entry b: higher key, then lower primary key."""
    better: np.ndarray = (a_key > b_key) | ((a_key == b_key) & (a_pk < b_pk))
    return better


def _top_rows(row: np.ndarray, pk: np.ndarray, key: np.ndarray, n_rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Entries (row, candidate pk, key) → per row the best k by (key desc, pk asc), padded."""
    out_pk = np.full((n_rows, k), -1, dtype=np.int64)
    out_key = np.full((n_rows, k), -np.inf)
    o = np.lexsort((pk, -key, row))
    row, pk, key = row[o], pk[o], key[o]
    pos = np.arange(len(row)) - np.searchsorted(row, row)
    keep = pos < k
    out_pk[row[keep], pos[keep]] = pk[keep]
    out_key[row[keep], pos[keep]] = key[keep]
    return out_pk, out_key


def raw_scores(X: sp.csr_matrix, x: sp.csr_matrix) -> np.ndarray:
    """``X_i · x`` for every row i, summed in column order as the kernel does."""
    return np.asarray((X @ x.T).toarray()).ravel()


def own_list(x: sp.csr_matrix, other: Side, raw: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A subject's exact list: its best k of the other side's live rows (``raw``: its products with
    them, when already at hand)."""
    raw = raw_scores(other.X, x) if raw is None else raw
    rows = np.flatnonzero((raw > 0) & other.alive)
    top_pk, top_key = _top_rows(np.zeros(len(rows), dtype=np.int64), other.pk[rows], raw[rows] + other.bias[rows],
                                1, other.k)
    return top_pk[0], top_key[0]


def recompute(rows: np.ndarray, side: Side, other: Side) -> tuple[np.ndarray, np.ndarray]:
    """Exact lists of ``side``'s rows against every live row of ``other``: one sparse product."""
    P = (side.X[rows] @ other.X.T).tocsr()
    r = np.repeat(np.arange(len(rows)), np.diff(P.indptr))
    ok = (P.data > 0) & other.alive[P.indices]
    c = P.indices[ok]
    return _top_rows(r[ok], other.pk[c], P.data[ok] + other.bias[c], len(rows), side.k)


def apply_change(trainees: Side, vacancies: Side, which: str, pk: int, x: sp.csr_matrix | None, bias: float,
                 changed: Changed) -> None:
    """Subject ``pk`` of side ``which`` ("trainee" or "vacancy") now has prepared vector ``x`` (1 × d) and
    own ``bias``, or takes no part (``x`` None). Updates both sides' lists in place, exactly."""
    mine, other = (trainees, vacancies) if which == "trainee" else (vacancies, trainees)
    mine_changed, other_changed, mine_removed = (
        (changed.trainees, changed.vacancies, changed.removed_trainees) if which == "trainee"
        else (changed.vacancies, changed.trainees, changed.removed_vacancies))
    k = other.k
    old = mine.row_of(pk)
    if old is not None:
        mine.alive[old] = False
    listing = other.alive & (other.top_pk == pk).any(axis=1)
    if x is not None:
        raw = raw_scores(other.X, x)
        cand = other.alive & (raw > 0)
        key_x = raw + bias
    else:
        cand = np.zeros(len(other.pk), dtype=bool)
        key_x = np.zeros(len(other.pk))
    rows = np.flatnonzero(listing | cand)
    tp, tk = other.top_pk[rows], other.top_key[rows]
    has, kx = cand[rows], key_x[rows]
    full = tp[:, k - 1] >= 0
    refill = listing[rows] & full & (~has | _better(tk[:, k - 1], tp[:, k - 1], kx, np.full(len(rows), pk)))
    # Merge: the list less X, plus X's new entry where it is a candidate.
    mp = np.hstack([np.where(tp == pk, -1, tp), np.where(has, pk, -1)[:, None]])
    mk = np.hstack([np.where(tp == pk, -np.inf, tk), np.where(has, kx, -np.inf)[:, None]])
    o = np.lexsort((np.where(mp >= 0, mp, _BIG), -mk), axis=-1)[:, :k]
    new_p, new_k = np.take_along_axis(mp, o, 1), np.take_along_axis(mk, o, 1)
    if x is not None:
        own_pk, own_key = own_list(x, other, raw)
        mine.append(pk, x, bias, own_pk, own_key)
        mine_changed.add(pk)
        mine_removed.discard(pk)
    elif old is not None:
        mine_changed.discard(pk)
        mine_removed.add(pk)
    redo = np.flatnonzero(refill)
    if len(redo):
        new_p[redo], new_k[redo] = recompute(rows[redo], other, mine)
        changed.recomputed_rows += len(redo)
    moved = ~((new_p == tp).all(axis=1) & (new_k == tk).all(axis=1))
    other.top_pk[rows[moved]], other.top_key[rows[moved]] = new_p[moved], new_k[moved]
    other_changed.update(other.pk[rows[moved]].tolist())
    if (~mine.alive).sum() > max(64, len(mine.alive) // 8):
        mine.compact()


def sides_from_rebuild(t_pk: np.ndarray, A: sp.csr_matrix, a_bias: np.ndarray, v_pk: np.ndarray,
                       B: sp.csr_matrix, b_bias: np.ndarray, by_t_idx: np.ndarray, by_t_key: np.ndarray,
                       by_v_idx: np.ndarray, by_v_key: np.ndarray) -> tuple[Side, Side]:
    """The two sides from a full rebuild's lists (row indices and rank keys, see ``compute_keys``)."""
    def side(pk: np.ndarray, X: sp.csr_matrix, bias: np.ndarray, idx: np.ndarray, key: np.ndarray,
             cand_pk: np.ndarray) -> Side:
        ok = idx >= 0
        top_pk = np.where(ok, cand_pk[np.maximum(idx, 0)] if len(cand_pk) else -1, -1).astype(np.int64)
        return Side(pk.astype(np.int64), X.tocsr(), bias.astype(np.float64), np.ones(len(pk), dtype=bool),
                    top_pk, np.where(ok, key, -np.inf))

    return side(t_pk, A, a_bias, by_t_idx, by_t_key, v_pk), side(v_pk, B, b_bias, by_v_idx, by_v_key, t_pk)
