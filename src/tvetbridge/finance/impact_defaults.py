"""The designer's expected income gain, taken from the outcomes app's latest impact estimate.

Read-only: the outcomes app computes and caches its analyses (``outcomes.ImpactResult``); this module
only reads the newest cached one for a project and never triggers a computation (an impact analysis
of a large project is too slow to run while a page opens).

Which figure. The outcomes app's headline estimate (doubly robust, ATT: the effect on those trained)
when it succeeded, else the first estimator that did. Its point estimate becomes the expected monthly
gain and its standard error the uncertainty of that gain; the interval is shown, not simulated.

Currency. Estimates are on the analysis' money basis (e.g. "USD at 2024 prices"); the designer works
in the trainees' local currency per month, so a foreign basis is converted at the basis year's
average exchange rate (a real basis stays at base-year prices: the engine's wage index does the
drift from there).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class GainEstimate:
    """An impact estimate in local currency per month, with where it came from."""

    gain: float
    std_error: float
    ci_low: float
    ci_high: float
    level: float
    currency: str
    method: str                 # the estimator's label, e.g. "doubly robust (AIPW)"
    estimand: str               # "ATT" or "ATE"
    n_treated: int
    n_control: int
    comparison: str             # who the trainees were compared with
    basis: str                  # the analysis' money basis, as the outcomes page labels it
    conversion: str             # how the basis was turned into local currency ("" when it is local)
    computed: dt.datetime | None
    project: str

    @property
    def usable(self) -> bool:
        """The income model is lognormal: it needs a positive average gain."""
        return self.gain > 0 and math.isfinite(self.gain) and math.isfinite(self.std_error)

    def source(self) -> str:
        text = _("Impact estimate of %(project)s: %(method)s, %(estimand)s, %(treated)s trained vs %(control)s "
                 "compared (%(comparison)s); %(basis)s") % {
            "project": self.project, "method": self.method, "estimand": self.estimand,
            "treated": self.n_treated, "control": self.n_control, "comparison": self.comparison,
            "basis": self.basis}
        if self.conversion:
            text += "; " + self.conversion
        if self.computed is not None:
            text += "; " + _("computed %(date)s") % {"date": self.computed.date().isoformat()}
        return text + "."

    def interval(self) -> str:
        return _("%(level)s percent interval %(low)s to %(high)s %(currency)s per month, standard error "
                 "%(se)s") % {"level": round(self.level * 100), "low": _money(self.ci_low),
                              "high": _money(self.ci_high), "currency": self.currency,
                              "se": _money(self.std_error)}


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _usable_estimate(payload: dict) -> dict | None:
    if not isinstance(payload, dict) or payload.get("error"):
        return None
    candidates = [payload.get("headline")] + list(payload.get("estimates") or [])
    for e in candidates:
        if not isinstance(e, dict) or e.get("error"):
            continue
        try:
            values = [float(e[k]) for k in ("estimate", "std_error", "ci_low", "ci_high")]
        except (KeyError, TypeError, ValueError):
            continue
        if all(math.isfinite(v) for v in values) and values[1] >= 0:
            return e
    return None


def _basis(payload: dict) -> tuple[str, bool, int] | None:
    """("USD", True, 2024) from the payload's basis key "USD-real-2024"."""
    parts = str(payload.get("basis_key") or "").split("-")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1] == "real", int(parts[2])


def _factor(basis_currency: str, year: int, local: str) -> float:
    """Local units per unit of the basis currency in ``year`` (ConversionError when rates are missing)."""
    from tvetbridge.outcomes.money import Basis, PriceTables

    if basis_currency == local:
        return 1.0
    return PriceTables.load().convert_one(1.0, basis_currency, year, Basis(currency=local, real=False,
                                                                            base_year=year))


def latest_gain_estimate(project, local_currency: str) -> tuple[GainEstimate | None, str]:
    """The project's newest usable impact estimate in ``local_currency``, or None and why not."""
    from tvetbridge.outcomes.models import ImpactResult
    from tvetbridge.outcomes.money import ConversionError
    from tvetbridge.outcomes.services import METHOD_LABELS

    why = _("No impact estimate for this project yet: the income gain is an assumption.")
    for result in ImpactResult.objects.filter(project=project).order_by("-computed", "-pk")[:20]:
        payload = result.payload
        estimate = _usable_estimate(payload)
        basis = _basis(payload) if estimate is not None else None
        if basis is None:
            continue
        currency, _real, year = basis
        try:
            factor = _factor(currency, year, local_currency)
        except ConversionError:
            why = _("The latest impact estimate is in %(currency)s and there is no %(year)s exchange rate to "
                    "%(local)s: the income gain is an assumption.") % {
                "currency": currency, "year": year, "local": local_currency}
            continue
        conversion = "" if currency == local_currency else _(
            "converted to %(local)s at the %(year)s average rate (%(factor)s %(local)s per %(currency)s)") % {
            "local": local_currency, "year": year, "factor": f"{factor:,.4g}", "currency": currency}
        method = estimate.get("method", "")
        return GainEstimate(
            gain=float(estimate["estimate"]) * factor, std_error=float(estimate["std_error"]) * factor,
            ci_low=float(estimate["ci_low"]) * factor, ci_high=float(estimate["ci_high"]) * factor,
            level=float(estimate.get("level") or 0.95), currency=local_currency,
            method=str(estimate.get("label") or METHOD_LABELS.get(method, method)),
            estimand=str(estimate.get("estimand") or payload.get("estimand") or ""),
            n_treated=int(estimate.get("n_treated") or 0), n_control=int(estimate.get("n_control") or 0),
            comparison=str(payload.get("comparison_label") or payload.get("comparison") or ""),
            basis=str(payload.get("basis") or "-".join(map(str, basis))), conversion=conversion,
            computed=result.computed, project=str(project)), ""
    return None, why
