"""The portfolio as a table of plain values, for the CSV and XLSX exports: the rows, order, figures
(rounded as on the page) and colours (as status words) that the page shows under the same filters."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _


def _round(value, places: int = 0):
    if value is None:
        return None
    return round(value) if places == 0 else round(value, places)


def export_table(data: dict, *, base_url: str) -> tuple[list[str], list[list]]:
    money = data["basis"].label()
    header = [
        _("Project"), _("Kind"), _("Host country"), _("Host region"), _("Alliance"), _("Status"), _("Start date"),
        _("Trainees"), _("Target trainees"), _("Trainees: status"),
        _("Completion (%)"), _("Completion: status"),
        _("Certified (%)"),
        _("Employed at 6 months (%)"), _("Employment: status"),
        _("Income gain"), _("Income gain, interval low"), _("Income gain, interval high"), _("Income gain: status"),
        _("Cost per employed graduate"), _("Money basis"),
        _("Open quality flags"), _("Quality flags: status"),
        _("Country risk"), _("Country risk score"), _("Country risk: status"),
        _("Results page"),
    ]
    rows = []
    for row in data["rows"]:
        p, c = row["project"], row["cells"]
        rows.append([
            p.name, p.get_kind_display(), p.host_country.name, p.host_region.name if p.host_region else None,
            p.alliance.name if p.alliance else None, p.get_status_display(), p.start_date,
            c["trainees"]["value"], _round(c["trainees"].get("target")), c["trainees"]["status_label"],
            _round(c["completion"]["value"]), c["completion"]["status_label"],
            _round(c["certification"]["value"]),
            _round(c["employment"]["value"]), c["employment"]["status_label"],
            _round(c["income_gain"]["value"]), _round(c["income_gain"].get("low")),
            _round(c["income_gain"].get("high")), c["income_gain"]["status_label"],
            _round(c["cost_per_employed"]["value"]), money,
            c["flags"]["value"], c["flags"]["status_label"],
            c["risk"].get("label"), _round(c["risk"]["value"], 1), c["risk"]["status_label"],
            base_url + reverse("outcomes_project", args=[p.pk]),
        ])
    return header, rows
