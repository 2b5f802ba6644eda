"""Pages: credit-transfer proposals and agreements, recognition applications, decisions and appeals,
and the report of decisions per country pair."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import posted_version, show_service_errors
from tvetbridge.registry.models import Programme
from tvetbridge.taxonomy.models import Skill

from . import queries, services, texts
from .forms import AppealForm, ApplyForm, DecideForm, ProposeTransferForm, RejectForm
from .models import CreditTransferAgreement, CreditTransferItem, RecognitionApplication
from .views import _need


def _programmes():
    return Programme.objects.select_related("institution").filter(modules__isnull=False).distinct().order_by("name")


def transfer_list(request):
    if (resp := _need(request, "credentials.use_credit_transfer")):
        return resp
    form = ProposeTransferForm(request.POST or None, programmes=_programmes())
    if request.method == "POST":
        if (resp := _need(request, "credentials.add_credittransferagreement")):
            return resp
        if form.is_valid():
            try:
                agreement = services.propose_agreement(request.user, form.cleaned_data["source"],
                                                       form.cleaned_data["target"])
            except ValidationError as exc:
                show_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The platform proposed %(n)s module transfers; both institutions now "
                                            "review them.") % {"n": agreement.items.count()})
                return redirect("credentials_transfer_detail", pk=agreement.pk)
    agreements = queries.agreements_for(request.user)
    return render(request, "credentials/transfer_list.html", {
        "form": form, "pairs": queries.approved_agreements_by_pair(request.user),
        "pending": agreements.filter(status=CreditTransferAgreement.Status.PROPOSED),
        "can_propose": request.user.has_perm("credentials.add_credittransferagreement")})


def transfer_detail(request, pk: int):
    agreement = get_object_or_404(queries.agreements_for(request.user) if request.user.is_authenticated
                                  else CreditTransferAgreement.objects.none(), pk=pk)
    if (resp := _need(request, "credentials.view_credittransferagreement", agreement)):
        return resp
    items = list(agreement.items.select_related("source_module", "target_module"))
    skill_ids = {int(s) for item in items for key in ("matched", "missing") for s in item.evidence.get(key, [])}
    labels = dict(Skill.objects.filter(pk__in=skill_ids).values_list("pk", "label"))
    for item in items:
        item.matched_labels = [labels.get(int(s), s) for s in item.evidence.get("matched", [])]
        item.missing_labels = [labels.get(int(s), s) for s in item.evidence.get("missing", [])]
    can_source = request.user.has_perm("credentials.approve_source_credittransferagreement", agreement)
    can_target = request.user.has_perm("credentials.approve_target_credittransferagreement", agreement)
    return render(request, "credentials/transfer_detail.html", {
        "agreement": agreement, "items": items, "can_source": can_source, "can_target": can_target,
        "can_act": (can_source or can_target) and agreement.status == CreditTransferAgreement.Status.PROPOSED,
        "reject_form": RejectForm(initial={"version": agreement.version}),
        "total": sum(i.credits for i in items if i.included)})


@require_POST
def transfer_action(request, pk: int):
    agreement = get_object_or_404(CreditTransferAgreement, pk=pk)
    if (resp := _need(request, "credentials.view_credittransferagreement", agreement)):
        return resp
    action = request.POST.get("action")
    version = posted_version(request)
    try:
        if action == "approve":
            agreement = services.approve_agreement(request.user, agreement, expected_version=version)
            messages.success(request, _("Agreement approved by both institutions; it now applies to later applicants.")
                             if agreement.status == CreditTransferAgreement.Status.APPROVED
                             else _("Approval recorded; waiting for the other institution."))
        elif action == "reject":
            form = RejectForm(request.POST)
            note = form.data.get("note", "")
            services.reject_agreement(request.user, agreement, note=note, expected_version=version)
            messages.success(request, _("Agreement rejected."))
        elif action in ("include", "exclude"):
            item = get_object_or_404(CreditTransferItem, pk=request.POST.get("item"), agreement=agreement)
            services.set_item(request.user, item, included=action == "include", expected_version=version)
            messages.success(request, _("Agreement amended; approvals given before must be given again."))
    except services.Conflict as exc:
        messages.error(request, str(exc))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("credentials_transfer_detail", pk=agreement.pk)


def recognition_list(request):
    if (resp := _need(request, "credentials.use_recognition")):
        return resp
    return render(request, "credentials/recognition_list.html", {
        "applications": queries.applications_for(request.user)[:500],
        "can_apply": request.user.has_perm("credentials.add_recognitionapplication"),
        "can_report": request.user.has_perm("credentials.report_recognition")})


def recognition_new(request):
    if (resp := _need(request, "credentials.add_recognitionapplication")):
        return resp
    form = ApplyForm(request.POST or None, awards=queries.awards_for(request.user).order_by("-awarded"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.apply_for_recognition(request.user, data["award"], host_country=data["host_country"],
                                                         purpose=data["purpose"],
                                                         target_programme=data["target_programme"])
        except ValidationError as exc:
            show_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Application submitted. The platform's proposal is shown below; a "
                                        "recognition officer will decide."))
            return redirect("credentials_recognition_detail", pk=application.pk)
    return render(request, "credentials/recognition_new.html", {"form": form})


def recognition_detail(request, pk: int):
    application = get_object_or_404(queries.applications_for(request.user) if request.user.is_authenticated
                                     else RecognitionApplication.objects.none(), pk=pk)
    proposal = application.proposal or {}
    return render(request, "credentials/recognition_detail.html", {
        "application": application,
        "proposed_outcome": texts.OUTCOME_LABELS.get(proposal.get("outcome"), ""),
        "proposed_level": texts.level_name(proposal.get("level")) if proposal.get("level") else None,
        "proposal_reasons": [texts.reason_text(r) for r in proposal.get("reasons", [])],
        "proposal_compensation": [texts.compensation_text(c) for c in proposal.get("compensation", [])],
        "decision_reasons": [texts.reason_text(r) for r in application.reasons],
        "can_decide": request.user.has_perm("credentials.decide_recognitionapplication", application),
        "can_appeal": request.user.has_perm("credentials.appeal_recognitionapplication", application),
        "decide_form": DecideForm(framework=application.target_framework, initial={
            "version": application.version, "outcome": proposal.get("outcome"),
            "recognised_level": _proposed_level_pk(proposal)}),
        "appeal_form": AppealForm(initial={"version": application.version}),
        "history": RecognitionApplication.history.filter(id=application.pk).select_related("history_user")
        .order_by("history_date")})


def _proposed_level_pk(proposal: dict) -> int | None:
    if not proposal.get("level"):
        return None
    try:
        return services.level_by_key(proposal["level"]).pk
    except ValidationError:
        return None


@require_POST
def recognition_action(request, pk: int):
    application = get_object_or_404(RecognitionApplication, pk=pk)
    if (resp := _need(request, "credentials.view_recognitionapplication", application)):
        return resp
    action = request.POST.get("action")
    try:
        if action in ("decide", "decide_appeal"):
            form = DecideForm(request.POST, framework=application.target_framework)
            if not form.is_valid():
                raise ValidationError(form.errors)
            data = form.cleaned_data
            if action == "decide":
                services.decide(request.user, application, outcome=data["outcome"], level=data["recognised_level"],
                                compensation=data["compensation"], note=data["note"],
                                expected_version=data["version"])
            else:
                services.decide_appeal(request.user, application, outcome=data["outcome"], note=data["note"],
                                       level=data["recognised_level"], compensation=data["compensation"],
                                       expected_version=data["version"])
            messages.success(request, _("Decision recorded; the applicant sees it with its reasons."))
        elif action == "appeal":
            form = AppealForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.appeal(request.user, application, text=form.cleaned_data["text"],
                            expected_version=form.cleaned_data["version"])
            messages.success(request, _("Appeal recorded."))
    except services.Conflict as exc:
        messages.error(request, str(exc))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("credentials_recognition_detail", pk=application.pk)


def recognition_report(request):
    if (resp := _need(request, "credentials.report_recognition")):
        return resp
    return render(request, "credentials/recognition_report.html", {"rows": queries.recognition_report()})
