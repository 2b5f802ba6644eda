"""Column widths for the PDF's tables.

WeasyPrint's automatic table layout measures the shortest and the longest line of every cell before it
typesets a table: a fifth of its time for a results report. The PDF uses the fixed table layout
instead, with widths estimated here from the cell texts by the rules the automatic layout follows
(CSS 2.1, 17.5.2.2): columns whose longest lines fit share the page in proportion to them, otherwise
each column gets at least its longest word (its whole text where it must not wrap) and the rest of the
page goes where lines are longest.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

# Advance widths in em of DejaVu Sans, the report's font: averages per kind of character, generous where
# an underestimate would let a number run into its neighbour. Chinese reports set their text in Noto
# Sans CJK first, whose Latin letters and digits are narrower by about CJK_LATIN.
EM_WIDE = 1.0
EM_DIGIT = 0.64
EM_UPPER = 0.74
EM_NARROW = 0.4
EM_OTHER = 0.64
CJK_LATIN = 0.85
BOLD = 1.15
NARROW = frozenset(" \u00a0\u202f()[].,:;'’|-")
# Texts up to this width stay on one line, though Chinese may break between any two characters: a
# country name split over two lines reads badly.
WHOLE_EM = 8.0
# Text width of an A4 page with the report's margins (180 mm) at its 9 pt, and a cell's padding with some
# slack for the estimate.
PAGE_EM = 56.0
PADDING_EM = 0.9


def _is_wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


@functools.cache  # a report's tables repeat a few hundred distinct characters
def _char_em(c: str, latin: float) -> float:
    if _is_wide(c):
        return EM_WIDE
    if c.isdigit():
        return EM_DIGIT * latin
    if c in NARROW:
        return EM_NARROW * latin
    return (EM_UPPER if c.isupper() else EM_OTHER) * latin


def text_em(text: str, latin: float = 1.0) -> float:
    return sum(_char_em(c, latin) for c in text)


def longest_word_em(text: str, latin: float = 1.0) -> float:
    """The widest piece a line can break between: words, or single characters of Chinese text."""
    widest = word = 0.0
    for c in text:
        if c.isspace() or _is_wide(c):
            widest = max(widest, word)
            word = 0.0 if c.isspace() else EM_WIDE
        else:
            word += _char_em(c, latin)
    return max(widest, word)


@dataclass
class Extent:
    """A column's narrowest possible width and the width of its longest line, padding included."""

    latin: float = 1.0
    least: float = PADDING_EM
    most: float = PADDING_EM

    def fit(self, text: str, *, wraps: bool = True, scale: float = 1.0) -> None:
        width = text_em(text, self.latin) * scale
        self.most = max(self.most, width + PADDING_EM)
        if wraps and width > WHOLE_EM:
            width = longest_word_em(text, self.latin) * scale
        self.least = max(self.least, width + PADDING_EM)


def percentages(extents: list[Extent], page: float = PAGE_EM) -> list[float]:
    """Each column's share of the table width, in per cent."""
    most = sum(e.most for e in extents)
    least = sum(e.least for e in extents)
    if most <= page or least >= page:
        weights = [e.most if most <= page else e.least for e in extents]
    else:
        spare = page - least
        stretch = (most - least) or 1.0
        weights = [e.least + spare * (e.most - e.least) / stretch for e in extents]
    total = sum(weights) or 1.0
    return [round(100 * w / total, 1) for w in weights]


def column_widths(header: list[str], rows: list[list[tuple[str, bool]]], *,
                  cjk_font: bool = False) -> list[float]:
    """Per-cent widths for a table: ``header`` the column titles (bold, wrapping), ``rows`` each cell's
    printed text and whether it wraps; ``cjk_font`` when the text is set in Noto Sans CJK."""
    extents = [Extent(latin=CJK_LATIN if cjk_font else 1.0) for _ in header]
    for extent, title in zip(extents, header, strict=True):
        extent.fit(title, scale=BOLD)
    for row in rows:
        for extent, (text, wraps) in zip(extents, row, strict=False):
            extent.fit(text, wraps=wraps)
    return percentages(extents)
