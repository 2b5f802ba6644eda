"""The public directory: published institutions and projects, searchable in every language, with
what each offers; nothing unpublished is reachable and small counts are withheld."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tvetbridge.outcomes.models import Enrolment
from tvetbridge.registry.models import Facility, Institution, ReportedResult


def _list(client, name="opendata_directory", **params):
    resp = client.get(reverse(name), params)
    assert resp.status_code == 200
    return resp.content.decode()


def test_anonymous_finds_published_institutions_only(published, world, client):
    html = _list(client)
    # ALT publishes, Urumqi is a publisher too; the other college takes part in nothing published.
    assert "ALT University" in html and "Urumqi Vocational University" in html
    assert "Other College" not in html
    missing = client.get(reverse("opendata_institution", args=[world["other_institution"].external_key]))
    assert missing.status_code == 404


def test_search_by_a_name_in_another_language(published, world, client):
    Institution.objects.filter(pk=world["alt"].pk).update(name_ru="Университет АЛТ", name_zh_hans="ALT大学")
    for q in ("Университет", "大学", "alt univ"):
        html = _list(client, q=q)
        assert "inst-alt" in html, q
        assert "inst-urumqi" not in html, q
    assert "1 institution found" in _list(client, q="АЛТ", country="KZ")
    assert "0 institutions found" in _list(client, q="АЛТ", country="CN")


def test_filters_by_kind_field_and_language(published, world, client):
    # ALT teaches logistics through its programme, Urumqi names it as a field of strength.
    field = world["logistics"].pk
    both = _list(client, field=field)
    assert "inst-alt" in both and "inst-urumqi" in both
    only_alt = _list(client, field=field, kind="university")
    assert "inst-alt" in only_alt and "inst-urumqi" not in only_alt
    world["programme"].languages.add("ru")
    by_language = _list(client, language="ru")
    assert "inst-alt" in by_language and "inst-urumqi" not in by_language


def test_institution_profile_shows_offer_projects_and_withholds_small_counts(published, world, client):
    alt = world["alt"]
    Facility.objects.create(external_key="fac-1", institution=alt, name="Logistics simulation hall",
                            kind="simulation", capacity=40)
    ReportedResult.objects.create(institution=alt, indicator="trained", value=349,
                                  source=published["project"].source or _source())
    resp = client.get(reverse("opendata_institution", args=[alt.external_key]))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Smart logistics" in html and "Logistics simulation hall" in html
    assert reverse("opendata_project", args=[published["project"].external_key]) in html
    assert "349" in html
    # No contact data of the institution's people, and never a trainee's name.
    assert "@" not in html.split("<main", 1)[1]


def test_project_profile_links_results_and_suppresses_under_five(published, client):
    project = published["project"]
    url = reverse("opendata_project", args=[project.external_key])
    html = client.get(url).content.decode()
    assert reverse("outcomes_project", args=[project.pk]) in html and "LW-ALT-2023" in html
    keep = list(Enrolment.objects.filter(project=project).exclude(status="applied")
                .values_list("trainee_id", flat=True).distinct()[:3])
    Enrolment.objects.filter(project=project).exclude(trainee_id__in=keep).delete()
    html = client.get(url).content.decode()
    assert "&lt; 5" in html


def test_unpublished_project_is_not_reachable(published, world, client):
    from tvetbridge.opendata.models import ActivityPublication

    ActivityPublication.objects.filter(project=published["project"]).delete()
    assert client.get(reverse("opendata_project", args=[published["project"].external_key])).status_code == 404
    assert "proj-1" not in _list(client, "opendata_directory_projects")


@pytest.mark.parametrize("lang", ["zh-hans", "ru", "kk"])
def test_directory_in_each_language(published, client, lang):
    from django.utils import translation

    with translation.override(lang):
        url = reverse("opendata_directory")
    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["Content-Language"] == lang


def _source():
    from tvetbridge.core.models import Source

    return Source.objects.create(key="test-src", title="Annual report")


def test_public_api_lists_and_details_without_token_with_etag(published, world, client):
    resp = client.get("/api/v1/open/institutions", {"page_size": 1})
    assert resp.status_code == 200 and "public" in resp.headers["Cache-Control"]
    body = resp.json()
    assert body["count"] == 2 and len(body["items"]) == 1 and body["items"][0]["id"] == "inst-alt"
    assert body["items"][0]["region"] == "KZ-75" and body["items"][0]["country"] == "KZ"
    again = client.get("/api/v1/open/institutions", {"page_size": 1}, HTTP_IF_NONE_MATCH=resp.headers["ETag"])
    assert again.status_code == 304
    detail = client.get("/api/v1/open/institutions/inst-alt").json()
    assert [p["id"] for p in detail["programmes"]] == ["prog-1"] and detail["projects"] == ["proj-1"]
    assert client.get("/api/v1/open/institutions/inst-other").status_code == 404
    project = client.get("/api/v1/open/projects/proj-1").json()
    assert project["iati_identifier"] == "KZ-BIN-990140000483-LW-ALT-2023" and project["partner_institutions"] == ["inst-alt"]
    assert project["trainees_enrolled"] >= 5 and project["trainees_withheld"] is False
    listed = client.get("/api/v1/open/projects", {"country": "KZ"}).json()
    assert [p["id"] for p in listed["items"]] == ["proj-1"]
    assert "email" not in resp.content.decode()


def test_filter_choices_are_what_the_published_records_hold(published, world):
    """The options are read with id subqueries; they are exactly the countries, fields and languages of
    the published institutions (and their programmes), projects and listed enterprises."""
    from tvetbridge.core.models import Language
    from tvetbridge.opendata import queries
    from tvetbridge.opendata.services import set_enterprise_listing

    ru = Language.objects.get_or_create(code="ru", defaults={"name": "Russian"})[0]
    world["programme"].languages.add(ru)
    set_enterprise_listing(published["coordinator"], world["jd"], listed=True, reason="letter of 1 May")
    insts = list(queries.public_institutions())
    programmes = [p for i in insts for p in i.programme_set.all()]
    expected_countries = ({i.country_id for i in insts} | {p.host_country_id for p in queries.public_projects()}
                          | {e.country_id for e in queries.public_enterprises()})
    choices = queries.directory_choices()
    assert {c.pk for c in choices["countries"]} == expected_countries
    assert {f.pk for f in choices["fields"]} == ({f.pk for i in insts for f in i.fields.all()}
                                                 | {p.field_id for p in programmes})
    assert {lang.pk for lang in choices["languages"]} == ({x.pk for i in insts for x in i.languages.all()}
                                                          | {x.pk for p in programmes for x in p.languages.all()})
    assert "CN" in expected_countries and ru.pk in {lang.pk for lang in choices["languages"]}


def test_public_sets_by_subqueries_equal_the_join_definitions(published, world):
    """Institutions and alliances are read with id subqueries (no joins + DISTINCT); they are exactly
    the records the join definitions select, each once, and each tab gets its own options unchanged."""
    from django.db.models import Q

    from tvetbridge.core.models import Source
    from tvetbridge.opendata import queries
    from tvetbridge.registry.models import Alliance, CooperationProject, Institution

    source = Source.objects.create(key="alliance-doc", title="Alliance charter")
    by_member = Alliance.objects.create(external_key="all-member", name="Members' alliance")
    by_member.institutions.add(world["alt"], world["urumqi"])
    by_project = Alliance.objects.create(external_key="all-project", name="Projects' alliance")
    CooperationProject.objects.filter(pk=world["project"].pk).update(alliance=by_project)
    by_project.institutions.add(world["alt"])  # a member and a project: listed once
    Alliance.objects.create(external_key="all-doc", name="Documented alliance", source=source)
    hidden = Alliance.objects.create(external_key="all-hidden", name="Unpublished alliance")
    hidden.institutions.add(world["other_institution"])
    unpublished = CooperationProject.objects.create(external_key="proj-draft", name="Draft", kind="luban_workshop",
                                                    host_country=world["project"].host_country, status="proposed")
    unpublished.partner_institutions.add(world["other_institution"])
    unpublished.alliance = hidden
    unpublished.save()

    projects = queries.public_projects()
    doc = Q(source__isnull=False, is_synthetic=False)
    joined_insts = Institution.objects.filter(Q(iati_publisher__isnull=False) | Q(projects_as_partner__in=projects)
                                              | Q(projects_as_chinese__in=projects) | doc).distinct()
    joined_alliances = Alliance.objects.filter(doc | Q(institutions__in=joined_insts.values("pk"))
                                               | Q(projects__in=projects.values("pk"))).distinct()
    insts = list(queries.public_institutions().values_list("pk", flat=True))
    assert sorted(insts) == sorted(joined_insts.values_list("pk", flat=True)) and len(insts) == len(set(insts))
    assert world["other_institution"].pk not in insts
    listed = list(queries.directory_alliances().values_list("external_key", flat=True))
    assert listed == list(joined_alliances.order_by("name").values_list("external_key", flat=True))
    assert listed == ["all-doc", "all-member", "all-project"]

    everything = queries.directory_choices()
    for tab, parts in queries.DIRECTORY_CHOICES.items():
        assert queries.directory_choices(tab) == {k: everything[k] for k in parts}
