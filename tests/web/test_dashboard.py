"""Public pages: home aggregates and country dashboards with sources, a map and charts."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tvetbridge.core.models import FieldOfStudy, Region, Source
from tvetbridge.registry.models import CooperationProject, CountryStatistic, Institution, Programme


@pytest.fixture
def kz_figures(world):
    source = Source.objects.create(key="kz-stat", title="TVET statistics of Kazakhstan",
                                   publisher="Ministry of Enlightenment", locator="Table 2",
                                   published=datetime.date(2025, 9, 1))
    CountryStatistic.objects.create(country=world["kz"], indicator="institutions", period="2025-2026", value=706,
                                    source=source)
    CountryStatistic.objects.create(country=world["kz"], indicator="students", period="2025-2026", value=562000,
                                    source=source)
    CountryStatistic.objects.create(country=world["kz"], indicator="students", period="2020-2021", value=480000,
                                    source=source)
    Region.objects.filter(pk=world["almaty"].pk).update(latitude=43.25, longitude=76.95)
    world["project"].fields.add(world["logistics"])
    return source


def test_home_is_public_and_shows_only_aggregates(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kazakhstan" in page and reverse("country_dashboard", args=["KZ"]) in page
    assert "ALT University" not in page  # no record-level data for the public
    assert response.context["totals"]["institutions"] == 3


def test_country_list_is_public(client, world):
    page = client.get(reverse("country_list")).content.decode()
    assert "Kazakhstan" in page and "China" in page


def test_dashboard_shows_figures_with_their_sources(client, kz_figures, world):
    response = client.get(reverse("country_dashboard", args=["KZ"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "TVET statistics of Kazakhstan" in page and "Table 2" in page and "Ministry of Enlightenment" in page
    assert "562,000" in page and "480,000" not in page  # only the latest period per indicator
    assert 'href="#source-1"' in page


def test_dashboard_separates_real_and_synthetic(client, kz_figures, world):
    Institution.objects.create(external_key="syn-1", name="Synthetic College 1", kind="college",
                               country=world["kz"], region=world["almaty"], is_synthetic=True)
    context = client.get(reverse("country_dashboard", args=["kz"])).context
    assert context["institutions"] == {"real": 2, "synthetic": 1}
    assert context["programmes"]["real"] == 1 and context["programmes"]["graduates_real"] == 50
    assert [(r["kind"], r["real"], r["synthetic"]) for r in context["projects_by_kind"]] == [("luban_workshop", 1, 0)]
    assert [(f.code, f.total) for f in context["projects_by_field"]] == [("104", 1)]


def test_dashboard_map_is_inline_svg_with_points(client, kz_figures):
    cache.clear()
    page = client.get(reverse("country_dashboard", args=["KZ"])).content.decode()
    start = page.index('id="country-map"')
    assert "<svg" in page[start:start + 400]
    assert page.count("<svg") >= 3  # map + two bar charts
    assert "Luban Workshop" in page


def test_dashboard_map_is_cached_until_data_changes(client, kz_figures, world, monkeypatch):
    cache.clear()
    from tvetbridge.web import charts

    calls = []
    real = charts.country_map_svg
    monkeypatch.setattr(charts, "country_map_svg", lambda **kw: calls.append(kw) or real(**kw))
    url = reverse("country_dashboard", args=["KZ"])
    client.get(url)
    client.get(url)
    assert len(calls) == 1
    Institution.objects.create(external_key="new-1", name="New", kind="college", country=world["kz"],
                               region=world["almaty"])
    client.get(url)
    assert len(calls) == 2
    assert calls[-1]["points"][0]["institutions"] == 3
    with translation.override("ru"):
        client.get(reverse("country_dashboard", args=["KZ"]))
    assert len(calls) == 3  # labels differ per language


def test_dashboard_query_count_does_not_grow_with_registry_size(client, kz_figures, world,
                                                                django_assert_max_num_queries):
    """Aggregates run in the database: a bigger registry must not mean more queries."""
    url = reverse("country_dashboard", args=["KZ"])
    client.get(url)
    cache.clear()  # both measurements render the charts afresh
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    field = FieldOfStudy.objects.get(code="104")
    institutions = Institution.objects.bulk_create([
        Institution(external_key=f"syn-{i}", name=f"College {i}", name_en=f"College {i}", kind="college",
                    country=world["kz"], region=world["almaty"], is_synthetic=True) for i in range(120)])
    Programme.objects.bulk_create([
        Programme(external_key=f"sp-{i}", institution=institutions[i % 120], name_en=f"P{i}", field=field,
                  isced_level=4, duration_months=12, intake_capacity=30, expected_graduates=20, is_synthetic=True)
        for i in range(600)])
    projects = CooperationProject.objects.bulk_create([
        CooperationProject(external_key=f"sj-{i}", name_en=f"Project {i}", kind="order_class", host_country=world["kz"],
                           host_region=world["almaty"], is_synthetic=True) for i in range(40)])
    CooperationProject.fields.through.objects.bulk_create([
        CooperationProject.fields.through(cooperationproject_id=p.pk, fieldofstudy_id="104") for p in projects])
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.context["institutions"]["synthetic"] == 120
    assert response.context["programmes"]["graduates_synthetic"] == 12000
    assert len(large.captured_queries) == len(small.captured_queries)


def test_unknown_country_is_404(client, world):
    assert client.get(reverse("country_dashboard", args=["ZZ"])).status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru", "kk"])
def test_pages_render_in_every_language(client, kz_figures, language):
    with translation.override(language):
        urls = [reverse("home"), reverse("country_list"), reverse("country_dashboard", args=["KZ"]), reverse("login")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}"' in response.content.decode()


@pytest.mark.parametrize("path", ["/zh-hans/countries/KZ/", "/zh-hans/institutions/?country=KZ"])
def test_language_switch_from_a_prefixed_page(client, users, path):
    client.force_login(users["coordinator"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get(path).content.decode()
    neutral = path.replace("/zh-hans", "", 1)
    assert f'name="next" type="hidden" value="{neutral}"' in page.replace("&amp;", "&")
    response = client.post("/i18n/setlang/", {"language": "ru", "next": neutral})
    assert response["Location"] == "/ru" + neutral
