"""The periodic results report's "Chinese + vocational skills" section: the results-chain panel's
figures (language gain next to trade outcomes) and the HSK centres' sittings in the period, small
cells withheld, in the HTML and the PDF."""

import datetime as dt
import io
import os
import pathlib

import pytest
from pypdf import PdfReader

from tvetbridge.registry.models import CooperationProject
from tvetbridge.teachers.queries import language_gain_panel

from .conftest import add_trainees

WITHHELD = "fewer than 5"
# Four more who came as beginners, reached HSK 3 and hold the trade credential and a job in the trade.
BEGINNERS = [([], [("hsk3", "3", dt.date(2024, 6, 10))], True, True, True)] * 4


def _collect(scope: str = "country:KZ", year: int = 2024) -> dict:
    from tvetbridge.reports.sections import Context, resolve_scope
    from tvetbridge.reports.sections.language import LanguageGain
    from tvetbridge.risk.engine.periods import Period

    return LanguageGain().collect(Context(resolve_scope(scope), Period(year), "en"))


def _published(cell, digits: int = 0):
    if cell.suppressed:
        return WITHHELD
    return None if cell.value is None else pytest.approx(round(float(cell.value), digits))


def test_the_sections_figures_are_the_results_chain_panels(chinese_plus, world):
    add_trainees(chinese_plus, world["alt"], BEGINNERS, first=100)
    tables = {t["key"]: t["rows"] for t in _collect()["tables"]}
    panel = language_gain_panel(CooperationProject.objects.filter(pk=chinese_plus.pk), public=True)
    summary = [v for _label, v in tables["language_gain_summary"]]
    assert summary == [_published(panel["enrolled"]), _published(panel["completed"]), _published(panel["moved_up"]),
                       _published(panel["moved_up_share"]), *(_published(c, 1) for _l, c in panel["medians"])]
    assert summary[:4] == [11, 10, 8, 80]
    assert tables["language_gain_by_level"] == [
        [r["label"], *(_published(r[k]) for k in ("entry", "exit", "certified", "certified_rate", "employed",
                                                     "employed_rate"))] for r in panel["rows"]]
    # At HSK 3 on exit: 7 people, 5 with the credential (71%), 6 working in the trade (86%).
    level3 = next(r for r in tables["language_gain_by_level"] if r[0] == "HSK 3")
    assert level3[2:] == [7, 5, 71, 6, 86]


def test_small_cells_are_withheld_and_centres_count_their_sittings_in_the_period(chinese_plus, centre):
    tables = {t["key"]: t["rows"] for t in _collect()["tables"]}
    summary = dict(tables["language_gain_summary"])
    # 6 completed, 4 moved up: the 4 and the share that would give it back are withheld.
    assert summary["Completed (measured)"] == 6
    assert summary["Moved up at least one HSK level"] == WITHHELD
    assert summary["Moved up at least one HSK level (%)"] == WITHHELD
    # Every level has 1–4 people or none: counts and shares are withheld, or zero, or no share of nobody.
    assert all(v in (0, None, WITHHELD) for row in tables["language_gain_by_level"] for v in row[1:])
    # Both sittings of 2024: 26 sat, 20 passed (77%); HSK 5 had 4 candidates, so nothing of it is shown.
    assert tables["hsk_centres"] == [["ALT HSK centre", "Almaty", 2, 26, 20, 77]]
    assert tables["hsk_centre_levels"] == [["ALT HSK centre", "HSK (written)", "HSK 3 (3.0)", 22, 17, 77],
                                           ["ALT HSK centre", "HSK (written)", "HSK 5 (3.0)", WITHHELD, WITHHELD, WITHHELD]]
    # Another year has no sitting; another country neither project nor centre.
    assert "hsk_centres" not in {t["key"] for t in _collect(year=2023)["tables"]}
    assert _collect(scope="country:TJ")["tables"] == []


@pytest.mark.parametrize("language,words", [
    ("en", ["Chinese + vocational skills", "Trade outcomes by HSK level at exit", "ALT HSK centre"]),
    ("zh-hans", ["中文+职业技能", "按结业时HSK等级的职业成果"]),
])
def test_the_section_is_in_the_html_and_the_pdf(chinese_plus, centre, language, words):
    from tvetbridge.reports.services import generate_report

    report, _created = generate_report("results", "country:KZ", "2024", language)
    assert 'id="language_gain"' in report.html and "table-hsk_centre_levels" in report.html
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(bytes(report.pdf))).pages).split())
    for word in words:
        assert word in text, word
    if os.environ.get("LANG_PDF_DIR"):  # to look at the pages
        pathlib.Path(os.environ["LANG_PDF_DIR"], f"report-{language}.pdf").write_bytes(bytes(report.pdf))
