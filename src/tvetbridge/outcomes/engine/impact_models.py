"""Nuisance models for the impact engine: design matrix, logistic propensity (Newton/IRLS), OLS.

Pure NumPy/SciPy. All fits work on an internally standardised design (intercept + centred and
scaled covariates): predictions and the influence-function corrections built from them do not
depend on the parametrisation, and standardising keeps X'WX well conditioned when covariates
such as squared earnings span many orders of magnitude.

Passes over the records are blocked (:func:`blocked_sum`): temporaries stay in cache and no n×k
copy is made. The design is stored column-major, so that scaling a block's columns and the BLAS
calls on a block run over contiguous memory.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

__all__ = ["PropensityFit", "blocked_sum", "design", "fit_arms", "fit_logit", "solve_psd"]


try:  # shipped with scikit-learn, a project dependency; optional here
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


def blas_single_thread() -> AbstractContextManager[Any]:
    """Run BLAS single-threaded inside the blocked passes.

    The passes call BLAS on many small blocks; a threaded BLAS wakes its threads for every call,
    which costs more than the call itself and collapses when the machine's cores are busy. The
    passes are memory-bound, so one thread loses almost nothing on an idle machine.
    """
    if threadpool_limits is None:
        return nullcontext()
    limits: AbstractContextManager[Any] = threadpool_limits(limits=1, user_api="blas")
    return limits


CHUNK = 1 << 12  # rows per block: a block of the design and its temporaries fit in L2 cache


def blocked_sum(block: Callable[[int, int], tuple[Any, ...]], n: int) -> tuple[Any, ...]:
    """Sum of ``block(start, stop)`` (a tuple of arrays and floats) over consecutive blocks of rows.

    Splitting the blocks between two threads was measured slower on a shared 2-core machine: the
    bundled OpenBLAS ran concurrent matrix-matrix products one at a time, and the elementwise
    work gained little when the other core was busy.
    """
    total: tuple[Any, ...] | None = None
    for s in range(0, n, CHUNK):
        terms = block(s, min(s + CHUNK, n))
        total = terms if total is None else tuple(a + b for a, b in zip(total, terms, strict=True))
    if total is None:
        raise ValueError("n: there are no rows to sum")
    return total


def _symmetric(G: np.ndarray) -> np.ndarray:
    """The upper triangle of ``G`` mirrored: a Gram matrix from a general product is symmetric
    only up to rounding."""
    return np.asarray(np.triu(G) + np.triu(G, 1).T)


def design(X: np.ndarray, *, name: str = "X", drop_constant: bool = True) -> np.ndarray:
    """Intercept plus standardised columns of ``X`` (column-major).

    A column can be non-constant in the input and constant after trimming; it is then collinear
    with the intercept and carries no information, so dropping it changes no fitted value. With
    ``drop_constant=False`` such a column is an input error instead.
    """
    n = X.shape[0]
    mean, sd = _column_mean_sd(X)
    keep = sd > 1e-12 * np.maximum(1.0, np.abs(mean))
    if not keep.all() and not drop_constant:
        raise ValueError(f"{name} column {int(np.flatnonzero(~keep)[0])} is constant; do not pass "
                         "an intercept, the engine adds one")
    columns = np.flatnonzero(keep)
    Z = np.empty((n, 1 + columns.size), order="F")
    Z[:, 0] = 1.0

    def fill(s: int, e: int) -> tuple[Any, ...]:
        Xb = X[s:e]
        for j, c in enumerate(columns, start=1):
            z = Z[s:e, j]
            np.subtract(Xb[:, c], mean[c], out=z)
            z /= sd[c]
        return ()

    blocked_sum(fill, n)
    return Z


def _column_mean_sd(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation of each column in one pass.

    The sums are taken around a shift close to the mean (the mean of a strided sample of rows),
    so that ``E[(x - shift)^2] - E[x - shift]^2`` does not cancel even when a column's mean is
    large compared with its spread.
    """
    n = X.shape[0]
    shift = X[::max(1, n // 1000)].mean(axis=0)
    # a block-shaped shift and BLAS sums: broadcasting along rows of k values is several times slower
    shifts, ones = np.tile(shift, (CHUNK, 1)), np.ones(CHUNK)

    def sums(s: int, e: int) -> tuple[Any, ...]:
        C = X[s:e] - shifts[:e - s]
        first = ones[:e - s] @ C
        C *= C
        return first, ones[:e - s] @ C

    s1, s2 = blocked_sum(sums, n)
    dev = s1 / n
    return shift + dev, np.sqrt(np.maximum(s2 / n - dev * dev, 0.0))


def solve_psd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``A x = b`` for a symmetric positive (semi)definite k×k ``A``.

    Cholesky first; if ``A`` is singular (a covariate constant within one arm) fall back to the
    minimum-norm least-squares solution, which leaves fitted values unique.
    """
    try:
        c = linalg.cho_factor(A, check_finite=False)
        x = linalg.cho_solve(c, b, check_finite=False)
        if np.all(np.isfinite(x)):
            return np.asarray(x)
    except linalg.LinAlgError:
        pass
    return np.asarray(np.linalg.lstsq(A, b, rcond=None)[0])


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
# relative step size from which on Newton's method uses the exact information rather than the
# warm start's estimate of it
INFORMATION_REFRESH = 1e-3


def _logit_pass(Z: np.ndarray, d: np.ndarray, beta: np.ndarray, p_out: np.ndarray,
                with_information: bool) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Negative log-likelihood, score and (if asked) information of the logit at ``beta`` in one
    blocked pass; the fitted probabilities go to ``p_out``."""
    k = Z.shape[1]

    def block(s: int, e: int) -> tuple[Any, ...]:
        Zc, dc = Z[s:e], d[s:e]
        eta = Zc @ beta
        q = np.exp(-np.abs(eta))
        one_q = 1.0 + q
        # p = exp(min(eta, 0))/(1 + q), p(1 - p) = q/(1 + q)^2 and softplus(eta) = log(1 + e^eta)
        # from q = exp(-|eta|) are stable on either sign of eta
        p = np.divide(np.exp(np.minimum(eta, 0.0)), one_q, out=p_out[s:e])
        nll = float(np.maximum(eta, 0.0).sum() + np.log1p(q).sum() - dc @ eta)
        if not with_information:
            return nll, (dc - p) @ Zc
        # information and score from one product: Z' [diag(p(1 - p)) Z, d - p]
        W = np.empty((e - s, k + 1), order="F")
        np.multiply(Zc, (q / (one_q * one_q))[:, None], out=W[:, :k])
        np.subtract(dc, p, out=W[:, k])
        return nll, Zc.T @ W

    nll, S = blocked_sum(block, Z.shape[0])
    if not with_information:
        return nll, S, None
    return nll, S[:, k], _symmetric(S[:, :k])


def _start(Z: np.ndarray, d: np.ndarray, ridge: float, max_iter: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Starting coefficients for Newton's method, and on large data an estimate of the information
    there (``None`` otherwise)."""
    n, k = Z.shape
    if n >= WARM_START_MIN_ROWS:
        # Newton's first steps only need to land near the optimum: take them on every m-th row, so
        # that the full data is read for the last two or three (quadratically convergent) steps only.
        m = n // WARM_START_ROWS
        warm = fit_logit(np.asfortranarray(Z[::m]), d[::m], ridge=ridge * len(d[::m]) / n,
                         max_iter=max_iter, tol=1e-6)
        if np.all(np.isfinite(warm.coef)) and np.all(np.isfinite(warm.hessian)):
            return warm.coef, warm.hessian * n
        return np.zeros(k), None
    beta = np.zeros(k)
    # Starting from the marginal log-odds saves one or two Newton steps on unbalanced data.
    pbar = float(d.mean())
    beta[0] = np.log(pbar / (1.0 - pbar))
    return beta, None


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
    beta, information = _start(Z, d, ridge, max_iter)
    p = np.empty(n)

    def evaluate(b: np.ndarray, with_information: bool) -> tuple[float, np.ndarray, np.ndarray | None]:
        nll, g, H = _logit_pass(Z, d, b, p, with_information)
        if H is not None:
            H[np.diag_indices(k)] += pen
        return nll + 0.5 * float((pen * b * b).sum()), g - pen * b, H

    obj, g, H = evaluate(beta, information is None)
    exact = H is not None  # is H the information at beta, or the warm start's?
    if not exact:
        H = information
    converged = False

    def stop_at_maximum() -> bool:
        # Under separation the weights p(1-p) underflow, the information matrix turns singular and
        # the step vanishes without the likelihood having a maximum.
        assert H is not None  # the information is known from the first evaluation on
        eig = np.linalg.eigvalsh(H)
        return bool(np.all(np.isfinite(beta)) and eig[0] > max(1e-10 * eig[-1], 1e-14 * n))

    def below(delta: np.ndarray, bound: float) -> bool:
        return bool(np.max(np.abs(delta)) <= bound * (1.0 + np.max(np.abs(beta))))

    def needs_information(step: np.ndarray, t: float, previous: float) -> bool:
        # Far from the maximum, while the steps shrink fast, a full step with an earlier estimate of
        # the information (at first the warm start's) converges about as fast as a Newton step and
        # saves computing the information at every pass. Near the maximum (where the standard
        # errors need the exact information), after a shortened step or when the steps stop
        # shrinking, the exact information is computed.
        return bool(information is None or t < 1.0 or below(t * step, INFORMATION_REFRESH)
                    or np.max(np.abs(step)) > 0.1 * previous)

    it, previous = 0, np.inf
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported after the loop
        assert H is not None  # as above
        step = solve_psd(H, g)
        if below(step, tol):
            if not exact:  # the maximum is here, but the standard errors need its information
                obj, g, H = evaluate(beta, True)
                exact = True
                continue
            # The Newton step from here is below tolerance: ``beta``, ``p`` and ``H`` are final, and
            # no further pass over the data is needed to find that out.
            converged = stop_at_maximum()
            break
        t = 1.0
        for _ in range(40):
            cand = beta + t * step
            exact = needs_information(step, t, previous)
            obj_new, g_new, H_new = evaluate(cand, exact)
            if obj_new <= obj + 1e-12 * abs(obj):
                break
            t *= 0.5
        beta, g, obj, previous = cand, g_new, obj_new, float(np.max(np.abs(step)))
        H = H_new if exact else H
        if below(t * step, tol) and exact:
            converged = stop_at_maximum()
            break
    return PropensityFit(coef=beta, p=p, hessian=H / n, n_iter=it, converged=converged, ridge=float(ridge))


def fit_arms(Z: np.ndarray, y: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """OLS of ``y`` on ``Z`` within each treatment arm, in one pass and without copying an arm's rows.

    Returns ``b1, A1, b0, A0``: coefficients and ``Z' diag(arm) Z / n`` of the treated (1) and
    comparison (0) arm. The Gram matrices are scaled by the full n, as the stacked moment
    conditions require.
    """
    n, k = Z.shape

    def block(s: int, e: int) -> tuple[Any, ...]:
        Zc, dc, yc = Z[s:e], d[s:e], y[s:e]
        # Z' [diag(d) Z, d y] and Z' [diag(1 - d) Z, (1 - d) y]; subtracting the treated part
        # leaves the comparison part exactly, as one of the two is zero. (Two products: one twice
        # as wide would not fit in cache with the block.)
        W1, W0 = np.empty((e - s, k + 1), order="F"), np.empty((e - s, k + 1), order="F")
        np.multiply(Zc, dc[:, None], out=W1[:, :k])
        np.multiply(dc, yc, out=W1[:, k])
        np.subtract(Zc, W1[:, :k], out=W0[:, :k])
        np.subtract(yc, W1[:, k], out=W0[:, k])
        return Zc.T @ W1, Zc.T @ W0

    S1, S0 = blocked_sum(block, n)
    A1, A0 = _symmetric(S1[:, :k]), _symmetric(S0[:, :k])
    return solve_psd(A1, S1[:, k]), A1 / n, solve_psd(A0, S0[:, k]), A0 / n
