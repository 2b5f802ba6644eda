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

Region and language matches are extra sparse columns on each side, so they sit in the same sparse
product as the skills. The two universal bonuses — "would move anywhere" and "no language required" —
would pair someone with everyone and make the product dense; they are per-row biases instead, applied
exactly by running the kernel once per bias value and merging (``_split_topk``). A pair is listed when
it shares a skill, a region or a required language; the bonuses then add to its score. Only trainees
who consented to matching and open vacancies take part. Bulk paths: on PostgreSQL columns are read with binary ``COPY`` straight
into NumPy and lists written with ``COPY``; elsewhere with plain cursor reads and ``executemany``.
"""

from __future__ import annotations

import io
import re
import struct
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


# --- columns from the database ---------------------------------------------------------------------

def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _columns(sql: str, kinds: str) -> list[np.ndarray]:
    """The columns of a query whose values are all non-null, ``kinds`` one letter per column:
    ``i`` int8 or ``f`` float8 → one NumPy array per column.

    On PostgreSQL through ``COPY (…) TO STDOUT (FORMAT binary)``: every row has the same size, so the
    whole stream is one structured NumPy view — no Python object per value. Elsewhere a plain fetch."""
    if _is_pg():
        buf = io.BytesIO()
        with connection.cursor() as cur, cur.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                buf.write(block)
        raw = buf.getbuffer()
        header = 19 + struct.unpack(">I", raw[15:19])[0]
        dtype = np.dtype([("n", ">i2")] + [x for i, kind in enumerate(kinds)
                                           for x in ((f"l{i}", ">i4"), (f"v{i}", ">i8" if kind == "i" else ">f8"))])
        body = np.frombuffer(raw[header: len(raw) - 2], dtype=dtype)
        return [body[f"v{i}"].astype(np.int64 if kind == "i" else np.float64) for i, kind in enumerate(kinds)]
    with connection.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    return [np.array([r[i] for r in rows], dtype=np.int64 if kind == "i" else np.float64)
            for i, kind in enumerate(kinds)]


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

    t_pk, home, willing = _columns(
        f"SELECT {_i('t.id')}, {_i('COALESCE(t.home_region_id, -1)')}, "
        f"{_i('CASE WHEN t.willing_to_relocate THEN 1 ELSE 0 END')} FROM {t_table} t WHERE {consent} ORDER BY t.id",
        "iii")
    lt, ls, lw = _columns(
        f"SELECT {_i('ts.trainee_id')}, {_i('ts.skill_id')}, {_f('ts.weight')} FROM {ts_table} ts "
        f"JOIN {t_table} t ON t.id = ts.trainee_id WHERE {consent}", "iif")

    vac_rows = list(SkillDemand.objects.filter(kind=SkillDemand.Kind.VACANCY, status=SkillDemand.Status.OPEN)
                    .order_by("pk").values_list("pk", "region_id", "country_id", "languages"))
    v_pk = np.array([r[0] for r in vac_rows], dtype=np.int64)
    lv, lvs = _columns(f"SELECT {_i('vs.skilldemand_id')}, {_i('vs.skill_id')} FROM {vs_table} vs "
                       f"JOIN {v_table} v ON v.id = vs.skilldemand_id WHERE {open_vacancy}", "ii")

    skill_pk, cols = np.unique(np.concatenate([ls, lvs]), return_inverse=True)
    cols = cols.ravel()
    n_t, n_v, n_s = len(t_pk), len(v_pk), len(skill_pk)
    T = _incidence(_rows_of(t_pk, lt)[0], cols[: len(lt)], (n_t, n_s), lw)
    V = _incidence(_rows_of(v_pk, lv)[0], cols[len(lt):], (n_v, n_s))

    # Region columns: 0 = "anywhere", then one per region, then one per country.
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    region_ids = np.array(sorted(region_country), dtype=np.int64)
    countries = sorted(set(region_country.values()) | {r[2] for r in vac_rows})
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
    v_place_col = np.array([1 + int(np.searchsorted(region_ids, r[1])) if r[1] is not None else country_col[r[2]]
                            for r in vac_rows], dtype=np.int64)
    v_place = _incidence(np.arange(n_v), v_place_col, (n_v, n_place), REGION_WEIGHT)

    # Language columns: one per language (0 unused). "No language required" is a bias, like "anywhere".
    codes = sorted(set(Language.objects.values_list("code", flat=True))
                   | {i["language"] for r in vac_rows for i in (r[3] or [])})
    lang_col = {c: 1 + i for i, c in enumerate(codes)}
    t_lang_rows, t_lang_cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for code in Language.objects.values_list("code", flat=True):
        if not re.fullmatch(r"[a-z]{2,3}", code):
            continue  # not an ISO 639 code: no vacancy can require it (validate_languages)
        (ids,) = _columns(f"SELECT {_i('x.trainee_id')} FROM {tl_table} x JOIN {t_table} t ON t.id = x.trainee_id "
                          f"WHERE {consent} AND x.language_id = '{code}'", "i")
        rows, ok = _rows_of(t_pk, ids)
        t_lang_rows.append(rows[ok])
        t_lang_cols.append(np.full(int(ok.sum()), lang_col[code], dtype=np.int64))
    t_lang = _incidence(np.concatenate(t_lang_rows), np.concatenate(t_lang_cols), (n_t, 1 + len(codes)))
    t_lang.data[:] = 1.0
    vl_rows, vl_cols, vl_vals = [], [], []
    for i, r in enumerate(vac_rows):
        langs = sorted({item["language"] for item in (r[3] or [])})
        for code in langs:
            vl_rows.append(i), vl_cols.append(lang_col[code]), vl_vals.append(LANGUAGE_WEIGHT / len(langs))
    v_lang = _incidence(np.array(vl_rows, dtype=np.int64), np.array(vl_cols, dtype=np.int64),
                        (n_v, 1 + len(codes)), np.array(vl_vals))
    v_noreq = np.array([not (r[3] or []) for r in vac_rows], dtype=bool)
    return MatchInputs(t_pk, v_pk, skill_pk, T, V, sp.hstack([t_place, t_lang], format="csr"),
                       sp.hstack([v_place, v_lang], format="csr"), anywhere, v_noreq)


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


def _split_topk(A, B, k: int, b_bias: np.ndarray) -> engine.TopK:
    """Exact top-k over j of ``A_i·B_j + b_bias_j`` among the pairs with ``A_i·B_j > 0``.

    ``b_bias`` takes few distinct values (0 or one weight): the kernel runs once per group of equal
    bias, each group's exact top-k (ties by lower index) gets its bias, and the groups are merged by
    (score desc, index asc) — the same order a single exact pass would give."""
    n = A.shape[0]
    idx_parts, sc_parts, fb = [], [], 0
    for value in np.unique(b_bias):
        cols = np.flatnonzero(b_bias == value)
        top = engine.topk_prepared(A, B[cols], k)
        ok = top.indices >= 0
        idx_parts.append(np.where(ok, cols[np.maximum(top.indices, 0)], -1))
        sc_parts.append(np.where(ok, top.scores + value, -np.inf))
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


def compute(inputs: MatchInputs, k: int = K) -> tuple[engine.TopK, engine.TopK]:
    """(for each trainee the top-k vacancies, for each vacancy the top-k trainees), row indices.

    Listed are the pairs that share a skill, a region (home or listed) or a required language; the
    two universal bonuses (would move anywhere, no language required) are added to their scores
    without making every pair a candidate."""
    n_t, n_v = len(inputs.trainee_pk), len(inputs.vacancy_pk)
    if n_t == 0 or n_v == 0:
        return (engine.TopK(np.full((n_t, k), -1, dtype=np.int64), np.zeros((n_t, k))),
                engine.TopK(np.full((n_v, k), -1, dtype=np.int64), np.zeros((n_v, k))))
    A, B = inputs.prepared()
    a_bias = np.where(inputs.t_anywhere, REGION_WEIGHT, 0.0)
    b_bias = np.where(inputs.v_no_language, LANGUAGE_WEIGHT, 0.0)
    by_t = _split_topk(A, B, k, b_bias)
    by_t.scores[:] = np.where(by_t.indices >= 0, by_t.scores + a_bias[:, None], 0.0)
    by_v = _split_topk(B, A, k, a_bias)
    by_v.scores[:] = np.where(by_v.indices >= 0, by_v.scores + b_bias[:, None], 0.0)
    return by_t, by_v


def _json_rows(kind: str, subject: np.ndarray, cand_pk: np.ndarray, top: engine.TopK):
    valid = (top.indices >= 0).sum(axis=1)
    ids = np.where(top.indices >= 0, cand_pk[np.maximum(top.indices, 0)], -1).tolist()
    scores = np.round(top.scores, 6).tolist()
    for s, n, i, sc in zip(subject.tolist(), valid.tolist(), ids, scores, strict=True):
        yield kind, s, "[" + ",".join(map(str, i[:n])) + "]", "[" + ",".join(map(repr, sc[:n])) + "]"


def store(inputs: MatchInputs, by_trainee: engine.TopK, by_vacancy: engine.TopK) -> int:
    """Replace every stored list by these, atomically (readers see the old lists or the new ones)."""
    table = CandidateList._meta.db_table
    now = timezone.now()
    rows = [(CandidateList.Kind.VACANCY.value, inputs.vacancy_pk, inputs.trainee_pk, by_vacancy),
            (CandidateList.Kind.TRAINEE.value, inputs.trainee_pk, inputs.vacancy_pk, by_trainee)]
    n = 0
    with transaction.atomic(), connection.cursor() as cur:
        if _is_pg():
            cur.execute(f"TRUNCATE {table}")
            with cur.cursor.copy(f"COPY {table} (kind, subject_id, candidate_ids, scores, computed) FROM STDIN") as cp:
                stamp = now.isoformat()
                for kind, subj, cand, top in rows:
                    buf = io.StringIO()
                    for row in _json_rows(kind, subj, cand, top):
                        buf.write(f"{row[0]}\t{row[1]}\t{row[2]}\t{row[3]}\t{stamp}\n")
                        n += 1
                    cp.write(buf.getvalue())
        else:
            cur.execute(f"DELETE FROM {table}")
            for kind, subj, cand, top in rows:
                batch = [(*row, now.isoformat()) for row in _json_rows(kind, subj, cand, top)]
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
