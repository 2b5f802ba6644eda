"""Spreadsheet cells that cannot run: the one place every CSV and XLSX exporter passes its values.

A spreadsheet program reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and
one that begins with a tab or carriage return may be turned into one when it is pasted; a name
such as ``=cmd|' /C calc'!A0`` then runs on the reader's machine (CWE-1236, "CSV injection").
Every exporter of the platform writes its cells through these helpers:

- ``csv_cell(value)``: text beginning with such a character gets a leading apostrophe, which
  spreadsheets show as a text marker and never evaluate;
- ``xlsx_row(sheet, values)`` / ``xlsx_cell(sheet, value)``: such text becomes a string cell
  (with Excel's quote-prefix style, so editing the cell keeps it text) instead of a formula.

Numbers, dates and booleans are written as values: ``-5`` stored as a number is a number, not
a formula. The importers undo the apostrophe (``unescape``), so an export still reads back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


def is_dangerous(text: str) -> bool:
    return text.startswith(TRIGGERS)


def csv_text(text: str) -> str:
    return MARK + text if is_dangerous(text) else text


def csv_cell(value) -> str:
    """A value as CSV text: dates in ISO 8601, empty for None, neutralised when text could run."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float) or _is_decimal(value):
        return str(value)
    return csv_text(str(value))


def csv_row(values: Iterable) -> list[str]:
    return [csv_cell(value) for value in values]


def unescape(text: str) -> str:
    """An exported cell read back: the apostrophe ``csv_text`` added is dropped again."""
    if text.startswith(MARK) and is_dangerous(text[1:]):
        return text[1:]
    return text


def xlsx_cell(sheet, value):
    """A value for ``sheet.append`` (or a cell's value): text that would run becomes a text cell."""
    if not isinstance(value, str) or not is_dangerous(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    return set_xlsx_value(WriteOnlyCell(sheet), value)


def xlsx_row(sheet, values: Iterable) -> list:
    return [xlsx_cell(sheet, value) for value in values]


def set_xlsx_value(cell, value):
    """Assign ``value`` to a cell of an ordinary (not write-only) workbook, as text when it would run."""
    cell.value = value
    if isinstance(value, str) and is_dangerous(value):
        # openpyxl types a string starting with "=" as a formula; a string cell is written as text.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _is_decimal(value) -> bool:
    from decimal import Decimal

    return isinstance(value, Decimal)
