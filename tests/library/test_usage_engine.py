"""The usage rules (engine/usage.py) on hand-computed cases."""

import numpy as np
import pytest

from tvetbridge.library.engine.usage import usage, withhold

pytestmark = pytest.mark.engine
NAN = np.nan


def run(events, excluded=None, **kw):
    learner, resource, time, visit, duration = (np.array(c) for c in zip(*events, strict=True))
    return usage(learner, resource, time.astype(float), visit.astype(bool), duration.astype(float),
                 None if excluded is None else np.array(excluded), **kw)


def test_double_clicks_within_30_seconds_count_once():
    r = run([(1, 7, 0, True, NAN), (1, 7, 20, True, NAN), (1, 7, 55, True, NAN), (2, 7, 10, True, NAN)])
    assert r.visit.tolist() == [True, False, True, True]


def test_session_span_without_durations_with_a_30_minute_cut_off():
    # 10 min, then 20 min inside the session; a 2-hour pause starts a new session of one event
    r = run([(1, 7, 0, True, NAN), (1, 7, 600, False, NAN), (1, 8, 1800, False, NAN), (1, 8, 9000, True, NAN)])
    assert r.seconds.tolist() == [0, 600, 1200, 0]
    assert r.session.tolist() == [0, 0, 0, 1]


def test_explicit_durations_replace_the_span():
    r = run([(1, 7, 0, True, NAN), (1, 7, 3600, False, 3600.0)])
    assert r.seconds.sum() == 3600


def test_robots_and_staff_are_not_counted():
    r = run([(1, 7, 0, True, NAN), (2, 7, 5, True, NAN)], excluded=[False, True])
    assert r.counted.tolist() == [True, False]
    assert r.visit.tolist() == [True, False]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        usage(np.array([1]), np.array([1, 2]), np.array([0.0]), np.array([True]), np.array([NAN]))
    with pytest.raises(ValueError):
        run([(1, 7, 0, True, -5.0)])


def test_withhold_small_cells():
    assert np.isnan(withhold(np.array([10.0, 3.0]), np.array([7, 4]))).tolist() == [False, True]
