"""The XLSX round trip of labels: a sheet of concepts with their label in one language to fill in, and
its upload, where every filled row becomes a proposal (or, for a coordinator who asks, an approved label).

The upload goes through ``core.uploads`` before any cell is parsed (byte size, the zip directory's
expansion, rows counted while streaming); permission is the caller's first check (``services``). Every
row is checked with the validators the form and the API use, every bad row and column is reported, and
nothing is written unless every row is good.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tvetbridge.core.cells import set_xlsx_value, unescape, xlsx_row
from tvetbridge.core.uploads import FileRefused, RowCounter, check_size, xlsx_rows

from .. import validators
from ..models import LabelProposal
from ..queries import SUFFIXES

# Column keys of the sheet, written as its header and looked up by name on upload (any order).
COLUMNS = ("code", "label_en", "language", "label", "source")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RowError:
    row: int | None  # as the spreadsheet shows it (the header is row 1); None: the file as a whole
    column: str
    message: str


@dataclass
class LabelRow:
    row: int
    concept: object
    language: str
    label: str
    source: str


@dataclass
class LabelImport:
    """What an upload holds once checked: good rows to write, and every error found."""

    kind: str
    filename: str
    rows: list[LabelRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0  # rows with neither a label nor a source: not filled in
    written: int = 0
    approved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def messages(self) -> bool:
        """Errors carry their messages here (a finished job keeps only rows and columns)."""
        return True


# ------------------------------------------------------------------------------------------- export
def export_sheet(kind: str, language: str) -> bytes:
    """Every concept of ``kind`` with its code, English label and its current label in ``language``."""
    from ..services import CONCEPT_KEYS, CONCEPT_MODELS

    language = validators.clean_label_language(language)
    key, sfx = CONCEPT_KEYS[kind], SUFFIXES[language]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{kind} {language}"[:31])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (16, 50, 10, 50, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = [set_xlsx_value(WriteOnlyCell(sheet), name) for name in COLUMNS]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    rows = CONCEPT_MODELS[kind].objects.order_by(key).values_list(key, "label_en", f"label_{sfx}")
    for code, english, current in rows.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, [code, english, language, current or "", ""]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- import
def _cells(data: bytes, filename: str):
    """(row number, {column key: text}) of the first sheet, within the upload bounds."""
    check_size(len(data), filename)
    with xlsx_rows(data, filename) as rows:
        header = [str(c).strip().lower() if c is not None else "" for c in next(rows, None) or ()]
        missing = [c for c in ("code", "label") if c not in header]
        if missing:
            raise FileRefused(_("%(file)s has no column “%(column)s”; the first row must hold the column "
                                "names of the downloaded sheet: %(columns)s.")
                              % {"file": filename, "column": missing[0], "columns": ", ".join(COLUMNS)})
        position = {name: header.index(name) for name in COLUMNS if name in header}
        counter = RowCounter(filename)
        for number, cells in enumerate(rows, start=2):
            values = {name: _text(cells[i] if i < len(cells) else None) for name, i in position.items()}
            if any(values.values()):
                counter.add()
                yield number, values


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an ISCO code typed as a number
    return unescape(str(value)).strip()


def read_labels(kind: str, data: bytes, filename: str, *, default_source: str = "",
                default_language: str = "") -> LabelImport:
    """Check every row of an uploaded sheet; nothing is written here."""
    from ..services import current_label, find_concepts

    result = LabelImport(kind, filename)
    try:
        raw = list(_cells(data, filename))
    except FileRefused as exc:
        result.errors.append(RowError(None, "", str(exc)))
        return result
    concepts = find_concepts(kind, [values.get("code", "") for _n, values in raw])
    seen: dict[tuple[str, str], int] = {}
    for number, values in raw:
        if not values.get("label") and not values.get("source"):
            result.skipped += 1  # downloaded blank and left blank
            continue
        bad = False

        def error(column: str, message: str, number=number) -> None:
            nonlocal bad
            bad = True
            result.errors.append(RowError(number, column, message))

        key = values.get("code", "")
        concept = concepts.get(key)
        if not key:
            error("code", _("Give the code."))
        elif concept is None:
            error("code", _("No %(kind)s with the code “%(code)s”.")
                  % {"kind": LabelProposal.Kind(kind).label, "code": key})
        checked = {}
        for column, check, raw_value in (
                ("language", validators.clean_label_language, values.get("language") or default_language),
                ("label", validators.clean_label, values.get("label"))):
            try:
                checked[column] = check(raw_value)
            except ValidationError as exc:
                error(column, " ".join(exc.messages))
        if bad:
            continue
        # A downloaded label sent back as it was needs no source: nothing is proposed.
        if current_label(concept, checked["language"]) == checked["label"]:
            result.unchanged += 1
            continue
        try:
            checked["source"] = validators.clean_label_source(values.get("source") or default_source)
        except ValidationError as exc:
            error("source", " ".join(exc.messages))
            continue
        pair = (concept.pk, checked["language"])
        if pair in seen:
            error("code", _("The same code and language are already in row %(row)d.") % {"row": seen[pair]})
            continue
        seen[pair] = number
        result.rows.append(LabelRow(number, concept, checked["language"], checked["label"], checked["source"]))
    return result
