"""Periodic reports: reproducible versions, PDF text in Russian and Chinese, HTML, exports, jobs."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(bytes(data))).pages)


@pytest.fixture
def period():
    from tvetbridge.risk.services import current_period

    return str(current_period())


def test_same_data_same_report_new_data_new_version(risk_world, period):
    from tvetbridge.reports.models import Report
    from tvetbridge.reports.services import generate_report
    from tvetbridge.risk.models import RiskEvent

    first, created = generate_report("risk", "region", period, "en")
    assert created and first.version == 1
    again, created = generate_report("risk", "region", period, "en")
    assert not created and again.pk == first.pk and again.content_hash == first.content_hash
    assert Report.objects.count() == 1
    RiskEvent.objects.create(country=risk_world["kz"], date=first.created.date(), kind="policy_change", severity=2,
                             title="Visa rules tightened", source="Gazette")
    newer, created = generate_report("risk", "region", period, "en")
    assert created and newer.version == 2 and newer.content_hash != first.content_hash
    assert "Visa rules tightened" in newer.html


def test_pdf_in_russian_and_chinese_has_their_text(risk_world, period):
    from tvetbridge.reports.services import generate_report

    ru, _ = generate_report("risk", "region", period, "ru")
    text = pdf_text(ru.pdf)
    assert "Таджикистан" in text and "Казахстан" in text and period in text
    zh, _ = generate_report("risk", "region", period, "zh-hans")
    text = pdf_text(zh.pdf)
    assert "塔吉克斯坦" in text and "哈萨克斯坦" in text
    assert ru.content_hash != zh.content_hash


def test_html_report_has_sections_charts_sources_and_date(risk_world, period):
    from tvetbridge.reports.services import generate_report

    report, _ = generate_report("risk", "country:TJ", period, "en")
    html = report.html
    for anchor in ('id="risk_summary"', 'id="risk_dimensions"', 'id="method"', 'id="sources"'):
        assert anchor in html
    assert "<svg" in html and "INFORM Risk Index 2021" in html and "Generated" in html
    assert "Tajikistan" in html and "Kazakhstan" not in html.split('id="sources"')[0].split("Scope")[1][:200]


def test_results_report_lists_projects_results_and_statistics(risk_world, period):
    from tvetbridge.core.models import Source
    from tvetbridge.registry.models import CountryStatistic, ReportedResult
    from tvetbridge.reports.services import generate_report

    src = Source.objects.create(key="moe-kz", title="Ministry of Education of Kazakhstan", locator="table 2")
    ReportedResult.objects.create(project=risk_world["project"], indicator="trained", value=349, source=src)
    CountryStatistic.objects.create(country=risk_world["kz"], indicator="students", period="2025-2026",
                                    value=562000, source=src)
    report, _ = generate_report("results", "country:KZ", period, "en")
    assert "Luban Workshop (ALT)" in report.html and "349" in report.html
    assert "562" in report.html and "Ministry of Education of Kazakhstan" in report.html
    kinds = {t["key"] for s in report.data["sections"] for t in s["data"].get("tables", [])}
    assert {"projects_by_kind", "projects_by_country", "projects_by_field", "reported_results",
            "country_statistics"} <= kinds


def test_bad_requests_are_refused(risk_world):
    from django.core.exceptions import ValidationError

    from tvetbridge.reports.services import generate_report

    for args, field in ((("risk", "region", "2099-Q1", "en"), "period"), (("risk", "country:QQ", "2026", "en"), "scope"),
                        (("risk", "region", "2026", "fr"), "language"), (("nope", "region", "2026", "en"), "kind")):
        with pytest.raises(ValidationError) as info:
            generate_report(*args)
        assert field in info.value.message_dict


def test_job_page_progress_and_downloads(risk_world, client, users, period, settings,
                                          django_capture_on_commit_callbacks):
    from tvetbridge.reports.models import ReportJob

    settings.REPORTS_RUN_INLINE = True
    client.force_login(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports"), {"kind": "results", "scope": "region", "period": period,
                                                    "language": "kk"})
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("report_job", args=[job.pk])
    status = client.get(reverse("report_job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100
    pdf = client.get(status["pdf_url"])
    assert pdf["Content-Type"] == "application/pdf" and "Қазақстан" in pdf_text(b"".join(pdf)
                                                                                 if pdf.streaming else pdf.content)
    xlsx = client.get(reverse("report_xlsx", args=[status["report"]]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get(reverse("report_csv", args=[status["report"], "projects_by_kind"]))
    # The table is in the report's language: the project kind reads in Kazakh.
    assert csv.status_code == 200 and "Лу Бань шеберханасы" in csv.content.decode("utf-8-sig")


def test_only_managers_generate(risk_world, client, users, period):
    client.force_login(users["institution"])
    response = client.post(reverse("reports"), {"kind": "risk", "scope": "region", "period": period, "language": "en"})
    assert response.status_code == 403


def test_generate_reports_command_reuses_unchanged(risk_world, period):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("generate_reports", "--period", period, "--language", "ru", "--kind", "risk", stdout=out)
    call_command("generate_reports", "--period", period, "--language", "ru", "--kind", "risk", stdout=out)
    lines = out.getvalue().splitlines()
    assert "(new version)" in lines[0] and "(unchanged)" in lines[1]


def test_refused_progress_writes_do_not_fail_the_job(risk_world, users, period, monkeypatch, caplog):
    """As in CI on SQLite's shared in-memory database, where the live server's connection can hold the
    table: every progress write and the first attempt at the final status are refused."""
    from django.db import OperationalError
    from django.db.models.query import QuerySet

    from tvetbridge.reports import services
    from tvetbridge.reports.models import Report, ReportJob

    job = ReportJob.objects.create(kind="risk", scope="region", period=period, language="ru",
                                   created_by=users["coordinator"])
    real_update = QuerySet.update
    refused = {"progress": 0, "final": 0}

    def update(qs, **fields):
        if qs.model is ReportJob and "report" in fields and refused["final"] == 0:
            refused["final"] += 1
            raise OperationalError("database table is locked")
        if qs.model is ReportJob and "step" in fields:
            refused["progress"] += 1
            raise OperationalError("database table is locked")
        return real_update(qs, **fields)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr(services, "FINAL_WRITE_BACKOFF_S", 0)
    job = services.run_job(job.pk)
    assert refused["progress"] >= 3 and refused["final"] == 1
    assert job.status == ReportJob.Status.DONE and job.progress == 100 and job.error == ""
    assert job.report == Report.objects.get() and job.report.pdf[:4] == b"%PDF"
    assert "could not record" in caplog.text


# Print view: the PDF shows the same figures in fewer cells, and names the export for anything it leaves out.


def test_print_statistics_show_headline_rows_with_dates_and_sources_folded_in():
    from django.template.loader import render_to_string

    from tvetbridge.reports.sections import CountryStatistics

    data = {"headline_rows": [0, 2], "tables": [{
        "key": "country_statistics", "title": "National TVET statistics",
        "columns": ["Country", "Indicator", "Period", "Value", "Note", "Source"],
        "rows": [["Kazakhstan", "TVET students", "2025-2026", 562000, "", 3],
                 ["Kazakhstan", "colleges with dual training", "2025", 400, "with German partners", 4],
                 ["Uzbekistan", "TVET institutions", "2021", 555, "vocational schools", None]]}]}
    printed = CountryStatistics().for_print(data)
    t = printed["tables"][0]
    assert t["columns"] == ["Country", "Indicator", "Value (period)", "Note"] and t["omitted"] == 1
    assert t["rows"][0] == ["Kazakhstan", "TVET students", {"num": 562000, "date": "2025-2026"},
                            {"text": "", "cite": 3}]
    assert data["tables"][0]["rows"][1][1] == "colleges with dual training"  # the export keeps every row
    html = render_to_string("reports/sections/country_statistics.html", {"d": printed, "for_pdf": True})
    assert "562\u202f000 <span" in html and "(2025-2026)" in html and "<sup>[3]</sup>" in html
    assert "vocational schools</td>" in html and "dual training</td>" not in html
    assert "1 further row is in the full table “country_statistics”" in html
    screen = render_to_string("reports/sections/country_statistics.html", {"d": data, "for_pdf": False})
    assert "dual training</td>" in screen and "further row" not in screen


def test_print_trend_is_one_row_per_country_with_the_latest_class():
    from tvetbridge.reports.sections import RiskTrend

    rows = [["2026-Q1", "China", 2.0, "Low"], ["2026-Q1", "Kazakhstan", 4.1, "Medium"],
            ["2026-Q2", "China", 2.1, "Low"], ["2026-Q2", "Kazakhstan", 5.2, "High"], ["2026-Q3", "China", 2.4, "Low"]]
    data = {"tables": [{"key": "risk_trend", "title": "Trend", "columns": ["Period", "Country", "Risk", "Class"],
                        "rows": rows}]}
    t = RiskTrend().for_print(data)["tables"][0]
    assert t["columns"][1:4] == ["2026-Q1", "2026-Q2", "2026-Q3"] and t["pivoted"]
    assert t["rows"] == [["China", {"num": "2.0"}, {"num": "2.1"}, {"num": "2.4"}, "Low"],
                         ["Kazakhstan", {"num": "4.1"}, {"num": "5.2"}, {"num": None}, "High"]]


def test_print_projects_keep_top_fields_and_leave_charted_tables_to_the_chart():
    from tvetbridge.reports.sections import PRINT_TOP_ROWS, ResultsProjects

    def t(key, n):
        return {"key": key, "title": key, "columns": ["Label", "Projects", "of which synthetic"],
                "rows": [[f"{key} {i}", 100 - i, 0] for i in range(n)]}

    data = {"total": 30, "tables": [t("projects_by_kind", 3), t("projects_by_country", 0), t("projects_by_status", 2),
                                    t("projects_by_field", 25)]}
    printed = {x["key"]: x for x in ResultsProjects().for_print(data)["tables"]}
    assert printed["projects_by_kind"]["in_chart"] and "in_chart" not in printed["projects_by_country"]
    assert printed["projects_by_status"] is data["tables"][2]
    field = printed["projects_by_field"]
    assert len(field["rows"]) == PRINT_TOP_ROWS and field["omitted"] == 25 - PRINT_TOP_ROWS
    assert field["rows"][0] == ["projects_by_field 0", 100, 0]


def test_results_pdf_names_the_exports_of_the_tables_it_shortens(risk_world, period):
    from tvetbridge.core.models import FieldOfStudy
    from tvetbridge.reports.services import generate_report

    for i in range(12):
        f = FieldOfStudy.objects.create(code=f"9{i:02d}", name=f"Field {i}")
        risk_world["project"].fields.add(f)
    report, _ = generate_report("results", "country:KZ", period, "en")
    assert report.html.count("<tr>") > 12 and "Field 11" in report.html
    text = " ".join(pdf_text(report.pdf).split())
    assert "further rows are in the full table “projects_by_field”" in text or \
           "further rows are in the full table \"projects_by_field\"" in text
    assert "projects_by_kind" in text and "Bar label: projects (of which synthetic)." in text


# Print layout: the PDF's tables carry estimated column widths, so WeasyPrint need not measure every cell.


def test_print_columns_share_the_page_like_the_automatic_layout():
    from tvetbridge.reports.columns import PAGE_EM, column_widths, text_em

    short = column_widths(["Kind", "Projects"], [[("joint education programme", True), ("204", False)]])
    assert sum(short) == pytest.approx(100, abs=0.2) and short[0] > short[1]

    note = "secondary specialized and vocational education institutions " * 3
    wide = column_widths(["Country", "Value (period)", "Note"],
                         [[("Uzbekistan", True), ("10\u202f000\u202f000 (2022)", False), (note, True)]])
    value_share = text_em("10\u202f000\u202f000 (2022)") / PAGE_EM * 100
    assert wide[1] > value_share  # a number never wraps, so its column holds all of it
    assert wide[2] > wide[0] and sum(wide) == pytest.approx(100, abs=0.2)


def test_print_columns_keep_short_chinese_names_whole():
    from tvetbridge.reports.columns import PAGE_EM, column_widths, text_em

    rows = [[("乌兹别克斯坦", True), ("职业教育学生", True), ("很长的说明" * 20, True)]]
    widths = column_widths(["国家", "指标", "注"], rows, cjk_font=True)
    assert widths[0] / 100 * PAGE_EM > text_em("乌兹别克斯坦")


def test_print_tables_have_fixed_widths_and_screen_tables_measure_themselves():
    from django.template.loader import render_to_string

    t = {"key": "projects_by_status", "title": "Status", "columns": ["Status", "Projects"],
         "rows": [["active", 204], ["proposed", 53]]}
    printed = render_to_string("reports/_table.html", {"t": t, "for_pdf": True})
    assert 'class="sized"><colgroup><col style="width: ' in printed and printed.count("<col ") == 2
    screen = render_to_string("reports/_table.html", {"t": t, "for_pdf": False})
    assert "colgroup" not in screen and "sized" not in screen
    assert '<td class="num">204</td>' in printed and '<td class="num">204</td>' in screen


def test_print_charts_are_images_of_the_same_svg():
    import base64
    import re

    from tvetbridge.reports.templatetags.report_tags import chart

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>Казахстан</text></svg>'
    assert chart(svg, False) == svg
    src = re.fullmatch(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="">', chart(svg, True)).group(1)
    assert base64.b64decode(src).decode() == svg
