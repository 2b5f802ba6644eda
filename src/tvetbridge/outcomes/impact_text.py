"""An impact analysis in the reader's language.

``services.project_impact`` caches one payload per project, comparison and money basis, read in every
language; the engine's own texts (assumptions, standard-error method, refusals) are English. Pages,
the API and reports pass the payload through ``localised``, which words every label and sentence from
the payload's codes and numbers with gettext messages and the active locale's number formats.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .flag_evidence import basis_from_key
from .queries import COMPARISONS, POST_FROM, POST_TO
from .reliability import method_label

_NO_CONFOUNDING = gettext_lazy("no unmeasured confounding: who gets trained and their later income are unrelated "
                               "once the listed characteristics are taken into account")
_OVERLAP = gettext_lazy("overlap: for every kind of person in the analysis there are both trained and untrained "
                        "people (records outside the common range can be trimmed and are then not covered)")
_PARALLEL = gettext_lazy("parallel trends: without training, the average income of trained people would have "
                         "changed by the same amount as that of the comparison group; training had no effect "
                         "before it started; permanent differences between the groups are allowed")


def assumptions(method: str) -> str:
    """The conditions under which the method's estimate is causal, in the active language."""
    parts = {
        "difference": [_("it is a causal effect only if the two groups would have earned the same on average "
                         "without training, as in a randomised trial; no adjustment is made for differences "
                         "between the groups")],
        "regression": [_NO_CONFOUNDING, _("income depends linearly on these characteristics within each group"),
                       _OVERLAP],
        "ipw": [_NO_CONFOUNDING, _("the logistic model of who gets trained is correct"), _OVERLAP],
        "aipw": [_NO_CONFOUNDING, _OVERLAP, _("doubly robust: it remains correct if either the model of who "
                                              "gets trained or the income model is correct")],
        "matching": [_NO_CONFOUNDING, _OVERLAP, _("each person is compared with the most similar people of the "
                                                  "other group by estimated chance of being trained")],
        "did:simple": [_PARALLEL],
        "did:regression": [_PARALLEL, _("given the listed characteristics, with a change that depends linearly "
                                        "on them")],
        "did:doubly_robust": [_PARALLEL, _("given the listed characteristics"), _OVERLAP,
                              _("doubly robust: it remains correct if either the model of who gets trained or "
                                "the model of income change is correct")],
    }.get(method)
    if not parts:
        return ""
    text = "; ".join(str(p) for p in parts)
    return text[:1].upper() + text[1:] + "."


_BOOT = re.compile(r"^bootstrap \((\d+) of (\d+) resamples")


def se_method(text: str) -> str:
    """The engine's name of how the standard error was found, in the active language."""
    if text in ("Welch", "Abadie-Imbens"):
        return _("%(name)s formula") % {"name": text}
    if text == "influence function":
        return _("influence function")
    m = _BOOT.match(text or "")
    if m:
        return _("bootstrap: %(used)s of %(drawn)s resamples estimable, percentile interval") % {
            "used": number_format(int(m[1]), 0, force_grouping=True),
            "drawn": number_format(int(m[2]), 0, force_grouping=True)}
    return text


def money_note(note) -> str:
    """A note on a money conversion (stored as a code and a currency) in the active language."""
    if not isinstance(note, dict):
        return str(note)  # written before notes were stored as facts
    if note.get("code") == "no_cpi":
        return _("%(currency)s has no consumer-price series; it is converted to USD at each year's rate and "
                 "deflated with US prices.") % {"currency": note.get("currency", "")}
    if note.get("code") == "carried_over":
        return _("%(currency)s: rates or prices for years without published figures are carried over from the "
                 "nearest year.") % {"currency": note.get("currency", "")}
    return str(note.get("code", ""))


def _estimate(e: dict) -> dict:
    out = dict(e, label=method_label(e.get("method", "")))
    if "error" in e:
        # The engine's reason is technical and English; the page says what it means for the reader.
        out["error"] = _("This estimator could not be computed on these data.")
    if e.get("assumptions") is not None:
        out["assumptions"] = assumptions(e.get("method", "")) or e["assumptions"]
    if e.get("se_method"):
        out["se_method"] = se_method(e["se_method"])
    return out


def localised(payload: dict | None) -> dict | None:
    """A copy of a cached impact payload with every text in the active language."""
    if not payload:
        return payload
    p = dict(payload)
    label = COMPARISONS.get(p.get("comparison"))
    if label is not None:
        p["comparison_label"] = str(label)
    basis = basis_from_key(p.get("basis_key", ""))
    if basis is not None:
        p["basis"] = basis.label()
    p["window"] = _("mean monthly income %(a)s–%(b)s months after the end of training") % {"a": POST_FROM,
                                                                                        "b": POST_TO}
    p["notes"] = [money_note(n) for n in p.get("notes") or []]
    if p.get("error") and {"n_treated_observed", "n_control_observed"} <= p.keys():
        from .services import MIN_PER_ARM

        p["error"] = _("Too few people with income observed after training: %(t)s trained and %(c)s in the "
                       "comparison group (at least %(m)s each are needed).") % {
            "t": p["n_treated_observed"], "c": p["n_control_observed"], "m": MIN_PER_ARM}
    p["estimates"] = [_estimate(e) for e in p.get("estimates") or []]
    p["did"] = [_estimate(e) for e in p.get("did") or []]
    if p.get("headline"):
        p["headline"] = _estimate(p["headline"])
    return p
