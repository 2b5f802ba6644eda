"""Benchmark: Monte Carlo fund engine vs the time NumPy needs just to draw the same random numbers.

    python benchmarks/fund_montecarlo.py --scale small|national

Each measurement runs in a fresh child process so its peak RSS (getrusage maxrss) belongs to that run
alone; the floor (``rng_floor``: same generator, same blocks, same chunking, same draws) is timed in the
same child, right before the engine. The half-size run shows that memory does not grow with paths.

The headline is engine / floor in CPU time of the process (``time.process_time``), the figure that a
shared machine disturbs least; wall-clock ratios are printed beside it. ``numbers_drawn`` counts the
random numbers both sides draw, so ``floor_ns_per_number`` is the generator's measured rate (the
physical floor of issue #18 part 5).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

SCALES = {"small": 200_000, "national": 10_000_000}
MONTHS = 60


def design():
    from tvetbridge.finance.engine import (
        CohortAssumptions,
        ConcessionalLoan,
        FundDesign,
        IncomeFloor,
        OrderCommitment,
        ProfitShare,
        SkillOption,
        Sponsors,
    )
    return FundDesign(
        # gain_uncertainty: the average gain carries an impact estimate's standard error, as when the
        # designer starts from a project with one (one extra draw per scenario, counted in the floor too).
        cohort=CohortAssumptions(cohort_size=500, horizon_months=MONTHS, gain_uncertainty=6_000),
        sponsors=Sponsors(initial_capital=200_000, grant=100_000, trainee_fee=20_000,
                          loan=ConcessionalLoan(principal=500_000)),
        floor=IncomeFloor(refund_amount=100_000, refund_after_months=6, floor_income=200_000, topup_months=12),
        share=ProfitShare(rate=0.10, threshold=20_000, months=36, cap_multiple=2.0),
        order=OrderCommitment(price_per_hire=3_000, hire_probability=0.5, upfront_share=0.2, committed_hires=100),
        option=SkillOption(strike=800, maturity_month=24, notional=500, premium=100_000),
    )


def rng_floor(design, n_paths: int, *, seed: int | None = 0,
              chunk_size: int = 262_144) -> float:
    """Draw exactly the random numbers ``simulate_fund`` draws, and nothing else: the machine's floor
    for this simulation (it lives here, not in the engine, as only the benchmark uses it)."""
    # Imported here like the engine in ``child``: only the measuring child process loads NumPy.
    import numpy as np

    from tvetbridge.finance.engine.draws import chunks, gain_level_draws, plan_blocks, static_draws

    c = design.cohort
    plan = plan_blocks(c.cohort_size, n_paths, chunk_size)
    H, cs = c.horizon_months, c.cohort_size
    acc = 0.0
    for blocks, seqs in chunks(plan, seed):
        rngs = [np.random.default_rng(s) for s in seqs]
        sizes = [nsb * cs for _, nsb in blocks]
        z = np.empty(sum(sizes), dtype=np.float32)
        for rng, (_, nsb) in zip(rngs, blocks, strict=True):
            acc += float(static_draws(rng, nsb, cs, H)["z_gain"][0])
        if c.gain_uncertainty > 0:
            acc += float(gain_level_draws(seqs, blocks)[0])
        if c.income_volatility > 0:
            offs = np.concatenate([[0], np.cumsum(sizes)])
            for _t in range(c.training_months + 1, H + 1):
                for b, rng in enumerate(rngs):
                    rng.standard_normal(dtype=np.float32, out=z[offs[b]:offs[b + 1]])
            acc += float(z[0])
    return acc


def child(paths: int, chunk: int) -> None:
    from tvetbridge.finance.engine import simulate_fund
    d = design()
    simulate_fund(d, 20_000, seed=1, chunk_size=chunk)  # warm caches and lazy imports
    t0, c0 = time.perf_counter(), time.process_time()
    rng_floor(d, paths, seed=2026, chunk_size=chunk)
    floor, floor_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    r = simulate_fund(d, paths, seed=2026, chunk_size=chunk)
    engine, engine_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": engine, "floor": floor, "engine_cpu": engine_cpu, "floor_cpu": floor_cpu,
                      "rss": rss_mib, "blas": blas_threads(), "paths": r.n_paths, "scenarios": r.n_scenarios,
                      "ruin": float(r.ruin_probability[-1]), "npv": r.fund_npv}))


def numbers_drawn(design, n_paths: int) -> int:
    """Random numbers the engine (and the floor) draw for ``n_paths``."""
    c = design.cohort
    ns = -(-n_paths // c.cohort_size)
    per_scenario = 3 * c.horizon_months + 5 * c.cohort_size + (1 if c.gain_uncertainty > 0 else 0)
    monthly = (c.horizon_months - c.training_months) * c.cohort_size if c.income_volatility > 0 else 0
    return ns * (per_scenario + monthly)


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    return ",".join(f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info()) or "none loaded"


def run_child(paths: int, chunk: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(paths), "--chunk-size", str(chunk)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    ap.add_argument("--repeat", type=int, default=None, help="runs at full size (median reported)")
    ap.add_argument("--chunk-size", type=int, default=262_144)
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        child(a.child, a.chunk_size)
        return
    paths = SCALES[a.scale]
    repeat = a.repeat or (5 if a.scale == "small" else 1)
    runs = [run_child(paths, a.chunk_size) for _ in range(repeat)]
    half = run_child(paths // 2, a.chunk_size)
    ratios = [r["engine_cpu"] / r["floor_cpu"] for r in runs]
    wall_ratios = [r["engine"] / r["floor"] for r in runs]
    med = statistics.median
    drawn = numbers_drawn(design(), paths)
    print(f"paths: {runs[0]['paths']}")
    print(f"scenarios: {runs[0]['scenarios']}")
    print(f"months: {MONTHS}")
    print(f"runs: {repeat}")
    print(f"blas_threads: {runs[0]['blas']} (the engine makes no BLAS call in its loop)")
    print(f"engine_cpu_seconds: {med(r['engine_cpu'] for r in runs):.3f}")
    print(f"rng_floor_cpu_seconds: {med(r['floor_cpu'] for r in runs):.3f}")
    print(f"engine_wall_seconds: {med(r['engine'] for r in runs):.3f}")
    print(f"rng_floor_wall_seconds: {med(r['floor'] for r in runs):.3f}")
    print(f"numbers_drawn: {drawn}")
    print(f"floor_ns_per_number: {1e9 * med(r['floor_cpu'] for r in runs) / drawn:.2f}")
    print(f"ratio_cpu: {med(ratios):.3f}")
    print(f"ratio_cpu_min: {min(ratios):.3f}")
    print(f"ratio_cpu_max: {max(ratios):.3f}")
    print(f"ratio_wall: {med(wall_ratios):.3f}")
    print(f"ratio_wall_min: {min(wall_ratios):.3f}")
    print(f"ratio_wall_max: {max(wall_ratios):.3f}")
    print(f"paths_per_cpu_second: {runs[0]['paths'] / med(r['engine_cpu'] for r in runs):.0f}")
    print(f"peak_memory_mib: {max(r['rss'] for r in runs):.1f}")
    print(f"peak_memory_half_paths_mib: {half['rss']:.1f}")
    print(f"memory_growth_full_over_half: {max(r['rss'] for r in runs) / half['rss']:.3f}")
    print(f"ruin_probability_at_horizon: {runs[0]['ruin']:.5f}")
    print(f"headline: {med(ratios):.3f}")


if __name__ == "__main__":
    main()
