"""Pages for importing and exporting registry records. The work is done in ``registry.io``."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import io

SESSION_KEY = "registry_io_uploads"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Long files are summarised: every error is listed, but at most this many row outcomes.
PREVIEW_ROWS = 1000


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=())
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, io.kind_label(kind)) for kind in io.KINDS]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d MB.")
                                        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


def _base_template():
    # The site layout belongs to the web app; a plain page keeps these views usable without it.
    return select_template(["web/base.html", "registry/io/standalone.html"])


def _upload_dir() -> Path:
    root = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind = form.cleaned_data["kind"]
        result = io.import_file(request.user, kind, data, upload.name, dry_run=True)
        token = None
        if result.ok:
            # Kept until confirmed, so the user does not upload twice; confirming validates it again.
            token = secrets.token_urlsafe(16)
            (_upload_dir() / token).write_bytes(data)
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {"kind": kind, "filename": upload.name}
            request.session[SESSION_KEY] = uploads
        return render(request, "registry/io/preview.html", _result_context(result, token))
    return render(request, "registry/io/index.html", {
        "base_template": _base_template(), "form": form,
        "exports": [(kind, io.kind_label(kind)) for kind in io.KINDS]})


@login_required
@require_POST
def confirm(request):
    token = request.POST.get("token", "")
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    path = _upload_dir() / token if token.replace("-", "").replace("_", "").isalnum() else None
    if entry is None or path is None or not path.exists():
        messages.error(request, _("That upload has expired; please upload the file again."))
        return redirect("io_index")
    request.session[SESSION_KEY] = uploads
    try:
        result = io.import_file(request.user, entry["kind"], path.read_bytes(), entry["filename"])
    finally:
        path.unlink(missing_ok=True)
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
