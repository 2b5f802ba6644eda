"""Open-data pages: the IATI files at stable addresses, and what kept a project out of them.

The files and this page are public; the list of problems names fields of projects and is for members;
regenerating (and choosing to leave out activities with problems) is for coordinators.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_POST

from . import queries, services
from .io import dcat, tables
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


# --- downloads -------------------------------------------------------------------------------------

FORMATS = ("csv", "xlsx", "json")
LANGS = [("en", "en"), ("zh", "zh-hans"), ("ru", "ru"), ("kk", "kk")]


def _in_all_languages(message) -> dict[str, str]:
    out = {}
    for tag, code in LANGS:
        with translation.override(code):
            out[tag] = str(message)
    return out


def downloads(request):
    datasets = []
    for key, d in queries.DATASETS.items():
        rows = queries.dataset_rows(key)
        datasets.append({"key": key, "dataset": d, "n": len(rows), "about": queries.dataset_about(key, rows),
                         "dictionary": queries.dataset_dictionary(key), "formats": FORMATS})
    return render(request, "opendata/downloads.html", {"datasets": datasets, "licence": queries.LICENCE})


def download(request, key: str, fmt: str):
    if key not in queries.DATASETS or fmt not in FORMATS:
        raise Http404(_("No such download."))
    rows = queries.dataset_rows(key)
    about = queries.dataset_about(key, rows)
    columns = [c.name for c in queries.DATASETS[key].columns]
    dictionary = queries.dataset_dictionary(key)
    etag = quote_etag(f"{about['version']}-{fmt}-{translation.get_language()}")
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    if fmt == "csv":
        body = tables.write_csv(columns, rows)
    elif fmt == "xlsx":
        body = tables.write_xlsx(columns, rows, title=key, dictionary=dictionary, about=about)
    else:
        body = tables.write_json(rows, dictionary=dictionary, about=about)
    media = dcat.MEDIA_TYPES[fmt] + ("; charset=utf-8" if fmt != "xlsx" else "")
    resp = HttpResponse(body, content_type=media)
    resp["Content-Disposition"] = f'attachment; filename="tvetbridge-{key}-{about["version"]}.{fmt}"'
    resp["ETag"] = etag
    resp["Cache-Control"] = "public, max-age=600"
    return resp


def catalogue(request):
    base = request.build_absolute_uri("/")[:-1]
    datasets = []
    for key, d in queries.DATASETS.items():
        about = queries.dataset_about(key, queries.dataset_rows(key))
        datasets.append({
            "url": base + reverse("opendata_downloads") + f"#{key}", "identifier": key,
            "title": _in_all_languages(d.title), "description": _in_all_languages(d.description),
            "modified": about["date"], "version": about["version"], "licence": queries.LICENCE["url"],
            "distributions": [(fmt, base + reverse("opendata_download", args=[key, fmt])) for fmt in FORMATS]})
    for kind, f in queries.files().items():
        if f.generated_at is None:
            continue
        label = IatiFile.Kind(kind).label
        datasets.append({
            "url": base + reverse("opendata_iati") + f"#{kind}", "identifier": f"iati-{kind}",
            "title": {tag: f"IATI: {text}" for tag, text in _in_all_languages(label).items()},
            "description": _in_all_languages(label), "modified": f.generated_at.date().isoformat(),
            "version": f.sha256[:12], "licence": queries.LICENCE["url"],
            "distributions": [("xml", base + reverse("opendata_iati_file", args=[kind]))]})
    doc = dcat.catalogue(url=base + reverse("opendata_catalogue"), title=_in_all_languages(_("TVET Bridge open data")),
                         publisher="TVET Bridge", homepage=base + reverse("opendata_downloads"), datasets=datasets)
    resp = JsonResponse(doc, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False})
    resp["Cache-Control"] = "public, max-age=600"
    return resp


# --- public directory ------------------------------------------------------------------------------

def _filters(request, names: tuple[str, ...]) -> dict[str, str]:
    return {n: request.GET.get(n, "").strip()[:100] for n in names}


def _page(request, qs):
    page = Paginator(qs, queries.DIRECTORY_PAGE).get_page(request.GET.get("page"))
    rest = request.GET.copy()
    rest.pop("page", None)
    return page, rest.urlencode()


def directory(request):
    filters = _filters(request, ("q", "country", "kind", "field", "language"))
    page, page_query = _page(request, queries.directory_institutions(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "institutions", "filters": filters, "choices": queries.directory_choices(),
        "page": page, "page_query": page_query})


def directory_projects(request):
    filters = _filters(request, ("q", "country", "kind", "status"))
    page, page_query = _page(request, queries.directory_projects(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "projects", "filters": filters, "choices": queries.directory_choices(),
        "page": page, "page_query": page_query})


def directory_alliances(request):
    filters = _filters(request, ("q",))
    page, page_query = _page(request, queries.directory_alliances(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "alliances", "filters": filters, "choices": queries.directory_choices(),
        "page": page, "page_query": page_query})


def directory_alliance(request, key: str):
    overview = queries.alliance_profile(key)
    if overview is None:
        raise Http404(_("No published alliance has this identifier."))
    return render(request, "opendata/alliance.html", {"overview": overview, "alliance": overview["alliance"]})


def directory_institution(request, key: str):
    profile = queries.institution_profile(key)
    if profile is None:
        raise Http404(_("No published institution has this identifier."))
    return render(request, "opendata/institution.html", profile)


def directory_project(request, key: str):
    profile = queries.project_profile(key)
    if profile is None:
        raise Http404(_("No published project has this identifier."))
    return render(request, "opendata/project.html", profile)
