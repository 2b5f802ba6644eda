"""Trainee ↔ vacancy candidates: database → sparse vectors → exact top-k both ways → stored lists.

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
or a required language; the bonuses then add to its score. Only trainees who consented to matching
and open vacancies take part. Bulk paths: on PostgreSQL columns are read as packed binary values
straight into NumPy (the biggest query on a second connection meanwhile) and lists written with
``COPY`` from text built in NumPy; elsewhere plain cursor reads and ``executemany``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tvetbridge.core.models import Language, Region
from tvetbridge.demand.models import SkillDemand
from tvetbridge.outcomes.models import Trainee, TraineeSkill

from . import engine
from .models import CandidateList

K = 10
REGION_WEIGHT = 0.25
LANGUAGE_WEIGHT = 0.15
# Rows per kernel call: one call per pass up to this many subjects (fewer calls, fewer thread
# start-ups and uneven thread ends); the kernel's own memory does not grow with it, only the
# results (k + 2 per row).
BLOCK_ROWS = 1 << 18


# --- columns from the database ---------------------------------------------------------------------

def _is_pg() -> bool:
    return connection.vendor == "postgresql"


_SEND = {"i": ("int8send", ">i8", np.int64), "f": ("float8send", ">f8", np.float64)}


def _binary_cursor():
    """A psycopg cursor on Django's connection (same transaction) that can fetch binary results —
    Django's own cursors bind client-side, which rules binary out."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _columns(sql: str, kinds: str) -> list[np.ndarray]:
    """The columns of a query whose values are all non-null, ``kinds`` one letter per column:
    ``i`` int8 or ``f`` float8 → one NumPy array per column, rows in the query's order only where
    the query is not aggregated on PostgreSQL (callers sort by key).

    On PostgreSQL each column comes back as one ``bytea``: the server packs the values with
    ``int8send``/``float8send`` and ``string_agg``, so the client reads a few big values (viewed as
    NumPy arrays) instead of a message per row — a column may hold up to ~10⁸ values (1 GiB).
    Elsewhere a plain fetch."""
    if _is_pg():
        names = ", ".join(f"c{i}" for i in range(len(kinds)))
        aggs = ", ".join(f"string_agg({_SEND[kind][0]}(x.c{i}), ''::bytea)" for i, kind in enumerate(kinds))
        with _binary_cursor() as cur:
            cur.execute(f"SELECT {aggs} FROM ({sql}) AS x({names})", binary=True)
            row = cur.fetchone()
        return [np.frombuffer(b or b"", dtype=_SEND[kind][1]).astype(_SEND[kind][2])
                for b, kind in zip(row, kinds, strict=True)]
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    return [np.array([r[i] for r in rows], dtype=np.int64 if kind == "i" else np.float64)
            for i, kind in enumerate(kinds)]


def _ids_by_key(sql: str) -> dict:
    """A query of (key, int8 id) rows → {key: ids}; on PostgreSQL one packed ``bytea`` per key."""
    if _is_pg():
        with _binary_cursor() as cur:
            cur.execute(f"SELECT x.k, string_agg(int8send(x.i), ''::bytea) FROM ({sql}) AS x(k, i) GROUP BY x.k",
                        binary=True)
            return {key: np.frombuffer(b, dtype=">i8").astype(np.int64) for key, b in cur.fetchall()}
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    out: dict = {}
    for key, i in rows:
        out.setdefault(key, []).append(i)
    return {key: np.array(ids, dtype=np.int64) for key, ids in out.items()}


def _meanwhile(fn, *args):
    """Start ``fn(*args)`` and return a function giving its result. On PostgreSQL outside a
    transaction the call runs in a thread on a connection of its own, so the server answers two
    queries at once (a second connection sees the same committed rows; inside a transaction it would
    not see the uncommitted ones, so there the call runs at once, on this connection)."""
    if not _is_pg() or connection.in_atomic_block:
        result = fn(*args)
        return lambda: result
    from concurrent.futures import ThreadPoolExecutor

    def run():
        try:
            return fn(*args)
        finally:
            connection.close()  # the thread's own connection: Django keeps one per thread

    pool = ThreadPoolExecutor(1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future.result


def _sorted_by_first(cols: list[np.ndarray]) -> list[np.ndarray]:
    order = np.argsort(cols[0], kind="stable")
    return [c[order] for c in cols]


def _dense_codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)`` for non-negative ids, by a lookup table when the ids are
    not much sparser than their count (primary keys): linear instead of a sort."""
    if len(ids) == 0 or ids.min() < 0 or ids.max() > 8 * len(ids) + 1_000_000:
        uniq, inv = np.unique(ids, return_inverse=True)
        return uniq, inv.ravel()
    present = np.zeros(int(ids.max()) + 1, dtype=bool)
    present[ids] = True
    uniq = np.flatnonzero(present)
    lut = np.cumsum(present) - 1
    return uniq.astype(ids.dtype), lut[ids]


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

    def prepared(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The kernel's two operands: L2-normalised skills with the compatibility columns appended."""
        return engine.prepare(self.T, self.t_extra, "A"), engine.prepare(self.V, self.v_extra, "B")


def _rows_of(pks: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``ids`` in the sorted ``pks`` and a mask of those found."""
    pos = np.searchsorted(pks, ids)
    pos = np.minimum(pos, max(len(pks) - 1, 0))
    ok = (pks[pos] == ids) if len(pks) else np.zeros(len(ids), dtype=bool)
    return pos, ok


def _incidence(rows: np.ndarray, cols: np.ndarray, shape, value: np.ndarray | float = 1.0) -> sp.csr_matrix:
    vals = np.broadcast_to(np.asarray(value, dtype=np.float64), rows.shape).copy()
    m = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _i(expr: str) -> str:
    return f"({expr})::int8" if _is_pg() else expr


def _f(expr: str) -> str:
    return f"({expr})::float8" if _is_pg() else expr


def load_inputs() -> MatchInputs:
    t_table, ts_table = Trainee._meta.db_table, TraineeSkill._meta.db_table
    v_table = SkillDemand._meta.db_table
    vs_table = SkillDemand.required_skills.through._meta.db_table
    tl_table = Trainee.languages.through._meta.db_table
    tr_table = Trainee.relocation_regions.through._meta.db_table
    consent = "t.consent_matching" if _is_pg() else "t.consent_matching = 1"
    open_vacancy = f"v.kind = '{SkillDemand.Kind.VACANCY}' AND v.status = '{SkillDemand.Status.OPEN}'"

    # The biggest query (a row per trainee skill) runs alongside the others where it can.
    trainee_skills = _meanwhile(_columns, f"SELECT {_i('ts.trainee_id')}, {_i('ts.skill_id')}, {_f('ts.weight')} "
                                f"FROM {ts_table} ts JOIN {t_table} t ON t.id = ts.trainee_id WHERE {consent}", "iif")

    t_pk, home, willing = _sorted_by_first(_columns(
        f"SELECT {_i('t.id')}, {_i('COALESCE(t.home_region_id, -1)')}, "
        f"{_i('CASE WHEN t.willing_to_relocate THEN 1 ELSE 0 END')} FROM {t_table} t WHERE {consent}", "iii"))
    v_pk, v_region = _sorted_by_first(_columns(
        f"SELECT {_i('v.id')}, {_i('COALESCE(v.region_id, -1)')} FROM {v_table} v WHERE {open_vacancy}", "ii"))
    v_country = _ids_by_key(f"SELECT v.country_id, {_i('v.id')} FROM {v_table} v WHERE {open_vacancy}")
    lv, lvs = _columns(f"SELECT {_i('vs.skilldemand_id')}, {_i('vs.skill_id')} FROM {vs_table} vs "
                       f"JOIN {v_table} v ON v.id = vs.skilldemand_id WHERE {open_vacancy}", "ii")
    n_t, n_v = len(t_pk), len(v_pk)

    # Region columns: 0 = "anywhere", then one per region, then one per country.
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    region_ids = np.array(sorted(region_country), dtype=np.int64)
    countries = sorted(set(region_country.values()) | set(v_country))
    country_col = {c: 1 + len(region_ids) + i for i, c in enumerate(countries)}
    region_country_col = np.array([country_col[region_country[r]] for r in region_ids], dtype=np.int64)
    n_place = 1 + len(region_ids) + len(countries)

    rt, rr = _columns(f"SELECT {_i('x.trainee_id')}, {_i('x.region_id')} FROM {tr_table} x "
                      f"JOIN {t_table} t ON t.id = x.trainee_id WHERE {consent}", "ii")
    r_rows, r_ok = _rows_of(t_pk, rt)
    r_rows, r_region = r_rows[r_ok], rr[r_ok]
    willing = willing == 1
    has_list = np.zeros(n_t, dtype=bool)
    has_list[r_rows] = True
    anywhere = willing & ~has_list
    at_home = np.flatnonzero((home >= 0) & ~anywhere)
    listed = willing[r_rows]  # a list only counts when the trainee says they would move
    place_regions_rows = np.concatenate([at_home, r_rows[listed]])
    place_regions = np.concatenate([home[at_home], r_region[listed]])
    reg_pos = np.searchsorted(region_ids, place_regions)
    # "Anywhere" is not a column (it would pair that trainee with every vacancy and make the product
    # dense): it is a bias added after the kernel, see ``compute``.
    t_place = _incidence(np.concatenate([place_regions_rows, place_regions_rows]),
                         np.concatenate([1 + reg_pos, region_country_col[reg_pos]]), (n_t, n_place))
    t_place.data[:] = 1.0
    v_place_col = 1 + np.searchsorted(region_ids, v_region)
    for country, ids in v_country.items():
        rows, ok = _rows_of(v_pk, ids)
        rows = rows[ok][v_region[rows[ok]] < 0]
        v_place_col[rows] = country_col[country]
    v_place = _incidence(np.arange(n_v), v_place_col, (n_v, n_place), REGION_WEIGHT)

    # Language columns: one per language (0 unused). "No language required" is a bias, like "anywhere".
    if _is_pg():
        items = ("jsonb_array_elements(CASE WHEN jsonb_typeof(v.languages) = 'array' THEN v.languages "
                 "ELSE '[]'::jsonb END) AS e", "e.value ->> 'language'")
    else:
        items = ("json_each(CASE WHEN json_type(v.languages) = 'array' THEN v.languages ELSE '[]' END) AS e",
                 "json_extract(e.value, '$.language')")
    v_langs = _ids_by_key(f"SELECT {items[1]}, {_i('v.id')} FROM {v_table} v CROSS JOIN {items[0]} "
                          f"WHERE {open_vacancy}")
    v_langs = {code: np.unique(rows[ok]) for code, (rows, ok) in
               ((code, _rows_of(v_pk, ids)) for code, ids in v_langs.items())}
    v_noreq = np.ones(n_v, dtype=bool)  # no language listed
    for rows in v_langs.values():
        v_noreq[rows] = False
    v_langs = {code: rows for code, rows in v_langs.items() if code is not None}
    codes = sorted(set(Language.objects.values_list("code", flat=True)) | set(v_langs))
    lang_col = {c: 1 + i for i, c in enumerate(codes)}
    t_lang_rows, t_lang_cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    spoken = _ids_by_key(f"SELECT x.language_id, {_i('x.trainee_id')} FROM {tl_table} x "
                         f"JOIN {t_table} t ON t.id = x.trainee_id WHERE {consent}")
    for code, ids in sorted(spoken.items()):
        if not re.fullmatch(r"[a-z]{2,3}", code):
            continue  # not an ISO 639 code: no vacancy can require it (validate_languages)
        rows, ok = _rows_of(t_pk, ids)
        t_lang_rows.append(rows[ok])
        t_lang_cols.append(np.full(int(ok.sum()), lang_col[code], dtype=np.int64))
    t_lang = _incidence(np.concatenate(t_lang_rows), np.concatenate(t_lang_cols), (n_t, 1 + len(codes)))
    t_lang.data[:] = 1.0
    vl_rows = np.concatenate([np.zeros(0, dtype=np.int64)] + list(v_langs.values()))
    vl_cols = np.concatenate([np.zeros(0, dtype=np.int64)]
                             + [np.full(len(rows), lang_col[code], dtype=np.int64) for code, rows in v_langs.items()])
    n_langs = np.bincount(vl_rows, minlength=n_v)
    v_lang = _incidence(vl_rows, vl_cols, (n_v, 1 + len(codes)), LANGUAGE_WEIGHT / n_langs[vl_rows])
    lt, ls, lw = trainee_skills()
    skill_pk, cols = _dense_codes(np.concatenate([ls, lvs]))
    n_s = len(skill_pk)
    T = _incidence(_rows_of(t_pk, lt)[0], cols[: len(lt)], (n_t, n_s), lw)
    V = _incidence(_rows_of(v_pk, lv)[0], cols[len(lt):], (n_v, n_s))
    return MatchInputs(t_pk, v_pk, skill_pk, T, V, sp.hstack([t_place, t_lang], format="csr"),
                       sp.hstack([v_place, v_lang], format="csr"), anywhere, v_noreq, 1 + len(codes))


# --- the lists --------------------------------------------------------------------------------------

@dataclass
class RebuildReport:
    trainees: int = 0
    vacancies: int = 0
    lists: int = 0
    tie_fallback_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def lines(self) -> list[str]:
        parts = ", ".join(f"{name} {s:.2f} s" for name, s in self.seconds.items())
        return [f"trainees (consenting): {self.trainees}", f"open vacancies: {self.vacancies}",
                f"lists stored: {self.lists}", f"time: {self.total:.2f} s ({parts})"]


def _merge(parts: list[tuple[np.ndarray, engine.TopK]], n: int, k: int) -> engine.TopK:
    """Per-group exact top-k lists (group's candidate indices, its TopK) → one list per row by (score
    desc, index asc): the order a single exact pass over all groups would give."""
    idx_parts, sc_parts, fb = [], [], 0
    for cols, top in parts:
        ok = top.indices >= 0
        idx_parts.append(np.where(ok, cols[np.maximum(top.indices, 0)], -1))
        sc_parts.append(np.where(ok, top.scores, -np.inf))
        fb += top.exact_fallback_rows
    if not idx_parts:
        return engine.TopK(np.full((n, k), -1, dtype=np.int64), np.zeros((n, k)), 0)
    idx, sc = np.hstack(idx_parts), np.hstack(sc_parts)
    big = np.iinfo(np.int64).max
    order = np.lexsort((np.where(idx >= 0, idx, big), -sc), axis=-1)[:, :k]
    idx, sc = np.take_along_axis(idx, order, 1), np.take_along_axis(sc, order, 1)
    sc = np.where(idx >= 0, sc, 0.0)
    if idx.shape[1] < k:
        pad = k - idx.shape[1]
        idx, sc = np.hstack([idx, np.full((n, pad), -1)]), np.hstack([sc, np.zeros((n, pad))])
    return engine.TopK(idx, sc, fb)


def _groups(flags: np.ndarray) -> np.ndarray:
    """Rows of a boolean matrix → group labels, equal rows alike (few columns: packed into integers)."""
    if flags.shape[1] > 62:
        return np.unique(flags, axis=0, return_inverse=True)[1].ravel()
    packed = flags.astype(np.int64) @ (np.int64(1) << np.arange(flags.shape[1], dtype=np.int64))
    return np.unique(packed, return_inverse=True)[1].ravel()


def _key(covered: np.ndarray | int, weight: float, bias: float):
    """The key of a product ``s`` without its language columns: the kernel's own sum over all columns
    adds the language products last, one ``weight`` per language covered, in column order — so
    ``((s + weight) + weight …) + bias`` repeats its rounding exactly (then the group's bias, as the
    bias passes did)."""
    covered = np.asarray(covered)

    def key(rows, s):
        n = covered[rows] if covered.ndim else np.broadcast_to(covered, np.shape(s))
        out = np.array(s, dtype=np.float64, copy=True)
        for t in range(int(covered.max(initial=0))):
            out = np.where(n > t, out + weight, out)
        return out + bias

    return key


def _implicit(key, covered: np.ndarray, n: int) -> np.ndarray:
    """Rows covering a required language pair with every column of the group (``key(0)``); others
    only with the columns they share something with (NaN)."""
    rows = np.arange(n)
    return np.where(np.broadcast_to(covered, (n,)) > 0, key(rows, np.zeros(n)), np.nan)


def compute(inputs: MatchInputs, k: int = K) -> tuple[engine.TopK, engine.TopK]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees), row indices.

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
    (``implicit`` to :func:`engine.topk_prepared`, which then takes the lowest indices). Each group's
    top-k is exact, ties by lower index, and merging the groups by (score desc, index asc) gives
    what one pass over the full vectors would."""
    n_t, n_v = len(inputs.trainee_pk), len(inputs.vacancy_pk)
    if n_t == 0 or n_v == 0:
        return (engine.TopK(np.full((n_t, k), -1, dtype=np.int64), np.zeros((n_t, k))),
                engine.TopK(np.full((n_v, k), -1, dtype=np.int64), np.zeros((n_v, k))))
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
    by_t_parts, by_v = [], engine.TopK(np.full((n_v, k), -1, dtype=np.int64), np.zeros((n_v, k)))
    fb_v = 0
    for g in range(v_group.max() + 1):
        cols = np.flatnonzero(v_group == g)
        langs = np.flatnonzero(sig[cols[0], 1:])
        weight = float(required[cols[0]].data[0]) if len(langs) else 0.0
        covered = speaks[:, langs].sum(axis=1)
        # trainees → this group's vacancies
        key = _key(covered, weight, float(b_bias[cols[0]]))
        by_t_parts.append((cols, engine.topk_prepared(A, B[cols], k, block_rows=BLOCK_ROWS, key=key,
                                                      implicit=_implicit(key, covered, n_t))))
        # this group's vacancies → trainees, grouped by anywhere and by which of the languages they speak
        t_sig = np.hstack([inputs.t_anywhere[:, None], speaks[:, langs]])
        t_group = _groups(t_sig)
        parts = []
        for h in range(t_group.max() + 1):
            trainees = np.flatnonzero(t_group == h)
            n_cov = int(t_sig[trainees[0], 1:].sum())
            key = _key(n_cov, weight, float(a_bias[trainees[0]]))
            parts.append((trainees, engine.topk_prepared(B[cols], A[trainees], k, block_rows=BLOCK_ROWS, key=key,
                                                         implicit=_implicit(key, n_cov, len(cols)))))
        top = _merge(parts, len(cols), k)
        by_v.indices[cols], by_v.scores[cols] = top.indices, top.scores
        fb_v += top.exact_fallback_rows
    by_t = _merge(by_t_parts, n_t, k)
    by_t.scores[:] = np.where(by_t.indices >= 0, by_t.scores + a_bias[:, None], 0.0)
    by_v.scores[:] = np.where(by_v.indices >= 0, by_v.scores + b_bias[:, None], 0.0)
    return by_t, engine.TopK(by_v.indices, by_v.scores, fb_v)


def _json_rows(kind: str, subject: np.ndarray, cand_pk: np.ndarray, top: engine.TopK):
    valid = (top.indices >= 0).sum(axis=1)
    ids = np.where(top.indices >= 0, cand_pk[np.maximum(top.indices, 0)], -1).tolist()
    scores = np.round(top.scores, 6).tolist()
    for s, n, i, sc in zip(subject.tolist(), valid.tolist(), ids, scores, strict=True):
        yield kind, s, "[" + ",".join(map(str, i[:n])) + "]", "[" + ",".join(map(repr, sc[:n])) + "]"


_P10 = 10 ** np.arange(19, dtype=np.int64)


def _digits(v: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative integers as right-aligned ASCII digit columns, and which characters to keep
    (no leading zeros; only where ``keep``)."""
    nd = np.maximum(1, np.searchsorted(_P10, v, side="right"))
    width = max(1, int(nd.max(initial=1)))
    chars = (v[:, None] // _P10[width - 1 :: -1] % 10 + 48).astype(np.uint8)
    return chars, (np.arange(width) >= width - nd[:, None]) & keep[:, None]


def _copy_text(kind: str, subject: np.ndarray, cand_pk: np.ndarray, top: engine.TopK, stamp: str) -> bytes:
    """The lines ``kind, subject, [ids], [scores], stamp`` of COPY's text format, built as one character
    matrix in NumPy (no Python object per value). The text is the same as :func:`_json_rows` gives:
    a score is ``repr(np.round(score, 6))``, which for scores in [1e-4, 3) is its integer micro-units
    m = rint(score · 10⁶) written ``m // 10⁶ "." (m % 10⁶ with trailing zeros cut, at least one digit)``
    (checked for every m in that range); outside it the rows are written by :func:`_json_rows`."""
    n, k = top.indices.shape
    valid = top.indices >= 0
    count = valid.sum(axis=1)
    micro = np.rint(top.scores * 1e6).astype(np.int64)
    if np.any(valid & ((micro < 100) | (micro >= 3_000_000))):
        return "".join(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{stamp}\n"
                       for r in _json_rows(kind, subject, cand_pk, top)).encode()
    ids = np.where(valid, cand_pk[np.maximum(top.indices, 0)], 0)

    def const(text: str):
        b = np.frombuffer(text.encode(), dtype=np.uint8)
        return np.broadcast_to(b, (n, len(b))), np.broadcast_to(True, (n, len(b)))

    comma, dot = np.full((n, 1), ord(","), dtype=np.uint8), np.full((n, 1), ord("."), dtype=np.uint8)
    parts = [const(f"{kind}\t"), _digits(subject, np.ones(n, dtype=bool)), const("\t[")]
    for j in range(k):
        parts += [_digits(ids[:, j], valid[:, j]), (comma, (j < count - 1)[:, None])]
    parts.append(const("]\t["))
    for j in range(k):
        v = valid[:, j]
        m = np.where(v, micro[:, j], 0)
        whole, frac = m // 1_000_000, m % 1_000_000
        zeros = sum((frac % _P10[t] == 0).astype(np.int64) for t in range(1, 7))  # trailing zeros; 6 for 0
        frac_chars = (frac[:, None] // _P10[5::-1] % 10 + 48).astype(np.uint8)
        parts += [_digits(whole, v), (dot, v[:, None]),
                  (frac_chars, (np.arange(6) < np.maximum(1, 6 - zeros)[:, None]) & v[:, None]),
                  (comma, (j < count - 1)[:, None])]
    parts.append(const(f"]\t{stamp}\n"))
    chars = np.hstack([np.asarray(c, dtype=np.uint8) for c, _keep in parts])
    keep = np.hstack([np.asarray(kp, dtype=bool) for _c, kp in parts])
    return chars[keep].tobytes()


def _text_chunks(lists, stamp: str, chunk: int):
    """(kind, subject ids, their COPY text) for ``chunk`` subjects at a time of each (kind, subjects,
    candidates, top-k) list."""
    for kind, subj, cand, top in lists:
        for s in range(0, len(subj), chunk):
            part = engine.TopK(top.indices[s : s + chunk], top.scores[s : s + chunk])
            yield kind, subj[s : s + chunk], _copy_text(kind, subj[s : s + chunk], cand, part, stamp)


def store(inputs: MatchInputs, by_trainee: engine.TopK, by_vacancy: engine.TopK, chunk: int = 8192) -> int:
    """Replace every stored list by these, atomically (readers see the old lists or the new ones).
    The lists' text is built by :func:`_copy_text`, a chunk of rows at a time; on PostgreSQL it goes
    to ``COPY`` as it is, so the server parses one chunk while the next is being built."""
    table = CandidateList._meta.db_table
    stamp = timezone.now().isoformat()
    lists = [(CandidateList.Kind.VACANCY.value, inputs.vacancy_pk, inputs.trainee_pk, by_vacancy),
             (CandidateList.Kind.TRAINEE.value, inputs.trainee_pk, inputs.vacancy_pk, by_trainee)]
    n = 0
    with transaction.atomic(), connection.cursor() as cur:
        if _is_pg():
            cur.execute(f"TRUNCATE {table}")
            with cur.cursor.copy(f"COPY {table} (kind, subject_id, candidate_ids, scores, computed) FROM STDIN") as cp:
                for _kind, subjects, text in _text_chunks(lists, stamp, chunk):
                    cp.write(text)
                    n += len(subjects)
        else:
            cur.execute(f"DELETE FROM {table}")
            for kind, subjects, text in _text_chunks(lists, stamp, chunk):
                batch = [(kind, pk, *line.split("\t")[2:4], stamp)
                         for pk, line in zip(subjects.tolist(), text.decode().splitlines(), strict=True)]
                cur.executemany(f"INSERT INTO {table} (kind, subject_id, candidate_ids, scores, computed) "
                                f"VALUES (%s, %s, %s, %s, %s)", batch)
                n += len(batch)
    return n


def rebuild(k: int = K) -> RebuildReport:
    report = RebuildReport()
    t0 = time.perf_counter()
    inputs = load_inputs()
    report.seconds["read"] = time.perf_counter() - t0
    report.trainees, report.vacancies = len(inputs.trainee_pk), len(inputs.vacancy_pk)
    t0 = time.perf_counter()
    by_trainee, by_vacancy = compute(inputs, k)
    report.tie_fallback_rows = by_trainee.exact_fallback_rows + by_vacancy.exact_fallback_rows
    report.seconds["top-k"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report.lists = store(inputs, by_trainee, by_vacancy)
    report.seconds["write"] = time.perf_counter() - t0
    return report


# --- reading and explaining -------------------------------------------------------------------------

@dataclass
class Explanation:
    score: float
    skill_score: float
    shared_skills: list[str]
    region_ok: bool
    region_note: str
    language_share: float
    languages: list[str]
    missing_languages: list[str]

    @property
    def region_points(self) -> float:
        return REGION_WEIGHT if self.region_ok else 0.0

    @property
    def language_points(self) -> float:
        return LANGUAGE_WEIGHT * self.language_share


def _trainee_facts(trainee_ids) -> dict[int, dict]:
    facts = {pk: {"skills": {}, "langs": set(), "reloc": set(), "home": home, "willing": willing}
             for pk, home, willing in Trainee.objects.filter(pk__in=trainee_ids)
             .values_list("pk", "home_region_id", "willing_to_relocate")}
    for t, s, w in TraineeSkill.objects.filter(trainee_id__in=trainee_ids).values_list("trainee_id", "skill_id",
                                                                                         "weight"):
        facts[t]["skills"][s] = w
    for t, code in Trainee.languages.through.objects.filter(trainee_id__in=trainee_ids).values_list(
            "trainee_id", "language_id"):
        facts[t]["langs"].add(code)
    for t, r in Trainee.relocation_regions.through.objects.filter(trainee_id__in=trainee_ids).values_list(
            "trainee_id", "region_id"):
        facts[t]["reloc"].add(r)
    return facts


def _vacancy_facts(vacancy_ids) -> dict[int, dict]:
    facts = {pk: {"skills": set(), "region": region, "country": country,
                  "langs": sorted({i["language"] for i in (langs or [])})}
             for pk, region, country, langs in SkillDemand.objects.filter(pk__in=vacancy_ids)
             .values_list("pk", "region_id", "country_id", "languages")}
    for v, s in SkillDemand.required_skills.through.objects.filter(skilldemand_id__in=vacancy_ids).values_list(
            "skilldemand_id", "skill_id"):
        facts[v]["skills"].add(s)
    return facts


def explain_pairs(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Explanation]:
    """(trainee pk, vacancy pk) → the score taken apart: same formula as the stored lists."""
    from tvetbridge.taxonomy.models import Skill

    tf = _trainee_facts({t for t, _v in pairs})
    vf = _vacancy_facts({v for _t, v in pairs})
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    names = dict(Skill.objects.filter(pk__in={s for f in vf.values() for s in f["skills"]}).values_list("pk", "label"))
    out = {}
    for t, v in pairs:
        if t not in tf or v not in vf:
            continue
        a, b = tf[t], vf[v]
        norm_t = float(np.sqrt(sum(w * w for w in a["skills"].values())))
        shared = sorted(set(a["skills"]) & b["skills"])
        dot = sum(a["skills"][s] for s in shared)
        cos = dot / (norm_t * np.sqrt(len(b["skills"]))) if shared and norm_t > 0 else 0.0
        anywhere = a["willing"] and not a["reloc"]
        regions = ({a["home"]} - {None}) | (a["reloc"] if a["willing"] else set())
        if anywhere:
            ok, note = True, _("would move anywhere")
        elif b["region"] is not None:
            ok = b["region"] in regions
            note = (_("home region") if b["region"] == a["home"] else _("would move there")) if ok else _("elsewhere")
        else:
            ok = b["country"] in {region_country[r] for r in regions}
            note = _("same country") if ok else _("other country")
        covered = [c for c in b["langs"] if c in a["langs"]]
        share = len(covered) / len(b["langs"]) if b["langs"] else 1.0
        score = cos + (REGION_WEIGHT if ok else 0.0) + LANGUAGE_WEIGHT * share
        out[(t, v)] = Explanation(float(score), float(cos), [names.get(s, str(s)) for s in shared], ok, note,
                                  share, covered, [c for c in b["langs"] if c not in a["langs"]])
    return out


def stored(kind: str, subject_id: int) -> CandidateList | None:
    return CandidateList.objects.filter(kind=kind, subject_id=subject_id).first()


@dataclass
class CandidateRow:
    rank: int
    pk: int
    score: float
    explanation: Explanation | None
    obj: object = None


def candidates_of_vacancy(vacancy_pk: int) -> tuple[list[CandidateRow], CandidateList | None]:
    """The stored trainees for a vacancy, best first; those who withdrew consent since are left out."""
    lst = stored(CandidateList.Kind.VACANCY, vacancy_pk)
    if lst is None:
        return [], None
    consenting = Trainee.objects.filter(pk__in=lst.candidate_ids, consent_matching=True).select_related("home_region")
    people = {t.pk: t for t in consenting}
    ex = explain_pairs([(t, vacancy_pk) for t in people])
    rows = [CandidateRow(i + 1, pk, s, ex.get((pk, vacancy_pk)), people[pk])
            for i, (pk, s) in enumerate(zip(lst.candidate_ids, lst.scores, strict=True)) if pk in people]
    return rows, lst


def vacancies_of_trainee(trainee_pk: int) -> tuple[list[CandidateRow], CandidateList | None]:
    lst = stored(CandidateList.Kind.TRAINEE, trainee_pk)
    if lst is None:
        return [], None
    # Vacancies filled or closed since the lists were computed are left out.
    vac = {v.pk: v for v in SkillDemand.objects.filter(pk__in=lst.candidate_ids, status=SkillDemand.Status.OPEN)
           .select_related("enterprise", "region", "country", "occupation")}
    ex = explain_pairs([(trainee_pk, v) for v in vac])
    rows = [CandidateRow(i + 1, pk, s, ex.get((trainee_pk, pk)), vac[pk])
            for i, (pk, s) in enumerate(zip(lst.candidate_ids, lst.scores, strict=True)) if pk in vac]
    return rows, lst


def vacancy_overview(user, limit: int = 200) -> dict | None:
    """The vacancies ``user`` may see candidates for (an enterprise's own; all for coordinators),
    each with its number of listed candidates; None when the role sees no candidate lists."""
    from tvetbridge.core.roles import is_enterprise_staff, is_manager

    qs = SkillDemand.objects.filter(kind=SkillDemand.Kind.VACANCY).select_related(
        "enterprise", "region", "country", "occupation").order_by("-status", "deadline", "pk")
    if is_enterprise_staff(user):
        qs = qs.filter(enterprise_id=user.profile.enterprise_id)
    elif not is_manager(user):
        return None
    vacancies = list(qs[:limit])
    lists = dict(CandidateList.objects.filter(kind=CandidateList.Kind.VACANCY,
                                              subject_id__in=[v.pk for v in vacancies])
                 .values_list("subject_id", "candidate_ids"))
    for v in vacancies:
        v.n_candidates = len(lists.get(v.pk, []))
    latest = CandidateList.objects.order_by("-computed").values_list("computed", flat=True).first()
    return {"vacancies": vacancies, "computed": latest, "total": qs.count()}
