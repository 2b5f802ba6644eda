"""Year reports for the whole region: the PDF's typesetting over the HTML render (issue #18, goal <= 2).

Builds a throw-away SQLite database: reference data, the demo dataset, INFORM, synthetic registry
data at the generator's ``national`` scale (``--scale small`` for a quick look), and synthetic trainees
with their credentials, jobs and incomes for every running or finished project. ``--var-dir`` keeps
that database between invocations, so a second run skips the (long) set-up. Then, for the cooperation
results and the country risk reports of the current year, in the same run and alternating so that the
machine's load hits both alike:

  data  = the snapshot: every figure, read and computed  (shared by both; timed on its own)
  html  = charts + HTML template                          (the HTML render without the data step)
  pdf   = charts + print template + WeasyPrint            (the PDF without the data step)

Prints ``name: value`` lines (medians over ``--runs`` runs, with the spread), peak memory, and
``headline:`` the largest pdf/html ratio over the report kinds. Both clocks are reported: wall time, and
the process's CPU time (all its threads, vl-convert's included), which a machine shared with other jobs
distorts far less; the ratios use CPU time. ``--dump DIR`` writes the HTML (screen and print) and PDF.
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

    def html_of(kind, data, for_pdf):
        sections = services.prepare_sections(kind, data)
        return services.render_html(kind, data, sections, generated=timezone.now(), version=1, digest="x",
                                    for_pdf=for_pdf)

    ratios = {}
    for kind in args.kinds.split(","):
        p, scope = services.validate_request(kind, "region", str(period), args.language)
        # Warm-up: the first vl-convert and WeasyPrint calls load their engines and fonts.
        services.render_pdf(html_of(kind, services.snapshot(kind, scope, p, args.language), True))
        wall = {"data": [], "html": [], "pdf": []}
        cpu = {"data": [], "html": [], "pdf": []}
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            data = services.snapshot(kind, scope, p, args.language)
            w1, c1 = time.perf_counter(), time.process_time()
            html = html_of(kind, data, False)
            w2, c2 = time.perf_counter(), time.process_time()
            print_html = html_of(kind, data, True)
            pdf = services.render_pdf(print_html)
            w3, c3 = time.perf_counter(), time.process_time()
            for what, (a, b) in (("data", (0, 1)), ("html", (1, 2)), ("pdf", (2, 3))):
                wall[what].append((w0, w1, w2, w3)[b] - (w0, w1, w2, w3)[a])
                cpu[what].append((c0, c1, c2, c3)[b] - (c0, c1, c2, c3)[a])
        for clock, times in (("wall", wall), ("cpu", cpu)):
            for what in ("data", "html", "pdf"):
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
    if ratios:
        worst = max(ratios, key=ratios.get)
        print(f"headline: {ratios[worst]:.2f} (cpu, {worst} report)")


if __name__ == "__main__":
    main()
