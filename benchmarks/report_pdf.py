"""Year report for the whole region: time for the PDF over the time for its HTML (goal <= 3).

Builds a throw-away SQLite database: reference data, the demo dataset, INFORM, and synthetic registry
data (``--scale small`` = the generator's small scale; ``national`` = its national scale). Then, for
the cooperation results and the country risk reports of the current year in Russian:

  html  = data snapshot + charts + HTML template          (what the HTML page costs)
  pdf   = the same + WeasyPrint typesetting of the PDF    (what the PDF costs)

Prints ``name: value`` lines, peak memory, and ``headline: pdf/html`` of the results report.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=("small", "national"), default="small")
    ap.add_argument("--language", default="ru")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tvb-bench-report-")
    os.environ["TVETBRIDGE_VAR_DIR"] = tmp
    os.environ.pop("TVETBRIDGE_DATABASE_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.utils import timezone

    from tvetbridge.core.reference import load_reference
    from tvetbridge.demo.generator import generate
    from tvetbridge.demo.loader import load_demo
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.reports import services
    from tvetbridge.risk.periods import Period
    from tvetbridge.risk.services import load_reference_risk

    t = time.perf_counter()
    load_reference()
    load_demo(ensure_reference=False)
    generate(scale=args.scale, seed=42)
    load_reference_risk(quarters=4)
    print(f"setup_seconds: {time.perf_counter() - t:.1f}")
    print(f"projects: {CooperationProject.objects.count()}")
    period = Period(timezone.localdate().year)

    ratios = {}
    for kind in ("results", "risk"):
        p, scope = services.validate_request(kind, "region", str(period), args.language)
        # warm-up: first vl-convert and WeasyPrint calls load engines and fonts
        data = services.snapshot(kind, scope, p, args.language)
        services.render_pdf(services.render_html(kind, data, services.prepare_sections(kind, data),
                                                 generated=timezone.now(), version=1, digest="x", for_pdf=True))
        best_html = best_pdf = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            data = services.snapshot(kind, scope, p, args.language)
            sections = services.prepare_sections(kind, data)
            html = services.render_html(kind, data, sections, generated=timezone.now(), version=1, digest="x")
            t1 = time.perf_counter()
            data = services.snapshot(kind, scope, p, args.language)
            sections = services.prepare_sections(kind, data)
            pdf_html = services.render_html(kind, data, sections, generated=timezone.now(), version=1, digest="x",
                                            for_pdf=True)
            pdf = services.render_pdf(pdf_html)
            t2 = time.perf_counter()
            best_html, best_pdf = min(best_html, t1 - t0), min(best_pdf, t2 - t1)
        ratios[kind] = best_pdf / best_html
        print(f"{kind}_html_seconds: {best_html:.3f}")
        print(f"{kind}_pdf_seconds: {best_pdf:.3f}")
        print(f"{kind}_html_bytes: {len(html)}")
        print(f"{kind}_pdf_bytes: {len(pdf)}")
        print(f"{kind}_pdf_over_html: {ratios[kind]:.2f}")
    print(f"peak_memory_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"headline: {ratios['results']:.2f}")


if __name__ == "__main__":
    main()
