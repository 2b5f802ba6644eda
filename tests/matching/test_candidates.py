"""Trainee ↔ vacancy candidates on a hand-computed case, and who may see which list.

Skills s1, s2, s3. Score = cos(skills) + 0.25 · works there + 0.15 · share of required languages spoken.
Listed are the pairs sharing a skill, a region (home or listed) or a required language; "would move
anywhere" and "no language required" add to the score but alone do not make a pair (A·V2, C·V2).

Vacancies: V1 (JD, Almaty, needs ru; s1 s2), V2 (Other LLP, Xinjiang, no language; s3).
Trainees (all consenting but D):
  A  Almaty, ru, s1 1.0 s2 1.0     A·V1 = 1 + .25 + .15 = 1.4          A·V2 = 0 + 0 + .15 = 0.15
  B  Almaty, kk, s1 1.0 s3 1.0     B·V1 = .5 + .25 + 0 = 0.75          B·V2 = 1/√2 + 0 + .15 = 0.857107
  C  anywhere, zh, s2 0.5          C·V1 = 1/√2 + .25 + 0 = 0.957107    C·V2 = 0 + .25 + .15 = 0.4
  D  no consent, s1 s2             never listed
  E  Almaty, would move to Xinjiang, no language, s3
                                   E·V1 = 0 + .25 + 0 = 0.25           E·V2 = 1 + .25 + .15 = 1.4
"""

import datetime as dt
import math
import re

import numpy as np
import pytest
import scipy.sparse as sp
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tvetbridge.core.models import Language, Profile
from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import engine, queries, services
from tvetbridge.matching.engine import candidates
from tvetbridge.matching.io import candidates as candidate_io
from tvetbridge.matching.models import CandidateList
from tvetbridge.outcomes.models import Trainee, TraineeSkill
from tvetbridge.taxonomy import services as taxonomy
from tvetbridge.taxonomy.models import Occupation, Skill

R2 = 1 / math.sqrt(2)


@pytest.fixture
def cand_world(world, users, make_user):
    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    s1, s2, s3, s4 = Skill.objects.order_by("pk")[:4]
    today = timezone.localdate()

    def vacancy(key, enterprise, region, country, skills, languages, **extra):
        v = SkillDemand.objects.create(
            external_key=key, enterprise=enterprise, kind=extra.pop("kind", "vacancy"), title=key,
            country=country, region=region, occupation=Occupation.objects.order_by("pk").first(), count=1, languages=languages, deadline=today + dt.timedelta(days=30), **extra)
        v.required_skills.set(skills)
        return v

    v1 = vacancy("V1", world["jd"], world["almaty"], world["kz"], [s1, s2], [{"language": "ru", "level": "B1"}])
    v2 = vacancy("V2", world["other_enterprise"], world["xj"], world["cn"], [s3], [])
    vacancy("closed", world["jd"], world["almaty"], world["kz"], [s1, s2], [], status="closed")
    vacancy("order", world["jd"], world["almaty"], world["kz"], [s1, s2], [], kind="order")
    consent = {"consent_matching": True, "consent_date": today}

    def trainee(key, skills, langs=(), **kw):
        t = Trainee.objects.create(external_key=key, identity_hash=f"hash-{key}", **kw)
        for skill, weight in skills:
            TraineeSkill.objects.create(trainee=t, skill=skill, weight=weight)
        t.languages.set(Language.objects.filter(code__in=langs))
        return t

    a = trainee("A", [(s1, 1.0), (s2, 1.0)], ["ru"], home_region=world["almaty"], **consent)
    b = trainee("B", [(s1, 1.0), (s3, 1.0)], ["kk"], home_region=world["almaty"], **consent)
    c = trainee("C", [(s2, 0.5)], ["zh"], willing_to_relocate=True, **consent)
    d = trainee("D", [(s1, 1.0), (s2, 1.0)], ["ru"], home_region=world["almaty"])
    e = trainee("E", [(s3, 1.0)], [], home_region=world["almaty"], willing_to_relocate=True, **consent)
    e.relocation_regions.set([world["xj"]])
    trainee_user = User.objects.create_user("trainee-a", password="pw-trainee-123!")
    Profile.objects.create(user=trainee_user, role="trainee")
    a.user = trainee_user
    a.save()
    other_ent = make_user("enterprise", enterprise=world["other_enterprise"], username="other-enterprise")
    report = services.rebuild_candidates()
    return {**world, "users": {**users, "trainee": trainee_user, "other_enterprise": other_ent},
            "v1": v1, "v2": v2, "a": a, "b": b, "c": c, "d": d, "e": e, "report": report}


def _list(kind, pk):
    lst = CandidateList.objects.get(kind=kind, subject_id=pk)
    return list(zip(lst.candidate_ids, lst.scores, strict=True))


def _check(got, want):
    assert [pk for pk, _s in got] == [pk for pk, _s in want]
    for (_p, s), (_q, w) in zip(got, want, strict=True):
        assert s == pytest.approx(w, abs=1e-6)


def test_scores_and_order_by_hand(cand_world):
    w = cand_world
    a, b, c, e = (w[x].pk for x in "abce")
    assert w["report"].trainees == 4 and w["report"].vacancies == 2
    _check(_list("vacancy", w["v1"].pk), [(a, 1.4), (c, R2 + 0.25), (b, 0.75), (e, 0.25)])
    _check(_list("vacancy", w["v2"].pk), [(e, 1.4), (b, R2 + 0.15)])
    _check(_list("trainee", a), [(w["v1"].pk, 1.4)])
    _check(_list("trainee", b), [(w["v2"].pk, R2 + 0.15), (w["v1"].pk, 0.75)])
    _check(_list("trainee", c), [(w["v1"].pk, R2 + 0.25)])
    _check(_list("trainee", e), [(w["v2"].pk, 1.4), (w["v1"].pk, 0.25)])
    assert not CandidateList.objects.filter(kind="trainee", subject_id=w["d"].pk).exists()
    assert CandidateList.objects.count() == 6


def test_explanation_matches_the_stored_score(cand_world):
    w = cand_world
    ex = queries.explain_pairs([(w["b"].pk, w["v1"].pk), (w["c"].pk, w["v1"].pk), (w["e"].pk, w["v2"].pk)])
    b1 = ex[(w["b"].pk, w["v1"].pk)]
    assert b1.skill_score == pytest.approx(0.5) and len(b1.shared_skills) == 1
    assert b1.region_ok and b1.region_note == "home region" and b1.missing_languages == ["ru"]
    assert b1.score == pytest.approx(0.75)
    assert ex[(w["c"].pk, w["v1"].pk)].region_note == "would move anywhere"
    e2 = ex[(w["e"].pk, w["v2"].pk)]
    assert e2.region_note == "would move there" and e2.language_share == 1.0 and e2.score == pytest.approx(1.4)


def test_k_cuts_and_rebuild_replaces_lists(cand_world):
    w = cand_world
    call_command("rebuild_candidates", k=1, stdout=open("/dev/null", "w"))
    assert _list("vacancy", w["v1"].pk) == [(w["a"].pk, pytest.approx(1.4))]
    assert CandidateList.objects.count() == 6
    Trainee.objects.filter(pk=w["a"].pk).update(consent_matching=False)
    services.rebuild_candidates()
    assert w["a"].pk not in [pk for pk, _s in _list("vacancy", w["v1"].pk)]
    assert not CandidateList.objects.filter(kind="trainee", subject_id=w["a"].pk).exists()


def test_withdrawn_consent_or_filled_vacancy_hides_it_before_the_next_rebuild(cand_world):
    w = cand_world
    Trainee.objects.filter(pk=w["a"].pk).update(consent_matching=False)
    rows, _lst = queries.candidates_of_vacancy(w["v1"].pk)
    assert [r.pk for r in rows] == [w["c"].pk, w["b"].pk, w["e"].pk]
    SkillDemand.objects.filter(pk=w["v2"].pk).update(status="filled")
    rows, _lst = queries.vacancies_of_trainee(w["e"].pk)
    assert [r.pk for r in rows] == [w["v1"].pk]  # a filled vacancy drops out of the trainee's list too


def test_empty_world_rebuilds_to_nothing(db):
    report = services.rebuild_candidates()
    assert report.lists == 0 and CandidateList.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------------

def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_enterprise_sees_its_own_vacancy_candidates_only(cand_world, client):
    w = cand_world
    url1 = reverse("matching_vacancy_candidates", args=[w["v1"].pk])
    url2 = reverse("matching_vacancy_candidates", args=[w["v2"].pk])
    r = _get(client, w["users"]["enterprise"], url1)
    assert r.status_code == 200
    body = r.content.decode()
    assert f"T-{w['a'].pk}" in body and f"T-{w['d'].pk}" not in body
    assert "hash-" not in body and ">A<" not in body  # no identity hash, no registry key
    assert client.get(url2).status_code == 403
    client.logout()
    assert _get(client, w["users"]["other_enterprise"], url2).status_code == 200
    assert client.get(url1).status_code == 403


def _without_csrf(body: str) -> str:
    """A page's text less its CSRF tokens: random letters and digits may spell a vacancy's title."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def test_candidate_index_is_scoped_to_the_enterprise(cand_world, client):
    w = cand_world
    body = _get(client, w["users"]["enterprise"], reverse("matching_candidate_vacancies")).content.decode()
    assert "V1" in body and "V2" not in _without_csrf(body)
    client.logout()
    body = _get(client, w["users"]["coordinator"], reverse("matching_candidate_vacancies")).content.decode()
    assert "V1" in body and "V2" in body


def test_trainee_sees_only_their_own_list(cand_world, client):
    w = cand_world
    user = w["users"]["trainee"]
    r = _get(client, user, reverse("matching_my_matches"))
    assert r.status_code == 200 and "V1" in r.content.decode()
    assert client.get(reverse("matching_trainee_matches", args=[w["a"].pk])).status_code == 200
    assert client.get(reverse("matching_trainee_matches", args=[w["b"].pk])).status_code == 403
    assert client.get(reverse("matching_vacancy_candidates", args=[w["v1"].pk])).status_code == 403
    assert client.get(reverse("matching_gaps")).status_code == 403  # a trainee is not a member


def test_others_cannot_see_lists(cand_world, client):
    w = cand_world
    url = reverse("matching_vacancy_candidates", args=[w["v1"].pk])
    assert client.get(url).status_code == 302  # the public is sent to sign in
    assert _get(client, w["users"]["institution"], url).status_code == 403
    assert client.get(reverse("matching_trainee_matches", args=[w["a"].pk])).status_code == 403
    assert client.get(reverse("matching_my_matches")).status_code == 403
    client.logout()
    assert _get(client, w["users"]["coordinator"], url).status_code == 200
    assert client.get(reverse("matching_trainee_matches", args=[w["b"].pk])).status_code == 200


def test_demand_detail_links_to_candidates_for_the_owner(cand_world, client):
    w = cand_world
    r = _get(client, w["users"]["enterprise"], reverse("demand_detail", args=[w["v1"].pk]))
    assert 'id="candidates-link"' in r.content.decode()
    client.logout()
    r = _get(client, w["users"]["institution"], reverse("demand_detail", args=[w["v1"].pk]))
    assert 'id="candidates-link"' not in r.content.decode()


# --- API -----------------------------------------------------------------------------------------

class _Api:
    def __init__(self, user=None):
        from django.test import Client

        from tvetbridge.core import tokens

        self.client = Client()
        self.headers = {}
        if user is not None and user.profile.role == "trainee":
            self.client.force_login(user)  # API tokens are for staff; a trainee's own session works
        elif user is not None:
            _t, key = tokens.issue_token(user, "test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path):
        return self.client.get(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def api_as(cand_world):
    return lambda role: _Api(None if role == "public" else cand_world["users"][role])


def test_api_vacancy_candidates_and_permissions(cand_world, api_as):
    w = cand_world
    r = api_as("enterprise").get(f"/matching/vacancies/{w['v1'].pk}/candidates")
    assert r.status_code == 200
    data = r.json()
    assert [x["trainee"] for x in data] == [w["a"].pk, w["c"].pk, w["b"].pk, w["e"].pk]
    assert data[0]["score"] == pytest.approx(1.4) and data[0]["explanation"]["region_points"] == 0.25
    assert "identity_hash" not in r.content.decode() and "income" not in r.content.decode()
    assert api_as("enterprise").get(f"/matching/vacancies/{w['v2'].pk}/candidates").status_code == 403
    assert api_as("institution").get(f"/matching/vacancies/{w['v1'].pk}/candidates").status_code == 403
    assert api_as("public").get(f"/matching/vacancies/{w['v1'].pk}/candidates").status_code == 401
    assert api_as("coordinator").get("/matching/vacancies/999999/candidates").status_code == 404


def test_api_trainee_vacancies_and_permissions(cand_world, api_as):
    w = cand_world
    mine = api_as("trainee")
    r = mine.get(f"/matching/trainees/{w['a'].pk}/vacancies")
    assert r.status_code == 200 and [x["vacancy"] for x in r.json()] == [w["v1"].pk]
    assert mine.get(f"/matching/trainees/{w['b'].pk}/vacancies").status_code == 403
    assert mine.get(f"/matching/vacancies/{w['v1'].pk}/candidates").status_code == 403
    assert mine.get("/matching/gaps").status_code == 403
    assert api_as("enterprise").get(f"/matching/trainees/{w['a'].pk}/vacancies").status_code == 403
    assert api_as("coordinator").get(f"/matching/trainees/{w['b'].pk}/vacancies").status_code == 200


# --- ties and language-only candidates ---------------------------------------------------------------

def test_ties_beyond_the_kernel_cut_and_language_only_pairs_take_the_lowest_ids(cand_world):
    """Twelve more vacancies in Xinjiang requiring Russian and a skill nobody has (X0 … X11, in pk order).

    A speaks Russian (Almaty): each X pairs with A through the language alone, 0.15, all tied: A gets
    V1 (1.4) and the nine lowest X. E would move to Xinjiang and speaks nothing: each X scores the
    region alone, 0.25, tied with V1 (home region): E gets V2 (1.4), V1 (lowest pk of the tie) and
    X0 … X7. B and C share nothing with any X. Each X lists E (0.25) then A (0.15)."""
    w = cand_world
    s4 = Skill.objects.order_by("pk")[3]
    xs = []
    for i in range(12):
        v = SkillDemand.objects.create(
            external_key=f"X{i}", enterprise=w["other_enterprise"], kind="vacancy", title=f"X{i}", country=w["cn"],
            region=w["xj"], occupation=Occupation.objects.order_by("pk").first(), count=1,
            languages=[{"language": "ru", "level": "B1"}], deadline=timezone.localdate() + dt.timedelta(days=30))
        v.required_skills.set([s4])
        xs.append(v.pk)
    report = services.rebuild_candidates()
    assert report.tie_fallback_rows > 0
    a, e = w["a"].pk, w["e"].pk
    _check(_list("trainee", a), [(w["v1"].pk, 1.4)] + [(x, 0.15) for x in xs[:9]])
    _check(_list("trainee", e), [(w["v2"].pk, 1.4), (w["v1"].pk, 0.25)] + [(x, 0.25) for x in xs[:8]])
    _check(_list("trainee", w["b"].pk), [(w["v2"].pk, R2 + 0.15), (w["v1"].pk, 0.75)])
    _check(_list("trainee", w["c"].pk), [(w["v1"].pk, R2 + 0.25)])
    for x in xs:
        _check(_list("vacancy", x), [(e, 0.25), (a, 0.15)])


def _random_inputs(rng, n_t, n_v, n_s=6, n_regions=3, n_langs=3):
    """A small world with every kind of term: weighted skills, regions, several required languages
    (shares of 1/1, 1/2, 1/3), the two biases, and few distinct values so that ties abound."""
    def incidence(n, m, p, values):
        mask = rng.random((n, m)) < p
        return sp.csr_matrix(np.where(mask, rng.choice(values, (n, m)), 0.0))

    T, V = incidence(n_t, n_s, 0.3, [0.5, 1.0]), incidence(n_v, n_s, 0.3, [1.0])
    t_place = incidence(n_t, n_regions, 0.3, [1.0])
    v_place = sp.csr_matrix((np.full(n_v, candidates.REGION_WEIGHT), (np.arange(n_v), rng.integers(0, n_regions, n_v))),
                            shape=(n_v, n_regions))
    t_lang = incidence(n_t, n_langs, 0.5, [1.0])
    req = rng.random((n_v, n_langs)) < rng.choice([0.0, 0.3, 0.9], (n_v, 1))
    v_lang = sp.csr_matrix(np.where(req, candidates.LANGUAGE_WEIGHT / np.maximum(req.sum(1, keepdims=True), 1), 0.0))
    return candidates.MatchInputs(
        np.arange(n_t) + 100, np.arange(n_v) + 500, np.arange(n_s), T, V, sp.hstack([t_place, t_lang], format="csr"),
        sp.hstack([v_place, v_lang], format="csr"), rng.random(n_t) < 0.2, ~req.any(axis=1), n_langs)


@pytest.mark.engine
@pytest.mark.parametrize("seed", range(6))
def test_compute_equals_a_dense_brute_force_of_the_full_vectors(seed):
    """The grouped passes without language columns give exactly what ranking the full product would:
    same lists, same scores to the last bit, ties by lower index (scipy's product adds in the same
    column order as the kernel)."""
    rng = np.random.default_rng(seed)
    inputs = _random_inputs(rng, int(rng.integers(1, 60)), int(rng.integers(1, 40)))
    k = int(rng.integers(1, 8))
    by_t, by_v = candidates.compute(inputs, k)
    A, B = inputs.prepared()
    a_bias = np.where(inputs.t_anywhere, candidates.REGION_WEIGHT, 0.0)
    b_bias = np.where(inputs.v_no_language, candidates.LANGUAGE_WEIGHT, 0.0)
    for P, Q, own, other, top in ((A, B, a_bias, b_bias, by_t), (B, A, b_bias, a_bias, by_v)):
        full = (P @ Q.T).toarray()
        for i, raw in enumerate(full):
            pos = np.flatnonzero(raw > 0)
            key = raw[pos] + other[pos]
            best = pos[np.lexsort((pos, -key))][:k]
            n = len(best)
            assert top.indices[i, :n].tolist() == best.tolist() and (top.indices[i, n:] == -1).all()
            assert np.array_equal(top.scores[i, :n], (raw[best] + other[best]) + own[i])


def test_copy_text_is_the_text_of_the_stored_rows():
    """The NumPy-built COPY text says exactly what the row-by-row JSON text says: short lists, empty
    lists, whole, tiny and large scores, and the fallback for scores outside its fast range."""
    rng = np.random.default_rng(3)
    n, k = 50, 10
    indices = rng.integers(0, 40, size=(n, k))
    indices[rng.random((n, k)) < 0.3] = -1
    indices = np.sort(indices, axis=1)[:, ::-1].copy()  # -1s at the end of a row, as the kernel leaves them
    indices[0] = -1
    scores = np.round(rng.random((n, k)) * 1.4, 6)
    scores[1, :3] = [1.0, 0.25, 0.0001]
    subject = rng.integers(1, 10**9, size=n)
    cand_pk = np.arange(1000, 1040, dtype=np.int64)
    stamp = "2026-01-01T00:00:00+00:00"
    for s in (scores, scores * 1e-3):  # the second needs the fallback
        top = engine.TopK(indices, s)
        expected = "".join(f"{a}\t{b}\t{c}\t{d}\t{stamp}\n" for a, b, c, d in candidate_io._json_rows(
            "vacancy", subject, cand_pk, top))
        assert candidate_io._copy_text("vacancy", subject, cand_pk, top, stamp).decode() == expected
