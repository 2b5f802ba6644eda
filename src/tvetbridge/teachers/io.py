"""Importing language certificates of faculty and HSK results of trainees, CSV or XLSX, with the
registry's importer (``registry.io.importer``): every row checked before anything is written, bad
rows reported by row and column, all or nothing, dry runs, idempotent by ``external_key``. This
module adds, through the importer's hooks, only the holder (a faculty member or trainee named by
external key) and the level checked against its scale by the model's own validator
(``models.checked_level``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tvetbridge.outcomes.models import Trainee
from tvetbridge.registry.io.columns import Column, Spec, split_list, translated
from tvetbridge.registry.io.files import write_csv, write_xlsx
from tvetbridge.registry.io.importer import Importer, ImportResult, Row, RowError, run_import
from tvetbridge.registry.io.lookups import in_chunks
from tvetbridge.registry.models import FacultyMember

from .engine import scales
from .models import HskCentre, HskSitting, LanguageProficiency, checked_level

FACULTY_KIND = "faculty_languages"
HSK_KIND = "hsk_results"
SITTINGS_KIND = "hsk_sittings"
CENTRES_KIND = "hsk_centres"


class HolderSpec(Spec):
    """Proficiencies have no name: the holder's column stands where a record's name would."""

    def __init__(self, kind: str, holder: str, columns: list[Column], model: type = LanguageProficiency):
        super().__init__(kind, model, columns)
        self.holder = holder

    @property
    def name_columns(self) -> list[Column]:
        return [self.column(self.holder)]


_TAIL = [Column("certificate", "certificate", "text"), Column("certified_on", "certified_on", "date"),
         Column("issuer", "issuer", "text")]

FACULTY_SPEC = HolderSpec(FACULTY_KIND, "faculty", [
    Column("external_key", "external_key", "text", required=True),
    Column("faculty", "faculty", "fk", required=True),
    Column("language", "language", "fk", required=True, lookup="language"),
    Column("scale", "scale", "choice", required=True),
    Column("level", "level", "text", required=True),
    *_TAIL,
])

# An HSK result file (as test centres hand them out): the trainee, the level, the certificate.
HSK_SPEC = HolderSpec(HSK_KIND, "trainee", [
    Column("external_key", "external_key", "text", required=True),
    Column("trainee", "trainee", "fk", required=True),
    Column("scale", "scale", "choice"),
    Column("level", "level", "text", required=True),
    *_TAIL,
])


class ProficiencyImporter(Importer):
    holder_model: type = FacultyMember

    def resolve_custom(self, rows: list[Row]) -> None:
        """The holder by its external key, with its institution (for the staff's scope): one query a
        few hundred keys."""
        key = self.spec.holder
        wanted = sorted({row.values[key] for row in rows if key not in row.bad and row.values.get(key)})
        self.holders = {ext: (pk, inst) for ext, pk, inst in in_chunks(
            self.holder_model.objects.values_list("external_key", "pk", "institution_id"), "external_key", wanted)}
        for row in rows:
            if key in row.bad:
                continue
            value = row.values.get(key)
            if value not in self.holders:
                self.error(row, key, _("No %(holder)s with the external key “%(value)s”.")
                           % {"holder": self.holder_model._meta.verbose_name, "value": value})
            else:
                row.values[key] = self.holders[value][0]

    def check_rows(self, rows: list[Row]) -> None:
        """The level against its scale (and the scale against the language), with the model's validator,
        so a re-imported file written 'ТРКИ-2' is the stored '2' and counts as unchanged."""
        for row in rows:
            if {"scale", "level", "language"} & row.bad:
                continue
            language = row.values.get("language") or scales.SCALE_LANGUAGE[scales.HSK3]
            scale = row.values.get("scale") or scales.HSK3
            try:
                row.values["level"] = checked_level(language, scale, row.values["level"]).level
            except ValidationError as exc:
                for message in exc.message_dict["level"]:
                    self.error(row, "scale" if "wrong_language" in _codes(exc) else "level", message)

    def apply(self, row: Row, obj, is_new: bool) -> None:
        super().apply(row, obj, is_new)
        if self.spec.holder == "trainee":
            obj.language_id = scales.SCALE_LANGUAGE[scales.HSK3]
            if not obj.scale:
                obj.scale = scales.HSK3

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        # An unknown holder is reported on its column; a stand-in keeps the model's "one holder" rule
        # from reporting it again without one. A row with an error is never written.
        key = self.spec.holder
        return {f"{key}_id": 0} if key in row.bad else {}

    def check_scope(self, row: Row, obj) -> None:
        if not self.is_institution_staff() or self.spec.holder in row.bad:
            return
        holder = obj.faculty_id or obj.trainee_id
        institution = next((inst for pk, inst in self.holders.values() if pk == holder), None)
        if institution != self.user.profile.institution_id:
            self.error(row, self.spec.holder, _("You can only import records of your own institution."))


class HskImporter(ProficiencyImporter):
    holder_model = Trainee


def _codes(exc: ValidationError) -> set[str]:
    return {e.code for errors in exc.error_dict.values() for e in errors}


def import_faculty_languages(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    return _run(user, FACULTY_SPEC, ProficiencyImporter, data, filename, dry_run)


def import_hsk_results(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    return _run(user, HSK_SPEC, HskImporter, data, filename, dry_run)


def _run(user, spec, importer, data, filename, dry_run) -> ImportResult:
    # Before a byte of the file is read: who may not import learns nothing from it.
    if user is not None and not user.has_perm(f"teachers.import_{spec.model._meta.model_name}"):
        result = ImportResult(kind=spec.kind, filename=filename, dry_run=dry_run)
        refused = {HskSitting: _("You may not import test sittings."),
                   HskCentre: _("You may not import test centres.")}.get(spec.model,
                                                                          _("You may not import language levels."))
        result.errors.append(RowError(None, "", refused))
        return result
    return run_import(importer, user, spec, data, filename, dry_run=dry_run)


# A test centre's sitting report: one row per test, level and date, with its counts. The level is
# checked against its scale and the counts against each other by the model's own validators.
SITTING_SPEC = HolderSpec(SITTINGS_KIND, "centre", [
    Column("external_key", "external_key", "text", required=True),
    Column("centre", "centre", "fk", required=True),
    Column("date", "date", "date", required=True),
    Column("test", "test", "choice"),
    Column("scale", "scale", "choice"),
    Column("level", "level", "text", required=True),
    Column("registered", "registered", "int", required=True),
    Column("sat", "sat", "int", required=True),
    Column("passed", "passed", "int", required=True),
], model=HskSitting)


class SittingImporter(ProficiencyImporter):
    holder_model = HskCentre

    def check_rows(self, rows: list[Row]) -> None:
        for row in rows:
            if not row.values.get("scale"):
                row.values["scale"] = scales.HSK3
            if not row.values.get("test"):
                row.values["test"] = "hsk"
        super().check_rows(rows)

    def apply(self, row: Row, obj, is_new: bool) -> None:
        Importer.apply(self, row, obj, is_new)
        obj.language_id = scales.SCALE_LANGUAGE[scales.HSK3]

    def check_scope(self, row: Row, obj) -> None:
        if not self.is_institution_staff() or "centre" in row.bad:
            return
        institution = next((inst for pk, inst in self.holders.values() if pk == obj.centre_id), None)
        if institution != self.user.profile.institution_id:
            self.error(row, "centre", _("You can only import records of your own institution."))

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        return {}


def import_sittings(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    return _run(user, SITTING_SPEC, SittingImporter, data, filename, dry_run)


# Test centres, their names and cities in each language as the registry's files have them (name_en,
# name_zh_hans, name_ru, name_kk): a centre reads in the visitor's language, falling back to English.
CENTRE_SPEC = Spec(CENTRES_KIND, HskCentre, [
    Column("external_key", "external_key", "text", required=True),
    *translated("name"),
    Column("institution", "institution", "fk", required=True, lookup="institution"),
    Column("country", "country", "fk", required=True, lookup="country"),
    *translated("city"),
    Column("tests", "tests", "text", required=True),
    Column("accredited_by", "accredited_by", "text"),
    Column("accredited_on", "accredited_on", "date"),
    Column("is_synthetic", "is_synthetic", "bool"),
])


class CentreImporter(Importer):
    def parse_cell(self, column: Column, raw):
        # "hsk; HSKK" → ["hsk", "hskk"]; the model's validator then names any test it does not know.
        if column.key == "tests":
            return [t.casefold() for t in split_list(raw)]
        return super().parse_cell(column, raw)


def import_centres(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    return _run(user, CENTRE_SPEC, CentreImporter, data, filename, dry_run)


def template_file(kind: str, fmt: str = "xlsx") -> bytes:
    spec, example = {
        FACULTY_KIND: (FACULTY_SPEC, ["fl-0001", "fm-0001", "ru", "torfl", "ТРКИ-2", "RU-2-001234", "2024-05-20",
                                      "SPbU testing centre"]),
        HSK_KIND: (HSK_SPEC, ["hsk-H41002-0001", "tr-0001", "hsk3", "4", "H41002-0001", "2024-06-15",
                              "Atyrau HSK centre"]),
        CENTRES_KIND: (CENTRE_SPEC, ["hskc-atyrau", "Atyrau HSK centre", "阿特劳HSK考点", "Центр тестирования HSK, Атырау",
                                     "Атырау HSK тестілеу орталығы", "inst-atyrau", "KZ", "Atyrau", "阿特劳", "Атырау",
                                     "Атырау", "hsk; hskk", "Chinese Testing International", "2023-09-01", "no"]),
        SITTINGS_KIND: (SITTING_SPEC, ["atyrau-2024-06-15-hsk3", "hskc-atyrau", "2024-06-15", "hsk", "hsk3", "3",
                                       "24", "22", "17"]),
    }[kind]
    header = [c.key for c in spec.columns]
    return write_csv(header, [example]) if fmt == "csv" else write_xlsx(header, [example], title=kind)
