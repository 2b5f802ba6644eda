"""Bulk import of trainees, enrolments and employment (CSV or XLSX), row by row, written in bulk.

Every file is checked completely before anything is written; each problem is reported with the
row number a spreadsheet shows (header = row 1) and the column; one bad row means nothing is
written. Re-importing the same file changes nothing (rows match on ``external_key``).

File reading and cell parsing reuse the registry's import machinery (``registry.io``) so both
importers accept the same spellings (decimal commas, ``;`` separated CSV from Russian Excel, yes/no
in four languages, DD.MM.YYYY dates). Incomes take the column path in ``io.incomes``;
``services.import_file`` chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tvetbridge.core.models import CURRENCY_CODES, Country, Language, Region
from tvetbridge.core.roles import role_of
from tvetbridge.core.validators import employment_before_enrolment, resolve_language_codes
from tvetbridge.registry.io.columns import (
    CellError,
    cell_text,
    choice_map,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    split_list,
    yes_no_words,
)
from tvetbridge.registry.io.files import FileError, read_table, write_csv
from tvetbridge.registry.io.importer import RowError
from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

from ..identity import identity_hash
from ..models import Employment, Enrolment, Trainee

KINDS = ("trainees", "enrolments", "employment", "incomes")
MAX_ERRORS = 500

COLUMNS: dict[str, list[tuple[str, bool]]] = {
    "trainees": [("external_key", True), ("identity_number", False), ("institution", False), ("gender", False),
                 ("birth_year", False), ("home_region", False), ("prior_education", False),
                 ("baseline_employment", False), ("baseline_income", False), ("baseline_currency", False),
                 ("languages", False), ("consent_matching", False), ("consent_follow_up", False),
                 ("consent_date", False), ("is_synthetic", False)],
    "enrolments": [("external_key", True), ("trainee", True), ("project", False), ("programme", False),
                   ("status", True), ("start_date", True), ("end_date", False), ("occupation_code", False),
                   ("is_synthetic", False)],
    "employment": [("external_key", True), ("trainee", True), ("enrolment", False), ("employer", False),
                   ("employer_name", False), ("occupation_code", False), ("country", True), ("region", False),
                   ("start_date", True), ("end_date", False), ("formal", False), ("is_synthetic", False)],
    "incomes": [("trainee", True), ("period", True), ("amount", True), ("currency", True), ("source", True),
                ("verified", False)],
}


@dataclass
class OutcomesImportResult:
    kind: str
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int | None, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))


# Steps a background import reports (message ids, rendered in each reader's language).
STEP_CHECKING = gettext_noop("Checking the rows")
STEP_WRITING = gettext_noop("Writing the records")


def no_progress(percent: float, step: str = "") -> None:
    """The progress hook of an import run inside a request: nobody follows it."""


def check_user(user) -> None:
    if user is not None and not user.has_perm("outcomes.import_outcomes"):
        raise PermissionDenied(_("You may not import trainee records."))


def import_records(user, kind: str, data: bytes, filename: str, *, dry_run: bool = False,
                   progress=no_progress) -> OutcomesImportResult:
    """Import a CSV or XLSX file of trainees, enrolments or employment. ``user=None``: the platform.
    ``progress(percent, step)`` hears where a background import stands (and may stop it before the
    write by raising ``JobCancelled``)."""
    check_user(user)
    result = OutcomesImportResult(kind, filename, dry_run)
    try:
        table = read_table(data, filename)
    except FileError as exc:
        result.add(None, "", str(exc))
        return result
    _RecordImporter(user, kind, result, progress).run(table.header, table.rows)
    return result


class _RecordImporter:
    def __init__(self, user, kind, result, progress=no_progress):
        self.user, self.kind, self.result, self.progress = user, kind, result, progress
        self.columns = COLUMNS[kind]
        self.positions: dict[str, int] = {}
        self.yes_no = yes_no_words()
        self.own_institution = user.profile.institution_id if role_of(user) == "institution" else None
        self.reported: dict[int | None, set[str]] = {}

    def error(self, number, column: str, message: str) -> None:
        self.reported.setdefault(number, set()).add(column)
        self.result.add(number, column, message)

    def validate(self, number, obj, *, model_clean: bool = True) -> None:
        """The model's own validators (those the form and the API run), each error on its column.
        Relations were resolved from preloaded tables and uniqueness is settled by external key, so
        neither is re-checked per row; a column already reported is not reported again."""
        columns = {k for k, _r in self.columns}
        skip = {f.name for f in obj._meta.concrete_fields if f.is_relation or f.unique}
        skip |= self.reported.get(number, set())
        errors: dict[str, list[str]] = {}
        try:
            obj.clean_fields(exclude=skip)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if model_clean:
            try:
                obj.clean()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(name, []).extend(messages)
        for name, messages in errors.items():
            if name in self.reported.get(number, set()):
                continue
            for message in messages:
                self.error(number, name if name in columns else "", message)

    def run(self, header, records):
        names = {k for k, _r in self.columns}
        for i, text in enumerate(header):
            key = text.strip().rstrip("*").strip().casefold().replace(" ", "_")
            if key in names and key not in self.positions:
                self.positions[key] = i
            elif key:
                self.result.warnings.append(_("The column “%(column)s” is not recognised and was ignored.")
                                            % {"column": text})
        for key, required in self.columns:
            if required and key not in self.positions:
                self.error(1, key, _("The required column “%(column)s” is missing.") % {"column": key})
        if self.result.errors:
            return
        rows = []
        for number, cells in records:
            raw = {k: (cells[i] if i < len(cells) else None) for k, i in self.positions.items()}
            rows.append((number, raw))
        self.result.rows = len(rows)
        self.progress(30, STEP_CHECKING)
        parsed = getattr(self, f"parse_{self.kind}")(rows)
        if self.result.errors or self.result.dry_run:
            return
        self.progress(60, STEP_WRITING)
        with transaction.atomic():
            getattr(self, f"write_{self.kind}")(parsed)
        self.result.committed = True

    # helpers
    def cell(self, number, raw, key, parser, required=False):
        value = raw.get(key)
        try:
            out = parser(value) if parser else (cell_text(value) or None)
        except CellError as exc:
            self.error(number, key, str(exc))
            return None
        if required and (out is None or out == ""):
            self.error(number, key, _("This value is required."))
        return out

    def lookup(self, number, key, value, table, what):
        if value in (None, ""):
            return None
        found = table.get(value)
        if found is None:
            self.error(number, key, _("No %(what)s with the key “%(value)s”.") % {"what": what, "value": value})
        return found

    def choice(self, number, raw, key, model, field_name):
        text = cell_text(raw.get(key))
        if not text:
            return None
        value = choice_map(model, field_name).get(text.casefold())
        if value is None:
            self.error(number, key, _("“%(value)s” is not one of the allowed values.") % {"value": text})
        return value

    def currency(self, number, raw, key):
        text = cell_text(raw.get(key)).upper()
        if text and text not in CURRENCY_CODES:
            self.error(number, key, _("“%(code)s” is not a known currency; use one of %(codes)s.")
                            % {"code": text, "codes": ", ".join(sorted(CURRENCY_CODES))})
            return None
        return text

    def _split(self, model, parsed):
        """(new objects, changed objects, unchanged count) by external key."""
        keys = [obj.external_key for obj in parsed]
        existing = {o.external_key: o for o in model.objects.filter(external_key__in=keys)}
        new, changed, same = [], [], 0
        fields = [f.attname for f in model._meta.concrete_fields
                  if f.attname not in ("id", "created", "updated", "external_key")]
        for obj in parsed:
            old = existing.get(obj.external_key)
            if old is None:
                new.append(obj)
                continue
            diff = [f for f in fields if getattr(obj, f) != getattr(old, f) and not
                    (f == "identity_hash" and getattr(obj, f) is None)]
            if diff:
                for f in diff:
                    setattr(old, f, getattr(obj, f))
                old._changed = diff
                changed.append(old)
            else:
                same += 1
        return new, changed, same, fields

    def _save(self, model, parsed):
        new, changed, same, fields = self._split(model, parsed)
        user = self.user if getattr(self.user, "is_authenticated", False) else None
        if new:
            bulk_create_with_history(new, model, batch_size=1000, default_user=user,
                                     default_change_reason="import")
        if changed:
            bulk_update_with_history(changed, model, sorted({f for o in changed for f in o._changed}),
                                     batch_size=1000, default_user=user, default_change_reason="import")
        self.result.created, self.result.updated, self.result.unchanged = len(new), len(changed), same
        return {o.external_key: o for o in new + changed}

    # trainees
    def parse_trainees(self, rows):
        regions = dict(Region.objects.values_list("code", "pk"))
        institutions = dict(Institution.objects.values_list("external_key", "pk"))
        languages = set(Language.objects.values_list("code", flat=True))
        seen_keys, seen_hash, out = {}, {}, []
        for number, raw in rows:
            key = self.cell(number, raw, "external_key", None, required=True)
            if key in seen_keys:
                self.error(number, "external_key", _("Duplicate trainee: the key “%(key)s” is already used in "
                                                          "row %(row)d.") % {"key": key, "row": seen_keys[key]})
            elif key:
                seen_keys[key] = number
            digest = None
            ident = cell_text(raw.get("identity_number"))
            if ident:
                digest = identity_hash(ident)
                if digest in seen_hash:
                    self.error(number, "identity_number", _(
                        "Duplicate trainee: the same identity number is in row %(row)d.") % {"row": seen_hash[digest]})
                seen_hash.setdefault(digest, number)
            inst = self.lookup(number, "institution", cell_text(raw.get("institution")), institutions, _("institution"))
            if self.own_institution is not None:
                if inst not in (None, self.own_institution):
                    self.error(number, "institution", _("You can only import trainees of your own institution."))
                inst = self.own_institution
            income = self.cell(number, raw, "baseline_income", parse_decimal)
            currency = self.currency(number, raw, "baseline_currency")
            langs, bad_languages = resolve_language_codes(split_list(raw.get("languages")), languages)
            for message in bad_languages:
                self.error(number, "languages", message)
            t = Trainee(
                external_key=key or "", identity_hash=digest, institution_id=inst,
                gender=self.choice(number, raw, "gender", Trainee, "gender") or "unknown",
                birth_year=self.cell(number, raw, "birth_year", parse_int),
                home_region_id=self.lookup(number, "home_region", cell_text(raw.get("home_region")), regions,
                                           _("region")),
                prior_education=self.cell(number, raw, "prior_education", parse_int),
                baseline_employment=self.choice(number, raw, "baseline_employment", Trainee,
                                                "baseline_employment") or "",
                baseline_income=income, baseline_currency=currency or "",
                consent_matching=self.cell(number, raw, "consent_matching",
                                           lambda v: parse_bool(v, self.yes_no)) or False,
                consent_follow_up=self.cell(number, raw, "consent_follow_up",
                                            lambda v: parse_bool(v, self.yes_no)) or False,
                consent_date=self.cell(number, raw, "consent_date", parse_date),
                is_synthetic=self.cell(number, raw, "is_synthetic", lambda v: parse_bool(v, self.yes_no)) or False)
            self.validate(number, t)
            t._languages = langs
            t._row = number
            out.append(t)
        # an identity already registered under another key is the same person twice
        hashes = {t.identity_hash: t for t in out if t.identity_hash}
        for digest, other in Trainee.objects.filter(identity_hash__in=hashes).values_list("identity_hash",
                                                                                          "external_key"):
            t = hashes[digest]
            if other != t.external_key:
                self.error(t._row, "identity_number", _(
                    "Duplicate trainee: this identity number is already registered as “%(key)s”.") % {"key": other})
        return out

    def write_trainees(self, parsed):
        saved = self._save(Trainee, parsed)
        through = Trainee.languages.through
        for t in parsed:
            obj = saved.get(t.external_key)
            if obj is not None and t._languages:
                obj.languages.set(t._languages)
        return through

    # enrolments
    def _trainee_ids(self, rows):
        keys = {cell_text(raw.get("trainee")) for _n, raw in rows}
        return dict(Trainee.objects.filter(external_key__in=keys).values_list("external_key", "pk"))

    def parse_enrolments(self, rows):
        trainees = self._trainee_ids(rows)
        projects = dict(CooperationProject.objects.values_list("external_key", "pk"))
        programmes = dict(Programme.objects.values_list("external_key", "pk"))
        seen, out = {}, []
        for number, raw in rows:
            key = self.cell(number, raw, "external_key", None, required=True)
            if key in seen:
                self.error(number, "external_key", _("The key “%(key)s” is already used in row %(row)d.")
                                % {"key": key, "row": seen[key]})
            seen.setdefault(key, number)
            e = Enrolment(
                external_key=key or "",
                trainee_id=self.lookup(number, "trainee", cell_text(raw.get("trainee")), trainees, _("trainee")),
                project_id=self.lookup(number, "project", cell_text(raw.get("project")), projects, _("project")),
                programme_id=self.lookup(number, "programme", cell_text(raw.get("programme")), programmes,
                                         _("programme")),
                status=self.choice(number, raw, "status", Enrolment, "status") or "",
                start_date=self.cell(number, raw, "start_date", parse_date, required=True),
                end_date=self.cell(number, raw, "end_date", parse_date),
                occupation_code=cell_text(raw.get("occupation_code")),
                is_synthetic=self.cell(number, raw, "is_synthetic", lambda v: parse_bool(v, self.yes_no)) or False)
            self.validate(number, e)
            if self.own_institution is not None and (e.project_id or e.programme_id):
                owners = set()
                if e.project_id:
                    owners |= CooperationProject.objects.get(pk=e.project_id).owner_institution_ids()
                if e.programme_id:
                    owners.add(Programme.objects.get(pk=e.programme_id).institution_id)
                if self.own_institution not in owners:
                    self.error(number, "project", _("Your institution does not run this project or programme."))
            out.append(e)
        return out

    def write_enrolments(self, parsed):
        self._save(Enrolment, parsed)

    # employment
    def parse_employment(self, rows):
        trainees = self._trainee_ids(rows)
        enrol_keys = {cell_text(raw.get("enrolment")) for _n, raw in rows} - {""}
        enrolments = {k: (pk, start, tid) for k, pk, start, tid in Enrolment.objects.filter(
            external_key__in=enrol_keys).values_list("external_key", "pk", "start_date", "trainee_id")}
        first_start = {}
        for tid, start, pk in (Enrolment.objects.filter(trainee_id__in=trainees.values())
                               .order_by("trainee_id", "start_date").values_list("trainee_id", "start_date", "pk")):
            first_start.setdefault(tid, (start, pk))
        employers = dict(Enterprise.objects.values_list("external_key", "pk"))
        countries = set(Country.objects.values_list("code", flat=True))
        regions = dict(Region.objects.values_list("code", "pk"))
        seen, out = {}, []
        for number, raw in rows:
            key = self.cell(number, raw, "external_key", None, required=True)
            if key in seen:
                self.error(number, "external_key", _("The key “%(key)s” is already used in row %(row)d.")
                                % {"key": key, "row": seen[key]})
            seen.setdefault(key, number)
            tid = self.lookup(number, "trainee", cell_text(raw.get("trainee")), trainees, _("trainee"))
            enr = self.lookup(number, "enrolment", cell_text(raw.get("enrolment")), enrolments, _("enrolment"))
            country = cell_text(raw.get("country")).upper()
            if country and country not in countries:
                self.error(number, "country", _("No country with the code “%(code)s”.") % {"code": country})
            start = self.cell(number, raw, "start_date", parse_date, required=True)
            end = self.cell(number, raw, "end_date", parse_date)
            if enr is not None and tid is not None and enr[2] != tid:
                self.error(number, "enrolment", _("This enrolment belongs to another trainee."))
            reference = enr[:2][::-1] if enr else first_start.get(tid)
            ref_start = enr[1] if enr else (reference[0] if reference else None)
            late = employment_before_enrolment(start, ref_start)
            if late is not None:
                for message in late.message_dict["start_date"]:
                    self.error(number, "start_date", message)
            if start and end and end < start:
                self.error(number, "end_date", _("The end date is before the start date."))
            job = Employment(
                external_key=key or "", trainee_id=tid,
                enrolment_id=enr[0] if enr else (first_start[tid][1] if tid in first_start else None),
                employer_id=self.lookup(number, "employer", cell_text(raw.get("employer")), employers,
                                        _("enterprise")),
                employer_name=cell_text(raw.get("employer_name")), occupation_code=cell_text(raw.get("occupation_code")),
                country_id=country or None,
                region_id=self.lookup(number, "region", cell_text(raw.get("region")), regions, _("region")),
                start_date=start, end_date=end,
                formal=self.cell(number, raw, "formal", lambda v: parse_bool(v, self.yes_no)) if
                cell_text(raw.get("formal")) else True,
                is_synthetic=self.cell(number, raw, "is_synthetic", lambda v: parse_bool(v, self.yes_no)) or False)
            # Employment.clean looks the enrolment up per row; its two checks were made above in bulk.
            self.validate(number, job, model_clean=False)
            out.append(job)
        return out

    def write_employment(self, parsed):
        self._save(Employment, parsed)



def template_csv(kind: str) -> bytes:
    examples = {
        "trainees": ["T-0001", "850101300123", "", "female", "2001", "KZ-75", "3", "unemployed", "120000", "KZT",
                     "ru;kk", "yes", "yes", "2024-09-01", "no"],
        "enrolments": ["E-0001", "T-0001", "proj-1", "", "completed", "2024-09-01", "2025-06-30", "7233", "no"],
        "employment": ["J-0001", "T-0001", "E-0001", "", "Atyrau Refinery", "7233", "KZ", "", "2025-08-01", "",
                       "yes", "no"],
        "incomes": ["T-0001", "2025-09", "285000", "KZT", "payroll", "yes"],
    }
    return write_csv([k for k, _r in COLUMNS[kind]], [examples[kind]])
