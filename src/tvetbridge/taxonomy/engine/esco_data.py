"""Read the vendored ESCO v1.1.1 package data and the curated multilingual label tables.

Pure Python + pandas; no Django. Everything is read once and cached: the files are immutable package
data (rebuilt by ``esco_build``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np
import pandas as pd
import scipy.sparse as sp

LANGUAGES = ("en", "zh", "ru", "kk")


def _data(name: str) -> Traversable:
    return resources.files("tvetbridge.taxonomy").joinpath("data", name)


def _read_gz(name: str) -> pd.DataFrame:
    with _data(name).open("rb") as fh:
        return pd.read_csv(fh, compression="gzip", dtype=str, keep_default_na=False)


def _split(cell: str) -> list[str]:
    return [x for x in cell.split("|") if x] if cell else []


@functools.cache
def occupations() -> pd.DataFrame:
    """ESCO occupations: id (URI tail), code, isco (4-digit ISCO-08 unit group), label, alt_labels, description."""
    return _read_gz("esco_occupations.csv.gz")


@functools.cache
def skills() -> pd.DataFrame:
    """ESCO skills: id, label, alt_labels, type (S skill/competence, K knowledge), reuse, description."""
    return _read_gz("esco_skills.csv.gz")


@functools.cache
def isco_groups() -> pd.DataFrame:
    """ISCO-08 groups at every level (1-4 digits) with their ESCO English labels."""
    return _read_gz("isco08_groups.csv.gz")


@functools.cache
def relations() -> pd.DataFrame:
    """Occupation → skill links; type E (essential) or O (optional)."""
    return _read_gz("esco_relations.csv.gz")


@functools.cache
def occupation_labels() -> pd.DataFrame:
    """Curated en/zh/ru/kk labels of the occupations in scope (see data/SOURCES.md)."""
    with _data("labels_occupations.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False)


@functools.cache
def skill_labels() -> pd.DataFrame:
    """Curated en/zh/ru/kk labels of the skills most used by the occupations in scope."""
    with _data("labels_skills.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False)


def multilingual_labels(table: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """``{esco_id: {lang: [labels]}}`` from a curated table (``en_extra`` counts as English)."""
    out: dict[str, dict[str, list[str]]] = {}
    for row in table.to_dict("records"):
        langs = out.setdefault(row["esco_id"], {})
        for lang in LANGUAGES:
            vals = _split(row.get(lang, ""))
            if lang == "en":
                vals += _split(row.get("en_extra", ""))
            if vals:
                langs.setdefault(lang, []).extend(vals)
    return out


@dataclass(frozen=True)
class OccupationSkillMatrix:
    """Occupations × skills, 1.0 for essential and ``optional_weight`` for optional links."""

    occupation_ids: np.ndarray
    skill_ids: np.ndarray
    matrix: sp.csr_matrix
    essential: sp.csr_matrix  # boolean mask of the essential links, same shape


@functools.cache
def occupation_skill_matrix(optional_weight: float = 0.5) -> OccupationSkillMatrix:
    occ = occupations()["id"].to_numpy()
    sk = skills()["id"].to_numpy()
    rel = relations()
    oi = pd.Index(occ).get_indexer(rel["occupation"])
    si = pd.Index(sk).get_indexer(rel["skill"])
    ess = (rel["type"] == "E").to_numpy()
    w = np.where(ess, 1.0, optional_weight)
    m = sp.csr_matrix((w, (oi, si)), shape=(len(occ), len(sk)))
    e = sp.csr_matrix((ess.astype(np.float64), (oi, si)), shape=(len(occ), len(sk)))
    e.eliminate_zeros()
    return OccupationSkillMatrix(occ, sk, m, e)
