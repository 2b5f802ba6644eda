"""Readable evidence for quality flags.

``flags.py`` stores each flag's evidence as a JSON object keyed by stable identifiers (they are the
record a coordinator's decision refers to, so they must not change with the language). Pages show
them through this table: a translated label and the value formatted for its kind (count, share,
money, ...). A key that is not listed still shows, with its identifier made readable, so adding
evidence to a rule never hides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


@dataclass(frozen=True)
class Field:
    label: object
    show: Callable[[object], str]


FIELDS: dict[str, Field] = {
    "project_end": Field(gettext_lazy("Project end"), _text),
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
    "basis": Field(gettext_lazy("Money basis"), _text),
    "required_share_of_target": Field(gettext_lazy("Share of the target required"), _share),
    "method": Field(gettext_lazy("Estimation method"), _text),
    "estimate": Field(gettext_lazy("Estimated monthly income effect"), _money),
    "ci_low": Field(gettext_lazy("95-percent interval, lower bound"), _money),
    "ci_high": Field(gettext_lazy("95-percent interval, upper bound"), _money),
    "spending": Field(gettext_lazy("Spending"), _money),
    "large_spending_threshold": Field(gettext_lazy("Large spending threshold"), _money),
    "comparison": Field(gettext_lazy("Comparison group"), _text),
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


def evidence_items(evidence: dict) -> list[dict]:
    """``{"key", "label", "value", "parts"}`` for each item of a flag's evidence, in stored order,
    without the rule text (shown separately). A nested object (the peers of a cost comparison) has
    ``parts``: (name, formatted value) pairs, and no ``value``."""
    out = []
    for key, value in evidence.items():
        if key == "rule":
            continue
        field = FIELDS.get(key)
        label = str(field.label) if field else key.replace("_", " ")
        if isinstance(value, dict):
            out.append({"key": key, "label": label, "value": "",
                        "parts": [(str(name), _show(field, v)) for name, v in value.items()]})
        else:
            out.append({"key": key, "label": label, "value": _show(field, value), "parts": None})
    return out
