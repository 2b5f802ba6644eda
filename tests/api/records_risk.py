"""Real records for the risk router's schemathesis run: INFORM loaded and scored, a user indicator with
an observation, and alerts raised by a real severe event in Tajikistan (one for each alert action)."""

from __future__ import annotations

import pycountry

from tvetbridge.core.models import Country
from tvetbridge.risk import services
from tvetbridge.risk.models import Alert


def _all_countries() -> None:
    """INFORM covers 191 countries; the world fixture has three, so add the rest as the reference loader would."""
    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([
        Country(code=c.alpha_2, iso3=c.alpha_3, numeric=int(c.numeric), name=getattr(c, "common_name", c.name))
        for c in pycountry.countries if c.alpha_2 not in have])


def real_path_parameters(world, users) -> dict[str, dict]:
    _all_countries()
    services.load_inform()
    period = services.current_period()
    services.recompute_risk(period)
    services.create_indicator(users["admin"], {"code": "fx-volatility", "name": "Exchange-rate volatility",
                                               "min_value": 0.0, "max_value": 100.0})
    _event, raised = services.record_event(
        users["coordinator"], country="TJ", date=period.start, kind="security_incident", severity=5,
        title="Border clashes", source="https://example.org/news", affected_projects=[world["project"].pk])
    assert len(raised) >= 2, "a severity-5 event in a focus country raises at least two alerts"
    to_acknowledge, to_resolve = raised[0], raised[1]
    assert Alert.objects.filter(pk__in=[to_acknowledge.pk, to_resolve.pk], status=Alert.Status.OPEN).count() == 2
    return {
        "/api/v1/risk/countries/{code}": {"code": "TJ"},
        "/api/v1/risk/alerts/{alert_id}/acknowledge": {"alert_id": to_acknowledge.pk},
        "/api/v1/risk/alerts/{alert_id}/resolve": {"alert_id": to_resolve.pk},
    }
