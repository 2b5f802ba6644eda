"""Backup and restore of the whole database, with a manifest that proves the copy.

A backup is a directory holding the database file and ``manifest.json``:

- PostgreSQL: ``database.dump``, written by ``pg_dump --format=custom`` (compressed, restorable in
  parallel by ``pg_restore --jobs``);
- SQLite: ``database.sqlite3``, written by SQLite's online backup API (a consistent copy while the
  platform keeps running; readers and writers are not stopped).

The manifest lists every table with its row count and a content checksum, the SHA-256 of the file
and the applied migrations. The checksums are computed by the same function before the backup and
after a restore; a restore whose tables do not match the manifest fails loudly.

On PostgreSQL the manifest and the dump read one snapshot: the manifest's transaction exports its
snapshot (``pg_export_snapshot``) and ``pg_dump --snapshot`` dumps exactly what was counted, even
while users keep writing. The checksum of a table is the sum of the first 60 bits of each row's MD5
(of the row's text form), computed on the server: independent of row order (a restore may lay rows
out differently) and in constant memory, where ordering and concatenating ten million row hashes
would not be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

MANIFEST = "manifest.json"
PG_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
FORMAT_VERSION = 1


class BackupError(RuntimeError):
    pass


@dataclass
class Restored:
    tables: int
    rows: int


# --- checksums ----------------------------------------------------------------------------------------

def user_tables(conn=None) -> list[str]:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            return _sqlite_table_names(cursor)
        return sorted(conn.introspection.table_names(cursor))


def _sqlite_table_names(cursor) -> list[str]:
    """Tables and virtual tables, without a full-text index's shadow tables: those belong to their
    virtual table and are dropped, copied and checked with it, never on their own."""
    cursor.execute("PRAGMA table_list")
    return sorted(name for schema, name, kind, *_rest in cursor.fetchall()
                  if schema == "main" and kind in ("table", "virtual") and not name.startswith("sqlite_"))


def table_checksums(conn=None) -> dict[str, dict]:
    """{table: {"rows": n, "checksum": text}} for every table of the database, the same way on the
    live database, in a backup's snapshot and after a restore."""
    conn = conn or connection
    tables = user_tables(conn)
    out = {}
    with conn.cursor() as cursor:
        for table in tables:
            quoted = conn.ops.quote_name(table)
            if conn.vendor == "postgresql":
                cursor.execute(f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)"
                               f"::text FROM {quoted} AS t")
                rows, checksum = cursor.fetchone()
            else:
                rows, checksum = _sqlite_checksum(cursor, quoted)
            out[table] = {"rows": int(rows), "checksum": str(checksum)}
    return out


def _sqlite_checksum(cursor, quoted: str) -> tuple[int, str]:
    """SQLite has no MD5: rows are hashed here, streamed, and combined order-independently like the
    PostgreSQL sum (modulo 2**64 in Python's unbounded integers, then printed). Each value is read
    as its SQL literal (``quote()``), an expression without a declared type, so Django's column
    converters (dates, booleans) cannot make the live database and a bare copy hash differently."""
    cursor.execute(f"SELECT name FROM pragma_table_info('{quoted[1:-1]}')")
    columns = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT " + ", ".join(f'quote("{c}")' for c in columns) + f" FROM {quoted}")
    rows, total = 0, 0
    while chunk := cursor.fetchmany(10_000):
        for row in chunk:
            digest = hashlib.md5(repr(row).encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
            total += int.from_bytes(digest[:8], "big")
            rows += 1
    return rows, str(total % 2**64)


def applied_migrations(conn=None) -> list[str]:
    conn = conn or connection
    if "django_migrations" not in user_tables(conn):
        return []
    with conn.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def is_empty(conn=None) -> bool:
    """True when the database holds no table with a row (a freshly migrated but unused database is
    not empty: its migration rows would be overwritten)."""
    return all(v["rows"] == 0 for v in _row_counts(conn).values())


def _row_counts(conn=None) -> dict[str, dict]:
    conn = conn or connection
    out = {}
    with conn.cursor() as cursor:
        for table in user_tables(conn):
            cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")
            out[table] = {"rows": cursor.fetchone()[0]}
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(4 * 2**20):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL ---------------------------------------------------------------------------------------

def _pg_env(conn) -> dict[str, str]:
    """libpq environment for the client tools: the connection's own settings, never a command line
    argument that `ps` would show."""
    params = conn.settings_dict
    env = dict(os.environ)
    mapping = {"PGHOST": params.get("HOST"), "PGPORT": params.get("PORT"), "PGUSER": params.get("USER"),
               "PGPASSWORD": params.get("PASSWORD"), "PGDATABASE": params.get("NAME")}
    env.update({k: str(v) for k, v in mapping.items() if v})
    options = params.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _pg_backup(target: Path, conn) -> dict:
    env = _pg_env(conn)
    dump = target / PG_FILE
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        tables = table_checksums(conn)
        migrations = applied_migrations(conn)
        # The dump runs while this transaction holds the snapshot open.
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "--file", str(dump)], env)
    return {"file": PG_FILE, "tables": tables, "migrations": migrations}


def _pg_restore(source: Path, conn, jobs: int, clean: bool) -> None:
    env = _pg_env(conn)
    args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}",
            "--dbname", env.get("PGDATABASE", "")]
    if clean:
        args += ["--clean", "--if-exists"]
    conn.close()  # pg_restore --clean drops tables this connection may hold locks on
    _run([*args, str(source / PG_FILE)], env)


# --- SQLite -------------------------------------------------------------------------------------------

def _sqlite_backup(target: Path, conn) -> dict:
    conn.ensure_connection()
    live: sqlite3.Connection = conn.connection
    copy_path = target / SQLITE_FILE
    copy = sqlite3.connect(copy_path)
    try:
        # The online backup API: a consistent copy page by page while others keep using the database.
        live.backup(copy, pages=4096)
    finally:
        copy.close()
    copy_conn = sqlite3.connect(copy_path)
    try:
        tables, migrations = _sqlite_facts(copy_conn)
    finally:
        copy_conn.close()
    return {"file": SQLITE_FILE, "tables": tables, "migrations": migrations}


def _sqlite_facts(raw: sqlite3.Connection) -> tuple[dict, list[str]]:
    """Checksums of a SQLite file by the same function as the live database, through a cursor."""
    names = _sqlite_table_names(raw.cursor())
    tables = {}
    for name in names:
        cursor = raw.cursor()
        rows, checksum = _sqlite_checksum(cursor, '"' + name.replace('"', '""') + '"')
        tables[name] = {"rows": rows, "checksum": checksum}
    migrations = ([f"{a}.{n}" for a, n in raw.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]
                  if "django_migrations" in names else [])
    return tables, migrations


def _sqlite_restore(source: Path, conn) -> None:
    conn.ensure_connection()
    live: sqlite3.Connection = conn.connection
    backup = sqlite3.connect(source / SQLITE_FILE)
    try:
        # The same API the other way: the live file's pages are replaced in one step.
        backup.backup(live)
    finally:
        backup.close()
    conn.close()


# --- entry points -------------------------------------------------------------------------------------

def backup(directory: Path, conn=None) -> dict:
    """Write a backup into ``directory`` (created; must be empty) and return its manifest."""
    conn = conn or connection
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; choose a new directory for the backup.")
    directory.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    facts = _pg_backup(directory, conn) if conn.vendor == "postgresql" else _sqlite_backup(directory, conn)
    manifest = {
        "format": FORMAT_VERSION, "engine": conn.vendor, "created": started.isoformat(),
        "file_sha256": file_sha256(directory / facts["file"]), **facts,
        "total_rows": sum(t["rows"] for t in facts["tables"].values()),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise BackupError(f"{directory} holds no {MANIFEST}; it is not a backup made by `tvetbridge backup`.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not supported by this version.")
    return manifest


def verify_file(directory: Path, manifest: dict) -> None:
    actual = file_sha256(Path(directory) / manifest["file"])
    if actual != manifest["file_sha256"]:
        raise BackupError(f"{manifest['file']} does not match its manifest (SHA-256 {actual}, "
                          f"expected {manifest['file_sha256']}); the backup is damaged.")


def compare(manifest: dict, tables: dict[str, dict]) -> list[str]:
    """Differences between a manifest's tables and a database's, as lines a person reads."""
    problems = []
    for name, want in sorted(manifest["tables"].items()):
        have = tables.get(name)
        if have is None:
            problems.append(f"{name}: missing after restore")
        elif have["rows"] != want["rows"]:
            problems.append(f"{name}: {have['rows']} rows, the backup has {want['rows']}")
        elif have["checksum"] != want["checksum"]:
            problems.append(f"{name}: same row count, different content")
    problems += [f"{name}: not in the backup" for name in sorted(set(tables) - set(manifest["tables"]))
                 if tables[name]["rows"]]
    return problems


def restore(directory: Path, conn=None, *, force: bool = False, jobs: int = 2) -> Restored:
    """Restore the backup in ``directory`` into the configured database, then check every table
    against the manifest. Refuses a database that holds rows unless ``force``."""
    conn = conn or connection
    manifest = read_manifest(directory)
    if manifest["engine"] != conn.vendor:
        raise BackupError(f"The backup is of a {manifest['engine']} database; this one is {conn.vendor}.")
    verify_file(directory, manifest)
    if not force and not is_empty(conn):
        raise BackupError("The database is not empty; restoring would replace its contents. "
                          "Restore into an empty database, or pass --force to replace it.")
    if conn.vendor == "postgresql":
        _pg_restore(Path(directory), conn, jobs, clean=force)
    else:
        _sqlite_restore(Path(directory), conn)
    problems = compare(manifest, table_checksums(conn))
    if problems:
        raise BackupError("The restored database does not match the backup:\n  " + "\n  ".join(problems))
    return Restored(len(manifest["tables"]), manifest["total_rows"])


def wipe(conn=None) -> None:
    """Drop every table (benchmarks and tests: the wipe in backup → wipe → restore)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in user_tables(conn):
                cursor.execute(f"DROP TABLE {conn.ops.quote_name(table)}")
    if conn.vendor == "sqlite":
        conn.close()
