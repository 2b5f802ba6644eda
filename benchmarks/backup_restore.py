"""Backup → wipe → restore of a PostgreSQL database, against bare pg_dump / pg_restore of the same one.

The platform's commands do more than the bare tools: `tvetbridge backup` counts and checksums every
table in the dump's own snapshot and hashes the file; `tvetbridge restore` checks the file's hash,
refuses a non-empty database and, after `pg_restore`, checksums every table again and compares. The
peer is what an operator would otherwise run by hand: `pg_dump --format=custom` and, into the wiped
database, `pg_restore --jobs=<cores>` (the same format and parallelism the platform uses).

Each round, alternating so the machine's load hits both alike:
  backup   = `tvetbridge backup DIR`        peer: `pg_dump -Fc -f FILE`
  restore  = wipe, `tvetbridge restore DIR` peer: wipe, `pg_restore -j N -d DB FILE`
and after every restore the tables' row counts and checksums are compared with those taken before
the first backup: identical, or the benchmark fails.

The database: ``TVETBRIDGE_DATABASE_URL`` if it names a PostgreSQL database already filled (e.g. by
`tvetbridge generate --scale national --matching`), otherwise a throw-away cluster on ``--port``
filled here with the generator's ``--scale`` registry (national: 2,206 institutions, 17,774
programmes ...; add ``--matching`` for its million trainees and 200,000 vacancies).
Prints medians and spreads over ``--rounds`` and ``headline: (backup + restore) / (pg_dump + pg_restore)``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PY = sys.executable


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--matching", action="store_true", help="Also generate the scale's trainees and vacancies.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 54335)))
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tvetbridge.settings", "PYTHONPATH": str(ROOT / "src")}
    work = Path(tempfile.mkdtemp(prefix="tvetbridge-backup-"))
    env.setdefault("TVETBRIDGE_VAR_DIR", str(work / "var"))
    cluster = None
    url = env.get("TVETBRIDGE_DATABASE_URL", "")
    try:
        if not url.startswith("postgres"):
            cluster = str(work / "pg")
            url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", cluster, str(args.port)],
                                 capture_output=True, text=True, check=True).stdout.strip()
            env["TVETBRIDGE_DATABASE_URL"] = url
            for step in (["migrate", "-v0"], ["load_reference"],
                         ["generate", "--scale", args.scale, *(["--matching"] if args.matching else [])]):
                if step[0] == "generate" and args.matching:
                    timed([PY, "-m", "tvetbridge.cli", "load_taxonomy"], env)
                timed([PY, "-m", "tvetbridge.cli", *step], env)
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        from tvetbridge.core import backup

        before = backup.table_checksums()
        pg_env = backup._pg_env(connection)
        database = pg_env["PGDATABASE"]
        jobs = os.cpu_count() or 1
        connection.close()
        results: dict[str, list[float]] = {"backup": [], "pg_dump": [], "restore": [], "pg_restore": []}
        dump_size = 0
        for n in range(args.rounds):
            target = work / f"backup-{n}"
            bare = work / f"bare-{n}.dump"
            order = ["platform", "bare"] if n % 2 == 0 else ["bare", "platform"]
            for who in order:
                if who == "platform":
                    results["backup"].append(timed([PY, "-m", "tvetbridge.cli", "backup", str(target)], env))
                else:
                    results["pg_dump"].append(timed(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                                     "--file", str(bare)], pg_env))
            dump_size = (target / backup.PG_FILE).stat().st_size
            for who in order:
                backup.wipe()
                connection.close()
                if who == "platform":
                    results["restore"].append(timed([PY, "-m", "tvetbridge.cli", "restore", str(target),
                                                     "--jobs", str(jobs)], env))
                else:
                    results["pg_restore"].append(timed(["pg_restore", "--no-owner", "--no-privileges",
                                                        "--exit-on-error", f"--jobs={jobs}", "--dbname", database,
                                                        str(bare)], pg_env))
                after = backup.table_checksums()
                connection.close()
                problems = backup.compare({"tables": before}, after)
                if problems:
                    raise SystemExit(f"round {n}, {who} restore differs:\n  " + "\n  ".join(problems))
            shutil.rmtree(target)
            bare.unlink()
    finally:
        if cluster:
            subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "stop", cluster], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    rows = sum(t["rows"] for t in before.values())
    print(f"tables: {len(before)}")
    print(f"rows: {rows}")
    print("identical_after_every_restore: yes")
    print(f"dump_mb: {dump_size / 2**20:.1f}")
    print(f"rounds: {args.rounds}")
    for key, values in results.items():
        print(f"{key}_s: {spread(values)}")
    platform = statistics.median(results["backup"]) + statistics.median(results["restore"])
    peer = statistics.median(results["pg_dump"]) + statistics.median(results["pg_restore"])
    print(f"backup_ratio: {statistics.median(results['backup']) / statistics.median(results['pg_dump']):.2f}")
    print(f"restore_ratio: {statistics.median(results['restore']) / statistics.median(results['pg_restore']):.2f}")
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"peak_rss_children_mb: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
    print(f"headline: {platform / peer:.2f}")


if __name__ == "__main__":
    main()
