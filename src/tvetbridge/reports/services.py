"""Generating, archiving and exporting reports.

``generate_report`` is the whole pipeline: collect each section's data snapshot in the report's
language, hash it, and reuse the archived version with that hash if there is one (the same data and
period give the same report); otherwise draw the charts, render HTML and PDF, and store a new
version. ``request_report`` records a ``ReportJob`` and queues a background job (``reports/tasks.py``)
that a worker runs once the transaction commits; the job's status and progress are what the page polls.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tvetbridge.core.cells import csv_row, xlsx_row
from tvetbridge.core.jobs import JobCancelled, enqueue
from tvetbridge.core.pdf import render_pdf
from tvetbridge.risk.engine.periods import Period

from .models import Kind, Report, ReportJob
from .sections import Context, resolve_scope, sections_for

log = logging.getLogger(__name__)

# Bump when a change of layout or section logic should produce new versions from unchanged data.
FORMAT_VERSION = 2
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
Progress = Callable[[int, str], None]


def _quiet(_pct: int, _step: str) -> None:
    return None


def validate_request(kind: str, scope: str, period: str, language: str) -> tuple[Period, str]:
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Unknown report kind “%(value)s”.") % {"value": kind}]
    if language not in LANGUAGE_CODES:
        errors["language"] = [_("Unknown language “%(value)s”.") % {"value": language}]
    p = None
    try:
        p = Period.parse(period)
        if p.is_future(timezone.localdate()):
            errors["period"] = [_("%(value)s has not begun yet.") % {"value": p}]
    except ValueError:
        errors["period"] = [_("“%(value)s” is not a period; write a year (2026) or a quarter (2026-Q3).")
                            % {"value": period}]
    scope_key = scope
    try:
        scope_key = resolve_scope(scope).key
    except ValueError as exc:
        errors["scope"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return p, scope_key


def snapshot(kind: str, scope: str, period: Period, language: str, progress: Progress = _quiet) -> dict:
    """Every figure the report shows, as JSON: the thing that is hashed and archived."""
    with translation.override(language):
        sc = resolve_scope(scope)
        ctx = Context(scope=sc, period=period, language=language)
        secs = sections_for(kind)
        sections = []
        for i, section in enumerate(secs):
            progress(5 + int(45 * i / len(secs)), str(section.title))
            sections.append({"key": section.key, "data": section.collect(ctx)})
        return {"format": FORMAT_VERSION, "kind": kind, "scope": sc.key, "scope_label": sc.label,
                "countries": sc.countries, "period": str(period), "language": language, "sections": sections,
                "sources": ctx.sources}


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def title_for(kind: str, data: dict) -> str:
    return _("%(kind)s — %(scope)s, %(period)s") % {"kind": Kind(kind).label, "scope": data["scope_label"],
                                                   "period": data["period"]}


def prepare_sections(kind: str, data: dict, progress: Progress = _quiet) -> list[dict]:
    """Sections ready for the template, charts drawn once for both the HTML and the PDF."""
    language = data["language"]
    with translation.override(language):
        by_key = {s.key: s for s in sections_for(kind)}
        rendered = []
        for n, item in enumerate(data["sections"], start=1):
            section = by_key.get(item["key"])
            if section is None:
                continue
            progress(50 + int(20 * n / len(data["sections"])), str(section.title))
            rendered.append({"number": len(rendered) + 1, "key": item["key"], "title": str(section.title),
                             "template": section.template, "data": item["data"],
                             "print_data": section.for_print(item["data"]),
                             "charts": section.charts(item["data"], language)})
        return rendered


def render_html(kind: str, data: dict, sections: list[dict], *, generated, version: int, digest: str,
                for_pdf: bool = False) -> str:
    language = data["language"]
    with translation.override(language):
        return render_to_string("reports/document.html", {
            "title": title_for(kind, data), "data": data, "sections": sections, "generated": generated,
            "version": version, "digest": digest, "language": language, "for_pdf": for_pdf,
            "kind_label": Kind(kind).label})


def _latest(kind, scope, period, language) -> Report | None:
    return (Report.objects.filter(kind=kind, scope=scope, period=period, language=language)
            .order_by("-version").first())


def generate_report(kind: str, scope: str, period: str, language: str, *, user=None,
                    progress: Progress = _quiet) -> tuple[Report, bool]:
    """Return (report, created). An unchanged data snapshot reuses the archived version."""
    p, scope_key = validate_request(kind, scope, period, language)
    data = snapshot(kind, scope_key, p, language, progress)
    digest = content_hash(data)
    latest = _latest(kind, scope_key, str(p), language)
    if latest is not None and latest.content_hash == digest:
        progress(100, _("Unchanged data: the archived version is reused."))
        return latest, False
    version = (latest.version + 1) if latest else 1
    generated = timezone.now()
    sections = prepare_sections(kind, data, progress)
    html = render_html(kind, data, sections, generated=generated, version=version, digest=digest)
    progress(75, _("Typesetting the PDF"))
    pdf = render_pdf(render_html(kind, data, sections, generated=generated, version=version, digest=digest,
                                 for_pdf=True))
    progress(95, _("Archiving"))
    with translation.override(language):
        title = title_for(kind, data)
    try:
        with transaction.atomic():
            report = Report.objects.create(kind=kind, scope=scope_key, period=str(p), language=language,
                                           version=version, content_hash=digest, title=title, data=data, html=html,
                                           pdf=pdf, created_by=user if getattr(user, "is_authenticated", False)
                                           else None)
    except IntegrityError:
        # A concurrent job archived this version first; if it holds the same data, that is our report.
        report = _latest(kind, scope_key, str(p), language)
        if report is None or report.content_hash != digest:
            raise
        return report, False
    progress(100, _("Done"))
    return report, True


# ---------------------------------------------------------------------------------------------------
# Jobs


@transaction.atomic
def request_report(user, *, kind: str, scope: str, period: str, language: str) -> ReportJob:
    if not user.has_perm("reports.add_report"):
        raise PermissionDenied(_("Only coordinators may generate reports."))
    p, scope_key = validate_request(kind, scope, period, language)
    report_job = ReportJob.objects.create(kind=kind, scope=scope_key, period=str(p), language=language,
                                          created_by=user)
    from .tasks import generate  # tasks import this module

    report_job.job = enqueue(generate, user=user, report_job_id=report_job.pk)
    report_job.save(update_fields=["job"])
    return report_job


# The final status must land (the page polls for it), so it is retried briefly; SQLite in particular
# answers "database table is locked" while another connection writes.
FINAL_WRITE_ATTEMPTS = 5
FINAL_WRITE_BACKOFF_S = 0.2


def _write_job(job_id: int, **fields) -> bool:
    """Update the job row; False instead of an exception when the database refuses. The savepoint keeps
    a refused write from breaking a surrounding transaction (PostgreSQL aborts it otherwise)."""
    try:
        with transaction.atomic():
            ReportJob.objects.filter(pk=job_id).update(updated=timezone.now(), **fields)
    except DatabaseError as exc:
        log.warning("report job %s: could not record %s: %s", job_id, sorted(fields), exc)
        return False
    return True


def _write_job_final(job_id: int, **fields) -> None:
    for attempt in range(FINAL_WRITE_ATTEMPTS):
        if _write_job(job_id, **fields):
            return
        time.sleep(FINAL_WRITE_BACKOFF_S * (attempt + 1))
    log.error("report job %s: final status %s could not be recorded", job_id, fields.get("status"))


def run_job(job_id: int, *, check_cancelled: Callable[[], None] = lambda: None) -> ReportJob:
    """Generate the report of a job, recording progress as it goes; failures are recorded, not raised.

    Progress is best-effort: a progress write the database refuses is logged and skipped, never a reason
    for the job to fail. ``check_cancelled`` raises when the user has cancelled the background job."""
    job = ReportJob.objects.get(pk=job_id)

    def progress(pct: int, step: str) -> None:
        _write_job(job_id, progress=min(100, max(0, pct)), step=step[:200])
        check_cancelled()

    _write_job(job_id, status=ReportJob.Status.RUNNING, progress=1, error="")
    try:
        report, created = generate_report(job.kind, job.scope, job.period, job.language, user=job.created_by,
                                          progress=progress)
    except JobCancelled:
        _write_job_final(job_id, status=ReportJob.Status.CANCELLED)
        raise
    except Exception as exc:
        # Recorded for the page, then raised for the background job, which retries or fails.
        log.exception("report job %s failed", job_id)
        _write_job_final(job_id, status=ReportJob.Status.FAILED, error=str(exc)[:2000])
        raise
    else:
        _write_job_final(job_id, status=ReportJob.Status.DONE, progress=100, report=report, reused=not created)
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------------------------------------------
# Exports


def export_tables(report: Report) -> list[dict]:
    return [t for s in report.data["sections"] for t in s["data"].get("tables", [])]


def table_csv(report: Report, key: str) -> str:
    for t in export_tables(report):
        if t["key"] == key:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(csv_row(t["columns"]))
            writer.writerows(csv_row(row) for row in t["rows"])
            return out.getvalue()
    raise KeyError(key)


def tables_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in export_tables(report):
        name = t["key"][:31]
        while name in used:
            name = name[:29] + str(len(used))
        used.add(name)
        ws = wb.create_sheet(name)
        ws.append(xlsx_row(ws, t["columns"]))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in t["rows"]:
            ws.append(xlsx_row(ws, row))
    ws = wb.create_sheet("sources")
    ws.append(["#", "title", "publisher", "document", "locator", "url", "published", "synthetic"])
    for i, s in enumerate(report.data.get("sources", []), start=1):
        ws.append(xlsx_row(ws, [i, s["title"], s["publisher"], s["document"], s["locator"], s["url"],
                                s["published"], s["synthetic"]]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def latest_versions():
    """The newest version of each archived report, for the archive page."""
    newest = (Report.objects.values("kind", "scope", "period", "language").annotate(v=Max("version")))
    keys = {(r["kind"], r["scope"], r["period"], r["language"], r["v"]) for r in newest}
    return [r for r in Report.objects.defer("html", "pdf", "data").order_by("-created")
            if (r.kind, r.scope, r.period, r.language, r.version) in keys]
