"""Checks of a proposed label shared by the form, the API and the XLSX import, so that all three accept
and refuse the same values with the same message (the import adds the row and column)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tvetbridge.core.validators import normalize_language_code

from .models import LABEL_LANGUAGES, LABEL_MAX_LENGTH

# ISO 639-1 (and what normalize_language_code makes of zh-hans, zh-CN, rus, kaz …) → the UI's code.
_BY_ISO = {"zh": "zh-hans", "ru": "ru", "kk": "kk"}
SOURCE_MAX_LENGTH = 300


def clean_label_language(value) -> str:
    """The interface code (zh-hans, ru, kk) of a language written as the UI writes it or as ISO 639."""
    code = normalize_language_code(str(value or ""))
    if code not in _BY_ISO:
        raise ValidationError(_("Labels are proposed in Chinese (zh-hans), Russian (ru) or Kazakh (kk), not "
                                "“%(code)s”.") % {"code": value}, code="label_language")
    return _BY_ISO[code]


def _one_line(value) -> str:
    return " ".join(str(value or "").split())


def _bounded(text: str, limit: int, code: str) -> str:
    if len(text) > limit:
        raise ValidationError(_("At most %(limit)d characters (this one has %(length)d).")
                              % {"limit": limit, "length": len(text)}, code=code)
    return text


def clean_label(value) -> str:
    text = _one_line(value)
    if not text:
        raise ValidationError(_("Give the label."), code="label_empty")
    return _bounded(text, LABEL_MAX_LENGTH, "label_length")


def clean_label_source(value) -> str:
    text = _one_line(value)
    if not text:
        raise ValidationError(_("Say where the label comes from (a classifier, a document or a web address)."),
                              code="source_empty")
    return _bounded(text, SOURCE_MAX_LENGTH, "source_length")


assert set(_BY_ISO.values()) == set(LABEL_LANGUAGES)
