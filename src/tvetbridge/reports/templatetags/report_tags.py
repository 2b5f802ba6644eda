import base64

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from tvetbridge.risk.labels import level_text

from ..columns import column_widths

register = template.Library()


def _number(value: int | float) -> str:
    """Thousands grouped by a narrow no-break space in every language (print typography); a fraction
    with the reader's decimal separator (1,99 in Russian and Kazakh)."""
    if not isinstance(value, int) and abs(value) < 1000:
        return number_format(value, 2)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.0f}"
    return text.replace(",", "\u202f")


def _merged(value: dict) -> tuple[str, object, bool]:
    """Print tables fold a date into its value and a source number into its text (see
    ``sections.fold_columns``): the same facts in fewer cells."""
    if "num" in value:
        num = value["num"]
        text = "—" if num is None or num == "" else (_number(num) if isinstance(num, int | float) else str(num))
        return text, value.get("date") or "", True
    return value.get("text") or "—", value.get("cite") or "", False


def cell_parts(value) -> tuple[object, object, bool]:
    """What a table cell prints: its text, a note after it (the date folded into a number, or the number
    of a source) and whether it is a number, set right-aligned on one line."""
    if value is None or value == "":
        return "—", "", False
    if isinstance(value, bool):
        return "✓" if value else "", "", False
    if isinstance(value, int | float):
        return _number(value), "", True
    if isinstance(value, dict):
        return _merged(value)
    return value, "", False


@register.filter
def cell(value):
    """A table cell: numbers right-aligned (two decimals for fractions, thin-space thousands)."""
    text, note, num = cell_parts(value)
    if num and note:
        return format_html('<td class="num">{} <span class="when">({})</span></td>', text, note)
    if num:
        return format_html('<td class="num">{}</td>', text)
    if note:
        return format_html("<td>{}<sup>[{}]</sup></td>", text, note)
    return format_html("<td>{}</td>", text)


def _printed(value) -> tuple[str, bool]:
    """A cell's text as the PDF sets it, and whether it may wrap."""
    text, note, num = cell_parts(value)
    if note:
        return (f"{text} ({note})" if num else f"{text}[{note}]"), not num
    return str(text), not num


@register.filter
def colgroup(t: dict):
    """The widths of a print table's columns, which the PDF's fixed table layout needs (see ``columns``)."""
    # Chinese reports set their text in Noto Sans CJK first (see document.html).
    widths = column_widths([str(c) for c in t["columns"]], [[_printed(v) for v in row] for row in t["rows"]],
                           cjk_font=(get_language() or "").startswith("zh"))
    return format_html("<colgroup>{}</colgroup>",
                       format_html_join("", '<col style="width: {}%">', ((f"{w:.1f}",) for w in widths)))


@register.filter
def chart(svg: str, for_pdf: bool):
    """A chart's SVG inline in the HTML page; in the PDF an image of the same SVG, which WeasyPrint reads
    with an XML parser rather than its HTML parser and without cascading the page's styles over every
    element of the drawing."""
    if not for_pdf:
        return mark_safe(svg)
    data = base64.b64encode(svg.encode()).decode()
    return format_html('<img src="data:image/svg+xml;base64,{}" alt="">', data)


@register.filter
def css_string(value) -> str:
    """Text for a CSS string in the page's <style> block (margin boxes): no HTML escaping applies there."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "‹")
    return mark_safe(text)


@register.filter
def fmt1(value) -> str:
    return level_text(value)


@register.filter
def rank(value) -> str:
    # Percentile rank bounds interpolate (52.95); a rank is read as a whole place.
    return "—" if value is None else f"{float(value):.0f}"


@register.filter
def uplift(value) -> str:
    return f"+{value:.2f}" if value else "0"
