"""Column specifications for importing and exporting registry records.

One spec per kind of record lists its columns in file order. A column knows its model field, how its
cell is read and written, and its header in each interface language. Foreign keys travel as natural
keys (ISO codes, external keys) so that files survive a move between databases.

django-import-export's Resources were the first choice, but its bulk mode neither saves many-to-many
values nor writes django-simple-history rows, and its widgets resolve foreign keys one query per row;
every registry kind has many-to-many columns and every change must be audited. This layer keeps only
what the requirements need and leaves file formats to ``csv`` and openpyxl.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.cells import unescape

from ..models import CooperationProject, Enterprise, Institution, Programme

# Modeltranslation's suffixes, in settings.LANGUAGES order.
LANGUAGE_SUFFIXES = [(code, code.replace("-", "_")) for code, _label in settings.LANGUAGES]
LANGUAGE_CODES = [code for code, _label in settings.LANGUAGES]
# Short language names for headers such as "Name (Russian)"; settings' labels are too long for a column.
_LANGUAGE_NAMES = {
    "en": gettext_lazy("English"),
    "zh-hans": gettext_lazy("Chinese"),
    "ru": gettext_lazy("Russian"),
    "kk": gettext_lazy("Kazakh"),
}

LIST_SEPARATOR = ";"


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user next to its row and column."""


@dataclass(frozen=True)
class Column:
    key: str  # header accepted in every language; also the name the API and CLI use
    field: str  # model field (for translated columns: the per-language field, e.g. name_ru)
    type: str  # text | int | decimal | date | bool | choice | fk | m2m
    required: bool = False
    lookup: str | None = None  # for fk / m2m: which natural-key table resolves the cell
    base_field: str | None = None  # for translated columns: the original field (name)
    language: str | None = None  # for translated columns: the language code

    def label(self, model: type[models.Model]) -> str:
        """The header in the active language."""
        if self.base_field:
            verbose = model._meta.get_field(self.base_field).verbose_name
            return _("%(field)s (%(language)s)") % {"field": capfirst(verbose),
                                                   "language": _LANGUAGE_NAMES.get(self.language, self.language)}
        if self.key == "is_synthetic":
            return capfirst(_("synthetic"))
        return str(capfirst(model._meta.get_field(self.field).verbose_name))

    def labels_in_all_languages(self, model: type[models.Model]) -> set[str]:
        out = {self.key}
        for code in LANGUAGE_CODES:
            with translation.override(code):
                out.add(self.label(model))
        return out


@dataclass(frozen=True)
class Constraint:
    """A friendlier message for a model constraint, attached to the column a user should fix."""

    name: str
    column: str
    message: object  # lazy string


@dataclass
class Spec:
    kind: str
    model: type[models.Model]
    columns: list[Column]
    constraints: list[Constraint] = field(default_factory=list)
    # Region columns that must lie in the country given by another column.
    region_in_country: tuple[str, str] | None = None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def name_columns(self) -> list[Column]:
        return [c for c in self.columns if c.base_field == "name"]


def translated(base: str, *, required_language: str | None = None) -> list[Column]:
    return [Column(f"{base}_{suffix}", f"{base}_{suffix}", "text", base_field=base, language=code,
                   required=code == required_language)
            for code, suffix in LANGUAGE_SUFFIXES]


def _common_head() -> list[Column]:
    return [Column("external_key", "external_key", "text", required=True), *translated("name")]


def _common_tail() -> list[Column]:
    return [*translated("description"), Column("is_synthetic", "is_synthetic", "bool"),
            Column("source", "source", "fk", lookup="source")]


SPECS: dict[str, Spec] = {
    "institutions": Spec("institutions", Institution, [
        *_common_head(),
        Column("short_name", "short_name", "text"),
        Column("kind", "kind", "choice", required=True),
        Column("country", "country", "fk", required=True, lookup="country"),
        Column("region", "region", "fk", lookup="region"),
        Column("languages", "languages", "m2m", lookup="language"),
        Column("fields", "fields", "m2m", lookup="field"),
        Column("website", "website", "text"),
        Column("email", "email", "text"),
        Column("phone", "phone", "text"),
        Column("address", "address", "text"),
        *_common_tail(),
    ], region_in_country=("region", "country")),
    "programmes": Spec("programmes", Programme, [
        *_common_head(),
        Column("institution", "institution", "fk", required=True, lookup="institution"),
        Column("field", "field", "fk", required=True, lookup="field"),
        Column("isced_level", "isced_level", "choice", required=True),
        Column("national_level", "national_level", "text"),
        Column("duration_months", "duration_months", "int", required=True),
        Column("languages", "languages", "m2m", lookup="language"),
        Column("intake_capacity", "intake_capacity", "int", required=True),
        Column("expected_graduates", "expected_graduates", "int", required=True),
        *_common_tail(),
    ], constraints=[Constraint("graduates_within_capacity", "expected_graduates",
                               gettext_lazy("Expected graduates per year cannot exceed the yearly intake "
                                            "capacity."))]),
    "enterprises": Spec("enterprises", Enterprise, [
        *_common_head(),
        Column("country", "country", "fk", required=True, lookup="country"),
        Column("region", "region", "fk", lookup="region"),
        Column("sector", "sector", "choice", required=True),
        Column("chinese_funded", "chinese_funded", "bool"),
        Column("website", "website", "text"),
        *_common_tail(),
    ], region_in_country=("region", "country")),
    "projects": Spec("projects", CooperationProject, [
        *_common_head(),
        Column("kind", "kind", "choice", required=True),
        Column("status", "status", "choice"),
        Column("host_country", "host_country", "fk", required=True, lookup="country"),
        Column("host_region", "host_region", "fk", lookup="region"),
        Column("chinese_institutions", "chinese_institutions", "m2m", lookup="institution"),
        Column("partner_institutions", "partner_institutions", "m2m", lookup="institution"),
        Column("enterprises", "enterprises", "m2m", lookup="enterprise"),
        Column("alliance", "alliance", "fk", lookup="alliance"),
        Column("fields", "fields", "m2m", lookup="field"),
        Column("start_date", "start_date", "date"),
        Column("end_date", "end_date", "date"),
        Column("target_trainees", "target_trainees", "int"),
        Column("target_employment_rate", "target_employment_rate", "decimal"),
        Column("target_income_gain", "target_income_gain", "decimal"),
        Column("target_currency", "target_currency", "choice"),
        *_common_tail(),
    ], constraints=[Constraint("project_dates_ordered", "end_date",
                               gettext_lazy("The end date is before the start date."))],
        region_in_country=("host_region", "host_country")),
}
KINDS = list(SPECS)


def kind_label(kind: str) -> str:
    return str(capfirst(SPECS[kind].model._meta.verbose_name_plural))


# --- reading cells -------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def cell_text(value) -> str:
    """A cell as trimmed text; spreadsheets hand integers back as floats, which must not grow '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    # A file this platform exported marks text that could run as a formula; read it back as written.
    return unescape(str(value).strip())


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": cell_text(value)})
    text = _SPACES.sub("", cell_text(value))
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": cell_text(value)}) from None


def parse_decimal(value) -> Decimal | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    text = _SPACES.sub("", cell_text(value))
    if not text:
        return None
    # Russian and Kazakh spreadsheets write a decimal comma.
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": cell_text(value)})
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y")


def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text})


_TRUE = {"1", "true", "yes", "y", "x", "да", "是", "иә"}
_FALSE = {"0", "false", "no", "n", "нет", "否", "жоқ"}


def yes_no_words() -> tuple[set[str], set[str]]:
    """Yes and no in every interface language, so an exported file reads back in any of them."""
    yes, no = set(_TRUE), set(_FALSE)
    for code in LANGUAGE_CODES:
        with translation.override(code):
            yes.add(_("yes").casefold())
            no.add(_("no").casefold())
    return yes, no


def parse_bool(value, words: tuple[set[str], set[str]]) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).casefold()
    if not text:
        return False
    if text in words[0]:
        return True
    if text in words[1]:
        return False
    raise CellError(_("“%(value)s” is not yes or no.") % {"value": cell_text(value)})


def choice_map(model: type[models.Model], field_name: str) -> dict[str, object]:
    """Codes and labels (in every language) of a choice field, folded for matching."""
    model_field = model._meta.get_field(field_name)
    out: dict[str, object] = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            for value, label in model_field.choices:
                out.setdefault(str(label).casefold(), value)
    for value, _label in model_field.choices:
        out[str(value).casefold()] = value
    return out


def split_list(value) -> list[str]:
    text = cell_text(value)
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
