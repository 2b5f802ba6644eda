"""The validators every way into the platform shares: model fields carry them, so forms (``ModelForm``
runs ``full_clean``), the API (``core.services`` runs ``full_clean``) and the row importers (which run
``full_clean`` per row) reject the same values with the same message. The column importer for incomes
cannot afford a model per row; it filters whole columns with the bounds below and asks
:func:`message_for` for the message of each bad row, so its wording is still this module's.

Bounds that move with time (years of birth, "not after today") are computed when a value is checked,
never frozen into a migration.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# A trainee is at least 14 (the youngest age of initial TVET in the partner countries) and at most 90.
YOUNGEST_AGE = 14
OLDEST_AGE = 90
# The largest monthly amount (income, wage, payment per graduate) any currency the platform uses can
# plausibly reach: a billion is about 80 000 USD a month even in Uzbek sum, and far above it in others.
MAX_AMOUNT = Decimal("1000000000")


def today() -> dt.date:
    return timezone.localdate()


def birth_year_bounds(on: dt.date | None = None) -> tuple[int, int]:
    year = (on or today()).year
    return year - OLDEST_AGE, year - YOUNGEST_AGE


def validate_birth_year(value) -> None:
    if value is None:
        return
    low, high = birth_year_bounds()
    if not low <= value <= high:
        raise ValidationError(_("A year of birth must be between %(low)s and %(high)s; %(value)s is not."),
                              params={"low": low, "high": high, "value": value}, code="birth_year")


# The message for a level outside the ISCED choices (a model field's ``invalid_choice``).
ISCED_LEVEL_MESSAGE = _("ISCED levels run from 0 to 8; %(value)s is not one.")


def validate_monthly_amount(value) -> None:
    """Money paid per month or per person (incomes, wages): not negative, not beyond :data:`MAX_AMOUNT`."""
    if value is None:
        return
    if value < 0:
        raise ValidationError(_("An amount of money cannot be negative."), code="negative_amount")
    if value > MAX_AMOUNT:
        raise ValidationError(_("The amount is beyond the largest one accepted (%(max)s); check the figure "
                                "and its currency."),
                              params={"max": number_format(MAX_AMOUNT, 0, force_grouping=True)},
                              code="amount_too_large")


def validate_not_future(value) -> None:
    """For dates of things that have happened (awards, assessments, progress, incomes)."""
    if value is not None and value > today():
        raise ValidationError(_("The date %(date)s is in the future; this can only be recorded once it has "
                                "happened."), params={"date": value.isoformat()}, code="future_date")


def validate_consent_date(value) -> None:
    if value is not None and value > today():
        raise ValidationError(_("Consent cannot be dated after today (%(date)s)."),
                              params={"date": value.isoformat()}, code="future_consent")


def validate_month_not_future(value) -> None:
    """An income month may be the current one, not a later one."""
    if value is not None and (value.year, value.month) > (today().year, today().month):
        raise ValidationError(_("The month %(month)s has not begun; incomes are recorded for past months."),
                              params={"month": f"{value:%Y-%m}"}, code="future_month")


def employment_before_enrolment(start: dt.date | None, enrolment_start: dt.date | None) -> ValidationError | None:
    """Employment follows training: the error when ``start`` precedes the enrolment's start."""
    if start is None or enrolment_start is None or start >= enrolment_start:
        return None
    return ValidationError({"start_date": ValidationError(
        _("Employment cannot start (%(start)s) before the enrolment it follows (%(enrolment)s)."),
        params={"start": start.isoformat(), "enrolment": enrolment_start.isoformat()}, code="before_enrolment")})


# Language codes as people write them: the UI's own (zh-hans, zh-hant), BCP 47 tags (ru-RU, kk_KZ)
# and ISO 639-1 (ru). The platform stores ISO 639-1.
_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$")
# ISO 639-2 codes of the languages of the region, for files written with three letters.
_THREE_LETTER = {"rus": "ru", "kaz": "kk", "zho": "zh", "chi": "zh", "eng": "en", "uzb": "uz", "kir": "ky",
                 "tgk": "tg", "tuk": "tk", "uig": "ug", "mon": "mn", "tur": "tr", "deu": "de", "ger": "de",
                 "fra": "fr", "fre": "fr", "ara": "ar", "per": "fa", "fas": "fa"}


def normalize_language_code(value: str) -> str:
    """The ISO 639-1 code of a language tag; ``ValidationError`` when it is no tag at all."""
    text = (value or "").strip().lower()
    match = _LANGUAGE_TAG.match(text)
    if not match:
        raise ValidationError(_("“%(code)s” is not a language code (use ISO 639-1, e.g. ru, or zh-hans)."),
                              params={"code": value}, code="language_code")
    primary = match.group(1)
    return _THREE_LETTER.get(primary, primary)


def resolve_language_codes(written, known: set[str]) -> tuple[list[str], list[str]]:
    """Language tags as written → (the stored ISO 639-1 codes, once each; a message per bad tag)."""
    codes: list[str] = []
    errors: list[str] = []
    for tag in written:
        try:
            code = normalize_language_code(tag)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if code not in known:
            errors.append(_("No language with the code “%(code)s”.") % {"code": tag})
        elif code not in codes:
            codes.append(code)
    return codes, errors


def message_for(validator, value) -> str | None:
    """The message ``validator`` gives ``value`` (None when it passes): one wording for every path."""
    try:
        validator(value)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None
