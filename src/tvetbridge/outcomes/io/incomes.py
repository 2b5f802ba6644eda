"""Bulk import of income observations: the national-scale file (a million rows a year for one country).

Incomes take a column path that never touches the ORM per row: Polars parses and validates whole
columns (the rarer spellings only for the rows that need them), trainee keys are resolved with one
query, duplicates are found on one integer per row, the rows already stored for the file's trainees
and months are read once and compared in Polars, and only new rows (PostgreSQL ``COPY`` straight into
the table with ids reserved in one step, SQLite ``executemany`` in large batches) and changed rows
(one ``UPDATE``) are written. Such a file is audited as an ``ImportBatch`` (who, when, file
checksum, counts) rather than a history row per income. Re-importing the same file changes nothing
(incomes match on trainee + month + source).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from tvetbridge.core.models import CURRENCY_CODES
from tvetbridge.core.roles import role_of
from tvetbridge.core.uploads import RowCounter, check_size
from tvetbridge.core.validators import (
    MAX_AMOUNT,
    message_for,
    today,
    validate_month_not_future,
    validate_monthly_amount,
)
from tvetbridge.registry.io.columns import (
    cell_text,
    choice_map,
    yes_no_words,
)
from tvetbridge.registry.io.files import FileError, detect_format, read_table
from tvetbridge.registry.io.importer import RowError

from ..models import ImportBatch, IncomeObservation, Trainee
from ..queries import trainees_for
from .records import (
    COLUMNS,
    MAX_ERRORS,
    STEP_CHECKING,
    STEP_WRITING,
    OutcomesImportResult,
    check_user,
    no_progress,
)

COPY_CHUNK = 200_000
SQLITE_BATCH = 50_000


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
    this_month = today().replace(day=1)
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
        # the bounds of validators.validate_monthly_amount and validate_month_not_future, whose
        # messages the bad rows get, as the form and the API would give them
        ("amount", (s("amount") < 0) | (s("amount") > float(MAX_AMOUNT)),
         lambda r: message_for(validate_monthly_amount, Decimal(str(r["amount"])))),
        ("period", s("period") > pl.lit(this_month),
         lambda r: message_for(validate_month_not_future, r["period"])),
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
                   result: OutcomesImportResult | None = None, progress=no_progress) -> OutcomesImportResult:
    result = result or OutcomesImportResult("incomes", filename, dry_run)
    check_user(user)
    try:
        df = _frame(data, filename)
    except FileError as exc:
        result.add(None, "", str(exc))
        return result
    result.rows = df.height
    progress(30, STEP_CHECKING)
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
    progress(60, STEP_WRITING)
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
                                verified=r["verified_old"], version=r["version_old"], batch_id=None,
                                history_date=before, history_type="+", history_change_reason="income.before_import"))
        rows.append(history(**key, amount=Decimal(r["cents"]) / 100, currency=r["currency"], verified=r["verified"],
                            version=r["version_old"] + 1, batch_id=batch_id, history_date=now, history_type="~",
                            history_user_id=user_id, history_change_reason="import"))
    history.objects.bulk_create(rows, batch_size=HISTORY_BATCH)


def _json_ids(ids: pl.Series) -> str:
    return "[" + ",".join(map(str, ids.to_list())) + "]"


def _existing_incomes(cursor, df: pl.DataFrame, ids: pl.Series, postgres: bool) -> pl.DataFrame:
    """Rows already stored for the file's trainees within its months, amounts in cents."""
    schema = {"trainee_id": pl.Int64, "period": pl.Date, "source": pl.Utf8, "cents_old": pl.Int64,
              "currency_old": pl.Utf8, "verified_old": pl.Boolean, "id_old": pl.Int64, "version_old": pl.Int64}
    table = IncomeObservation._meta.db_table
    lo, hi = df["period"].min(), df["period"].max()
    cols = "trainee_id, period, source, CAST(round(amount * 100) AS bigint), currency, verified, id, version"
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
            "CAST(verified AS integer), id, version")
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
    # Changed rows get a new version, so a form opened before the import conflicts instead of undoing it.
    if changed.height:
        stage = "outcomes_income_stage"
        cursor.execute(f"CREATE TEMP TABLE {stage} (trainee_id bigint, period date, amount numeric(14,2), "
                       "currency varchar(3), source varchar(12), verified boolean, batch_id bigint, "
                       "updated timestamptz) ON COMMIT DROP")
        copy_into(stage, changed)
        cursor.execute(f"""UPDATE {table} AS i SET amount = s.amount, currency = s.currency, verified = s.verified,
                             batch_id = s.batch_id, updated = s.updated,
                             version = i.version + 1
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
        sql = (f"UPDATE {table} SET amount = %s, currency = %s, verified = %s, batch_id = %s, updated = %s, "
               "version = version + 1 WHERE trainee_id = %s AND period = %s AND source = %s")
        for part in rows(changed, order):
            cursor.executemany(sql, part)
