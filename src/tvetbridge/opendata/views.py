"""Open-data pages: the IATI files at stable addresses, and what kept a project out of them.

The files and this page are public; the list of problems names fields of projects and is for members;
regenerating (and choosing to leave out activities with problems) is for coordinators.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_POST

from . import queries, services
from .models import IatiFile


def iati(request):
    files = queries.files()
    can_see_problems = request.user.has_perm("opendata.view_iati_problems")
    rows = []
    for kind, label in IatiFile.Kind.choices:
        f = files.get(kind)
        rows.append({"kind": kind, "label": label, "file": f,
                     "available": f is not None and f.generated_at is not None,
                     "problems": queries.problems_for_display(f.problems) if (f and can_see_problems) else []})
    return render(request, "opendata/iati.html", {
        "rows": rows, "can_regenerate": request.user.has_perm("opendata.regenerate_iatifile"),
        "can_see_problems": can_see_problems})


def _etag(request, kind: str):
    f = queries.files().get(kind)
    return quote_etag(f.sha256) if f and f.sha256 else None


def _last_modified(request, kind: str):
    f = queries.files().get(kind)
    return f.generated_at if f else None


@condition(etag_func=_etag, last_modified_func=_last_modified)
def iati_file(request, kind: str):
    f = queries.file_content(kind)
    if f is None:
        raise Http404(_("This file has not been generated yet."))
    resp = HttpResponse(bytes(f.content), content_type="application/xml; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="tvetbridge-iati-{kind}.xml"'
    resp["Cache-Control"] = "public, max-age=3600"
    resp["Last-Modified"] = http_date(f.generated_at.timestamp())
    return resp


@require_POST
def iati_regenerate(request):
    if not request.user.has_perm("opendata.regenerate_iatifile"):
        raise PermissionDenied(_("You do not have permission to do this."))
    job = services.regenerate_now(request.user, skip_invalid=request.POST.get("skip_invalid") == "1")
    messages.success(request, _("The IATI files are being regenerated."))
    return redirect(reverse("job_detail", args=[job.pk]))
