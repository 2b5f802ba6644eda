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

from tvetbridge.registry.io.columns import Column, Constraint, Spec, translated
from tvetbridge.registry.io.files import write_xlsx
from tvetbridge.registry.io.importer import Importer, ImportResult, Row, RowError, run_import
from tvetbridge.registry.io.lookups import in_chunks
from tvetbridge.registry.models import CooperationProject

from ..models import Agreement

KIND = "agreements"
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class AgreementSpec(Spec):
    @property
    def name_columns(self) -> list[Column]:
        return [c for c in self.columns if c.base_field == "title"]


SPEC = AgreementSpec(KIND, Agreement, [
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


class AgreementImporter(Importer):
    def resolve_custom(self, rows: list[Row]) -> None:
        """Projects by external key, in a few queries for the whole file."""
        if "projects" not in self.positions:
            return
        wanted = sorted({key for row in rows if "projects" not in row.bad for key in row.values.get("projects") or []})
        known = dict((k, pk) for k, pk in in_chunks(CooperationProject.objects.values_list("external_key", "pk"),
                                                   "external_key", wanted))
        for row in rows:
            if "projects" in row.bad:
                continue
            keys = row.values.get("projects") or []
            missing = [k for k in keys if k not in known]
            if missing:
                self.error(row, "projects", _("Unknown project “%(value)s” (give its external key).")
                           % {"value": ", ".join(missing)})
            else:
                row.values["projects"] = {known[k] for k in keys}

    def check_rows(self, rows: list[Row]) -> None:
        titles = [c.key for c in self.spec.name_columns if c.key in self.positions]
        for row in rows:
            if titles and not any(row.values.get(k) for k in titles) and not (set(titles) & row.bad):
                self.error(row, titles[0], _("Give the title in at least one language."))
            if row.values.get("status") == Agreement.Status.SIGNED and not row.values.get("signed_on") \
                    and "signed_on" not in row.bad:
                self.error(row, "signed_on", _("A signed agreement needs the date it was signed."))

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        # A missing title is reported by check_rows on its column; a row with an error is never written.
        return {} if any(getattr(obj, c.field) for c in self.spec.name_columns) else {"title_en": "-"}

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
    result = ImportResult(kind=KIND, filename=filename, dry_run=dry_run)
    # Permission and size are checked before the file is opened.
    if user is not None and not user.has_perm("governance.import_records"):
        result.errors.append(RowError(None, "", _("You may not import agreements.")))
        return result
    if len(data) > MAX_IMPORT_BYTES:
        result.errors.append(RowError(None, "", _("The file is %(size)s MB; imports may be at most %(max)s MB.")
                                      % {"size": round(len(data) / 1048576, 1), "max": MAX_IMPORT_BYTES // 1048576}))
        return result
    return run_import(AgreementImporter, user, SPEC, data, filename, dry_run=dry_run)


def template_file() -> bytes:
    header = [c.key for c in SPEC.columns]
    example = ["agr-0001", "Memorandum on vocational cooperation", "", "", "", "institutional", "memorandum",
               "signed", "inst-a; inst-b", "Ministry of Education", "CN; KZ", "proj-1", "2025-03-01", "2025-03-01",
               "2030-02-28", "by_agreement", "180", "no"]
    return write_xlsx(header, [example], title="agreements")
