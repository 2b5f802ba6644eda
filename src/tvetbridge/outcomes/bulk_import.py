"""Bulk import of trainees, enrolments, employment and income observations (CSV or XLSX).

Every file is checked completely before anything is written; each problem is reported with the
row number a spreadsheet shows (header = row 1) and the column; one bad row means nothing is
written. Re-importing the same file changes nothing (rows match on ``external_key``; incomes on
trainee + month + source).

File reading and cell parsing reuse the registry's import machinery (``registry.io_files``,
``registry.io_columns``) so both importers accept the same spellings (decimal commas, ``;``
separated CSV from Russian Excel, yes/no in four languages, DD.MM.YYYY dates).

Incomes are the national-scale file (a million rows a year for one country), so they take a
column path that never touches the ORM per row: Polars parses and validates whole columns (the
rarer spellings only for the rows that need them), trainee keys are resolved with one query,
duplicates are found on one integer per row, the rows already stored for the file's trainees and
months are read once and compared in Polars, and only new rows (PostgreSQL ``COPY`` straight into
the table with ids reserved in one step, SQLite ``executemany`` in large batches) and changed rows
(one ``UPDATE``) are written. Such a file is audited as an ``ImportBatch`` (who, when, file
checksum, counts) rather than a history row per income.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tvetbridge.core.models import CURRENCY_CODES, Country, Language, Region
from tvetbridge.core.roles import role_of
from tvetbridge.core.uploads import RowCounter, check_size
from tvetbridge.registry.io_columns import (
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
from tvetbridge.registry.io_files import FileError, detect_format, read_table
from tvetbridge.registry.io_import import RowError
from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

from .identity import identity_hash
from .models import Employment, Enrolment, ImportBatch, IncomeObservation, Trainee

KINDS = ("trainees", "enrolments", "employment", "incomes")
MAX_ERRORS = 500
COPY_CHUNK = 200_000
SQLITE_BATCH = 50_000

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


def _check_user(user) -> None:
    if user is not None and not user.has_perm("outcomes.import_outcomes"):
        raise PermissionDenied(_("You may not import trainee records."))


def import_file(user, kind: str, data: bytes, filename: str, *, dry_run: bool = False) -> OutcomesImportResult:
    """Import a CSV or XLSX file of ``kind`` (one of KINDS). ``user=None``: the platform itself."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    _check_user(user)
    result = OutcomesImportResult(kind, filename, dry_run)
    if kind == "incomes":
        return import_incomes(user, data, filename, dry_run=dry_run, result=result)
    try:
        table = read_table(data, filename)
    except FileError as exc:
        result.add(None, "", str(exc))
        return result
    _RecordImporter(user, kind, result).run(table.header, table.rows)
    return result


# --- trainees, enrolments, employment: validated row by row, written in bulk -------------------------

class _RecordImporter:
    def __init__(self, user, kind, result):
        self.user, self.kind, self.result = user, kind, result
        self.columns = COLUMNS[kind]
        self.positions: dict[str, int] = {}
        self.yes_no = yes_no_words()
        self.own_institution = user.profile.institution_id if role_of(user) == "institution" else None

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
                self.result.add(1, key, _("The required column “%(column)s” is missing.") % {"column": key})
        if self.result.errors:
            return
        rows = []
        for number, cells in records:
            raw = {k: (cells[i] if i < len(cells) else None) for k, i in self.positions.items()}
            rows.append((number, raw))
        self.result.rows = len(rows)
        parsed = getattr(self, f"parse_{self.kind}")(rows)
        if self.result.errors or self.result.dry_run:
            return
        with transaction.atomic():
            getattr(self, f"write_{self.kind}")(parsed)
        self.result.committed = True

    # helpers
    def cell(self, number, raw, key, parser, required=False):
        value = raw.get(key)
        try:
            out = parser(value) if parser else (cell_text(value) or None)
        except CellError as exc:
            self.result.add(number, key, str(exc))
            return None
        if required and (out is None or out == ""):
            self.result.add(number, key, _("This value is required."))
        return out

    def lookup(self, number, key, value, table, what):
        if value in (None, ""):
            return None
        found = table.get(value)
        if found is None:
            self.result.add(number, key, _("No %(what)s with the key “%(value)s”.") % {"what": what, "value": value})
        return found

    def choice(self, number, raw, key, model, field_name):
        text = cell_text(raw.get(key))
        if not text:
            return None
        value = choice_map(model, field_name).get(text.casefold())
        if value is None:
            self.result.add(number, key, _("“%(value)s” is not one of the allowed values.") % {"value": text})
        return value

    def currency(self, number, raw, key):
        text = cell_text(raw.get(key)).upper()
        if text and text not in CURRENCY_CODES:
            self.result.add(number, key, _("“%(code)s” is not a known currency; use one of %(codes)s.")
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
                self.result.add(number, "external_key", _("Duplicate trainee: the key “%(key)s” is already used in "
                                                          "row %(row)d.") % {"key": key, "row": seen_keys[key]})
            elif key:
                seen_keys[key] = number
            digest = None
            ident = cell_text(raw.get("identity_number"))
            if ident:
                digest = identity_hash(ident)
                if digest in seen_hash:
                    self.result.add(number, "identity_number", _(
                        "Duplicate trainee: the same identity number is in row %(row)d.") % {"row": seen_hash[digest]})
                seen_hash.setdefault(digest, number)
            inst = self.lookup(number, "institution", cell_text(raw.get("institution")), institutions, _("institution"))
            if self.own_institution is not None:
                if inst not in (None, self.own_institution):
                    self.result.add(number, "institution", _("You can only import trainees of your own institution."))
                inst = self.own_institution
            income = self.cell(number, raw, "baseline_income", parse_decimal)
            currency = self.currency(number, raw, "baseline_currency")
            if income is not None and not cell_text(raw.get("baseline_currency")):
                self.result.add(number, "baseline_currency", _("Give the currency of the income."))
            langs = split_list(raw.get("languages"))
            for code in langs:
                if code not in languages:
                    self.result.add(number, "languages", _("No language with the code “%(code)s”.") % {"code": code})
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
            t._languages = langs
            t._row = number
            out.append(t)
        # an identity already registered under another key is the same person twice
        hashes = {t.identity_hash: t for t in out if t.identity_hash}
        for digest, other in Trainee.objects.filter(identity_hash__in=hashes).values_list("identity_hash",
                                                                                          "external_key"):
            t = hashes[digest]
            if other != t.external_key:
                self.result.add(t._row, "identity_number", _(
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
                self.result.add(number, "external_key", _("The key “%(key)s” is already used in row %(row)d.")
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
            if not cell_text(raw.get("project")) and not cell_text(raw.get("programme")):
                self.result.add(number, "project", _("Give the project or the programme."))
            if e.start_date and e.end_date and e.end_date < e.start_date:
                self.result.add(number, "end_date", _("The end date is before the start date."))
            if e.status == "completed" and not e.end_date:
                self.result.add(number, "end_date", _("A completed enrolment needs its end date."))
            if self.own_institution is not None and (e.project_id or e.programme_id):
                owners = set()
                if e.project_id:
                    owners |= CooperationProject.objects.get(pk=e.project_id).owner_institution_ids()
                if e.programme_id:
                    owners.add(Programme.objects.get(pk=e.programme_id).institution_id)
                if self.own_institution not in owners:
                    self.result.add(number, "project", _("Your institution does not run this project or programme."))
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
                self.result.add(number, "external_key", _("The key “%(key)s” is already used in row %(row)d.")
                                % {"key": key, "row": seen[key]})
            seen.setdefault(key, number)
            tid = self.lookup(number, "trainee", cell_text(raw.get("trainee")), trainees, _("trainee"))
            enr = self.lookup(number, "enrolment", cell_text(raw.get("enrolment")), enrolments, _("enrolment"))
            country = cell_text(raw.get("country")).upper()
            if country and country not in countries:
                self.result.add(number, "country", _("No country with the code “%(code)s”.") % {"code": country})
            start = self.cell(number, raw, "start_date", parse_date, required=True)
            end = self.cell(number, raw, "end_date", parse_date)
            if enr is not None and tid is not None and enr[2] != tid:
                self.result.add(number, "enrolment", _("This enrolment belongs to another trainee."))
            reference = enr[:2][::-1] if enr else first_start.get(tid)
            ref_start = enr[1] if enr else (reference[0] if reference else None)
            if start and ref_start and start < ref_start:
                self.result.add(number, "start_date", _(
                    "Employment cannot start (%(start)s) before the enrolment start (%(enrolment)s).")
                    % {"start": start.isoformat(), "enrolment": ref_start.isoformat()})
            if start and end and end < start:
                self.result.add(number, "end_date", _("The end date is before the start date."))
            out.append(Employment(
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
                is_synthetic=self.cell(number, raw, "is_synthetic", lambda v: parse_bool(v, self.yes_no)) or False))
        return out

    def write_employment(self, parsed):
        self._save(Employment, parsed)


# --- incomes: the column path --------------------------------------------------------------------------

def _source_map() -> dict[str, str]:
    return choice_map(IncomeObservation, "source")


def _frame(data: bytes, filename: str) -> pl.DataFrame:
    if detect_format(data, filename) == "xlsx":
        table = read_table(data, filename)
        width = len(table.header)
        cols = {h: [cell_text(c[i]) if i < len(c) else "" for _n, c in table.rows] for i, h in enumerate(table.header)}
        df = pl.DataFrame(cols, schema={h: pl.Utf8 for h in table.header}) if width else pl.DataFrame()
        return df.with_columns(pl.Series("_row", [n for n, _c in table.rows], dtype=pl.Int64))
    check_size(len(data), filename)
    raw = bytes(data)
    # lines less the header: an upper bound on the rows, counted in one pass before Polars parses
    RowCounter(filename).add_many(raw.count(b"\n") - 1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    first = raw.split(b"\n", 1)[0].decode("utf-8", "replace")
    # Excel in Russian and Kazakh locales separates with ';'.
    sep = max([",", ";", "\t"], key=first.count)
    try:
        df = pl.read_csv(raw, separator=sep, infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FileError(_("%(file)s is not a readable CSV file: %(error)s") % {"file": filename, "error": exc}) from None
    return df.with_columns(pl.int_range(2, df.height + 2, dtype=pl.Int64).alias("_row"))


def _parse_incomes(df: pl.DataFrame, result: OutcomesImportResult) -> pl.DataFrame | None:
    rename = {c: c.strip().rstrip("*").strip().casefold().replace(" ", "_") for c in df.columns if c != "_row"}
    df = df.rename(rename)
    for key, required in COLUMNS["incomes"]:
        if required and key not in df.columns:
            result.add(1, key, _("The required column “%(column)s” is missing.") % {"column": key})
    if result.errors:
        return None
    if "verified" not in df.columns:
        df = df.with_columns(pl.lit("").alias("verified"))
    s = pl.col
    yes, no = yes_no_words()
    sources = _source_map()
    period_text = s("period").str.strip_chars()
    iso_like = period_text.str.contains(r"^\d{4}-\d{2}(-\d{2})?$")
    df = df.select(
        s("_row"),
        s("trainee").str.strip_chars().alias("trainee"),
        s("period").alias("period_raw"),
        # the common spellings first; the others (DD.MM.YYYY, spaced or comma decimals) only for the
        # rows that need them, below: at a million rows each extra pass over the text costs
        pl.when(iso_like).then(period_text.str.slice(0, 7).str.to_date("%Y-%m", strict=False)).alias("period"),
        iso_like.alias("_iso"),
        s("amount").alias("amount_raw"),
        s("amount").str.strip_chars().cast(pl.Float64, strict=False).round(2).alias("amount"),
        s("currency").str.strip_chars().str.to_uppercase().alias("currency"),
        s("source").str.strip_chars().str.to_lowercase().replace_strict(sources, default=None).alias("source"),
        s("source").alias("source_raw"),
        s("verified").fill_null("").str.strip_chars().str.to_lowercase().alias("verified_raw"),
    )
    if not df["_iso"].all():
        dotted = s("period_raw").str.strip_chars().str.to_date("%d.%m.%Y", strict=False).dt.truncate("1mo")
        df = df.with_columns(pl.when(s("_iso")).then(s("period")).otherwise(dotted).alias("period"))
    if (df["amount"].null_count() > df["amount_raw"].null_count()):
        cleaned = s("amount_raw").str.replace_all(r"[\s\u00a0\u202f]", "").str.replace(",", ".")
        df = df.with_columns(s("amount").fill_null(cleaned.cast(pl.Float64, strict=False).round(2)))
    checks = [
        ("trainee", s("trainee").is_null() | (s("trainee") == ""), lambda r: _("This value is required.")),
        ("period", s("period").is_null(), lambda r: _("“%(value)s” is not a month; write it as YYYY-MM.")
         % {"value": r["period_raw"] or ""}),
        ("amount", s("amount").is_null() | s("amount").is_nan(), lambda r: _("“%(value)s” is not a number.")
         % {"value": r["amount_raw"] or ""}),
        ("amount", s("amount") < 0, lambda r: _("An income cannot be negative.")),
        ("currency", ~s("currency").is_in(sorted(CURRENCY_CODES)) | s("currency").is_null(),
         lambda r: _("“%(code)s” is not a known currency; use one of %(codes)s.")
         % {"code": r["currency"] or "", "codes": ", ".join(sorted(CURRENCY_CODES))}),
        ("source", s("source").is_null(), lambda r: _("“%(value)s” is not one of the allowed values "
                                                      "(payroll, tax, survey, self_report).") % {"value": r["source_raw"] or ""}),
        ("verified", ~(s("verified_raw").is_in(list(yes) + list(no)) | (s("verified_raw") == "")),
         lambda r: _("“%(value)s” is not yes or no.") % {"value": r["verified_raw"]}),
    ]
    # one pass decides whether any row is bad; the per-check passes then run on the bad rows only
    df = df.with_columns(s("verified_raw").is_in(list(yes)).alias("verified"),
                         pl.any_horizontal([bad.fill_null(True) for _c, bad, _m in checks]).alias("_bad"))
    bad_rows = df.filter(s("_bad"))
    for column, bad, message in checks:
        if bad_rows.height:
            _add_rows(result, bad_rows.filter(bad), column, message)
    return df.select("_row", "trainee", "period", "amount", "currency", "source", "verified")


def _report_duplicates(df: pl.DataFrame, result: OutcomesImportResult) -> None:
    """Rows repeating an earlier row's trainee, month and source. ``df`` has ``trainee_id`` (null for
    unknown keys). Known trainees are compared on one integer per row: hashing the three text cells
    of a million rows took seconds, this takes a fraction of one."""
    s = pl.col
    df = df.filter(s("period").is_not_null() & s("source").is_not_null())
    codes = {value: i for i, value in enumerate(IncomeObservation.Source.values)}
    known = df.filter(s("trainee_id").is_not_null()).with_columns(
        (s("trainee_id") * (1 << 20) + s("period").cast(pl.Int32).cast(pl.Int64) * 8
         + s("source").replace_strict(codes, return_dtype=pl.Int64)).alias("_key"))
    unknown = df.filter(s("trainee_id").is_null())
    for part, key in ((known, ["_key"]), (unknown, ["trainee", "period", "source"])):
        if not part.height:
            continue
        dup = part.filter(pl.struct(key).is_duplicated() if len(key) > 1 else s(key[0]).is_duplicated())
        if not dup.height:
            continue
        first = dup.group_by(key).agg(s("_row").min().alias("first"))
        dup = dup.join(first, on=key).filter(s("_row") != s("first")).sort("_row")
        _add_rows(result, dup, "period", lambda r: _(
            "The same trainee, month and source are already in row %(row)d.") % {"row": r["first"]})


def _add_rows(result: OutcomesImportResult, rows: pl.DataFrame, column: str, message) -> None:
    """One error per row of ``rows`` (each named by ``_row``); all are counted, the first MAX_ERRORS kept."""
    for r in rows.head(max(MAX_ERRORS - len(result.errors), 0)).iter_rows(named=True):
        result.errors.append(RowError(r["_row"], column, message(r)))
    result.error_count += rows.height


def _trainee_keys(keys: pl.Series) -> pl.DataFrame:
    """external_key → id for the keys in the file, with one query (COPY on PostgreSQL)."""
    table = Trainee._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buf = io.BytesIO()
            with cursor.cursor.copy(f"COPY (SELECT external_key, id FROM {table}) TO STDOUT") as copy:
                for chunk in copy:
                    buf.write(chunk)
            buf.seek(0)
            df = pl.read_csv(buf, separator="\t", has_header=False, new_columns=["trainee", "trainee_id"],
                             schema_overrides={"trainee": pl.Utf8, "trainee_id": pl.Int64}, quote_char=None)
        else:
            cursor.execute(f"SELECT external_key, id FROM {table}")
            rows = cursor.fetchall()
            df = pl.DataFrame(rows, schema={"trainee": pl.Utf8, "trainee_id": pl.Int64}, orient="row")
    return df


def import_incomes(user, data: bytes, filename: str, *, dry_run: bool = False,
                   result: OutcomesImportResult | None = None) -> OutcomesImportResult:
    result = result or OutcomesImportResult("incomes", filename, dry_run)
    _check_user(user)
    try:
        df = _frame(data, filename)
    except FileError as exc:
        result.add(None, "", str(exc))
        return result
    result.rows = df.height
    df = _parse_incomes(df, result)
    if df is None:
        return result
    keys = _trainee_keys(df["trainee"])
    df = df.join(keys, on="trainee", how="left")
    _report_duplicates(df, result)
    missing = df.filter(pl.col("trainee_id").is_null() & pl.col("trainee").is_not_null() & (pl.col("trainee") != ""))
    _add_rows(result, missing, "trainee", lambda r: _("No trainee with the key “%(value)s”.") % {"value": r["trainee"]})
    if result.errors:
        result.errors.sort(key=lambda e: (e.row or 0))
        return result
    if role_of(user) == "institution":
        allowed = _allowed_trainees(user)
        outside = df.filter(~pl.col("trainee_id").is_in(allowed))
        _add_rows(result, outside, "trainee", lambda r: _("This trainee is not one of your institution's."))
        if result.errors:
            return result
    if dry_run:
        return result
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(kind="incomes", filename=filename[:300],
                                               sha256=hashlib.sha256(data).hexdigest(), rows=df.height,
                                               user=user if getattr(user, "is_authenticated", False) else None)
            created, updated = bulk_load_incomes(df.select("trainee_id", "period", "amount", "currency", "source",
                                                           "verified"), batch.pk)
            batch.inserted, batch.updated = created, updated
            batch.save(update_fields=["inserted", "updated"])
    except TraineesVanished as gone:
        # deleted while the file was being checked: the same error as an unknown key, nothing written
        missing = df.filter(pl.col("trainee_id").is_in(list(gone.ids)))
        _add_rows(result, missing, "trainee", lambda r: _("No trainee with the key “%(value)s”.")
                  % {"value": r["trainee"]})
        return result
    result.created, result.updated = created, updated
    result.unchanged = df.height - created - updated
    result.committed = True
    return result


def _allowed_trainees(user) -> list[int]:
    from .queries import trainees_for

    return list(trainees_for(user).values_list("pk", flat=True))


class TraineesVanished(Exception):
    """Trainees resolved before the write were deleted before it could lock them."""

    def __init__(self, ids: set[int]):
        super().__init__(f"{len(ids)} trainees no longer exist")
        self.ids = ids


_WRITE_COLS = ("trainee_id", "period", "amount", "currency", "source", "verified", "batch_id", "updated")


def bulk_load_incomes(df: pl.DataFrame, batch_id: int) -> tuple[int, int]:
    """Insert or update validated rows (trainee_id, period, amount, currency, source, verified);
    returns (created, updated). Unchanged rows are left alone. Must run inside a transaction.

    The database has no foreign key from an income to its trainee or batch (see the models), so this
    function is what keeps them honest: it locks the trainees it writes for (``FOR KEY SHARE`` on
    PostgreSQL — what the foreign-key trigger would take row by row — or SQLite's database write lock)
    and fails with ``TraineesVanished`` if any was deleted since its key was resolved. On PostgreSQL
    it also locks the income table against other writers (reads go on), so imports queue and the
    comparison below stays true until commit. The rows that already exist for the file's trainees
    and months are read once and compared in Polars; new rows then go straight into the table
    (``COPY`` / ``executemany``, no staging and no ``ON CONFLICT``) and only changed rows are
    updated."""
    table = IncomeObservation._meta.db_table
    trainee_table = Trainee._meta.db_table
    ids = df["trainee_id"].unique()
    postgres = connection.vendor == "postgresql"
    df = df.with_columns((pl.col("amount") * 100).round().cast(pl.Int64).alias("cents"))
    with connection.cursor() as cursor:
        if postgres:
            # SHARE ROW EXCLUSIVE conflicts with itself and with every insert, update and delete of
            # incomes, not with reads: imports queue behind each other and single-income writes wait,
            # so the "which rows exist" answer and the block of ids reserved below stay true until
            # commit (and a concurrent single write cannot turn into a unique-constraint error).
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            # counted on the server: fetching a row per trainee back cost more than the lock
            cursor.execute(f"SELECT count(*) FROM (SELECT id FROM {trainee_table} WHERE id = ANY(%s) "
                           "FOR KEY SHARE) locked", [ids.to_list()])
        else:
            # The ImportBatch row written before this call holds SQLite's write lock: no trainee can
            # disappear between this check and the commit.
            cursor.execute(f"SELECT id FROM {trainee_table} WHERE id IN (SELECT value FROM json_each(%s))",
                           [_json_ids(ids)])
        found = cursor.fetchone()[0] if postgres else len(cursor.fetchall())
        if found != ids.len():
            cursor.execute(f"SELECT id FROM {trainee_table} WHERE id = ANY(%s)" if postgres else
                           f"SELECT id FROM {trainee_table} WHERE id IN (SELECT value FROM json_each(%s))",
                           [ids.to_list() if postgres else _json_ids(ids)])
            raise TraineesVanished(set(ids.to_list()) - {r[0] for r in cursor.fetchall()})
        existing = _existing_incomes(cursor, df, ids, postgres)
        keys = ["trainee_id", "period", "source"]
        if existing.height:
            joined = df.join(existing, on=keys, how="left", suffix="_old")
            old = pl.col("cents_old")
            new = joined.filter(old.is_null())
            changed = joined.filter(old.is_not_null() & ((pl.col("cents") != old)
                                                         | (pl.col("currency") != pl.col("currency_old"))
                                                         | (pl.col("verified") != pl.col("verified_old"))))
        else:
            new, changed = df, df.clear()
        now = timezone.now()
        stamp = now.isoformat() if postgres else connection.ops.adapt_datetimefield_value(now)
        extra = [pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"), pl.lit(stamp, dtype=pl.Utf8).alias("updated")]
        if changed.height:
            _keep_old_incomes(changed, batch_id, now)
        new = new.select(*_WRITE_COLS[:6], *extra)
        changed = changed.select(*_WRITE_COLS[:6], *extra)
        if postgres:
            _pg_write(cursor, table, new, changed)
        else:
            _sqlite_write(cursor, table, new, changed)
    return new.height, changed.height


HISTORY_BATCH = 5000


def _keep_old_incomes(changed: pl.DataFrame, batch_id: int, now) -> None:
    """A file that changes stored incomes keeps what they were, as ``record_income`` does for one: a
    history row with the old value (when the income has none yet, e.g. it came from an earlier file)
    and one with the new value, by the importing user, with the reason "import". Only changed rows
    cost anything; a file that adds months writes no history (its ``ImportBatch`` is its audit)."""
    history = IncomeObservation.history.model
    user_id = ImportBatch.objects.filter(pk=batch_id).values_list("user_id", flat=True).first()
    ids = changed["id_old"].to_list()
    have: set[int] = set()
    for start in range(0, len(ids), HISTORY_BATCH):
        have.update(history.objects.filter(id__in=ids[start:start + HISTORY_BATCH])
                    .values_list("id", flat=True).distinct())
    before = now - dt.timedelta(microseconds=1)
    rows = []
    for r in changed.iter_rows(named=True):
        key = {"id": r["id_old"], "trainee_id": r["trainee_id"], "period": r["period"], "source": r["source"]}
        if r["id_old"] not in have:
            rows.append(history(**key, amount=Decimal(r["cents_old"]) / 100, currency=r["currency_old"],
                                verified=r["verified_old"], batch_id=None, history_date=before, history_type="+",
                                history_change_reason="income.before_import"))
        rows.append(history(**key, amount=Decimal(r["cents"]) / 100, currency=r["currency"], verified=r["verified"],
                            batch_id=batch_id, history_date=now, history_type="~", history_user_id=user_id,
                            history_change_reason="import"))
    history.objects.bulk_create(rows, batch_size=HISTORY_BATCH)


def _json_ids(ids: pl.Series) -> str:
    return "[" + ",".join(map(str, ids.to_list())) + "]"


def _existing_incomes(cursor, df: pl.DataFrame, ids: pl.Series, postgres: bool) -> pl.DataFrame:
    """Rows already stored for the file's trainees within its months, amounts in cents."""
    schema = {"trainee_id": pl.Int64, "period": pl.Date, "source": pl.Utf8, "cents_old": pl.Int64,
              "currency_old": pl.Utf8, "verified_old": pl.Boolean, "id_old": pl.Int64}
    table = IncomeObservation._meta.db_table
    lo, hi = df["period"].min(), df["period"].max()
    cols = "trainee_id, period, source, CAST(round(amount * 100) AS bigint), currency, verified, id"
    if postgres:
        # ids are integers and the bounds dates: safe to inline, so the answer can stream out by COPY.
        array = "{" + ",".join(map(str, ids.to_list())) + "}"
        query = (f"SELECT {cols} FROM {table} WHERE trainee_id = ANY('{array}'::bigint[]) "
                 f"AND period BETWEEN '{lo.isoformat()}' AND '{hi.isoformat()}'")
        buf = io.BytesIO()
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                buf.write(chunk)
        if not buf.tell():
            return pl.DataFrame(schema=schema)
        buf.seek(0)
        return pl.read_csv(buf, has_header=False, new_columns=list(schema),
                           schema_overrides={**schema, "verified_old": pl.Utf8}).with_columns(
            (pl.col("verified_old") == "t").alias("verified_old"))
    # CASTs: expressions carry no declared type, so sqlite3 hands back plain text and integers.
    cols = ("trainee_id, CAST(period AS text), source, CAST(round(amount * 100) AS integer), currency, "
            "CAST(verified AS integer), id")
    cursor.execute(f"SELECT {cols} FROM {table} WHERE trainee_id IN (SELECT value FROM json_each(%s)) "
                   "AND period BETWEEN %s AND %s", [_json_ids(ids), lo.isoformat(), hi.isoformat()])
    rows = cursor.fetchall()
    out = pl.DataFrame(rows, schema={**schema, "period": pl.Utf8, "verified_old": pl.Int64}, orient="row")
    return out.with_columns(pl.col("period").str.to_date("%Y-%m-%d"), pl.col("verified_old").cast(pl.Boolean))


def _reserve_ids(cursor, table: str, n: int) -> int:
    """First of ``n`` consecutive ids taken from the table's identity sequence in one step. COPY
    with the column default calls nextval() once per row, which cost about a sixth of the load.
    Safe only under the table lock taken in ``bulk_load_incomes``: nobody else draws from the
    sequence meanwhile. A rolled-back import leaves a gap, as any failed insert does."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


def _pg_write(cursor, table: str, new: pl.DataFrame, changed: pl.DataFrame) -> None:
    def copy_into(target: str, frame: pl.DataFrame) -> None:
        cols = ", ".join(frame.columns)
        # The queued writer sends from a thread, so the server stores one chunk while Polars
        # (which releases the GIL) formats the next.
        writer = QueuedLibpqWriter(cursor.cursor)
        with cursor.cursor.copy(f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)", writer=writer) as copy:
            for offset in range(0, frame.height, COPY_CHUNK):
                buf = io.BytesIO()
                frame.slice(offset, COPY_CHUNK).write_csv(buf, include_header=False, date_format="%Y-%m-%d",
                                                          float_precision=2)
                copy.write(buf.getvalue())

    if new.height:
        first = _reserve_ids(cursor, table, new.height)
        copy_into(table, new.select(pl.int_range(first, first + new.height, dtype=pl.Int64).alias("id"),
                                    *_WRITE_COLS))
    if changed.height:
        stage = "outcomes_income_stage"
        cursor.execute(f"CREATE TEMP TABLE {stage} (trainee_id bigint, period date, amount numeric(14,2), "
                       "currency varchar(3), source varchar(12), verified boolean, batch_id bigint, "
                       "updated timestamptz) ON COMMIT DROP")
        copy_into(stage, changed)
        cursor.execute(f"""UPDATE {table} AS i SET amount = s.amount, currency = s.currency, verified = s.verified,
                             batch_id = s.batch_id, updated = s.updated
                           FROM {stage} s WHERE i.trainee_id = s.trainee_id AND i.period = s.period
                             AND i.source = s.source""")
        cursor.execute(f"DROP TABLE {stage}")


def _sqlite_write(cursor, table: str, new: pl.DataFrame, changed: pl.DataFrame) -> None:
    def rows(frame: pl.DataFrame, order):
        frame = frame.select(order).with_columns(pl.col("period").dt.strftime("%Y-%m-%d"))
        for offset in range(0, frame.height, SQLITE_BATCH):
            yield frame.slice(offset, SQLITE_BATCH).rows()

    if new.height:
        sql = (f"INSERT INTO {table} ({', '.join(_WRITE_COLS)}) "
               f"VALUES ({', '.join(['%s'] * len(_WRITE_COLS))})")
        for part in rows(new, _WRITE_COLS):
            cursor.executemany(sql, part)
    if changed.height:
        order = ("amount", "currency", "verified", "batch_id", "updated", "trainee_id", "period", "source")
        sql = (f"UPDATE {table} SET amount = %s, currency = %s, verified = %s, batch_id = %s, updated = %s "
               "WHERE trainee_id = %s AND period = %s AND source = %s")
        for part in rows(changed, order):
            cursor.executemany(sql, part)


def template_csv(kind: str) -> bytes:
    from tvetbridge.registry.io_files import write_csv

    examples = {
        "trainees": ["T-0001", "850101300123", "", "female", "2001", "KZ-75", "3", "unemployed", "120000", "KZT",
                     "ru;kk", "yes", "yes", "2024-09-01", "no"],
        "enrolments": ["E-0001", "T-0001", "proj-1", "", "completed", "2024-09-01", "2025-06-30", "7233", "no"],
        "employment": ["J-0001", "T-0001", "E-0001", "", "Atyrau Refinery", "7233", "KZ", "", "2025-08-01", "",
                       "yes", "no"],
        "incomes": ["T-0001", "2025-09", "285000", "KZT", "payroll", "yes"],
    }
    return write_csv([k for k, _r in COLUMNS[kind]], [examples[kind]])
