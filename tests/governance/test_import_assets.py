"""The asset register from XLSX: matched on the inventory key (a corrected file updates, never
duplicates), bad rows named by row and column with nothing written, and operators importing only
assets of their own live operations."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tvetbridge.governance import services
from tvetbridge.governance.io.assets import SPEC, import_assets, template_file
from tvetbridge.governance.models import Asset
from tvetbridge.registry.io.files import read_table, write_xlsx

HEADER = [c.key for c in SPEC.columns]


def row(op, **values) -> list:
    base = {"external_key": "inv-1", "operation": op.pk, "kind": "equipment",
            "description": "CNC lathe for the mechatronics workshop", "value": "185000.50", "currency": "CNY",
            "custodian": "Workshop director", "location": "Hall B", "ledger_reference": "LEDGER-2025-041",
            "acquired_on": "2025-03-01"}
    base.update(values)
    return [base.get(k, "") for k in HEADER]


def xlsx(*rows) -> bytes:
    return write_xlsx(HEADER, list(rows), title="assets")


def test_assets_import_and_a_corrected_file_updates_them(operation, gov):
    result = import_assets(gov["urumqi_staff"], xlsx(
        row(operation), row(operation, external_key="inv-2", kind="funds", description="Operating account",
                            value="200000", currency="KZT", acquired_on="")), "assets.xlsx")
    assert result.ok, result.errors
    lathe = Asset.objects.get(external_key="inv-1")
    assert lathe.operation == operation and lathe.value == Decimal("185000.50") and lathe.version == 1
    assert lathe.history.get().history_change_reason == "import"
    again = import_assets(gov["urumqi_staff"], xlsx(row(operation, custodian="Deputy director")), "assets.xlsx")
    assert again.ok and [o.action for o in again.outcomes] == ["update"]
    lathe.refresh_from_db()
    assert lathe.custodian == "Deputy director" and lathe.version == 2 and lathe.history.count() == 2
    assert Asset.objects.count() == 2
    unchanged = import_assets(gov["coordinator"], xlsx(row(operation, custodian="Deputy director")), "a.xlsx")
    assert [o.action for o in unchanged.outcomes] == ["unchanged"]


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(operation, gov):
    result = import_assets(gov["coordinator"], xlsx(
        row(operation),
        row(operation, external_key="inv-2", kind="yacht"),
        row(operation, external_key="inv-3", value="-5"),
        row(operation, external_key="inv-4", currency="XXX", acquired_on="yesterday"),
        row(operation, external_key="inv-5", operation=99999),
        row(operation, external_key="inv-6", acquired_on="2025-03-01", disposed_on="2024-01-01"),
        row(operation, external_key="inv-7", description="", custodian=""),
        row(operation, external_key="inv-1"),
    ), "assets.xlsx")
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "kind"), (4, "value"), (5, "currency"), (5, "acquired_on"), (6, "operation"), (7, "disposed_on"),
            (8, "description"), (8, "custodian"), (9, "external_key")} <= found, found
    assert 2 not in {e.row for e in result.errors}
    assert not Asset.objects.exists()


def test_operators_import_only_assets_of_their_own_live_operations(operation, gov):
    denied = import_assets(gov["other_staff"], xlsx(row(operation)), "a.xlsx")
    assert not denied.ok and [(e.row, e.column) for e in denied.errors] == [(2, "operation")]
    assert not import_assets(gov["enterprise"], xlsx(row(operation)), "a.xlsx").ok
    assert not Asset.objects.exists()
    # A stored asset of another institution's operation is not theirs to move or change either.
    assert import_assets(gov["coordinator"], xlsx(row(operation)), "a.xlsx").ok
    taken = import_assets(gov["other_staff"], xlsx(row(operation, custodian="Someone else")), "a.xlsx")
    assert not taken.ok and taken.errors[0].column == "external_key"
    assert Asset.objects.get().custodian == "Workshop director"
    # An operation that has ended keeps its register as it was, except for coordinators.
    services.transition_operation(gov["urumqi_staff"], operation, "withdraw", note="")
    closed = import_assets(gov["urumqi_staff"], xlsx(row(operation, external_key="inv-2")), "a.xlsx")
    assert not closed.ok and not Asset.objects.filter(external_key="inv-2").exists()


def test_import_page_from_the_operation_page_and_template(client, operation, gov):
    client.force_login(gov["urumqi_staff"])
    page = client.get(reverse("governance_operation", args=[operation.pk])).content.decode()
    url = f"{reverse('governance_asset_import')}?operation={operation.pk}"
    assert f'href="{url}"' in page
    form = client.get(url)
    assert form.status_code == 200
    template = client.get(f"{reverse('governance_asset_import_template')}?operation={operation.pk}")
    table = read_table(template.content, "assets.xlsx")
    expected = read_table(template_file(operation.pk), "assets.xlsx")  # as tables: an XLSX carries its second
    assert (table.header, table.rows) == (expected.header, expected.rows)
    assert table.header == HEADER and str(table.rows[0][1][1]) == str(operation.pk)
    bad = client.post(url, {"file": SimpleUploadedFile("a.xlsx", xlsx(row(operation), row(operation, external_key="x",
                                                                                        value="lots")))})
    assert "Nothing was imported" in bad.content.decode() and not Asset.objects.exists()
    good = client.post(url, {"file": SimpleUploadedFile("a.xlsx", xlsx(row(operation)))})
    assert good.status_code == 302 and Asset.objects.count() == 1
    client.force_login(gov["other_staff"])
    assert client.get(reverse("governance_operation", args=[operation.pk])).status_code == 404
    client.force_login(gov["enterprise"])
    assert client.get(url).status_code == 403
