"""Outcome-by-outcome comparison of two programmes (pure; no Django).

Each outcome is coded to an ESCO skill. Two outcomes *match* when they name the same skill. They
*partly match* when ESCO's skill hierarchy relates their skills closely: one is the other's broader
concept (up to two steps), or both sit directly under the same broader concept (a skill or a skill
group). Looser relations — two skills that only share a top-level group such as "communication,
collaboration and creativity" — would make nearly everything partly match, so they are not used.
An outcome without a skill cannot be compared and is listed as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MATCH, PARTIAL, ONLY_FIRST, ONLY_SECOND, UNCODED = "match", "partial", "only_first", "only_second", "uncoded"
ANCESTOR_DEPTH = 2


@dataclass(frozen=True)
class Outcome:
    id: int
    text: str
    skill: str | None  # ESCO identifier (URI tail)
    level: str  # the level it is taught at, as shown (module level, else the programme's)
    eqf: float | None  # that level's EQF rank through the referencing tables, when there is one


@dataclass(frozen=True)
class Row:
    status: str
    first: Outcome | None
    second: Outcome | None
    via: str | None = None  # the broader concept that relates a partial match


@dataclass
class Hierarchy:
    """ESCO's broader relations: concept → its direct broader concepts; labels of skill groups."""

    broader: Mapping[str, frozenset[str]]
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Hierarchy:
        broader: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        for line in lines:
            kind, _sep, rest = line.rstrip("\n").partition("\t")
            first, _sep, second = rest.partition("\t")
            if kind == "B":
                broader.setdefault(first, set()).add(second)
            elif kind == "G":
                labels[first] = second
        return cls({k: frozenset(v) for k, v in broader.items()}, labels)

    def ancestors(self, concept: str, depth: int = ANCESTOR_DEPTH) -> set[str]:
        found: set[str] = set()
        frontier = {concept}
        for _ in range(depth):
            frontier = set().union(*(self.broader.get(c, frozenset()) for c in frontier)) - found
            found |= frontier
        return found

    def relation(self, a: str, b: str) -> str | None:
        """The concept that relates ``a`` and ``b`` closely, or None (see the module docstring)."""
        if a == b:
            return a
        if b in self.ancestors(a):
            return b
        if a in self.ancestors(b):
            return a
        shared = self.broader.get(a, frozenset()) & self.broader.get(b, frozenset())
        return min(shared) if shared else None


def compare(first: list[Outcome], second: list[Outcome], hierarchy: Hierarchy) -> list[Row]:
    """One row per outcome of ``first`` (its match, partial match or absence in ``second``), then one per
    outcome of ``second`` that nothing in ``first`` matched or partly matched, then the uncoded ones."""
    rows: list[Row] = []
    by_skill: dict[str, Outcome] = {}
    for outcome in second:
        if outcome.skill:
            by_skill.setdefault(outcome.skill, outcome)
    related_second: set[int] = set()
    for outcome in first:
        if not outcome.skill:
            continue
        twin = by_skill.get(outcome.skill)
        if twin is not None:
            rows.append(Row(MATCH, outcome, twin))
            related_second.add(twin.id)
            continue
        partial = next(((other, via) for other in second if other.skill
                        for via in [hierarchy.relation(outcome.skill, other.skill)] if via), None)
        if partial is not None:
            rows.append(Row(PARTIAL, outcome, partial[0], partial[1]))
            related_second.add(partial[0].id)
        else:
            rows.append(Row(ONLY_FIRST, outcome, None))
    first_skills = {o.skill for o in first if o.skill}
    for outcome in second:
        if not outcome.skill or outcome.id in related_second:
            continue
        if outcome.skill in first_skills:
            continue
        partner = next(((other, via) for other in first if other.skill
                        for via in [hierarchy.relation(other.skill, outcome.skill)] if via), None)
        if partner is not None:
            rows.append(Row(PARTIAL, partner[0], outcome, partner[1]))
        else:
            rows.append(Row(ONLY_SECOND, None, outcome))
    rows += [Row(UNCODED, o, None) for o in first if not o.skill]
    rows += [Row(UNCODED, None, o) for o in second if not o.skill]
    return rows


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {status: 0 for status in (MATCH, PARTIAL, ONLY_FIRST, ONLY_SECOND, UNCODED)}
    for row in rows:
        counts[row.status] += 1
    return counts
