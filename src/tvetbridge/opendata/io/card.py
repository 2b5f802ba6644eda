"""The Open Graph card of an exemplary case: a 1200×630 PNG drawn with Pillow from texts already in
the reader's language. Chinese needs a CJK font; Kazakh and Russian need full Cyrillic, which the CJK
fonts lack in part, so the font follows the language."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
BACKGROUND = (18, 52, 77)
ACCENT = (86, 180, 233)
TEXT = (255, 255, 255)
MUTED = (190, 205, 220)

_CJK = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
_LATIN = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]


@lru_cache(maxsize=32)
def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (_CJK if cjk else _LATIN) + (_LATIN if cjk else _CJK):
        if Path(path).exists():
            # index 2 of the Noto CJK collection is Simplified Chinese
            return ImageFont.truetype(path, size, index=2 if path.endswith(".ttc") else 0)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy wrap by words, or by characters for scripts written without spaces."""
    units = text.split(" ") if " " in text else list(text)
    sep = " " if " " in text else ""
    lines, line = [], ""
    for unit in units:
        candidate = f"{line}{sep}{unit}" if line else unit
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = unit
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + "…"
    return lines


def render(*, title: str, headline: str, facts: list[str], footer: str, cjk: bool = False) -> bytes:
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    inner = WIDTH - 2 * MARGIN
    draw.rectangle([0, 0, 16, HEIGHT], fill=ACCENT)
    y = MARGIN
    title_font = _font(52, cjk)
    for line in _wrap(draw, title, title_font, inner, 2):
        draw.text((MARGIN, y), line, font=title_font, fill=TEXT)
        y += 66
    y += 24
    head_font = _font(60, cjk)
    for line in _wrap(draw, headline, head_font, inner, 2):
        draw.text((MARGIN, y), line, font=head_font, fill=ACCENT)
        y += 76
    y += 16
    fact_font = _font(34, cjk)
    for fact in facts[:3]:
        for line in _wrap(draw, fact, fact_font, inner, 1):
            draw.text((MARGIN, y), line, font=fact_font, fill=MUTED)
            y += 48
    footer_font = _font(28, cjk)
    draw.text((MARGIN, HEIGHT - MARGIN - 28), footer, font=footer_font, fill=MUTED)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
