"""Pages: results chain (project, country, alliance), targets, impact, quality flags, trainee
records, bulk import and the price tables. Views translate HTTP; the work is in queries/services."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import expected_version, posted_version, show_service_errors
from tvetbridge.core.models import Country, ExchangeRate
from tvetbridge.core.roles import role_of
from tvetbridge.core.services import Conflict
from tvetbridge.registry.models import Alliance, CooperationProject

from . import flags as flag_rules
from . import queries, services
from .charts import funnel_svg
from .flag_evidence import evidence_items
from .forms import BasisForm, ImportForm, ReviewForm, TargetForm, TraineeForm
from .impact_text import localised
from .io.records import template_csv
from .models import CpiIndex, ProjectTarget, QualityFlag, Trainee
from .money import Basis, ConversionError, PriceTables
from .panels import chain_panels
from .queries import COMPARISONS, POST_FROM, POST_TO
from .rules import sees_identity, sees_incomes
from .services import project_impact


def _money_tables_needed(view):
    """A results page whose incomes or funding are in a currency the price tables lack says so and
    points to the tables, instead of failing."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ConversionError as exc:
            return render(request, "outcomes/money_missing.html", {"problem": str(exc)}, status=503)
    return wrapper


def _basis(request) -> Basis:
    return Basis.from_params(request.GET, default_year=timezone.localdate().year - 1)


def _chain_context(request, projects, title):
    basis = _basis(request)
    tables = PriceTables.load()
    public = queries.is_public(request.user)
    chain = queries.results_chain(projects, basis, tables=tables, public=public)
    return {
        "chain": chain, "basis": basis, "basis_form": BasisForm(initial={
            "currency": basis.currency, "prices": "real" if basis.real else "nominal", "base_year": basis.base_year}),
        "funnel_svg": funnel_svg(chain["steps"], title=title, count_label=_("people")),
        "public": public, "suppress_below": queries.SUPPRESS_BELOW, "tables": tables,
        "panels": chain_panels(projects, public=public),
    }


@_money_tables_needed
def project_results(request, pk: int):
    project = get_object_or_404(CooperationProject, pk=pk)
    ctx = _chain_context(request, CooperationProject.objects.filter(pk=pk), _("Results chain"))
    ctx.update(project=project, targets=queries.target_progress(project, tables=ctx["tables"], public=ctx["public"]),
               thresholds=queries.THRESHOLDS_TEXT, impact=None, flags=[],
               may_set_targets=services.may_set_targets(request.user, project))
    if not ctx["public"]:
        comparison = request.GET.get("comparison") or "applicants"
        ctx["impact"] = localised(project_impact(project, comparison=comparison, basis=ctx["basis"],
                                                 tables=ctx["tables"]))
        ctx["comparisons"] = [(k, str(v)) for k, v in COMPARISONS.items()]
        ctx["comparison"] = ctx["impact"]["comparison"]
        ctx["post_window"] = (POST_FROM, POST_TO)
    if request.user.has_perm("outcomes.view_qualityflag", QualityFlag(project=project)):
        ctx["flags"] = [_decorate(f) for f in project.flags.prefetch_related("comments").order_by("status", "-raised")]
        ctx["can_review"] = request.user.has_perm("outcomes.review_qualityflag", QualityFlag(project=project))
    return render(request, "outcomes/project_results.html", ctx)


@login_required
def target_edit(request, pk: int, target_pk: int | None = None):
    project = get_object_or_404(CooperationProject, pk=pk)
    target = get_object_or_404(ProjectTarget, pk=target_pk, project=project) if target_pk else None
    if not services.may_set_targets(request.user, project):
        raise PermissionDenied
    form = TargetForm(request.POST or None, instance=target or ProjectTarget(project=project), project=project)
    if request.method == "POST" and "delete" in request.POST and target:
        try:
            services.delete_target(request.user, target, expected_version=posted_version(request))
        except Conflict as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Target deleted."))
            return redirect("outcomes_project", pk=pk)
    elif request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.set_target(request.user, {**data, "project": project}, instance=target,
                                expected_version=expected_version(form))
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("outcomes_project", pk=pk)
    return render(request, "outcomes/target_form.html", {
        "form": form, "project": project, "target": target,
        "may_delete": target is not None and request.user.has_perm("outcomes.delete_projecttarget", target)})


def _decorate(flag: QualityFlag) -> QualityFlag:
    flag.rule_info = flag_rules.RULES_BY_CODE.get(flag.rule)
    flag.evidence_items = evidence_items(flag.evidence)
    return flag


@require_POST
@login_required
def run_flags(request, pk: int):
    project = get_object_or_404(CooperationProject, pk=pk)
    if not request.user.has_perm("outcomes.review_qualityflag", QualityFlag(project=project)):
        raise PermissionDenied
    active = flag_rules.evaluate_project(project)
    messages.success(request, _("Quality rules checked: %(n)d open flags.") % {"n": len(active)})
    return redirect("outcomes_project", pk=pk)


@_money_tables_needed
def country_results(request, code: str):
    country = get_object_or_404(Country, code=code.upper())
    projects = CooperationProject.objects.filter(host_country=country)
    ctx = _chain_context(request, projects, _("Results chain"))
    ctx.update(scope=country, scope_kind=_("country"), projects=queries.projects_with_outcomes().filter(
        host_country=country))
    return render(request, "outcomes/results_chain.html", ctx)


@_money_tables_needed
def alliance_results(request, pk: int):
    alliance = get_object_or_404(Alliance, pk=pk)
    projects = CooperationProject.objects.filter(alliance=alliance)
    ctx = _chain_context(request, projects, _("Results chain"))
    ctx.update(scope=alliance, scope_kind=_("alliance"), projects=queries.projects_with_outcomes().filter(
        alliance=alliance))
    return render(request, "outcomes/results_chain.html", ctx)


def project_list(request):
    return render(request, "outcomes/project_list.html", {"projects": queries.projects_with_outcomes()
                                                          .select_related("host_country")})


@login_required
def flag_list(request):
    flags = QualityFlag.objects.select_related("project").order_by("status", "-raised")
    role = role_of(request.user)
    if role == "institution":
        # One filter with OR, not a UNION of two ordered subqueries: SQLite refuses ORDER BY inside a
        # compound subquery, and the model's default ordering would put one there.
        mine = request.user.profile.institution_id
        flags = flags.filter(project__in=CooperationProject.objects.order_by().filter(
            Q(partner_institutions=mine) | Q(chinese_institutions=mine)).values("pk"))
    elif role not in ("admin", "coordinator"):
        raise PermissionDenied
    status = request.GET.get("status") or ""
    if status in QualityFlag.Status.values:
        flags = flags.filter(status=status)
    return render(request, "outcomes/flag_list.html", {"flags": flags, "status": status,
                                                       "statuses": QualityFlag.Status.choices,
                                                       "rules": {r.code: r for r in flag_rules.RULES}})


@login_required
def flag_detail(request, pk: int):
    flag = get_object_or_404(QualityFlag.objects.select_related("project"), pk=pk)
    if not request.user.has_perm("outcomes.view_qualityflag", flag):
        raise PermissionDenied
    form = ReviewForm(request.POST or None, initial={"status": flag.status})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_flag(request.user, flag, status=form.cleaned_data["status"],
                                     comment=form.cleaned_data["comment"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The flag was updated."))
                return redirect("outcomes_flag", pk=pk)
    return render(request, "outcomes/flag_detail.html", {
        "flag": _decorate(flag), "form": form, "rule": flag_rules.RULES_BY_CODE.get(flag.rule),
        "can_review": request.user.has_perm("outcomes.review_qualityflag", flag),
        "comments": flag.comments.select_related("author"), "history": flag.history.all()[:20]})


@login_required
def trainee_list(request):
    if not request.user.has_perm("outcomes.view_trainees"):
        raise PermissionDenied
    qs = queries.trainees_for(request.user).select_related("home_region").order_by("external_key")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(external_key__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "outcomes/trainee_list.html", {
        "page": page, "q": q, "q_query": f"q={q}" if q else "", "can_add": request.user.has_perm("outcomes.add_trainee")})


@login_required
def trainee_detail(request, pk: int):
    trainee = get_object_or_404(Trainee, pk=pk)
    if not request.user.has_perm("outcomes.view_trainee", trainee):
        raise PermissionDenied
    incomes = sees_incomes(request.user, trainee)
    return render(request, "outcomes/trainee_detail.html", {
        "trainee": trainee, "show_incomes": incomes, "show_identity": sees_identity(request.user, trainee),
        "incomes": trainee.incomes.order_by("period") if incomes else None,
        "enrolments": trainee.enrolments.select_related("project", "programme").prefetch_related(
            "progress", "assessments") if incomes else None,
        "jobs": trainee.jobs.all() if incomes else None,
        "credentials": trainee.credentials.all(),
        "can_edit": request.user.has_perm("outcomes.change_trainee", trainee)})


@login_required
def trainee_edit(request, pk: int | None = None):
    trainee = get_object_or_404(Trainee, pk=pk) if pk else None
    perm = "outcomes.change_trainee" if trainee else "outcomes.add_trainee"
    if not request.user.has_perm(perm, trainee):
        raise PermissionDenied
    form = TraineeForm(request.POST or None, instance=trainee)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("identity_number", "version")}
        try:
            if trainee:
                saved = services.update_trainee(request.user, trainee, data,
                                                identity_number=form.cleaned_data["identity_number"],
                                                expected_version=expected_version(form))
            else:
                saved = services.register_trainee(request.user, data,
                                                  identity_number=form.cleaned_data["identity_number"])
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("outcomes_trainee", pk=saved.pk)
    return render(request, "outcomes/trainee_form.html", {"form": form, "trainee": trainee})


@login_required
def import_view(request):
    if not request.user.has_perm("outcomes.import_outcomes"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload, kind, dry_run = form.cleaned_data["file"], form.cleaned_data["kind"], form.cleaned_data["dry_run"]
        if services.import_runs_in_background(upload.size):
            # A large file is checked and imported by a worker; the user follows it on the job's page.
            job = services.start_import(request.user, kind, upload.read(), upload.name, dry_run=dry_run)
            return redirect("job_detail", pk=job.pk)
        result = services.import_file(request.user, kind, upload.read(), upload.name, dry_run=dry_run)
    return render(request, "outcomes/import.html", {"form": form, "result": result,
                                                    "kinds": ["trainees", "enrolments", "employment", "incomes"]})


@login_required
def import_template(request, kind: str):
    if kind not in ("trainees", "enrolments", "employment", "incomes"):
        raise PermissionDenied
    response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


def money_tables(request):
    rates = ExchangeRate.objects.select_related("source").order_by("currency", "date")
    table: dict[str, dict[int, object]] = {}
    for r in rates:
        table.setdefault(r.currency, {})[r.date.year] = r.per_usd
    years = sorted({y for v in table.values() for y in v})
    cpi: dict[str, dict[int, object]] = {}
    for c in CpiIndex.objects.order_by("country_code", "year"):
        cpi.setdefault(c.country_code, {})[c.year] = c.inflation_pct
    cpi_years = sorted({y for v in cpi.values() for y in v})[-12:]
    return render(request, "outcomes/money.html", {
        "rate_rows": [(c, [table[c].get(y) for y in years]) for c in sorted(table)], "years": years,
        "cpi_rows": [(c, [cpi[c].get(y) for y in cpi_years]) for c in sorted(cpi)], "cpi_years": cpi_years,
        "sources": {r.source for r in rates if r.source} | {c.source for c in CpiIndex.objects.select_related(
            "source")[:1] if c.source}})
