"""Income-file import against the raw bulk-load rate of the same database.

`--scale small` = 100,000 income rows, `--scale national` = 1,000,000 (10 months for each of
100,000 trainees). The import is the full path a user triggers: parse the CSV, validate every
column, resolve trainee keys, write all or nothing with upsert. The peer is a raw bulk load of the
same, already-resolved rows into a bare table without indexes or constraints: PostgreSQL `COPY`,
SQLite `executemany`. Goal: import rate ≥ 50 % of the raw rate.

PostgreSQL: uses TVETBRIDGE_DATABASE_URL when given, else starts a throw-away cluster with
scripts/pg-cluster.sh (skipped when no PostgreSQL binaries are installed). Each backend runs in a
child process so settings are read fresh.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = {"small": 100_000, "national": 1_000_000}
MONTHS = 10


def child(scale: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    django.setup()
    import io

    import polars as pl
    from django.core.management import call_command
    from django.db import connection, transaction

    from tvetbridge.outcomes.bulk_import import import_incomes
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

    t0 = time.perf_counter()
    result = import_incomes(None, data, "bench.csv")
    t_import = time.perf_counter() - t0
    assert result.committed and result.created == n_rows, (result.errors[:3], result.created)
    t0 = time.perf_counter()
    again = import_incomes(None, data, "bench.csv")
    t_again = time.perf_counter() - t0
    assert again.created == 0 and again.unchanged == n_rows

    # raw peer: the same rows, trainee ids already resolved, into a bare table
    ids = dict(Trainee.objects.filter(external_key__startswith="bench-").values_list("external_key", "pk"))
    rows = [(ids[t], f"{p}-01", float(a), "KZT", "payroll", True)
            for t, p, a in zip(frame["trainee"], frame["period"], frame["amount"], strict=True)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_income")
        if connection.vendor == "postgresql":
            cursor.execute("CREATE UNLOGGED TABLE bench_raw_income (trainee_id bigint, period date, "
                           "amount numeric(14,2), currency varchar(3), source varchar(12), verified boolean)")
            text = pl.DataFrame(rows, orient="row").write_csv(include_header=False).encode()
            connection.commit() if not connection.get_autocommit() else None
            t0 = time.perf_counter()
            with transaction.atomic():
                with cursor.cursor.copy("COPY bench_raw_income FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(text)
            t_raw = time.perf_counter() - t0
        else:
            cursor.execute("CREATE TABLE bench_raw_income (trainee_id integer, period text, amount decimal, "
                           "currency text, source text, verified bool)")
            t0 = time.perf_counter()
            with transaction.atomic():
                for offset in range(0, len(rows), 50_000):
                    cursor.executemany("INSERT INTO bench_raw_income VALUES (%s, %s, %s, %s, %s, %s)",
                                       rows[offset:offset + 50_000])
            t_raw = time.perf_counter() - t0
        cursor.execute("DROP TABLE bench_raw_income")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"vendor": connection.vendor, "rows": n_rows, "import_s": t_import, "reimport_s": t_again,
            "raw_s": t_raw, "peak_mb": peak, "file_mb": len(data) / 1e6}


def run_child(scale: str, env: dict) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", "--scale", scale], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=ROWS, default="small")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scale)))
        return
    results = []
    base = {**os.environ, "TVETBRIDGE_AXES_ENABLED": "0"}
    given = os.environ.get("TVETBRIDGE_DATABASE_URL")
    if args.backend in ("sqlite", "both") and not given:
        tmp = tempfile.mkdtemp(prefix="bench-income-")
        env = {**base, "TVETBRIDGE_VAR_DIR": tmp}
        env.pop("TVETBRIDGE_DATABASE_URL", None)
        env.pop("DATABASE_URL", None)
        results.append(run_child(args.scale, env))
        shutil.rmtree(tmp, ignore_errors=True)
    if args.backend in ("postgres", "both"):
        if given:
            results.append(run_child(args.scale, base))
        elif list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            pgdir = tempfile.mkdtemp(prefix="bench-pg-")
            url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", pgdir, "54339"], capture_output=True,
                                 text=True, check=True).stdout.strip()
            try:
                results.append(run_child(args.scale, {**base, "TVETBRIDGE_DATABASE_URL": url}))
            finally:
                subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "stop", pgdir], check=False)
    ratios = []
    for r in filter(None, results):
        v = r["vendor"]
        import_rate, raw_rate = r["rows"] / r["import_s"], r["rows"] / r["raw_s"]
        ratios.append(import_rate / raw_rate)
        print(f"{v}_rows: {r['rows']}")
        print(f"{v}_file_mb: {r['file_mb']:.1f}")
        print(f"{v}_import_seconds: {r['import_s']:.2f}")
        print(f"{v}_reimport_unchanged_seconds: {r['reimport_s']:.2f}")
        print(f"{v}_raw_bulk_load_seconds: {r['raw_s']:.2f}")
        print(f"{v}_import_rows_per_second: {import_rate:,.0f}")
        print(f"{v}_raw_rows_per_second: {raw_rate:,.0f}")
        print(f"{v}_import_over_raw: {import_rate / raw_rate:.3f}")
        print(f"{v}_peak_memory_mb: {r['peak_mb']:.0f}")
    if not ratios:
        sys.exit("no backend ran")
    print(f"headline: {min(ratios):.3f}")


if __name__ == "__main__":
    main()
