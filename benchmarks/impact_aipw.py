"""Benchmark: doubly robust AIPW with its standard error, against the fair peer of issue #18.

The peer does exactly our work with kept libraries: statsmodels' ``Logit`` (Newton) for the
propensity score and ``OLS`` in each arm for the outcome models, then the AIPW estimate and its
influence-function standard error -- including the terms for the estimated nuisance parameters --
written plainly in NumPy. BLAS runs on one thread on both sides. Both get the same seeded records
(~10 covariates, propensity scores inside [0.05, 0.95]); the run stops unless the two estimates and
standard errors agree to 1e-6 (relative).

Headline: our CPU time / the peer's CPU time (medians of the runs); wall times are printed beside
them. Also printed, as context: statsmodels' own ``TreatmentEffect.aipw`` point estimate (no
standard error) on the same data.

    python benchmarks/impact_aipw.py --scale small|national
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tvetbridge.outcomes.engine.impact import estimate  # noqa: E402

SCALES = {"small": (50_000, 7), "national": (500_000, 5)}  # records per arm, timed runs
K = 10


def make_data(n_per_arm: int, seed: int = 20240601):
    rng = np.random.default_rng(seed)
    n = 2 * n_per_arm
    X = np.empty((n, K))
    X[:, :6] = rng.normal(size=(n, 6))
    X[:, 6:] = rng.random((n, 4)) < np.array([0.3, 0.5, 0.2, 0.6])
    X[:, 0] = 30 + 8 * X[:, 0]          # age-like
    X[:, 1] = 11 + 2.5 * X[:, 1]        # schooling-like
    a = np.array([0.02, 0.1, 0.3, -0.2, 0.15, 0.0, 0.3, -0.25, 0.2, 0.1])
    idx = (X - X.mean(axis=0)) @ a
    idx = np.clip(idx, -2.5, 2.5)  # keeps p in [0.076, 0.924]
    # exactly n_per_arm treated: rank by latent index plus logistic noise
    latent = idx + rng.logistic(size=n)
    d = np.zeros(n)
    d[np.argsort(latent)[n_per_arm:]] = 1.0
    b = np.array([120.0, 400.0, 300.0, -200.0, 100.0, 50.0, -500.0, 250.0, 150.0, 80.0])
    tau = 1500.0 + 300.0 * (X[:, 6] - 0.3)
    y = 20_000 + (X - X.mean(axis=0)) @ b + d * tau + rng.normal(scale=3000.0, size=n)
    return y, d, X


def ours(y, d, X):
    return estimate(y, d, X, method="aipw", estimand="ATE", diagnostics=False)


def statsmodels_aipw(y, d, X, with_se: bool):
    import statsmodels.api as sm
    from statsmodels.treatment.treatment_effects import TreatmentEffect

    Xc = sm.add_constant(X, prepend=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = sm.Logit(d, Xc).fit(disp=0)
        te = TreatmentEffect(sm.OLS(y, Xc), d, results_select=sel)
        if not with_se:
            return float(te.aipw(return_results=False)[0]), float("nan")
        res = te.aipw()
    return float(res.effect[0]), float(res.sd[0])


def peer_aipw(y, d, X):
    """The same estimate and standard error from statsmodels' fits and plain NumPy."""
    import statsmodels.api as sm

    Xc = sm.add_constant(X, prepend=True)
    n = y.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gamma = sm.Logit(d, Xc).fit(disp=0).params
    t, c = d == 1, d == 0
    b1 = sm.OLS(y[t], Xc[t]).fit().params
    b0 = sm.OLS(y[c], Xc[c]).fit().params
    p = 1.0 / (1.0 + np.exp(-(Xc @ gamma)))
    mu1, mu0 = Xc @ b1, Xc @ b0
    e1, e0 = y - mu1, y - mu0
    psi = mu1 - mu0 + d * e1 / p - (1.0 - d) * e0 / (1.0 - p)
    tau = psi.mean()
    # influence of the estimated nuisances: gradient of the mean moment times each fit's influence
    g1 = Xc.T @ (1.0 - d / p) / n
    g0 = -(Xc.T @ (1.0 - (1.0 - d) / (1.0 - p))) / n
    gg = Xc.T @ (-d * e1 * (1.0 - p) / p - (1.0 - d) * e0 * p / (1.0 - p)) / n
    A1 = (Xc * d[:, None]).T @ Xc / n
    A0 = (Xc * (1.0 - d)[:, None]).T @ Xc / n
    info = (Xc * (p * (1.0 - p))[:, None]).T @ Xc / n
    infl = psi - tau
    infl += (Xc @ np.linalg.solve(A1, g1)) * d * e1
    infl += (Xc @ np.linalg.solve(A0, g0)) * (1.0 - d) * e0
    infl += (Xc @ np.linalg.solve(info, gg)) * (d - p)
    return float(tau), float(np.sqrt(infl @ infl) / n)


def timed(fn, runs):
    """Median CPU and wall seconds of ``runs`` calls, and the last result."""
    cpu, wall, out = [], [], None
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall, out


def spread(xs):
    return f"{statistics.median(xs):.4f} (min {min(xs):.4f}, max {max(xs):.4f})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per estimator (median reported)")
    args = ap.parse_args(argv)
    n_arm, runs = SCALES[args.scale]
    runs = args.runs or runs
    y, d, X = make_data(n_arm)
    print(f"scale: {args.scale}")
    print(f"records: {y.size}")
    print(f"covariates: {X.shape[1]}")

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        ours(y[:2000], d[:2000], X[:2000])  # warm imports
        peer_aipw(y[:2000], d[:2000], X[:2000])
        c_ours, w_ours, r = timed(lambda: ours(y, d, X), runs)
        c_peer, w_peer, (p_est, p_se) = timed(lambda: peer_aipw(y, d, X), runs)
        tracemalloc.start()
        ours(y, d, X)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        peer_aipw(y, d, X)
        _, peak_peer = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        c_sm, _, (sm_est, _) = timed(lambda: statsmodels_aipw(y, d, X, False), max(1, runs // 2))
    rel_est = abs(r.estimate - p_est) / abs(p_est)
    rel_se = abs(r.std_error - p_se) / p_se
    print("blas_threads: 1 (both sides)")
    print(f"runs: {runs}")
    print(f"aipw_cpu_seconds: {spread(c_ours)}")
    print(f"aipw_wall_seconds: {spread(w_ours)}")
    print(f"peer_cpu_seconds: {spread(c_peer)}")
    print(f"peer_wall_seconds: {spread(w_peer)}")
    print(f"aipw_estimate: {r.estimate:.6f}  peer: {p_est:.6f}  relative_difference: {rel_est:.2e}")
    print(f"aipw_std_error: {r.std_error:.6f}  peer: {p_se:.6f}  relative_difference: {rel_se:.2e}")
    print(f"aipw_peak_traced_memory_mib: {peak / 2**20:.1f}")
    print(f"peer_peak_traced_memory_mib: {peak_peer / 2**20:.1f}")
    print(f"input_memory_mib: {(y.nbytes + d.nbytes + X.nbytes) / 2**20:.1f}")
    print(f"context_statsmodels_treatmenteffect_point_cpu_seconds: {spread(c_sm)}")
    print(f"context_statsmodels_treatmenteffect_estimate: {sm_est:.6f}")
    print(f"peak_memory_mib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    if rel_est > 1e-6 or rel_se > 1e-6:
        print("error: the peer does not compute the same estimate and standard error", file=sys.stderr)
        return 1
    ratios = [a / b for a, b in zip(c_ours, c_peer, strict=True)]
    print(f"cpu_ratio_per_run: min {min(ratios):.4f}, max {max(ratios):.4f}")
    print(f"headline: {statistics.median(c_ours) / statistics.median(c_peer):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
