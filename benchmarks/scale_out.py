"""Scale-out: a fund simulation run by 1 and by 2 `tvetbridge worker` processes on PostgreSQL.

The background job of a simulation (``finance.simulate``) splits the run into its independent parts —
the main simulation, the break-even search, the option price and the sensitivity study — as chunk
jobs (``job.fan_out``) that any worker claims; the last part to finish starts the join, which writes
the run's result. Each part depends only on the run's spec and seed, so the result is the same
whichever worker runs which part: every run's result is hashed (SHA-256 of its canonical JSON) and
compared with the others and with the same run executed in one process without the job system
(``finance.services.execute_run``).

Timed: from the commit that queues the run to the run's result being written, with the workers
already started and idle (their start-up is not part of the work). Rounds alternate the order
(1 then 2 workers, 2 then 1) so the machine's load falls on both alike.
Prints medians and spreads over ``--rounds`` and ``headline: speed-up = median(1 worker) /
median(2 workers)`` (goal ≥ 1.7 on 2 cores). The candidate rebuild is not split yet (see
``benchmarks/README.md``).

The database: ``TVETBRIDGE_DATABASE_URL`` if it names PostgreSQL (migrated here), otherwise a
throw-away cluster started with ``scripts/pg-cluster.sh`` on ``--port``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PY = sys.executable
PATHS = {"small": 200_000, "national": 1_000_000}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def digest(result: dict) -> str:
    return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()


def start_workers(n: int, env: dict, tag: str) -> list[subprocess.Popen]:
    from tvetbridge.core.models import WorkerProcess

    names = [f"bench-{tag}-{k}" for k in range(n)]
    procs = [subprocess.Popen([PY, "-m", "tvetbridge.cli", "worker", "--interval", "0.05", "--worker-id", name],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for name in names]
    end = time.monotonic() + 300
    while WorkerProcess.objects.filter(worker_id__in=names).count() < n:
        if time.monotonic() > end or any(p.poll() is not None for p in procs):
            raise SystemExit("workers did not start:\n" + "".join(p.stderr.read().decode()[-2000:]
                                                                   for p in procs if p.poll() is not None))
        time.sleep(0.1)
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def timed_run(user, spec: dict, n_paths: int, seed: int) -> tuple[float, dict]:
    from django.db import transaction

    from tvetbridge.finance import services
    from tvetbridge.finance.models import SimulationRun

    started = time.perf_counter()
    with transaction.atomic():
        run = services.start_simulation(user, spec, n_paths=n_paths, seed=seed)
    while True:
        run.refresh_from_db(fields=["status", "result", "error"])
        if run.status == SimulationRun.Status.DONE:
            return time.perf_counter() - started, run.result
        if run.status in (SimulationRun.Status.FAILED, SimulationRun.Status.CANCELLED):
            raise SystemExit(f"run {run.pk} ended {run.status}: {run.error}")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--paths", type=int, default=0, help="Simulated paths (default by scale).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 54335)))
    args = parser.parse_args()
    n_paths = args.paths or PATHS[args.scale]

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tvetbridge.settings", "PYTHONPATH": str(ROOT / "src"),
           "TVETBRIDGE_JOBS_EAGER": "0"}
    work = Path(tempfile.mkdtemp(prefix="tvetbridge-scale-"))
    env.setdefault("TVETBRIDGE_VAR_DIR", str(work / "var"))
    cluster = None
    url = env.get("TVETBRIDGE_DATABASE_URL", "")
    times: dict[int, list[float]] = {1: [], 2: []}
    digests: set[str] = set()
    procs: list[subprocess.Popen] = []
    try:
        if not url.startswith("postgres"):
            cluster = str(work / "pg")
            url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", cluster, str(args.port)],
                                 capture_output=True, text=True, check=True).stdout.strip()
            env["TVETBRIDGE_DATABASE_URL"] = url
        subprocess.run([PY, "-m", "tvetbridge.cli", "migrate", "-v0"], env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.db import connections

        from tvetbridge.core.models import Profile
        from tvetbridge.finance import services
        from tvetbridge.finance.models import SimulationRun

        user, _ = User.objects.get_or_create(username="scale-out-bench")
        Profile.objects.get_or_create(user=user, defaults={"role": "coordinator"})
        spec = services.default_spec()
        seed = 20261207
        # The reference: the same run in this process, part after part, without the job system.
        reference = SimulationRun.objects.create(spec=spec, n_paths=n_paths, seed=seed, created_by=user)
        started = time.perf_counter()
        services.execute_run(reference.pk)
        in_process = time.perf_counter() - started
        reference.refresh_from_db()
        digests.add(digest(reference.result))
        for r in range(args.rounds):
            for n in ((1, 2) if r % 2 == 0 else (2, 1)):
                connections.close_all()
                procs = start_workers(n, env, f"{r}-{n}")
                seconds, result = timed_run(user, spec, n_paths, seed)
                stop_workers(procs)
                procs = []
                times[n].append(seconds)
                digests.add(digest(result))
    finally:
        stop_workers(procs)
        if cluster:
            subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "stop", cluster], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    print("workload: fund simulation (default design), parts: simulate, break-even, option, tornado")
    print(f"paths: {n_paths}")
    print(f"rounds: {args.rounds}")
    print(f"cores: {os.cpu_count()}")
    print(f"in_process_s: {in_process:.2f}")
    print(f"one_worker_s: {spread(times[1])}")
    print(f"two_workers_s: {spread(times[2])}")
    print(f"result_checksums_distinct: {len(digests)}")
    print(f"identical_results: {'yes' if len(digests) == 1 else 'NO'}")
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"peak_rss_workers_mb: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
    print(f"headline: {statistics.median(times[1]) / statistics.median(times[2]):.2f}")
    if len(digests) != 1:
        raise SystemExit("results differ between runs")


if __name__ == "__main__":
    main()
