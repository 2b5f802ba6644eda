from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def cell(value):
    """A table cell: numbers right-aligned (two decimals for fractions, thin-space thousands)."""
    if value is None or value == "":
        return mark_safe("<td>—</td>")
    if isinstance(value, bool):
        return format_html("<td>{}</td>", "✓" if value else "")
    if isinstance(value, int):
        return format_html('<td class="num">{}</td>', f"{value:,}".replace(",", "\u202f"))
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
        return format_html('<td class="num">{}</td>', text.replace(",", "\u202f"))
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
