"""Trainee ↔ vacancy candidate lists: exact top-k both ways under one score (pure NumPy/SciPy).

Score of a (trainee, vacancy) pair, the same read in both directions::

    cos(skills_t, skills_v) + REGION_WEIGHT · works_there + LANGUAGE_WEIGHT · languages_covered

- skills: the trainee's ESCO skills weighted by ``TraineeSkill.weight``, the vacancy's required skills
  (1 each); the cosine is in [0, 1].
- works_there (0 or 1): the vacancy's region is the trainee's home region or one they would move to,
  or the trainee would move anywhere; a vacancy without a region counts for anyone whose regions lie
  in its country.
- languages_covered (0 to 1): the share of the vacancy's required languages the trainee speaks
  (levels are not compared: trainee languages carry no level yet); 1 when none is required.

Region and language matches are extra sparse columns on each side (``MatchInputs.prepared`` gives the
full vectors). The two universal bonuses — "would move anywhere" and "no language required" — would
pair someone with everyone and make the product dense; they are per-group biases instead. The
language columns, the densest (a common language pairs most trainees with most vacancies), are
folded the same way: the kernel runs on skills and regions only, once per group of vacancies with the
same required languages (and per group of trainees speaking the same of them, the other way), and
each group's language part is added with the kernel's own rounding (see ``compute``). The result is
exactly what ranking the full product would give. A pair is listed when it shares a skill, a region
or a required language; the bonuses then add to its score.

The inputs are read from the database by ``matching.io.candidates.load_inputs`` and the lists
stored by ``matching.io.candidates.store``; ``matching.services.rebuild_candidates`` runs the three.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .topk import Key, TopK, prepare, topk_prepared

K = 10
REGION_WEIGHT = 0.25
LANGUAGE_WEIGHT = 0.15
# Rows per kernel call: one call per pass up to this many subjects (fewer calls, fewer thread
# start-ups and uneven thread ends); the kernel's own memory does not grow with it, only the
# results (k + 2 per row).
BLOCK_ROWS = 1 << 18


@dataclass
class MatchInputs:
    """Everything the kernel needs, aligned: row i of ``T`` is trainee ``trainee_pk[i]``."""

    trainee_pk: np.ndarray
    vacancy_pk: np.ndarray
    skill_pk: np.ndarray  # skill pk per column of T and V
    T: sp.csr_matrix  # trainees × skills, weights
    V: sp.csr_matrix  # vacancies × skills, 1.0
    t_extra: sp.csr_matrix  # compatibility columns (region, language), trainee side
    v_extra: sp.csr_matrix
    t_anywhere: np.ndarray  # bool: would move anywhere → + REGION_WEIGHT with every vacancy
    v_no_language: np.ndarray  # bool: requires no language → + LANGUAGE_WEIGHT with every trainee
    n_language_columns: int = 0  # the last columns of t_extra and v_extra: one per language
    extra_keys: tuple[str, ...] = ()  # what each column of t_extra/v_extra stands for ("R12", "Cкз", "Lru")

    def prepared(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The kernel's two operands: L2-normalised skills with the compatibility columns appended."""
        return prepare(self.T, self.t_extra, "A"), prepare(self.V, self.v_extra, "B")


def _merge(parts: list[tuple[np.ndarray, TopK]], n: int, k: int) -> TopK:
    """Per-group exact top-k lists (group's candidate indices, its TopK) → one list per row by (score
    desc, index asc): the order a single exact pass over all groups would give."""
    idx_parts, sc_parts, fb = [], [], 0
    for cols, top in parts:
        ok = top.indices >= 0
        idx_parts.append(np.where(ok, cols[np.maximum(top.indices, 0)], -1))
        sc_parts.append(np.where(ok, top.scores, -np.inf))
        fb += top.exact_fallback_rows
    if not idx_parts:
        return TopK(np.full((n, k), -1, dtype=np.int64), np.zeros((n, k)), 0)
    idx, sc = np.hstack(idx_parts), np.hstack(sc_parts)
    big = np.iinfo(np.int64).max
    order = np.lexsort((np.where(idx >= 0, idx, big), -sc), axis=-1)[:, :k]
    idx, sc = np.take_along_axis(idx, order, 1), np.take_along_axis(sc, order, 1)
    sc = np.where(idx >= 0, sc, 0.0)
    if idx.shape[1] < k:
        pad = k - idx.shape[1]
        idx, sc = np.hstack([idx, np.full((n, pad), -1)]), np.hstack([sc, np.zeros((n, pad))])
    return TopK(idx, sc, fb)


def _groups(flags: np.ndarray) -> np.ndarray:
    """Rows of a boolean matrix → group labels, equal rows alike (few columns: packed into integers)."""
    if flags.shape[1] > 62:
        return np.unique(flags, axis=0, return_inverse=True)[1].ravel()
    packed = flags.astype(np.int64) @ (np.int64(1) << np.arange(flags.shape[1], dtype=np.int64))
    return np.unique(packed, return_inverse=True)[1].ravel()


def _key(covered: np.ndarray | int, weight: float, bias: float) -> Key:
    """The key of a product ``s`` without its language columns: the kernel's own sum over all columns
    adds the language products last, one ``weight`` per language covered, in column order — so
    ``((s + weight) + weight …) + bias`` repeats its rounding exactly (then the group's bias, as the
    bias passes did)."""
    cov = np.asarray(covered)

    def key(rows: np.ndarray, s: np.ndarray) -> np.ndarray:
        n = cov[rows] if cov.ndim else np.broadcast_to(cov, np.shape(s))
        out = np.array(s, dtype=np.float64, copy=True)
        for t in range(int(cov.max(initial=0))):
            out = np.where(n > t, out + weight, out)
        return out + bias

    return key


def _implicit(key: Key, covered: np.ndarray | int, n: int) -> np.ndarray:
    """Rows covering a required language pair with every column of the group (``key(0)``); others
    only with the columns they share something with (NaN)."""
    rows = np.arange(n)
    return np.where(np.broadcast_to(covered, (n,)) > 0, key(rows, np.zeros(n)), np.nan)


def compute_keys(inputs: MatchInputs, k: int = K) -> tuple[TopK, TopK, np.ndarray, np.ndarray]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees, the trainees' and the
    vacancies' biases): row indices with their *rank keys* — the score less the subject's own bias,
    what the lists are ordered by (``incremental`` keeps them to stay exact).

    Listed are the pairs that share a skill, a region (home or listed) or a required language; the
    two universal bonuses (would move anywhere, no language required) are added to their scores
    without making every pair a candidate.

    The kernel runs on skills and regions only. Languages would be the densest columns (a common
    language pairs most trainees with most vacancies) and their part of a score depends on a pair
    only through the vacancy's required languages and which of them the trainee speaks: so the
    vacancies are grouped by their required languages (and the no-language bias), the trainees of a
    vacancy group by which of them they speak (and the anywhere bias), and each group's language part
    is added to the kernel's sums with the kernel's own rounding (:func:`_key`). A trainee who speaks
    a required language is a candidate of every vacancy of that group, sharing anything else or not
    (``implicit`` to :func:`topk_prepared`, which then takes the lowest indices). Each group's
    top-k is exact, ties by lower index, and merging the groups by (score desc, index asc) gives
    what one pass over the full vectors would."""
    n_t, n_v = len(inputs.trainee_pk), len(inputs.vacancy_pk)
    if n_t == 0 or n_v == 0:
        return (TopK(np.full((n_t, k), -1, dtype=np.int64), np.zeros((n_t, k))),
                TopK(np.full((n_v, k), -1, dtype=np.int64), np.zeros((n_v, k))),
                np.where(inputs.t_anywhere, REGION_WEIGHT, 0.0), np.where(inputs.v_no_language, LANGUAGE_WEIGHT, 0.0))
    A, B = inputs.prepared()
    cut = A.shape[1] - inputs.n_language_columns
    speaks = A[:, cut:].toarray() > 0  # trainees × languages
    required = B[:, cut:].tocsr()  # vacancies × languages, LANGUAGE_WEIGHT / (number required)
    A, B = A[:, :cut].tocsr(), B[:, :cut].tocsr()
    a_bias = np.where(inputs.t_anywhere, REGION_WEIGHT, 0.0)
    b_bias = np.where(inputs.v_no_language, LANGUAGE_WEIGHT, 0.0)
    # Vacancy groups: same required languages, same no-language bias.
    sig = np.hstack([inputs.v_no_language[:, None], required.toarray() > 0])
    v_group = _groups(sig)
    by_t_parts, by_v = [], TopK(np.full((n_v, k), -1, dtype=np.int64), np.zeros((n_v, k)))
    fb_v = 0
    for g in range(v_group.max() + 1):
        cols = np.flatnonzero(v_group == g)
        langs = np.flatnonzero(sig[cols[0], 1:])
        weight = float(required[cols[0]].data[0]) if len(langs) else 0.0
        covered = speaks[:, langs].sum(axis=1)
        # trainees → this group's vacancies
        key = _key(covered, weight, float(b_bias[cols[0]]))
        by_t_parts.append((cols, topk_prepared(A, B[cols], k, block_rows=BLOCK_ROWS, key=key,
                                                      implicit=_implicit(key, covered, n_t))))
        # this group's vacancies → trainees, grouped by anywhere and by which of the languages they speak
        t_sig = np.hstack([inputs.t_anywhere[:, None], speaks[:, langs]])
        t_group = _groups(t_sig)
        parts = []
        for h in range(t_group.max() + 1):
            trainees = np.flatnonzero(t_group == h)
            n_cov = int(t_sig[trainees[0], 1:].sum())
            key = _key(n_cov, weight, float(a_bias[trainees[0]]))
            parts.append((trainees, topk_prepared(B[cols], A[trainees], k, block_rows=BLOCK_ROWS, key=key,
                                                         implicit=_implicit(key, n_cov, len(cols)))))
        top = _merge(parts, len(cols), k)
        by_v.indices[cols], by_v.scores[cols] = top.indices, top.scores
        fb_v += top.exact_fallback_rows
    return _merge(by_t_parts, n_t, k), TopK(by_v.indices, by_v.scores, fb_v), a_bias, b_bias


def compute(inputs: MatchInputs, k: int = K) -> tuple[TopK, TopK]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees), row indices, with
    their scores: :func:`compute_keys` plus each subject's own bias."""
    by_t, by_v, _a, _b = compute_keys(inputs, k)
    return with_own_bias(by_t, inputs.t_anywhere, REGION_WEIGHT), with_own_bias(by_v, inputs.v_no_language,
                                                                                 LANGUAGE_WEIGHT)


def with_own_bias(top: TopK, flag: np.ndarray, weight: float) -> TopK:
    """A list's rank keys → its scores: the subject's own bias added (the rank does not change)."""
    bias = np.where(flag, weight, 0.0)
    return TopK(top.indices, np.where(top.indices >= 0, top.scores + bias[:, None], 0.0), top.exact_fallback_rows)
