"""Report pages: the archive and request form, job progress (with a JSON endpoint the page polls),
and the report itself as HTML, PDF and table exports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import show_service_errors

from . import services
from .forms import ReportRequestForm
from .models import Report, ReportJob


def index(request):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    can_generate = request.user.has_perm("reports.add_report")
    form = ReportRequestForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied(_("Only coordinators may generate reports."))
        if form.is_valid():
            try:
                job = services.request_report(request.user, **form.cleaned_data)
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                return redirect("report_job", pk=job.pk)
    return render(request, "reports/index.html", {
        "form": form, "can_generate": can_generate, "reports": services.latest_versions()[:100],
        "jobs": ReportJob.objects.filter(created_by=request.user)[:10] if request.user.is_authenticated else []})


def job(request, pk: int):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    return render(request, "reports/job.html", {"job": get_object_or_404(ReportJob, pk=pk)})


def job_status(request, pk: int):
    if not request.user.is_authenticated or not request.user.has_perm("reports.view_report"):
        return JsonResponse({"detail": _("Sign in to follow report jobs.")}, status=403)
    j = get_object_or_404(ReportJob, pk=pk)
    body = {"status": j.status, "status_label": j.get_status_display(), "progress": j.progress, "step": j.step,
            "error": j.error}
    if j.report_id:
        body.update({"report": j.report_id, "reused": j.reused,
                     "html_url": reverse("report_html", args=[j.report_id]),
                     "pdf_url": reverse("report_pdf", args=[j.report_id]),
                     "page_url": reverse("report_detail", args=[j.report_id])})
    return JsonResponse(body)


def _report(request, pk: int) -> Report:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.has_perm("reports.view_report"):
        raise PermissionDenied(_("You do not have permission to do this."))
    return get_object_or_404(Report, pk=pk)


def detail(request, pk: int):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    report = get_object_or_404(Report.objects.defer("html", "pdf"), pk=pk)
    versions = Report.objects.filter(kind=report.kind, scope=report.scope, period=report.period,
                                     language=report.language).defer("html", "pdf", "data").order_by("-version")
    return render(request, "reports/detail.html", {"report": report, "versions": versions,
                                                   "tables": services.export_tables(report)})


def _filename(report: Report, ext: str) -> str:
    return f"{slugify(f'{report.kind}-{report.scope}-{report.period}-{report.language}')}-v{report.version}.{ext}"


def html(request, pk: int):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    report = _report(request, pk)
    response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


def pdf(request, pk: int):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    report = _report(request, pk)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response


def export(request, pk: int, key: str, fmt: str):
    if (resp := _need(request, "reports.view_report")) is not None:
        return resp
    report = _report(request, pk)
    if fmt == "xlsx":
        response = HttpResponse(services.tables_xlsx(report), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
        return response
    try:
        text = services.table_csv(report, key)
    except KeyError as exc:
        raise Http404 from exc
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(key)}-{_filename(report, "csv")}"'
    return response
