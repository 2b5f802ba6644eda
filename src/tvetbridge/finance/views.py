"""Finance pages: funds (terms, balances, statements) and the fund designer.

Thin: reads through ``queries``, writes through ``services``; the rules in ``rules.py`` decide access.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import show_service_errors
from tvetbridge.registry.models import CooperationProject

from . import charts, queries, services, statements
from .forms import (
    ASSUMPTION_LABELS,
    AttachDesignForm,
    CompareForm,
    DesignerForm,
    FlowForm,
    FundForm,
    SaveDesignForm,
    StatementForm,
    initial_from_spec,
    instrument_form_class,
)
from .models import INSTRUMENT_MODELS, Fund, FundDesign, SimulationRun


def _for_display(result: dict | None) -> dict | None:
    """Percentages for the template (which has no arithmetic); the stored result is left alone."""
    if not result:
        return result
    out = dict(result)
    out["ruin_by_horizon"] = [{**r, "p_pct": (r["p"] or 0) * 100} for r in result["ruin_by_horizon"]]
    if result.get("break_even") and result["break_even"].get("rate") is not None:
        out["break_even"] = {**result["break_even"], "rate_pct": result["break_even"]["rate"] * 100}
    return out


# ---------------------------------------------------------------------------------------------
# funds


def fund_list(request):
    if (resp := _need(request, "finance.view_finance")) is not None:
        return resp
    return render(request, "finance/fund_list.html", {
        "funds": queries.visible_funds(request.user).prefetch_related("projects"),
        "designs": queries.visible_designs(request.user)[:20],
        "can_add": request.user.has_perm("finance.add_fund"),
        "can_design": request.user.has_perm("finance.use_designer")})


def fund_create(request):
    if (resp := _need(request, "finance.add_fund")) is not None:
        return resp
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.create_fund(request.user, form.cleaned_data)
            services.open_standard_accounts(request.user, fund)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Fund created with its standard accounts."))
            return redirect("finance_fund", pk=fund.pk)
    return render(request, "finance/form.html", {"form": form, "title": _("New fund"),
                                                 "cancel_url": reverse("finance_home")})


def fund_detail(request, pk: int):
    fund = get_object_or_404(Fund, pk=pk)
    if (resp := _need(request, "finance.view_fund", fund)) is not None:
        return resp
    as_of = _date(request.GET.get("as_of")) or timezone.localdate()
    can_post = request.user.has_perm("finance.post_fund", fund)
    instruments = [(INSTRUMENT_MODELS[k]._meta.verbose_name_plural, k,
                    list(getattr(fund, f"{INSTRUMENT_MODELS[k]._meta.model_name}_set").all())) for k in INSTRUMENT_MODELS]
    return render(request, "finance/fund_detail.html", {
        "fund": fund, "as_of": as_of, "balances": queries.balances(fund=fund, as_of=as_of),
        "trial_balance": queries.trial_balance(fund, as_of=as_of),
        "party_balances": queries.party_balances(fund, as_of=as_of),
        "project_balances": queries.project_balances(fund, as_of=as_of),
        "instruments": instruments, "designs": fund.designs.all()[:20],
        "transactions": fund.transactions.prefetch_related("entries__account").order_by("-date", "-pk")[:25],
        "can_change": request.user.has_perm("finance.change_fund", fund), "can_post": can_post,
        "can_design": request.user.has_perm("finance.use_designer"),
        "flow_form": FlowForm(fund=fund, initial={"date": timezone.localdate()}) if can_post else None,
        "statement_form": StatementForm(initial={"start": as_of.replace(month=1, day=1), "end": as_of,
                                                 "format": "pdf"}),
        "instrument_kinds": [(k, m._meta.verbose_name) for k, m in INSTRUMENT_MODELS.items()]})


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def instrument_create(request, pk: int, kind: str):
    fund = get_object_or_404(Fund, pk=pk)
    if kind not in INSTRUMENT_MODELS:
        raise Http404
    if (resp := _need(request, "finance.change_fund", fund)) is not None:
        return resp
    form_class = instrument_form_class(kind)
    form = form_class(request.POST or None, initial={"currency": fund.currency})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.cleaned_data}
        try:
            services.create_instrument(request.user, fund, kind, data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Terms recorded."))
            return redirect("finance_fund", pk=fund.pk)
    return render(request, "finance/form.html", {
        "form": form, "title": _("New %(kind)s for %(fund)s") % {
            "kind": INSTRUMENT_MODELS[kind]._meta.verbose_name, "fund": fund},
        "cancel_url": reverse("finance_fund", args=[fund.pk])})


@require_POST
def flow_create(request, pk: int):
    fund = get_object_or_404(Fund, pk=pk)
    if (resp := _need(request, "finance.post_fund", fund)) is not None:
        return resp
    form = FlowForm(request.POST, fund=fund)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_flow(request.user, fund, d["kind"], d["amount"], date=d["date"],
                                 description=d["description"], party=d["party"], project=d["project"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Transaction posted."))
    else:
        messages.error(request, " ".join(f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
                                         for f, e in form.errors.items()))
    return redirect("finance_fund", pk=fund.pk)


def statement(request, pk: int):
    fund = get_object_or_404(Fund, pk=pk)
    if (resp := _need(request, "finance.export_fund", fund)) is not None:
        return resp
    form = StatementForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("finance_fund", pk=fund.pk)
    d = form.cleaned_data
    data = queries.statement(fund, start=d["start"], end=d["end"], party=d["party"])
    stem = f"fund-{fund.pk}-statement-{d['start']:%Y%m%d}-{d['end']:%Y%m%d}"
    if d["format"] == "xlsx":
        resp = HttpResponse(statements.statement_xlsx(data),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    else:
        resp = HttpResponse(statements.statement_pdf(data), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="{stem}.pdf"'
    return resp


# ---------------------------------------------------------------------------------------------
# designer


def designer(request, pk: int | None = None):
    if (resp := _need(request, "finance.use_designer")) is not None:
        return resp
    fund = get_object_or_404(Fund, pk=pk) if pk else None
    notes: list[str] = []
    project = None
    if request.method == "POST":
        form = DesignerForm(request.POST)
        if form.is_valid():
            try:
                run = services.start_simulation(request.user, form.spec, n_paths=form.cleaned_data["n_paths"],
                                                seed=form.cleaned_data["seed"], fund=fund,
                                                project=form.cleaned_data["project"])
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                return redirect("finance_run", pk=run.pk)
    else:
        spec, extra = _starting_spec(request, fund)
        project = extra.get("project")
        notes = extra.get("notes", [])
        initial = initial_from_spec(spec)
        initial.update(n_paths=extra.get("n_paths", 50_000), seed=extra.get("seed", 2026), project=project)
        form = DesignerForm(initial=initial, field_notes=extra.get("field_notes"))
    return render(request, "finance/designer.html", {
        "form": form, "fund": fund, "notes": notes, "project": project,
        "projects": CooperationProject.objects.order_by("name"),
        "designs": queries.visible_designs(request.user)[:10]})


def _starting_spec(request, fund) -> tuple[dict, dict]:
    extra: dict = {}
    spec = services.default_spec()
    if fund is not None and fund.currency in services.engine.CURRENCY_CODES:
        spec["cohort"]["fund_currency"] = fund.currency
    if run_id := request.GET.get("run"):
        run = get_object_or_404(SimulationRun, pk=run_id)
        if request.user.has_perm("finance.view_simulationrun", run):
            spec, extra = run.spec, {"n_paths": run.n_paths, "seed": run.seed, "project": run.project}
    elif design_id := request.GET.get("design"):
        design = get_object_or_404(FundDesign, pk=design_id)
        if request.user.has_perm("finance.view_funddesign", design):
            spec, extra = design.spec, {"project": design.project}
    if project_id := request.GET.get("project"):
        project = get_object_or_404(CooperationProject, pk=project_id)
        spec, notes, field_notes = services.spec_for_project(project, spec)
        extra.update(project=project, notes=notes, field_notes=field_notes)
    return spec, extra


def run_detail(request, pk: int):
    run = get_object_or_404(SimulationRun.objects.select_related("project", "fund"), pk=pk)
    if (resp := _need(request, "finance.view_simulationrun", run)) is not None:
        return resp
    context = {"run": run, "status_url": reverse("finance_run_status", args=[run.pk]),
               "stage_label": services.STAGE_LABELS.get(run.stage, ""),
               "can_save": request.user.has_perm("finance.add_funddesign")}
    if run.status == SimulationRun.Status.DONE:
        context.update(result=_for_display(run.result), charts=charts.result_charts(run.result, ASSUMPTION_LABELS),
                       spec=run.spec, labels=ASSUMPTION_LABELS,
                       save_form=SaveDesignForm(initial={"project": run.project,
                                                         "name": _("Design %(date)s") % {
                                                             "date": timezone.localtime(run.created).strftime("%Y-%m-%d %H:%M")}}))
    return render(request, "finance/run.html", context)


def run_status(request, pk: int):
    run = get_object_or_404(SimulationRun, pk=pk)
    if not request.user.is_authenticated or not request.user.has_perm("finance.view_simulationrun", run):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return JsonResponse({"status": run.status, "status_label": run.get_status_display(),
                         "progress": round(run.progress, 4), "stage": run.stage,
                         "stage_label": str(services.STAGE_LABELS.get(run.stage, "")),
                         "error": run.error, "url": reverse("finance_run", args=[run.pk])})


@require_POST
def run_save(request, pk: int):
    run = get_object_or_404(SimulationRun, pk=pk)
    if (resp := _need(request, "finance.add_funddesign")) is not None:
        return resp
    form = SaveDesignForm(request.POST)
    if form.is_valid():
        try:
            design = services.save_design(request.user, run, name=form.cleaned_data["name"],
                                          project=form.cleaned_data["project"], notes=form.cleaned_data["notes"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Design saved."))
            return redirect("finance_design", pk=design.pk)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("finance_run", pk=run.pk)


def design_list(request):
    if (resp := _need(request, "finance.view_finance")) is not None:
        return resp
    designs = queries.visible_designs(request.user)
    return render(request, "finance/design_list.html", {
        "designs": designs, "compare_form": CompareForm(designs=designs),
        "can_design": request.user.has_perm("finance.use_designer")})


def design_detail(request, pk: int):
    design = get_object_or_404(FundDesign.objects.select_related("run", "project", "fund"), pk=pk)
    if (resp := _need(request, "finance.view_funddesign", design)) is not None:
        return resp
    result = design.run.result if design.run and design.run.result else None
    return render(request, "finance/design_detail.html", {
        "design": design, "result": _for_display(result), "spec": design.spec, "labels": ASSUMPTION_LABELS,
        "charts": charts.result_charts(result, ASSUMPTION_LABELS) if result else {},
        "attach_form": AttachDesignForm(initial={"project": design.project}),
        "can_change": request.user.has_perm("finance.change_funddesign", design),
        "can_design": request.user.has_perm("finance.use_designer")})


@require_POST
def design_attach(request, pk: int):
    design = get_object_or_404(FundDesign, pk=pk)
    if (resp := _need(request, "finance.change_funddesign", design)) is not None:
        return resp
    form = AttachDesignForm(request.POST)
    if form.is_valid():
        services.attach_design(request.user, design, form.cleaned_data["project"])
        messages.success(request, _("Design attached to the project.") if form.cleaned_data["project"]
                         else _("Design detached from its project."))
    return redirect("finance_design", pk=design.pk)


def compare(request):
    if (resp := _need(request, "finance.view_finance")) is not None:
        return resp
    designs = queries.visible_designs(request.user)
    form = CompareForm(request.GET or None, designs=designs)
    context = {"form": form}
    if form.is_valid():
        pair = [form.cleaned_data["a"], form.cleaned_data["b"]]
        results = [(d.name if pair[0].name != pair[1].name else f"{d.name} (#{d.pk})", d.run.result)
                   for d in pair if d.run and d.run.result]
        context.update(pair=pair, rows=_compare_rows(pair),
                       charts=charts.compare(results) if len(results) == 2 else None)
    return render(request, "finance/compare.html", context)


def _compare_rows(pair: list[FundDesign]) -> list[dict]:
    """Assumptions and terms that differ between the two designs, then every result figure."""
    from .forms import DESIGNER_FIELDS, PERCENT, SECTION_LEGENDS

    rows = []
    for section, name, kind, label in DESIGNER_FIELDS:
        values = []
        for d in pair:
            part = (d.spec.get("sponsors") or {}).get("loan") if section == "loan" else d.spec.get(section)
            v = None if part is None else part.get(name)
            if isinstance(v, int | float) and not isinstance(v, bool):
                v = formats.number_format(round(v * 100 if kind == PERCENT else v, 4), use_l10n=True)
            values.append(v)
        if values[0] != values[1]:
            rows.append({"section": SECTION_LEGENDS[section], "label": label, "values": values,
                         "percent": kind == PERCENT})
    return rows
