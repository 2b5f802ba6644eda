"""Incremental candidate updates leave exactly the lists a full rebuild gives: after every step of a
random sequence of changes (a new vacancy, a vacancy's skills changed, a vacancy closed, a new
trainee, a trainee withdrawing consent …), row for row, with the same scores to the last bit (engine)
and as stored (database)."""

import datetime as dt
import json

import numpy as np
import pytest
import scipy.sparse as sp
from django.utils import timezone

from tvetbridge.core.models import Language
from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import services
from tvetbridge.matching.engine import candidates
from tvetbridge.matching.engine.incremental import Changed, apply_change, sides_from_rebuild
from tvetbridge.matching.io import candidates as candidate_io
from tvetbridge.matching.models import CandidateList, CandidateState
from tvetbridge.outcomes.models import Trainee, TraineeSkill
from tvetbridge.taxonomy import services as taxonomy
from tvetbridge.taxonomy.models import Occupation, Skill

from .test_candidates import _random_inputs

# --- engine: random worlds, random changes, compared with compute_keys after each ------------------


def _subset(pool: candidates.MatchInputs, t_rows: np.ndarray, v_rows: np.ndarray) -> candidates.MatchInputs:
    """The inputs of some rows of a pool (rows in primary-key order)."""
    return candidates.MatchInputs(
        pool.trainee_pk[t_rows], pool.vacancy_pk[v_rows], pool.skill_pk, pool.T[t_rows], pool.V[v_rows],
        pool.t_extra[t_rows], pool.v_extra[v_rows], pool.t_anywhere[t_rows], pool.v_no_language[v_rows],
        pool.n_language_columns)


def _assert_same(sides, inputs, k):
    """The sides' live lists equal a full computation's, keys bit for bit."""
    key_t, key_v, _a, _b = candidates.compute_keys(inputs, k)
    for side, pks, cand_pk, top in ((sides[0], inputs.trainee_pk, inputs.vacancy_pk, key_t),
                                    (sides[1], inputs.vacancy_pk, inputs.trainee_pk, key_v)):
        live = np.flatnonzero(side.alive)
        assert sorted(side.pk[live].tolist()) == sorted(pks.tolist())
        order = live[np.argsort(side.pk[live])]
        want = np.where(top.indices >= 0, cand_pk[np.maximum(top.indices, 0)] if len(cand_pk) else -1, -1)
        assert np.array_equal(side.top_pk[order], want)
        ok = want >= 0
        assert np.array_equal(side.top_key[order][ok], top.scores[ok])


@pytest.mark.engine
@pytest.mark.parametrize("seed", range(4))
def test_every_change_leaves_the_lists_of_a_full_rebuild(seed):
    """A pool of two versions of every subject; at each step one subject appears, changes version or
    goes, and the sides are updated incrementally and checked against the full computation."""
    rng = np.random.default_rng(100 + seed)
    n_t, n_v, k = int(rng.integers(5, 40)), int(rng.integers(3, 25)), int(rng.integers(1, 5))
    pool = _random_inputs(rng, 2 * n_t, 2 * n_v)  # row i and row n + i: two versions of subject i
    pool.trainee_pk[n_t:] = pool.trainee_pk[:n_t]
    pool.vacancy_pk[n_v:] = pool.vacancy_pk[:n_v]
    t_ver = np.where(rng.random(n_t) < 0.7, 0, -1)  # −1: absent, else the version shown
    v_ver = np.where(rng.random(n_v) < 0.7, 0, -1)

    def current():
        t_rows = np.array([i + n_t * t_ver[i] for i in range(n_t) if t_ver[i] >= 0], dtype=np.int64)
        v_rows = np.array([i + n_v * v_ver[i] for i in range(n_v) if v_ver[i] >= 0], dtype=np.int64)
        return _subset(pool, t_rows, v_rows)

    inputs = current()
    A_all, B_all = pool.prepared()
    key_t, key_v, a_bias, b_bias = candidates.compute_keys(inputs, k)
    A, B = inputs.prepared()
    sides = sides_from_rebuild(inputs.trainee_pk, A, a_bias, inputs.vacancy_pk, B, b_bias, key_t.indices,
                               key_t.scores, key_v.indices, key_v.scores)
    for _step in range(8):
        which = "trainee" if rng.random() < 0.5 else "vacancy"
        ver, n = (t_ver, n_t) if which == "trainee" else (v_ver, n_v)
        i = int(rng.integers(0, n))
        ver[i] = int(rng.choice([v for v in (-1, 0, 1) if v != ver[i]]))
        if ver[i] < 0:
            x, bias = None, 0.0
        elif which == "trainee":
            row = i + n_t * ver[i]
            x, bias = A_all[row], candidates.REGION_WEIGHT if pool.t_anywhere[row] else 0.0
        else:
            row = i + n_v * ver[i]
            x, bias = B_all[row], candidates.LANGUAGE_WEIGHT if pool.v_no_language[row] else 0.0
        pk = int((pool.trainee_pk if which == "trainee" else pool.vacancy_pk)[i])
        apply_change(*sides, which, pk, x, bias, Changed())
        _assert_same(sides, current(), k)


# --- database: the stored rows after updates equal a full rebuild's -----------------------------------

def _stored() -> dict:
    return {(kind, s): (ids, sc) for kind, s, ids, sc in
            CandidateList.objects.values_list("kind", "subject_id", "candidate_ids", "scores")}


def _full() -> dict:
    """What a full rebuild would store now (computed, not stored)."""
    inputs = candidate_io.load_inputs()
    by_t, by_v = candidates.compute(inputs, candidates.K)
    rows = list(candidate_io._json_rows("vacancy", inputs.vacancy_pk, inputs.trainee_pk, by_v))
    rows += list(candidate_io._json_rows("trainee", inputs.trainee_pk, inputs.vacancy_pk, by_t))
    return {(kind, s): (json.loads(ids), json.loads(sc)) for kind, s, ids, sc in rows}


@pytest.fixture
def small_world(world):
    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    return {**world, "skills": list(Skill.objects.order_by("pk")[:6]),
            "occupation": Occupation.objects.order_by("pk").first(),
            "languages": list(Language.objects.order_by("code"))}


def test_updates_after_a_sequence_of_changes_store_the_full_rebuilds_lists(small_world):
    w = small_world
    rng = np.random.default_rng(5)
    skills, langs, regions = w["skills"], w["languages"], [w["almaty"], w["xj"], None]
    today = timezone.localdate()

    def vacancy(i):
        region = regions[i % 3]
        v = SkillDemand.objects.create(
            external_key=f"IV{i}", enterprise=w["jd"], kind="vacancy", title=f"IV{i}",
            country=region.country if region else w["kz"], region=region, occupation=w["occupation"], count=1,
            languages=[{"language": lang.code, "level": "B1"} for lang in langs if rng.random() < 0.3],
            deadline=today + dt.timedelta(days=30))
        v.required_skills.set([s for s in skills if rng.random() < 0.4])
        return v

    def trainee(i):
        t = Trainee.objects.create(external_key=f"IT{i}", identity_hash=f"h{i}", home_region=regions[i % 2],
                                   willing_to_relocate=rng.random() < 0.3, consent_matching=True, consent_date=today)
        for s in skills:
            if rng.random() < 0.4:
                TraineeSkill.objects.create(trainee=t, skill=s, weight=float(rng.choice([0.5, 1.0])))
        t.languages.set([lang for lang in langs if rng.random() < 0.5])
        return t

    vs = [vacancy(i) for i in range(8)]
    ts = [trainee(i) for i in range(15)]
    services.rebuild_candidates()
    assert CandidateState.objects.count() == 1 and _stored() == _full()

    new_v = vacancy(100)  # a new vacancy
    report = services.update_candidates(vacancy_ids=[new_v.pk])
    assert not report.full_rebuild and _stored() == _full()
    vs[0].required_skills.set(skills[3:])  # a vacancy's skills change
    assert not services.update_candidates(vacancy_ids=[vs[0].pk]).full_rebuild
    assert _stored() == _full()
    SkillDemand.objects.filter(pk=vs[1].pk).update(status="closed")  # a vacancy closes
    services.update_candidates(vacancy_ids=[vs[1].pk])
    stored = _stored()
    assert stored == _full() and ("vacancy", vs[1].pk) not in stored
    new_t = trainee(200)  # a new trainee
    services.update_candidates(trainee_ids=[new_t.pk])
    assert _stored() == _full()
    gone = ts[2]  # a trainee withdraws consent: gone from every list
    Trainee.objects.filter(pk=gone.pk).update(consent_matching=False)
    services.update_candidates(trainee_ids=[gone.pk])
    stored = _stored()
    assert stored == _full() and ("trainee", gone.pk) not in stored
    assert all(gone.pk not in ids for (kind, _s), (ids, _sc) in stored.items() if kind == "vacancy")
    # several at once: a trainee's skills and languages change, a vacancy deleted, another new one
    TraineeSkill.objects.filter(trainee=ts[3]).delete()
    TraineeSkill.objects.create(trainee=ts[3], skill=skills[0], weight=1.0)
    ts[3].languages.set(langs[:1])
    deleted = vs[2].pk
    vs[2].delete()
    another = vacancy(101)
    report = services.update_candidates(vacancy_ids=[deleted, another.pk], trainee_ids=[ts[3].pk])
    assert not report.full_rebuild and _stored() == _full()


def test_without_a_usable_state_an_update_is_a_full_rebuild(small_world):
    w = small_world
    t = Trainee.objects.create(external_key="solo", identity_hash="solo", home_region=w["almaty"],
                               consent_matching=True, consent_date=timezone.localdate())
    TraineeSkill.objects.create(trainee=t, skill=w["skills"][0], weight=1.0)
    assert services.update_candidates(trainee_ids=[t.pk]).full_rebuild  # no state yet
    assert not services.update_candidates(trainee_ids=[t.pk]).full_rebuild
    first = w["skills"][0]
    Skill.objects.create(esco_id="new-skill", label="A new skill", source=first.source)  # the taxonomy grew
    assert services.update_candidates(trainee_ids=[t.pk]).full_rebuild
    assert _stored() == _full()


def test_a_waiting_update_takes_the_subjects_of_later_requests(small_world, settings):
    from tvetbridge.core.models import Job

    settings.JOBS_EAGER = False
    first = services.schedule_candidate_update(vacancy_ids=[1])
    second = services.schedule_candidate_update(vacancy_ids=[2], trainee_ids=[7])
    assert first.pk == second.pk
    assert Job.objects.get(pk=first.pk).params == {"vacancy_ids": [1, 2], "trainee_ids": [7]}


def test_state_vectors_are_the_rebuilds(small_world):
    """Sanity of the state file's column space: a sparse row survives the save and load unchanged."""
    from tvetbridge.matching.io import snapshot

    w = small_world
    t = Trainee.objects.create(external_key="one", identity_hash="one", home_region=w["almaty"],
                               consent_matching=True, consent_date=timezone.localdate())
    TraineeSkill.objects.create(trainee=t, skill=w["skills"][1], weight=0.5)
    services.rebuild_candidates()
    snap = snapshot.load(CandidateState.objects.get().name)
    row = snap.trainees.X[0]
    assert sp.issparse(row) and row.nnz == 3  # the skill, the home region, its country
    assert row.data[0] == pytest.approx(1.0)
