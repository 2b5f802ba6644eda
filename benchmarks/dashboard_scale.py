"""Country dashboard response time at national scale against the small demo (issue 2: goal ≤ 2×).

Builds a throw-away SQLite database, loads reference + real demo data + synthetic small, times
GET /countries/KZ/ as a coordinator (warm-up, then the median of N runs, cache cleared before each),
then generates the national registry and times it again.

    python benchmarks/dashboard_scale.py --scale small     # also what `make bench` runs
    python benchmarks/dashboard_scale.py --scale national  # the same: both sizes are always measured

--scale only sets the number of timed runs (small: 5, national: 9); the comparison always needs both.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

COUNTRY = "KZ"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (5 if args.scale == "small" else 9)

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
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from tvetbridge.core.models import Profile
    from tvetbridge.core.reference import load_reference
    from tvetbridge.demo.generator import generate
    from tvetbridge.demo.loader import load_demo
    from tvetbridge.registry.models import Institution

    try:
        url = reverse("country_dashboard", kwargs={"code": COUNTRY})
    except NoReverseMatch:
        print("error: URL 'country_dashboard' does not exist yet; the country dashboard page is required",
              file=sys.stderr)
        return 2

    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    load_demo(ensure_reference=False)
    generate(scale="small", seed=42)
    user = User.objects.create_user("bench-coordinator", password="x")
    Profile.objects.create(user=user, role="coordinator")
    client = Client()
    client.force_login(user)

    def timed() -> float:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"error: GET {url} returned {response.status_code}")
        samples = []
        for _ in range(runs):
            cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        return statistics.median(samples)

    small_ms = timed()
    print(f"small_ms: {small_ms:.1f}", flush=True)
    started = time.perf_counter()
    generate(scale="national", seed=42)
    generate_s = time.perf_counter() - started
    national_ms = timed()
    # Peak resident set size of the whole process (tracemalloc would slow the generator severalfold).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    ratio = national_ms / small_ms
    print(f"national_ms: {national_ms:.1f}")
    print(f"ratio: {ratio:.2f}")
    print(f"institutions_national: {Institution.objects.filter(country_id=COUNTRY).count()} in {COUNTRY}, "
          f"{Institution.objects.count()} in all")
    print(f"generate_national_s: {generate_s:.1f}")
    print(f"peak_memory_mib: {peak / 2**20:.1f}")
    print(f"headline: {ratio:.2f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
