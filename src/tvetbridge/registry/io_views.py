"""Pages for importing and exporting registry records. The work is done in ``registry.io``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tvetbridge.core.forms import bounded_upload
from tvetbridge.core.uploads import FileRefused, StoredUpload, store_upload

from . import io
from .services import perm_name

SESSION_KEY = "registry_io_uploads"
# Long files are summarised: every error is listed, but at most this many row outcomes.
PREVIEW_ROWS = 1000


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=())
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, io.kind_label(kind)) for kind in kinds]

    def clean_file(self):
        return bounded_upload(self.cleaned_data["file"])


def _base_template():
    # The site layout belongs to the web app; a plain page keeps these views usable without it.
    return select_template(["web/base.html", "registry/io/standalone.html"])


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    kinds = io.importable_kinds(request.user)
    if request.method == "POST" and not kinds:
        # Decided before the request body is parsed, let alone the file.
        raise PermissionDenied(_("You may not import records."))
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind = form.cleaned_data["kind"]
        result = io.import_file(request.user, kind, data, upload.name, dry_run=True)
        token = None
        if result.ok:
            # Kept until confirmed, so the user does not upload twice; confirming validates it again.
            stored = store_upload(data, upload.name)
            token = stored.token
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {"kind": kind, **stored.as_dict()}
            request.session[SESSION_KEY] = uploads
        return render(request, "registry/io/preview.html", _result_context(result, token))
    return render(request, "registry/io/index.html", {
        "base_template": _base_template(), "form": form if kinds else None,
        "exports": [(kind, io.kind_label(kind)) for kind in io.KINDS
                    if request.user.has_perm(perm_name(io.SPECS[kind].model, "export"))]})


@login_required
@require_POST
def confirm(request):
    token = request.POST.get("token", "")
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    try:
        stored = StoredUpload.from_dict(entry or {})
    except FileRefused as exc:
        messages.error(request, str(exc))
        return redirect("io_index")
    request.session[SESSION_KEY] = uploads
    if io.runs_in_background(stored):
        # A large file is imported by a worker; the user follows it on the job's page.
        job = io.start_import(request.user, entry["kind"], stored)
        return redirect("job_detail", pk=job.pk)
    try:
        result = io.import_stored(request.user, entry["kind"], stored)
    finally:
        stored.discard()
    return render(request, "registry/io/preview.html", _result_context(result, None))


@login_required
@require_GET
def export(request, kind: str):
    if kind not in io.KINDS:
        raise Http404
    fmt = request.GET.get("format", "xlsx")
    if fmt not in io.FORMATS:
        fmt = "xlsx"
    # A user without the export permission gets PermissionDenied, which Django answers with 403.
    exported = io.export_file(request.user, kind, fmt, request.GET)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


def _result_context(result: io.ImportResult, token: str | None) -> dict:
    return {
        "base_template": _base_template(),
        "result": result,
        "kind_label": io.kind_label(result.kind),
        "counts": result.counts,
        "outcomes": result.outcomes[:PREVIEW_ROWS],
        "outcomes_cut": max(len(result.outcomes) - PREVIEW_ROWS, 0),
        "token": token,
    }
