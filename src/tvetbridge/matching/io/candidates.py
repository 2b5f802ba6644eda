"""Candidate lists in and out of the database: the engine's inputs read as columns, its lists written.

Only trainees who consented to matching and open vacancies take part. Bulk paths: on PostgreSQL
columns are read as packed binary values straight into NumPy (the biggest query on a second
connection meanwhile, see ``io.columns``) and lists written with ``COPY`` from text built in NumPy;
elsewhere plain cursor reads and ``executemany``. The score and the lists are the engine's
(``matching.engine.candidates``).
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction
from django.utils import timezone

from tvetbridge.core.models import Language, Region
from tvetbridge.demand.models import SkillDemand
from tvetbridge.outcomes.models import Trainee, TraineeSkill

from ..engine import TopK
from ..engine.candidates import LANGUAGE_WEIGHT, REGION_WEIGHT, MatchInputs
from ..models import CandidateList
from .columns import columns, float8, ids_by_key, int8, is_postgres, meanwhile, sorted_by_first


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


def _only(column: str, ids) -> str:
    """`` AND column IN (ids)`` (integers only), nothing for ``None`` (all rows)."""
    if ids is None:
        return ""
    ids = sorted({int(i) for i in ids})
    return f" AND {column} IN ({','.join(map(str, ids))})" if ids else " AND 1 = 0"


def load_inputs(trainee_ids=None, vacancy_ids=None) -> MatchInputs:
    """Every consenting trainee and open vacancy, or only those of ``trainee_ids`` / ``vacancy_ids``
    (an incremental update reads just the subjects that changed)."""
    t_table, ts_table = Trainee._meta.db_table, TraineeSkill._meta.db_table
    v_table = SkillDemand._meta.db_table
    vs_table = SkillDemand.required_skills.through._meta.db_table
    tl_table = Trainee.languages.through._meta.db_table
    tr_table = Trainee.relocation_regions.through._meta.db_table
    consent = ("t.consent_matching" if is_postgres() else "t.consent_matching = 1") + _only("t.id", trainee_ids)
    open_vacancy = (f"v.kind = '{SkillDemand.Kind.VACANCY}' AND v.status = '{SkillDemand.Status.OPEN}'"
                    + _only("v.id", vacancy_ids))

    # The biggest query (a row per trainee skill) runs alongside the others where it can.
    trainee_skills = meanwhile(columns, f"SELECT {int8('ts.trainee_id')}, {int8('ts.skill_id')}, {float8('ts.weight')} "
                                f"FROM {ts_table} ts JOIN {t_table} t ON t.id = ts.trainee_id WHERE {consent}", "iif")

    t_pk, home, willing = sorted_by_first(columns(
        f"SELECT {int8('t.id')}, {int8('COALESCE(t.home_region_id, -1)')}, "
        f"{int8('CASE WHEN t.willing_to_relocate THEN 1 ELSE 0 END')} FROM {t_table} t WHERE {consent}", "iii"))
    v_pk, v_region = sorted_by_first(columns(
        f"SELECT {int8('v.id')}, {int8('COALESCE(v.region_id, -1)')} FROM {v_table} v WHERE {open_vacancy}", "ii"))
    v_country = ids_by_key(f"SELECT v.country_id, {int8('v.id')} FROM {v_table} v WHERE {open_vacancy}")
    lv, lvs = columns(f"SELECT {int8('vs.skilldemand_id')}, {int8('vs.skill_id')} FROM {vs_table} vs "
                       f"JOIN {v_table} v ON v.id = vs.skilldemand_id WHERE {open_vacancy}", "ii")
    n_t, n_v = len(t_pk), len(v_pk)

    # Region columns: 0 = "anywhere", then one per region, then one per country.
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    region_ids = np.array(sorted(region_country), dtype=np.int64)
    countries = sorted(set(region_country.values()) | set(v_country))
    country_col = {c: 1 + len(region_ids) + i for i, c in enumerate(countries)}
    region_country_col = np.array([country_col[region_country[r]] for r in region_ids], dtype=np.int64)
    n_place = 1 + len(region_ids) + len(countries)

    rt, rr = columns(f"SELECT {int8('x.trainee_id')}, {int8('x.region_id')} FROM {tr_table} x "
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
    if is_postgres():
        items = ("jsonb_array_elements(CASE WHEN jsonb_typeof(v.languages) = 'array' THEN v.languages "
                 "ELSE '[]'::jsonb END) AS e", "e.value ->> 'language'")
    else:
        items = ("json_each(CASE WHEN json_type(v.languages) = 'array' THEN v.languages ELSE '[]' END) AS e",
                 "json_extract(e.value, '$.language')")
    v_langs = ids_by_key(f"SELECT {items[1]}, {int8('v.id')} FROM {v_table} v CROSS JOIN {items[0]} "
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
    spoken = ids_by_key(f"SELECT x.language_id, {int8('x.trainee_id')} FROM {tl_table} x "
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
    extra_keys = (("anywhere",) + tuple(f"R{r}" for r in region_ids.tolist()) + tuple(f"C{c}" for c in countries)
                  + ("L",) + tuple(f"L{c}" for c in codes))
    return MatchInputs(t_pk, v_pk, skill_pk, T, V, sp.hstack([t_place, t_lang], format="csr"),
                       sp.hstack([v_place, v_lang], format="csr"), anywhere, v_noreq, 1 + len(codes), extra_keys)


def _json_rows(kind: str, subject: np.ndarray, cand_pk: np.ndarray, top: TopK):
    cand_pk = cand_pk if len(cand_pk) else np.zeros(1, dtype=np.int64)  # nothing to index: all rows empty
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


def _copy_text(kind: str, subject: np.ndarray, cand_pk: np.ndarray, top: TopK, stamp: str) -> bytes:
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
    ids = np.where(valid, cand_pk[np.maximum(top.indices, 0)], 0) if len(cand_pk) else np.zeros((n, k), dtype=np.int64)

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
            part = TopK(top.indices[s : s + chunk], top.scores[s : s + chunk])
            yield kind, subj[s : s + chunk], _copy_text(kind, subj[s : s + chunk], cand, part, stamp)


def store(inputs: MatchInputs, by_trainee: TopK, by_vacancy: TopK, chunk: int = 8192) -> int:
    """Replace every stored list by these, atomically (readers see the old lists or the new ones).
    The lists' text is built by :func:`_copy_text`, a chunk of rows at a time; on PostgreSQL it goes
    to ``COPY`` as it is, so the server parses one chunk while the next is being built."""
    table = CandidateList._meta.db_table
    stamp = timezone.now().isoformat()
    lists = [(CandidateList.Kind.VACANCY.value, inputs.vacancy_pk, inputs.trainee_pk, by_vacancy),
             (CandidateList.Kind.TRAINEE.value, inputs.trainee_pk, inputs.vacancy_pk, by_trainee)]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"TRUNCATE {table}" if is_postgres() else f"DELETE FROM {table}")
        return _insert(cur, lists, stamp, chunk)


def _insert(cur, lists, stamp: str, chunk: int = 8192) -> int:
    """Insert the rows of (kind, subjects, candidates, top-k) lists: ``COPY`` on PostgreSQL."""
    table = CandidateList._meta.db_table
    n = 0
    if is_postgres():
        with cur.cursor.copy(f"COPY {table} (kind, subject_id, candidate_ids, scores, computed) FROM STDIN") as cp:
            for _kind, subjects, text in _text_chunks(lists, stamp, chunk):
                cp.write(text)
                n += len(subjects)
        return n
    for kind, subjects, text in _text_chunks(lists, stamp, chunk):
        batch = [(kind, pk, *line.split("\t")[2:4], stamp)
                 for pk, line in zip(subjects.tolist(), text.decode().splitlines(), strict=True)]
        cur.executemany(f"INSERT INTO {table} (kind, subject_id, candidate_ids, scores, computed) "
                        f"VALUES (%s, %s, %s, %s, %s)", batch)
        n += len(batch)
    return n


def replace_lists(lists, gone: dict[str, np.ndarray]) -> int:
    """Rewrite only these subjects' lists — (kind, subjects, candidates, top-k) as :func:`store` takes
    them — and delete the lists of the subjects in ``gone`` ({kind: pks}); in the caller's transaction."""
    table = CandidateList._meta.db_table
    stamp = timezone.now().isoformat()
    with connection.cursor() as cur:
        for kind, pks in [(kind, subj) for kind, subj, _c, _t in lists] + list(gone.items()):
            ids = sorted({int(p) for p in np.asarray(pks).tolist()})
            for s in range(0, len(ids), 10_000):
                cur.execute(f"DELETE FROM {table} WHERE kind = %s AND subject_id IN "
                            f"({','.join(map(str, ids[s : s + 10_000]))})", [kind])
        return _insert(cur, lists, stamp)
