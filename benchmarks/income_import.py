"""Income-file import against the raw bulk-load rate of the same database.

`--scale small` = 100,000 income rows, `--scale national` = 1,000,000 (10 months for each of
100,000 trainees). The import is the full path a user triggers: parse the CSV, validate every
column, resolve trainee keys, write all or nothing with upsert. The peer is the database's raw bulk
load of the very rows the import writes (ids, trainee ids already resolved, batch and timestamp
filled in) into the same, emptied income table with its indexes and constraints: PostgreSQL `COPY`,
SQLite `executemany` of prepared tuples. Goal: import rate ≥ 50 % of the raw rate.

For context only, the same rows are also loaded into a bare table (no index, no constraint, and on
PostgreSQL UNLOGGED, so no write-ahead log): that rate is what the database could do if the platform
kept no unique key and no crash safety, which it must.

PostgreSQL: uses TVETBRIDGE_DATABASE_URL when given, else starts a throw-away cluster with
scripts/pg-cluster.sh (skipped when no PostgreSQL binaries are installed). Each backend runs in a
child process so settings are read fresh.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
ROWS = {"small": 100_000, "national": 1_000_000}
MONTHS = 10


def child(scale: str, repeat: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    django.setup()
    import io

    import polars as pl
    from django.core.management import call_command
    from django.db import connection, transaction

    from tvetbridge.outcomes.io.incomes import import_incomes
    from tvetbridge.outcomes.models import IncomeObservation, Trainee

    call_command("migrate", verbosity=0)
    n_rows = ROWS[scale]
    n_people = n_rows // MONTHS
    IncomeObservation.objects.all().delete()
    Trainee.objects.filter(external_key__startswith="bench-").delete()
    with transaction.atomic():
        Trainee.objects.bulk_create([Trainee(external_key=f"bench-{i:07d}", is_synthetic=True)
                                     for i in range(n_people)], batch_size=5000)
    people = pl.Series("trainee", [f"bench-{i:07d}" for i in range(n_people)])
    frame = pl.DataFrame({"trainee": people}).join(
        pl.DataFrame({"period": [f"2024-{m + 1:02d}" for m in range(MONTHS)]}), how="cross").with_columns(
        (pl.int_range(0, pl.len()) % 50_000 * 7 + 90_000).cast(pl.Utf8).alias("amount"),
        pl.lit("KZT").alias("currency"), pl.lit("payroll").alias("source"), pl.lit("yes").alias("verified"))
    buf = io.BytesIO()
    frame.write_csv(buf)
    data = buf.getvalue()

    ids = dict(Trainee.objects.filter(external_key__startswith="bench-").values_list("external_key", "pk"))
    table = IncomeObservation._meta.db_table
    runs = []
    for _rep in range(repeat):
        _empty(connection, table)
        t0 = time.perf_counter()
        result = import_incomes(None, data, "bench.csv")
        t_import = time.perf_counter() - t0
        assert result.committed and result.created == n_rows, (result.errors[:3], result.created)
        t0 = time.perf_counter()
        again = import_incomes(None, data, "bench.csv")
        t_again = time.perf_counter() - t0
        assert again.created == 0 and again.unchanged == n_rows
        batch = IncomeObservation.objects.values_list("batch_id", flat=True).first()
        _empty(connection, table)
        # The peer's million tuples exist only while it runs: kept alive across the import, every
        # full garbage collection the import triggers would walk them, a cost no real import has.
        rows = _peer_rows(frame, ids, batch)
        runs.append({"import_s": t_import, "reimport_s": t_again, **_raw_loads(connection, transaction, table, rows)})
        del rows
        gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"vendor": connection.vendor, "rows": n_rows, "runs": runs, "peak_mb": peak, "file_mb": len(data) / 1e6}


COLUMNS = ("id", "trainee_id", "period", "amount", "currency", "source", "verified", "batch_id", "updated")


def _empty(connection, table: str) -> None:
    """Every load starts from an empty table, as the first; TRUNCATE leaves no dead rows behind."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")


def _peer_rows(frame, ids: dict, batch: int) -> list[tuple]:
    """The rows the import writes, already resolved and typed, in the table's column order."""
    from django.utils import timezone

    now = timezone.now().isoformat()
    return [(i, ids[t], f"{p}-01", float(a), "KZT", "payroll", True, batch, now) for i, (t, p, a)
            in enumerate(zip(frame["trainee"], frame["period"], frame["amount"], strict=True), start=1)]


def _raw_loads(connection, transaction, table: str, rows: list[tuple]) -> dict:
    """The peer: the same rows into the emptied income table (headline, ``raw_s``), then, for context,
    into a bare table (``raw_bare_s``; on PostgreSQL UNLOGGED as well). Each in one transaction."""
    import polars as pl

    out = {}
    cols = ", ".join(COLUMNS)
    bare = ("CREATE {kind} TABLE bench_raw_income (id bigint, trainee_id bigint, period date, amount numeric(14,2), "
            "currency varchar(3), source varchar(12), verified boolean, batch_id bigint, updated timestamptz)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = pl.DataFrame(rows, orient="row").write_csv(include_header=False).encode()
            cursor.execute(bare.format(kind="UNLOGGED"))
            for key, target in (("raw_s", table), ("raw_bare_s", "bench_raw_income")):
                t0 = time.perf_counter()
                with transaction.atomic():
                    with cursor.cursor.copy(f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                        copy.write(text)
                out[key] = time.perf_counter() - t0
        else:
            cursor.execute(bare.format(kind=""))
            for key, target in (("raw_s", table), ("raw_bare_s", "bench_raw_income")):
                t0 = time.perf_counter()
                with transaction.atomic():
                    for offset in range(0, len(rows), 50_000):
                        cursor.executemany(f"INSERT INTO {target} ({cols}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                                           rows[offset:offset + 50_000])
                out[key] = time.perf_counter() - t0
        cursor.execute("DROP TABLE bench_raw_income")
    _empty(connection, table)
    return out


def run_child(scale: str, repeat: int, env: dict) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", "--scale", scale, "--repeat", str(repeat)], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=ROWS, default="small")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="imports (and raw loads) per backend; medians are shown")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scale, args.repeat)))
        return
    results = []
    base = {**os.environ, "TVETBRIDGE_AXES_ENABLED": "0"}
    given = os.environ.get("TVETBRIDGE_DATABASE_URL")
    if args.backend in ("sqlite", "both") and not given:
        tmp = tempfile.mkdtemp(prefix="bench-income-")
        env = {**base, "TVETBRIDGE_VAR_DIR": tmp}
        env.pop("TVETBRIDGE_DATABASE_URL", None)
        env.pop("DATABASE_URL", None)
        results.append(run_child(args.scale, args.repeat, env))
        shutil.rmtree(tmp, ignore_errors=True)
    if args.backend in ("postgres", "both"):
        if given:
            results.append(run_child(args.scale, args.repeat, base))
        elif list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            pgdir = tempfile.mkdtemp(prefix="bench-pg-")
            url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", pgdir, "54353"], capture_output=True,
                                 text=True, check=True).stdout.strip()
            try:
                results.append(run_child(args.scale, args.repeat, {**base, "TVETBRIDGE_DATABASE_URL": url}))
            finally:
                subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "stop", pgdir], check=False)
    ratios = []
    for r in filter(None, results):
        v, runs = r["vendor"], r["runs"]
        each = [r["rows"] / x["import_s"] / (r["rows"] / x["raw_s"]) for x in runs]
        import_s, raw_s = median(x["import_s"] for x in runs), median(x["raw_s"] for x in runs)
        ratio = median(each)
        ratios.append(ratio)
        print(f"{v}_rows: {r['rows']}")
        print(f"{v}_file_mb: {r['file_mb']:.1f}")
        print(f"{v}_runs: {len(runs)}")
        print(f"{v}_import_seconds_each: " + ", ".join(f"{x['import_s']:.2f}" for x in runs))
        print(f"{v}_raw_bulk_load_seconds_each: " + ", ".join(f"{x['raw_s']:.2f}" for x in runs))
        print(f"{v}_import_seconds_median: {import_s:.2f}")
        print(f"{v}_reimport_unchanged_seconds_median: {median(x['reimport_s'] for x in runs):.2f}")
        print(f"{v}_raw_bulk_load_seconds_median: {raw_s:.2f}")
        bare_s = median(x["raw_bare_s"] for x in runs)
        print(f"{v}_raw_bare_table_seconds_median (context): {bare_s:.2f}")
        print(f"{v}_import_over_raw_bare_table_median (context): {bare_s / import_s:.3f}")
        print(f"{v}_import_rows_per_second_median: {r['rows'] / import_s:,.0f}")
        print(f"{v}_raw_rows_per_second_median: {r['rows'] / raw_s:,.0f}")
        print(f"{v}_import_over_raw_each: " + ", ".join(f"{x:.3f}" for x in each))
        print(f"{v}_import_over_raw_median: {ratio:.3f}")
        print(f"{v}_peak_memory_mb: {r['peak_mb']:.0f}")
    if not ratios:
        sys.exit("no backend ran")
    print(f"headline (lowest backend median): {min(ratios):.3f}")


if __name__ == "__main__":
    main()
