"""Sections of the country-risk report."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Source
from tvetbridge.risk import queries as risk_queries
from tvetbridge.risk.engine.cooperation import HALF_LIFE_DAYS, SEVERITY_POINTS
from tvetbridge.risk.labels import class_label, inform_label, level_text

from .. import charts
from .base import Context, Section, country_names, num, replace_tables, table


def _risk_period(ctx: Context) -> str:
    """The quarter whose scores a report uses: the period's last quarter, computed if missing."""
    from tvetbridge.risk.models import CountryRiskScore
    from tvetbridge.risk.services import recompute_risk

    quarter = ctx.period.last_quarter()
    if not CountryRiskScore.objects.filter(period=str(quarter)).exists():
        recompute_risk(quarter, evaluate_alerts=False)
    return str(quarter)


class RiskSummary(Section):
    key = "risk_summary"
    title = gettext_lazy("Cooperation risk by country")
    template = "reports/sections/risk_summary.html"

    def collect(self, ctx):
        period = _risk_period(ctx)
        scores = risk_queries.scores_table(period, codes=ctx.scope.countries)
        from tvetbridge.risk.services import INFORM_SOURCE_KEY

        note = ctx.cite(Source.objects.filter(key=INFORM_SOURCE_KEY).first())
        rows = [[s.country.name, s.country_id, num(s.score), num(s.score_low), num(s.score_high),
                 class_label(s.risk_class), num(s.rank), num(s.rank_low), num(s.rank_high), num(s.inform_risk),
                 class_label(s.inform_class), inform_label(s.driver) if s.driver else "", num(s.event_uplift)]
                for s in scores]
        return {"period": period, "n_countries": scores[0].n_countries if scores else 0, "source": note,
                "tables": [table("risk_scores", str(self.title),
                                 [_("Country"), _("Code"), _("Cooperation risk"), _("Low (5th percentile)"), _("High (95th percentile)"),
                                  _("Class"), _("Rank"), _("Rank, best"), _("Rank, worst"), _("INFORM risk"),
                                  _("INFORM class"), _("Main driver"), _("Event uplift")], rows)]}

    def charts(self, data, language):
        rows = [{"label": r[0], "score": r[2], "low": r[3], "high": r[4], "text": f"{level_text(r[2])} {r[5]}"}
                for r in data["tables"][0]["rows"] if r[2] is not None]
        return {"scores": charts.interval_chart(rows, title_x=_("Cooperation risk (0–10), 5th–95th percentile interval"),
                                                language=language)}


class RiskDimensions(Section):
    key = "risk_dimensions"
    title = gettext_lazy("INFORM dimensions and drivers")
    template = "reports/sections/risk_dimensions.html"

    def collect(self, ctx):
        scores = risk_queries.scores_table(_risk_period(ctx), codes=ctx.scope.countries)
        rows = [[s.country.name, num(s.hazard), num(s.vulnerability), num(s.coping),
                 " › ".join(f"{inform_label(d['name'])} {level_text(d['value'])}" for d in s.driver_detail or [])]
                for s in scores]
        return {"tables": [table("risk_dimensions", str(self.title),
                                 [_("Country"), _("Hazard & exposure"), _("Vulnerability"),
                                  _("Lack of coping capacity"), _("Drivers (largest component at each level)")],
                                 rows)]}

    def charts(self, data, language):
        cols = data["tables"][0]["columns"]
        rows = [{"label": r[0], "series": cols[j], "value": r[j]} for r in data["tables"][0]["rows"]
                for j in (1, 2, 3) if r[j] is not None]
        return {"dimensions": charts.grouped_bars(rows, series_title=_("Dimension"), value_title=_("Score (0–10)"),
                                                  language=language, domain=(0, 10))}


class RiskTrend(Section):
    key = "risk_trend"
    title = gettext_lazy("Trend over the last eight quarters")
    template = "reports/sections/risk_trend.html"

    def collect(self, ctx):
        rows = [[s.period, s.country.name, num(s.score), class_label(s.risk_class)]
                for s in risk_queries.trend(ctx.scope.countries, ctx.period)]
        return {"tables": [table("risk_trend", str(self.title), [_("Period"), _("Country"), _("Cooperation risk"),
                                                                 _("Class")], rows)]}

    def charts(self, data, language):
        rows = [{"period": r[0], "series": r[1], "value": r[2]} for r in data["tables"][0]["rows"]
                if r[2] is not None]
        if len({r["period"] for r in rows}) < 2:
            return {}
        return {"trend": charts.trend_lines(rows, value_title=_("Cooperation risk (0–10)"),
                                            series_title=_("Country"), language=language)}

    def for_print(self, data):
        """One row per country and one column per quarter, as the chart reads, instead of one row per
        country and quarter; the class is that of the latest quarter."""
        t = data["tables"][0]
        if not t["rows"]:
            return data
        periods = sorted({r[0] for r in t["rows"]})
        by_country: dict[str, dict] = {}
        for period, country, score, risk_class in t["rows"]:
            row = by_country.setdefault(country, {"scores": {}, "class": ""})
            row["scores"][period] = score
            row["class"] = risk_class  # rows are in period order, so the last one is the latest
        rows = [[country, *({"num": None if v["scores"].get(p) is None else level_text(v["scores"][p])}
                            for p in periods), v["class"]] for country, v in by_country.items()]
        pivot = {**t, "columns": [_("Country"), *periods, _("Class, latest quarter")], "rows": rows,
                 "pivoted": True}
        return replace_tables(data, risk_trend=pivot)


class RiskEvents(Section):
    key = "risk_events"
    title = gettext_lazy("Risk events and alerts in the period")
    template = "reports/sections/risk_events.html"

    def collect(self, ctx):
        from tvetbridge.risk.services import alert_summary

        events = [[e.date.isoformat(), e.country.name, e.get_kind_display(), e.severity, e.title, e.source]
                  for e in risk_queries.events_in(ctx.period, ctx.scope.countries)]
        alerts = [[a.created.date().isoformat(), a.country.name, a.get_rule_display(), alert_summary(a),
                   a.get_status_display()] for a in risk_queries.alerts_in(ctx.period, ctx.scope.countries)]
        return {"tables": [
            table("risk_events", _("Risk events"), [_("Date"), _("Country"), _("Kind"), _("Severity"), _("Event"),
                                                   _("Source")], events),
            table("risk_alerts", _("Alerts"), [_("Raised"), _("Country"), _("Rule"), _("Alert"), _("Status")],
                  alerts)]}


class RiskExposure(Section):
    key = "risk_exposure"
    title = gettext_lazy("Cooperation projects exposed")
    template = "reports/sections/simple_tables.html"

    def collect(self, ctx):
        from tvetbridge.risk.services import CLOSED_PROJECT_STATUSES

        counts = (ctx.scope.projects().exclude(status__in=CLOSED_PROJECT_STATUSES).values("host_country_id")
                  .annotate(n=Count("pk"), synthetic=Count("pk", filter=Q(is_synthetic=True)))
                  .order_by("-n", "host_country_id"))
        names = country_names()
        rows = [[names.get(c["host_country_id"], c["host_country_id"]), c["n"], c["synthetic"]] for c in counts]
        return {"tables": [table("risk_exposure", str(self.title),
                                 [_("Host country"), _("Live projects"), _("of which synthetic")], rows)]}


class Method(Section):
    key = "method"
    title = gettext_lazy("Method and sources")
    template = "reports/sections/method.html"

    def collect(self, ctx):
        return {"points": SEVERITY_POINTS, "half_life": int(HALF_LIFE_DAYS)}
