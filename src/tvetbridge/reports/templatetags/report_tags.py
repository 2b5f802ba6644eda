from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def _number(value: int | float) -> str:
    text = f"{value:,}" if isinstance(value, int) else (f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}")
    return text.replace(",", "\u202f")


def _merged(value: dict):
    """Print tables fold a date into its value and a source number into its text (see
    ``sections.fold_columns``): the same facts in fewer cells."""
    if "num" in value:
        num = value["num"]
        text = "—" if num is None or num == "" else (_number(num) if isinstance(num, int | float) else str(num))
        if value.get("date"):
            return format_html('<td class="num">{} <span class="when">({})</span></td>', text, value["date"])
        return format_html('<td class="num">{}</td>', text)
    text = value.get("text") or ""
    if value.get("cite"):
        return format_html("<td>{}<sup>[{}]</sup></td>", text or "—", value["cite"])
    return format_html("<td>{}</td>", text or "—")


@register.filter
def cell(value):
    """A table cell: numbers right-aligned (two decimals for fractions, thin-space thousands)."""
    if value is None or value == "":
        return mark_safe("<td>—</td>")
    if isinstance(value, bool):
        return format_html("<td>{}</td>", "✓" if value else "")
    if isinstance(value, int | float):
        return format_html('<td class="num">{}</td>', _number(value))
    if isinstance(value, dict):
        return _merged(value)
    return format_html("<td>{}</td>", value)


@register.filter
def css_string(value) -> str:
    """Text for a CSS string in the page's <style> block (margin boxes): no HTML escaping applies there."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "‹")
    return mark_safe(text)


@register.filter
def fmt1(value) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def rank(value) -> str:
    # Percentile rank bounds interpolate (52.95); a rank is read as a whole place.
    return "—" if value is None else f"{float(value):.0f}"


@register.filter
def uplift(value) -> str:
    return f"+{value:.2f}" if value else "0"
