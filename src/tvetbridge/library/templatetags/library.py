from django import template
from django.utils import translation
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def langmap(value) -> str:
    """An xAPI language map in the reader's language (then English, then any)."""
    if not isinstance(value, dict) or not value:
        return ""
    lang = (translation.get_language() or "en").lower()
    lower = {k.lower(): v for k, v in value.items()}
    for key in (lang, lang.split("-")[0], "en", "en-us", "en-gb"):
        if key in lower:
            return lower[key]
    for k, v in lower.items():
        if k.split("-")[0] == lang.split("-")[0]:
            return v
    return next(iter(value.values()))


@register.filter
def minutes(seconds) -> str:
    return _("%(n)s min") % {"n": round(float(seconds) / 60)}
