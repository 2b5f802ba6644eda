"""Governance pages. Thin: reads through ``queries``, writes through ``services``; the rules decide
who may do what, and a record a user may not see answers 404 like one that does not exist."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import expected_version, show_service_errors
from tvetbridge.core.services import Conflict
from tvetbridge.registry.io.files import CONTENT_TYPES
from tvetbridge.registry.models import CooperationProject
from tvetbridge.risk.models import Alert

from . import queries, services
from .forms import (
    AgreementForm,
    AssetForm,
    ClauseForm,
    DocumentForm,
    ExitPlanForm,
    ImportForm,
    NoteForm,
    OperationDocumentForm,
    OperationForm,
    ReportForm,
    SignatoryForm,
)
from .io import agreements as agreements_io
from .models import (
    Agreement,
    AgreementDocument,
    Asset,
    ExitPlan,
    OperationDocument,
    OverseasOperation,
    SupervisionReport,
)


def _need(request, perm: str, obj=None):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
    return None


def _form(request, form, title: str, cancel_url: str):
    return render(request, "governance/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def _save(request, form, write, success: str, target):
    """Run a service write for a valid form; on success redirect, otherwise show its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = write(form)
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(target(obj))
    return None


# ---------------------------------------------------------------------------------------------------
# Home and agreements


def home(request):
    if (resp := _need(request, "governance.view_governance")) is not None:
        return resp
    today = dt.date.today()
    user = request.user
    context = {"operations": queries.visible_operations(user)[:20],
               "can_add_agreement": user.has_perm("governance.add_agreement"),
               "can_add_operation": user.has_perm("governance.add_overseasoperation"),
               "is_coordinator": user.has_perm("governance.view_coverage")}
    if context["is_coordinator"]:
        due = list(queries.renewals_due(today))
        for a in due:
            a.days_left = queries.days_left(a, today)
        context.update(renewals=due, unprotected=queries.without_clauses(today),
                       counts=queries.operation_counts())
    return render(request, "governance/home.html", context)


def agreement_list(request):
    if (resp := _need(request, "governance.view_agreement")) is not None:
        return resp
    qs = queries.visible_agreements(request.user).prefetch_related("institutions", "countries")
    return render(request, "governance/agreement_list.html", {
        "agreements": qs, "can_add": request.user.has_perm("governance.add_agreement")})


def public_agreements(request):
    return render(request, "governance/public_agreements.html", {"agreements": queries.public_agreements()})


def _agreement(request, pk: int) -> Agreement:
    return get_object_or_404(queries.visible_agreements(request.user), pk=pk)


def agreement_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agreement = _agreement(request, pk)
    user = request.user
    return render(request, "governance/agreement_detail.html", {
        "agreement": agreement, "clauses": agreement.clauses.all(), "signatories": agreement.signatories.all(),
        "documents": agreement.documents.all() if user.has_perm("governance.view_agreementdocument",
                                                                AgreementDocument(agreement=agreement)) else None,
        "projects": agreement.projects.all(), "in_force": agreement.in_force(),
        "can_change": user.has_perm("governance.change_agreement", agreement)})


def agreement_create(request):
    if (resp := _need(request, "governance.add_agreement")) is not None:
        return resp
    form = AgreementForm(request.POST or None)
    return _save(request, form, lambda f: services.create_agreement(request.user, f.service_data()),
                 _("Agreement saved."), lambda a: reverse("governance_agreement", args=[a.pk])) \
        or _form(request, form, _("New agreement"), reverse("governance_agreements"))


def agreement_edit(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = AgreementForm(request.POST or None, instance=agreement)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.update_agreement(
        request.user, agreement, f.service_data(), expected_version=expected_version(f)),
        _("Agreement saved."), lambda a: back) or _form(request, form, str(agreement), back)


def clause_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = ClauseForm(request.POST or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.add_clause(request.user, agreement, f.service_data()),
                 _("Clause added."), lambda c: back) or _form(request, form, _("Add a continuity clause"), back)


def signatory_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = SignatoryForm(request.POST or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.add_signatory(request.user, agreement, f.cleaned_data),
                 _("Signatory added."), lambda s: back) or _form(request, form, _("Add a signatory"), back)


def agreement_document_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = DocumentForm(request.POST or None, request.FILES or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.upload_agreement_document(request.user, agreement,
                                                                             **f.cleaned_data),
                 _("Document uploaded."), lambda d: back) or _form(request, form, _("Upload a document"), back)


def _download(request, doc):
    if (resp := _need(request, f"governance.view_{doc._meta.model_name}", doc)) is not None:
        return resp
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                        filename=doc.file.name.rsplit("/", 1)[-1])


def agreement_document(request, pk: int):
    return _download(request, get_object_or_404(AgreementDocument, pk=pk))


# ---------------------------------------------------------------------------------------------------
# Overseas operations


def _operation(request, pk: int) -> OverseasOperation:
    return get_object_or_404(queries.visible_operations(request.user), pk=pk)


def operation_list(request):
    if (resp := _need(request, "governance.view_governance")) is not None:
        return resp
    return render(request, "governance/operation_list.html", {
        "operations": queries.visible_operations(request.user),
        "can_add": request.user.has_perm("governance.add_overseasoperation")})


def operation_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    op = _operation(request, pk)
    user = request.user
    plan = ExitPlan.objects.filter(operation=op).select_related("trigger_alert", "receiving_institution").first()
    today = dt.date.today()
    protection = queries.protection(CooperationProject.objects.filter(pk=op.project_id), today)[0]
    return render(request, "governance/operation_detail.html", {
        "op": op, "plan": plan, "protection": protection,
        "transitions": services.available_transitions(user, op),
        "assets": op.assets.all(), "reports": op.reports.all(), "documents": op.documents.all(),
        "history": op.history.select_related("history_user").order_by("-history_date")[:20],
        "can_change": user.has_perm("governance.change_overseasoperation", op),
        "can_plan": user.has_perm("governance.change_exitplan", plan or ExitPlan(operation=op)),
        "can_trigger": plan is not None and op.status in services.EXIT_SOURCES
        and user.has_perm("governance.trigger_exitplan", plan),
        "can_add_child": user.has_perm("governance.change_asset", op.assets.model(operation=op)),
        "can_report": op.status in ("approved", "suspended", "exiting")
        and user.has_perm("governance.change_supervisionreport", SupervisionReport(operation=op)),
        "can_review": user.has_perm("governance.review_supervisionreport", SupervisionReport(operation=op)),
        "open_alerts": Alert.objects.filter(country_id=op.host_country_id).exclude(status="resolved")[:5],
        "note_form": NoteForm()})


def operation_create(request):
    if (resp := _need(request, "governance.add_overseasoperation")) is not None:
        return resp
    form = OperationForm(request.POST or None, user=request.user)
    return _save(request, form, lambda f: services.create_operation(request.user, f.service_data()),
                 _("Application saved. Write its exit plan before you submit it."),
                 lambda o: reverse("governance_exit_plan", args=[o.pk])) \
        or _form(request, form, _("Apply to operate abroad"), reverse("governance_operations"))


def operation_edit(request, pk: int):
    op = _operation(request, pk)
    if (resp := _need(request, "governance.change_overseasoperation", op)) is not None:
        return resp
    form = OperationForm(request.POST or None, instance=op, user=request.user)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: services.update_operation(
        request.user, op, f.service_data(), expected_version=expected_version(f)),
        _("Application saved."), lambda o: back) or _form(request, form, str(op), back)


def exit_plan_edit(request, pk: int):
    op = _operation(request, pk)
    plan = ExitPlan.objects.filter(operation=op).first()
    if (resp := _need(request, "governance.change_exitplan", plan or ExitPlan(operation=op))) is not None:
        return resp
    form = ExitPlanForm(request.POST or None, instance=plan)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: services.save_exit_plan(
        request.user, op, f.service_data(), expected_version=expected_version(f)),
        _("Exit plan saved."), lambda p: back) or _form(request, form, _("Exit plan"), back)


@require_POST
def operation_transition(request, pk: int, name: str):
    op = _operation(request, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.transition_operation(request.user, op, name, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The operation is now %(status)s.") % {"status": op.get_status_display()})
    return redirect("governance_operation", pk=pk)


@require_POST
def exit_trigger(request, pk: int):
    op = _operation(request, pk)
    alert_id = request.POST.get("alert") or ""
    alert = get_object_or_404(Alert, pk=int(alert_id)) if alert_id.isdigit() else None
    form = NoteForm(request.POST)
    try:
        services.trigger_exit(request.user, op, reason=form.cleaned_data["note"] if form.is_valid() else "",
                              alert=alert)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.warning(request, _("The exit plan is open: the operation winds down as it says."))
    return redirect("governance_operation", pk=pk)


def _child_form(request, pk: int, form_class, write, title: str, success: str, perm_model):
    op = _operation(request, pk)
    if (resp := _need(request, f"governance.change_{perm_model._meta.model_name}", perm_model(operation=op))) \
            is not None:
        return resp
    files = request.FILES or None
    form = form_class(request.POST or None, files) if files is not None else form_class(request.POST or None)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: write(request.user, op, f), success, lambda o: back) \
        or _form(request, form, title, back)


def asset_add(request, pk: int):
    return _child_form(request, pk, AssetForm, lambda u, op, f: services.add_asset(u, op, f.service_data()),
                       _("Register an asset"), _("Asset registered."), Asset)


def report_add(request, pk: int):
    return _child_form(request, pk, ReportForm, lambda u, op, f: services.add_report(u, op, f.cleaned_data),
                       _("Supervision report"), _("Report saved."), SupervisionReport)


def operation_document_add(request, pk: int):
    return _child_form(request, pk, OperationDocumentForm,
                       lambda u, op, f: services.upload_operation_document(u, op, **f.cleaned_data),
                       _("Upload a document"), _("Document uploaded."), OperationDocument)


def operation_document(request, pk: int):
    return _download(request, get_object_or_404(OperationDocument, pk=pk))


@require_POST
def report_review(request, pk: int):
    report = get_object_or_404(SupervisionReport, pk=pk)
    if (resp := _need(request, "governance.review_supervisionreport", report)) is not None:
        return resp
    form = NoteForm(request.POST)
    try:
        services.review_report(request.user, report, note=form.cleaned_data["note"] if form.is_valid() else "")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report reviewed."))
    return redirect("governance_operation", pk=report.operation_id)


def agreement_import(request):
    if (resp := _need(request, "governance.import_records")) is not None:
        return resp
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > agreements_io.MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is %(size)s MB; imports may be at most %(max)s MB.")
                           % {"size": round(upload.size / 1048576, 1), "max": agreements_io.MAX_IMPORT_BYTES // 1048576})
        else:
            result = agreements_io.import_agreements(request.user, upload.read(), upload.name)
            if result.ok:
                messages.success(request, _("%(count)s agreements imported.") % {"count": len(result.outcomes)})
                return redirect("governance_agreements")
    return render(request, "governance/import.html", {"form": form, "result": result})


def agreement_import_template(request):
    if (resp := _need(request, "governance.import_records")) is not None:
        return resp
    response = HttpResponse(agreements_io.template_file(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="agreements.xlsx"'
    return response
