"""Public directory and country pages at national scale against the small demo (issue 15: goal ≤ 2).

Server time of the open-data portal's public pages — the directory lists (institutions, projects,
enterprises, alliances), the cross-country comparison and one country profile — rendered in process
by Django's test client (the whole middleware stack and templates, no network), for an anonymous
visitor:

* cold — the cache cleared before each request (the first visitor after a publication);
* warm — the same request again, cache as the previous request left it.

Each scale runs in its own child process against its own SQLite database (built with
``tvetbridge generate --scale …`` and its approved projects published, as in ``iati_export.py``).
The peer is the same page on the small demo, in the same run: the headline is the worst
national / small ratio of medians over every page, cold and warm.

    python benchmarks/opendata_pages.py
    python benchmarks/opendata_pages.py --small-db /tmp/small.sqlite3 --national-db /tmp/national.sqlite3

Generating the national registry takes long on a shared machine; ``--small-db`` and ``--national-db``
keep the databases in files, and later runs reuse them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = ["directory/", "directory/projects/", "directory/enterprises/", "directory/alliances/", "countries/",
         "countries/{country}/"]


def child(db: Path, scale: str, runs: int) -> None:
    """Time every page at one scale; print one JSON line {page: {"cold": [...], "warm": [...]}}."""
    reuse = db.exists()
    os.environ["TVETBRIDGE_VAR_DIR"] = str(db.parent)
    os.environ["TVETBRIDGE_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["TVETBRIDGE_AXES_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from _opendata_setup import build_registry
    from django.core.cache import cache
    from django.test import Client

    from tvetbridge.opendata import queries

    if not reuse:
        build_registry(scale)
    from django.db.models import Count

    # the focus country hosting most published projects: the heaviest profile
    busiest = (queries.public_projects().filter(host_country__is_focus=True).values("host_country")
               .annotate(n=Count("pk")).order_by("-n", "host_country").first())
    country = busiest["host_country"] if busiest else queries.focus_countries().first().code
    client = Client()
    for page in PAGES:  # warm-up: templates, translations and code paths loaded once per process
        client.get("/open-data/" + page.format(country=country))
    out: dict[str, dict] = {}
    for page in PAGES:
        url = "/open-data/" + page.format(country=country)
        cold, warm = [], []
        for _ in range(runs):
            cache.clear()
            t0 = time.perf_counter()
            response = client.get(url)
            cold.append(time.perf_counter() - t0)
            assert response.status_code == 200, (url, response.status_code)
            t0 = time.perf_counter()
            client.get(url)
            warm.append(time.perf_counter() - t0)
        out[page.replace("{country}", "XX")] = {"cold": cold, "warm": warm, "bytes": len(response.content)}
    out["_rows"] = {"institutions": queries.public_institutions().count(), "projects": queries.public_projects().count(),
                    "enterprises": queries.public_enterprises().count(), "country": country}
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small-db")
    parser.add_argument("--national-db")
    parser.add_argument("--child", nargs=2, metavar=("DB", "SCALE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], args.runs)
        return 0

    tmp = tempfile.TemporaryDirectory(prefix="tvetbridge-bench-")
    results = {}
    for scale, given in (("small", args.small_db), ("national", args.national_db)):
        db = Path(given) if given else Path(tmp.name) / scale / "bench.sqlite3"
        db.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, __file__, "--runs", str(args.runs), "--child", str(db), scale],
                              capture_output=True, text=True)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        results[scale] = json.loads(done.stdout.strip().splitlines()[-1])

    for scale in ("small", "national"):
        for k, v in results[scale].pop("_rows").items():
            print(f"{scale}_{k}: {v}")
    ratios = []
    for page, small in results["small"].items():
        national = results["national"][page]
        name = page.strip("/").replace("/", "_").replace("XX", "country") or "directory"
        for state in ("cold", "warm"):
            s, n = statistics.median(small[state]), statistics.median(national[state])
            print(f"{name}_{state}_small_median_ms: {1000 * s:.1f}")
            print(f"{name}_{state}_small_spread_ms: {1000 * min(small[state]):.1f}-{1000 * max(small[state]):.1f}")
            print(f"{name}_{state}_national_median_ms: {1000 * n:.1f}")
            print(f"{name}_{state}_national_spread_ms: "
                  f"{1000 * min(national[state]):.1f}-{1000 * max(national[state]):.1f}")
            print(f"{name}_{state}_ratio: {n / s:.2f}")
            ratios.append((n / s, f"{name}_{state}"))
    worst = max(ratios)
    print(f"worst_page: {worst[1]}")
    print(f"runs: {args.runs}")
    print(f"peak_rss_children_mb: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
    print(f"headline: {worst[0]:.2f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
