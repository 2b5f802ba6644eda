"""Risk pages and API as a coordinator uses them (named test_risk_views: tests/registry has test_views)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def coord_client(client, users):
    client.force_login(users["coordinator"])
    return client


def test_overview_ranks_focus_countries_with_intervals(risk_world, coord_client):
    page = coord_client.get(reverse("risk_overview")).content.decode()
    assert "Tajikistan" in page and "Kazakhstan" in page and 'id="risk-ranking"' in page
    assert page.index('data-country="TJ"') < page.index('data-country="KZ"')  # TJ riskier


def test_country_page_shows_score_and_drivers(risk_world, coord_client):
    page = coord_client.get(reverse("risk_country", args=["tj"])).content.decode()
    assert 'id="main-driver">Hazard &amp; exposure<' in page
    assert "Earthquake" in page and "Dushanbe Luban Workshop" in page


def test_anonymous_sees_the_public_summary_not_the_alerts(risk_world, client):
    # Issue 12: the risk level per country is public; alerts, events and exposed projects are not.
    response = client.get(reverse("risk_country", args=["TJ"]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="risk-value"' in page and 'id="risk-public-note"' in page
    assert 'id="risk-alerts"' not in page and "Dushanbe Luban Workshop" not in page
    response = client.get(reverse("risk_alerts"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_event_form_crossing_threshold_shows_alert(risk_world, coord_client):
    from tvetbridge.risk.models import Alert
    from tvetbridge.risk.services import today

    response = coord_client.post(reverse("risk_country_event_create", args=["TJ"]), {
        "country": "TJ", "date": today().isoformat(), "kind": "regime_change", "severity": "5",
        "title_en": "Government reshuffle", "source": "Official gazette No. 12",
        "affected_projects": [risk_world["tj_project"].pk]}, follow=True)
    page = response.content.decode()
    assert Alert.objects.filter(country_id="TJ", rule="level").exists()
    assert "reached the alert level" in page and "Government reshuffle" in page


def test_event_form_refuses_future_date(risk_world, coord_client):
    from tvetbridge.risk.models import RiskEvent

    response = coord_client.post(reverse("risk_event_create"), {
        "country": "TJ", "date": "2099-01-01", "kind": "policy_change", "severity": "2", "title_en": "x",
        "source": "y"})
    assert response.status_code == 200 and "lies in the future" in response.content.decode()
    assert not RiskEvent.objects.exists()


def test_csv_upload_is_all_or_nothing_and_names_rows(risk_world, coord_client):
    from tvetbridge.risk.models import Observation

    before = Observation.objects.count()
    bad = ("country,indicator,period,value,source_note\n"
           "TJ,inform-governance,2025,7.1,WGI\n"
           "XX,inform-governance,2025,5,WGI\n"
           "KZ,inform-governance,2025,12,WGI\n"
           "CN,inform-governance,2099,4,WGI\n")
    upload = io.BytesIO(bad.encode())
    upload.name = "obs.csv"
    page = coord_client.post(reverse("risk_observation_upload"), {"file": upload}).content.decode()
    assert "Row 3, country" in page and "Row 4, value" in page and "Row 5, period" in page
    assert Observation.objects.count() == before
    good = io.BytesIO(b"country,indicator,period,value\nTJ,inform-governance,2025,7.1\n")
    good.name = "obs.csv"
    assert coord_client.post(reverse("risk_observation_upload"), {"file": good}).status_code == 302
    assert Observation.objects.count() == before + 1


def test_single_observation_form_shows_range_error_on_field(risk_world, coord_client):
    response = coord_client.post(reverse("risk_observation_create"), {
        "country": "TJ", "indicator": "inform-governance", "period": "2025", "value": "10.5", "source_note": "x"})
    assert "outside the valid range" in response.content.decode()


def test_alert_actions_for_managers_only(risk_world, client, users):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Alert

    _e, raised = services.record_event(users["coordinator"], country="TJ", date=services.today(), kind="sanctions",
                                       severity=4, title="Sanctions", source="Gazette")
    alert = raised[0]
    client.force_login(users["institution"])
    assert client.post(reverse("risk_alert_acknowledge", args=[alert.pk])).status_code == 403
    client.force_login(users["coordinator"])
    client.post(reverse("risk_alert_acknowledge", args=[alert.pk]))
    client.post(reverse("risk_alert_resolve", args=[alert.pk]))
    assert Alert.objects.get(pk=alert.pk).status == "resolved"


def test_risk_badge_tag(risk_world):
    from django.template import Context, Template

    html = Template("{% load risk_tags %}{% risk_badge country %}").render(Context({"country": risk_world["tj"]}))
    assert "risk-badge" in html and "/risk/countries/TJ/" in html


def test_api_observations_all_or_nothing_and_events_raise_alerts(risk_world, users):
    from ninja.testing import TestClient

    from tvetbridge.risk.api import router
    from tvetbridge.risk.models import Observation
    from tvetbridge.risk.services import today

    api = TestClient(router)
    before = Observation.objects.count()
    response = api.post("/observations", json={"rows": [
        {"country": "TJ", "indicator": "inform-governance", "period": "2025", "value": 7},
        {"country": "ZZ", "indicator": "inform-governance", "period": "2025", "value": 7}]},
        user=users["coordinator"])
    assert response.status_code == 422 and "row 2: country" in response.json()["errors"]
    assert Observation.objects.count() == before
    response = api.post("/observations", json={"rows": [
        {"country": "TJ", "indicator": "inform-governance", "period": "2025", "value": 7}]}, user=users["institution"])
    assert response.status_code == 403
    response = api.post("/events", json={"country": "TJ", "date": today().isoformat(), "kind": "security_incident",
                                         "severity": 5, "title": "Clashes", "source": "Reuters"},
                        user=users["coordinator"])
    assert response.status_code == 201
    assert {"level", "event"} <= {a["rule"] for a in response.json()["alerts"]}
    score = api.get("/countries/TJ", user=users["coordinator"]).json()
    assert score["risk_class"] == "High" and score["drivers"][0]["name"] == "HAZARD & EXPOSURE"


def _vulnerability_leaves() -> list[str]:
    from tvetbridge.risk.engine.inform import INFORM_2021

    def under(name):
        try:
            return [leaf for child in INFORM_2021.node(name).children for leaf in under(child)]
        except ValueError:
            return [name]
    return under("VULNERABILITY")


def test_a_country_missing_a_whole_dimension_is_flagged_incomplete(risk_world, coord_client):
    # Issue #19 part 4: the score stays (from the other dimensions), flagged on every page showing it.
    from tvetbridge.risk import services
    from tvetbridge.risk.models import CountryRiskScore, Observation

    Observation.objects.filter(country_id="TJ", indicator__inform_name__in=_vulnerability_leaves()).delete()
    services.recompute_risk(services.current_period())
    tj = CountryRiskScore.objects.filter(country_id="TJ").order_by("-period").first()
    kz = CountryRiskScore.objects.filter(country_id="KZ").order_by("-period").first()
    assert tj.vulnerability is None and tj.score is not None and tj.missing_dimensions == ["VULNERABILITY"]
    assert kz.missing_dimensions == []
    page = coord_client.get(reverse("risk_country", args=["TJ"])).content.decode()
    assert 'id="risk-incomplete"' in page and "No data for Vulnerability" in page
    assert 'id="risk-incomplete"' not in coord_client.get(reverse("risk_country", args=["KZ"])).content.decode()
    overview = coord_client.get(reverse("risk_overview")).content.decode()
    row = overview[overview.index('data-country="TJ"'):]
    assert "incomplete" in row[:row.index("</tr>")]
    row = overview[overview.index('data-country="KZ"'):]
    assert "incomplete" not in row[:row.index("</tr>")]


@pytest.mark.parametrize("value, text", [(-0.04, "0.0"), (-0.0, "0.0"), (-1e-15, "0.0"), (0.05, "0.1"),
                                         (-0.05, "-0.1"), (7.25, "7.2"), (None, "—"), (float("nan"), "—")])
def test_levels_never_read_minus_zero(value, text):
    from tvetbridge.risk.labels import level_text

    assert level_text(value) == text
