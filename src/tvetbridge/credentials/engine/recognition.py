"""Proposals for recognition and credit transfer, from referencing tables and learning outcomes.

Referencing: the links between framework levels form a graph. A link carries a weight — official and
equivalent 1.0, proposed 0.8, partly comparable × 0.6 — and a level corresponds to a level of another
framework through the path of greatest product of weights (at most ``max_hops`` links; most often
national → EQF → national). The weakest kind of link on the path decides what it can support.

Credit transfer: for two programmes' modules, the share of a receiving module's learning outcomes
(ESCO skills) that a passed module covers, computed for all pairs at once as a matrix product, plus
the level and workload comparison; a module is proposed for transfer when coverage reaches the
threshold and the sending module's level is not below the receiving one's.

Recognition: full when an official equivalent path exists and the outcomes are covered (or an approved
agreement covers the programme); partial, with named compensation measures, when the path is only
proposed or partial, or outcomes are missing; refused when no referencing path exists.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OFFICIAL_WEIGHT, PROPOSED_WEIGHT, PARTIAL_FACTOR = 1.0, 0.8, 0.6


@dataclass(frozen=True)
class Link:
    source: str  # level key "framework:code"
    target: str
    relation: str  # "equivalent" | "partial"
    status: str  # "official" | "proposed"
    link_id: int | None = None

    @property
    def weight(self) -> float:
        base = OFFICIAL_WEIGHT if self.status == "official" else PROPOSED_WEIGHT
        return base * (PARTIAL_FACTOR if self.relation == "partial" else 1.0)


@dataclass
class Correspondence:
    target: str
    confidence: float
    path: list[Link]

    @property
    def official(self) -> bool:
        return all(link.status == "official" for link in self.path)

    @property
    def equivalent(self) -> bool:
        return all(link.relation == "equivalent" for link in self.path)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "confidence": round(self.confidence, 3), "official": self.official,
                "equivalent": self.equivalent,
                "path": [{"source": ln.source, "target": ln.target, "relation": ln.relation, "status": ln.status,
                          "link": ln.link_id} for ln in self.path]}


def framework_of(level_key: str) -> str:
    return level_key.split(":", 1)[0]


def correspondences(start: str, links: Iterable[Link], target_framework: str, *,
                    max_hops: int = 3) -> list[Correspondence]:
    """Levels of ``target_framework`` reachable from ``start``, best first (greatest confidence, then
    fewest links). Links are read both ways."""
    adjacency: dict[str, list[tuple[str, Link]]] = {}
    for link in links:
        adjacency.setdefault(link.source, []).append((link.target, link))
        adjacency.setdefault(link.target, []).append((link.source, link))
    if framework_of(start) == target_framework:
        return [Correspondence(start, 1.0, [])]
    best: dict[str, Correspondence] = {}
    # Dijkstra on -log(weight): the path of greatest product of weights.
    heap: list[tuple[float, int, int, str, list[Link]]] = [(0.0, 0, 0, start, [])]
    counter = 0
    settled: set[tuple[str, int]] = set()
    while heap:
        cost, hops, _n, node, path = heapq.heappop(heap)
        if (node, hops) in settled:
            continue
        settled.add((node, hops))
        if framework_of(node) == target_framework and node != start:
            if node not in best:
                best[node] = Correspondence(node, math.exp(-cost), path)
            continue  # do not walk through the target framework's own levels
        if hops >= max_hops:
            continue
        for neighbour, link in adjacency.get(node, []):
            if neighbour == start or any(neighbour in (p.source, p.target) for p in path):
                continue
            counter += 1
            heapq.heappush(heap, (cost - math.log(link.weight), hops + 1, counter, neighbour, [*path, link]))
    return sorted(best.values(), key=lambda c: (-c.confidence, len(c.path), c.target))


# --- credit transfer ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Module:
    id: int
    code: str
    credits: float
    hours: int
    skills: frozenset[str]
    eqf_rank: float | None = None  # the module's level through the EQF, when known


@dataclass
class TransferProposal:
    source: int
    target: int
    credits: float
    coverage: float
    evidence: dict[str, Any] = field(default_factory=dict)


def coverage_matrix(sources: Sequence[Module], targets: Sequence[Module]) -> np.ndarray:
    """coverage[i, j]: share of target j's skills that source i teaches (0 when j has none)."""
    vocabulary = sorted(set().union(*(m.skills for m in sources), *(m.skills for m in targets)))
    index = {s: k for k, s in enumerate(vocabulary)}
    a = np.zeros((len(sources), len(vocabulary)), dtype=np.float64)
    b = np.zeros((len(targets), len(vocabulary)), dtype=np.float64)
    for i, m in enumerate(sources):
        a[i, [index[s] for s in m.skills]] = 1.0
    for j, m in enumerate(targets):
        b[j, [index[s] for s in m.skills]] = 1.0
    sizes = b.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(sizes > 0, (a @ b.T) / sizes, 0.0)
    return out


def propose_transfer(sources: Sequence[Module], targets: Sequence[Module], *, threshold: float = 0.6,
                     min_hours_ratio: float = 0.5) -> list[TransferProposal]:
    """For each receiving module, the passed module that covers most of its outcomes, when the cover
    reaches ``threshold``, the level is not lower and the workload is at least ``min_hours_ratio``."""
    if not sources or not targets:
        return []
    cov = coverage_matrix(sources, targets)
    proposals = []
    for j, target in enumerate(targets):
        order = np.argsort(-cov[:, j], kind="stable")
        for i in order:
            source = sources[int(i)]
            c = float(cov[i, j])
            if c < threshold:
                break
            level_ok = source.eqf_rank is None or target.eqf_rank is None or source.eqf_rank >= target.eqf_rank
            hours_ratio = source.hours / target.hours if target.hours else 1.0
            if not level_ok or hours_ratio < min_hours_ratio:
                continue
            proposals.append(TransferProposal(source=source.id, target=target.id, credits=target.credits, coverage=c,
                                              evidence={"matched": sorted(source.skills & target.skills),
                                                        "missing": sorted(target.skills - source.skills),
                                                        "source_level": source.eqf_rank,
                                                        "target_level": target.eqf_rank,
                                                        "hours_ratio": round(hours_ratio, 2)}))
            break
    return proposals


# --- recognition ----------------------------------------------------------------------------------

@dataclass
class RecognitionProposal:
    outcome: str  # full | partial | refused
    level: str | None
    confidence: float
    reasons: list[dict[str, Any]]
    compensation: list[dict[str, Any]]
    correspondence: Correspondence | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "level": self.level, "confidence": round(self.confidence, 3),
                "reasons": self.reasons, "compensation": self.compensation,
                "correspondence": self.correspondence.as_dict() if self.correspondence else None}


def propose_recognition(source_level: str, target_framework: str, links: Iterable[Link], *,
                        credential_skills: frozenset[str] = frozenset(),
                        required_skills: frozenset[str] = frozenset(),
                        agreement_credits: float | None = None, programme_credits: float | None = None,
                        outcome_threshold: float = 0.8) -> RecognitionProposal:
    found = correspondences(source_level, list(links), target_framework)
    if not found:
        return RecognitionProposal("refused", None, 0.0, [{"code": "no_referencing",
                                                          "params": {"level": source_level,
                                                                     "framework": target_framework}}], [])
    best = found[0]
    reasons: list[dict[str, Any]] = []
    compensation: list[dict[str, Any]] = []
    path_params = {"level": source_level, "target": best.target, "links": len(best.path),
                   "confidence": round(best.confidence, 2)}
    if best.official and best.equivalent:
        reasons.append({"code": "official_equivalent", "params": path_params})
    elif best.equivalent:
        reasons.append({"code": "proposed_equivalent", "params": path_params})
        compensation.append({"code": "assessment", "params": {"level": best.target}})
    else:
        reasons.append({"code": "partial_correspondence", "params": path_params})
        compensation.append({"code": "bridging", "params": {"level": best.target}})
    if required_skills:
        covered = len(credential_skills & required_skills) / len(required_skills)
        missing = sorted(required_skills - credential_skills)
        reasons.append({"code": "outcome_coverage", "params": {"share": round(covered, 2),
                                                               "missing": len(missing)}})
        if covered < outcome_threshold:
            compensation.append({"code": "missing_outcomes", "params": {"skills": missing[:20],
                                                                        "count": len(missing)}})
    if agreement_credits is not None:
        reasons.append({"code": "agreement", "params": {"credits": agreement_credits,
                                                        "programme_credits": programme_credits}})
    full = not compensation
    # An approved credit-transfer agreement is an official basis in its own right for the modules it names.
    if agreement_credits and not full and all(c["code"] in ("assessment", "missing_outcomes") for c in compensation):
        compensation = [c for c in compensation if c["code"] != "assessment"]
        full = not compensation
    outcome = "full" if full else "partial"
    return RecognitionProposal(outcome, best.target, best.confidence, reasons, compensation, best)
