"""Public tables as files: CSV, XLSX and JSON, each carrying its data dictionary, licence and version.

Cells are written inertly: a CSV cell that a spreadsheet would run as a formula (starting with = + - @
or a control character) gets a leading apostrophe, and XLSX text cells are typed as text, so a name
typed as ``=HYPERLINK(...)`` in the registry is shown, never executed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(_plain(value))


def write_csv(columns: Sequence[str], rows: Sequence[Mapping]) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")  # so spreadsheets open it as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8")


def _xlsx_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=_plain(value))
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "="
    return cell


def write_xlsx(columns: Sequence[str], rows: Sequence[Mapping], *, title: str,
               dictionary: Sequence[Mapping], about: Mapping[str, str]) -> bytes:
    """The table on its first sheet; the data dictionary and the licence/version on a second."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=c)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(c)) for c in columns])
    meta = book.create_sheet(title="about")
    for key, value in about.items():
        meta.append([_xlsx_cell(meta, key), _xlsx_cell(meta, value)])
    meta.append([])
    meta.append(["column", "meaning", "unit", "source"])
    for d in dictionary:
        meta.append([_xlsx_cell(meta, d[k]) for k in ("column", "meaning", "unit", "source")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_json(rows: Sequence[Mapping], *, dictionary: Sequence[Mapping], about: Mapping[str, str]) -> bytes:
    doc = {**about, "dictionary": list(dictionary), "rows": [{k: _plain(v) for k, v in r.items()} for r in rows]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
