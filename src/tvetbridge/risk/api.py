"""The risk REST router (mount with ``api.add_router("/risk", risk_router)``).

Reads: scores with intervals and drivers, indicators, observations, events, alerts. Writes go
through ``risk.services``: observations are all-or-nothing (one bad row → 422 naming every bad
row and field, nothing written); events recompute the scores and return the alerts they raised.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Router, Schema, Status

from tvetbridge.core.api import AUTH, AUTH_ERRORS, ErrorOut, Id, ValidationErrorOut, request_language, text

from . import queries, services
from .labels import class_label, inform_label
from .models import Alert, Indicator, Observation, RiskEvent

router = Router(auth=AUTH, tags=["risk"])
WRITE = {**AUTH_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
# Finite numbers only: JSON parsers accept NaN and Infinity, which no range check or chart can use.
Number = Annotated[float, Field(allow_inf_nan=False)]
EventKind = Literal[tuple(RiskEvent.Kind.values)]
AlertStatus = Literal[tuple(Alert.Status.values)]


def _fail(exc: Exception):
    if isinstance(exc, PermissionDenied):
        return Status(403, {"detail": str(exc) or "forbidden"})
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return Status(422, {"detail": "The request is not valid.", "errors": errors})


def _check(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied("You may not do this.")


class DriverOut(Schema):
    name: str
    label: str
    value: float


class ScoreOut(Schema):
    country: str
    country_name: str
    period: str
    score: float | None
    score_low: float | None
    score_high: float | None
    risk_class: str
    risk_class_label: str
    rank: float | None
    rank_low: float | None
    rank_high: float | None
    n_countries: int
    base_score: float | None
    event_uplift: float
    inform_risk: float | None
    inform_class: str
    hazard: float | None
    vulnerability: float | None
    coping: float | None
    driver: str
    driver_label: str
    drivers: list[DriverOut]


def _score_out(s) -> dict:
    return {"country": s.country_id, "country_name": s.country.name, "period": s.period, "score": s.score,
            "score_low": s.score_low, "score_high": s.score_high, "risk_class": s.risk_class,
            "risk_class_label": class_label(s.risk_class), "rank": s.rank, "rank_low": s.rank_low,
            "rank_high": s.rank_high, "n_countries": s.n_countries, "base_score": s.base_score,
            "event_uplift": s.event_uplift, "inform_risk": s.inform_risk, "inform_class": s.inform_class,
            "hazard": s.hazard, "vulnerability": s.vulnerability, "coping": s.coping, "driver": s.driver,
            "driver_label": inform_label(s.driver) if s.driver else "",
            "drivers": [{"name": d["name"], "label": inform_label(d["name"]), "value": d["value"]}
                        for d in s.driver_detail or []]}


@router.get("/countries", response={200: list[ScoreOut], **AUTH_ERRORS}, summary="Country risk scores")
def list_scores(request, period: text(7) | None = None, focus: bool = True):
    _check(request, "risk.view_risk")
    p = period or queries.latest_period() or ""
    with translation.override(request_language(request)):
        rows = queries.scores_table(p)
        if focus:
            rows = [s for s in rows if s.country.is_focus]
        return [_score_out(s) for s in rows]


@router.get("/countries/{code}", response={200: ScoreOut, **AUTH_ERRORS, 404: ErrorOut}, summary="One country's risk")
def get_score(request, code: text(3), period: text(7) | None = None):
    _check(request, "risk.view_risk")
    p = period or queries.latest_period() or ""
    with translation.override(request_language(request)):
        rows = queries.scores_table(p, codes=[code.upper()])
        if not rows:
            return Status(404, {"detail": "No risk score for this country and period."})
        return _score_out(rows[0])


class IndicatorIn(Schema):
    code: text(80, 1)
    name_en: text(200) = ""
    name_zh_hans: text(200) = ""
    name_ru: text(200) = ""
    name_kk: text(200) = ""
    unit: text(40) = ""
    min_value: Number | None = None
    max_value: Number | None = None
    direction: Literal[1, -1] = Field(1, description="1: higher value = more risk; -1: higher value = less risk.")
    description: text(2000) = ""


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    min_value: float | None
    max_value: float | None
    direction: int
    is_reference: bool


@router.get("/indicators", response={200: list[IndicatorOut], **AUTH_ERRORS})
def list_indicators(request):
    _check(request, "risk.view_indicator")
    with translation.override(request_language(request)):
        return [IndicatorOut.from_orm(i).dict() for i in Indicator.objects.all()]


@router.post("/indicators", response={201: IndicatorOut, **WRITE})
def create_indicator(request, payload: IndicatorIn):
    data = payload.dict()
    data["name"] = next((data[k] for k in ("name_en", "name_ru", "name_zh_hans", "name_kk") if data[k]), "")
    try:
        ind = services.create_indicator(request.user, data)
    except (ValidationError, PermissionDenied) as exc:
        return _fail(exc)
    return Status(201, ind)


class ObservationRow(Schema):
    country: text(3)
    indicator: text(80)
    period: text(9)
    value: Number | text(40) | None
    source: text(80) = ""
    source_note: text(300) = ""


class ObservationsIn(Schema):
    rows: list[ObservationRow] = Field(..., max_length=10_000)


class ObservationOut(Schema):
    country: str = Field(alias="country_id")
    indicator: str = Field(alias="indicator.code")
    period: str
    value: float


@router.get("/observations", response={200: list[ObservationOut], **AUTH_ERRORS})
def list_observations(request, country: text(3) | None = None, indicator: text(80) | None = None):
    _check(request, "risk.view_observation")
    qs = Observation.objects.select_related("indicator").order_by("country_id", "indicator__code", "period_start")
    if country:
        qs = qs.filter(country_id=country.upper())
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    return list(qs[:5000])


class ObservationsResult(Schema):
    saved: int


@router.post("/observations", response={201: ObservationsResult, **WRITE},
             summary="Record observations (all or nothing)")
def add_observations(request, payload: ObservationsIn):
    try:
        saved = services.add_observations(request.user, [r.dict() for r in payload.rows])
    except (ValidationError, PermissionDenied) as exc:
        return _fail(exc)
    return Status(201, {"saved": len(saved)})


class EventIn(Schema):
    country: text(3)
    date: dt.date
    kind: EventKind
    severity: int = Field(..., ge=1, le=5)
    title: text(200, 1)
    source: text(300, 1)
    description: text(5000) = ""
    affected_projects: list[Id] = Field([], max_length=200)


class AlertOut(Schema):
    id: int
    country: str
    period: str
    rule: str
    driver: str
    score: float | None
    status: str
    summary: str
    evidence: dict
    projects: list[int]
    created: dt.datetime


def _alert_out(a: Alert) -> dict:
    return {"id": a.pk, "country": a.country_id, "period": a.period, "rule": a.rule, "driver": a.driver,
            "score": a.score, "status": a.status, "summary": services.alert_summary(a), "evidence": a.evidence,
            "projects": [p.pk for p in a.projects.all()], "created": a.created}


class EventOut(Schema):
    id: int
    country: str
    date: dt.date
    kind: str
    severity: int
    title: str
    source: str
    alerts: list[AlertOut] = []


@router.get("/events", response={200: list[EventOut], **AUTH_ERRORS})
def list_events(request, country: text(3) | None = None):
    _check(request, "risk.view_riskevent")
    qs = RiskEvent.objects.all()
    if country:
        qs = qs.filter(country_id=country.upper())
    with translation.override(request_language(request)):
        return [{"id": e.pk, "country": e.country_id, "date": e.date, "kind": e.kind, "severity": e.severity,
                 "title": e.title, "source": e.source} for e in qs[:500]]


@router.post("/events", response={201: EventOut, **WRITE}, summary="Record a risk event; returns alerts raised")
def create_event(request, payload: EventIn):
    try:
        event, raised = services.record_event(request.user, **payload.dict())
    except (ValidationError, PermissionDenied) as exc:
        return _fail(exc)
    with translation.override(request_language(request)):
        return Status(201, {"id": event.pk, "country": event.country_id, "date": event.date, "kind": event.kind,
                            "severity": event.severity, "title": event.title, "source": event.source,
                            "alerts": [_alert_out(a) for a in raised]})


@router.get("/alerts", response={200: list[AlertOut], **AUTH_ERRORS})
def list_alerts(request, status: AlertStatus | None = None, country: text(3) | None = None):
    _check(request, "risk.view_alert")
    with translation.override(request_language(request)):
        return [_alert_out(a) for a in queries.alerts(status, country)[:500]]


class NoteIn(Schema):
    note: text(1000) = ""


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertOut, **WRITE})
def acknowledge(request, alert_id: Id, payload: NoteIn | None = None):
    alert = get_object_or_404(Alert, pk=alert_id)
    try:
        services.acknowledge_alert(request.user, alert, note=payload.note if payload else "")
    except (ValidationError, PermissionDenied) as exc:
        return _fail(exc)
    return Status(200, _alert_out(alert))


@router.post("/alerts/{alert_id}/resolve", response={200: AlertOut, **WRITE})
def resolve(request, alert_id: Id, payload: NoteIn | None = None):
    alert = get_object_or_404(Alert, pk=alert_id)
    try:
        services.resolve_alert(request.user, alert, note=payload.note if payload else "")
    except (ValidationError, PermissionDenied) as exc:
        return _fail(exc)
    return Status(200, _alert_out(alert))
