"""Random numbers of the Monte Carlo engine: the block plan, the seeded streams and what each block draws.

Paths are generated in fixed *blocks* of scenarios, each with its own ``SeedSequence`` child, and a
chunk is a batch of whole blocks; so results are bit-for-bit identical for any chunk size. The
benchmark's floor (``benchmarks/fund_montecarlo.py``) draws exactly these numbers and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .instruments import CohortAssumptions

BLOCK_PATHS = 65_536
# (first scenario, number of scenarios) of each block in a chunk, and their seed sequences
Blocks = tuple[tuple[int, int], ...]
Seeds = list[np.random.SeedSequence]


@dataclass(frozen=True)
class Plan:
    n_scenarios: int
    cohort_size: int
    block_scenarios: int
    blocks: tuple[tuple[int, int], ...]   # (first scenario, number of scenarios)
    blocks_per_chunk: int


def plan_blocks(cohort_size: int, n_paths: int, chunk_size: int) -> Plan:
    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < cohort_size:
        raise ValueError(f"n_paths: must be an integer ≥ cohort_size ({cohort_size}), got {n_paths!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise ValueError(f"chunk_size: must be a positive integer, got {chunk_size!r}")
    ns = math.ceil(n_paths / cohort_size)
    bs = max(1, BLOCK_PATHS // cohort_size)
    blocks = tuple((s, min(bs, ns - s)) for s in range(0, ns, bs))
    return Plan(ns, cohort_size, bs, blocks, max(1, chunk_size // (bs * cohort_size)))


STATIC = {  # name: (per scenario-month, generator method, dtype), in the order they are drawn
    "z_wage": (True, "standard_normal", np.float64),
    "z_fx": (True, "standard_normal", np.float64),
    "u_disruption": (True, "random", np.float64),
    # float32 suffices for event times (2^-24 resolution of a monthly hazard) and is half the work
    "u_dropout": (False, "random", np.float32),
    "u_employment": (False, "random", np.float32),
    "u_default": (False, "random", np.float32),
    "u_hire": (False, "random", np.float32),
    "z_gain": (False, "standard_normal", np.float32),
}


def static_draws(rng: np.random.Generator, ns: int, cs: int, months: int,
                 out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """A block's draws made once per path, into ``out`` (arrays of the right shapes) if given."""
    # Fixed order and always all of them: common random numbers survive any change of terms.
    if out is None:
        out = {k: np.empty((ns, months) if per_month else ns * cs, dtype=dt)
               for k, (per_month, _, dt) in STATIC.items()}
    for k, (_, method, dt) in STATIC.items():
        getattr(rng, method)(dtype=dt, out=out[k])
    return out


def chunk_draws(rngs: list[np.random.Generator], blocks: Blocks, cs: int, months: int) -> dict[str, np.ndarray]:
    """Every block's ``static_draws`` written straight into chunk-sized arrays (no concatenation)."""
    ns = sum(nsb for _, nsb in blocks)
    out = {k: np.empty((ns, months) if per_month else ns * cs, dtype=dt)
           for k, (per_month, _, dt) in STATIC.items()}
    first = 0
    for rng, (_, nsb) in zip(rngs, blocks, strict=True):
        rows = slice(first, first + nsb)
        static_draws(rng, nsb, cs, months, {k: v[rows] if STATIC[k][0] else v[first * cs:(first + nsb) * cs]
                                             for k, v in out.items()})
        first += nsb
    return out


def gain_level_draws(seqs: Seeds, blocks: Blocks) -> np.ndarray:
    """One standard normal per scenario for its average gain (estimation uncertainty).

    Drawn from a stream derived from, but independent of, each block's own: turning the uncertainty
    on or off leaves every other random number as it was (common random numbers across designs)."""
    out = []
    for seq, (_, nsb) in zip(seqs, blocks, strict=True):
        side = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0), pool_size=seq.pool_size)
        out.append(np.random.default_rng(side).standard_normal(nsb))
    return np.concatenate(out)


def gain_level_shift(c: CohortAssumptions, z: np.ndarray) -> np.ndarray:
    """Per-scenario log shift of the gain: lognormal with mean 1 and s.d. gain_uncertainty/expected_gain."""
    s2 = math.log1p((c.gain_uncertainty / c.expected_gain) ** 2)
    return (math.sqrt(s2) * z - 0.5 * s2).astype(np.float32)


def chunks(plan: Plan, seed: int | None) -> Iterator[tuple[Blocks, Seeds]]:
    children = np.random.SeedSequence(seed).spawn(len(plan.blocks))
    step = plan.blocks_per_chunk
    for i in range(0, len(plan.blocks), step):
        yield plan.blocks[i:i + step], children[i:i + step]
