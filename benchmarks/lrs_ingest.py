"""xAPI statement ingest and statement queries against the machine's floor.

`--scale small` = 10,000 statements, `--scale national` = 1,000,000. Statements are synthetic and
seeded: 20,000 learners (mbox), 6 verbs, 2,000 activities, a third with a context parent activity,
half with a result duration.

Ingest (headline): the LRS path a client triggers with POSTs of 100 statements, minus HTTP parsing:
validate each statement, check ids, store the statement rows with their agent and activity index
rows, merge activity definitions, run the learning-record rules; one transaction per batch of 100.
The peer is the database's raw bulk insert of the very rows that path wrote (read back, tables
emptied) into the same tables with their indexes: PostgreSQL ``COPY``, SQLite ``executemany``, one
transaction per table. Goal: ingest rate ≥ 0.5 of the raw rate.

Query: `GET /statements?agent=…&verb=…&since=…` for one learner (the query's server time: parse,
query, render the page) over all the statements, against the same query measured when only the
first 10,000 were stored (same run, same database). Goal at national scale: ≤ 2× the 10k time.

SQLite in a temporary folder; PostgreSQL when TVETBRIDGE_DATABASE_URL is given (`--backend postgres`),
else a throw-away cluster from scripts/pg-cluster.sh. Each backend runs in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
N = {"small": 10_000, "national": 1_000_000}
VERBS = ["launched", "experienced", "completed", "passed", "failed", "terminated"]
TABLES = ["library_statement", "library_statementagent", "library_statementactivity", "library_activity"]


def statements(n: int, seed: int = 7):
    rng = random.Random(seed)
    t0 = 1_700_000_000
    for i in range(n):
        st = {"actor": {"mbox": f"mailto:learner{rng.randrange(20_000)}@example.org"},
              "verb": {"id": "http://adlnet.gov/expapi/verbs/" + rng.choice(VERBS)},
              "object": {"id": f"https://tvetbridge.example/activities/{rng.randrange(2_000)}",
                         "definition": {"name": {"en": "Activity"}}},
              "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + i * 30))}
        if rng.random() < 0.33:
            st["context"] = {"contextActivities": {"parent": [{"id": f"https://tvetbridge.example/courses/{rng.randrange(50)}"}]}}
        if rng.random() < 0.5:
            st["result"] = {"duration": f"PT{rng.randrange(60, 3600)}S", "completion": True}
        yield st


def child(scale: str, repeat: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tvetbridge.library import services
    from tvetbridge.library.io.ingest import ingest

    call_command("migrate", verbosity=0)
    client, _ = services.provision_client(name="bench", key="bench", secret="bench")
    from itertools import islice

    n = N[scale]
    runs = []
    query_small: list[float] = []
    query_s: list[float] = []
    for _rep in range(repeat):
        _empty(connection)
        gen = statements(n)
        t0 = time.perf_counter()
        result = ingest(client, islice(gen, N["small"]))
        t_ingest = time.perf_counter() - t0
        query_small = _query_times(connection)  # the same query over the first 10,000
        t0 = time.perf_counter()
        rest = ingest(client, gen)
        t_ingest += time.perf_counter() - t0
        assert result.stored + rest.stored == n and not result.error and not rest.error, (result, rest)
        query_s = _query_times(connection)
        rows = _read_back(connection)
        _empty(connection)
        t_raw = _raw_insert(connection, rows)
        del rows
        runs.append({"ingest_s": t_ingest, "raw_s": t_raw})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"vendor": connection.vendor, "n": n, "runs": runs, "query_s": query_s, "query_small_s": query_small,
            "peak_mb": peak}


def _empty(connection) -> None:
    with connection.cursor() as cur:
        for table in ("library_statementagent", "library_statementactivity", "library_statement", "library_activity"):
            cur.execute(f"TRUNCATE {table} CASCADE" if connection.vendor == "postgresql" else f"DELETE FROM {table}")


def _read_back(connection) -> dict:
    out = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT * FROM {table} ORDER BY id")
            out[table] = ([c[0] for c in cur.description], cur.fetchall())
    return out


def _raw_insert(connection, rows: dict) -> float:
    """The peer: the same rows into the same (emptied) tables, one transaction per table."""
    from django.db import transaction

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in TABLES:
            cols, data = rows[table]
            if not data:
                continue
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
                else:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                                    data)
    return time.perf_counter() - t0


def _query_times(connection, repeats: int = 15) -> list[float]:
    """Server time of an agent + verb + since query through the view (no network)."""
    import base64

    from django.test import Client

    agent = json.dumps({"mbox": "mailto:learner7@example.org"})
    auth = "Basic " + base64.b64encode(b"bench:bench").decode()
    http = Client()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = http.get("/xapi/statements", {"agent": agent, "verb": "http://adlnet.gov/expapi/verbs/completed",
                                             "since": "2023-01-01T00:00:00Z"},
                       HTTP_AUTHORIZATION=auth, HTTP_X_EXPERIENCE_API_VERSION="2.0.0")
        times.append(time.perf_counter() - t0)
        assert res.status_code == 200
    return times


def run_child(scale: str, repeat: int, env: dict) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", "--scale", scale, "--repeat", str(repeat)], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _backends(args, base):
    given = os.environ.get("TVETBRIDGE_DATABASE_URL")
    if args.backend in ("sqlite", "both") and not given:
        tmp = tempfile.mkdtemp(prefix="bench-lrs-")
        env = {**base, "TVETBRIDGE_VAR_DIR": tmp}
        env.pop("TVETBRIDGE_DATABASE_URL", None)
        env.pop("DATABASE_URL", None)
        yield env, lambda: shutil.rmtree(tmp, ignore_errors=True)
    if args.backend in ("postgres", "both"):
        if given:
            yield base, lambda: None
        elif list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            pgdir = tempfile.mkdtemp(prefix="bench-pg-")
            url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", pgdir, "54354"], capture_output=True,
                                 text=True, check=True).stdout.strip()
            yield {**base, "TVETBRIDGE_DATABASE_URL": url}, lambda: subprocess.run(
                [str(ROOT / "scripts/pg-cluster.sh"), "stop", pgdir], check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=N, default="small")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.scale, args.repeat)))
        return
    base = {**os.environ, "TVETBRIDGE_AXES_ENABLED": "0", "TVETBRIDGE_LOG_LEVEL": "ERROR"}
    ratios = []
    for env, cleanup in _backends(args, base):
        try:
            r = run_child(args.scale, args.repeat, env)
            if r is None:
                continue
        finally:
            cleanup()
        v, runs, n = r["vendor"], r["runs"], r["n"]
        each = [x["raw_s"] / x["ingest_s"] for x in runs]
        print(f"{v}_statements: {n}")
        print(f"{v}_ingest_seconds_each: " + ", ".join(f"{x['ingest_s']:.2f}" for x in runs))
        print(f"{v}_raw_insert_seconds_each: " + ", ".join(f"{x['raw_s']:.2f}" for x in runs))
        print(f"{v}_ingest_statements_per_second_median: {n / median(x['ingest_s'] for x in runs):,.0f}")
        print(f"{v}_raw_statements_per_second_median: {n / median(x['raw_s'] for x in runs):,.0f}")
        print(f"{v}_ingest_over_raw_each: " + ", ".join(f"{x:.3f}" for x in each))
        print(f"{v}_ingest_over_raw_median: {median(each):.3f}")
        q, q10k = r["query_s"], r["query_small_s"]
        print(f"{v}_query_ms_median: {1000 * median(q):.1f} (spread {1000 * min(q):.1f}-{1000 * max(q):.1f})")
        print(f"{v}_query_over_first_10k_ms_median: {1000 * median(q10k):.1f}")
        print(f"{v}_query_time_over_10k: {median(q) / median(q10k):.2f}")
        print(f"{v}_peak_memory_mb: {r['peak_mb']:.0f}")
        ratios.append(median(each))
    if not ratios:
        sys.exit("no backend ran")
    print(f"headline: {min(ratios):.3f}")


if __name__ == "__main__":
    main()
