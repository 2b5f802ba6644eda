"""The results report's "Chinese + vocational skills" section: the language gain and trade outcomes of the
trainees of such projects, and what the Chinese test centres in the scope did in the period.

The figures are the results-chain panel's (``teachers.queries.language_gain_panel``) and the centre
pages' (``teachers.queries.centres_in_period``), read once and stored as the report's snapshot, public
view: counts of 1–4 people withheld.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.outcomes.queries import SUPPRESS_BELOW, Cell
from tvetbridge.registry.models import Alliance
from tvetbridge.teachers import queries as teachers_queries
from tvetbridge.teachers.engine.gain import EXIT_GRACE_DAYS
from tvetbridge.teachers.models import HskCentre

from .base import Section, table
from .results import _active_in, _withheld


def _value(c: Cell, *, digits: int = 0):
    """A published cell as the snapshot stores it: the figure, or the withheld mark."""
    if c.suppressed:
        return _withheld()
    if c.value is None:
        return None
    return round(float(c.value), digits) if digits else round(c.value)


def _centres(ctx):
    if ctx.scope.alliance_id is not None:
        members = Alliance.objects.get(pk=ctx.scope.alliance_id).institutions.values("pk")
        return HskCentre.objects.filter(institution__in=members)
    return HskCentre.objects.filter(country_id__in=ctx.scope.countries)


class LanguageGain(Section):
    key = "language_gain"
    title = gettext_lazy("Chinese + vocational skills")
    template = "reports/sections/language_gain.html"

    def collect(self, ctx):
        panel = teachers_queries.language_gain_panel(_active_in(ctx.scope.projects(), ctx.period), public=True)
        tables = []
        if panel is not None:
            summary = [[_("Trainees enrolled"), _value(panel["enrolled"])],
                       [_("Completed (measured)"), _value(panel["completed"])],
                       [_("Moved up at least one HSK level"), _value(panel["moved_up"])],
                       [_("Moved up at least one HSK level (%)"), _value(panel["moved_up_share"])],
                       *([str(label), _value(c, digits=1)] for label, c in panel["medians"])]
            by_level = [[r["label"], _value(r["entry"]), _value(r["exit"]), _value(r["certified"]),
                         _value(r["certified_rate"]), _value(r["employed"]), _value(r["employed_rate"])]
                        for r in panel["rows"]]
            tables += [
                table("language_gain_summary", _("Chinese level of the trainees at entry and exit"),
                      [_("Figure"), _("Value")], summary),
                table("language_gain_by_level", _("Trade outcomes by HSK level at exit"),
                      [_("HSK level"), _("At entry"), _("At exit"), _("Of those at exit: trade credential"),
                       _("trade credential (%)"), _("Of those at exit: working in the trade"),
                       _("working in the trade (%)")], by_level)]
        done = teachers_queries.centres_in_period(_centres(ctx), ctx.period.start, ctx.period.end, public=True)
        if done["centres"]:
            names = {c.pk: c.name for c in done["centres"]}
            tables += [
                table("hsk_centres", _("Chinese test centres: sittings in the period"),
                      [_("Centre"), _("City"), _("Sittings"), _("Sat"), _("Passed"), _("Pass rate (%)")],
                      [[c.name, c.city, c.n_sittings, *_pass_values(c.cells)] for c in done["centres"]]),
                table("hsk_centre_levels", _("Chinese test centres: results by test and level"),
                      [_("Centre"), _("Test"), _("Level"), _("Sat"), _("Passed"), _("Pass rate (%)")],
                      [[names[r["centre_id"]], str(r["test_label"]), r["label"], *_pass_values(r["cells"])]
                       for r in done["by_level"]])]
        return {"projects": panel is not None, "grace_days": EXIT_GRACE_DAYS, "suppress_below": SUPPRESS_BELOW,
                "tables": tables}


def _pass_values(cells: dict) -> list:
    return [_value(cells["sat"]), _value(cells["passed"]), _value(cells["rate"])]
