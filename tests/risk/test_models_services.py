"""Risk data and services: INFORM reference data, validated observations, events that raise alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def test_loading_inform_creates_observations_for_191_countries(all_countries):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Indicator, Observation

    first = services.load_inform()
    assert first.countries == 191
    assert Observation.objects.values("country").distinct().count() == 191
    governance = Indicator.objects.get(inform_name="Governance")
    assert Observation.objects.get(country_id="TJ", indicator=governance, period="2021").value == 7.3
    assert Observation.objects.get(country_id="TJ", indicator__inform_name="INFORM RISK").value == 4.5
    n = Observation.objects.count()
    second = services.load_inform()  # idempotent: nothing created or changed
    assert (second.created, second.updated, second.unchanged) == (0, 0, n)
    assert Observation.objects.count() == n


def test_scores_reproduce_inform_and_name_the_driver(risk_world):
    from tvetbridge.risk.models import CountryRiskScore
    from tvetbridge.risk.services import current_period

    tj = CountryRiskScore.objects.get(country_id="TJ", period=str(current_period()))
    assert tj.inform_risk == 4.5 and tj.inform_class == "Medium"  # the published values
    assert tj.driver == "HAZARD & EXPOSURE"
    assert [d["name"] for d in tj.driver_detail][:2] == ["HAZARD & EXPOSURE", "Natural"]
    assert tj.score_low <= tj.score <= tj.score_high
    assert tj.rank_low <= tj.rank <= tj.rank_high and tj.n_countries == 191


@pytest.fixture
def coordinator(make_user):
    user = make_user("coordinator", username="coord-mail")
    user.email = "coord@example.org"
    user.save()
    return user


def _rows(**override):
    row = {"country": "TJ", "indicator": "inform-governance", "period": "2025", "value": "7.1",
           "source_note": "WGI 2025"}
    row.update(override)
    return row


@pytest.mark.parametrize("bad, field, words", [
    ({"country": "XX"}, "country", "unknown country"),
    ({"value": "11.5"}, "value", "outside the valid range"),
    ({"value": "abc"}, "value", "not a number"),
    ({"period": "2099-Q1"}, "period", "future"),
    ({"period": "spring"}, "period", "not a period"),
    ({"indicator": "nope"}, "indicator", "unknown indicator"),
])
def test_bad_observation_names_row_and_field_and_writes_nothing(risk_world, coordinator, bad, field, words):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Observation

    before = Observation.objects.count()
    rows = [_rows(), _rows(country="KZ"), _rows(country="CN", **bad) if "country" not in bad else _rows(**bad)]
    with pytest.raises(ValidationError) as info:
        services.add_observations(coordinator, rows)
    errors = info.value.message_dict
    assert list(errors) == [f"row 3: {field}"]
    assert words in errors[f"row 3: {field}"][0] and "Row 3" in errors[f"row 3: {field}"][0]
    assert Observation.objects.count() == before  # the two good rows were not written either


def test_good_observations_are_saved_and_replace_same_period(risk_world, coordinator):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Observation

    services.add_observations(coordinator, [_rows(), _rows(country="KZ", value="5")])
    services.add_observations(coordinator, [_rows(value="7.4")])
    assert Observation.objects.get(country_id="TJ", indicator__code="inform-governance", period="2025").value == 7.4


def test_only_managers_add_observations(risk_world, users):
    from tvetbridge.risk import services

    with pytest.raises(PermissionDenied):
        services.add_observations(users["institution"], [_rows()])


def test_event_crossing_threshold_raises_alerts_once_and_mails_coordinators(
        risk_world, coordinator, django_capture_on_commit_callbacks):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Alert, CountryRiskScore

    period = str(services.current_period())
    before = CountryRiskScore.objects.get(country_id="TJ", period=period)
    assert before.score < 5.0 and before.risk_class == "Medium"
    Alert.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        event, raised = services.record_event(
            coordinator, country="TJ", date=services.today(), kind="security_incident", severity=5,
            title="Border clashes", source="Reuters, 2026-11-20", affected_projects=[risk_world["tj_project"]])
    after = CountryRiskScore.objects.get(country_id="TJ", period=period)
    assert after.score == pytest.approx(before.score + 1.25, abs=1e-3) and after.risk_class == "High"
    rules = {a.rule for a in raised}
    assert {"level", "transition", "change", "event"} <= rules
    level = next(a for a in raised if a.rule == "level")
    assert level.country_id == "TJ" and level.evidence["crossed"] is True and level.evidence["threshold"] == 5.0
    assert level.evidence["score_before"] == pytest.approx(before.score, abs=0.01)
    assert level.driver and list(level.projects.values_list("name", flat=True)) == ["Dushanbe Luban Workshop"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["coord@example.org"]
    assert "Tajikistan" in mail.outbox[0].body and "Dushanbe Luban Workshop" in mail.outbox[0].body

    n = Alert.objects.count()
    assert services.recompute_risk(period) == []  # deduplicated
    assert Alert.objects.count() == n


def test_future_event_or_unknown_country_is_refused(risk_world, coordinator):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import RiskEvent

    with pytest.raises(ValidationError) as info:
        services.record_event(coordinator, country="TJ", date=services.today() + dt.timedelta(days=3),
                              kind="policy_change", severity=2, title="x", source="y")
    assert "date" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.record_event(coordinator, country="QQ", date=services.today(), kind="policy_change", severity=2,
                              title="x", source="y")
    assert "country" in info.value.message_dict
    assert not RiskEvent.objects.exists()


def test_acknowledge_and_resolve_are_for_managers(risk_world, coordinator, users):
    from tvetbridge.risk import services

    _event, raised = services.record_event(coordinator, country="TJ", date=services.today(), kind="sanctions",
                                           severity=4, title="Sanctions", source="Official gazette")
    alert = raised[0]
    for role in ("institution", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.acknowledge_alert(users[role], alert)
        with pytest.raises(PermissionDenied):
            services.resolve_alert(users[role], alert)
    services.acknowledge_alert(coordinator, alert, note="Looking into it")
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == coordinator
    with pytest.raises(ValidationError):
        services.acknowledge_alert(coordinator, alert)
    services.resolve_alert(users["admin"], alert)
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == users["admin"]


def test_events_fade_with_time(risk_world, coordinator):
    from tvetbridge.risk.engine.cooperation import event_uplift

    assert event_uplift([0], [5]) == pytest.approx(1.25)
    assert event_uplift([90], [5]) == pytest.approx(0.625)
    assert event_uplift([400], [5]) == 0.0
    assert event_uplift([0, 0, 0], [5, 5, 5]) == 3.0  # capped


def test_load_reference_risk_is_idempotent(all_countries):
    from tvetbridge.risk import services
    from tvetbridge.risk.models import Alert, CountryRiskScore

    first = services.load_reference_risk(quarters=2)
    n_scores, n_alerts = CountryRiskScore.objects.count(), Alert.objects.count()
    assert n_scores == 2 * 191
    second = services.load_reference_risk(quarters=2)
    assert second["alerts"] == 0 and Alert.objects.count() == n_alerts == first["alerts"]
