"""Public pages (home, countries, country dashboards) and the coordinators' audit log."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tvetbridge.core.models import Country
from tvetbridge.registry import queries

from . import audit, charts
from . import search as site_search

CHART_CACHE_SECONDS = 24 * 3600


def home(request):
    return render(request, "web/home.html", queries.home_aggregates())


def search(request):
    text = " ".join((request.GET.get("q") or "").split())[:site_search.MAX_QUERY]
    groups = site_search.search(request.user, text) if text else []
    return render(request, "web/search.html", {
        "q": text, "site_search_q": text, "groups": groups, "too_short": bool(text) and not site_search.usable(text),
        "total": sum(len(g.hits) for g in groups)})


def country_list(request):
    return render(request, "web/country_list.html", {"countries": queries.country_list()})


def _cached_svg(kind: str, country: Country, version: str, build) -> str:
    digest = hashlib.sha1(version.encode()).hexdigest()[:16]
    key = f"tvetbridge:svg:{kind}:{country.code}:{get_language()}:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = build()
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


def country_dashboard(request, code: str):
    country = get_object_or_404(Country, code=code.upper())
    data = queries.country_dashboard(country)
    version = queries.dashboard_version(country)
    centre = (country.latitude, country.longitude) if country.latitude is not None else None
    labels = {"institutions": _("Institutions"), "projects": _("Cooperation projects"), "count": _("Number")}
    map_svg = _cached_svg("map", country, version, lambda: charts.country_map_svg(
        numeric=country.numeric, points=queries.map_points(country), centre=centre, labels=labels))
    kind_rows = [{"label": row["label"], "value": row["total"]} for row in data["projects_by_kind"]]
    field_rows = [{"label": f.name, "value": f.total} for f in data["projects_by_field"]]
    kind_svg = _cached_svg("kinds", country, version, lambda: charts.bar_chart_svg(
        kind_rows, label_title=_("Cooperation projects by kind"), value_title=_("projects")))
    field_svg = _cached_svg("fields", country, version, lambda: charts.bar_chart_svg(
        field_rows, label_title=_("Cooperation projects by field of study"), value_title=_("projects")))
    footnotes: list = []
    for stat in data["statistics"]:
        if stat.source not in footnotes:
            footnotes.append(stat.source)
        stat.footnote = footnotes.index(stat.source) + 1
    member = request.user.is_authenticated and request.user.has_perm("registry.view_institution")
    context = {
        **data, "country": country, "map_svg": map_svg, "kind_svg": kind_svg, "field_svg": field_svg,
        "footnotes": footnotes, "is_member": member,
        "institutions_url": reverse("institution_list") + "?" + urlencode({"country": country.code}),
        "projects_url": reverse("cooperationproject_list") + "?" + urlencode({"country": country.code}),
    }
    return render(request, "web/country_dashboard.html", context)


# --- audit --------------------------------------------------------------------------------------------

def audit_log(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("registry.view_audit"):
        raise PermissionDenied(_("Only coordinators and administrators may read the audit log."))
    model_name = request.GET.get("model") or None
    if model_name not in audit.AUDITED():
        model_name = None
    user_id = request.GET.get("user") or None
    if user_id and not user_id.isdigit():
        user_id = None
    object_id = request.GET.get("object") or None
    if object_id and not object_id.isdigit():
        object_id = None
    rows = audit.history_rows(model_name, user_id, object_id)
    page = Paginator(rows, audit.AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = audit.load_entries(list(page.object_list))
    keep = {k: v for k, v in {"model": model_name, "user": user_id, "object": object_id}.items() if v}
    context = {
        "page": page, "entries": entries, "page_query": urlencode(keep),
        "models": [(name, model._meta.verbose_name_plural) for name, model in audit.AUDITED().items()],
        "users": get_user_model().objects.order_by("username").only("pk", "username"),
        "selected_model": model_name or "", "selected_user": user_id or "", "selected_object": object_id or "",
    }
    return render(request, "web/audit_log.html", context)
