"""Portfolio page server time against the floor of its own SQL, at the small demo and national scale.

Builds a throw-away SQLite database: reference + real demo registry + synthetic registry (small, or
national: about 450 projects), then trainees bulk-loaded into every project (``--per-project``
people each, default 40 small / 400 national: enrolment, credential for most graduates, a job for
most of them), one funding row, one stored impact result (a payload of the size a real analysis
stores) and a few quality flags per project.

Timed as a coordinator: GET /portfolio/ — cold (first request after the cache is cleared and the
database connection reopened) and warm (median of N more). The floor is the same SQL statements
the page ran (captured, with their parameters) executed bare on a cursor and fully fetched, with
nothing around them: no Python per row, no template. ``headline`` = warm page median / floor
median at the chosen scale; ``national_vs_small`` compares the page at both sizes (issue 12's
goal is ≤ 2×).

    python benchmarks/portfolio.py --scale small
    python benchmarks/portfolio.py --scale national
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--per-project", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (5 if args.scale == "small" else 7)

    tmp = tempfile.TemporaryDirectory(prefix="tvetbridge-bench-")
    os.environ["TVETBRIDGE_VAR_DIR"] = tmp.name
    os.environ["TVETBRIDGE_DATABASE_URL"] = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    os.environ["TVETBRIDGE_AXES_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tvetbridge.core.models import Profile
    from tvetbridge.core.reference import load_reference
    from tvetbridge.demo.generator import generate
    from tvetbridge.demo.loader import load_demo
    from tvetbridge.registry.models import CooperationProject

    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    load_demo(ensure_reference=False)
    user = User.objects.create_user("bench-coordinator", password="x")
    Profile.objects.create(user=user, role="coordinator")
    client = Client()
    client.force_login(user)

    def page_times() -> tuple[float, list[float]]:
        cache.clear()
        connection.close()
        started = time.perf_counter()
        response = client.get("/portfolio/")
        cold = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"error: GET /portfolio/ returned {response.status_code}")
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get("/portfolio/")
            warm.append((time.perf_counter() - started) * 1000)
        return cold, warm

    def floor_times() -> list[float]:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/portfolio/")
        # The page's own reads (session, user and profile lookups are part of any page, kept too).
        statements = [q["sql"] for q in ctx.captured_queries]
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        print(f"queries_per_page: {len(statements)}")
        return samples

    def spread(samples: list[float]) -> str:
        return f"{min(samples):.1f}–{max(samples):.1f}"

    def measure(scale: str) -> float:
        per_project = args.per_project or (40 if scale == "small" else 400)
        started = time.perf_counter()
        clear_people()  # synthetic projects are replaced, and enrolments protect their project
        generate(scale=scale, seed=42)
        people = load_people(per_project)
        print(f"{scale}_projects: {CooperationProject.objects.count()}")
        print(f"{scale}_enrolments: {people}")
        print(f"{scale}_build_s: {time.perf_counter() - started:.1f}")
        cold, warm = page_times()
        floor = floor_times()
        page_ms, floor_ms = statistics.median(warm), statistics.median(floor)
        print(f"{scale}_page_cold_ms: {cold:.1f}")
        print(f"{scale}_page_warm_ms: {page_ms:.1f} (spread {spread(warm)}, n={runs})")
        print(f"{scale}_sql_floor_ms: {floor_ms:.1f} (spread {spread(floor)}, n={runs})")
        print(f"{scale}_page_over_floor: {page_ms / floor_ms:.2f}")
        return page_ms, floor_ms

    small_page, small_floor = measure("small")
    if args.scale == "national":
        page_ms, floor_ms = measure("national")
        print(f"national_vs_small: {page_ms / small_page:.2f}")
    else:
        page_ms, floor_ms = small_page, small_floor
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peak_memory_mib: {peak / 2**20:.1f}")
    print(f"headline: {page_ms / floor_ms:.2f}")
    tmp.cleanup()
    return 0


def clear_people() -> None:
    from tvetbridge.outcomes.models import Enrolment, ImpactResult, QualityFlag, Trainee
    from tvetbridge.registry.models import ProjectFunding

    Enrolment.objects.filter(external_key__startswith="ebench-").delete()
    Trainee.objects.filter(external_key__startswith="bench-").delete()
    ImpactResult.objects.all().delete()
    QualityFlag.objects.filter(rule="bench").delete()
    ProjectFunding.objects.filter(funder="bench").delete()


def load_people(per_project: int) -> int:
    """Trainees for every project, bulk-inserted (the demo generator writes people one by one, far too
    slowly for national scale)."""
    import numpy as np
    from django.db import transaction

    from tvetbridge.outcomes.models import (
        Credential,
        Employment,
        Enrolment,
        ImpactResult,
        QualityFlag,
        Trainee,
    )
    from tvetbridge.outcomes.money import Basis
    from tvetbridge.registry.models import CooperationProject, ProjectFunding

    today = dt.date.today()
    basis = Basis("USD", True, today.year - 1)
    rng = np.random.default_rng(7)
    batch = 5000
    # A stored analysis holds every estimator with its balance table: pad to that size.
    estimates = [{"method": m, "estimate": 80.0, "std_error": 20.0, "ci_low": 40.0, "ci_high": 120.0,
                  "balance": [{"name": f"x{i}", "before": 0.3, "after": 0.02} for i in range(8)],
                  "assumptions": ["overlap", "no unmeasured confounding"]} for m in range(6)]
    with transaction.atomic():
        projects = list(CooperationProject.objects.values_list("pk", "host_country_id"))
        host = dict(projects)
        n_enrolments = 0
        trainees, enrolments, credentials, jobs = [], [], [], []
        for index, (pk, _country) in enumerate(projects):
            for i in range(per_project):
                key = f"bench-{pk}-{i}"
                trainees.append(Trainee(external_key=key))
            ImpactResult.objects.create(project_id=pk, key=f"bench-{pk}", payload={
                "comparison": "applicants", "basis_key": basis.key, "estimates": estimates,
                "reliability": {"verdict": "reliable"},
                "headline": {"estimate": float(rng.normal(80, 30)), "ci_low": 10.0, "ci_high": 150.0}})
            ProjectFunding.objects.create(project_id=pk, kind="government", funder="bench",
                                          amount=int(rng.integers(10_000, 2_000_000)), currency="USD")
            for k in range(int(rng.integers(0, 3))):
                QualityFlag.objects.create(project_id=pk, rule="bench", evidence={"bench": k})
            if len(trainees) >= batch or index == len(projects) - 1:
                Trainee.objects.bulk_create(trainees, batch_size=batch)
                for t in trainees:
                    _, p, i = t.external_key.split("-")
                    start = today - dt.timedelta(days=int(rng.integers(200, 1500)))
                    status = ("completed", "completed", "completed", "dropped", "enrolled", "applied")[int(i) % 6]
                    end = start + dt.timedelta(days=300) if status != "enrolled" else None
                    enrolments.append(Enrolment(external_key=f"e{t.external_key}", trainee=t, project_id=int(p),
                                                status=status, start_date=start, end_date=end))
                Enrolment.objects.bulk_create(enrolments, batch_size=batch)
                for e in enrolments:
                    if e.status == "completed" and rng.random() < 0.7:
                        credentials.append(Credential(trainee_id=e.trainee_id, enrolment=e, kind="skill",
                                                      name="bench", awarded=min(e.end_date, today)))
                    if e.status == "completed" and rng.random() < 0.6:
                        jobs.append(Employment(external_key=f"j{e.external_key}", trainee_id=e.trainee_id,
                                               enrolment=e, country_id=host[e.project_id],
                                               start_date=e.end_date + dt.timedelta(days=int(rng.integers(0, 300)))))
                Credential.objects.bulk_create(credentials, batch_size=batch)
                Employment.objects.bulk_create(jobs, batch_size=batch)
                n_enrolments += len(enrolments)
                trainees, enrolments, credentials, jobs = [], [], [], []
    return n_enrolments


if __name__ == "__main__":
    sys.exit(main())
