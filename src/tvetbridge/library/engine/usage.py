"""Usage of the library: visits, learners and learning time from learning-record events, by rules a
reader can check (in the spirit of COUNTER Release 5, the standard librarians use for usage
statistics of digital resources).

The rules, in the order they apply:

1. **Robots and staff are not users.** Events whose actor is flagged (a robot client, or a staff
   account of the platform or of the owning institution) are dropped before anything is counted.
2. **Double clicks.** Two *visits* (a resource opened) by one learner to one resource less than
   ``double_click`` seconds apart (COUNTER: 30 s) count once: the later one is dropped.
3. **Sessions.** A learner's events, in time order, form one session until a gap longer than
   ``session_gap`` seconds (default 30 minutes, the cut-off web analytics and Moodle's
   time-spent reports use).
4. **Learning time.** Where events carry a duration (xAPI ``result.duration``, reported by the
   content itself), a session's time is the sum of those durations, capped at the session's span
   plus the last event's duration. Where none does, the session's time is its span: from its first
   event to its last. A session of one event without a duration counts no time. Time is attributed
   to the resource of each event in proportion: explicit durations to their own resource, the span to
   the resources of the events that close each gap.

Counts are returned per event so that the caller can aggregate by any dimension (resource,
institution, country, language, month) with the same figures adding up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DOUBLE_CLICK_SECONDS = 30.0
SESSION_GAP_SECONDS = 30 * 60.0


@dataclass(frozen=True)
class Usage:
    """Per input event: ``counted`` (passes the robot/staff and double-click rules), ``visit`` (a
    counted visit), ``seconds`` (learning time attributed to the event) and ``session`` (a session
    number, unique across learners)."""

    counted: np.ndarray
    visit: np.ndarray
    seconds: np.ndarray
    session: np.ndarray


def usage(learner: np.ndarray, resource: np.ndarray, time: np.ndarray, is_visit: np.ndarray,
          duration: np.ndarray, excluded: np.ndarray | None = None, *,
          double_click: float = DOUBLE_CLICK_SECONDS, session_gap: float = SESSION_GAP_SECONDS) -> Usage:
    """Apply the rules above to events given as parallel arrays: ``learner`` and ``resource`` ids
    (integers), ``time`` in seconds since any epoch, ``is_visit`` (a resource was opened),
    ``duration`` in seconds (NaN where the event carries none) and ``excluded`` (robot or staff)."""
    learner = np.asarray(learner, dtype=np.int64)
    resource = np.asarray(resource, dtype=np.int64)
    time = np.asarray(time, dtype=float)
    is_visit = np.asarray(is_visit, dtype=bool)
    duration = np.asarray(duration, dtype=float)
    n = learner.size
    for name, arr in (("resource", resource), ("time", time), ("is_visit", is_visit), ("duration", duration)):
        if arr.shape != (n,):
            raise ValueError(f"{name} must have one value per event ({n})")
    excluded = np.zeros(n, bool) if excluded is None else np.asarray(excluded, dtype=bool)
    if excluded.shape != (n,):
        raise ValueError(f"excluded must have one value per event ({n})")
    if np.isnan(time).any():
        raise ValueError("every event needs a time")
    if double_click < 0 or session_gap <= 0:
        raise ValueError("double_click must be >= 0 and session_gap > 0")
    if np.any(duration[~np.isnan(duration)] < 0):
        raise ValueError("durations must not be negative")

    counted = ~excluded
    visit = np.zeros(n, bool)
    seconds = np.zeros(n)
    session = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return Usage(counted, visit, seconds, session)

    # Rule 2: double clicks, per (learner, resource) in time order among counted visits.
    idx = np.flatnonzero(counted & is_visit)
    if idx.size:
        order = idx[np.lexsort((time[idx], resource[idx], learner[idx]))]
        same = (learner[order][1:] == learner[order][:-1]) & (resource[order][1:] == resource[order][:-1])
        close = np.diff(time[order]) < double_click
        # compare with the previous *kept* click would need a loop; COUNTER compares consecutive
        # clicks, so a burst of reloads every 20 s counts once per 30 s of quiet, not once in all.
        drop = np.zeros(order.size, bool)
        drop[1:] = same & close
        counted[order[drop]] = False
        visit[order[~drop]] = True

    # Rules 3 and 4: sessions per learner over counted events.
    idx = np.flatnonzero(counted)
    if idx.size == 0:
        return Usage(counted, visit, seconds, session)
    order = idx[np.lexsort((time[idx], learner[idx]))]
    t = time[order]
    who = learner[order]
    gap = np.diff(t)
    new = np.ones(order.size, bool)
    new[1:] = (who[1:] != who[:-1]) | (gap > session_gap)
    sid = np.cumsum(new) - 1
    session[order] = sid
    dur = duration[order]
    has = ~np.isnan(dur)
    n_sessions = int(sid[-1]) + 1
    explicit = np.bincount(sid, weights=np.where(has, dur, 0.0), minlength=n_sessions)
    any_explicit = np.bincount(sid, weights=has.astype(float), minlength=n_sessions) > 0
    start = t[new]
    end = np.maximum.reduceat(t, np.flatnonzero(new))
    last_idx = np.r_[np.flatnonzero(new)[1:], order.size] - 1
    last_dur = np.where(has[last_idx], dur[last_idx], 0.0)
    cap = end - start + last_dur
    # explicit sessions: each event keeps its own duration, scaled down when they overrun the cap
    scale = np.where(explicit > cap, np.divide(cap, explicit, out=np.zeros_like(cap), where=explicit > 0), 1.0)
    sec = np.where(has & any_explicit[sid], dur * scale[sid], 0.0)
    # span sessions: each gap inside a session is credited to the event that closes it
    inner = ~new[1:] & ~any_explicit[sid[1:]]
    sec[1:] += np.where(inner, gap, 0.0)
    seconds[order] = sec
    return Usage(counted, visit, seconds, session)


def withhold(values: np.ndarray, learners: np.ndarray, minimum: int = 5) -> np.ndarray:
    """Cells whose learner count is below ``minimum`` become NaN (published tables withhold them)."""
    values = np.asarray(values, dtype=float).copy()
    values[np.asarray(learners) < minimum] = np.nan
    return values
