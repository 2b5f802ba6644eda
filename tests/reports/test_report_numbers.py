"""Numbers in report tables: the reader's decimal separator, thousands grouped for print."""

import pytest
from django.utils import translation

from tvetbridge.reports.templatetags.report_tags import _number


@pytest.mark.parametrize(("language", "expected"), [("en", "1.99"), ("ru", "1,99"), ("kk", "1,99"),
                                                    ("zh-hans", "1.99")])
def test_fractions_use_the_readers_decimal_separator(language, expected):
    with translation.override(language):
        assert _number(1.99) == expected
        assert _number(10_000) == "10\u202f000"
        assert _number(12_345.6) == "12\u202f346"
