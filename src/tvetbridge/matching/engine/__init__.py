"""Matching engines: exact top-k candidates, candidate lists, capacity allocation, gap analysis,
proposal scoring.

Pure NumPy/SciPy (+ sparse_dot_topn, OR-Tools, HiGHS); no Django (import-linter keeps it so).
Callers pass arrays and CSR matrices in and get arrays and small typed results out. The public
names are re-exported here, so callers import the package; the modules are:

- ``topk``: exact top-k cosine products both ways, ties broken by index;
- ``candidates``: the trainee ↔ vacancy score and its lists (groups, biases, merging);
- ``alloc``: demand cells → programmes by min-cost flow, and its LP bound;
- ``gap``: demand against the supply pipeline, and proposal scoring.
"""

from .alloc import AllocationResult, CostWeights, allocate, allocation_cost, allocation_lp, haversine_km
from .gap import GapTable, Proposal, ProposalWeights, ScoreComponent, gap_analysis, score_proposals
from .topk import TopK, candidates_both_ways, compat_features, prepare, topk_cosine, topk_prepared

__all__ = [
    "AllocationResult",
    "CostWeights",
    "GapTable",
    "Proposal",
    "ProposalWeights",
    "ScoreComponent",
    "TopK",
    "allocate",
    "allocation_cost",
    "allocation_lp",
    "candidates_both_ways",
    "compat_features",
    "gap_analysis",
    "haversine_km",
    "prepare",
    "score_proposals",
    "topk_cosine",
    "topk_prepared",
]
