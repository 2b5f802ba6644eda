"""Load test: 50 concurrent clients for 60 s against `tvetbridge serve` on PostgreSQL, loopback only.

Each client loops over a fixed mix, as a person and a script would use the platform:

  public pages      GET /, /countries/, /countries/KZ/                      (anonymous)
  signed-in pages   GET /institutions/, /institutions/<id>/, /projects/      (a coordinator's session)
  API reads         GET /api/v1/institutions?page_size=20, /api/v1/programmes/<id>   (bearer token)
  API writes        PATCH /api/v1/programmes/<own id> {"national_level": "load <n>"} with If-Match (bearer token)

Every client writes only its own programme, so no write waits on another's row. Any answer other
than 2xx, or a connection error, counts as an error (the target is 0).

The floor is the same client load, same gunicorn command and worker count, against a bare Django
application whose one view returns a constant for every path (``benchmarks/_floor_wsgi.py``): what
serving costs before the platform does any work. Reported: requests/s, p50/p95 latency for both,
and ``headline: platform p50 / floor p50``. The clients are 2 processes × 25 threads with keep-alive
connections; they share the machine with the server, for both runs alike.

Bounded: requests go to 127.0.0.1 only, each run stops after ``--seconds``; the server is stopped
at the end. The database: ``TVETBRIDGE_DATABASE_URL`` if it names PostgreSQL (migrated and filled
here with reference data and the generator's ``--scale`` registry), otherwise a throw-away cluster
started with ``scripts/pg-cluster.sh`` on ``--port``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tvetbridge(*args: str, env: dict) -> str:
    done = subprocess.run([PY, "-m", "tvetbridge.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"tvetbridge {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare(env: dict, scale: str, clients: int) -> dict:
    """Data, a coordinator with a session and a token, and one programme per client to write."""
    tvetbridge("migrate", "-v0", env=env)
    tvetbridge("load_reference", env=env)
    tvetbridge("generate", "--scale", scale, env=env)
    script = f"""
import json
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from tvetbridge.core.models import Profile
from tvetbridge.core.tokens import issue_token
from tvetbridge.registry.models import Institution, Programme
user, _ = User.objects.get_or_create(username="load-coordinator")
Profile.objects.get_or_create(user=user, defaults={{"role": "coordinator"}})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
_token, key = issue_token(user, "load test")
print(json.dumps({{"session": session.session_key, "token": key,
  "institutions": list(Institution.objects.order_by("pk").values_list("pk", flat=True)[:200]),
  "programmes": list(Programme.objects.order_by("pk").values_list("pk", flat=True)[:{clients + 200}])}}))
"""
    out = tvetbridge("shell", "-c", script, env=env)
    return json.loads(out.strip().splitlines()[-1])


def mix(facts: dict, client: int) -> list[tuple[str, str, dict, bytes | None]]:
    auth = {"Authorization": f"Bearer {facts['token']}"}
    cookie = {"Cookie": f"sessionid={facts['session']}"}
    rng = random.Random(client)
    inst = rng.choice(facts["institutions"])
    prog_read = rng.choice(facts["programmes"])
    own = facts["programmes"][client]
    # a different value each time ("{n}" is filled in per request), so every write really writes
    body = json.dumps({"national_level": "load {n}"}).encode()
    return [
        ("GET", "/", {}, None), ("GET", "/countries/", {}, None), ("GET", "/countries/KZ/", {}, None),
        ("GET", "/institutions/", cookie, None), ("GET", f"/institutions/{inst}/", cookie, None),
        ("GET", "/projects/", cookie, None),
        ("GET", "/api/v1/institutions?page_size=20", auth, None), ("GET", f"/api/v1/programmes/{prog_read}", auth, None),
        ("PATCH", f"/api/v1/programmes/{own}", {**auth, "Content-Type": "application/json"}, body),
    ]


def client_process(port: int, facts: dict, first: int, threads: int, seconds: float, out) -> None:
    stop_at = time.monotonic() + seconds
    results: list[tuple[float, int]] = []  # (latency s, status or 0 for a connection error)
    lock = threading.Lock()

    def run(client: int) -> None:
        requests = mix(facts, client)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        etag = None  # the version of the client's own programme it last saw, sent back as If-Match
        i = client  # clients start at different points of the mix
        while time.monotonic() < stop_at:
            method, path, headers, body = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                payload = body.replace(b"{n}", str(i).encode()) if body else None
                if method == "PATCH":
                    if etag is None:  # as a script does: read once, then write naming the version read
                        conn.request("GET", path, headers={"Authorization": headers["Authorization"]})
                        first = conn.getresponse()
                        first.read()
                        etag = first.getheader("ETag", "")
                    headers = {**headers, "If-Match": etag}
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if method == "PATCH":
                    etag = response.getheader("ETag", "")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
            mine.append((time.perf_counter() - started, status))
        conn.close()
        with lock:
            results.extend(mine)

    pool = [threading.Thread(target=run, args=(first + k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(results)


def drive(port: int, facts: dict, clients: int, seconds: float, processes: int = 2) -> dict:
    queue = mp.Queue()
    per = clients // processes
    procs = [mp.Process(target=client_process, args=(port, facts, p * per, per, seconds, queue))
             for p in range(processes)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [r for _p in procs for r in queue.get()]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    errors = sum(1 for r in results if not 200 <= r[1] < 300)
    statuses: dict[int, int] = {}
    for _lat, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(results), "errors": errors, "rps": len(results) / elapsed, "p50": q[49],
            "p95": q[94], "statuses": statuses}


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited before it answered")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 54335)))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: serve's own)")
    args = parser.parse_args()
    if args.scale == "small" and "--seconds" not in sys.argv:
        args.seconds = 20.0  # `make bench` runs every benchmark at small scale in under a minute

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tvetbridge.settings", "TVETBRIDGE_DEBUG": "0",
           "TVETBRIDGE_AXES_ENABLED": "1", "PYTHONPATH": str(ROOT / "src")}
    cluster = None
    url = env.get("TVETBRIDGE_DATABASE_URL", "")
    var = tempfile.mkdtemp(prefix="tvetbridge-load-")
    env["TVETBRIDGE_VAR_DIR"] = var
    if not url.startswith("postgres"):
        cluster = tempfile.mkdtemp(prefix="tvetbridge-load-pg-")
        url = subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "start", cluster, str(args.port)],
                             capture_output=True, text=True, check=True).stdout.strip()
        env["TVETBRIDGE_DATABASE_URL"] = url
    servers = []
    try:
        facts = prepare(env, args.scale, args.clients)
        workers = args.workers or 2 * (os.cpu_count() or 1) + 1
        port = free_port()
        platform = subprocess.Popen([PY, "-m", "tvetbridge.cli", "serve", "--bind", f"127.0.0.1:{port}",
                                     "--workers", str(workers), "--no-worker"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(platform)
        wait_ready(port, platform)
        drive(port, facts, args.clients, args.warmup)
        result = drive(port, facts, args.clients, args.seconds)
        stop(platform)

        floor_port = free_port()
        floor = subprocess.Popen([PY, "-m", "gunicorn", "_floor_wsgi:application", "--chdir", str(ROOT / "benchmarks"),
                                  "--bind", f"127.0.0.1:{floor_port}", "--workers", str(workers),
                                  "--max-requests", "2000", "--max-requests-jitter", "200"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(floor)
        wait_ready(floor_port, floor)
        drive(floor_port, facts, args.clients, args.warmup)
        base = drive(floor_port, facts, args.clients, args.seconds)
        stop(floor)
    finally:
        for proc in servers:
            stop(proc)
        if cluster:
            subprocess.run([str(ROOT / "scripts/pg-cluster.sh"), "stop", cluster], capture_output=True)

    print(f"clients: {args.clients}")
    print(f"seconds: {args.seconds:.0f}")
    print(f"gunicorn_workers: {workers}")
    print(f"platform_requests: {result['requests']}")
    print(f"platform_errors: {result['errors']}")
    print(f"platform_statuses: {json.dumps(result['statuses'], sort_keys=True)}")
    print(f"platform_requests_per_s: {result['rps']:.1f}")
    print(f"platform_p50_ms: {result['p50'] * 1000:.1f}")
    print(f"platform_p95_ms: {result['p95'] * 1000:.1f}")
    print(f"floor_requests: {base['requests']}")
    print(f"floor_errors: {base['errors']}")
    print(f"floor_requests_per_s: {base['rps']:.1f}")
    print(f"floor_p50_ms: {base['p50'] * 1000:.1f}")
    print(f"floor_p95_ms: {base['p95'] * 1000:.1f}")
    print(f"throughput_ratio_floor_over_platform: {base['rps'] / result['rps']:.2f}")
    print(f"peak_rss_client_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"headline: {result['p50'] / base['p50']:.2f}")
    if result["errors"]:
        raise SystemExit(f"{result['errors']} requests failed")


if __name__ == "__main__":
    main()
