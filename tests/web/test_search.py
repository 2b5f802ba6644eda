"""The site-wide search box: names in any of the four languages, per role exactly what that role may
open, and nothing unpublished for the public or a trainee."""

import pytest
from django.urls import reverse

from tvetbridge.core.models import Source
from tvetbridge.registry.models import CooperationProject, Enterprise
from tvetbridge.web import search

ROLES = ["public", "trainee", "institution", "enterprise", "coordinator", "admin"]


@pytest.fixture
def searchable(world, users, make_user):
    """proj-1 is public (from a document); a draft project and "Other College" are not."""
    source = Source.objects.create(key="seed-doc", title="Seed document")
    CooperationProject.objects.filter(pk=world["project"].pk).update(source=source)
    urumqi = world["urumqi"]
    urumqi.name_zh_hans, urumqi.name_ru, urumqi.name_kk = "乌鲁木齐职业大学", "Урумчийский профессиональный университет", "Үрімші кәсіптік университеті"
    urumqi.save()
    programme = world["programme"]
    programme.name_ru = "Умная логистика"
    programme.save()
    Enterprise.objects.filter(pk=world["jd"].pk).update(name_kk="Джиди логистика")
    CooperationProject.objects.create(external_key="proj-draft", name="Secret Luban Workshop", kind="luban_workshop",
                                      status="draft", host_country=world["kz"], source=source)
    return {**world, "users": {**users, "trainee": make_user("trainee")}}


def _groups(user, text):
    return {g.kind: g for g in search.search(user, text)}


def _titles(group):
    return [hit.title for hit in group.hits]


@pytest.mark.parametrize("text,language", [("乌鲁木齐", "zh-hans"), ("урумчийский", "ru"), ("Үрімші", "kk"),
                                           ("urumqi voc", "en")])
def test_staff_find_an_institution_by_its_name_in_each_language(searchable, text, language):
    groups = _groups(searchable["users"]["coordinator"], text)
    [hit] = groups["institutions"].hits
    assert hit.language == language
    assert hit.url == reverse("institution_detail", args=[searchable["urumqi"].pk])


def test_staff_see_the_whole_registry_and_the_matched_name(searchable):
    user = searchable["users"]["enterprise"]
    groups = _groups(user, "логистика")
    assert _titles(groups["programmes"]) == ["Smart logistics"]
    assert groups["programmes"].hits[0].matched == "Умная логистика"
    assert _titles(groups["enterprises"]) == ["JD"]
    assert _titles(_groups(user, "secret")["projects"]) == ["Secret Luban Workshop"]  # staff read drafts
    assert _titles(_groups(user, "other college")["institutions"]) == ["Other College"]


@pytest.mark.parametrize("role", ["public", "trainee"])
def test_public_and_trainees_find_only_what_the_directory_publishes(searchable, role):
    user = searchable["users"][role]
    luban = _groups(user, "luban")
    assert luban["enterprises"].hits == []  # no enterprise agreed to be listed
    assert _titles(luban["projects"]) == ["Luban Workshop (ALT)"]  # never the draft
    assert luban["projects"].hits[0].url == reverse("opendata_project", args=["proj-1"])
    assert _groups(user, "other college")["institutions"].hits == []  # in no published project
    assert _groups(user, "JD")["enterprises"].hits == []
    programmes = _groups(user, "умная")["programmes"]
    assert programmes.hits[0].url == reverse("opendata_institution", args=["inst-alt"]) + "#programmes"


@pytest.mark.parametrize("role", ROLES)
def test_every_result_opens_for_the_role_that_was_shown_it(searchable, client, role):
    user = searchable["users"][role]
    if role != "public":
        client.force_login(user)
    for text in ("luban", "university", "logist", "乌鲁木齐", "jd"):
        response = client.get(reverse("site_search"), {"q": text})
        assert response.status_code == 200
        for group in response.context["groups"]:
            for hit in group.hits:
                assert client.get(hit.url).status_code == 200, (role, hit.url)
            if group.more_url:
                assert client.get(group.more_url).status_code == 200, (role, group.more_url)
    page = client.get(reverse("site_search"), {"q": "secret"}).content.decode()
    assert ("Secret Luban Workshop" in page) == (role not in ("public", "trainee"))


def test_occupations_and_skills_by_a_label_in_russian(searchable, client):
    from tvetbridge.taxonomy import services as taxonomy
    from tvetbridge.taxonomy.models import Occupation

    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    welder = Occupation.objects.filter(label_ru__icontains="сварщик").order_by("pk").first()
    assert welder is not None
    word = welder.label_ru.split()[0].lower()
    groups = _groups(searchable["users"]["public"], word)
    assert groups["occupations"].hits
    hit = groups["occupations"].hits[0]
    assert hit.language == "ru"
    assert client.get(hit.url).status_code == 200


def test_the_box_is_in_the_header_and_short_queries_are_explained(searchable, client):
    home = client.get("/").content.decode()
    assert 'id="site-search-q"' in home and reverse("site_search") in home
    page = client.get(reverse("site_search"), {"q": "a"})
    assert 'id="search-too-short"' in page.content.decode()
    assert search.search(None, "a") == []
    assert search.usable("学")  # one Chinese character is a word
