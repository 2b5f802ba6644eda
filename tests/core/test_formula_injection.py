"""Formula injection: a name such as ``=cmd|' /C calc'!A0`` must never reach a spreadsheet as a formula.

Every exporter of the platform is checked: registry records (CSV and XLSX), the report tables (CSV and
XLSX) and fund statements (XLSX). On the code before ``core.cells`` each of these wrote the name raw
to CSV and as a live formula to XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as stdio
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from tvetbridge.core.cells import TRIGGERS, csv_cell, unescape
from tvetbridge.registry import io
from tvetbridge.registry.models import Institution

ATTACK = "=cmd|' /C calc'!A0"
PAYLOADS = [ATTACK, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(stdio.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_cells(content: bytes):
    book = load_workbook(stdio.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells) -> None:
    for cell in cells:
        assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_trigger_is_neutralised_in_csv_and_read_back_unchanged(payload):
    text = csv_cell(payload)
    assert text.startswith("'") and not text.startswith(TRIGGERS)
    assert unescape(text) == payload


def test_numbers_and_plain_text_are_written_as_they_are():
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell(dt.date(2025, 1, 31)) == "2025-01-31"
    assert csv_cell("ALT University") == "ALT University"
    assert csv_cell(None) == ""


@pytest.fixture
def hostile(world):
    return Institution.objects.create(external_key="inst-evil", name=ATTACK, kind="college",
                                      country=world["kz"], website="", description="@SUM(1+1)")


def test_registry_csv_export_neutralises_the_formula(hostile, users):
    exported = io.export_file(users["coordinator"], "institutions", "csv")
    cells = [cell for row in csv_cells(exported.content) for cell in row]
    assert "'" + ATTACK in cells
    assert not any(cell.startswith(TRIGGERS) for cell in cells)


def test_registry_xlsx_export_writes_the_formula_as_text(hostile, users):
    exported = io.export_file(users["coordinator"], "institutions", "xlsx")
    cells = xlsx_cells(exported.content)
    assert_no_formula(cells)
    names = [cell for cell in cells if cell.value == ATTACK]
    assert names and all(cell.data_type == "s" and cell.quotePrefix for cell in names)


def test_exported_hostile_names_import_back_unchanged(hostile, users):
    exported = io.export_file(users["coordinator"], "institutions", "csv")
    result = io.import_file(users["coordinator"], "institutions", exported.content, "back.csv", dry_run=True)
    assert result.ok, result.errors
    assert result.counts["update"] == 0 and result.counts["create"] == 0


def _report(rows):
    table = {"key": "evil", "columns": ["name", "value"], "rows": rows}
    return SimpleNamespace(data={"sections": [{"data": {"tables": [table]}}],
                                 "sources": [{"title": ATTACK, "publisher": "+x", "document": "", "locator": "",
                                              "url": "", "published": "", "synthetic": False}]})


def test_report_table_csv_and_xlsx_neutralise_formulas():
    from tvetbridge.reports import services

    report = _report([[payload, 1] for payload in PAYLOADS] + [["-", -4.5]])
    cells = [cell for row in csv.reader(stdio.StringIO(services.table_csv(report, "evil"))) for cell in row]
    assert not any(cell.startswith(TRIGGERS) for cell in cells if cell != "-4.5")
    assert "'" + ATTACK in cells and "-4.5" in cells
    workbook_cells = xlsx_cells(services.tables_xlsx(report))
    assert_no_formula(workbook_cells)
    # openpyxl without lxml reads a carriage return back as a line feed, with lxml as itself; the
    # cell is text either way.
    def same(value):
        return value.replace("\r", "\n") if isinstance(value, str) else value

    assert {same(c.value) for c in workbook_cells} >= {same(p) for p in PAYLOADS}
    negative = [c for c in workbook_cells if c.value == -4.5]
    assert negative and negative[0].data_type == "n"


def test_fund_statement_xlsx_writes_descriptions_as_text():
    from tvetbridge.finance.statements import statement_xlsx

    account = SimpleNamespace(code="1000")
    data = {
        "fund": SimpleNamespace(name=ATTACK), "party": None, "start": dt.date(2025, 1, 1),
        "end": dt.date(2025, 3, 31),
        "accounts": [{"code": "1000", "name": "=HYPERLINK(\"http://x\")", "kind_label": "asset", "currency": "USD",
                      "opening": Decimal(0), "period_debit": Decimal(5), "period_credit": Decimal(0),
                      "balance": Decimal(5)}],
        "trial_balance": {"USD": Decimal(0)},
        "lines": [{"date": dt.date(2025, 2, 1), "transaction": 1, "kind": "contribution", "description": ATTACK,
                   "project": None, "account": account, "currency": "USD", "debit": Decimal(5),
                   "credit": Decimal(0)}],
    }
    cells = xlsx_cells(statement_xlsx(data))
    assert_no_formula(cells)
    assert any(c.value == ATTACK for c in cells)
