"""Risk pages: overview, country risk, indicators, observations (form and CSV), events and alerts.

Thin: reads from ``queries``, writes through ``services``; the same rules decide what a user may do.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import show_service_errors
from tvetbridge.core.models import Country

from . import queries, services, signals
from .forms import AlertActionForm, EventForm, IndicatorForm, ObservationForm, ObservationUploadForm
from .models import Alert, Indicator, Observation, RiskEvent


def overview(request):
    # Everyone reaches the risk level per country (a public summary built on public INFORM data);
    # alerts, events and the projects exposed are for members only.
    if not request.user.has_perm("risk.view_risk"):
        return render(request, "risk/overview.html", {**queries.public_overview(), "public": True})
    return render(request, "risk/overview.html", {**queries.overview(),
                                                  "can_add_event": request.user.has_perm("risk.add_riskevent")})


def country(request, code: str):
    obj = get_object_or_404(Country, code=code.upper())
    if not request.user.has_perm("risk.view_risk"):
        return render(request, "risk/country.html", {**queries.public_country_detail(obj), "country": obj,
                                                     "public": True})
    context = {**queries.country_detail(obj), "country": obj,
               "can_add_event": request.user.has_perm("risk.add_riskevent"),
               "can_handle": request.user.has_perm("risk.acknowledge_alert"),
               "panels": signals.country_panels(request, obj)}
    return render(request, "risk/country.html", context)


def event_create(request, code: str | None = None):
    if (resp := _need(request, "risk.add_riskevent")) is not None:
        return resp
    country_obj = get_object_or_404(Country, code=code.upper()) if code else None
    form = EventForm(request.POST or None, country=country_obj)
    if request.method == "POST" and form.is_valid():
        try:
            event, raised = services.record_event(request.user, **form.service_kwargs())
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Event recorded."))
            for alert in raised:
                messages.warning(request, services.alert_summary(alert))
            return redirect("risk_country", code=event.country_id)
    return render(request, "risk/form.html", {"form": form, "title": _("Record a risk event"),
                                              "cancel_url": reverse("risk_overview")})


def indicator_list(request):
    if (resp := _need(request, "risk.view_indicator")) is not None:
        return resp
    return render(request, "risk/indicators.html", {
        "indicators": queries.indicators(), "can_add": request.user.has_perm("risk.add_indicator"),
        "can_add_obs": request.user.has_perm("risk.add_observation")})


def indicator_create(request):
    if (resp := _need(request, "risk.add_indicator")) is not None:
        return resp
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_indicator(request.user, {k: v for k, v in form.cleaned_data.items()})
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Indicator created."))
            return redirect("risk_indicators")
    return render(request, "risk/form.html", {"form": form, "title": _("New risk indicator"),
                                              "cancel_url": reverse("risk_indicators")})


def observation_create(request):
    if (resp := _need(request, "risk.add_observation")) is not None:
        return resp
    form = ObservationForm(request.POST or None, initial={"indicator": request.GET.get("indicator")})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_observations(request.user, form.rows())
        except ValidationError as exc:
            # One row: show each message on its field rather than "row 1: ..."
            for key, errors in exc.message_dict.items():
                field = key.split(": ", 1)[-1]
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Observation recorded."))
            return redirect("risk_indicators")
    return render(request, "risk/form.html", {"form": form, "title": _("Record an observation"),
                                              "cancel_url": reverse("risk_indicators")})


def observation_upload(request):
    if (resp := _need(request, "risk.add_observation")) is not None:
        return resp
    form = ObservationUploadForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            # Row 1 is the header line, so data rows are numbered as in a spreadsheet.
            saved = services.add_observations(request.user, form.csv_rows, first_row=2)
        except ValidationError as exc:
            row_errors = [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") \
                else exc.messages
        else:
            messages.success(request, _("%(count)s observations recorded.") % {"count": len(saved)})
            return redirect("risk_indicators")
    return render(request, "risk/upload.html", {"form": form, "row_errors": row_errors})


def alert_list(request):
    if (resp := _need(request, "risk.view_alert")) is not None:
        return resp
    status = request.GET.get("status") or ""
    if status not in Alert.Status.values:
        status = ""
    rows = list(queries.alerts(status or None, request.GET.get("country") or None)[:200])
    for alert in rows:
        alert.summary = services.alert_summary(alert)
    return render(request, "risk/alerts.html", {
        "alerts": rows, "status": status, "statuses": Alert.Status.choices,
        "can_handle": request.user.has_perm("risk.acknowledge_alert")})


@require_POST
def alert_action(request, pk: int, action: str):
    alert = get_object_or_404(Alert, pk=pk)
    if (resp := _need(request, f"risk.{action}_alert", alert)) is not None:
        return resp
    form = AlertActionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "acknowledge":
            services.acknowledge_alert(request.user, alert, note=note)
            messages.success(request, _("Alert acknowledged."))
        else:
            services.resolve_alert(request.user, alert, note=note)
            messages.success(request, _("Alert resolved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect("risk_alerts")


__all__ = ["overview", "country", "event_create", "indicator_list", "indicator_create", "observation_create",
           "observation_upload", "alert_list", "alert_action", "Indicator", "Observation", "RiskEvent"]
