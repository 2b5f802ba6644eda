# Over 500 lines: the estimators share private fitting helpers; models, overlap and matching are split out already.
"""Impact engine: how much does training raise income?

Pure NumPy/SciPy (no Django). Arrays in, small frozen dataclasses out.

Estimators (``method``) and what they estimate (``estimand``):

=============  =================================================================================
difference     difference in mean outcomes, treated minus comparison; Welch SE. Identifies the
               ATE (= ATT) only under random assignment. Never trimmed, never adjusted.
regression     regression adjustment: separate OLS outcome model per arm. ATE = mean over all
               records of m1(x) - m0(x); ATT = mean over the treated of y - m0(x).
ipw            inverse probability weighting with normalised (Hajek) weights and a logistic
               propensity score. ATE weights 1/p and 1/(1-p); ATT weights 1 and p/(1-p).
aipw           augmented IPW (doubly robust). The ATE is *exactly* the estimator of
               ``statsmodels.treatment.TreatmentEffect(OLS(y, X), d, results_select=Logit(d, X)
               .fit()).aipw()``: unweighted OLS per arm, unnormalised inverse weights in the
               correction term. The ATT is the normalised doubly robust ATT
               (mean_treated(y - m0) - weighted mean_comparison(y - m0), weights p/(1-p)).
matching       nearest-neighbour matching on the estimated propensity score, with replacement,
               Abadie-Imbens (2006) SE.
=============  =================================================================================

``did`` gives difference-in-differences on pre- and post-training outcomes (ATT): the simple
two-group two-period contrast, regression-adjusted (outcome regression on the change, Heckman,
Ichimura and Todd 1997) or doubly robust (Sant'Anna and Zhao 2020, panel case).

Standard errors (``se="analytic"``) come from influence functions that include the estimation of
the propensity score and the outcome regressions (M-estimation sandwich, as Stata's ``teffects``
and statsmodels' GMM do); ``se="bootstrap"`` resamples records within each arm with a seeded
generator and repeats every step (propensity fit and trimming included), giving a percentile CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from .impact_matching import match_estimate
from .impact_models import (
    PropensityFit,
    blas_single_thread,
    blocked_sum,
    design,
    fit_arms,
    fit_logit,
    solve_psd,
)
from .impact_overlap import (
    Balance,
    Trimming,
    balance_table,
    crump_alpha,
    describe_trimmed,
    effective_sizes,
    trim_mask,
)

Arr = np.ndarray
Trim = float | str | None  # see estimate(): None, "crump", "common_support" or a cut-off

__all__ = [
    "ASSUMPTIONS",
    "DID_METHODS",
    "METHODS",
    "Balance",
    "ImpactEstimate",
    "PropensityFit",
    "Trimming",
    "crump_alpha",
    "did",
    "estimate",
    "estimate_all",
    "propensity_score",
]

METHODS = ("difference", "regression", "ipw", "aipw", "matching")
DID_METHODS = ("simple", "regression", "doubly_robust")

_NO_CONFOUNDING = ("Whether a person was trained is unrelated to their income prospects once the "
                   "listed characteristics are taken into account (no unmeasured confounding)")
_OVERLAP = ("for every kind of person in the analysis there are both trained and untrained people "
            "(overlap; records outside the common range can be trimmed and are then not covered)")
ASSUMPTIONS: dict[str, str] = {
    "difference": (
        "Compares average income of trained and untrained people directly. It is a causal effect "
        "only if the two groups would have earned the same on average without training, as in a "
        "randomised trial; no adjustment is made for differences between the groups."),
    "regression": (
        f"{_NO_CONFOUNDING}; income depends linearly on these characteristics within each group; "
        f"{_OVERLAP}."),
    "ipw": (
        f"{_NO_CONFOUNDING}; the logistic model of who gets trained is correct; {_OVERLAP}. "
        "Records are reweighted so the comparison group resembles the trained group."),
    "aipw": (
        f"{_NO_CONFOUNDING}; {_OVERLAP}. Doubly robust: remains correct if either the model of "
        "who gets trained or the income model is correct."),
    "matching": (
        f"{_NO_CONFOUNDING}; {_OVERLAP}. Each person is compared with the most similar person(s) "
        "of the other group by estimated chance of being trained."),
    "did:simple": (
        "Parallel trends: without training, the average income of trained people would have "
        "changed by the same amount as that of the comparison group; training had no effect "
        "before it started. Permanent differences between the groups are allowed."),
    "did:regression": (
        "Parallel trends given the listed characteristics: without training, income of trained "
        "and untrained people with the same characteristics would have changed by the same "
        "amount, and that change depends linearly on the characteristics; no effect before "
        "training. Permanent differences between the groups are allowed."),
    "did:doubly_robust": (
        "Parallel trends given the listed characteristics; no effect before training; "
        f"{_OVERLAP}. Doubly robust: correct if either the model of who gets trained or the "
        "model of income change is correct. Permanent differences between groups are allowed."),
}

_ESTIMANDS = ("ATE", "ATT")


@dataclass(frozen=True)
class ImpactEstimate:
    """One impact estimate with its uncertainty and the conditions under which it is causal.

    ``estimand``: ``"ATE"`` (average effect over everyone in the analysis sample) or ``"ATT"``
    (average effect on those who were trained). ``n_treated``/``n_control`` count records used
    after trimming; ``trimming`` says how many were dropped and why.
    """

    method: str
    estimand: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    level: float
    n_treated: int
    n_control: int
    se_method: str
    assumptions: str
    trimming: Trimming | None = None
    balance: Balance | None = None
    propensity_converged: bool | None = None
    extra: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def n_dropped(self) -> int:
        return 0 if self.trimming is None else self.trimming.n_dropped

    def covers(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


# --------------------------------------------------------------------------------------------
# validation


def _as_vector(a: object, name: str, n: int | None = None) -> np.ndarray:
    try:
        v = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    if v.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {v.shape}")
    if n is not None and v.size != n:
        raise ValueError(f"{name} has {v.size} values but y has {n}; lengths must match")
    bad = ~np.isfinite(v)
    if bad.any():
        raise ValueError(f"{name} contains NaN or infinite values (first at index {int(np.flatnonzero(bad)[0])})")
    return v


def _as_treatment(d: object, n: int, name: str = "d") -> np.ndarray:
    v = _as_vector(d, name, n)
    bad = (v != 0) & (v != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must be binary (0 = comparison, 1 = treated); found {v[i]!r} at index {i}")
    n1 = int(v.sum())
    if n1 < 2 or n - n1 < 2:
        raise ValueError(f"{name} needs at least 2 treated and 2 comparison records; got {n1} and {n - n1}")
    return v


def _as_matrix(X: object, n: int, name: str = "X") -> np.ndarray:
    try:
        M = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if M.ndim == 1:
        M = M[:, None]
    if M.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional (records × covariates), got shape {M.shape}")
    if M.shape[0] != n:
        raise ValueError(f"{name} has {M.shape[0]} rows but y has {n}; lengths must match")
    if M.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    # a column sum is finite unless the column holds NaN/inf (or overflows, checked exactly below)
    if not np.isfinite(np.einsum("ij->j", M)).all():
        bad = ~np.isfinite(M)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValueError(f"{name} contains NaN or infinite values (first at row {int(r)}, column {int(c)})")
    return M


def _check_options(method: str, estimand: str, level: float, se: str, ridge: float,
                   trim: object, n_boot: int, n_neighbors: int, methods: Sequence[str]) -> str:
    if method not in methods:
        raise ValueError(f"method must be one of {', '.join(methods)}; got {method!r}")
    est = str(estimand).upper()
    if est not in _ESTIMANDS:
        raise ValueError(f"estimand must be 'ATE' or 'ATT'; got {estimand!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be between 0 and 1; got {level!r}")
    if se not in ("analytic", "bootstrap"):
        raise ValueError(f"se must be 'analytic' or 'bootstrap'; got {se!r}")
    if not (np.isfinite(ridge) and ridge >= 0):
        raise ValueError(f"ridge must be a non-negative number; got {ridge!r}")
    if trim is not None and not isinstance(trim, str):
        try:
            a = float(trim)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"trim must be None, 'crump', 'common_support' or a number in (0, 0.5); "
                             f"got {trim!r}") from None
        if not 0.0 < a < 0.5:
            raise ValueError(f"trim bound must be in (0, 0.5); got {trim!r}")
    elif isinstance(trim, str) and trim not in ("crump", "common_support"):
        raise ValueError(f"trim must be None, 'crump', 'common_support' or a number in (0, 0.5); got {trim!r}")
    if int(n_boot) != n_boot or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2; got {n_boot!r}")
    if int(n_neighbors) != n_neighbors or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be an integer >= 1; got {n_neighbors!r}")
    return est


# --------------------------------------------------------------------------------------------
# point estimates with influence functions


@dataclass
class _Fit:
    tau: float
    se: float
    weights: np.ndarray | None  # balance weights on the analysis sample (None: not a weighting method)
    extra: dict[str, float] = field(default_factory=dict)


def _welch(y: np.ndarray, d: np.ndarray) -> _Fit:
    t = d == 1
    y1, y0 = y[t], y[~t]
    tau = float(y1.mean() - y0.mean())
    se = float(np.sqrt(y1.var(ddof=1) / y1.size + y0.var(ddof=1) / y0.size))
    return _Fit(tau, se, None, {"mean_treated": float(y1.mean()), "mean_control": float(y0.mean())})


def _inverse_probabilities(d: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/p and (1-d)/(1-p), each exactly 0 in the other arm: the denominators are p and 1 - p in
    their own arm and at least 1 in the other, so a record with p rounded to 0 or 1 never makes
    0/0 of the other arm's weight."""
    c = 1.0 - d
    return d / (p + c), c / ((1.0 - p) + d)


def _comparison_odds(d: np.ndarray, p: np.ndarray) -> np.ndarray:
    """p/(1-p) in the comparison arm, exactly 0 in the treated arm (as above)."""
    return np.asarray(((1.0 - d) * p) / ((1.0 - p) + d))


def _se(psi: np.ndarray) -> float:
    return float(np.sqrt(psi @ psi) / psi.size)


def _regression(y: Arr, d: Arr, Z: Arr, estimand: str, with_se: bool) -> _Fit:
    t = d == 1
    b1, A1, b0, A0 = fit_arms(Z, y, d)
    if estimand == "ATE":
        mu1, mu0 = Z @ b1, Z @ b0
        tau = float(np.mean(mu1 - mu0))
        extra = {"pom_treated": float(mu1.mean()), "pom_control": float(mu0.mean())}
        if not with_se:
            return _Fit(tau, np.nan, None, extra)
        zbar = Z.mean(axis=0)
        v1, v0 = Z @ solve_psd(A1, zbar), Z @ solve_psd(A0, zbar)
        psi = (mu1 - mu0 - tau) + d * (y - mu1) * v1 - (1 - d) * (y - mu0) * v0
        return _Fit(tau, _se(psi), None, extra)
    mu0 = Z @ b0
    pi = t.mean()
    e0 = y - mu0
    tau = float(e0[t].mean())
    extra = {"mean_treated": float(y[t].mean()), "pom_control": float(mu0[t].mean())}
    if not with_se:
        return _Fit(tau, np.nan, None, extra)
    zbar1 = (d @ Z) / d.sum()
    v0 = Z @ solve_psd(A0, zbar1)
    psi = (d * (e0 - tau) - pi * (1 - d) * e0 * v0) / pi
    return _Fit(tau, _se(psi), None, extra)


def _ipw(y: Arr, d: Arr, Z: Arr, ps: PropensityFit, estimand: str, with_se: bool) -> _Fit:
    p = ps.p
    t = d == 1
    if estimand == "ATE":
        a1, a0 = _inverse_probabilities(d, p)
        c1, c0 = a1.mean(), a0.mean()
        mu1, mu0 = (a1 @ y) / a1.sum(), (a0 @ y) / a0.sum()
        tau = float(mu1 - mu0)
        w = a1 + a0
        extra = {"pom_treated": float(mu1), "pom_control": float(mu0)}
        if not with_se:
            return _Fit(tau, np.nan, w, extra)
        r1, r0 = a1 * (y - mu1), a0 * (y - mu0)
        g1 = -(Z.T @ (r1 * (1 - p))) / y.size
        g0 = (Z.T @ (r0 * p)) / y.size
        v = Z @ solve_psd(ps.hessian, g1 / c1 - g0 / c0)
        psi = r1 / c1 - r0 / c0 + (d - p) * v
        return _Fit(tau, _se(psi), w, extra)
    a0 = _comparison_odds(d, p)
    c0 = a0.mean()
    pi = t.mean()
    mu1 = float(y[t].mean())
    mu0 = float((a0 @ y) / a0.sum())
    tau = mu1 - mu0
    w = d + a0
    extra = {"mean_treated": mu1, "pom_control": mu0}
    if not with_se:
        return _Fit(tau, np.nan, w, extra)
    r0 = a0 * (y - mu0)
    g0 = (Z.T @ r0) / y.size
    v = Z @ solve_psd(ps.hessian, g0 / c0)
    psi = d * (y - mu1) / pi - r0 / c0 - (d - p) * v
    return _Fit(tau, _se(psi), w, extra)


def _aipw(y: Arr, d: Arr, Z: Arr, ps: PropensityFit, estimand: str, with_se: bool) -> _Fit:
    """AIPW in two blocked passes over the records: the first sums the point estimate and the
    derivatives of its moment with respect to the nuisance parameters, the second (which needs
    those derivatives) the squared influence function."""
    b1, A1, b0, A0 = fit_arms(Z, y, d)
    if estimand == "ATE":
        return _aipw_ate(y, d, Z, ps.p, b1, A1, b0, A0, ps.hessian, with_se)
    return _aipw_att(y, d, Z, ps.p, b0, A0, ps.hessian, with_se)


def _aipw_ate(y: Arr, d: Arr, Z: Arr, p: Arr, b1: Arr, A1: Arr, b0: Arr, A0: Arr, H: Arr,
              with_se: bool) -> _Fit:
    n = y.size
    w = np.empty(n)

    def terms(s: int, e: int, coefs: Arr) -> tuple[Arr, ...]:
        mu = coefs @ Z[s:e].T  # rows: Z @ b1, Z @ b0, then the influence-function directions
        a1, a0 = _inverse_probabilities(d[s:e], p[s:e])
        e1, e0 = y[s:e] - mu[0], y[s:e] - mu[1]
        return mu, a1, a0, e1, e0, a1 * e1, a0 * e0

    def moments(s: int, e: int) -> tuple[Any, ...]:
        mu, a1, a0, _, _, r1, r0 = terms(s, e, np.array([b1, b0]))
        np.add(a1, a0, out=w[s:e])
        sums = (mu[0].sum(), mu[1].sum(), r1.sum(), r0.sum())
        if not with_se:
            return sums
        # n times the derivative of the ATE moment with respect to b1, -n times those with respect
        # to b0 and the logit coefficients
        G = np.empty((3, e - s))
        np.subtract(1.0, a1, out=G[0])
        np.subtract(1.0, a0, out=G[1])
        pc = p[s:e]
        np.add(r1 * (1.0 - pc), r0 * pc, out=G[2])
        return (*sums, G @ Z[s:e])

    m = blocked_sum(moments, n)
    pom1, pom0 = (m[0] + m[2]) / n, (m[1] + m[3]) / n
    tau = pom1 - pom0
    extra = {"pom_treated": pom1, "pom_control": pom0}
    if not with_se:
        return _Fit(tau, np.nan, w, extra)
    grad = m[4] / n
    coefs = np.array([b1, b0, solve_psd(A1, grad[0]), solve_psd(A0, -grad[1]), solve_psd(H, -grad[2])])

    def squared_influence(s: int, e: int) -> tuple[float]:
        mu, _, _, e1, e0, r1, r0 = terms(s, e, coefs)
        dc = d[s:e]
        psi = (mu[0] - mu[1] - tau) + (r1 - r0)
        psi += dc * e1 * mu[2]
        psi += (1.0 - dc) * e0 * mu[3]
        psi += (dc - p[s:e]) * mu[4]
        return (psi @ psi,)

    (ss,) = blocked_sum(squared_influence, n)
    return _Fit(tau, float(np.sqrt(ss) / n), w, extra)


def _aipw_att(y: Arr, d: Arr, Z: Arr, p: Arr, b0: Arr, A0: Arr, H: Arr, with_se: bool) -> _Fit:
    n = y.size
    w = np.empty(n)

    def terms(s: int, e: int, coefs: Arr) -> tuple[Arr, ...]:
        mu = coefs @ Z[s:e].T  # rows: Z @ b0, then the influence-function directions
        dc, pc = d[s:e], p[s:e]
        a0 = _comparison_odds(dc, pc)
        return mu, dc, a0, y[s:e] - mu[0]

    def moments(s: int, e: int) -> tuple[Any, ...]:
        _, dc, a0, e0 = terms(s, e, b0[None, :])
        np.add(dc, a0, out=w[s:e])
        a0e0 = a0 * e0
        sums = (dc @ e0, dc @ y[s:e], a0.sum(), a0e0.sum())
        if not with_se:
            return sums
        return (*sums, np.array([dc, a0, a0e0]) @ Z[s:e])

    m = blocked_sum(moments, n)
    n1 = float(d.sum())
    A, mean_treated = m[0] / n1, m[1] / n1
    B = m[3] / m[2]
    tau = A - B
    extra = {"mean_treated": mean_treated, "pom_control": mean_treated - tau}
    if not with_se:
        return _Fit(tau, np.nan, w, extra)
    pi, c = n1 / n, m[2] / n
    # gBg = Z' (a0 (e0 - B)) / n, expanded because B is known only after the pass
    zbar1, gBb, gBg = m[4][0] / n1, -m[4][1] / n, (m[4][2] - B * m[4][1]) / n
    coefs = np.array([b0, solve_psd(A0, -zbar1 - gBb / c), solve_psd(H, gBg / c)])

    def squared_influence(s: int, e: int) -> tuple[float]:
        mu, dc, a0, e0 = terms(s, e, coefs)
        psi = dc * (e0 - A) / pi
        psi -= a0 * (e0 - B) / c
        psi += (1.0 - dc) * e0 * mu[1]
        psi -= (dc - p[s:e]) * mu[2]
        return (psi @ psi,)

    (ss,) = blocked_sum(squared_influence, n)
    return _Fit(tau, float(np.sqrt(ss) / n), w, extra)


def _matching(y: Arr, d: Arr, ps: PropensityFit, estimand: str, with_se: bool, n_neighbors: int) -> _Fit:
    tau, se, w = match_estimate(y, d, ps.p, estimand=estimand, n_neighbors=n_neighbors, with_se=with_se)
    return _Fit(tau, se, w)


def _logit(Z: Arr, d: Arr, ridge: float, max_iter: int) -> PropensityFit:
    ps = fit_logit(Z, d, ridge=ridge, max_iter=max_iter)
    if not ps.converged:
        raise ValueError(f"the propensity model did not converge in {max_iter} Newton steps (the covariates "
                         "may separate trained from untrained records perfectly); pass ridge > 0 "
                         "(e.g. 1e-6) and/or trim")
    return ps


def _prepare(d: Arr, X: Arr, Z: Arr, trim: Trim, ridge: float,
             max_iter: int) -> tuple[Arr | None, Trimming | None, Arr, PropensityFit]:
    """Fit the propensity score, apply the overlap rule and refit on the kept records."""
    ps = _logit(Z, d, ridge, max_iter)
    if trim is None:
        return None, None, Z, ps
    keep, info = trim_mask(ps.p, d, trim)
    if info.n_dropped == 0:
        return None, info, Z, ps
    dk = d[keep]
    n1 = int(dk.sum())
    if n1 < 2 or dk.size - n1 < 2:
        raise ValueError(f"trim={trim!r} leaves {n1} treated and {dk.size - n1} comparison records; "
                         "at least 2 of each are needed")
    # The estimators are defined on the trimmed population, so every model is refitted on it.
    Zk = design(X[keep])
    psk = _logit(Zk, dk, ridge, max_iter)
    return keep, info, Zk, psk


def _point(method: str, y: Arr, d: Arr, X: Arr | None, estimand: str, trim: Trim, ridge: float,
           n_neighbors: int, with_se: bool, max_iter: int, Z: Arr | None = None
           ) -> tuple[_Fit, Arr | None, Trimming | None, PropensityFit | None]:
    """Everything for one estimate on one sample; returns (_Fit, keep, trimming, ps)."""
    if method == "difference":
        return _welch(y, d), None, None, None
    if X is None:  # estimate() has refused this already; here for the type checker
        raise ValueError("X: covariates are required except for 'difference'")
    if Z is None:
        Z = design(X)
    if method == "regression" and trim is None:
        return _regression(y, d, Z, estimand, with_se), None, None, None
    keep, info, Z, ps = _prepare(d, X, Z, trim, ridge, max_iter)
    yk, dk = (y, d) if keep is None else (y[keep], d[keep])
    if method == "regression":
        fit = _regression(yk, dk, Z, estimand, with_se)
    elif method == "ipw":
        fit = _ipw(yk, dk, Z, ps, estimand, with_se)
    elif method == "aipw":
        fit = _aipw(yk, dk, Z, ps, estimand, with_se)
    else:
        fit = _matching(yk, dk, ps, estimand, with_se, n_neighbors)
    return fit, keep, info, ps


def _bootstrap(method: str, y: Arr, d: Arr, X: Arr | None, estimand: str, trim: Trim, ridge: float,
               n_neighbors: int, n_boot: int, seed: int | None, max_iter: int) -> Arr:
    rng = np.random.default_rng(seed)
    t_idx, c_idx = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    reps = np.empty(n_boot)
    for b in range(n_boot):
        # resampling within arms keeps both groups non-empty and their sizes fixed
        idx = np.concatenate([rng.choice(t_idx, t_idx.size), rng.choice(c_idx, c_idx.size)])
        Xb = None if X is None else X[idx]
        try:
            reps[b] = _point(method, y[idx], d[idx], Xb, estimand, trim, ridge, n_neighbors, False,
                             max_iter)[0].tau
        except ValueError:  # a resample whose trimming leaves too few records has no estimate
            reps[b] = np.nan
    ok = reps[np.isfinite(reps)]
    if ok.size < max(2, n_boot // 2):
        raise ValueError(f"only {ok.size} of {n_boot} bootstrap resamples could be estimated")
    return ok


def estimate(y: ArrayLike, d: ArrayLike, X: ArrayLike | None = None, *, method: str = "aipw",
             estimand: str = "ATE", trim: Trim = None,
             ridge: float = 0.0, se: str = "analytic", n_boot: int = 499, seed: int | None = None,
             level: float = 0.95, n_neighbors: int = 1, names: Sequence[str] | None = None,
             diagnostics: bool = True, max_iter: int = 100,
             balance_on: ArrayLike | None = None) -> ImpactEstimate:
    """Estimate the effect of training (``d``) on an outcome such as income (``y``).

    Parameters
    ----------
    y : (n,) outcome. d : (n,) 1 = trained, 0 = comparison.
    X : (n, k) covariates without an intercept column (required except for ``"difference"``).
    method : one of :data:`METHODS`.
    estimand : ``"ATE"`` (everyone in the analysis sample) or ``"ATT"`` (the trained).
    trim : ``None``; ``"crump"`` (Crump et al. 2009); ``"common_support"``; or ``a`` in (0, 0.5)
        to keep propensity scores in ``[a, 1-a]``. Models are refitted on the kept records.
        Not applied to ``"difference"``.
    ridge : L2 penalty for the logistic propensity model (standardised scale); 0 = plain MLE.
    se : ``"analytic"`` (influence function; Abadie-Imbens for matching; Welch for difference)
        or ``"bootstrap"`` (``n_boot`` stratified resamples, generator seeded with ``seed``;
        percentile CI).
    level : confidence level of the interval.
    n_neighbors : matches per record for ``"matching"``.
    names : covariate names for the balance table (of ``balance_on`` when given).
    diagnostics : compute the balance table.
    balance_on : (n, m) pre-training characteristics to check balance on, default ``X``. Pass every
        characteristic measured, so that balance is also checked on what the models leave out.
    """
    yv = _as_vector(y, "y")
    n = yv.size
    dv = _as_treatment(d, n)
    est = _check_options(method, estimand, level, se, ridge, trim, n_boot, n_neighbors, METHODS)
    Xm = None
    if method != "difference" or X is not None:
        if X is None:
            raise ValueError(f"X is required for method {method!r}")
        Xm = _as_matrix(X, n)
    trim_used = None if method == "difference" else trim
    with blas_single_thread():
        Z = None if Xm is None else design(Xm, drop_constant=False)
        fit, keep, info, ps = _point(method, yv, dv, Xm, est, trim_used, ridge, n_neighbors,
                                     se == "analytic", max_iter, Z)
        del Z
    z = float(norm.ppf(0.5 + level / 2.0))
    if se == "analytic":
        s = fit.se
        lo, hi = fit.tau - z * s, fit.tau + z * s
        se_name = {"difference": "Welch", "matching": "Abadie-Imbens"}.get(method, "influence function")
    else:
        with blas_single_thread():
            reps = _bootstrap(method, yv, dv, Xm, est, trim_used, ridge, n_neighbors, int(n_boot), seed,
                              max_iter)
        s = float(reps.std(ddof=1))
        lo, hi = (float(q) for q in np.quantile(reps, [0.5 - level / 2.0, 0.5 + level / 2.0]))
        se_name = f"bootstrap ({reps.size} of {int(n_boot)} resamples estimable, percentile CI)"
    dk = dv if keep is None else dv[keep]
    bal = None
    extra = dict(fit.extra)
    if fit.weights is not None:
        extra.update(effective_sizes(fit.weights, dk))
    Xb = Xm if balance_on is None else _as_matrix(balance_on, n, "balance_on")
    if diagnostics and Xb is not None:
        k = Xb.shape[1]
        nm = tuple(names) if names is not None else tuple(f"x{j}" for j in range(k))
        if len(nm) != k:
            what = "X" if balance_on is None else "balance_on"
            raise ValueError(f"names has {len(nm)} entries but {what} has {k} columns")
        bal = balance_table(Xb, dv, nm, keep=keep, weights=fit.weights,
                            weighted=fit.weights is not None)
        if keep is not None and info is not None:
            info = describe_trimmed(info, Xb, dv, keep, nm)
    return ImpactEstimate(
        method=method, estimand=est, estimate=float(fit.tau), std_error=float(s),
        ci_low=float(lo), ci_high=float(hi), level=float(level),
        n_treated=int(dk.sum()), n_control=int(dk.size - dk.sum()), se_method=se_name,
        assumptions=ASSUMPTIONS[method], trimming=info, balance=bal,
        propensity_converged=None if ps is None else ps.converged, extra=extra)


def estimate_all(y: ArrayLike, d: ArrayLike, X: ArrayLike | None, *, methods: Sequence[str] = METHODS,
                 **kwargs: Any) -> dict[str, ImpactEstimate]:
    """Every method in ``methods`` on the same data and options (see :func:`estimate`)."""
    return {m: estimate(y, d, X, method=m, **kwargs) for m in methods}


def propensity_score(d: ArrayLike, X: ArrayLike, *, ridge: float = 0.0, max_iter: int = 100) -> PropensityFit:
    """Fit the logistic propensity model P(d = 1 | X) alone (for diagnostics and plots)."""
    dv = np.asarray(d, dtype=float)
    Xm = _as_matrix(X, dv.size)
    dv = _as_treatment(dv, dv.size)
    return fit_logit(design(Xm, drop_constant=False), dv, ridge=ridge, max_iter=max_iter)


def did(y_pre: ArrayLike, y_post: ArrayLike, d: ArrayLike, X: ArrayLike | None = None, *,
        method: str = "simple", trim: Trim = None, ridge: float = 0.0,
        se: str = "analytic", n_boot: int = 499, seed: int | None = None, level: float = 0.95,
        names: Sequence[str] | None = None, diagnostics: bool = True) -> ImpactEstimate:
    """Difference-in-differences on a panel: each record has income before and after training.

    The estimand is the ATT. ``method``: ``"simple"`` (change of the treated minus change of the
    comparison group; Welch SE), ``"regression"`` (the comparison group's change is predicted from
    ``X`` by OLS, Heckman-Ichimura-Todd), ``"doubly_robust"`` (Sant'Anna-Zhao panel DR-DiD).
    """
    pre = _as_vector(y_pre, "y_pre")
    post = _as_vector(y_post, "y_post", pre.size)
    if method not in DID_METHODS:
        raise ValueError(f"method must be one of {', '.join(DID_METHODS)}; got {method!r}")
    inner = {"simple": "difference", "regression": "regression", "doubly_robust": "aipw"}[method]
    if method == "simple" and X is not None:
        X = None
    r = estimate(post - pre, d, X, method=inner, estimand="ATT", trim=trim, ridge=ridge, se=se,
                 n_boot=n_boot, seed=seed, level=level, names=names, diagnostics=diagnostics)
    return ImpactEstimate(
        method=f"did:{method}", estimand="ATT", estimate=r.estimate, std_error=r.std_error,
        ci_low=r.ci_low, ci_high=r.ci_high, level=r.level, n_treated=r.n_treated,
        n_control=r.n_control, se_method=r.se_method, assumptions=ASSUMPTIONS[f"did:{method}"],
        trimming=r.trimming, balance=r.balance, propensity_converged=r.propensity_converged,
        extra=r.extra)
