"""Proposal scores in words, in the reader's language, from the numbers the engine keeps.

The engine (``engine.gap``) gives each score component a name and its facts (distance in km, counts,
scores); nothing it returns, and nothing stored with an accepted proposal, is a sentence. Pages, the
API and the project description render them here with gettext messages and the active locale's
number formats, so a proposal reads the same in English, Chinese, Russian and Kazakh.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COMPONENT_LABELS = {
    "proximity": gettext_lazy("proximity"),
    "capacity": gettext_lazy("capacity"),
    "field_strength": gettext_lazy("strength in the field"),
    "bilingual": gettext_lazy("bilingual teachers"),
    "facilities": gettext_lazy("facilities"),
    "value": gettext_lazy("value for money"),
    "risk": gettext_lazy("country risk"),
}


def _num(value, places: int = 0) -> str:
    # Rounded first: Django truncates to the places it is given (1259999.99 would read 1 259 999).
    return number_format(round(float(value), places), places, use_l10n=True, force_grouping=True)


def money(amount, currency: str, places: int = 0) -> str:
    """An amount with its currency, in the reader's number format."""
    return _("%(amount)s %(currency)s") % {"amount": _num(amount, places), "currency": currency}


def component_label(name: str) -> str:
    return str(COMPONENT_LABELS.get(name, name))


def component_sentence(name: str, facts: Mapping, currency: str = "") -> str:
    f = facts
    if name == "proximity":
        return _("the host is %(km)s km from the demand") % {"km": _num(f["km"])}
    if name == "capacity":
        return _("the host can train %(trainees)s of the %(gap)s people missing") % {
            "trainees": _num(f["trainees"]), "gap": _num(f["gap"])}
    if name == "field_strength":
        return _("partner's strength %(partner)s × host's match with the field %(host)s") % {
            "partner": _num(f["partner_strength"], 2), "host": _num(f["host_match"], 2)}
    if name == "bilingual":
        return _("%(teachers)s bilingual teachers of the %(needed)s needed") % {
            "teachers": _num(f["teachers"]), "needed": _num(f["needed"])}
    if name == "facilities":
        return _("partner's facilities score %(score)s") % {"score": _num(f["score"], 2)}
    if name == "value":
        return _("income gain of %(gain)s against a cost of %(cost)s per trainee") % {
            "gain": money(f["gain"], currency), "cost": money(f["cost"], currency)}
    if name == "risk":
        return _("country risk %(risk)s (0 = none, 1 = highest)") % {"risk": _num(f["risk"], 2)}
    return ""


def explained(components, currency: str) -> list[dict]:
    """Rows for a table or a JSON answer: label and sentence in the active language, numbers as given."""
    return [{"name": c.name, "label": component_label(c.name), "value": c.value, "weight": c.weight,
             "contribution": c.contribution, "facts": dict(c.facts),
             "explanation": component_sentence(c.name, c.facts, currency)} for c in components]


def summary(components, currency: str) -> str:
    """One line: each component's label, value × weight and sentence."""
    return "; ".join(_("%(label)s %(value)s×%(weight)s (%(sentence)s)") % {
        "label": component_label(c.name), "value": _num(c.value, 2), "weight": _num(c.weight, 2),
        "sentence": component_sentence(c.name, c.facts, currency)} for c in components)
