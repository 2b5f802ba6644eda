"""One vacancy's incremental candidate update against the full rebuild, in the same run.

Uses the database of ``TVETBRIDGE_DATABASE_URL``; ``--generate`` first (re)creates the scale's synthetic
trainees and vacancies (as ``matching_candidates.py``). Prints ``name: value`` lines:

- ``full_rebuild_s_median``: ``services.rebuild_candidates()`` end to end (read, top-k both ways, the
  state file, every list written in one transaction), median of ``--runs``;
- ``incremental_s_median``: ``services.update_candidates(vacancy_ids=[v])`` end to end for one vacancy
  — lock and read the state file, read the vacancy, update the lists, write the new state file and
  the changed lists — median (and spread) over ``--updates`` changes cycling through: a new vacancy,
  an existing vacancy's skills changed, a vacancy closed;
- ``incremental_over_full`` (goal ≤ 0.001): the two medians' ratio;
- ``identical_to_full_rebuild``: after all the updates, every stored list (ids and scores) compared
  with what a full computation on the same data gives;
- ``peak_memory_gib``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from tvetbridge.demand.models import SkillDemand  # noqa: E402
from tvetbridge.matching import services  # noqa: E402
from tvetbridge.matching.engine import candidates  # noqa: E402
from tvetbridge.matching.io import candidates as candidate_io  # noqa: E402
from tvetbridge.matching.models import CandidateList  # noqa: E402

SCALES = {"small": (10_000, 2_000), "medium": (100_000, 20_000), "national": (1_000_000, 200_000)}
PREFIX = "bench-inc-"


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def full_lists() -> dict:
    inputs = candidate_io.load_inputs()
    by_t, by_v = candidates.compute(inputs, candidates.K)
    rows = list(candidate_io._json_rows("vacancy", inputs.vacancy_pk, inputs.trainee_pk, by_v))
    rows += list(candidate_io._json_rows("trainee", inputs.trainee_pk, inputs.vacancy_pk, by_t))
    return {(kind, s): (json.loads(ids), json.loads(sc)) for kind, s, ids, sc in rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--updates", type=int, default=9)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from django.db import connection

    print(f"scale: {args.scale}")
    print(f"database: {connection.vendor}")
    if args.generate:
        from tvetbridge.demo import matching_generator

        n_t, n_v = SCALES[args.scale]
        made = matching_generator.generate(trainees=n_t, vacancies=n_v, seed=args.seed)
        print(f"generated: {made}")
    SkillDemand.objects.filter(external_key__startswith=PREFIX).delete()
    full = []
    for run in range(args.runs):
        report = services.rebuild_candidates()
        full.append(report.total)
        print(f"full_run_{run + 1}: {report.total:.2f} s ({', '.join(f'{n} {s:.2f}' for n, s in report.seconds.items())})")
    print(f"trainees_consenting: {report.trainees}")
    print(f"vacancies_open: {report.vacancies}")

    rng = np.random.default_rng(args.seed)
    open_v = SkillDemand.objects.filter(kind="vacancy", status="open", external_key__startswith="syn-mv-")
    pool = list(open_v.order_by("pk").values_list("pk", flat=True)[:2000])
    template = SkillDemand.objects.get(pk=pool[0])
    skill_ids = list(SkillDemand.required_skills.through.objects.filter(skilldemand_id__in=pool[:500])
                     .values_list("skill_id", flat=True).distinct())
    inc, kinds = [], []
    for u in range(args.updates):
        kind = ("new", "skills", "close")[u % 3]
        if kind == "new":
            src = SkillDemand.objects.get(pk=int(rng.choice(pool)))
            v = SkillDemand.objects.create(
                external_key=f"{PREFIX}{u}", enterprise_id=template.enterprise_id, kind="vacancy", title=f"bench {u}",
                country_id=src.country_id, region_id=src.region_id, occupation_id=src.occupation_id, count=1,
                languages=src.languages, deadline=timezone.localdate() + dt.timedelta(days=60))
            v.required_skills.set(list(src.required_skills.values_list("pk", flat=True)))
        elif kind == "skills":
            v = SkillDemand.objects.get(pk=int(rng.choice(pool)))
            v.required_skills.set([int(s) for s in rng.choice(skill_ids, 6, replace=False)])
        else:
            v = SkillDemand.objects.get(pk=int(rng.choice(pool)))
            SkillDemand.objects.filter(pk=v.pk).update(status="closed")
        t0 = time.perf_counter()
        r = services.update_candidates(vacancy_ids=[v.pk])
        inc.append(time.perf_counter() - t0)
        kinds.append(kind)
        assert not r.full_rebuild
        print(f"update_{u + 1} ({kind}): {inc[-1] * 1000:.1f} ms "
              f"({', '.join(f'{n} {s * 1000:.1f}' for n, s in r.seconds.items())}; lists {r.lists}, "
              f"refilled {r.recomputed_rows})")
    want = full_lists()
    got = {(kind, s): (ids, sc) for kind, s, ids, sc in
           CandidateList.objects.values_list("kind", "subject_id", "candidate_ids", "scores")}
    same = sum(got.get(key) == val for key, val in want.items())
    print(f"identical_to_full_rebuild: {same}/{len(want)} lists (stored {len(got)})")
    med_full, med_inc = statistics.median(full), statistics.median(inc)
    print(f"full_rebuild_s_median: {med_full:.2f} (min {min(full):.2f}, max {max(full):.2f})")
    print(f"incremental_s_median: {med_inc * 1000:.1f} ms (min {min(inc) * 1000:.1f}, max {max(inc) * 1000:.1f}, "
          f"{len(inc)} updates)")
    print(f"incremental_over_full: {med_inc / med_full:.5f}")
    print(f"peak_memory_gib: {peak_gib():.2f}")
    # leave the data as generated: the benchmark's vacancies go, closed ones reopen, lists rebuilt
    SkillDemand.objects.filter(external_key__startswith=PREFIX).delete()
    SkillDemand.objects.filter(pk__in=pool, status="closed").update(status="open")
    print(f"headline: {med_inc / med_full:.5f}")


if __name__ == "__main__":
    main()
