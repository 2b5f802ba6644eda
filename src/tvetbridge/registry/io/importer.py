# 650 lines: one class — the importer every app extends — with its documented hooks, read best whole.
"""Importing registry records from CSV or XLSX: validate every row, then write all or nothing.

The whole file is checked before anything is written, and every bad row and field is reported with
the row number a spreadsheet shows (the header is row 1). Rows are matched on ``external_key``; a row
whose values equal the stored record is left alone, so importing the same file twice changes nothing
and adds no audit rows. Writes go through bulk paths with django-simple-history's bulk helpers, so a
file of tens of thousands of rows costs a few queries per thousand rows, not several per row.

Other apps import their own records with the same machinery: describe the columns with a ``Spec``,
subclass ``Importer`` where the record needs more than the standard column types (its hooks are
listed on the class) and call ``run_import``. ``demand.io`` is the example.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tvetbridge.core.constraints import from_integrity_error
from tvetbridge.core.roles import Role, role_of
from tvetbridge.core.uploads import StoredUpload

from ..services import perm_name, require
from .checks import same, validate_constraint
from .columns import (
    SPECS,
    CellError,
    Column,
    Spec,
    cell_text,
    choice_map,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    split_list,
    yes_no_words,
)
from .files import FileError, read_table
from .lookups import BATCH, chunks, fold, in_chunks, load_lookup, through_sets, unknown

FEW_VALUES = 50
CHANGE_REASON = "import"
# Statuses a project reaches only through approval; importing them needs the approve permission.
APPROVED_STATUSES = {"approved", "active", "completed"}


@dataclass
class RowError:
    row: int | None  # None: the file as a whole
    column: str
    message: str


@dataclass
class RowOutcome:
    row: int
    external_key: str
    action: str  # create | update | unchanged | error
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    filename: str
    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("create", "update", "unchanged", "error"), 0)
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    @property
    def error_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})


def import_file(user, kind: str, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` (the bytes of a CSV or XLSX file) as records of ``kind``.

    ``user`` is the acting user, checked row by row with the registry's rules; ``None`` means the
    platform itself (the command line without ``--user``), which may write anything. Nothing is
    written when any row is bad, or when ``dry_run`` is set.
    """
    # Before a byte of the file is parsed: who may not import this kind learns nothing from the file.
    if user is not None:
        require(user, "import", SPECS[kind].model)
    return run_import(IMPORTERS.get(kind, Importer), user, SPECS[kind], data, filename, dry_run=dry_run)


def importable_kinds(user) -> list[str]:
    """The kinds of record ``user`` may import, in the order of ``KINDS``."""
    return [kind for kind in SPECS if user.has_perm(perm_name(SPECS[kind].model, "import"))]


def import_stored(user, kind: str, upload: StoredUpload, *, dry_run: bool = False) -> ImportResult:
    """Import a file kept by ``core.uploads.store_upload`` (a confirmed upload, or the file of a
    background import job, which receives the upload's token rather than its bytes). The file is
    checked exactly as an upload is; it stays on disk, so a job retried after its worker died reads
    it again (``core.tasks`` removes old uploads)."""
    try:
        data = upload.read_bytes()
    except FileNotFoundError:
        result = ImportResult(kind=kind, filename=upload.filename, dry_run=dry_run)
        result.errors.append(RowError(None, "", _("That upload has expired; please upload the file again.")))
        return result
    return import_file(user, kind, data, upload.filename, dry_run=dry_run)


def runs_in_background(upload: StoredUpload) -> bool:
    """Files above ``IMPORT_BACKGROUND_BYTES`` are imported by a worker, not in the web request."""
    return upload.size() > settings.IMPORT_BACKGROUND_BYTES


def start_import(user, kind: str, upload: StoredUpload):
    """Queue the import of a checked upload as a background job (``registry.import_file``) that the
    user follows on its page; permission is checked now and again, row by row, when it runs."""
    from tvetbridge.core.jobs import enqueue

    require(user, "import", SPECS[kind].model)
    return enqueue("registry.import_file", user=user, kind=kind, upload=upload.as_dict())


def run_import(importer: type[Importer], user, spec: Spec, data: bytes, filename: str, *,
               dry_run: bool = False) -> ImportResult:
    """Read ``data`` as a CSV or XLSX file and import its rows as ``spec`` describes, with ``importer``.

    The entry point for every kind of record, the registry's and other apps' alike: the result lists
    every bad row and field, and nothing is written unless every row is good and ``dry_run`` is off.
    """
    result = ImportResult(kind=spec.kind, filename=filename, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except FileError as exc:
        result.errors.append(RowError(None, "", str(exc)))
        return result
    importer(user, spec, result).run(table.header, table.rows)
    return result


@dataclass
class Row:
    """One data row of the file on its way to the database; hooks read and change it."""

    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, object]  # column key -> parsed value (natural keys still unresolved)
    bad: set[str] = field(default_factory=set)  # column keys already reported
    obj: object = None
    action: str = "error"
    changed: list[str] = field(default_factory=list)  # column keys
    m2m: dict[str, set] = field(default_factory=dict)  # column key -> new target pks, when changed
    old_status: str | None = None  # projects: the stored status, before the row changed it


class Importer:
    """Checks a whole file against a ``Spec`` and writes it all or not at all.

    It reads the standard column types (text, int, decimal, date, bool, choice, and fk / m2m columns
    with a ``lookup`` table), matches rows to stored records by ``external_key``, checks the acting
    user's permissions, the model's validation and constraints, and writes in bulk with audit rows.
    A kind of record that needs more extends it through these hooks, and only these:

    - ``prepare()``: once per file, before any row is read; load what the other hooks need.
    - ``parse_cell(column, raw)``: read a cell of a column type of the subclass's own; defer to
      ``super()`` for the standard types. Raise ``CellError`` to report the cell.
    - ``resolve_custom(rows)``: resolve columns without a lookup table (fk / m2m with ``lookup=None``)
      to primary keys, before the standard tables are resolved.
    - ``check_rows(rows)``: checks across the columns of a row, before rows meet stored records.
    - ``load_existing(existing)``: once, with the stored records the file names (by external key).
    - ``may_change(row, obj)``: whether the acting user may change a stored record.
    - ``apply(row, obj, is_new)``: copy the row onto the record; extend it to set further fields.
    - ``check_row(row, obj, is_new)``: the acting user's rules for a row that parsed cleanly; by
      default ``check_scope``, which keeps institution staff inside their institution.
    - ``validation_stand_ins(row, obj)``: values held on the record only while the model validates
      it, for fields already reported on their column, so they are not reported again without one.

    Hooks report with ``error(row, column_key, message)``, which names the row and the column.
    """

    def __init__(self, user, spec: Spec, result: ImportResult):
        self.user = user
        self.spec = spec
        self.model = spec.model
        self.result = result
        self.positions: dict[str, int] = {}
        self.headers: dict[str, str] = {}

    # --- reporting --------------------------------------------------------------------------------
    def header_of(self, key: str) -> str:
        return self.headers.get(key) or self.spec.column(key).label(self.model)

    def error(self, row: Row | None, key: str, message: str) -> None:
        """Report ``message`` on a row's column (``row=None``: on the header, or the file when no key)."""
        column = self.header_of(key) if key else ""
        self.result.errors.append(RowError(row.number if row else 1 if key else None, column, message))
        if row is not None and key:
            row.bad.add(key)

    # --- the run ----------------------------------------------------------------------------------
    def run(self, header: list[str], records: list[tuple[int, list]]) -> None:
        self.prepare()
        if not self.map_header(header):
            return
        self.yes_no = yes_no_words()
        self.choices = {c.key: choice_map(self.model, c.field) for c in self.spec.columns
                        if c.type == "choice" and c.key in self.positions}
        rows = [self.parse(number, cells) for number, cells in records]
        self.check_keys(rows)
        self.resolve(rows)
        self.plan(rows)
        self.result.outcomes = [RowOutcome(r.number, cell_text(r.values.get("external_key")), r.action,
                                           [self.header_of(k) for k in r.changed]) for r in rows]
        self.result.errors.sort(key=lambda e: (e.row or 0))
        if self.result.errors:
            bad_rows = set(self.result.error_rows)
            for outcome in self.result.outcomes:
                if outcome.row in bad_rows:
                    outcome.action = "error"
            return
        self.write(rows)

    def prepare(self) -> None:
        """Hook: runs once per file before anything is read. The registry's kinds need nothing here."""

    def map_header(self, header: list[str]) -> bool:
        # Field names win over labels; labels are matched in every interface language.
        accepted: dict[str, str] = {}
        for column in self.spec.columns:
            accepted.setdefault(column.key.casefold(), column.key)
        for column in self.spec.columns:
            for label in column.labels_in_all_languages(self.model):
                accepted.setdefault(" ".join(label.split()).casefold(), column.key)
        unknown = []
        for index, text in enumerate(header):
            norm = " ".join(text.rstrip("*").split()).casefold()
            if not norm:
                continue
            key = accepted.get(norm)
            if key is None:
                unknown.append(text)
            elif key in self.positions:
                self.error(None, key, _("The column “%(column)s” appears twice.") % {"column": text})
            else:
                self.positions[key] = index
                self.headers[key] = text
        if unknown:
            self.result.warnings.append(_("These columns are not recognised and were ignored: %(columns)s.")
                                        % {"columns": ", ".join(unknown)})
        for column in self.spec.required:
            if column.key not in self.positions:
                self.error(None, column.key, _("The required column “%(column)s” is missing.")
                           % {"column": column.label(self.model)})
        if not any(c.key in self.positions for c in self.spec.name_columns):
            first = self.spec.name_columns[0]
            self.error(None, first.key, _("The required column “%(column)s” is missing.")
                       % {"column": first.label(self.model)})
        return not self.result.errors

    def parse(self, number: int, cells: list) -> Row:
        row = Row(number, {})
        for column in self.spec.columns:
            index = self.positions.get(column.key)
            if index is None:
                continue
            raw = cells[index] if index < len(cells) else None
            try:
                row.values[column.key] = self.parse_cell(column, raw)
            except CellError as exc:
                self.error(row, column.key, str(exc))
        return row

    def parse_cell(self, column: Column, raw):
        """Hook: one cell's value, or ``CellError`` with a message for the user."""
        kind = column.type
        if kind == "int":
            return parse_int(raw)
        if kind == "decimal":
            return parse_decimal(raw)
        if kind == "date":
            return parse_date(raw)
        if kind == "bool":
            return parse_bool(raw, self.yes_no)
        if kind == "m2m":
            return split_list(raw)
        text = cell_text(raw)
        if kind == "choice":
            if not text:
                return None
            value = self.choices[column.key].get(text.casefold())
            if value is None:
                codes = ", ".join(str(v) for v, _label in self.model._meta.get_field(column.field).choices)
                raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": codes})
            return value
        return text

    def check_keys(self, rows: list[Row]) -> None:
        first_seen: dict[str, int] = {}
        for row in rows:
            key = row.values.get("external_key") or ""
            if not key:
                self.error(row, "external_key", _("This value is required."))
                continue
            if key in first_seen:
                self.error(row, "external_key", _("The external key “%(key)s” is already used in row %(row)d.")
                           % {"key": key, "row": first_seen[key]})
            else:
                first_seen[key] = row.number

    # --- natural keys -----------------------------------------------------------------------------
    def resolve_custom(self, rows: list[Row]) -> None:
        """Hook: resolve the columns the standard lookup tables do not know; none in the registry."""

    def resolve(self, rows: list[Row]) -> None:
        self.resolve_custom(rows)
        wanted: dict[str, set[str]] = defaultdict(set)
        columns = [c for c in self.spec.columns if c.lookup and c.key in self.positions]
        for row in rows:
            for column in columns:
                value = row.values.get(column.key)
                if column.key in row.bad or not value:
                    continue
                wanted[column.lookup].update(value if column.type == "m2m" else [value])
        self.tables = {name: load_lookup(name, keys) for name, keys in wanted.items()}
        self.region_country = {pk: country for pk, country in self.tables.get("region", {}).values()}
        for row in rows:
            for column in columns:
                if column.key in row.bad:
                    continue
                value = row.values.get(column.key)
                table = self.tables.get(column.lookup, {})
                if column.type == "m2m":
                    missing = [v for v in value if fold(column.lookup, v) not in table]
                    if missing:
                        self.error(row, column.key, unknown(column.lookup, ", ".join(missing)))
                    else:
                        row.values[column.key] = {table[fold(column.lookup, v)][0] for v in value}
                elif not value:
                    row.values[column.key] = None
                    if not self.model._meta.get_field(column.field).null:
                        self.error(row, column.key, _("This value is required."))
                elif fold(column.lookup, value) not in table:
                    self.error(row, column.key, unknown(column.lookup, value))
                else:
                    row.values[column.key] = table[fold(column.lookup, value)][0]
            self.check_region(row)

    def check_region(self, row: Row) -> None:
        if not self.spec.region_in_country:
            return
        region_key, country_key = self.spec.region_in_country
        region, country = row.values.get(region_key), row.values.get(country_key)
        if region is None or country is None or region_key in row.bad or country_key in row.bad:
            return
        if self.region_country[region] != country:
            self.error(row, region_key, _("This region is not in the country %(country)s.") % {"country": country})

    # --- comparing and validating -----------------------------------------------------------------
    def check_rows(self, rows: list[Row]) -> None:
        """Hook: checks across a row's columns, before the rows meet the stored records."""

    def load_existing(self, existing: dict[str, object]) -> None:
        """Hook: the stored records the file names, by external key, to preload what the rules ask."""

    def plan(self, rows: list[Row]) -> None:
        self.check_rows(rows)
        keys = [r.values["external_key"] for r in rows if r.values.get("external_key")]
        existing = {obj.external_key: obj for obj in in_chunks(self.model.objects.all(), "external_key", keys)}
        m2m_columns = [c for c in self.spec.columns if c.type == "m2m" and c.key in self.positions]
        self.old_m2m = {c.key: through_sets(self.model, c.field, [o.pk for o in existing.values()])
                        for c in m2m_columns}
        self.load_existing(existing)
        for row in rows:
            key = row.values.get("external_key")
            if not key or "external_key" in row.bad:
                continue
            obj = existing.get(key)
            is_new = obj is None
            if is_new:
                obj = self.model(external_key=key)
            elif not self.may_change(row, obj):
                continue
            if is_new and not self.may_add(row):
                continue
            self.apply(row, obj, is_new)
            row.obj = obj
            if not row.bad:
                self.check_row(row, obj, is_new)
            if is_new or row.changed:
                self.validate(row, obj)
            if not row.bad:
                row.action = "create" if is_new else "update" if row.changed else "unchanged"

    def may_add(self, row: Row) -> bool:
        if not hasattr(self, "_may_add"):
            # Adding is decided by role, not by the row: ask the rules once per file.
            self._may_add = self.user is None or self.user.has_perm(perm_name(self.model, "add"))
        if self._may_add:
            return True
        self.error(row, "external_key", _("You may not add %(records)s.")
                   % {"records": self.model._meta.verbose_name_plural})
        return False

    def may_change(self, row: Row, obj) -> bool:
        """Hook: whether the acting user may change the stored ``obj``; reports the row if not."""
        if self.user is None:
            return True
        allowed = self.user.has_perm(perm_name(self.model, "change"), obj)
        if not allowed:
            self.error(row, "external_key", _("You may not change the %(record)s “%(key)s”.")
                       % {"record": self.model._meta.verbose_name, "key": obj.external_key})
        return allowed

    def check_row(self, row: Row, obj, is_new: bool) -> None:
        """Hook: the acting user's rules for a row whose cells are all good."""
        self.check_scope(row, obj)

    def is_institution_staff(self) -> bool:
        return self.user is not None and role_of(self.user) == Role.INSTITUTION_STAFF

    def check_scope(self, row: Row, obj) -> None:
        """Institution staff may only leave records inside their own institution's scope."""
        if self.is_institution_staff() and hasattr(obj, "institution_id") and (
                obj.institution_id != self.user.profile.institution_id):
            self.error(row, "institution", _("You can only import records of your own institution."))

    def apply(self, row: Row, obj, is_new: bool) -> None:
        """Hook: copy the row's good values onto ``obj``, noting the changed columns."""
        for column in self.spec.columns:
            key = column.key
            if key not in row.values or key in row.bad or key == "external_key":
                continue
            new = row.values[key]
            if column.type == "m2m":
                old = set() if is_new else self.old_m2m[key].get(obj.pk, set())
                if new != old:
                    row.m2m[key] = new
                    if not is_new:
                        row.changed.append(key)
                continue
            model_field = self.model._meta.get_field(column.field)
            attname = model_field.attname
            if column.type == "text" and model_field.null and new == "":
                new = None
            if column.type == "choice" and new is None and not model_field.null:
                new = "" if model_field.get_internal_type() == "CharField" else None
            old = getattr(obj, attname)
            if not same(old, new):
                setattr(obj, attname, new)
                if not is_new:
                    row.changed.append(key)

    def validation_stand_ins(self, row: Row, obj) -> dict[str, object]:
        """Hook: field values held on ``obj`` only while the model validates it (none by default)."""
        return {}

    def validate(self, row: Row, obj) -> None:
        stand_ins = self.validation_stand_ins(row, obj)
        kept = {name: getattr(obj, name) for name in stand_ins}
        for name, value in stand_ins.items():
            setattr(obj, name, value)
        try:
            self.validate_model(row, obj)
        finally:
            for name, value in kept.items():
                setattr(obj, name, value)

    def validate_model(self, row: Row, obj) -> None:
        by_field: dict[str, str] = {c.field: c.key for c in self.spec.columns}
        for column in self.spec.name_columns:
            if column.key in self.positions:
                by_field.setdefault("name", column.key)
                break
        for column in self.spec.columns:
            if column.base_field == "description" and column.key in self.positions:
                by_field.setdefault("description", column.key)
                break
        # Relations were resolved from preloaded tables; letting full_clean re-check them would cost a
        # query per relation per row. Fields already reported are left out so each is reported once.
        exclude = {f.name for f in self.model._meta.concrete_fields if f.is_relation}
        exclude |= {self.spec.column(k).field for k in row.bad}
        exclude.add("external_key")
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = by_field.get(name, "")
                for message in messages:
                    if key:
                        self.error(row, key, message)
                    else:
                        self.result.errors.append(RowError(row.number, "", message))
        # A constraint over a field already reported would only repeat that error in other words.
        exclude |= {self.spec.column(k).field for k in row.bad}
        for constraint in self.model._meta.constraints:
            friendly = next((c for c in self.spec.constraints if c.name == constraint.name), None)
            if friendly and friendly.column in row.bad:
                continue
            try:
                validate_constraint(constraint, self.model, obj, exclude)
            except ValidationError as exc:
                if friendly:
                    self.error(row, friendly.column, str(friendly.message))
                else:
                    self.result.errors.append(RowError(row.number, "", " ".join(exc.messages)))

    # --- writing ----------------------------------------------------------------------------------
    def write(self, rows: list[Row]) -> None:
        try:
            with transaction.atomic():
                self.write_rows(rows)
                if self.result.dry_run:
                    transaction.set_rollback(True)
        except IntegrityError as exc:
            refusal = from_integrity_error(exc, self.model)
            for field, messages in refusal.message_dict.items():
                self.result.errors.append(RowError(None, "" if field == NON_FIELD_ERRORS else field, _(
                    "The database refused the import, nothing was written: %(error)s") % {
                    "error": " ".join(messages)}))
            return
        self.result.committed = not self.result.dry_run

    def write_rows(self, rows: list[Row]) -> None:
        stamp = timezone.now()
        history_user = self.user if getattr(self.user, "is_authenticated", False) else None
        creates = [r for r in rows if r.action == "create"]
        updates = [r for r in rows if r.action == "update"]
        if not creates and not updates:
            return
        # The untranslated column (name, description) is written from the active language with
        # fallbacks; pin it to the default language so the stored value does not depend on who imports.
        with translation.override(settings.LANGUAGE_CODE):
            if creates:
                bulk_create_with_history([r.obj for r in creates], self.model, batch_size=BATCH,
                                         default_user=history_user, default_change_reason=CHANGE_REASON,
                                         default_date=stamp)
                missing = [r.obj for r in creates if r.obj.pk is None]
                if missing:
                    pks = dict(in_chunks(self.model.objects.values_list("external_key", "pk"), "external_key",
                                          [o.external_key for o in missing]))
                    for obj in missing:
                        obj.pk = pks[obj.external_key]
            if updates:
                self.update_rows(updates, stamp, history_user)
        self.write_m2m(creates + updates)
        self.write_m2m_history([r.obj.pk for r in creates + updates], stamp)

    def update_rows(self, updates: list[Row], stamp, history_user) -> None:
        """Write only the changed columns of changed rows, then one audit row per record.

        Django's bulk_update builds a CASE over every row for every field, which grows slow with tens
        of thousands of rows; a correction usually sets a few distinct values (a status, a capacity),
        which one UPDATE per value does faster. The untranslated base columns (name, description) are
        left out on purpose: modeltranslation rewrites them to the active language's column, which
        would overwrite that translation with a fallback.
        """
        manager = self.model._default_manager
        fields = {f.name for f in self.model._meta.concrete_fields}
        # Every changed record is stamped, where its model keeps a time of change, and raised a version,
        # where it keeps one, so that a form opened before the import is refused as stale.
        touched: dict[str, object] = {}
        if "updated" in fields:
            touched["updated"] = stamp
        if "version" in fields:
            touched["version"] = F("version") + 1
        changed_objects: dict[str, list] = defaultdict(list)
        for row in updates:
            if "updated" in touched:
                row.obj.updated = stamp
            if "version" in touched:
                row.obj.version += 1
            for key in row.changed:
                column = self.spec.column(key)
                if column.type != "m2m":
                    changed_objects[column.field].append(row.obj)
        for name, objects in changed_objects.items():
            attname = self.model._meta.get_field(name).attname
            by_value: dict[object, list[int]] = defaultdict(list)
            for obj in objects:
                by_value[getattr(obj, attname)].append(obj.pk)
            if len(by_value) <= FEW_VALUES:
                for value, pks in by_value.items():
                    for chunk in chunks(pks):
                        manager.filter(pk__in=chunk).update(**{attname: value})
            else:
                manager.bulk_update(objects, [name], batch_size=BATCH)
        objects = [row.obj for row in updates]
        for chunk in chunks([obj.pk for obj in objects] if touched else []):
            manager.filter(pk__in=chunk).update(**touched)
        # With no fields, the helper writes only the history rows, from the objects as they now are.
        bulk_update_with_history(objects, self.model, [], batch_size=BATCH, default_user=history_user,
                                 default_change_reason=CHANGE_REASON, default_date=stamp)

    def write_m2m(self, rows: list[Row]) -> None:
        for column in self.spec.columns:
            if column.type != "m2m":
                continue
            changed = [r for r in rows if column.key in r.m2m]
            if not changed:
                continue
            model_field = self.model._meta.get_field(column.field)
            through = model_field.remote_field.through
            source = model_field.m2m_field_name() + "_id"
            target = model_field.m2m_reverse_field_name() + "_id"
            for chunk in chunks([r.obj.pk for r in changed if r.action == "update"]):
                through.objects.filter(**{f"{source}__in": chunk}).delete()
            through.objects.bulk_create([through(**{source: r.obj.pk, target: t})
                                         for r in changed for t in sorted(r.m2m[column.key])], batch_size=BATCH)

    def write_m2m_history(self, pks: list[int], stamp) -> None:
        """The bulk history helpers skip tracked many-to-many values; record them as save() would."""
        tracked = [f for f in self.model._meta.many_to_many if f in HistoricalRecords.m2m_models]
        if not tracked or not pks:
            return
        history_model = self.model.history.model
        history_ids = {}
        for chunk in chunks(pks):
            history_ids.update(history_model.objects.filter(id__in=chunk, history_date=stamp)
                               .values_list("id", "history_id"))
        for model_field in tracked:
            m2m_history = HistoricalRecords.m2m_models[model_field]
            through = model_field.remote_field.through
            source = model_field.m2m_field_name() + "_id"
            target = model_field.m2m_reverse_field_name() + "_id"
            records = []
            for chunk in chunks(list(history_ids)):
                for through_id, pk, target_pk in through.objects.filter(**{f"{source}__in": chunk}).values_list(
                        "id", source, target):
                    records.append(m2m_history(id=through_id, history_id=history_ids[pk],
                                               **{source: pk, target: target_pk}))
            m2m_history.objects.bulk_create(records, batch_size=BATCH)


class ProjectImporter(Importer):
    """Projects belong to the institutions on both sides, and approval is not an import's to give."""

    def load_existing(self, existing: dict[str, object]) -> None:
        ids = [o.pk for o in existing.values()]
        self.owner_sets: dict[int, set[int]] = defaultdict(set)
        for name in ("chinese_institutions", "partner_institutions"):
            for pk, targets in through_sets(self.model, name, ids).items():
                self.owner_sets[pk] |= targets

    def may_change(self, row: Row, obj) -> bool:
        # The rule asks the project for its owners; answer from the sets loaded in bulk rather than
        # with two queries per row. The stored owners decide, before the row changes them.
        owners = frozenset(self.owner_sets.get(obj.pk, ()))
        obj.owner_institution_ids = lambda: set(owners)
        try:
            return super().may_change(row, obj)
        finally:
            del obj.owner_institution_ids

    def apply(self, row: Row, obj, is_new: bool) -> None:
        row.old_status = obj.status
        super().apply(row, obj, is_new)

    def check_row(self, row: Row, obj, is_new: bool) -> None:
        super().check_row(row, obj, is_new)
        self.check_approval(row, obj, is_new)

    def check_scope(self, row: Row, obj) -> None:
        if not self.is_institution_staff():
            return
        owners = set()
        for name in ("chinese_institutions", "partner_institutions"):
            owners |= row.m2m.get(name, self.old_m2m.get(name, {}).get(obj.pk, set()))
        if self.user.profile.institution_id not in owners:
            key = "partner_institutions" if "partner_institutions" in self.positions else "external_key"
            self.error(row, key, _("Your institution must be a partner of the project."))

    def check_approval(self, row: Row, obj, is_new: bool) -> None:
        """Approval is a coordinator's act; an import must not slip a project past it."""
        if self.user is None or "status" in row.bad:
            return
        old_status = None if is_new else row.old_status
        if obj.status in APPROVED_STATUSES and old_status not in APPROVED_STATUSES and not self.user.has_perm(
                perm_name(self.model, "approve"), obj):
            self.error(row, "status" if "status" in self.positions else "external_key",
                       _("Only coordinators can approve a project; use the status draft or proposed."))


# The importer of each registry kind; a kind not named here needs nothing beyond the standard one.
IMPORTERS: dict[str, type[Importer]] = {"projects": ProjectImporter}
