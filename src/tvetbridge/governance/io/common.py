"""What governance imports share on top of the registry's importer: a title in any language, projects
named by their external keys, and the permission and size checks made before a file is opened."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tvetbridge.registry.io.columns import Column, Spec
from tvetbridge.registry.io.importer import Importer, ImportResult, Row, RowError, run_import
from tvetbridge.registry.io.lookups import in_chunks
from tvetbridge.registry.models import CooperationProject

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class TitledSpec(Spec):
    @property
    def name_columns(self) -> list[Column]:
        return [c for c in self.columns if c.base_field == "title"]


class TitledImporter(Importer):
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

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        # A missing title is reported by check_rows on its column; a row with an error is never written.
        return {} if any(getattr(obj, c.field) for c in self.spec.name_columns) else {"title_en": "-"}


def guarded_import(importer: type[Importer], user, spec: Spec, data: bytes, filename: str, *,
                   dry_run: bool = False) -> ImportResult:
    """Run an import after the permission and size checks, which come before the file is opened."""
    result = ImportResult(kind=spec.kind, filename=filename, dry_run=dry_run)
    if user is not None and not user.has_perm("governance.import_records"):
        result.errors.append(RowError(None, "", _("You may not import these records.")))
        return result
    if len(data) > MAX_IMPORT_BYTES:
        result.errors.append(RowError(None, "", _("The file is %(size)s MB; imports may be at most %(max)s MB.")
                                      % {"size": round(len(data) / 1048576, 1), "max": MAX_IMPORT_BYTES // 1048576}))
        return result
    return run_import(importer, user, spec, data, filename, dry_run=dry_run)
