"""Synthetic trainees and vacancies with ESCO skill sets, at any scale up to national
(1,000,000 trainees, 200,000 vacancies), for the candidate lists and their benchmark.

Each person or vacancy picks an ESCO occupation (one with at least three essential skills in the
database) and keeps each essential skill with probability 0.7 and each optional one with 0.15. A
trainee's weight is 1.0 (essential) or 0.5 (optional) times a proficiency in [0.5, 1]; a vacancy
requires its skills (weight 1). Home regions and vacancy regions are drawn from the level-1 regions
of the cooperation countries; 80 % of trainees consent to matching, 25 % would move (half of them
anywhere, half to one or two listed regions); languages follow the country (+ Chinese for 15 %);
vacancies require Russian (40 %), Chinese (15 %) or nothing.

Rows are written without history (generated, not edited) and, on PostgreSQL, with ``COPY`` — the
big link tables in binary format straight from NumPy. Keys start ``syn-mt-`` (trainees) and
``syn-mv-`` (vacancies); re-running replaces exactly those rows.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import time

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from tvetbridge.core.models import Country, Language, Region
from tvetbridge.demand.models import SkillDemand
from tvetbridge.outcomes.models import Trainee, TraineeSkill
from tvetbridge.registry.models import Enterprise
from tvetbridge.taxonomy.engine import esco_data
from tvetbridge.taxonomy.models import Occupation, Skill

T_PREFIX, V_PREFIX = "syn-mt-", "syn-mv-"
NATIVE = {"KZ": ("kk", "ru"), "KG": ("ky", "ru"), "UZ": ("uz", "ru"), "TJ": ("tg", "ru"), "TM": ("tk", "ru"),
          "RU": ("ru",), "CN": ("zh",)}


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _text_copy(table: str, columns: list[str], rows) -> int:
    """Rows of Python values → the table (COPY text on PostgreSQL, executemany elsewhere)."""
    n = 0
    with connection.cursor() as cur:
        if _pg():
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                buf = io.StringIO()
                for row in rows:
                    buf.write("\t".join("\\N" if v is None else str(v) for v in row))
                    buf.write("\n")
                    n += 1
                    if n % 100_000 == 0:
                        cp.write(buf.getvalue())
                        buf = io.StringIO()
                cp.write(buf.getvalue())
        else:
            rows = list(rows)
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            n = len(rows)
    return n


def _binary_copy(table: str, columns: list[tuple[str, np.ndarray]]) -> int:
    """Fixed-width columns (int64, float64 or a bytes array of one width) → the table."""
    n = len(columns[0][1])
    if not _pg():
        data = [c.tolist() if c.dtype.kind != "S" else [x.decode() for x in c] for _name, c in columns]
        return _text_copy(table, [name for name, _c in columns], zip(*data, strict=True))
    fields = [("n", ">i2")]
    for i, (_name, col) in enumerate(columns):
        width = {"i": 8, "f": 8}.get(col.dtype.kind, col.dtype.itemsize)
        kind = ">i8" if col.dtype.kind == "i" else ">f8" if col.dtype.kind == "f" else f"S{width}"
        fields += [(f"l{i}", ">i4"), (f"v{i}", kind)]
    rec = np.empty(n, dtype=np.dtype(fields))
    rec["n"] = len(columns)
    for i, (_name, col) in enumerate(columns):
        rec[f"l{i}"] = 8 if col.dtype.kind in "if" else col.dtype.itemsize
        rec[f"v{i}"] = col
    payload = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rec.tobytes() + struct.pack(">h", -1)
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY {table} ({', '.join(name for name, _c in columns)}) FROM STDIN (FORMAT binary)") as cp:
        step = 1 << 24
        for s in range(0, len(payload), step):
            cp.write(payload[s: s + step])
    return n


def delete_previous() -> int:
    deleted = 0
    with connection.cursor() as cur:
        t, v = Trainee._meta.db_table, SkillDemand._meta.db_table
        sub_t = f"SELECT id FROM {t} WHERE external_key LIKE '{T_PREFIX}%%'"
        sub_v = f"SELECT id FROM {v} WHERE external_key LIKE '{V_PREFIX}%%'"
        for table, col, sub in ((TraineeSkill._meta.db_table, "trainee_id", sub_t),
                                (Trainee.languages.through._meta.db_table, "trainee_id", sub_t),
                                (Trainee.relocation_regions.through._meta.db_table, "trainee_id", sub_t),
                                (SkillDemand.required_skills.through._meta.db_table, "skilldemand_id", sub_v)):
            cur.execute(f"DELETE FROM {table} WHERE {col} IN ({sub})")
            deleted += cur.rowcount
        for table, prefix in ((t, T_PREFIX), (v, V_PREFIX)):
            cur.execute(f"DELETE FROM {table} WHERE external_key LIKE '{prefix}%%'")
            deleted += cur.rowcount
    return deleted


def _skill_sets(rng, n: int, occ_rows: np.ndarray, matrix, weighted: bool):
    """n rows: occupation index per row and the kept (row, skill column, weight) links."""
    occ = occ_rows[rng.integers(0, len(occ_rows), n)]
    sub = matrix[occ]
    is_ess = sub.data == 1.0  # the matrix holds 1.0 for essential links, 0.5 for optional ones
    keep = rng.random(sub.nnz) < np.where(is_ess, 0.7, 0.15)
    rows = np.repeat(np.arange(n), np.diff(sub.indptr))
    w = sub.data * (rng.uniform(0.5, 1.0, sub.nnz) if weighted else 1.0)
    return occ, rows[keep], sub.indices[keep], np.round(w[keep], 4)


@transaction.atomic
def generate(*, trainees: int, vacancies: int, seed: int = 7) -> dict[str, float]:
    started = time.perf_counter()
    out: dict[str, float] = {"deleted": delete_previous()}
    rng = np.random.default_rng(seed)
    # ESCO occupation × skill matrix restricted to what the database holds.
    m = esco_data.occupation_skill_matrix()
    skill_pk = dict(Skill.objects.values_list("esco_id", "pk"))
    occ_pk = dict(Occupation.objects.values_list("esco_id", "pk"))
    col_pk = np.array([skill_pk.get(s, -1) for s in m.skill_ids], dtype=np.int64)
    mat = m.matrix.tocsr()
    mat = mat[:, np.flatnonzero(col_pk >= 0)]
    ess = m.essential.tocsr()[:, np.flatnonzero(col_pk >= 0)]
    col_pk = col_pk[col_pk >= 0]
    row_pk = np.array([occ_pk.get(o, -1) for o in m.occupation_ids], dtype=np.int64)
    n_ess = np.diff(ess.tocsr().indptr)
    occ_rows = np.flatnonzero((row_pk >= 0) & (n_ess >= 3))
    if len(occ_rows) == 0:
        raise RuntimeError("No ESCO occupations with skills in the database; run load_taxonomy first")
    regions = list(Region.objects.filter(level=Region.Level.REGION, country__is_focus=True)
                   .order_by("pk").values_list("pk", "country_id")) or \
        list(Region.objects.order_by("pk").values_list("pk", "country_id"))
    if not regions:
        raise RuntimeError("No regions; run load_reference first")
    reg_pk = np.array([r[0] for r in regions], dtype=np.int64)
    reg_country = np.array([r[1] for r in regions], dtype=object)
    known = set(Language.objects.values_list("code", flat=True))
    today = timezone.localdate()
    now = timezone.now().isoformat()

    # --- trainees ---
    t_home = rng.integers(0, len(reg_pk), trainees)
    consent = rng.random(trainees) < 0.8
    willing = rng.random(trainees) < 0.25
    gender = np.where(rng.random(trainees) < 0.45, "female", "male")
    birth = rng.integers(1985, 2008, trainees)
    tt = Trainee._meta.db_table
    _text_copy(tt, ["external_key", "gender", "birth_year", "home_region_id", "baseline_employment",
                    "baseline_currency", "consent_matching", "consent_follow_up", "consent_date",
                    "willing_to_relocate", "is_synthetic", "created", "updated"],
               ((f"{T_PREFIX}{i:07d}", gender[i], int(birth[i]), int(reg_pk[t_home[i]]), "", "",
                 bool(consent[i]), True, today.isoformat(), bool(willing[i]), True, now, now)
                for i in range(trainees)))
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {tt} WHERE external_key LIKE '{T_PREFIX}%%' ORDER BY external_key")
        t_ids = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
    _occ, rows, cols, w = _skill_sets(rng, trainees, occ_rows, mat, weighted=True)
    out["trainee_skills"] = _binary_copy(TraineeSkill._meta.db_table, [
        ("trainee_id", t_ids[rows]), ("skill_id", col_pk[cols]), ("weight", w.astype(np.float64)),
        ("source", np.full(len(rows), b"programme", dtype="S9"))])
    lang_rows, lang_codes = [], []
    for code, spoken in NATIVE.items():
        here = np.flatnonzero(reg_country[t_home] == code)
        for lang in spoken:
            if lang in known:
                lang_rows.append(here)
                lang_codes.append(np.full(len(here), lang.encode(), dtype="S2"))
    if "zh" in known:
        zh = np.flatnonzero((rng.random(trainees) < 0.15) & (reg_country[t_home] != "CN"))
        lang_rows.append(zh)
        lang_codes.append(np.full(len(zh), b"zh", dtype="S2"))
    if lang_rows:
        lr = np.concatenate(lang_rows)
        out["trainee_languages"] = _binary_copy(Trainee.languages.through._meta.db_table, [
            ("trainee_id", t_ids[lr]), ("language_id", np.concatenate(lang_codes))])
    listed = np.flatnonzero(willing & (rng.random(trainees) < 0.5))
    n_list = rng.integers(1, 3, len(listed))
    rr = np.repeat(listed, n_list)
    rreg = reg_pk[rng.integers(0, len(reg_pk), len(rr))]
    pairs = np.unique(np.stack([t_ids[rr], rreg], axis=1), axis=0) if len(rr) else np.zeros((0, 2), np.int64)
    out["relocation_regions"] = _binary_copy(Trainee.relocation_regions.through._meta.db_table, [
        ("trainee_id", pairs[:, 0].copy()), ("region_id", pairs[:, 1].copy())])

    # --- vacancies ---
    enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    if not enterprises:
        country = Country.objects.order_by("-is_focus", "code").first()
        enterprises = [Enterprise.objects.create(external_key=f"{V_PREFIX}enterprise", name="Synthetic employer",
                                                 country=country, sector="C", is_synthetic=True).pk]
    v_occ, rows, cols, _w = _skill_sets(rng, vacancies, occ_rows, mat, weighted=False)
    v_reg = rng.integers(0, len(reg_pk), vacancies)
    v_lang = rng.random(vacancies)
    v_ent = rng.integers(0, len(enterprises), vacancies)
    count = rng.integers(1, 20, vacancies)
    deadline = (today + dt.timedelta(days=120)).isoformat()
    langs = {0: '[{"language": "ru", "level": "B1"}]', 1: '[{"language": "zh", "level": "HSK3"}]', 2: "[]"}
    occ_of_row = row_pk[v_occ]
    vt = SkillDemand._meta.db_table
    _text_copy(vt, ["external_key", "enterprise_id", "kind", "title", "title_en", "description",
                    "occupation_confirmed", "languages", "count", "wage_currency", "deadline", "order_commitment",
                    "commitment_currency", "status", "is_synthetic", "created", "updated", "country_id",
                    "occupation_id", "region_id"],
               ((f"{V_PREFIX}{i:07d}", enterprises[v_ent[i]], "vacancy", f"Vacancy {i}", f"Vacancy {i}", "", True,
                 langs[0 if v_lang[i] < 0.4 else 1 if v_lang[i] < 0.55 else 2], int(count[i]), "", deadline,
                 False, "", "open", True, now, now, reg_country[v_reg[i]], int(occ_of_row[i]),
                 int(reg_pk[v_reg[i]])) for i in range(vacancies)))
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {vt} WHERE external_key LIKE '{V_PREFIX}%%' ORDER BY external_key")
        v_ids = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
    out["vacancy_skills"] = _binary_copy(SkillDemand.required_skills.through._meta.db_table, [
        ("skilldemand_id", v_ids[rows]), ("skill_id", col_pk[cols])])
    out["trainees"], out["vacancies"] = trainees, vacancies
    if _pg():
        with connection.cursor() as cur:
            for model in (Trainee, TraineeSkill, SkillDemand):
                cur.execute(f"ANALYZE {model._meta.db_table}")
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
