"""Bilingual-teacher shortage per country × field × language of instruction, and the ranked
candidates to fill one gap. Arrays in, arrays out; no database (the reads are ``teachers.queries``).

Need. A cell's programmes need ``ceil(Σ yearly intake / norm)`` teachers, the norm being trainees per
teacher (stated with its source in settings). The cell's required level is the highest any of its
programmes states, already raised to the teaching floor by the caller.

In place. A teacher fills a cell when committed to a dispatch into it in the period, or, not
committed anywhere in the period, works in the cell's country, teaches its field and holds its
language at the required rank. Each cell is counted on its own: a local teacher qualified for two
cells counts in both (they can teach in either), so a national total is not the sum of cells' supply.

Gap = max(needed − in place, 0). Planning a dispatch into the cell adds one teacher in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Candidate score: weights of the components, summing to 1. Language level matters most (a teacher
# below it needs a course before dispatch); field, second language, training and past results next.
WEIGHTS = {"field": 0.15, "level": 0.35, "second_language": 0.15, "pre_departure": 0.15, "willing": 0.05,
           "past_results": 0.15}
COMPONENTS = tuple(WEIGHTS)
NEUTRAL_PAST = 0.5  # no returned dispatch yet: neither a bonus nor a penalty


@dataclass(frozen=True)
class Shortage:
    needed: np.ndarray      # int, per cell
    local: np.ndarray       # int, per cell: qualified, free teachers working in the country
    dispatched: np.ndarray  # int, per cell: teachers committed to a dispatch into the cell
    required_rank: np.ndarray

    @property
    def in_place(self) -> np.ndarray:
        return np.asarray(self.local + self.dispatched)

    @property
    def gap(self) -> np.ndarray:
        return np.asarray(np.maximum(self.needed - self.in_place, 0))


def _validate_norm(norm: float) -> float:
    norm = float(norm)
    if not np.isfinite(norm) or norm <= 0:
        raise ValueError("norm must be a positive number of trainees per teacher")
    return norm


def shortage(*, n_cells: int, cell_country: np.ndarray, cell_field: np.ndarray, cell_language: np.ndarray,
             need_cell: np.ndarray, need_intake: np.ndarray, need_rank: np.ndarray, norm: float,
             teacher_country: np.ndarray, teacher_busy: np.ndarray, teacher_rank: np.ndarray,
             pair_teacher: np.ndarray, pair_field: np.ndarray,
             assigned_teacher: np.ndarray, assigned_cell: np.ndarray) -> Shortage:
    """Cells are integer-coded (country, field, language); ``teacher_rank`` is teachers × languages
    (0 where none); ``pair_teacher``/``pair_field`` say which cell fields each teacher teaches (the
    caller expands related ISCED-F codes); ``assigned_*`` are committed dispatches in the period."""
    norm = _validate_norm(norm)
    need_cell = np.asarray(need_cell, dtype=np.int64)
    intake = np.bincount(need_cell, weights=np.asarray(need_intake, dtype=float), minlength=n_cells)
    needed = np.ceil(intake / norm).astype(np.int64)
    required = np.zeros(n_cells, dtype=np.int64)
    np.maximum.at(required, need_cell, np.asarray(need_rank, dtype=np.int64))

    n_lang = teacher_rank.shape[1] if teacher_rank.ndim == 2 else 0
    local = np.zeros(n_cells, dtype=np.int64)
    if n_cells and len(pair_teacher) and n_lang:
        n_field = int(max(cell_field.max(), pair_field.max())) + 1
        cell_key = (cell_country.astype(np.int64) * n_field + cell_field) * n_lang + cell_language
        order = np.argsort(cell_key, kind="stable")
        sorted_keys = cell_key[order]
        free = ~teacher_busy[pair_teacher]
        t, f = pair_teacher[free], pair_field[free]
        # Every (teacher, field) pair against every language: the key of the cell it would fill.
        key = ((teacher_country[t].astype(np.int64) * n_field + f)[:, None] * n_lang
               + np.arange(n_lang, dtype=np.int64)[None, :]).ravel()
        rank = teacher_rank[t].ravel()
        pos = np.minimum(np.searchsorted(sorted_keys, key), len(sorted_keys) - 1)
        hit = sorted_keys[pos] == key
        cell = order[pos[hit]]
        ok = rank[hit] >= required[cell]
        local = np.bincount(cell[ok], minlength=n_cells).astype(np.int64)
    dispatched = np.zeros(n_cells, dtype=np.int64)
    if len(assigned_cell):
        pairs = np.unique(np.asarray(assigned_teacher, dtype=np.int64) * n_cells + assigned_cell)
        dispatched = np.bincount(pairs % n_cells, minlength=n_cells).astype(np.int64)
    return Shortage(needed=needed, local=local, dispatched=dispatched, required_rank=required)


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray        # indices of the candidates, best first
    score: np.ndarray        # per candidate, in input order
    values: np.ndarray       # candidates × components, each in [0, 1]
    dispatch_ready: np.ndarray  # bool: holds the required level (else: to train first)


def rank_candidates(*, required_rank: int, floor_rank: int, level_rank: np.ndarray, exact_field: np.ndarray,
                    second_rank: np.ndarray | None, pre_departure: np.ndarray, willing: np.ndarray,
                    mean_rating: np.ndarray, teacher_id: np.ndarray) -> Ranking:
    """Score free teachers of the field for one cell. ``second_rank``: each candidate's best rank in
    the cell's other languages of instruction (None when the programmes teach in one language);
    ``mean_rating``: mean result of returned dispatches on the 1–5 scale, NaN when none.
    Ties go to the lower teacher id, so the order is reproducible."""
    if required_rank <= 0 or floor_rank <= 0:
        raise ValueError("ranks must be positive")
    level_rank = np.asarray(level_rank, dtype=float)
    n = len(level_rank)
    values = np.empty((n, len(COMPONENTS)))
    values[:, 0] = np.where(exact_field, 1.0, 0.5)
    values[:, 1] = np.minimum(level_rank / required_rank, 1.0)
    values[:, 2] = 1.0 if second_rank is None else np.minimum(np.asarray(second_rank, dtype=float) / floor_rank, 1.0)
    values[:, 3] = np.asarray(pre_departure, dtype=float)
    values[:, 4] = np.asarray(willing, dtype=float)
    rating = np.asarray(mean_rating, dtype=float)
    values[:, 5] = np.where(np.isnan(rating), NEUTRAL_PAST, (rating - 1.0) / 4.0)
    score = values @ np.array([WEIGHTS[c] for c in COMPONENTS])
    order = np.lexsort((np.asarray(teacher_id), -np.round(score, 12)))
    return Ranking(order=order, score=score, values=values, dispatch_ready=level_rank >= required_rank)
