"""Nuisance models for the impact engine: design matrix, logistic propensity (Newton/IRLS), OLS.

Pure NumPy/SciPy. All fits work on an internally standardised design (intercept + centred and
scaled covariates): predictions and the influence-function corrections built from them do not
depend on the parametrisation, and standardising keeps X'WX well conditioned when covariates
such as squared earnings span many orders of magnitude.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk

__all__ = ["PropensityFit", "design", "fit_logit", "fit_ols", "gram", "solve_psd"]


try:  # shipped with scikit-learn, a project dependency; optional here
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


def blas_single_thread() -> AbstractContextManager:
    """Run BLAS single-threaded inside the blocked passes.

    The passes call BLAS on many small blocks; a threaded BLAS wakes its threads for every call,
    which costs more than the call itself and collapses when the machine's cores are busy. The
    passes are memory-bound, so one thread loses almost nothing on an idle machine.
    """
    if threadpool_limits is None:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


CHUNK = 1 << 14  # rows per block: keeps temporaries in cache and avoids n×k copies


def design(X: np.ndarray, *, name: str = "X", drop_constant: bool = True) -> np.ndarray:
    """Intercept plus standardised columns of ``X``.

    A column can be non-constant in the input and constant after trimming; it is then collinear
    with the intercept and carries no information, so dropping it changes no fitted value. With
    ``drop_constant=False`` such a column is an input error instead.
    """
    n, k = X.shape
    mean = X.mean(axis=0)
    Z = np.empty((n, k + 1))
    Z[:, 0] = 1.0
    C = Z[:, 1:]
    np.subtract(X, mean, out=C)
    sd = np.sqrt(np.einsum("ij,ij->j", C, C) / n)
    keep = sd > 1e-12 * np.maximum(1.0, np.abs(mean))
    if not keep.all():
        if not drop_constant:
            raise ValueError(f"{name} column {int(np.flatnonzero(~keep)[0])} is constant; do not pass "
                             "an intercept, the engine adds one")
        Z = np.ascontiguousarray(Z[:, np.concatenate([[True], keep])])
        C, sd = Z[:, 1:], sd[keep]
    C /= sd
    return Z


def gram(Z: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """``Z' diag(w) Z`` (``w >= 0``) by blocked symmetric rank-k updates, without an n×k temporary."""
    k = Z.shape[1]
    G = np.zeros((k, k), order="F")
    for s in range(0, Z.shape[0], CHUNK):
        Zc = Z[s:s + CHUNK]
        if w is not None:
            Zc = Zc * np.sqrt(w[s:s + CHUNK])[:, None]
        G = dsyrk(1.0, Zc.T, beta=1.0, c=G, trans=0, overwrite_c=1)
    return np.triu(G) + np.triu(G, 1).T


def solve_psd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``A x = b`` for a symmetric positive (semi)definite k×k ``A``.

    Cholesky first; if ``A`` is singular (a covariate constant within one arm) fall back to the
    minimum-norm least-squares solution, which leaves fitted values unique.
    """
    try:
        c = linalg.cho_factor(A, check_finite=False)
        x = linalg.cho_solve(c, b, check_finite=False)
        if np.all(np.isfinite(x)):
            return x
    except linalg.LinAlgError:
        pass
    return np.linalg.lstsq(A, b, rcond=None)[0]


@dataclass(frozen=True)
class PropensityFit:
    """Result of the logistic propensity model P(d=1 | X).

    ``coef`` refers to the standardised design used internally; ``hessian`` is the (penalised)
    information matrix divided by n, needed for the first-step correction of standard errors.
    """

    coef: np.ndarray
    p: np.ndarray
    hessian: np.ndarray
    n_iter: int
    converged: bool
    ridge: float


WARM_START_MIN_ROWS = 400_000
WARM_START_ROWS = 100_000


def _logit_pass(Z: np.ndarray, d: np.ndarray, beta: np.ndarray, p_out: np.ndarray):
    """Negative log-likelihood, score and information of the logit at ``beta`` in one blocked pass."""
    k = Z.shape[1]
    H = np.zeros((k, k), order="F")
    g = np.zeros(k)
    nll = 0.0
    for s in range(0, Z.shape[0], CHUNK):
        Zc, dc = Z[s:s + CHUNK], d[s:s + CHUNK]
        eta = Zc @ beta
        q = np.exp(-np.abs(eta))
        # one exp gives both p and softplus(eta) = log(1 + e^eta) stably on either sign of eta
        p = np.where(eta >= 0, 1.0, q) / (1.0 + q)
        nll += float(np.maximum(eta, 0.0).sum() + np.log1p(q).sum() - dc @ eta)
        g += Zc.T @ (dc - p)
        H = dsyrk(1.0, (Zc * np.sqrt(p * (1.0 - p))[:, None]).T, beta=1.0, c=H, trans=0, overwrite_c=1)
        p_out[s:s + CHUNK] = p
    return nll, g, np.triu(H) + np.triu(H, 1).T


def fit_logit(Z: np.ndarray, d: np.ndarray, *, ridge: float = 0.0, max_iter: int = 100,
              tol: float = 1e-10) -> PropensityFit:
    """Maximum-likelihood logistic regression by Newton's method with step halving.

    ``ridge`` adds ``ridge/2 * ||coef||^2`` (intercept excluded, standardised scale) to the
    negative log-likelihood; a tiny value keeps the fit finite under (quasi-)separation, where the
    unpenalised MLE does not exist.
    """
    n, k = Z.shape
    pen = np.full(k, float(ridge))
    pen[0] = 0.0
    if n >= WARM_START_MIN_ROWS:
        # Newton's first steps only need to land near the optimum: take them on every m-th row, so
        # that the full data is read for the last two or three (quadratically convergent) steps only.
        m = n // WARM_START_ROWS
        beta = fit_logit(np.ascontiguousarray(Z[::m]), d[::m], ridge=ridge * len(d[::m]) / n,
                         max_iter=max_iter, tol=1e-6).coef
        if not np.all(np.isfinite(beta)):
            beta = np.zeros(k)
    else:
        beta = np.zeros(k)
        # Starting from the marginal log-odds saves one or two Newton steps on unbalanced data.
        pbar = float(d.mean())
        beta[0] = np.log(pbar / (1.0 - pbar))
    p = np.empty(n)

    def evaluate(b: np.ndarray):
        nll, g, H = _logit_pass(Z, d, b, p)
        H[np.diag_indices(k)] += pen
        return nll + 0.5 * float((pen * b * b).sum()), g - pen * b, H

    obj, g, H = evaluate(beta)
    converged = False

    def stop_at_maximum() -> bool:
        # Under separation the weights p(1-p) underflow, the information matrix turns singular and
        # the step vanishes without the likelihood having a maximum.
        eig = np.linalg.eigvalsh(H)
        return bool(np.all(np.isfinite(beta)) and eig[0] > max(1e-10 * eig[-1], 1e-14 * n))

    def negligible(delta: np.ndarray) -> bool:
        return bool(np.max(np.abs(delta)) <= tol * (1.0 + np.max(np.abs(beta))))

    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported after the loop
        step = solve_psd(H, g)
        if negligible(step):
            # The Newton step from here is below tolerance: ``beta``, ``p`` and ``H`` are final, and
            # no further pass over the data is needed to find that out.
            converged = stop_at_maximum()
            break
        t = 1.0
        for _ in range(40):
            cand = beta + t * step
            obj_new, g_new, H_new = evaluate(cand)
            if obj_new <= obj + 1e-12 * abs(obj):
                break
            t *= 0.5
        beta, g, H, obj = cand, g_new, H_new, obj_new
        if negligible(t * step):
            converged = stop_at_maximum()
            break
    return PropensityFit(coef=beta, p=p, hessian=H / n, n_iter=it, converged=converged, ridge=float(ridge))


def fit_ols(Z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Weighted) OLS coefficients and ``Z' diag(w) Z / n``.

    With 0/1 weights this is OLS on one treatment arm without copying that arm's rows; the Gram
    matrix is scaled by the full n, as the stacked moment conditions require.
    """
    A = gram(Z, w)
    coef = solve_psd(A, Z.T @ (y if w is None else w * y))
    return coef, A / Z.shape[0]
