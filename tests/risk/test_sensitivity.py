"""Sobol indices against closed forms (Ishigami, additive model) and the Monte Carlo over index choices."""

from __future__ import annotations

import numpy as np
import pytest

from tvetbridge.risk.engine.composite import composite_index
from tvetbridge.risk.engine.inform import INFORM_2021, load_inform_2021
from tvetbridge.risk.engine.sensitivity import index_sensitivity, sobol_indices, uncertainty_analysis

pytestmark = pytest.mark.engine


def ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_truth(a=7.0, b=0.1):
    # Closed form (Ishigami & Homma 1990; Sobol' & Levitan 1999) on U(-pi, pi)^3.
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_first_order_and_total_indices():
    s1_true, st_true = ishigami_truth()
    np.testing.assert_allclose(s1_true, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(st_true, [0.5576, 0.4424, 0.2437], atol=5e-5)
    res = sobol_indices(ishigami, names=["x1", "x2", "x3"], bounds=[(-np.pi, np.pi)] * 3, n_base=2**13, seed=7)
    assert res.factors == ("x1", "x2", "x3")
    np.testing.assert_allclose(res.S1[0], s1_true, atol=0.03)
    np.testing.assert_allclose(res.ST[0], st_true, atol=0.03)
    # Variance decomposition is coherent: first-order effects leave room for the x1-x3 interaction.
    assert res.S1[0].sum() <= 1.0 + 0.03 and res.ST[0].sum() >= 1.0 - 0.03
    assert (res.S1_conf[0] > 0).all() and (res.S1_conf[0] < 0.05).all()
    assert res.n_evaluations == 2**13 * 5


def test_additive_model_has_equal_first_and_total_indices():
    coef = np.array([1.0, 2.0, 3.0])

    def model(X):
        return np.column_stack([X @ coef, X[:, 0] * 0.0 + 1.0])  # second output is constant

    res = sobol_indices(model, names=["a", "b", "c"], n_base=2**12, seed=1)
    share = coef**2 / (coef**2).sum()
    np.testing.assert_allclose(res.S1[0], share, atol=0.02)
    np.testing.assert_allclose(res.ST[0], share, atol=0.02)
    assert np.isnan(res.S1[1]).all()  # nothing to apportion


def test_sobol_is_deterministic_given_seed():
    kwargs = dict(names=["x1", "x2", "x3"], bounds=[(-np.pi, np.pi)] * 3, n_base=256)
    a = sobol_indices(ishigami, seed=3, **kwargs)
    b = sobol_indices(ishigami, seed=3, **kwargs)
    np.testing.assert_array_equal(a.S1, b.S1)
    np.testing.assert_array_equal(a.ST_conf, b.ST_conf)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_base": 1000}, "n_base"),
    ({"bounds": [(0, 1), (1, 0), (0, 1)]}, "bounds"),
    ({"names": ["x", "x", "y"]}, "names"),
    ({"groups": ["g"]}, "groups"),
])
def test_sobol_bad_inputs(kwargs, match):
    kwargs = {"names": ["x1", "x2", "x3"], "n_base": 64, **kwargs}
    with pytest.raises(ValueError, match=match):
        sobol_indices(ishigami, **kwargs)


@pytest.fixture(scope="module")
def inform_matrix():
    t = load_inform_2021()
    X = np.column_stack([t.column(c) for c in INFORM_2021.leaves])
    return t.countries, X, np.ones(X.shape[1], dtype=int)


def test_uncertainty_intervals_are_ordered_and_deterministic(inform_matrix):
    countries, X, d = inform_matrix
    a = uncertainty_analysis(X, directions=d, n_draws=2000, seed=11)
    b = uncertainty_analysis(X, directions=d, n_draws=2000, seed=11)
    np.testing.assert_array_equal(a.rank_median, b.rank_median)
    n = len(countries)
    assert (a.score_low <= a.score_median).all() and (a.score_median <= a.score_high).all()
    assert (a.rank_low <= a.rank_median).all() and (a.rank_median <= a.rank_high).all()
    assert a.rank_low.min() >= 1 and a.rank_high.max() <= n
    # The countries INFORM puts at the top stay near the top under every choice.
    top = countries.index("SOM")
    assert a.rank_high[top] <= 10
    # Some countries genuinely move: the analysis is not trivially tight.
    assert (a.rank_high - a.rank_low).max() >= 20


def test_no_uncertainty_collapses_to_the_nominal_index(inform_matrix):
    _, X, d = inform_matrix
    res = uncertainty_analysis(X, directions=d, normalisations=["minmax"], aggregations=["arithmetic"],
                               drop_indicator=False, concentration=1e12, n_draws=50, seed=0)
    nominal = composite_index(X, directions=d)
    np.testing.assert_allclose(res.score_low, nominal.scores, atol=1e-4)
    np.testing.assert_allclose(res.score_high, nominal.scores, atol=1e-4)
    np.testing.assert_array_equal(res.rank_median, nominal.ranks)


def test_a_country_worst_on_everything_is_always_first():
    rng = np.random.default_rng(5)
    X = rng.random((25, 4)) * 5
    X[9] = 6.0
    res = uncertainty_analysis(X, directions=[1, 1, 1, 1], n_draws=500, seed=2)
    assert res.rank_low[9] == res.rank_high[9] == 1


def test_uncertainty_bad_inputs(inform_matrix):
    _, X, d = inform_matrix
    with pytest.raises(ValueError, match="zscore"):
        uncertainty_analysis(X, directions=d, normalisations=["zscore"], n_draws=10)
    with pytest.raises(ValueError, match="weights"):
        uncertainty_analysis(X, directions=d, weights=np.r_[1.0, np.zeros(20)], n_draws=10)
    with pytest.raises(ValueError, match="interval"):
        uncertainty_analysis(X, directions=d, interval=(95, 5), n_draws=10)


def test_index_sensitivity_apportions_rank_variance_to_the_choices(inform_matrix):
    countries, X, d = inform_matrix
    res = index_sensitivity(X, directions=d, n_base=128, seed=0, num_resamples=20)
    assert res.factors == ("normalisation", "aggregation", "dropped indicator", "weights")
    assert res.S1.shape == (len(countries), 4)
    moving = ~np.isnan(res.ST).any(axis=1)
    assert moving.sum() > 150
    # Total effects of a country's rank cover (at least roughly) all its variance.
    assert np.median(res.ST[moving].sum(axis=1)) > 0.8
    # Weights-only uncertainty: the other factors are inert.
    only_w = index_sensitivity(X, directions=d, normalisations=["minmax"], aggregations=["arithmetic"],
                               drop_indicator=False, n_base=128, seed=0, num_resamples=20)
    assert only_w.factors == ("normalisation", "aggregation", "weights")
    ok = ~np.isnan(only_w.ST[:, 2])
    np.testing.assert_allclose(only_w.ST[ok, :2], 0.0, atol=1e-12)
