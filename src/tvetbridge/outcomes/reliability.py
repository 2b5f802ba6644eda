"""The impact verdict in words: stored facts (codes and numbers) → sentences in the reader's language.

The engine (``engine/impact_reliability.py``) decides; the payload cached with the estimate keeps its
codes and numbers only, so a page, a flag or a finance design renders the same verdict in English,
Chinese, Russian or Kazakh.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .queries import COVARIATE_LABELS
from .services import METHOD_LABELS

VERDICT_TITLES = {
    "reliable": gettext_lazy("Reliable"),
    "fragile": gettext_lazy("Fragile"),
    "not_estimable": gettext_lazy("Not estimable"),
}


def covariate_label(code: str) -> str:
    label = COVARIATE_LABELS.get(code)
    return str(label) if label is not None else str(code)


def method_label(code: str) -> str:
    label = METHOD_LABELS.get(code)
    return str(label) if label is not None else str(code)


def reason_text(r: dict) -> str:
    code = r.get("code")
    if code == "imbalance":
        return _("after weighting, %(covariate)s still differs between the trained and the compared people by "
                 "%(smd).2f standard deviations (balanced means below %(threshold).2f)") % {
            "covariate": covariate_label(r["covariate"]), "smd": abs(r["smd"]), "threshold": r["threshold"]}
    if code == "trimmed":
        return _("%(dropped)d of %(total)d trained people (%(share).0f%%) had nobody comparable and are not "
                 "covered; they differ most in %(covariate)s") % {
            "dropped": r["dropped"], "total": r["total"], "share": 100 * r["share"],
            "covariate": covariate_label(r["covariate"])}
    if code == "few_comparisons":
        return _("the weighted comparison group is worth only %(ess).0f people (of %(n)d; at least %(minimum).0f "
                 "are needed)") % {"ess": r["ess"], "n": r["n_control"], "minimum": r["minimum"]}
    if code == "disagreement":
        return _("the estimators disagree: %(low_method)s gives %(low).0f and %(high_method)s %(high).0f, "
                 "%(z).1f combined standard errors apart") % {
            "low_method": method_label(r["low_method"]), "low": r["low"],
            "high_method": method_label(r["high_method"]), "high": r["high"], "z": r["z"]}
    if code == "weak_confounding":
        return _("an unmeasured factor tied to both training and income by a risk ratio of %(e_value).2f could "
                 "explain the whole effect") % {"e_value": r["e_value"]}
    if code == "too_few":
        return _("too few people with income observed after training: %(treated)d trained and %(control)d "
                 "compared (at least %(minimum)d each)") % {
            "treated": r["treated"], "control": r["control"], "minimum": r["minimum"]}
    if code == "no_comparison":
        return _("the weighted comparison group is worth fewer than 5 people (%(ess).1f)") % {"ess": r["ess"]}
    if code == "constant_outcome":
        return _("the comparison group's income does not vary")
    return _("the doubly robust estimate could not be computed")


def verdict(rel: dict | None) -> dict | None:
    """``{"code", "title", "headline", "reasons", "details"}`` for a stored verdict (None if there is none)."""
    if not rel or rel.get("verdict") not in VERDICT_TITLES:
        return None
    code = rel["verdict"]
    reasons = [reason_text(r) for r in rel.get("reasons") or []]
    title = str(VERDICT_TITLES[code])
    if code == "reliable":
        headline = _("Reliable: balance, overlap, the size of the comparison group, agreement between estimators "
                     "and sensitivity to unmeasured factors all pass.")
    elif code == "fragile":
        headline = _("Fragile: %(why)s.") % {"why": "; ".join(reasons)}
    else:
        headline = _("Not estimable: %(why)s.") % {"why": "; ".join(reasons)}
    f = rel.get("facts") or {}
    details = []
    if f.get("ess_control") is not None:
        details.append(_("Effective size of the weighted comparison group: %(ess).0f of %(n)d.") % {
            "ess": f["ess_control"], "n": f.get("n_control") or 0})
    if f.get("e_value") is not None:
        details.append(_("E-value %(point).2f (interval limit %(ci).2f): how strongly an unmeasured factor would "
                         "have to be tied to both training and income, as a risk ratio, to explain the effect "
                         "away.") % {"point": f["e_value"], "ci": f.get("e_value_ci") or 1.0})
    if code == "reliable":
        # benchmarks/impact_verdict.py: with one pre-training income window, estimates that pass every
        # check can still miss the truth by more than the experiment's own standard error.
        details.append(_("The checks cannot see what was not recorded, such as income in earlier years: people "
                         "who enrolled after a fall in earnings can make a balanced comparison misleading."))
    if f.get("dropped_control"):
        details.append(_("%(n)d compared people outside the trained people's range were left out.") % {
            "n": f["dropped_control"]})
    return {"code": code, "title": title, "headline": headline, "reasons": reasons, "details": details}
