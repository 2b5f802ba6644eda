"""Pages of the label workflow: proposals with filters, proposing one, deciding, the XLSX round trip.

Every page asks its permission before anything else (for the upload: before the request body, and so
the file, is parsed). Buttons are shown only to those who may press them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tvetbridge.core.access import need
from tvetbridge.core.forms import posted_version
from tvetbridge.core.services import Conflict

from . import queries, services
from .forms import DecideLabelForm, LabelFilterForm, LabelSheetForm, LabelUploadForm, ProposeLabelForm
from .io.labels import CONTENT_TYPE, export_sheet
from .models import LabelProposal

PER_PAGE = 50


@require_GET
def proposals(request):
    denied = need(request, "taxonomy.view_labelproposal")
    if denied:
        return denied
    form = LabelFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(queries.label_proposals(**filters), PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "taxonomy/labels/list.html", {
        "form": form, "page": page, "query": query, "decide_form": DecideLabelForm(),
        "can_decide": request.user.has_perm("taxonomy.approve_labelproposal"),
        "can_propose": request.user.has_perm("taxonomy.add_labelproposal"),
        "can_import": request.user.has_perm("taxonomy.import_labelproposal")})


@require_http_methods(["GET", "POST"])
def propose(request):
    denied = need(request, "taxonomy.add_labelproposal")
    if denied:
        return denied
    can_approve = request.user.has_perm("taxonomy.approve_labelproposal")
    form = ProposeLabelForm(request.POST or None, initial={
        "kind": request.GET.get("kind", LabelProposal.Kind.OCCUPATION), "key": request.GET.get("key", ""),
        "language": request.GET.get("language", "")})
    concept = None
    if request.method == "GET" and request.GET.get("key"):
        concept = services.find_concepts(request.GET.get("kind", "occupation"), [request.GET["key"]]) \
            .get(request.GET["key"]) if request.GET.get("kind", "occupation") in services.CONCEPT_MODELS else None
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.propose_label(request.user, form.draft,
                                              approve=can_approve and request.POST.get("approve") == "1")
        except ValidationError as exc:
            from tvetbridge.core.forms import show_service_errors

            show_service_errors(form, exc)
        else:
            messages.success(request, _("The label was approved and is now shown everywhere.")
                             if proposal.status == LabelProposal.Status.APPROVED
                             else _("The label was proposed; a coordinator will decide on it."))
            return redirect(reverse("taxonomy_labels") + "?" + urlencode({"kind": proposal.kind}))
    return render(request, "taxonomy/labels/propose.html", {"form": form, "concept": concept,
                                                           "can_approve": can_approve})


@require_POST
def decide(request, pk: int):
    denied = need(request, "taxonomy.approve_labelproposal")
    if denied:
        return denied
    proposal = get_object_or_404(LabelProposal, pk=pk)
    form = DecideLabelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_label(request.user, proposal, approve=approve, reason=reason,
                              expected_version=posted_version(request))
    except Conflict as exc:
        messages.error(request, exc.message())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Approved: “%(label)s” is now the label shown everywhere.") % {
            "label": proposal.label} if approve else _("Rejected: “%(label)s”.") % {"label": proposal.label})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("taxonomy_labels")
    return redirect(back)


@require_http_methods(["GET", "POST"])
def sheet(request):
    """Download a sheet to fill in; upload a filled one."""
    # Asked before request.POST or request.FILES is touched: the body is not parsed for those denied.
    denied = need(request, "taxonomy.import_labelproposal")
    if denied:
        return denied
    can_approve = request.user.has_perm("taxonomy.approve_labelproposal")
    if request.method == "GET" and "download" in request.GET:
        download = LabelSheetForm(request.GET)
        if download.is_valid():
            kind, language = download.cleaned_data["kind"], download.cleaned_data["language"]
            response = HttpResponse(export_sheet(kind, language), content_type=CONTENT_TYPE)
            response["Content-Disposition"] = f'attachment; filename="labels-{kind}-{language}.xlsx"'
            return response
    form = LabelUploadForm(request.POST or None, request.FILES or None, can_approve=can_approve,
                           initial={"kind": request.GET.get("kind"), "language": request.GET.get("language")})
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        content = upload.read()
        options = {"approve": bool(data.get("approve")), "default_source": data["source"],
                   "default_language": data["language"]}
        if len(content) > settings.IMPORT_BACKGROUND_BYTES:
            job = services.start_label_import(request.user, data["kind"], content, upload.name, **options)
            return redirect("job_detail", pk=job.pk)
        result = services.import_labels(request.user, data["kind"], content, upload.name, **options)
    return render(request, "taxonomy/labels/sheet.html", {
        "form": form, "download": LabelSheetForm(initial=request.GET or None), "result": result,
        "columns": ("code", "label_en", "language", "label", "source")})
