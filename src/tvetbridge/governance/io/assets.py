"""Importing the asset register of operations abroad from XLSX or CSV, as ``agreements`` does: every
row checked before anything is written, all rows written or none, matched on ``external_key`` (the
operator's inventory number), so importing a corrected file updates the assets it names.

A row names its operation by the number shown on the operation's page. The rules are the asset
form's: an operator's staff register assets only for their own operations that have not ended;
coordinators for any operation. Values, currencies and dates go through the model's validators and
constraints, the same ones the form applies.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.registry.io.columns import Column, Constraint, Spec
from tvetbridge.registry.io.files import write_xlsx
from tvetbridge.registry.io.importer import Importer, ImportResult, Row

from ..models import Asset, OverseasOperation
from .common import guarded_import

KIND = "assets"


class AssetSpec(Spec):
    @property
    def name_columns(self) -> list[Column]:
        return [self.column("description")]


SPEC = AssetSpec(KIND, Asset, [
    Column("external_key", "external_key", "text", required=True),
    Column("operation", "operation", "fk", required=True),
    Column("kind", "kind", "choice", required=True),
    Column("description", "description", "text", required=True),
    Column("value", "value", "decimal", required=True),
    Column("currency", "currency", "choice", required=True),
    Column("custodian", "custodian", "text", required=True),
    Column("location", "location", "text"),
    Column("ledger_reference", "ledger_reference", "text"),
    Column("acquired_on", "acquired_on", "date"),
    Column("disposed_on", "disposed_on", "date"),
    Column("disposal_note", "disposal_note", "text"),
], constraints=[
    Constraint("asset_disposed_after_acquired", "disposed_on",
               gettext_lazy("An asset cannot be disposed of before it was acquired.")),
])


class AssetImporter(Importer):
    def prepare(self) -> None:
        self.operations: dict[int, OverseasOperation] = {}

    def resolve_custom(self, rows: list[Row]) -> None:
        """Operations by their number, in one query for the whole file."""
        numbers: dict[int, int | None] = {}
        for row in rows:
            text = "" if "operation" in row.bad else str(row.values.get("operation") or "")
            numbers[row.number] = int(text) if text.isdigit() else None
        self.operations.update(OverseasOperation.objects.in_bulk([n for n in numbers.values() if n]))
        for row in rows:
            if "operation" in row.bad:
                continue
            number = numbers[row.number]
            if number is None and not row.values.get("operation"):
                self.error(row, "operation", _("This value is required."))
            elif number not in self.operations:
                self.error(row, "operation", _("Unknown operation “%(value)s” (give the number shown on its page).")
                           % {"value": row.values.get("operation")})
            else:
                row.values["operation"] = number

    def load_existing(self, existing: dict[str, object]) -> None:
        # The rules ask a stored asset for its operation's operator and status: load them in bulk.
        wanted = {obj.operation_id for obj in existing.values()} - set(self.operations)
        self.operations.update(OverseasOperation.objects.in_bulk(list(wanted)))
        for obj in existing.values():
            obj.operation = self.operations[obj.operation_id]

    def check_row(self, row: Row, obj, is_new: bool) -> None:
        # The form's rule (``services.add_asset``): the asset's operation decides who may register it.
        obj.operation = self.operations[obj.operation_id]
        if self.user is not None and not self.user.has_perm("governance.change_asset", obj):
            self.error(row, "operation", _("You can only register assets of your own institution's operations "
                                           "that have not ended."))


def import_assets(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` (the bytes of an XLSX or CSV file): every row checked, then all written or none."""
    return guarded_import(AssetImporter, user, SPEC, data, filename, dry_run=dry_run)


def template_file(operation: int | None = None) -> bytes:
    header = [c.key for c in SPEC.columns]
    example = ["asset-0001", str(operation or 1), "equipment", "CNC lathe for the mechatronics workshop", "185000.00",
               "CNY", "Workshop director", "Workshop hall B", "LEDGER-2025-041", "2025-03-01", "", ""]
    return write_xlsx(header, [example], title="assets")
