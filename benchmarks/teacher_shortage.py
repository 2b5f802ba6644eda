"""Bilingual-teacher shortage over a generated national faculty registry: the server's path against
the floor of the same work.

Builds a throw-away database (SQLite, or PostgreSQL with ``--database-url``): reference data, then a
seeded registry bulk-loaded — institutions in China and five partner countries, their faculty with
fields and language levels (self-declared, and certified HSK levels for some), programmes with
language requirements, active projects linking Chinese and partner institutions in their fields, and
dispatches committed in the period.

* ``server``: ``teachers.queries.shortage(period)`` — the page's read path (ORM reads, integer coding,
  the NumPy engine, names).
* ``peer``: the same columns read with one bare SQL statement per table straight into NumPy, coded
  with NumPy, then the same engine pass (one pass of NumPy over the same arrays). Its gaps must equal
  the server's, cell for cell (checked).
* ``engine``: the NumPy pass alone, over the server's arrays.

``headline`` = server median / peer median (goal ≤ 2).

    python benchmarks/teacher_shortage.py --scale small
    python benchmarks/teacher_shortage.py --scale national
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SCALES = {"small": {"institutions": 120, "faculty": 20, "projects": 40, "dispatches": 100},
          "national": {"institutions": 1500, "faculty": 60, "projects": 400, "dispatches": 3000}}
PARTNERS = ["KZ", "UZ", "KG", "TJ", "RU"]


def build(scale: dict, rng: np.random.Generator) -> None:
    from tvetbridge.core.models import FieldOfStudy
    from tvetbridge.registry.models import (
        CooperationProject,
        FacultyLanguage,
        FacultyMember,
        Institution,
        Programme,
    )
    from tvetbridge.teachers.models import Assignment, LanguageProficiency, ProgrammeLanguageRequirement

    fields = [f for f in FieldOfStudy.objects.values_list("code", flat=True) if len(f) == 4][:40]
    n_inst = scale["institutions"]
    countries = ["CN" if i % 3 == 0 else PARTNERS[i % len(PARTNERS)] for i in range(n_inst)]
    Institution.objects.bulk_create([Institution(external_key=f"b-i{i}", name=f"Inst {i}", kind="college",
                                                 country_id=c) for i, c in enumerate(countries)], batch_size=2000)
    insts = list(Institution.objects.filter(external_key__startswith="b-i").order_by("pk").values_list("pk", "country_id"))
    inst_fields = {pk: list(rng.choice(fields, 4, replace=False)) for pk, _c in insts}
    faculty = []
    for pk, _c in insts:
        faculty += [FacultyMember(external_key=f"b-f{pk}-{j}", institution_id=pk, full_name=f"T {pk}-{j}",
                                  willing_to_dispatch=bool(rng.random() < 0.5)) for j in range(scale["faculty"])]
    FacultyMember.objects.bulk_create(faculty, batch_size=5000)
    fac = list(FacultyMember.objects.filter(external_key__startswith="b-f").values_list("pk", "institution_id"))
    country_of = dict(insts)
    through = FacultyMember.fields.through
    links, langs, certs = [], [], []
    cefr = ["A1", "A2", "B1", "B2", "C1", "C2"]
    for fid, inst in fac:
        for code in set(rng.choice(inst_fields[inst], int(rng.integers(1, 3)), replace=False)):
            links.append(through(facultymember_id=fid, fieldofstudy_id=code))
        if country_of[inst] == "CN":
            langs.append(FacultyLanguage(faculty_id=fid, language_id="zh", level="native"))
            if rng.random() < 0.4:
                langs.append(FacultyLanguage(faculty_id=fid, language_id="ru", level=cefr[rng.integers(0, 6)]))
        else:
            langs.append(FacultyLanguage(faculty_id=fid, language_id="ru", level="native"))
            if rng.random() < 0.06:  # few local teachers speak Chinese: the seeds' shortage
                langs.append(FacultyLanguage(faculty_id=fid, language_id="zh", level=cefr[rng.integers(0, 6)]))
            if rng.random() < 0.1:
                certs.append(LanguageProficiency(external_key=f"b-p{fid}", faculty_id=fid, language_id="zh",
                                                 scale="hsk3", level=str(rng.integers(1, 10))))
    through.objects.bulk_create(links, batch_size=10000)
    FacultyLanguage.objects.bulk_create(langs, batch_size=10000)
    LanguageProficiency.objects.bulk_create(certs, batch_size=10000)
    local = [pk for pk, c in insts if c != "CN"]
    chinese = [pk for pk, c in insts if c == "CN"]
    progs = []
    for pk in local:
        progs += [Programme(external_key=f"b-g{pk}-{k}", institution_id=pk, name=f"P {pk}-{k}", field_id=code,
                            isced_level=4, duration_months=24, intake_capacity=int(rng.integers(30, 200)),
                            expected_graduates=20) for k, code in enumerate(inst_fields[pk][:3])]
    Programme.objects.bulk_create(progs, batch_size=5000)
    reqs = []
    for gid in Programme.objects.filter(external_key__startswith="b-g").values_list("pk", flat=True):
        if rng.random() < 0.5:
            reqs.append(ProgrammeLanguageRequirement(programme_id=gid, language_id="zh", scale="hsk3",
                                                     level=str(rng.integers(4, 8))))
        if rng.random() < 0.2:
            reqs.append(ProgrammeLanguageRequirement(programme_id=gid, language_id="ru", scale="cefr",
                                                     level=cefr[rng.integers(2, 5)]))
    ProgrammeLanguageRequirement.objects.bulk_create(reqs, batch_size=10000)
    projects = [CooperationProject(external_key=f"b-p{k}", name=f"Project {k}", kind="luban_workshop", status="active",
                                   host_country_id=PARTNERS[k % len(PARTNERS)]) for k in range(scale["projects"])]
    CooperationProject.objects.bulk_create(projects)
    by_country = {c: [pk for pk, cc in insts if cc == c] for c in PARTNERS}
    pp, pc, pf = [], [], []
    for p in CooperationProject.objects.filter(external_key__startswith="b-p"):
        partners = rng.choice(by_country[p.host_country_id], 2, replace=False)
        pp += [CooperationProject.partner_institutions.through(cooperationproject_id=p.pk, institution_id=int(i))
               for i in partners]
        pc.append(CooperationProject.chinese_institutions.through(cooperationproject_id=p.pk,
                                                                  institution_id=int(rng.choice(chinese))))
        pf += [CooperationProject.fields.through(cooperationproject_id=p.pk, fieldofstudy_id=code)
               for code in set(inst_fields[int(partners[0])][:2])]
    CooperationProject.partner_institutions.through.objects.bulk_create(pp)
    CooperationProject.chinese_institutions.through.objects.bulk_create(pc)
    CooperationProject.fields.through.objects.bulk_create(pf)
    proj = list(CooperationProject.objects.filter(external_key__startswith="b-p").values_list("pk", "host_country_id"))
    cn_fac = [(fid, inst) for fid, inst in fac if country_of[inst] == "CN"]
    picks = rng.choice(len(cn_fac), min(scale["dispatches"], len(cn_fac)), replace=False)
    Assignment.objects.bulk_create([Assignment(
        faculty_id=cn_fac[i][0], from_institution_id=cn_fac[i][1], project_id=proj[k % len(proj)][0],
        country_id=proj[k % len(proj)][1], field_id=inst_fields[cn_fac[i][1]][0], language_id="zh",
        start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 6, 30), status="planning")
        for k, i in enumerate(picks)], batch_size=5000)


def peer_inputs(period) -> tuple[list[str], dict]:
    """The floor: bare SQL per table into NumPy, coded with NumPy; the same arrays as the server's."""
    from django.db import connection

    from tvetbridge.registry.models import (
        CooperationProject,
        FacultyLanguage,
        FacultyMember,
        Institution,
        Programme,
    )
    from tvetbridge.teachers.engine import scales
    from tvetbridge.teachers.models import (
        COMMITTED,
        Assignment,
        LanguageProficiency,
        ProgrammeLanguageRequirement,
    )
    from tvetbridge.teachers.queries import TEACHING_FLOOR

    t = {m: m._meta.db_table for m in (CooperationProject, FacultyLanguage, FacultyMember, Institution, Programme,
                                       Assignment, LanguageProficiency, ProgrammeLanguageRequirement)}
    cp_partner = CooperationProject.partner_institutions.through._meta.db_table
    cp_fields = CooperationProject.fields.through._meta.db_table
    fm_fields = FacultyMember.fields.through._meta.db_table

    def rows(sql, params=()):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def col(data, i, dtype=object):
        return np.array([r[i] for r in data], dtype=dtype)

    need = rows(f"""SELECT p.id, p.host_country_id, g.id, g.field_id, g.intake_capacity, r.language_id, r.scale, r.level
        FROM {t[CooperationProject]} p JOIN {cp_partner} pi ON pi.cooperationproject_id = p.id
        JOIN {t[Programme]} g ON g.institution_id = pi.institution_id
        JOIN {t[ProgrammeLanguageRequirement]} r ON r.programme_id = g.id
        WHERE p.status IN ('approved', 'active') AND (p.start_date IS NULL OR p.start_date <= %s)
          AND (p.end_date IS NULL OR p.end_date >= %s)""", [period.end, period.start])
    pfields = rows(f"SELECT cooperationproject_id, fieldofstudy_id FROM {cp_fields}")
    # Keep a need row when its project names no field or a related one (ISCED-F prefixes, ≥ 3 digits).
    wanted: dict[int, list[str]] = {}
    for pid, code in pfields:
        wanted.setdefault(pid, []).append(code)
    keep = np.array([not wanted.get(r[0]) or any(min(len(r[3]), len(w)) >= 3 and (r[3].startswith(w) or w.startswith(r[3]))
                                                 for w in wanted[r[0]]) for r in need], dtype=bool)
    need = [r for r, k in zip(need, keep, strict=True) if k]
    rank_of = {k: v for k, v in scales.RANK.items()}
    ranks = np.array([max(rank_of[(r[6], r[7])], TEACHING_FLOOR.rank) for r in need], dtype=np.int64)
    ckey = np.array([f"{r[1]}~{r[3]}~{r[5]}" for r in need])
    # One need row per (programme, country, language), as the server counts a programme once per cell.
    _u, first = np.unique(np.array([f"{r[2]}~{r[1]}~{r[5]}" for r in need]), return_index=True)
    cells, need_cell = np.unique(ckey, return_inverse=True)
    need_cell, intake, ranks = need_cell[first], np.array([need[i][4] for i in first], dtype=float), ranks[first]
    c_country = np.array([c.split("~")[0] for c in cells])
    c_field = np.array([c.split("~")[1] for c in cells])
    c_lang = np.array([c.split("~")[2] for c in cells])
    languages, cell_language = np.unique(c_lang, return_inverse=True)
    fields, cell_field = np.unique(c_field, return_inverse=True)

    fac = rows(f"SELECT f.id, i.country_id FROM {t[FacultyMember]} f JOIN {t[Institution]} i ON i.id = f.institution_id")
    fid = col(fac, 0, np.int64)
    countries, codes = np.unique(np.concatenate([c_country, col(fac, 1).astype(str)]), return_inverse=True)
    cell_country, teacher_country = codes[:len(cells)], codes[len(cells):]
    order = np.argsort(fid)
    fid = fid[order]
    teacher_country = teacher_country[order]

    def ix(ids):
        return np.searchsorted(fid, np.asarray(ids, dtype=np.int64))

    rank = np.zeros((len(fid), len(languages)), dtype=np.int64)
    lang_ix = {lang: i for i, lang in enumerate(languages)}
    certified = rows(f"SELECT faculty_id, language_id, scale, level FROM {t[LanguageProficiency]} WHERE faculty_id IS NOT NULL")
    has_cert = set()
    for f, lang, sc, lv in certified:
        if lang in lang_ix:
            i = ix([f])[0]
            rank[i, lang_ix[lang]] = max(rank[i, lang_ix[lang]], rank_of[(sc, lv)])
            has_cert.add((f, lang))
    declared = rows(f"SELECT faculty_id, language_id, level FROM {t[FacultyLanguage]}")
    level_rank = {"native": 70, **{k: v for (s, k), v in rank_of.items() if s == "cefr"}}
    d = [r for r in declared if r[1] in lang_ix and (r[0], r[1]) not in has_cert]
    if d:
        np.maximum.at(rank, (ix([r[0] for r in d]), np.array([lang_ix[r[1]] for r in d])),
                      np.array([level_rank.get(r[2], 0) for r in d], dtype=np.int64))
    links = rows(f"SELECT facultymember_id, fieldofstudy_id FROM {fm_fields}")
    related = {code: [j for j, c in enumerate(fields) if min(len(code), len(c)) >= 3 and (code.startswith(c) or c.startswith(code))]
               for code in {r[1] for r in links}}
    pt, pf = [], []
    for f, code in links:
        for j in related[code]:
            pt.append(f)
            pf.append(j)
    committed = rows(f"""SELECT faculty_id, country_id, field_id, language_id FROM {t[Assignment]}
        WHERE status IN ({', '.join(['%s'] * len(COMMITTED))}) AND start_date <= %s AND end_date >= %s""",
                     [*COMMITTED, period.end, period.start])
    busy = np.zeros(len(fid), dtype=bool)
    busy[ix([r[0] for r in committed])] = True
    cell_index = {c: i for i, c in enumerate(cells)}
    a_t, a_c = [], []
    for f, country, code, lang in committed:
        hit = next((cell_index[f"{country}~{fc}~{lang}"] for fc in fields
                    if f"{country}~{fc}~{lang}" in cell_index and min(len(code), len(fc)) >= 3
                    and (code.startswith(fc) or fc.startswith(code))), None)
        if hit is not None:
            a_t.append(f)
            a_c.append(hit)
    arrays = {"n_cells": len(cells), "cell_country": cell_country, "cell_field": cell_field,
              "cell_language": cell_language, "need_cell": need_cell, "need_intake": intake, "need_rank": ranks,
              "teacher_country": teacher_country, "teacher_busy": busy, "teacher_rank": rank,
              "pair_teacher": ix(pt), "pair_field": np.array(pf, dtype=np.int64),
              "assigned_teacher": ix(a_t), "assigned_cell": np.array(a_c, dtype=np.int64)}
    return list(cells), arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a throw-away SQLite file)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="tvetbridge-bench-")
    os.environ["TVETBRIDGE_VAR_DIR"] = tmp.name
    os.environ["TVETBRIDGE_DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from tvetbridge.core.reference import load_reference
    from tvetbridge.registry.models import FacultyMember
    from tvetbridge.teachers import queries
    from tvetbridge.teachers.engine import shortage as engine

    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    started = time.perf_counter()
    build(SCALES[args.scale], np.random.default_rng(17))
    print(f"faculty: {FacultyMember.objects.count()}")
    print(f"build_s: {time.perf_counter() - started:.1f}")
    period = queries.Period(2026)
    norm = queries.trainee_norm()

    def timed(fn):
        out, times = None, []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return out, times

    server, s_times = timed(lambda: queries.shortage(period))
    (cells, arrays), p_read = timed(lambda: peer_inputs(period))
    peer, p_times = timed(lambda: engine.shortage(norm=norm, **peer_inputs(period)[1]))
    inputs = queries.shortage_inputs(period)
    _e, e_times = timed(lambda: engine.shortage(norm=norm, **inputs.arrays))
    gaps = {c.key: c.gap for c in server}
    peer_gaps = dict(zip(cells, (int(g) for g in peer.gap), strict=True))
    if gaps != peer_gaps:
        diff = [k for k in gaps if gaps[k] != peer_gaps.get(k)][:5]
        raise SystemExit(f"error: peer and server disagree on {len(diff)}+ cells, e.g. {diff}")

    def fig(name, xs):
        print(f"{name}_ms: {statistics.median(xs) * 1000:.1f} (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f})")

    print(f"cells: {len(server)}, short cells: {sum(1 for c in server if c.gap)}, teachers short: {sum(gaps.values())}")
    fig("server", s_times)
    fig("peer", p_times)
    fig("engine_only", e_times)
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"headline: {statistics.median(s_times) / statistics.median(p_times):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
