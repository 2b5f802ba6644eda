"""IATI activity-file export against the floor of serialising the same activities with lxml (issue 15:
goal ≤ 1.5).

Builds a throw-away SQLite database, loads the reference data and the synthetic registry at the chosen
scale (``tvetbridge generate``), publishes every approved-or-later project under its first partner
institution, then times, in the same process:

* export — ``opendata.services.generate_files``: read the registry and ledger, build the activities,
  apply the IATI ruleset, write both files, validate them against the 2.03 XSDs and codelists, store;
* floor — a bare lxml loop over the same activities, already in memory: one ``SubElement`` per element
  and attribute the file holds (no model objects, no checks), then ``tostring``. This is what no export
  of these activities can beat.

Each is run ``--runs`` times after a warm-up; medians and spreads (min–max) are printed, with the
parts of the export (read, ruleset, write, validation) and peak memory (max RSS).

    python benchmarks/iati_export.py --scale small
    python benchmarks/iati_export.py --scale national --db /tmp/national.sqlite3

Generating the national registry takes long on a shared machine; ``--db`` keeps it in a file and a
later run with the same ``--db`` reuses it (the file must come from the same ``--scale``).
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


def bare_loop(activities) -> bytes:
    """The floor: the same elements and attributes as the export, straight from memory."""
    from lxml import etree

    sub = etree.SubElement
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    root = etree.Element("iati-activities", version="2.03")
    for a in activities:
        el = sub(root, "iati-activity", {"default-currency": a.default_currency})
        sub(el, "iati-identifier").text = a.identifier
        ro = sub(el, "reporting-org", ref=a.reporting_org.ref, type=a.reporting_org.type)
        for k, v in a.reporting_org.names.items():
            sub(ro, "narrative", {lang: k}).text = v
        for tag, texts in (("title", a.titles), ("description", a.descriptions)):
            t = sub(el, tag)
            for k, v in texts.items():
                sub(t, "narrative", {lang: k}).text = v
        for p in a.participants:
            po = sub(el, "participating-org", role=p.role)
            for k, v in p.org.names.items():
                sub(po, "narrative", {lang: k}).text = v
        sub(el, "activity-status", code=a.status)
        for k, d in a.dates.items():
            sub(el, "activity-date", {"type": k, "iso-date": d.isoformat()})
        for c, pct in a.recipient_countries:
            sub(el, "recipient-country", code=c, percentage=str(pct))
        for voc, c, pct in a.sectors:
            sub(el, "sector", vocabulary=voc, code=c, percentage=str(pct))
        for b in a.budgets:
            be = sub(el, "budget")
            sub(be, "period-start", {"iso-date": b.start.isoformat()})
            sub(be, "period-end", {"iso-date": b.end.isoformat()})
            sub(be, "value", currency=b.currency).text = str(b.value)
        for t in a.transactions:
            te = sub(el, "transaction", ref=t.ref)
            sub(te, "transaction-type", code=t.type)
            sub(te, "transaction-date", {"iso-date": t.date.isoformat()})
            sub(te, "value", currency=t.currency).text = str(t.value)
        for r in a.results:
            re_ = sub(el, "result", type=r.type)
            for ind in r.indicators:
                ie = sub(re_, "indicator", measure=ind.measure)
                pe = sub(ie, "period")
                sub(pe, "target", value=str(ind.target))
                sub(pe, "actual", value=str(ind.actual) if ind.actual is not None else "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "national"], default="small")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="SQLite file to keep the generated registry in (reused when it exists)")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="tvetbridge-bench-")
    db = Path(args.db) if args.db else Path(tmp.name) / "bench.sqlite3"
    reuse = db.exists()
    os.environ["TVETBRIDGE_VAR_DIR"] = str(db.parent) if args.db else tmp.name
    os.environ["TVETBRIDGE_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["TVETBRIDGE_AXES_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

    import django

    django.setup()
    from _opendata_setup import build_registry
    from django.utils import timezone

    from tvetbridge.opendata import queries, services
    from tvetbridge.opendata.engine import iati as engine
    from tvetbridge.opendata.io import iati as xml
    from tvetbridge.opendata.models import ActivityPublication, IatiFile, Publisher

    if not reuse:
        build_registry(args.scale)
    today = timezone.localdate()
    print(f"scale: {args.scale}")
    print(f"activities: {ActivityPublication.objects.count()}")
    print(f"publishers: {Publisher.objects.count()}")

    # warm-up (schemas and codelists parsed once per process, as in a worker)
    result = services.generate_files(skip_invalid=True, today=today)
    size = len(bytes(IatiFile.objects.get(kind="activity").content))
    print(f"activities_written: {result['activities']}")
    print(f"activities_left_out: {result['left_out']}")
    print(f"activity_file_bytes: {size}")

    export, floor, read, check, write, validate = [], [], [], [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        services.generate_files(skip_invalid=True, today=today)
        export.append(time.perf_counter() - t0)
        # the parts, timed separately on the same data
        t0 = time.perf_counter()
        activities, _findings = queries.activities(today=today)
        read.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        engine.check_activities(activities, today, xml.codelists())
        check.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        content = xml.write_activities(activities)
        write.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        xml.schema_errors(content, "activity")  # codes are checked on the data, in the ruleset
        validate.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_loop(activities)
        floor.append(time.perf_counter() - t0)

    def line(name, xs):
        print(f"{name}_median_s: {statistics.median(xs):.4f}")
        print(f"{name}_spread_s: {min(xs):.4f}-{max(xs):.4f}")

    line("export", export)
    line("floor_lxml_loop", floor)
    line("part_read", read)
    line("part_ruleset", check)
    line("part_write", write)
    line("part_validate", validate)
    print(f"write_over_floor: {statistics.median(write) / statistics.median(floor):.2f}")
    print(f"runs: {args.runs}")
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"headline: {statistics.median(export) / statistics.median(floor):.2f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
