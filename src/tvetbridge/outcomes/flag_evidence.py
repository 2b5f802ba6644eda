"""Readable quality flags: the sentence and the evidence of a flag in the reader's language.

``flags.py`` stores each flag's evidence as a JSON object keyed by stable identifiers (they are the
record a coordinator's decision refers to, so they must not change with the language), with facts
only: numbers, a money basis key, method and comparison codes, project ids. Pages, the API and
reports word them here: ``summary`` is the flag's sentence from gettext messages with named
placeholders; ``evidence_items`` gives each item a translated label and the value formatted for its
kind (count, share, money, ...) with the reader's number format. A key that is not listed still
shows, with its identifier made readable, so adding evidence to a rule never hides it.

Flags raised before facts replaced sentences carry an English money-basis label; it is shown as
stored (migration ``0011`` dropped their stored summaries and rule texts).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .money import Basis


def _num(value, places: int = 0) -> str:
    # Rounded first: Django truncates to the places it is given.
    return number_format(round(float(value), places), places, force_grouping=True)


def _count(value) -> str:
    return number_format(int(value), 0, force_grouping=True)


def _share(value) -> str:
    # shares are stored as fractions (0.42); shown as percentages
    return _("%(value)s percent") % {"value": number_format(float(value) * 100, 1)}


def _percent(value) -> str:
    return _("%(value)s percent") % {"value": number_format(float(value), 1)}


def _points(value) -> str:
    return _("%(value)s percentage points") % {"value": number_format(float(value), 1)}


def _money(value) -> str:
    return number_format(float(value), 2, force_grouping=True)


def _ratio(value) -> str:
    return number_format(float(value), 3, force_grouping=True)


def _times(value) -> str:
    return _("%(value)s times") % {"value": number_format(float(value), 2)}


def _text(value) -> str:
    return str(value)


_BASIS_KEY = re.compile(r"^([A-Z]{3})-(real|nominal)-(\d{4})$")


def basis_from_key(key: str) -> Basis | None:
    m = _BASIS_KEY.match(str(key))
    return Basis(m[1], m[2] == "real", int(m[3])) if m else None


def _basis(value) -> str:
    basis = basis_from_key(value)
    return basis.label() if basis else str(value)


def _date(value) -> str:
    try:
        return date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value)


def _method(value) -> str:
    from .reliability import method_label

    return method_label(value)


def _comparison(value) -> str:
    from .queries import COMPARISONS

    label = COMPARISONS.get(value)
    return str(label) if label is not None else str(value)


def _verdict(value) -> str:
    from .reliability import VERDICT_TITLES

    label = VERDICT_TITLES.get(value)
    return str(label) if label is not None else str(value)


@dataclass(frozen=True)
class Field:
    label: object
    show: Callable[[object], str]


FIELDS: dict[str, Field] = {
    "project_end": Field(gettext_lazy("Project end"), _date),
    "trainees_recorded": Field(gettext_lazy("Trainees recorded"), _count),
    "finished_6_months_ago_or_more": Field(gettext_lazy("Trainees who finished 6 or more months ago"), _count),
    "with_job_or_income_after_training": Field(gettext_lazy("Of them with a job or income recorded since"), _count),
    "share_reported": Field(gettext_lazy("Share reported"), _share),
    "required_share": Field(gettext_lazy("Share required"), _share),
    "employed_within_6_months_pct": Field(gettext_lazy("Employed within 6 months"), _percent),
    "target_pct": Field(gettext_lazy("Target"), _percent),
    "people_measured": Field(gettext_lazy("People measured"), _count),
    "tolerance_pp": Field(gettext_lazy("Tolerance"), _points),
    "median_gain": Field(gettext_lazy("Median monthly income gain"), _money),
    "target": Field(gettext_lazy("Target"), _money),
    "basis": Field(gettext_lazy("Money basis"), _basis),
    "required_share_of_target": Field(gettext_lazy("Share of the target required"), _share),
    "method": Field(gettext_lazy("Estimation method"), _method),
    "estimate": Field(gettext_lazy("Estimated monthly income effect"), _money),
    "ci_low": Field(gettext_lazy("95-percent interval, lower bound"), _money),
    "ci_high": Field(gettext_lazy("95-percent interval, upper bound"), _money),
    "spending": Field(gettext_lazy("Spending"), _money),
    "large_spending_threshold": Field(gettext_lazy("Large spending threshold"), _money),
    "comparison": Field(gettext_lazy("Comparison group"), _comparison),
    "verdict": Field(gettext_lazy("Reliability"), _verdict),
    "cost_per_unit_of_yearly_gain": Field(gettext_lazy("Cost per unit of yearly income gain"), _ratio),
    "peer_median": Field(gettext_lazy("Median of peer projects"), _ratio),
    "multiple": Field(gettext_lazy("Multiple of the peer median"), _times),
    "threshold_multiple": Field(gettext_lazy("Multiple that raises the flag"), _times),
    "peers": Field(gettext_lazy("Peer projects (cost per unit of yearly income gain)"), _ratio),
}


def _show(field: Field | None, value) -> str:
    if value is None or value == "":
        return "—"
    if field is None or isinstance(value, bool):
        return str(value)
    try:
        return field.show(value)
    except (TypeError, ValueError):
        return str(value)


def _project_names(ids) -> dict[str, str]:
    from tvetbridge.registry.models import CooperationProject

    pks = [int(k) for k in ids if str(k).isdigit()]
    return {str(pk): str(p) for pk, p in CooperationProject.objects.in_bulk(pks).items()}


# Evidence keys that hold internal detail shown elsewhere on the page (the verdict's reasons).
HIDDEN = {"rule", "reasons"}


def evidence_items(evidence: dict) -> list[dict]:
    """``{"key", "label", "value", "parts"}`` for each item of a flag's evidence, in stored order,
    without the rule text (shown separately). A nested object (the peers of a cost comparison, keyed
    by project id) has ``parts``: (project name, formatted value) pairs, and no ``value``."""
    out = []
    for key, value in evidence.items():
        if key in HIDDEN:
            continue
        field = FIELDS.get(key)
        label = str(field.label) if field else key.replace("_", " ")
        if isinstance(value, dict):
            names = _project_names(value)
            out.append({"key": key, "label": label, "value": "",
                        "parts": [(names.get(str(name), str(name)), _show(field, v)) for name, v in value.items()]})
        else:
            out.append({"key": key, "label": label, "value": _show(field, value), "parts": None})
    return out


def _money_in(amount, basis_key) -> str:
    basis = basis_from_key(basis_key)
    currency = basis.currency if basis else "USD"
    return _("%(amount)s %(currency)s") % {"amount": _num(amount), "currency": currency}


def summary(rule: str, evidence: dict) -> str:
    """The flag's sentence in the active language, from its rule code and stored facts."""
    from .flags import REPORT_AFTER_MONTHS
    from .reliability import verdict

    e = evidence or {}
    try:
        if rule == "unreported" and "project_end" in e:
            return _("The project ended on %(date)s and no trainee outcomes have been reported.") % {
                "date": _date(e["project_end"])}
        if rule == "unreported":
            return _("Only %(reported)s of %(due)s trainees who finished %(months)s or more months ago have any "
                     "job or income recorded since.") % {
                "reported": _count(e["with_job_or_income_after_training"]),
                "due": _count(e["finished_6_months_ago_or_more"]), "months": _count(REPORT_AFTER_MONTHS)}
        if rule == "employment_short":
            return _("Employment within 6 months is %(actual)s against a target of %(target)s.") % {
                "actual": _percent(e["employed_within_6_months_pct"]), "target": _percent(e["target_pct"])}
        if rule == "income_short":
            return _("Median monthly income gain is %(actual)s against a target of %(target)s (%(basis)s).") % {
                "actual": _money_in(e["median_gain"], e.get("basis")), "target": _money_in(e["target"], e.get("basis")),
                "basis": _basis(e.get("basis", ""))}
        if rule == "impact_zero":
            return _("The income effect cannot be told apart from zero (%(low)s to %(high)s a month) although "
                     "%(spend)s was spent.") % {
                "low": _money_in(e["ci_low"], e.get("basis")), "high": _money_in(e["ci_high"], e.get("basis")),
                "spend": _money_in(e["spending"], e.get("basis"))}
        if rule == "impact_fragile":
            shown = verdict({"verdict": e.get("verdict"), "reasons": e.get("reasons") or []})
            if shown:
                return shown["headline"]
        if rule == "cost_peers":
            return _("Each unit of yearly income gain cost %(own)s, %(times)s the median of %(n)s peer projects "
                     "of the same kind (%(median)s).") % {
                "own": _money_in(e["cost_per_unit_of_yearly_gain"], e.get("basis")),
                "times": _times(e["multiple"]), "n": _count(len(e.get("peers") or {})),
                "median": _money_in(e["peer_median"], e.get("basis"))}
    except (KeyError, TypeError, ValueError):
        pass  # evidence from an older rule version: the rule's title stands in
    from .flags import RULES_BY_CODE

    found = RULES_BY_CODE.get(rule)
    return str(found.title) if found else rule

