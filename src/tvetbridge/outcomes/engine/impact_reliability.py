"""Is an impact estimate reliable? A verdict from the diagnostics, stored as codes and numbers.

Pure NumPy (no Django). :func:`assess` reads the estimates of several estimators on the same data and
returns :class:`Reliability`: ``"reliable"``, ``"fragile"`` with the reasons, or ``"not_estimable"``.
Each reason is a code with the numbers behind it; the platform renders them as sentences in the
reader's language.

The checks, each with the principle behind its threshold:

* **imbalance** — after weighting, the largest standardised mean difference of a pre-training
  characteristic between the trained and the weighted comparison group exceeds ``balance_threshold``
  (0.1, the usual rule; Austin 2009). Balance is checked on every characteristic measured before
  training, including any the outcome and propensity models leave out (see ``balance_on`` in
  :func:`impact.estimate`): a model that omits past earnings can look balanced on what it kept.
  The same 0.1 holds for characteristics the doubly robust outcome model includes: its correction is
  only as good as its functional form, which imbalance puts under strain. Tolerating 0.25 there
  (Rubin 2001) turned far-off estimates into "reliable" ones on the NSW/PSID data and rescued no
  good one (``benchmarks/impact_verdict.py``; ``docs/impact-verdict.md``).
* **trimmed** — more than ``max_trimmed_share`` (10 %) of the trained fall outside the comparison
  group's range and are dropped: the estimate then no longer describes the trained as a whole.
  Dropping comparison records outside the trained's range is what trimming is for and is reported,
  not counted against the estimate.
* **few comparisons** — the comparison group's effective size under the weights (Kish) is below
  ``min_ess`` (30) or below ``min_ess_share`` (10 %) of the trained: the estimate leans on a handful
  of people.
* **disagreement** — two of the adjusted estimators (regression, weighting, doubly robust, matching)
  differ by more than ``agreement_z`` (1.96) times ``sqrt(se_a^2 + se_b^2)``. Estimators on the same
  data are positively correlated, so this bound on the standard error of the difference is
  conservative: a flagged gap is real.
* **weak confounding** — the interval excludes zero but the E-value of the point estimate
  (VanderWeele and Ding 2017; continuous outcomes through the standardised effect, RR ≈ exp(0.91 d))
  is below ``weak_confounding`` (1.25): an unmeasured factor associated with both training and income
  more weakly than most measured ones could explain the whole effect.

*Not estimable*: the headline estimator failed, or the comparison group's effective size is below 5.

What the verdict cannot see: a confounder that is not measured. With one pre-training income window
(LaLonde's NSW sample, and this platform's data) balanced data look the same whether or not earlier
earnings drove enrolment; "reliable" means the checks above pass, not that the estimate is unconfounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .impact import ImpactEstimate

__all__ = ["Reason", "Reliability", "assess", "e_value", "e_value_rr", "not_estimable", "VERDICTS"]

VERDICTS = ("reliable", "fragile", "not_estimable")
ADJUSTED = ("regression", "ipw", "aipw", "matching")


@dataclass(frozen=True)
class Reason:
    code: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reliability:
    verdict: str
    reasons: tuple[Reason, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": [{"code": r.code, **r.facts} for r in self.reasons],
                "facts": dict(self.facts)}


def e_value_rr(rr: float) -> float:
    """E-value of a risk ratio (VanderWeele and Ding 2017): RR + sqrt(RR (RR - 1)), RR taken ≥ 1."""
    if not math.isfinite(rr) or rr <= 0:
        raise ValueError(f"a risk ratio must be positive and finite; got {rr!r}")
    rr = max(rr, 1.0 / rr)
    return rr + math.sqrt(rr * (rr - 1.0))


def e_value(estimate: float, ci_low: float, ci_high: float, outcome_sd: float) -> tuple[float, float]:
    """E-values of a mean difference and of its interval limit nearer zero (1 when it covers zero).

    A difference in means becomes a standardised effect ``d = estimate / outcome_sd`` and then an
    approximate risk ratio ``exp(0.91 d)`` (VanderWeele and Ding 2017, after Chinn 2000).
    """
    if not (outcome_sd > 0 and math.isfinite(outcome_sd)):
        raise ValueError(f"outcome_sd must be positive; got {outcome_sd!r}")

    def ev(x: float) -> float:
        return e_value_rr(math.exp(0.91 * abs(x) / outcome_sd))

    near = 0.0 if ci_low <= 0 <= ci_high else min(abs(ci_low), abs(ci_high))
    return ev(estimate), ev(near)


def not_estimable(code: str, **facts: Any) -> Reliability:
    return Reliability("not_estimable", (Reason(code, facts),), {})


def assess(estimates: Mapping[str, ImpactEstimate], *, outcome_sd: float, headline: str = "aipw",
           balance_threshold: float = 0.1, max_trimmed_share: float = 0.10, min_ess: float = 30.0,
           min_ess_share: float = 0.10, agreement_z: float = 1.96, weak_confounding: float = 1.25,
           compare: Sequence[str] = ADJUSTED) -> Reliability:
    """The verdict on ``estimates[headline]`` given the other estimators on the same data."""
    main = estimates.get(headline)
    if main is None:
        return not_estimable("no_estimate", method=headline)
    n_treated_all = main.n_treated + (main.trimming.n_dropped_treated if main.trimming else 0)
    ess = main.extra.get("ess_control")
    facts: dict[str, Any] = {"method": headline, "estimate": main.estimate, "std_error": main.std_error,
                   "n_treated": main.n_treated, "n_control": main.n_control,
                   "balance_threshold": balance_threshold, "ess_control": ess}
    if ess is not None and ess < 5:
        return Reliability("not_estimable", (Reason("no_comparison", {"ess": ess}),), facts)
    reasons: list[Reason] = []

    bal = main.balance
    smd_after = None if bal is None else bal.smd_after
    if bal is not None and smd_after is not None and bal.names:
        j = max(range(len(bal.names)), key=lambda i: abs(smd_after[i]))
        facts["max_smd_after"] = abs(smd_after[j])
        facts["max_smd_before"] = bal.max_abs_before
        if abs(smd_after[j]) > balance_threshold:
            reasons.append(Reason("imbalance", {"covariate": bal.names[j], "smd": smd_after[j],
                                                "threshold": balance_threshold}))

    tr = main.trimming
    if tr is not None:
        facts["dropped_treated"], facts["dropped_control"] = tr.n_dropped_treated, tr.n_dropped_control
        facts["trimmed_covariate"], facts["trimmed_smd"] = tr.most_different, tr.smd_dropped
        share = tr.n_dropped_treated / n_treated_all if n_treated_all else 0.0
        if share > max_trimmed_share:
            reasons.append(Reason("trimmed", {"dropped": tr.n_dropped_treated, "total": n_treated_all,
                                              "share": share, "covariate": tr.most_different,
                                              "smd": tr.smd_dropped}))

    if ess is not None:
        floor = max(min_ess, min_ess_share * main.n_treated)
        if ess < floor:
            reasons.append(Reason("few_comparisons", {"ess": ess, "n_control": main.n_control,
                                                      "minimum": floor}))

    ok = [(m, estimates[m]) for m in compare if m in estimates]
    worst = None
    for i, (ma, a) in enumerate(ok):
        for mb, b in ok[i + 1:]:
            scale = math.hypot(a.std_error, b.std_error)
            if scale > 0:
                z = abs(a.estimate - b.estimate) / scale
                if worst is None or z > worst[0]:
                    worst = (z, (ma, a.estimate), (mb, b.estimate))
    if worst is not None:
        facts["agreement_z"] = worst[0]
        if worst[0] > agreement_z:
            (la, va), (lb, vb) = sorted([worst[1], worst[2]], key=lambda t: t[1])
            reasons.append(Reason("disagreement", {"low_method": la, "low": va, "high_method": lb, "high": vb,
                                                   "z": worst[0]}))

    ev, ev_ci = e_value(main.estimate, main.ci_low, main.ci_high, outcome_sd)
    facts["e_value"], facts["e_value_ci"] = ev, ev_ci
    if ev_ci > 1.0 and ev < weak_confounding:
        reasons.append(Reason("weak_confounding", {"e_value": ev, "threshold": weak_confounding}))

    return Reliability("fragile" if reasons else "reliable", tuple(reasons), facts)
