"""The early-warning rules on plain values."""

from tvetbridge.risk.engine.alerts import AlertConfig, EventInfo, ScoreState, evaluate

CFG = AlertConfig(level=5.0, change=0.5, event_severity=4)


def rules(alerts):
    return sorted(a.rule for a in alerts)


def test_quiet_country_raises_nothing():
    assert evaluate("KZ", ScoreState(2.0, "Low", "2026-Q4"), before=ScoreState(2.0, "Low", "2026-Q4"),
                    config=CFG) == []


def test_crossing_the_level_names_the_threshold_and_before_value():
    out = evaluate("TJ", ScoreState(5.6, "High", "2026-Q4"), before=ScoreState(4.7, "Medium", "2026-Q4"),
                   driver="HAZARD & EXPOSURE", config=CFG)
    assert rules(out) == ["change", "level", "transition"]
    level = next(a for a in out if a.rule == "level")
    assert level.evidence["crossed"] and level.evidence["threshold"] == 5.0
    assert level.evidence["driver"] == "HAZARD & EXPOSURE" and level.dedup_key == "level:TJ:2026-Q4"
    transition = next(a for a in out if a.rule == "transition")
    assert transition.evidence["from_class"] == "Medium" and transition.evidence["to_class"] == "High"


def test_change_against_previous_quarter():
    out = evaluate("KG", ScoreState(4.2, "Medium", "2026-Q4"), previous_period=ScoreState(3.6, "Medium", "2026-Q3"),
                   config=CFG)
    assert rules(out) == ["change"]
    assert out[0].evidence["delta"] == 0.6 and out[0].evidence["from_period"] == "2026-Q3"


def test_small_change_and_falling_score_raise_nothing():
    assert evaluate("KG", ScoreState(4.0, "Medium", "2026-Q4"), previous_period=ScoreState(3.6, "Medium", "2026-Q3"),
                    config=CFG) == []
    assert evaluate("KG", ScoreState(3.0, "Low", "2026-Q4"), previous_period=ScoreState(4.0, "Medium", "2026-Q3"),
                    config=CFG) == []


def test_severe_event_only_from_threshold():
    events = (EventInfo(1, 3, "policy_change", "minor", "2026-11-01"), EventInfo(2, 4, "sanctions", "major", "2026-11-02"))
    out = evaluate("UZ", ScoreState(3.0, "Low", "2026-Q4"), new_events=events, config=CFG)
    assert rules(out) == ["event"] and out[0].event_id == 2 and out[0].dedup_key == "event:2"


def test_same_condition_same_key():
    a = evaluate("TJ", ScoreState(5.6, "High", "2026-Q4"), config=CFG)
    b = evaluate("TJ", ScoreState(5.9, "High", "2026-Q4"), config=CFG)
    assert [x.dedup_key for x in a] == [x.dedup_key for x in b] == ["level:TJ:2026-Q4"]
