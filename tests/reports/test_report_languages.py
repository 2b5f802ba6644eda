"""Issue 13: the region and results reports read in Chinese, Russian and Kazakh carry no English
sentence — their PDFs' text is checked with the same English-word detector as the page crawl."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(bytes(data))).pages)


@pytest.mark.parametrize("kind, scope", [("risk", "region"), ("results", "country:KZ")])
def test_reports_in_chinese_russian_kazakh_have_no_english(risk_world, in_four_languages, english_words, kind,
                                                            scope):
    from tvetbridge.reports.services import generate_report
    from tvetbridge.risk.services import current_period

    names = in_four_languages()
    problems = {}
    for language in ("zh-hans", "ru", "kk"):
        report, _ = generate_report(kind, scope, str(current_period()), language)
        text = " ".join(pdf_text(report.pdf).split())
        if words := english_words(text, names):
            problems[language] = {word: english_words.quote(text, word) for word in words}
    assert problems == {}, f"{kind} report, English words in its PDF:\n" + "\n".join(
        f"  {language}: {word!r} in {quote}" for language, words in problems.items() for word, quote in words.items())
