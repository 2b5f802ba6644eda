"""Template helpers for impact estimates: the reliability verdict and covariate names."""

from django import template

from tvetbridge.outcomes import reliability

register = template.Library()


@register.inclusion_tag("outcomes/_verdict.html")
def impact_verdict(impact, compact=False):
    """The verdict box for an impact payload (or the stored ``reliability`` dict itself)."""
    rel = impact.get("reliability") if isinstance(impact, dict) and "verdict" not in impact else impact
    return {"v": reliability.verdict(rel), "compact": compact}


@register.filter
def verdict_title(code):
    """"Reliable", "Fragile" or "Not estimable" in the reader's language ("" for no verdict)."""
    label = reliability.VERDICT_TITLES.get(code or "")
    return "" if label is None else str(label)


@register.filter
def covariate_label(code):
    return reliability.covariate_label(code)


@register.filter
def money_note(note):
    """A money-conversion note (a code and a currency) in the reader's language."""
    from tvetbridge.outcomes.impact_text import money_note as text

    return text(note)
