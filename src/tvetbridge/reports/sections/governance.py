"""The governance section of the periodic region report (issue #21): agreements signed, renewed and
expiring; live projects without continuity protection, by their host country's risk; operations
abroad by approval status; events and their participation. The records come from
``governance.queries.report_data``; this module only lays them out as tables."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.governance import queries as gov
from tvetbridge.governance.models import Event, OverseasOperation
from tvetbridge.risk.labels import class_label
from tvetbridge.risk.models import CountryRiskScore

from .base import Context, Section, country_names, num, print_top, replace_tables, table


def _risk_by_country(ctx: Context) -> dict[str, CountryRiskScore]:
    """Each country's latest score up to the period's last quarter (none where never scored)."""
    last = str(ctx.period.last_quarter())
    scores = (CountryRiskScore.objects.filter(country_id__in=ctx.scope.countries, period__lte=last)
              .order_by("country_id", "-period"))
    latest: dict[str, CountryRiskScore] = {}
    for s in scores:
        latest.setdefault(s.country_id, s)
    return latest


class Governance(Section):
    key = "governance"
    title = gettext_lazy("Governance of cooperation")
    template = "reports/sections/governance.html"

    def collect(self, ctx):
        d = gov.report_data(ctx.scope.countries, ctx.period.start, ctx.period.end)
        names = country_names()
        agreements = ([[a.title, a.get_level_display(), a.get_kind_display(), _("signed"), a.signed_on.isoformat(),
                        a.clauses.count()] for a in d["signed"]]
                      + [[a.title, a.get_level_display(), a.get_kind_display(), _("renewed"), new.isoformat(),
                          a.clauses.count()] for a, _old, new in d["renewed"]]
                      + [[a.title, a.get_level_display(), a.get_kind_display(), _("expires"), a.expires_on.isoformat(),
                          a.clauses.count()] for a in d["expiring"]])
        risk = _risk_by_country(ctx)
        exposure = []
        for p in d["projects"]:
            if p.pk in d["protected_ids"]:
                continue
            score = risk.get(p.host_country_id)
            exposure.append([names.get(p.host_country_id, p.host_country_id), p.name, p.get_status_display(),
                             num(score.score) if score else None, class_label(score.risk_class) if score else ""])
        # The riskiest countries first: their unprotected projects are the ones to act on.
        exposure.sort(key=lambda r: (-(r[3] if r[3] is not None else -1), r[0], r[1]))
        statuses = dict(OverseasOperation.Status.choices)
        operations = [[names.get(o["host_country"], o["host_country"]), str(statuses.get(o["status"], o["status"])),
                       o["n"]] for o in d["operations"]]
        kinds = dict(Event.Kind.choices)
        events, by_kind = [], Counter()
        for e in d["events"]:
            c = d["participation"].get(e.pk, {})
            by_kind[e.kind] += 1
            events.append([e.starts_on.isoformat(), e.title, str(kinds[e.kind]), names.get(e.country_id, e.country_id),
                           e.get_status_display(), c.get("n", 0), c.get("countries", 0), c.get("results", 0)])
        return {
            "n_projects": len(d["projects"]), "n_unprotected": len(exposure),
            "n_events": len(events), "n_participants": sum(r[5] for r in events),
            "events_by_kind": [[str(kinds[k]), n] for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1])],
            "tables": [
                table("governance_agreements", _("Agreements signed, renewed and expiring"),
                      [_("Agreement"), _("Level"), _("Kind"), _("What happened"), _("Date"), _("Continuity clauses")],
                      agreements),
                table("governance_unprotected", _("Live projects without continuity protection"),
                      [_("Host country"), _("Project"), _("Status"), _("Cooperation risk"), _("Class")], exposure),
                table("governance_operations", _("Operations abroad by approval status"),
                      [_("Host country"), _("Status"), _("Operations")], operations),
                table("governance_events", _("Events and participation"),
                      [_("Starts"), _("Event"), _("Kind"), _("Country"), _("Status"), _("Participants"),
                       _("Countries"), _("Results")], events)]}

    def for_print(self, data):
        return replace_tables(data, governance_unprotected=print_top(data["tables"][1]),
                              governance_events=print_top(data["tables"][3]))
