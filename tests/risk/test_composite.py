"""Composite-index properties from the OECD/JRC Handbook: normalisation ranges, direction,
monotonicity, geometric <= arithmetic, weights, missing data, and the batched evaluator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tvetbridge.risk.engine.composite import (
    AGGREGATIONS,
    NORMALISATIONS,
    aggregate,
    composite_index,
    composite_index_batch,
    normalise,
    pca_weights,
    rank_descending,
)

pytestmark = pytest.mark.engine

COMBOS = [(m, a) for m, a in itertools.product(NORMALISATIONS, AGGREGATIONS) if (m, a) != ("zscore", "geometric")]


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    X = rng.gamma(2.0, 2.0, size=(30, 5))
    directions = np.array([1, 1, -1, 1, -1])
    return X, directions


def test_minmax_spans_0_to_10_and_respects_direction(data):
    X, d = data
    Y = normalise(X, directions=d, method="minmax")
    assert Y.min() == 0.0 and Y.max() == 10.0
    for j in range(X.shape[1]):
        riskiest = np.argmax(X[:, j]) if d[j] > 0 else np.argmin(X[:, j])
        assert Y[riskiest, j] == 10.0


def test_zscore_is_centred_and_scaled(data):
    X, d = data
    Z = normalise(X, directions=d, method="zscore")
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)


def test_rank_and_distance_ranges(data):
    X, d = data
    R = normalise(X, directions=d, method="rank")
    assert R.min() == 0.0 and R.max() == 10.0
    D = normalise(X, directions=d, method="distance")
    assert (D >= 0).all() and (D <= 10).all()
    # The leader of a +1 indicator sits at 10; a target reference can be given instead.
    assert D[np.argmax(X[:, 0]), 0] == 10.0
    D2 = normalise(X, directions=d, method="distance", reference=2 * X.max(axis=0))
    assert D2[:, 0].max() == pytest.approx(5.0)


@pytest.mark.parametrize(("normalisation", "aggregation"), COMBOS)
def test_more_of_a_positive_indicator_never_lowers_a_score(data, normalisation, aggregation):
    X, d = data
    base = composite_index(X, directions=d, normalisation=normalisation, aggregation=aggregation)
    for i in (0, 7, 19):
        X2 = X.copy()
        X2[i, 0] += 1.5  # direction +1
        after = composite_index(X2, directions=d, normalisation=normalisation, aggregation=aggregation)
        assert after.scores[i] >= base.scores[i] - 1e-12
        assert after.ranks[i] <= base.ranks[i]


def test_geometric_never_above_arithmetic(data):
    X, d = data
    rng = np.random.default_rng(0)
    for method in ("minmax", "rank", "distance"):
        Y = normalise(X, directions=d, method=method)
        for _ in range(20):
            w = rng.dirichlet(np.ones(X.shape[1]))
            assert (aggregate(Y, w, method="geometric") <= aggregate(Y, w, method="arithmetic") + 1e-12).all()


def test_geometric_is_less_compensatory():
    # Same arithmetic mean; the unbalanced country scores lower under geometric aggregation.
    Y = np.array([[5.0, 5.0], [0.0, 10.0]])
    w = [0.5, 0.5]
    assert aggregate(Y, w)[0] == aggregate(Y, w)[1]
    geo = aggregate(Y, w, method="geometric")
    assert geo[1] < geo[0]


@pytest.mark.parametrize(("weights", "match"), [
    ([0.5, 0.3, 0.1, 0.05, 0.01], "sum to 1"),
    ([0.6, 0.6, -0.2, 0.0, 0.0], "negative"),
    ([0.5, 0.5], "5 weights"),
    ("bespoke", "weights"),
])
def test_bad_weights_are_refused(data, weights, match):
    X, d = data
    with pytest.raises(ValueError, match=match):
        composite_index(X, directions=d, weights=weights)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"normalisation": "log"}, "normalisation"),
    ({"aggregation": "median"}, "aggregation"),
    ({"normalisation": "zscore", "aggregation": "geometric"}, "geometric"),
    ({"missing": "drop"}, "missing"),
    ({"directions": [1, 1, 0, 1, 1]}, "directions"),
])
def test_bad_choices_are_refused(data, kwargs, match):
    X, d = data
    kwargs = {"directions": d, **kwargs}
    with pytest.raises(ValueError, match=match):
        composite_index(X, **kwargs)


def test_distance_needs_non_negative_data(data):
    X, d = data
    X = X.copy()
    X[0, 3] = -1.0
    with pytest.raises(ValueError, match="indicator 3"):
        normalise(X, directions=d, method="distance")


def test_missing_value_handling(data):
    X, d = data
    X = X.copy()
    X[4, 1] = np.nan
    avail = composite_index(X, directions=d, missing="available")
    Y = avail.normalised
    expected = np.nanmean(Y[4])  # equal weights renormalised over the 4 present indicators
    assert avail.scores[4] == pytest.approx(expected)
    imputed = composite_index(X, directions=d, missing="mean")
    assert imputed.scores[4] == pytest.approx((np.nansum(Y[4]) + np.nanmean(Y[:, 1])) / 5)
    with pytest.raises(ValueError, match="row 4"):
        composite_index(X, directions=d, missing="error")
    X[6] = np.nan
    with pytest.raises(ValueError, match="row 6"):
        composite_index(X, directions=d)


def test_pca_weights_are_a_valid_weighting(data):
    X, d = data
    w = pca_weights(X, directions=d)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
    res = composite_index(X, directions=d, weights="pca")
    np.testing.assert_allclose(res.weights, w)


def test_ranks_put_the_riskiest_first_and_average_ties():
    np.testing.assert_array_equal(rank_descending(np.array([1.0, 3.0, 3.0, 0.5, np.nan])),
                                  [3.0, 1.5, 1.5, 4.0, 5.0])
    np.testing.assert_array_equal(rank_descending(np.array([[1.0, 2.0], [2.0, 1.0]]), axis=1), [[2, 1], [1, 2]])


def test_results_are_frozen(data):
    X, d = data
    res = composite_index(X, directions=d)
    with pytest.raises(ValueError):
        res.scores[0] = 1.0
    with pytest.raises(AttributeError):
        res.aggregation = "geometric"


def test_batched_equals_single_evaluations(data):
    X, d = data
    X = X.copy()
    X[2, 3] = np.nan
    rng = np.random.default_rng(3)
    norms = ("minmax", "rank", "distance")
    n_draws = 40
    W = rng.dirichlet(np.ones(5), n_draws)
    W[::5, 1] = 0.0
    W /= W.sum(axis=1, keepdims=True)
    ni = rng.integers(0, 3, n_draws)
    ai = rng.integers(0, 2, n_draws)
    S = composite_index_batch(X, directions=d, weights=W, normalisation_index=ni, aggregation_index=ai,
                              normalisations=norms)
    for i in range(n_draws):
        one = composite_index(X, directions=d, weights=W[i], normalisation=norms[ni[i]],
                              aggregation=AGGREGATIONS[ai[i]])
        np.testing.assert_allclose(S[i], one.scores, rtol=1e-12, atol=1e-12)
