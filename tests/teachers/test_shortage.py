"""Bilingual-teacher shortage: the engine's counts on arrays, the read path over the registry (need
from programmes' requirements and intake, supply at the required level, dispatches in the period),
ranked candidates with reasons, and a planned dispatch that lowers the gap by one."""

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from tvetbridge.core.services import system_user
from tvetbridge.registry.models import FacultyMember
from tvetbridge.teachers import queries, services
from tvetbridge.teachers.engine import shortage as engine
from tvetbridge.teachers.models import DevelopmentProgramme, DevelopmentSession, ProgrammeLanguageRequirement

PERIOD = queries.Period(2026)


def test_the_engine_counts_need_supply_at_level_and_dispatches():
    # Two cells: (country 0, field 0, lang 0) and (country 0, field 0, lang 1); norm 20.
    r = engine.shortage(
        n_cells=2, cell_country=np.array([0, 0]), cell_field=np.array([0, 0]), cell_language=np.array([0, 1]),
        need_cell=np.array([0, 0, 1]), need_intake=np.array([30.0, 15.0, 10.0]), need_rank=np.array([40, 50, 40]),
        norm=20, teacher_country=np.array([0, 0, 0, 1]), teacher_busy=np.array([False, False, True, False]),
        teacher_rank=np.array([[50, 0], [40, 40], [60, 60], [70, 0]]),
        pair_teacher=np.array([0, 1, 2, 3]), pair_field=np.array([0, 0, 0, 0]),
        assigned_teacher=np.array([3, 3]), assigned_cell=np.array([0, 0]))
    assert r.needed.tolist() == [3, 1]           # ceil(45/20), ceil(10/20)
    assert r.required_rank.tolist() == [50, 40]  # the highest requirement of the cell
    assert r.local.tolist() == [1, 1]            # teacher 1 is below C1 in cell 0; teacher 2 is busy
    assert r.dispatched.tolist() == [1, 0]       # one teacher, counted once
    assert r.gap.tolist() == [1, 0]
    with pytest.raises(ValueError):
        engine.shortage(norm=0, **{k: v for k, v in _empty().items()})


def _empty():
    z = np.zeros(0, dtype=np.int64)
    return {"n_cells": 0, "cell_country": z, "cell_field": z, "cell_language": z, "need_cell": z,
            "need_intake": np.zeros(0), "need_rank": z, "teacher_country": z, "teacher_busy": np.zeros(0, bool),
            "teacher_rank": np.zeros((0, 0), dtype=np.int64), "pair_teacher": z, "pair_field": z,
            "assigned_teacher": z, "assigned_cell": z}


@pytest.fixture
def shortage_world(world):
    from tvetbridge.registry.models import FacultyLanguage

    ProgrammeLanguageRequirement.objects.create(programme=world["programme"], language_id="zh", scale="hsk3",
                                                level="6")  # HSK 6 (3.0) = B2; intake 60 → 3 teachers
    world["programme"].languages.add("zh", "ru")

    def teacher(key, inst, levels, *, willing=True):
        f = FacultyMember.objects.create(external_key=key, institution=inst, full_name=key.title(),
                                         willing_to_dispatch=willing)
        f.fields.add(world["logistics"])
        for lang, level in levels.items():
            FacultyLanguage.objects.create(faculty=f, language_id=lang, level=level)
        return f

    world["local_ok"] = teacher("local ok", world["alt"], {"zh": "C1"})
    world["local_low"] = teacher("local low", world["alt"], {"zh": "B1"})
    world["wang"] = teacher("wang", world["urumqi"], {"zh": "native", "ru": "B2"})
    world["li"] = teacher("li", world["urumqi"], {"zh": "native", "ru": "A2"}, willing=False)
    programme = DevelopmentProgramme.objects.create(external_key="pd", name="Pre-departure", kind="pre_departure")
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20))
    services.record_participation(system_user(), {"session": session, "faculty": world["wang"],
                                                   "result": "completed", "completed_on": dt.date(2026, 6, 20)})
    return world


def kz_cell(w):
    return queries.find_cell(queries.cell_key("KZ", w["logistics"].code, "zh"), PERIOD)


def test_need_supply_and_gap_per_cell(shortage_world):
    cell = kz_cell(shortage_world)
    assert (cell.needed, cell.local, cell.dispatched, cell.gap) == (3, 1, 0, 2)
    assert cell.required.level == "B2"
    assert queries.map_points(queries.shortage(PERIOD)) == []  # the fixture's countries have no centroid


def test_candidates_are_ranked_with_reasons_and_planning_lowers_the_gap(shortage_world, users):
    w = shortage_world
    cell = kz_cell(w)
    groups = queries.candidates(cell, PERIOD)
    assert [c.faculty for c in groups["dispatch"]] == [w["wang"], w["li"]]  # trained, willing, Russian B2
    assert [c.faculty for c in groups["train"]] == [w["local_low"]]
    top = {k["name"]: k for k in groups["dispatch"][0].components}
    assert top["pre_departure"]["value"] == 1.0 and top["second_language"]["value"] == 1.0
    assert "B2" in top["level"]["explanation"]
    assert "below" in {k["name"]: k for k in groups["train"][0].components}["level"]["explanation"]

    a = services.plan_for_shortage(users["coordinator"], faculty=w["wang"], cell=cell, project=w["project"],
                                   start=PERIOD.start, end=PERIOD.end)
    assert (a.country_id, a.field_id, a.language_id, a.status) == ("KZ", w["logistics"].code, "zh", "planning")
    after = kz_cell(w)
    assert (after.dispatched, after.gap) == (1, 1)
    assert w["wang"] not in [c.faculty for c in queries.candidates(after, PERIOD)["dispatch"]]
    assert queries.find_cell(cell.key, queries.Period(2028)).gap == 2  # another year: not dispatched then


def test_planning_refuses_a_project_outside_the_cell(shortage_world, users):
    from tvetbridge.registry.models import CooperationProject

    w = shortage_world
    other = CooperationProject.objects.create(external_key="p-x", name="X", kind="exchange", status="active",
                                              host_country=w["tj"])
    with pytest.raises(ValidationError):
        services.plan_for_shortage(users["coordinator"], faculty=w["wang"], cell=kz_cell(w), project=other,
                                   start=PERIOD.start, end=PERIOD.end)


def test_the_pages_show_the_gap_and_plan_a_dispatch(shortage_world, users, client):
    w = shortage_world
    client.force_login(users["coordinator"])
    page = client.get("/teachers/shortage/?year=2026")
    assert page.status_code == 200 and b"Teacher shortage" in page.content
    url = f"/teachers/shortage/{kz_cell(w).key}/?year=2026"
    assert client.get(url).status_code == 200
    resp = client.post(url, {"faculty": w["wang"].pk, "project": w["project"].pk, "year": 2026})
    assert resp.status_code == 302
    assert kz_cell(w).gap == 1
    client.force_login(users["enterprise"])
    assert client.get("/teachers/shortage/").status_code == 403
