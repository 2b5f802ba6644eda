"""Governance's part of other apps' pages, through the hooks they offer (risk sits below governance)."""

from __future__ import annotations

import datetime as dt

from . import queries


def country_risk_panel(sender, *, request, country, **kwargs):
    """On a country's risk page: for the projects the country hosts or its open alerts name, the
    agreements and continuity clauses that protect them, the ones left without protection, and the
    exit plans of operations abroad there."""
    user = request.user
    if not user.has_perm("governance.view_governance"):
        return None
    from tvetbridge.risk.models import Alert

    alerts = list(Alert.objects.filter(country=country).exclude(status=Alert.Status.RESOLVED)
                  .prefetch_related("projects"))
    alert_projects = {p.pk for a in alerts for p in a.projects.all()}
    rows = queries.country_protection(country.code, dt.date.today(), user, alert_projects)
    return {"template": "governance/_risk_panel.html", "protection_rows": rows,
            "unprotected": [r for r in rows if not r.protected], "latest_alert": alerts[0] if alerts else None,
            "can_trigger": user.has_perm("governance.view_coverage")}


def connect() -> None:
    from tvetbridge.risk.signals import country_page

    country_page.connect(country_risk_panel, dispatch_uid="governance-country-risk-panel")
