"""The governance section of the periodic results report, in the PDF in four languages."""

from __future__ import annotations

import datetime as dt
import io
import os
import pathlib

import pytest
from pypdf import PdfReader

from tvetbridge.governance import services

from .conftest import EXIT_PLAN


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(bytes(data))).pages).split())


@pytest.fixture
def reported(network, operation):
    today = network["today"]
    services.save_exit_plan(network["urumqi_staff"], operation, EXIT_PLAN)
    services.transition_operation(network["urumqi_staff"], operation, "submit")
    forum = services.create_event(network["coordinator"], {
        "title": "China–Kazakhstan vocational education forum", "kind": "forum", "status": "held",
        "starts_on": today, "ends_on": today, "country": network["kz"], "city": "Astana"})
    for name in ("A", "B"):
        services.add_participant(network["coordinator"], forum, {"name": name, "country": network["kz"]})
    # A renewal: the term of the framework agreement is extended.
    protecting = network["protecting"]
    services.update_agreement(network["coordinator"], protecting, {"expires_on": today + dt.timedelta(days=800)},
                              expected_version=protecting.version)
    return {**network, "forum": forum}


def _collect(year: int) -> dict:
    from tvetbridge.reports.sections import Context, resolve_scope
    from tvetbridge.reports.sections.governance import Governance
    from tvetbridge.risk.engine.periods import Period

    return Governance().collect(Context(resolve_scope("country:KZ"), Period(year), "en"))


def test_governance_section_lists_agreements_operations_exposure_and_events(reported):
    section = _collect(reported["today"].year)
    tables = {t["key"]: t["rows"] for t in section["tables"]}
    happened = {(r[0], r[3]) for r in tables["governance_agreements"]}
    assert ("Kazakhstan–China framework on vocational cooperation", "renewed") in happened
    assert ("Confidential order contract", "signed") in happened
    assert tables["governance_operations"] == [["Kazakhstan", "submitted", 1]]
    forum = next(r for r in tables["governance_events"] if r[1] == "China–Kazakhstan vocational education forum")
    assert forum[5:7] == [2, 1]
    # The Kazakh project is covered by the framework agreement and its clause: it is protected.
    assert tables["governance_unprotected"] == [] and section["n_projects"] == 1
    services.update_agreement(reported["coordinator"], reported["protecting"], {"projects": []},
                              expected_version=reported["protecting"].version)
    section = _collect(reported["today"].year)
    assert [r[1] for r in section["tables"][1]["rows"]] == ["Luban Workshop (ALT)"]


@pytest.mark.parametrize("language,words", [
    ("zh-hans", ["合作治理", "已签署、已续签和即将到期的协议", "活动与参与情况"]),
    ("ru", ["Подписанные, продлённые и истекающие соглашения", "Мероприятия и участие"]),
    ("kk", ["Қол қойылған, ұзартылған және мерзімі аяқталатын келісімдер", "Іс-шаралар және қатысу"]),
])
def test_governance_section_in_the_pdf(reported, language, words):
    from tvetbridge.reports.services import generate_report

    report, _ = generate_report("results", "country:KZ", str(reported["today"].year), language)
    text = _pdf_text(report.pdf)
    for word in words:
        assert word in text, word
    if os.environ.get("GOV_PDF_DIR"):  # to look at the pages
        pathlib.Path(os.environ["GOV_PDF_DIR"], f"report-{language}.pdf").write_bytes(bytes(report.pdf))
