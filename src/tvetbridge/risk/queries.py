"""Read paths of the risk app for pages, API, reports and other apps' pages.

For other apps: ``country_risk_summary(country)`` (country pages, the ``{% risk_badge %}`` tag) and
``project_risk(project)`` (project pages, reverse-initiation proposals).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from tvetbridge.core.models import Country
from tvetbridge.registry.models import CooperationProject

from .engine.periods import Period
from .labels import CLASS_CSS, class_label, inform_label
from .models import Alert, CountryRiskScore, Indicator, Observation, RiskEvent

CLOSED_PROJECT_STATUSES = (CooperationProject.Status.COMPLETED, CooperationProject.Status.CANCELLED)


def today() -> dt.date:
    return timezone.localdate()


def current_period() -> Period:
    return Period.quarter_of(today())


def exposed_projects(country_code: str):
    return (CooperationProject.objects.filter(host_country_id=country_code)
            .exclude(status__in=CLOSED_PROJECT_STATUSES))


def latest_period() -> str | None:
    """The most recent quarter with computed scores (normally the current one)."""
    return (CountryRiskScore.objects.order_by("-period").values_list("period", flat=True).first())


def _decorate(score: CountryRiskScore | None) -> CountryRiskScore | None:
    if score is None:
        return None
    score.class_label = class_label(score.risk_class)
    score.inform_class_label = class_label(score.inform_class)
    score.css = CLASS_CSS.get(score.risk_class, "none")
    score.driver_label = inform_label(score.driver) if score.driver else ""
    score.driver_path = [{"name": d["name"], "label": inform_label(d["name"]), "value": d["value"]}
                         for d in (score.driver_detail or [])]
    score.missing_labels = ", ".join(inform_label(d) for d in score.missing_dimensions)
    return score


def country_risk_summary(country: Country | str, period: str | None = None) -> dict | None:
    """Score, class, interval, driver and open alerts of one country; None when nothing is computed."""
    code = getattr(country, "code", country)
    period = period or latest_period()
    if period is None:
        return None
    score = _decorate(CountryRiskScore.objects.filter(country_id=code, period=period).first())
    if score is None:
        return None
    return {"score": score, "period": period,
            "open_alerts": Alert.objects.filter(country_id=code).exclude(status=Alert.Status.RESOLVED).count()}


def project_risk(project) -> dict | None:
    """The host country's risk for a project page, plus open alerts and events naming the project."""
    summary = country_risk_summary(project.host_country_id)
    if summary is None:
        return None
    summary["project_alerts"] = list(Alert.objects.filter(projects=project).exclude(status=Alert.Status.RESOLVED)
                                     .select_related("country")[:10])
    summary["project_events"] = list(RiskEvent.objects.filter(affected_projects=project)[:10])
    return summary


def overview(period: str | None = None) -> dict:
    """Focus countries ranked by cooperation risk, with intervals."""
    period = period or latest_period()
    scores = [_decorate(s) for s in CountryRiskScore.objects.filter(period=period or "", country__is_focus=True)
              .select_related("country").order_by("-score")]
    open_alerts = dict(Alert.objects.exclude(status=Alert.Status.RESOLVED).values("country_id")
                       .annotate(n=Count("pk")).values_list("country_id", "n"))
    for s in scores:
        s.open_alerts = open_alerts.get(s.country_id, 0)
    return {"period": period, "scores": scores,
            "n_countries": scores[0].n_countries if scores else 0,
            "alerts": list(Alert.objects.exclude(status=Alert.Status.RESOLVED).select_related("country")[:20])}


def public_overview(period: str | None = None) -> dict:
    """What the public sees: each focus country's level, score and interval; no alerts or events."""
    period = period or latest_period()
    scores = [_decorate(s) for s in CountryRiskScore.objects.filter(period=period or "", country__is_focus=True)
              .select_related("country").order_by("-score")]
    return {"period": period, "scores": scores, "n_countries": scores[0].n_countries if scores else 0}


def public_country_detail(country: Country) -> dict:
    period = latest_period()
    return {"period": period,
            "score": _decorate(CountryRiskScore.objects.filter(country=country, period=period or "").first()),
            "trend": [_decorate(s) for s in CountryRiskScore.objects.filter(country=country).order_by("period")]}


def country_detail(country: Country) -> dict:
    period = latest_period()
    score = _decorate(CountryRiskScore.objects.filter(country=country, period=period or "").first())
    trend = [_decorate(s) for s in CountryRiskScore.objects.filter(country=country).order_by("period")]
    return {
        "period": period,
        "score": score,
        "trend": trend,
        "events": list(RiskEvent.objects.filter(country=country).prefetch_related("affected_projects")[:50]),
        "alerts": list(Alert.objects.filter(country=country).select_related("event", "acknowledged_by",
                                                                               "resolved_by")
                       .prefetch_related("projects")[:50]),
        "projects": list(exposed_projects(country.code).order_by("name")[:100]),
        "projects_total": exposed_projects(country.code).count(),
        "observations": list(Observation.objects.filter(country=country, indicator__is_reference=False)
                             .select_related("indicator", "source").order_by("indicator__code", "-period_start")[:100]),
    }


def alerts(status: str | None = None, country: str | None = None):
    qs = Alert.objects.select_related("country", "event", "acknowledged_by", "resolved_by").prefetch_related("projects")
    if status:
        qs = qs.filter(status=status)
    if country:
        qs = qs.filter(country_id=country.upper())
    return qs


def indicators():
    return Indicator.objects.select_related("source").annotate(n_obs=Count("observations"),
                                                               n_countries=Count("observations__country",
                                                                                 distinct=True))


def scores_table(period: str, *, codes: list[str] | None = None) -> list[CountryRiskScore]:
    qs = CountryRiskScore.objects.filter(period=period).select_related("country").order_by("-score")
    if codes is not None:
        qs = qs.filter(country_id__in=codes)
    return [_decorate(s) for s in qs]


def events_in(period: Period, codes: list[str]) -> list[RiskEvent]:
    return list(RiskEvent.objects.filter(country_id__in=codes, date__gte=period.start, date__lte=period.end)
                .select_related("country").order_by("date", "pk"))


def alerts_in(period: Period, codes: list[str]) -> list[Alert]:
    names = [str(q) for q in period.quarters()]
    return list(Alert.objects.filter(country_id__in=codes, period__in=names).select_related("country")
                .order_by("created", "pk"))


def trend(codes: list[str], until: Period, n: int = 8) -> list[CountryRiskScore]:
    quarters = [until.last_quarter()]
    for _i in range(n - 1):
        quarters.insert(0, quarters[0].previous())
    return list(CountryRiskScore.objects.filter(country_id__in=codes, period__in=[str(q) for q in quarters])
                .select_related("country").order_by("period", "country_id"))


def live_projects_count(code: str) -> int:
    return exposed_projects(code).count()


__all__ = ["country_risk_summary", "project_risk", "overview", "country_detail", "alerts", "indicators",
           "scores_table", "events_in", "alerts_in", "trend", "latest_period", "current_period", "Q",
           "CLOSED_PROJECT_STATUSES", "live_projects_count"]
