"""The portfolio page and its export. The reads are in ``queries``; the files are written by the
platform's exporters, whose cells cannot run as formulas."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tvetbridge.outcomes.forms import BasisForm
from tvetbridge.registry.io.files import write_csv, write_xlsx

from . import queries
from .table import export_table

STATUS_ORDER = [queries.ON_TRACK, queries.AT_RISK, queries.OFF_TRACK, queries.NO_DATA, queries.NO_TARGET]


def _allowed(request):
    if not request.user.has_perm("portfolio.view_portfolio"):
        raise PermissionDenied


def _view_params(data) -> dict[str, str]:
    """The query string that reproduces what is shown: filters, money basis and sort."""
    basis = data["basis"]
    return {**data["filters"].as_params(), "currency": basis.currency, "prices": "real" if basis.real else "nominal",
            "base_year": str(basis.base_year), "sort": ("-" if data["descending"] else "") + data["sort"]}


@login_required
def portfolio(request):
    _allowed(request)
    data = queries.portfolio(request.user, request.GET)
    params = _view_params(data)
    headers = []
    for column in queries.COLUMNS:
        # a first click sorts figures from the highest and names from A
        if column.key == data["sort"]:
            descending = not data["descending"]
        else:
            descending = column.key not in ("project", "country", "status")
        headers.append({"key": column.key, "label": column.label, "active": column.key == data["sort"],
                        "descending": data["descending"], "numeric": column.key not in ("project", "country", "status"),
                        "url": "?" + urlencode({**params, "sort": ("-" if descending else "") + column.key})})
    query = urlencode(params)
    basis = data["basis"]
    return render(request, "portfolio/portfolio.html", {
        **data, "headers": headers, "choices": queries.filter_choices(request.user),
        "rules": queries.RULES_TEXT, "legend": [(s, queries.STATUS_LABELS[s]) for s in STATUS_ORDER],
        "csv_url": reverse("portfolio_export", args=["csv"]) + "?" + query,
        "xlsx_url": reverse("portfolio_export", args=["xlsx"]) + "?" + query,
        "basis_form": BasisForm(initial={"currency": basis.currency, "prices": "real" if basis.real else "nominal",
                                         "base_year": basis.base_year}),
    })


@login_required
def portfolio_export(request, fmt: str):
    _allowed(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = queries.portfolio(request.user, request.GET)
    header, rows = export_table(data, base_url=request.build_absolute_uri("/").rstrip("/"))
    name = f"tvetbridge-portfolio-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(write_xlsx(header, rows, title=_("Portfolio")),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
