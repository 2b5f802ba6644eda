"""Country profiles over time: yearly series computed from the registry, outcomes and national
statistics, each with its source and date, counts under 5 withheld, unpublished projects left out,
and the comparison view for anonymous visitors."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db


def _series(country):
    from tvetbridge.opendata import queries

    return {s.key: s for s in queries.country_series(country)}


def test_series_follow_the_published_records(published, world):
    from tvetbridge.core.models import Source
    from tvetbridge.outcomes.models import Enrolment
    from tvetbridge.registry.models import CountryStatistic

    source = Source.objects.create(key="kz-stat-2024", title="Bureau of National Statistics of Kazakhstan",
                                   published=dt.date(2024, 3, 1))
    CountryStatistic.objects.create(country=world["kz"], indicator="students", period="2023-2024", value=489000,
                                    source=source)
    s = _series(world["kz"])
    assert s["students"].points[2023].value == 489000 and "Bureau of National Statistics" in s["students"].source
    assert s["students"].as_of == "2024-03-01"
    today = dt.date.today()
    assert all(s["projects"].points[y].value == 1 for y in range(2023, min(today.year, 2027) + 1))
    assert s["projects"].points.get(2022) is None or s["projects"].points[2022].value == 0
    started = Enrolment.objects.filter(project=published["project"]).exclude(status="applied")
    total = started.values("trainee").distinct().count()
    cells = s["trainees"].points.values()
    assert sum(c.value for c in cells if c.value) + sum(4 for c in cells if c.suppressed) >= total
    assert all(c.suppressed or c.value == 0 or c.value >= 5 for c in cells)
    assert any(c.value is not None for c in s["income_gain"].points.values())
    for series in s.values():
        assert series.source and series.label


def test_employment_per_year_is_the_results_chain_count_for_each_calendar_year(published, world):
    """The series counts jobs in one grouped query; its figures are those of the results chain's
    ``period_flows`` over each year."""
    from tvetbridge.opendata import queries
    from tvetbridge.outcomes.queries import period_flows, suppress

    employed = _series(world["kz"])["employed"].points
    projects = queries.public_projects().filter(host_country=world["kz"])
    expected = {y: suppress(period_flows(projects, dt.date(y, 1, 1), dt.date(y, 12, 31))["employed"].get(None, 0))
                for y in employed}
    assert employed == expected
    assert any(c.value or c.suppressed for c in employed.values())


def test_small_and_unpublished_projects(published, world):
    from tvetbridge.core.models import Source
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.outcomes.models import Enrolment
    from tvetbridge.registry.models import CooperationProject

    hidden = CooperationProject.objects.create(external_key="proj-tj-draft", name="Unpublished", kind="luban_workshop",
                                               status="active", host_country=world["tj"],
                                               start_date=dt.date(2024, 1, 1))
    demo_outcomes.generate([hidden], seed=9, per_project=20)
    assert sum((c.value or 0) for c in _series(world["tj"])["trainees"].points.values()) == 0
    # from a published document, public; four people only: withheld
    doc = Source.objects.create(key="tj-doc", title="Memorandum (published)")
    CooperationProject.objects.filter(pk=hidden.pk).update(source=doc, is_synthetic=False)
    Enrolment.objects.filter(project=hidden).delete()
    demo_outcomes.generate([hidden], seed=9, per_project=2)
    Enrolment.objects.filter(project=hidden).update(status="completed", start_date=dt.date(2024, 2, 1))
    cell = _series(world["tj"])["trainees"].points[2024]
    assert cell.suppressed and cell.value is None


def test_pages_for_anonymous_visitors(published, world, client):
    from tvetbridge.core.models import Source
    from tvetbridge.registry.models import CountryStatistic

    source = Source.objects.create(key="kz-stat", title="Bureau of National Statistics", published=dt.date(2024, 3, 1))
    CountryStatistic.objects.create(country=world["kz"], indicator="students", period="2023", value=489000,
                                    source=source)
    listing = client.get("/ru/open-data/countries/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert 'data-country="KZ"' in body and "<svg" in body and "/ru/open-data/countries/KZ/" in body
    page = client.get("/open-data/countries/KZ/")
    text = page.content.decode()
    assert page.status_code == 200 and "Bureau of National Statistics" in text and "2024-03-01" in text
    assert 'data-series="income_gain"' in text and 'data-series="trainees"' in text
    assert client.get("/open-data/countries/XX/").status_code == 404


def test_trend_chart_leaves_gaps_for_missing_years():
    from xml.etree import ElementTree

    from tvetbridge.opendata.engine.series import line_svg

    svg = line_svg([2021, 2022, 2023, 2024, 2025], [10, 20, None, 30, 40], title="A & B")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert len(lines) == 2 and all(len(p.get("points").split()) == 2 for p in lines)
    assert root.find(f"{ns}title").text == "A & B"
    assert ElementTree.fromstring(line_svg([2024], [None], title="x")).findall(f"{ns}polyline") == []
    assert len(ElementTree.fromstring(line_svg([2024, 2025], [None, 5], title="x")).findall(f"{ns}circle")) == 1
