"""Open-data pages: the IATI files at stable addresses and what kept a project out of them, the
downloads, the public directory, and the exemplary cases.

The files and this page are public; the list of problems names fields of projects and is for members;
regenerating (and choosing to leave out activities with problems) is for coordinators.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_POST

from tvetbridge.core.access import need
from tvetbridge.core.forms import expected_version, posted_version, show_service_errors
from tvetbridge.core.services import Conflict
from tvetbridge.outcomes.reliability import VERDICT_TITLES, method_label
from tvetbridge.registry.models import Enterprise

from . import queries, services
from .engine import series as series_svg
from .forms import CaseForm, ListingForm, MaterialForm
from .io import card, dcat, tables
from .models import CaseMaterial, EnterpriseListing, ExemplaryCase, IatiFile


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
        "tab": "institutions", "filters": filters, "choices": queries.directory_choices("institutions"),
        "page": page, "page_query": page_query})


def directory_projects(request):
    filters = _filters(request, ("q", "country", "kind", "status"))
    page, page_query = _page(request, queries.directory_projects(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "projects", "filters": filters, "choices": queries.directory_choices("projects"),
        "page": page, "page_query": page_query})


def directory_alliances(request):
    filters = _filters(request, ("q",))
    page, page_query = _page(request, queries.directory_alliances(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "alliances", "filters": filters, "choices": queries.directory_choices("alliances"),
        "page": page, "page_query": page_query})


def directory_enterprises(request):
    filters = _filters(request, ("q", "country", "sector"))
    page, page_query = _page(request, queries.directory_enterprises(**filters))
    return render(request, "opendata/directory.html", {
        "tab": "enterprises", "filters": filters, "choices": queries.directory_choices("enterprises"),
        "page": page, "page_query": page_query})


def directory_enterprise(request, key: str):
    profile = queries.enterprise_profile(key)
    if profile is None:
        raise Http404(_("No listed enterprise has this identifier."))
    return render(request, "opendata/enterprise.html", profile)


def enterprise_listing(request, pk: int):
    """An enterprise's consent to be listed: its staff decide, coordinators record on its behalf."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    listing = EnterpriseListing.objects.filter(enterprise=enterprise).first()
    if (denied := need(request, "opendata.change_enterpriselisting", listing or EnterpriseListing(enterprise=enterprise))):
        return denied
    form = ListingForm(request.POST or None, listing=listing)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_enterprise_listing(request.user, enterprise, listed=form.cleaned_data["listed"],
                                            reason=form.cleaned_data["reason"],
                                            expected_version=expected_version(form))
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Your decision on the public listing is recorded."))
            return redirect(reverse("opendata_enterprise_listing", args=[pk]))
    return render(request, "opendata/enterprise_listing.html", {
        "enterprise": enterprise, "listing": listing, "form": form,
        "decisions": queries.listing_decisions(listing) if listing else []})


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


# --- exemplary cases -------------------------------------------------------------------------------

def _case(request, slug: str) -> ExemplaryCase:
    case = queries.cases_for(request.user).filter(slug=slug).first()
    if case is None:
        raise Http404(_("No published case has this address."))
    return case


def cases(request):
    return render(request, "opendata/cases.html", {
        "cases": queries.cases_for(request.user).select_related("project__host_country").order_by("-published_at", "slug"),
        "can_add": request.user.has_perm("opendata.add_exemplarycase")})


def _gain_text(figure: dict, currency: str) -> str:
    """The income sentence the evidence allows, in the reader's language."""
    values = {"estimate": intcomma(round(figure.get("estimate", 0))), "low": intcomma(round(figure.get("low", 0))),
              "high": intcomma(round(figure.get("high", 0))), "level": figure.get("level", 95), "currency": currency}
    if figure["state"] == "gain":
        return _("+%(estimate)s %(currency)s a month (%(level)s%% interval %(low)s to %(high)s)") % values
    if figure["state"] == "no_gain":
        return _("No measurable income gain (the %(level)s%% interval, %(low)s to %(high)s %(currency)s, "
                 "includes zero)") % values
    if figure["state"] == "loss":
        return _("Income fell: %(estimate)s %(currency)s a month (%(level)s%% interval %(low)s to "
                 "%(high)s)") % values
    if figure["state"] == "withheld":
        return _("Impact estimate withheld: fewer than 5 people in a group")
    return _("No impact estimate is available")


def _case_context(request, case: ExemplaryCase) -> dict:
    impact = services.case_impact(case)
    figures = queries.case_figures(case, impact)
    gain = _gain_text(figures["impact"], figures["basis"].currency)
    ctx = {"case": case, "figures": figures, "steps": figures["steps"], "gain_text": gain,
           "impact": figures["impact"], "materials": queries.case_materials(case, request.user),
           "method_label": method_label(figures["impact"].get("method", "")),
           # The verdict's title only: its reasons name counts of people, which a public page may not show
           # under 5 (the full verdict is on the project's results page).
           "verdict_title": str(VERDICT_TITLES.get(figures["impact"].get("verdict", ""), "")),
           "suppress_below": queries.SUPPRESS_BELOW,
           "can_edit": request.user.has_perm("opendata.change_exemplarycase", case),
           "can_publish": request.user.has_perm("opendata.publish_exemplarycase", case),
           "can_add_material": request.user.has_perm("opendata.change_casematerial", CaseMaterial(case=case))}
    if ctx["can_publish"] and not case.is_published:
        ctx["publish_problems"] = services.publish_problems(case, impact)
    return ctx


def case_detail(request, slug: str):
    case = _case(request, slug)
    ctx = _case_context(request, case)
    ctx["og_image"] = request.build_absolute_uri(reverse("opendata_case_card", args=[case.slug]))
    ctx["og_url"] = request.build_absolute_uri(reverse("opendata_case", args=[case.slug]))
    ctx["og_description"] = ctx["gain_text"]
    resp = render(request, "opendata/case.html", ctx)
    if not case.is_published:
        resp["Cache-Control"] = "private, no-store"
    return resp


def case_card(request, slug: str):
    case = _case(request, slug)
    ctx = _case_context(request, case)
    steps = ctx["steps"]
    facts = []
    for key, message in (("enrolled", _("%(n)s trained")), ("employed", _("%(n)s employed in the trained occupation"))):
        cell = steps[key]
        n = (_("fewer than %(n)d") % {"n": queries.SUPPRESS_BELOW}) if cell["suppressed"] else intcomma(cell["count"])
        facts.append(message % {"n": n})
    if ctx["figures"]["cost_per_employed"]:
        facts.append(_("%(cost)s %(currency)s per employed graduate") % {
            "cost": intcomma(round(ctx["figures"]["cost_per_employed"])), "currency": ctx["figures"]["basis"].currency})
    body = card.render(title=case.title, headline=ctx["gain_text"], facts=facts,
                       footer=f"TVET Bridge · {case.project.host_country}",
                       cjk=translation.get_language() == "zh-hans")
    resp = HttpResponse(body, content_type="image/png")
    resp["Cache-Control"] = "public, max-age=600" if case.is_published else "private, no-store"
    return resp


def case_photo(request, slug: str, pk: int):
    case = _case(request, slug)
    material = case.materials.filter(pk=pk, kind=CaseMaterial.Kind.PHOTO).exclude(image="").first()
    if material is None or not request.user.has_perm("opendata.view_casematerial", material):
        raise Http404(_("No such photo."))
    resp = FileResponse(material.image.open("rb"), content_type=material.content_type)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "public, max-age=600" if case.is_published else "private, no-store"
    return resp


def case_edit(request, slug: str | None = None):
    case = _case(request, slug) if slug else None
    gate = need(request, "opendata.change_exemplarycase" if case else "opendata.add_exemplarycase", case)
    if gate:
        return gate
    form = CaseForm(request.POST or None, instance=case)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            if case is None:
                case = services.create_case(request.user, data)
            else:
                data.pop("project", None)
                case = services.update_case(request.user, case, data, expected_version=expected_version(form))
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            messages.success(request, _("Saved."))
            return redirect("opendata_case", slug=case.slug)
    elif form.errors:
        status = 400
    return render(request, "opendata/case_form.html", {"form": form, "case": case}, status=status)


@require_POST
def case_publish(request, slug: str):
    case = _case(request, slug)
    gate = need(request, "opendata.publish_exemplarycase", case)
    if gate:
        return gate
    version = posted_version(request)
    try:
        if request.POST.get("action") == "unpublish":
            services.unpublish_case(request.user, case, expected_version=version)
            messages.success(request, _("The case is a draft again."))
        else:
            services.publish_case(request.user, case, expected_version=version)
            messages.success(request, _("The case is published."))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    except Conflict as exc:
        messages.error(request, exc.message())
    return redirect("opendata_case", slug=case.slug)


def case_material_add(request, slug: str):
    case = _case(request, slug)
    gate = need(request, "opendata.change_casematerial", CaseMaterial(case=case))
    if gate:
        return gate
    form = MaterialForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "image"}
        try:
            services.add_material(request.user, case, data, upload=form.cleaned_data.get("image"))
        except ValidationError as exc:
            show_service_errors(form, exc)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("opendata_case", slug=case.slug)
    elif form.errors:
        status = 400
    return render(request, "opendata/case_material_form.html", {"form": form, "case": case}, status=status)


@require_POST
def case_material_remove(request, slug: str, pk: int):
    case = _case(request, slug)
    material = case.materials.filter(pk=pk).first()
    if material is None:
        raise Http404(_("No such material."))
    gate = need(request, "opendata.delete_casematerial", material)
    if gate:
        return gate
    services.remove_material(request.user, material)
    messages.success(request, _("Removed."))
    return redirect("opendata_case", slug=case.slug)


# --- country profiles over time ------------------------------------------------------------------

def countries(request):
    """Cross-country comparison: each focus country's latest figure of every series, with its trend."""
    rows, keys = [], {}
    for country in queries.focus_countries():
        series = queries.country_series(country)
        years = queries.series_years(series)
        cells = {}
        for s in series:
            # an amount is never shown without its currency and price basis
            keys.setdefault(s.key, f"{s.label} ({s.unit})" if s.key == "income_gain" else s.label)
            cells[s.key] = {"series": s, "latest": s.latest(),
                            "svg": series_svg.line_svg(years, s.values(years), title=f"{country} · {s.label}",
                                                       width=120, height=36, axis=False)}
        rows.append({"country": country, "cells": cells})
    return render(request, "opendata/countries.html", {"rows": rows, "columns": list(keys.items()),
                                                       "suppress_below": queries.SUPPRESS_BELOW})


def country_profile(request, code: str):
    country = queries.focus_countries().filter(code=code.upper()).first()
    if country is None:
        raise Http404(_("No country profile for this code."))
    series = queries.country_series(country)
    years = queries.series_years(series)
    charts = [{"series": s, "years": [(y, s.points.get(y)) for y in years],
               "svg": series_svg.line_svg(years, s.values(years), title=s.label)} for s in series if s.points]
    return render(request, "opendata/country.html", {"country": country, "charts": charts,
                                                     "suppress_below": queries.SUPPRESS_BELOW})
