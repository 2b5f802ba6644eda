"""Reading and writing the two file formats: CSV (UTF-8) and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tvetbridge.core.cells import csv_row, set_xlsx_value, xlsx_cell
from tvetbridge.core.uploads import FileRefused, RowCounter, check_size, xlsx_rows

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# The file as a whole cannot be read; nothing row by row can be said about it.
FileError = FileRefused


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list]]  # (row number as the spreadsheet shows it, cells)


def detect_format(data: bytes, filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if suffix in {"xls", "ods", "numbers"}:
        raise FileError(_("%(file)s: the .%(suffix)s format is not supported; save the sheet as XLSX or CSV.")
                        % {"file": filename, "suffix": suffix})
    return "csv"


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet (or the CSV) as a header and rows, within the upload limits of ``core.uploads``."""
    check_size(len(data), filename)
    fmt = detect_format(data, filename)
    table = _read_xlsx(data, filename) if fmt == "xlsx" else _read_csv(data, filename)
    if not table.header or not any(h for h in table.header):
        raise FileError(_("%(file)s is empty: the first row must hold the column headers.") % {"file": filename})
    return table


def _read_csv(data: bytes, filename: str) -> Table:
    try:
        # utf-8-sig drops the byte-order mark Excel writes in front of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(_("%(file)s is not encoded as UTF-8 (byte 0x%(byte)02x at position %(position)d cannot "
                          "be read). Save it as “CSV UTF-8” and upload it again.")
                        % {"file": filename, "byte": data[exc.start], "position": exc.start}) from None
    first_line = text.split("\n", 1)[0]
    # Excel in Russian and Kazakh locales separates with ';'.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    counter = RowCounter(filename)
    header, body = None, []
    try:
        for number, record in enumerate(reader, start=1):
            if header is None:
                header = [cell.strip() for cell in record]
            elif any(cell.strip() for cell in record):
                counter.add()
                body.append((number, record))
    except csv.Error as exc:
        raise FileError(_("%(file)s is not a readable CSV file: %(error)s")
                        % {"file": filename, "error": exc}) from None
    return Table(header or [], body)


def _read_xlsx(data: bytes, filename: str) -> Table:
    with xlsx_rows(data, filename) as rows:
        header_cells = next(rows, None)
        if header_cells is None:
            return Table([], [])
        header = ["" if cell is None else str(cell).strip() for cell in header_cells]
        body = []
        counter = RowCounter(filename)
        for number, cells in enumerate(rows, start=2):
            cells = list(cells)
            if any(cell is not None and str(cell).strip() for cell in cells):
                counter.add()
                body.append((number, cells))
        return Table(header, body)


def write_csv(header: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO(newline="")
    # The BOM makes Excel open the file as UTF-8 rather than in the machine's legacy code page.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(header))
    for row in rows:
        writer.writerow(csv_row(row))
    return buffer.getvalue().encode("utf-8")


def write_xlsx(header: list[str], rows: Iterable[list], *, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    rows = list(rows)
    for index, width in enumerate(_widths(header, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = set_xlsx_value(WriteOnlyCell(sheet), text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(sheet, value):
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return xlsx_cell(sheet, value)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet"


def _widths(header: list[str], rows: list[list]) -> Iterator[float]:
    """Wide enough for the header and typical values, never wider than a screenful."""
    sample = rows[:200]
    for index, text in enumerate(header):
        longest = max([len(str(text))] + [len(str(row[index])) for row in sample
                                          if index < len(row) and row[index] is not None])
        yield min(max(longest + 2, 8), 60)
