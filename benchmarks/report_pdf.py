"""Year report for the whole region: time for the PDF over the time for its HTML (goal <= 3).

Builds a throw-away SQLite database: reference data, the demo dataset, INFORM, synthetic registry
data at the generator's ``national`` scale (``--scale small`` for a quick look), and synthetic trainees
with their credentials, jobs and incomes for every running or finished project. ``--var-dir`` keeps
that database between invocations, so a second run skips the (long) set-up. Then, for the cooperation
results and the country risk reports of the current year, in the same run and alternating so that the
machine's load hits both alike:

  html  = data snapshot + charts + HTML template          (what the HTML page costs)
  pdf   = the same + WeasyPrint typesetting of the PDF    (what the PDF costs)

Prints ``name: value`` lines (medians over ``--runs`` runs, with the spread), peak memory, and
``headline: pdf/html`` of the results report. Both clocks are reported: wall time, and the process's CPU
time (all its threads, vl-convert's included), which a machine shared with other jobs distorts far less;
the headline uses CPU time. ``--dump DIR`` writes the HTML (screen and print) and PDF for inspection.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _setup(scale: str) -> float:
    from tvetbridge.core.reference import load_reference
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.demo.generator import generate
    from tvetbridge.demo.loader import load_demo
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.risk.services import load_reference_risk

    t = time.perf_counter()
    load_reference()
    load_demo(ensure_reference=False)
    generate(scale=scale, seed=42)
    # Trainees, jobs and incomes for every running or finished project, for the results report's outcomes.
    demo_outcomes.generate(CooperationProject.objects.filter(status__in=["active", "completed"]))
    load_reference_risk(quarters=4)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=("small", "national"), default="national")
    ap.add_argument("--language", default="ru")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kinds", default="results,risk")
    ap.add_argument("--var-dir", help="keep the database here and reuse it on the next run")
    ap.add_argument("--dump", help="write <kind>-<language>.html / .pdf here")
    args = ap.parse_args()
    var = Path(args.var_dir or tempfile.mkdtemp(prefix="tvb-bench-report-"))
    var.mkdir(parents=True, exist_ok=True)
    # "-outcomes": databases made before the outcomes section had no trainees.
    marker = var / f"ready-{args.scale}-outcomes"
    os.environ["TVETBRIDGE_VAR_DIR"] = str(var)
    os.environ.pop("TVETBRIDGE_DATABASE_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from tvetbridge.outcomes.models import IncomeObservation, Trainee
    from tvetbridge.registry.models import CooperationProject, Institution, ReportedResult
    from tvetbridge.reports import services
    from tvetbridge.risk.engine.periods import Period

    if not marker.exists():
        call_command("migrate", interactive=False, verbosity=0)
        print(f"setup_seconds: {_setup(args.scale):.1f}")
        marker.touch()
    print(f"scale: {args.scale}")
    print(f"institutions: {Institution.objects.count()}")
    print(f"projects: {CooperationProject.objects.count()}")
    print(f"reported_results: {ReportedResult.objects.count()}")
    print(f"trainees: {Trainee.objects.count()}")
    print(f"income_observations: {IncomeObservation.objects.count()}")
    period = Period(timezone.localdate().year)

    def html_of(kind, p, scope, for_pdf):
        data = services.snapshot(kind, scope, p, args.language)
        sections = services.prepare_sections(kind, data)
        return services.render_html(kind, data, sections, generated=timezone.now(), version=1, digest="x",
                                    for_pdf=for_pdf)

    ratios = {}
    for kind in args.kinds.split(","):
        p, scope = services.validate_request(kind, "region", str(period), args.language)
        # Warm-up: the first vl-convert and WeasyPrint calls load their engines and fonts.
        services.render_pdf(html_of(kind, p, scope, True))
        wall = {"html": [], "pdf": []}
        cpu = {"html": [], "pdf": []}
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            html = html_of(kind, p, scope, False)
            w1, c1 = time.perf_counter(), time.process_time()
            print_html = html_of(kind, p, scope, True)
            pdf = services.render_pdf(print_html)
            w2, c2 = time.perf_counter(), time.process_time()
            wall["html"].append(w1 - w0)
            wall["pdf"].append(w2 - w1)
            cpu["html"].append(c1 - c0)
            cpu["pdf"].append(c2 - c1)
        for clock, times in (("wall", wall), ("cpu", cpu)):
            for what in ("html", "pdf"):
                v = times[what]
                print(f"{kind}_{what}_{clock}_seconds: {statistics.median(v):.3f} "
                      f"(min {min(v):.3f}, max {max(v):.3f})")
        ratio_wall = statistics.median(wall["pdf"]) / statistics.median(wall["html"])
        ratios[kind] = statistics.median(cpu["pdf"]) / statistics.median(cpu["html"])
        print(f"{kind}_html_bytes: {len(html)}")
        print(f"{kind}_pdf_bytes: {len(pdf)}")
        print(f"{kind}_pdf_over_html_wall: {ratio_wall:.2f} (median of {args.runs} runs each)")
        print(f"{kind}_pdf_over_html_cpu: {ratios[kind]:.2f} (median of {args.runs} runs each)")
        if args.dump:
            out = Path(args.dump)
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{kind}-{args.language}.html").write_text(html, encoding="utf-8")
            (out / f"{kind}-{args.language}-print.html").write_text(print_html, encoding="utf-8")
            (out / f"{kind}-{args.language}.pdf").write_bytes(pdf)
    print(f"peak_memory_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    if "results" in ratios:
        print(f"headline: {ratios['results']:.2f} (cpu)")


if __name__ == "__main__":
    main()
