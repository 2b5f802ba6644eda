"""Early-warning rules, evaluated on plain values. No Django: ``services`` feeds the scores in and
stores what comes out.

Rules (thresholds in ``AlertConfig``, overridable by settings ``RISK_ALERT_*``):

level       the cooperation-risk score reaches ``level`` (default 5.0, INFORM's "High") -- raised when
            the score crosses it upwards or sits at or above it with no alert for the period yet;
transition  the class moves up (e.g. Medium -> High) from the previous period or the previous value;
change      the score rises by at least ``change`` (default 0.5) from the previous quarter, or from the
            value before this recomputation;
event       a new event of severity >= ``event_severity`` (default 4).

Each candidate carries a deduplication key: the same condition in the same period yields the same
key, so recomputing never raises an alert twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLASS_ORDER = ("Very Low", "Low", "Medium", "High", "Very High")


@dataclass(frozen=True)
class AlertConfig:
    level: float = 5.0
    change: float = 0.5
    event_severity: int = 4


@dataclass(frozen=True)
class ScoreState:
    score: float
    risk_class: str
    period: str


@dataclass(frozen=True)
class EventInfo:
    id: int
    severity: int
    kind: str
    title: str
    date: str


@dataclass(frozen=True)
class AlertCandidate:
    rule: str
    dedup_key: str
    evidence: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None


def _class_index(label: str) -> int:
    return CLASS_ORDER.index(label) if label in CLASS_ORDER else -1


def evaluate(country: str, current: ScoreState, *, previous_period: ScoreState | None = None,
             before: ScoreState | None = None, new_events: tuple[EventInfo, ...] = (),
             driver: str = "", config: AlertConfig = AlertConfig()) -> list[AlertCandidate]:
    """Alerts warranted by ``current`` against the previous quarter and the value before this run."""
    out: list[AlertCandidate] = []
    p = current.period
    base = {"score": round(current.score, 2), "class": current.risk_class, "period": p, "driver": driver}
    if previous_period is not None:
        base["previous_period"] = previous_period.period
        base["previous_period_score"] = round(previous_period.score, 2)
    if before is not None:
        base["score_before"] = round(before.score, 2)

    if current.score >= config.level:
        out.append(AlertCandidate("level", f"level:{country}:{p}",
                                  {**base, "threshold": config.level,
                                   "crossed": before is not None and before.score < config.level}))

    for ref in (previous_period, before):
        if ref is not None and _class_index(current.risk_class) > _class_index(ref.risk_class) >= 0:
            out.append(AlertCandidate(
                "transition", f"transition:{country}:{p}:{ref.risk_class}>{current.risk_class}",
                {**base, "from_class": ref.risk_class, "to_class": current.risk_class, "from_period": ref.period}))
            break

    for ref in (previous_period, before):
        if ref is not None and current.score - ref.score >= config.change:
            out.append(AlertCandidate("change", f"change:{country}:{p}",
                                      {**base, "delta": round(current.score - ref.score, 2),
                                       "threshold": config.change, "from_score": round(ref.score, 2),
                                       "from_period": ref.period}))
            break

    for ev in new_events:
        if ev.severity >= config.event_severity:
            out.append(AlertCandidate("event", f"event:{ev.id}",
                                      {**base, "event": ev.title, "event_kind": ev.kind, "severity": ev.severity,
                                       "event_date": ev.date, "threshold": config.event_severity},
                                      event_id=ev.id))
    return out
