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
