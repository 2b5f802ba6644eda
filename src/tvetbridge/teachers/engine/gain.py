"""Language gain of "Chinese + vocational skills" trainees: the Chinese level each person held when their
training started and when it ended, on the common rank, and what that gain looks like next to the
trade outcomes.

Rules (stated in ``docs/language-scales.md``):

* **Entry** is the highest Chinese level certified on or before the enrolment's start date; none is
  "below HSK 1" (rank 0) — most such programmes take beginners.
* **Exit** is the highest Chinese level certified on or before the end of training plus
  :data:`EXIT_GRACE_DAYS`: HSK sittings are held on fixed dates, so the exit test of a course is
  often the next sitting after its last day. Levels, once certified, are held: a later lower result
  does not lower the exit. Only completed trainings have an exit.
* Levels on the older HSK (1–6) and HSK 3.0 (1–9) are compared on the common rank and reported as
  the HSK 3.0 level at or below that rank, so one table covers both tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scales import HSK3, LEVELS

EXIT_GRACE_DAYS = 92

# HSK 3.0 level number by rank threshold (level 0 = below HSK 1).
_HSK3_RANKS = np.array([rank for _code, rank in LEVELS[HSK3]])


def hsk3_level(ranks: np.ndarray) -> np.ndarray:
    """Each rank as the HSK 3.0 level at or below it (0 below level 1, 9 at C2 and above)."""
    return np.searchsorted(_HSK3_RANKS, np.asarray(ranks, dtype=float), side="right")


@dataclass(frozen=True)
class Gain:
    """Per completed trainee: HSK 3.0 level at entry and exit, and the trade outcomes."""

    enrolled: int
    entry: np.ndarray  # HSK 3.0 level at entry, completed trainees
    exit: np.ndarray
    certified: np.ndarray  # bool: trade credential from this training
    employed: np.ndarray  # bool: job in the trained occupation

    @property
    def completed(self) -> int:
        return int(self.entry.size)

    @property
    def moved_up(self) -> int:
        return int((self.exit > self.entry).sum())

    def median(self, levels: np.ndarray) -> float | None:
        return float(np.median(levels)) if levels.size else None

    def by_level(self) -> list[dict[str, int]]:
        """One row per HSK 3.0 level (0–9): people at it at entry, at exit, and of those at exit how
        many hold the trade credential and how many work in the trade."""
        rows = []
        for level in range(len(_HSK3_RANKS) + 1):
            at_exit = self.exit == level
            rows.append({"level": level, "entry": int((self.entry == level).sum()), "exit": int(at_exit.sum()),
                         "certified": int((at_exit & self.certified).sum()),
                         "employed": int((at_exit & self.employed).sum())})
        return rows


def level_at(person: np.ndarray, dated: np.ndarray, ranks: np.ndarray, people: np.ndarray,
             by: np.ndarray) -> np.ndarray:
    """For each person ``people[i]``, the highest rank among their results (``person``, ``dated`` as
    day numbers, ``ranks``) dated on or before ``by[i]``; 0 when none. One sort, one pass."""
    out = np.zeros(people.size, dtype=float)
    if person.size == 0 or people.size == 0:
        return out
    order = np.lexsort((dated, person))
    person, dated, ranks = person[order], dated[order], ranks[order]
    # The running maximum within each person's results, in date order: the level held from that date.
    starts = np.r_[0, np.flatnonzero(np.diff(person)) + 1]
    held = ranks.astype(float).copy()
    for a, b in zip(starts, np.r_[starts[1:], person.size], strict=True):
        held[a:b] = np.maximum.accumulate(held[a:b])
    # Position of the last result of person p dated ≤ day: search in the (person, date) order.
    key = person.astype(np.int64) * 1_000_000 + dated.astype(np.int64)
    wanted = people.astype(np.int64) * 1_000_000 + by.astype(np.int64)
    pos = np.searchsorted(key, wanted, side="right") - 1
    valid = (pos >= 0) & (person[np.clip(pos, 0, None)] == people)
    out[valid] = held[pos[valid]]
    return out
