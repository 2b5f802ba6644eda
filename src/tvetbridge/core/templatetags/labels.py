"""Content read in the reader's language, and never silently in English.

``{{ occupation|translated }}`` (or ``|translated:"description"``) shows a multilingual field in the
reader's language; when that language has no text yet, it shows the English marked as such — in a
``lang="en"`` element (screen readers switch voice, checkers know it is declared English) followed by
a visible "untranslated" mark — so a missing translation is seen and can be supplied."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from modeltranslation.utils import build_localized_fieldname

register = template.Library()


def in_language(obj, field: str, language: str) -> str:
    return getattr(obj, build_localized_fieldname(field, language), None) or ""


@register.filter
def translated(obj, field: str = "label"):
    if obj is None:
        return ""
    language = get_language() or "en"
    own = in_language(obj, field, language)
    if own or language == "en":
        return own or in_language(obj, field, "en") or getattr(obj, field, "")
    english = in_language(obj, field, "en") or getattr(obj, field, "")
    if not english:
        return ""
    return format_html('<span lang="en">{}</span> <small class="untranslated" title="{}">{}</small>', english,
                       gettext("No translation in this language yet; shown in English."), gettext("untranslated"))
