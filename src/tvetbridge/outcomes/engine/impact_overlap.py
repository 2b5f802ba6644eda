"""Overlap trimming and covariate balance diagnostics for the impact engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Balance", "Trimming", "balance_table", "crump_alpha", "describe_trimmed", "effective_sizes", "trim_mask"]


@dataclass(frozen=True)
class Trimming:
    """Which records an overlap rule kept.

    ``rule`` is ``"crump"``, ``"common_support"`` or ``"bounds"``; ``lower``/``upper`` are the
    propensity-score limits that were applied.
    """

    rule: str
    lower: float
    upper: float
    n_dropped_treated: int
    n_dropped_control: int
    # Who was dropped: the covariate on which the dropped records differ most from the kept ones
    # (of the treated when any treated were dropped, else of the comparison group), and by how many
    # pooled standard deviations (dropped minus kept).
    most_different: str = ""
    smd_dropped: float = 0.0

    @property
    def n_dropped(self) -> int:
        return self.n_dropped_treated + self.n_dropped_control


def crump_alpha(p: np.ndarray) -> float:
    """Cut-off ``alpha`` of Crump, Hotz, Imbens and Mitnik (2009).

    Keeping ``alpha <= p <= 1 - alpha`` minimises the asymptotic variance of the ATE among
    trimming rules of that form under homoskedasticity. With ``g = 1/(p(1-p))``: no trimming if
    ``max g <= 2 E[g]``, otherwise ``gamma`` solves ``gamma = 2 E[g | g <= gamma]`` and
    ``alpha = 1/2 - sqrt(1/4 - 1/gamma)``.
    """
    g = 1.0 / (p * (1.0 - p))
    if g.max() <= 2.0 * g.mean():
        return 0.0
    gs = np.sort(g)
    cmean = np.cumsum(gs) / np.arange(1, gs.size + 1)
    ok = gs <= 2.0 * cmean
    last = int(np.flatnonzero(ok)[-1])
    gamma = 2.0 * cmean[last]
    return float(0.5 - np.sqrt(max(0.25 - 1.0 / gamma, 0.0)))


def trim_mask(p: np.ndarray, d: np.ndarray, rule: str | float) -> tuple[np.ndarray, Trimming]:
    """Boolean mask of records kept by an overlap rule on the propensity score ``p``.

    ``rule``: ``"crump"`` (data-driven ``[alpha, 1-alpha]``), ``"common_support"`` (keep scores
    inside the range where both groups are observed: [max of the two minima, min of the two
    maxima], as in Dehejia and Wahba 1999), or a number ``a`` in (0, 0.5) for ``[a, 1-a]``.
    """
    treated = d == 1
    if isinstance(rule, str):
        if rule == "crump":
            a = crump_alpha(p)
            lo, hi, name = a, 1.0 - a, "crump"
        elif rule == "common_support":
            lo = max(p[treated].min(), p[~treated].min())
            hi = min(p[treated].max(), p[~treated].max())
            name = "common_support"
        else:
            raise ValueError(f"trim must be None, 'crump', 'common_support' or a number in (0, 0.5); got {rule!r}")
    else:
        lo, hi, name = float(rule), 1.0 - float(rule), "bounds"
    keep = (p >= lo) & (p <= hi)
    info = Trimming(rule=name, lower=float(lo), upper=float(hi),
                    n_dropped_treated=int((treated & ~keep).sum()),
                    n_dropped_control=int((~treated & ~keep).sum()))
    return keep, info


@dataclass(frozen=True)
class Balance:
    """Standardised mean differences (treated minus comparison, in pooled SDs) per covariate.

    ``smd_before``: raw sample, unweighted, before trimming. ``smd_after``: analysis sample
    after trimming, weighted by the estimator's weights (``None`` for estimators that do not
    reweight). The pooled SD of the raw sample is the denominator of both, so a change reflects
    a change in means, not in scale. |SMD| < 0.1 is the usual threshold for good balance.
    """

    names: tuple[str, ...]
    smd_before: tuple[float, ...]
    smd_after: tuple[float, ...] | None

    @property
    def max_abs_before(self) -> float:
        return float(np.max(np.abs(self.smd_before))) if self.names else 0.0

    @property
    def max_abs_after(self) -> float | None:
        if self.smd_after is None:
            return None
        return float(np.max(np.abs(self.smd_after))) if self.names else 0.0


def _weighted_means(X: np.ndarray, d: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    t = d == 1
    if w is None:
        return X[t].mean(axis=0), X[~t].mean(axis=0)
    w1, w0 = w * t, w * ~t
    return (w1 @ X) / w1.sum(), (w0 @ X) / w0.sum()


def balance_table(X: np.ndarray, d: np.ndarray, names: tuple[str, ...], *,
                  keep: np.ndarray | None = None, weights: np.ndarray | None = None,
                  weighted: bool = True) -> Balance:
    """Balance before (raw) and after (``keep``-subsample, ``weights``) adjustment."""
    t = d == 1
    sd = np.sqrt(0.5 * (X[t].var(axis=0, ddof=1) + X[~t].var(axis=0, ddof=1)))
    sd = np.where(sd > 0, sd, 1.0)
    m1, m0 = _weighted_means(X, d, None)
    before = tuple(float(v) for v in (m1 - m0) / sd)
    after = None
    if weighted:
        Xa, da = (X, d) if keep is None else (X[keep], d[keep])
        a1, a0 = _weighted_means(Xa, da, weights)
        after = tuple(float(v) for v in (a1 - a0) / sd)
    return Balance(names=names, smd_before=before, smd_after=after)


def describe_trimmed(info: Trimming, X: np.ndarray, d: np.ndarray, keep: np.ndarray,
                     names: tuple[str, ...]) -> Trimming:
    """``info`` with the covariate that best tells the dropped records from the kept ones."""
    import dataclasses

    arm = (d == 1) if info.n_dropped_treated else (d == 0)
    out, kept = arm & ~keep, arm & keep
    if out.sum() == 0 or kept.sum() < 2 or not names:
        return info
    sd = np.sqrt(X[arm].var(axis=0, ddof=1))
    sd = np.where(sd > 0, sd, 1.0)
    smd = (X[out].mean(axis=0) - X[kept].mean(axis=0)) / sd
    j = int(np.argmax(np.abs(smd)))
    return dataclasses.replace(info, most_different=names[j], smd_dropped=float(smd[j]))


def effective_sizes(w: np.ndarray, d: np.ndarray) -> dict[str, float]:
    """Kish effective sample size of each arm under the estimator's weights: (sum w)^2 / sum w^2.

    It says how many equally weighted records the weighted comparison is worth; a few records with
    very large weights make it small even when the arm is large.
    """
    out = {}
    for key, arm in (("ess_treated", d == 1), ("ess_control", d == 0)):
        wa = w[arm]
        ss = float(wa @ wa)
        out[key] = float(wa.sum() ** 2 / ss) if ss > 0 else 0.0
    return out
