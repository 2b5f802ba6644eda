"""Verifiable credentials: issuing a cohort against the floor of canonicalizing and signing the same
documents with the same libraries in a bare loop (issue 14: goal ≤ 1.5), and the verification page's
server time at the 95th percentile under 20 concurrent verifiers on loopback.

Builds a throw-away SQLite database with the shipped frameworks, one Chinese institution, a programme
with ESCO-coded learning outcomes and a diploma placed on its framework level, and a cohort of
graduates with their awards (10,000 at ``--scale national``, 400 at ``small``). Then, in one process:

* issue — ``credentials.issuing.issue_many`` for the whole cohort, as the cohort job runs it: status
  list slots, one Open Badges 3.0 document per graduate, the lossless JSON-LD check, eddsa-rdfc-2022
  (RDFC-1.0 through pyld, Ed25519 through ``cryptography``), the OB 3.0 and VC 2.0 JSON Schemas, the
  bulk insert and the audit rows;
* floor — the same unsigned documents, already built and in memory, through the bare loop the suite
  cannot avoid: ``pyld.jsonld.normalize`` of the proof configuration and of the document (URDNA2015,
  the same shipped-context loader with its contexts parsed once), two SHA-256, one Ed25519 signature.

Issue and floor alternate ``--runs`` times on fresh cohorts (the issued rows are deleted between runs);
medians and spreads are printed. Peak memory is the process's max RSS.

Verification: the platform is served by gunicorn (``tvetbridge.wsgi``, the workers ``serve`` uses) on
a free loopback port; 20 client threads fetch ``/verify/<id>/`` of random issued credentials for
``--seconds``. The server time of each request is gunicorn's own ``%(D)s`` (microseconds from reading the
request to the last byte written), from its access log; client latency is printed beside it.

    python benchmarks/credentials.py --scale small
    python benchmarks/credentials.py --scale national
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def floor_loop(documents: list[dict], pair, method: str, created: str, *, reuse_config: bool) -> int:
    """Canonicalize and sign each document as eddsa-rdfc-2022 does, with nothing else around it.
    ``reuse_config``: the proof configuration (the same for the whole cohort) is canonicalized once, as
    the platform does; without it, once per document, as the suite's algorithm reads."""
    from pyld import jsonld

    from tvetbridge.credentials.engine.canon import document_loader

    options = {"documentLoader": document_loader, "base": None, "algorithm": "URDNA2015",
               "format": "application/n-quads"}
    n = 0
    config_hash = b""
    for i, document in enumerate(documents):
        if i == 0 or not reuse_config:
            config = {"@context": document["@context"], "type": "DataIntegrityProof",
                      "cryptosuite": "eddsa-rdfc-2022", "created": created, "verificationMethod": method,
                      "proofPurpose": "assertionMethod"}
            config_hash = hashlib.sha256(jsonld.normalize(config, options).encode()).digest()
        digest = config_hash + hashlib.sha256(jsonld.normalize(document, options).encode()).digest()
        n += len(pair.sign(digest))
    return n


def build_world(n: int):
    from decimal import Decimal

    from tvetbridge.core.models import Country, FieldOfStudy, Language, Source
    from tvetbridge.core.services import system_user
    from tvetbridge.credentials import services
    from tvetbridge.credentials.reference import load_frameworks
    from tvetbridge.registry.models import Institution, Programme
    from tvetbridge.taxonomy.models import Skill

    cn = Country.objects.create(code="CN", iso3="CHN", numeric=156, name="China", currency="CNY", is_focus=True)
    Country.objects.create(code="KZ", iso3="KAZ", numeric=398, name="Kazakhstan", currency="KZT", is_focus=True)
    for code, name in [("zh", "Chinese"), ("ru", "Russian"), ("kk", "Kazakh"), ("en", "English")]:
        Language.objects.create(code=code, name=name)
    field = FieldOfStudy.objects.create(code="104", name="Transport services")
    load_frameworks()
    inst = Institution.objects.create(external_key="inst-bench", name="Urumqi Vocational University",
                                      name_zh_hans="乌鲁木齐职业大学", name_ru="Урумчийский профессиональный университет",
                                      name_kk="Үрімжі кәсіптік университеті", kind="vocational_university", country=cn)
    programme = Programme.objects.create(external_key="prog-bench", institution=inst, name="Modern logistics",
                                         field=field, isced_level=5, duration_months=36, intake_capacity=n,
                                         expected_graduates=n)
    source = Source.objects.create(key="esco-bench", title="ESCO v1.1.1")
    skills = [Skill.objects.create(esco_id=f"bench-skill-{i}", label=label, source=source) for i, label in enumerate(
        ["manage warehouse operations", "plan freight transport", "operate forklift", "prepare customs documents",
         "manage inventory", "plan supply chain"])]
    user = system_user()
    ctype = services.save_credential_type(user, {
        "institution": inst, "programme": programme, "kind": "Diploma", "hours": 3600, "credits": Decimal("120"),
        "language": Language.objects.get(code="zh"), "field": field,
        "name": {"en": "Diploma in modern logistics", "zh_hans": "现代物流管理专业毕业证书",
                 "ru": "Диплом по современной логистике", "kk": "Заманауи логистика дипломы"},
        "description": {"en": "Three-year higher vocational programme in logistics.",
                        "zh_hans": "三年制高等职业教育物流专业。", "ru": "Трёхлетняя программа высшего профессионального "
                        "образования по логистике.", "kk": "Логистика бойынша үш жылдық жоғары кәсіптік бағдарлама."},
        "criteria": {"en": "Passed all modules and the final examination."}},
        levels=[services.level_by_key("cn-vet:associate")],
        outcomes=[{"text": {"en": s.label}, "skill": s} for s in skills])
    return user, inst, programme, ctype


def make_cohort(programme, inst, n: int, tag: str) -> list:
    from tvetbridge.outcomes.models import Credential, Enrolment, Trainee

    trainees = Trainee.objects.bulk_create([Trainee(external_key=f"{tag}-{i}", institution=inst) for i in range(n)],
                                           batch_size=1000)
    enrolments = Enrolment.objects.bulk_create([
        Enrolment(external_key=f"{tag}-enr-{i}", trainee=t, programme=programme, status="completed",
                  start_date=dt.date(2022, 9, 1), end_date=dt.date(2025, 6, 30)) for i, t in enumerate(trainees)],
        batch_size=1000)
    Credential.objects.bulk_create([
        Credential(trainee=t, enrolment=e, kind="diploma", name="Diploma in modern logistics",
                   awarded=dt.date(2025, 6, 30)) for t, e in zip(trainees, enrolments, strict=True)], batch_size=1000)
    return list(Credential.objects.filter(trainee__external_key__startswith=f"{tag}-")
                .select_related("trainee", "enrolment"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def verifiers(port: int, paths: list[str], clients: int, seconds: float) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(seed: int) -> None:
        rng = random.Random(seed)
        mine, codes = [], {}
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            # One connection per request: gunicorn's sync workers close it after each response.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            try:
                conn.request("GET", rng.choice(paths), headers={"Accept-Language": "kk"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0  # counted, never hidden: a lost request shows in verify_statuses
            finally:
                conn.close()
            mine.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses


def wait_ready(port: int, proc: subprocess.Popen, path: str, timeout: float = 300) -> None:
    """Until the page answers 200: the workers have booted and loaded the application."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped before it was ready")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=100)[94] if len(xs) >= 2 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--graduates", type=int, default=0, help="cohort size (default: 400 small, 10,000 national)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=0, help="verification load (default: 10 small, 60 national)")
    parser.add_argument("--from-db", type=Path, default=None,
                        help="start from a copy of this migrated, empty SQLite database (skips the migrations)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 × cores + 1)")
    args = parser.parse_args()
    n = args.graduates or (10_000 if args.scale == "national" else 400)
    runs = args.runs if args.scale == "small" or "--runs" in sys.argv else 1
    seconds = args.seconds or (60.0 if args.scale == "national" else 10.0)

    tmp = tempfile.TemporaryDirectory(prefix="tvetbridge-bench-cred-")
    db = Path(tmp.name) / "bench.sqlite3"
    env = {"TVETBRIDGE_VAR_DIR": tmp.name, "TVETBRIDGE_DATABASE_URL": f"sqlite:///{db}",
           "TVETBRIDGE_AXES_ENABLED": "0", "DJANGO_SETTINGS_MODULE": "tvetbridge.settings",
           "TVETBRIDGE_PUBLIC_URL": "http://127.0.0.1"}
    if args.from_db:
        shutil.copyfile(args.from_db, db)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tvetbridge.credentials import issuing
    from tvetbridge.credentials.models import IssuedCredential

    call_command("migrate", interactive=False, verbosity=0)
    user, inst, programme, ctype = build_world(n)

    # Warm-up (contexts parsed, schemas compiled, as in a worker that has signed before).
    issuing.issue_many(user, make_cohort(programme, inst, 5, "warm"), ctype)
    # CPU seconds of this process (SQLite runs in it, so the issuing's database work is counted): the
    # machine is shared, and wall time there measures the neighbours as much as the work.
    issue_s, floor_s, naive_s, issue_wall = [], [], [], []
    for run in range(runs):
        awards = make_cohort(programme, inst, n, f"run{run}")
        t0, c0 = time.perf_counter(), time.process_time()
        issued = issuing.issue_many(user, awards, ctype)
        issue_wall.append(time.perf_counter() - t0)
        issue_s.append(time.process_time() - c0)
        assert len(issued) == n
        documents = [{k: v for k, v in row.document.items() if k != "proof"} for row in issued]
        proof = issued[0].document["proof"][0]
        key = issued[0].key
        pair = issuing._keypair(key)
        c0 = time.process_time()
        floor_loop(documents, pair, key.verification_method, proof["created"], reuse_config=True)
        floor_s.append(time.process_time() - c0)
        c0 = time.process_time()
        floor_loop(documents, pair, key.verification_method, proof["created"], reuse_config=False)
        naive_s.append(time.process_time() - c0)
        if run < runs - 1:
            IssuedCredential.objects.filter(pk__in=[r.pk for r in issued]).delete()

    ratios = [i / f for i, f in zip(issue_s, floor_s, strict=True)]
    print(f"scale: {args.scale}")
    print(f"graduates: {n}")
    print(f"runs: {runs}")
    print(f"issue_median_cpu_s: {statistics.median(issue_s):.3f}")
    print(f"issue_median_wall_s: {statistics.median(issue_wall):.3f}")
    print(f"issue_spread_cpu_s: {min(issue_s):.3f}-{max(issue_s):.3f}")
    print(f"floor_median_cpu_s: {statistics.median(floor_s):.3f}")
    print(f"floor_spread_cpu_s: {min(floor_s):.3f}-{max(floor_s):.3f}")
    print(f"issue_cpu_ms_per_credential: {1000 * statistics.median(issue_s) / n:.2f}")
    print(f"floor_cpu_ms_per_credential: {1000 * statistics.median(floor_s) / n:.2f}")
    print(f"issue_over_floor_spread: {min(ratios):.3f}-{max(ratios):.3f}")
    print(f"floor_config_per_document_median_cpu_s: {statistics.median(naive_s):.3f}")
    print(f"issue_over_floor_config_per_document: {statistics.median(issue_s) / statistics.median(naive_s):.3f}")

    # Verification under load: the pages of the issued credentials, served by gunicorn.
    paths = [f"/kk/verify/{u}/" for u in IssuedCredential.objects.values_list("uuid", flat=True)[:2000]]
    connection.close()
    log = Path(tmp.name) / "access.log"
    port = free_port()
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tvetbridge.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", str(log), "--access-logformat", "%(D)s %(s)s"],
        env={**os.environ, **env, "TVETBRIDGE_DEBUG": "0", "TVETBRIDGE_ALLOWED_HOSTS": "127.0.0.1",
             "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, server, paths[0])
        verifiers(port, paths, args.clients, 5.0)  # warm-up: every worker loads its contexts once
        log.write_text("")
        latencies, statuses = verifiers(port, paths, args.clients, seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=120)  # gunicorn's graceful stop waits for busy workers
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    server_ms = [int(line.split()[0]) / 1000 for line in log.read_text().splitlines() if line.strip()]
    print(f"verify_clients: {args.clients}")
    print(f"verify_seconds: {seconds:.0f}")
    print(f"verify_gunicorn_workers: {workers}")
    print(f"verify_requests: {len(latencies)}")
    print(f"verify_statuses: {dict(sorted(statuses.items()))}")
    print(f"verify_requests_per_s: {len(latencies) / seconds:.1f}")
    print(f"verify_server_p50_ms: {statistics.median(server_ms):.1f}")
    print(f"verify_server_p95_ms: {p95(server_ms):.1f}")
    print(f"verify_client_p50_ms: {1000 * statistics.median(latencies):.1f}")
    print(f"verify_client_p95_ms: {1000 * p95(latencies):.1f}")
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"headline: {statistics.median(issue_s) / statistics.median(floor_s):.3f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
