"""Importing agreements from XLSX or CSV with the registry's import machinery.

The registry's importer does the work (headers in every interface language, per-cell parsing, natural
keys resolved in bulk, the whole file checked before anything is written, all-or-nothing writes with
audit rows, dry runs, idempotence by ``external_key``). This module adds what agreements have and
registry records do not: projects named by their external keys, and institution staff who may only
import agreements their institution is a party to.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.registry.io.columns import Column, Constraint, translated
from tvetbridge.registry.io.files import write_xlsx
from tvetbridge.registry.io.importer import ImportResult, Row

from ..models import Agreement
from .common import MAX_IMPORT_BYTES, TitledImporter, TitledSpec, guarded_import

KIND = "agreements"
__all__ = ["MAX_IMPORT_BYTES", "import_agreements", "template_file"]


SPEC = TitledSpec(KIND, Agreement, [
    Column("external_key", "external_key", "text", required=True),
    *translated("title"),
    Column("level", "level", "choice", required=True),
    Column("kind", "kind", "choice", required=True),
    Column("status", "status", "choice"),
    Column("institutions", "institutions", "m2m", lookup="institution"),
    Column("other_parties", "other_parties", "text"),
    Column("countries", "countries", "m2m", lookup="country"),
    Column("projects", "projects", "m2m"),
    Column("signed_on", "signed_on", "date"),
    Column("effective_from", "effective_from", "date"),
    Column("expires_on", "expires_on", "date"),
    Column("renewal", "renewal", "choice"),
    Column("renewal_notice_days", "renewal_notice_days", "int"),
    Column("confidential", "confidential", "bool"),
], constraints=[
    Constraint("agreement_term_ordered", "expires_on",
               gettext_lazy("The agreement must expire after it comes into force.")),
])


class AgreementImporter(TitledImporter):
    def check_rows(self, rows: list[Row]) -> None:
        super().check_rows(rows)
        for row in rows:
            if row.values.get("status") == Agreement.Status.SIGNED and not row.values.get("signed_on") \
                    and "signed_on" not in row.bad:
                self.error(row, "signed_on", _("A signed agreement needs the date it was signed."))

    def check_scope(self, row: Row, obj) -> None:
        if not self.is_institution_staff() or "institutions" in row.bad:
            return
        own = self.user.profile.institution_id
        parties = row.m2m.get("institutions")
        if parties is None:  # unchanged: the stored parties
            parties = self.old_m2m.get("institutions", {}).get(obj.pk, set())
        if own not in parties:
            self.error(row, "institutions", _("Your institution must be a party to the agreement."))


def import_agreements(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` (the bytes of an XLSX or CSV file): every row checked, then all written or none."""
    return guarded_import(AgreementImporter, user, SPEC, data, filename, dry_run=dry_run)


def template_file() -> bytes:
    header = [c.key for c in SPEC.columns]
    example = ["agr-0001", "Memorandum on vocational cooperation", "", "", "", "institutional", "memorandum",
               "signed", "inst-a; inst-b", "Ministry of Education", "CN; KZ", "proj-1", "2025-03-01", "2025-03-01",
               "2030-02-28", "by_agreement", "180", "no"]
    return write_xlsx(header, [example], title="agreements")
