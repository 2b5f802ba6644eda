"""Report sections. A report is a list of sections; each section collects a JSON snapshot of its data
(what the content hash covers), draws its charts from that snapshot, and renders with its template.

To add a section: subclass ``Section``, set ``key``, ``title``, ``template``, implement ``collect``
(and ``charts`` if it has any), and register it in ``SECTIONS`` under the report kinds it belongs
to. Tables put in ``data["tables"]`` are exported as CSV/XLSX automatically. ``for_print`` may give
the PDF a more compact view of the same data (top rows, folded columns, a pivot) as long as the PDF
names the export holding whatever it leaves out: WeasyPrint's time grows with every table cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Country, FieldOfStudy, Source
from tvetbridge.outcomes import queries as outcome_queries
from tvetbridge.outcomes.money import Basis
from tvetbridge.registry.models import Alliance, CooperationProject, CountryStatistic, ReportedResult
from tvetbridge.risk import queries as risk_queries
from tvetbridge.risk.cooperation import HALF_LIFE_DAYS, SEVERITY_POINTS
from tvetbridge.risk.labels import class_label, inform_label
from tvetbridge.risk.periods import Period

from . import charts

# ---------------------------------------------------------------------------------------------------
# Scope


@dataclass
class Scope:
    key: str  # "region", "country:KZ", "alliance:<external key>"
    label: str
    countries: list[str]
    alliance_id: int | None = None

    def projects(self):
        qs = CooperationProject.objects.all()
        if self.alliance_id is not None:
            return qs.filter(alliance_id=self.alliance_id)
        return qs.filter(host_country_id__in=self.countries)


def resolve_scope(key: str) -> Scope:
    """Parse a scope key; raise ValueError with a clear message when it names nothing."""
    key = (key or "region").strip()
    if key == "region":
        codes = list(Country.objects.filter(is_focus=True).order_by("name").values_list("code", flat=True))
        return Scope(key, _("China, Central Asia and Russia"), codes)
    kind, _sep, value = key.partition(":")
    if kind == "country":
        country = Country.objects.filter(code=value.upper()).first()
        if country is None:
            raise ValueError(_("Unknown country “%(value)s”.") % {"value": value})
        return Scope(f"country:{country.code}", country.name, [country.code])
    if kind == "alliance":
        alliance = Alliance.objects.filter(external_key=value).first()
        if alliance is None:
            raise ValueError(_("Unknown alliance “%(value)s”.") % {"value": value})
        codes = set(alliance.projects.values_list("host_country_id", flat=True))
        codes |= set(alliance.institutions.values_list("country_id", flat=True))
        return Scope(f"alliance:{alliance.external_key}", alliance.name, sorted(codes), alliance_id=alliance.pk)
    raise ValueError(_("Unknown scope “%(value)s”: use region, country:<ISO code> or alliance:<key>.")
                     % {"value": key})


@dataclass
class Context:
    scope: Scope
    period: Period
    language: str
    sources: list[dict] = field(default_factory=list)

    def cite(self, source: Source | None) -> int | None:
        """Footnote number of a source in this report (1-based), adding it on first use."""
        if source is None:
            return None
        entry = {"key": source.key, "title": source.title, "publisher": source.publisher,
                 "document": source.document, "locator": source.locator, "url": source.url,
                 "published": source.published.isoformat() if source.published else "",
                 "synthetic": source.is_synthetic}
        if entry not in self.sources:
            self.sources.append(entry)
        return self.sources.index(entry) + 1


def _num(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return round(value, 4) if isinstance(value, float) else value


def table(key: str, title: str, columns: list[str], rows: list[list[Any]]) -> dict:
    return {"key": key, "title": title, "columns": columns, "rows": rows}


# Typesetting a table row costs WeasyPrint several milliseconds whatever its content, so long tables
# are cut in print; the PDF names the export that has every row (see ``_table.html``).
PRINT_TOP_ROWS = 10


def print_top(t: dict, n: int = PRINT_TOP_ROWS) -> dict:
    """The first ``n`` rows of a table already sorted by importance, and how many were left out."""
    if len(t["rows"]) <= n:
        return t
    return {**t, "rows": t["rows"][:n], "omitted": len(t["rows"]) - n}


def fold_columns(t: dict, *, value: int, date: int, text: int, source: int, value_title: str) -> dict:
    """A print table with a date column folded into its value ("1 150 (2025-06-30)") and the source
    column into a text column as a footnote mark: every figure and reference stays, in a third fewer
    cells (see ``report_tags.cell``)."""
    drop = {date, source}
    columns = [value_title if j == value else c for j, c in enumerate(t["columns"]) if j not in drop]
    rows = []
    for row in t["rows"]:
        out = []
        for j, v in enumerate(row):
            if j == value:
                out.append({"num": v, "date": row[date]})
            elif j == text:
                out.append({"text": v, "cite": row[source]})
            elif j not in drop:
                out.append(v)
        rows.append(out)
    return {**t, "columns": columns, "rows": rows}


def _replace_tables(data: dict, **tables: dict) -> dict:
    return {**data, "tables": [tables.get(t["key"], t) for t in data["tables"]]}


# ---------------------------------------------------------------------------------------------------
# Sections


class Section:
    key = ""
    title = gettext_lazy("Section")
    template = ""

    def available(self) -> bool:
        return True

    def collect(self, ctx: Context) -> dict:
        raise NotImplementedError

    def charts(self, data: dict, language: str) -> dict[str, str]:
        return {}

    def for_print(self, data: dict) -> dict:
        """The data as the PDF shows it: the same figures, in fewer rows where a table runs long.
        The HTML and the CSV/XLSX exports always have every row."""
        return data


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
        rows = [[s.country.name, s.country_id, _num(s.score), _num(s.score_low), _num(s.score_high),
                 class_label(s.risk_class), _num(s.rank), _num(s.rank_low), _num(s.rank_high), _num(s.inform_risk),
                 class_label(s.inform_class), inform_label(s.driver) if s.driver else "", _num(s.event_uplift)]
                for s in scores]
        return {"period": period, "n_countries": scores[0].n_countries if scores else 0, "source": note,
                "tables": [table("risk_scores", str(self.title),
                                 [_("Country"), _("Code"), _("Cooperation risk"), _("Low (5th percentile)"), _("High (95th percentile)"),
                                  _("Class"), _("Rank"), _("Rank, best"), _("Rank, worst"), _("INFORM risk"),
                                  _("INFORM class"), _("Main driver"), _("Event uplift")], rows)]}

    def charts(self, data, language):
        rows = [{"label": r[0], "score": r[2], "low": r[3], "high": r[4], "text": f"{r[2]:.1f} {r[5]}"}
                for r in data["tables"][0]["rows"] if r[2] is not None]
        return {"scores": charts.interval_chart(rows, title_x=_("Cooperation risk (0–10), 5th–95th percentile interval"),
                                                language=language)}


class RiskDimensions(Section):
    key = "risk_dimensions"
    title = gettext_lazy("INFORM dimensions and drivers")
    template = "reports/sections/risk_dimensions.html"

    def collect(self, ctx):
        scores = risk_queries.scores_table(_risk_period(ctx), codes=ctx.scope.countries)
        rows = [[s.country.name, _num(s.hazard), _num(s.vulnerability), _num(s.coping),
                 " › ".join(f"{inform_label(d['name'])} {d['value']:.1f}" for d in s.driver_detail or [])]
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
        rows = [[s.period, s.country.name, _num(s.score), class_label(s.risk_class)]
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
        rows = [[country, *({"num": None if v["scores"].get(p) is None else f"{v['scores'][p]:.1f}"}
                            for p in periods), v["class"]] for country, v in by_country.items()]
        pivot = {**t, "columns": [_("Country"), *periods, _("Class, latest quarter")], "rows": rows,
                 "pivoted": True}
        return _replace_tables(data, risk_trend=pivot)


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
        names = _country_names()
        rows = [[names.get(c["host_country_id"], c["host_country_id"]), c["n"], c["synthetic"]] for c in counts]
        return {"tables": [table("risk_exposure", str(self.title),
                                 [_("Host country"), _("Live projects"), _("of which synthetic")], rows)]}


class Method(Section):
    key = "method"
    title = gettext_lazy("Method and sources")
    template = "reports/sections/method.html"

    def collect(self, ctx):
        return {"points": SEVERITY_POINTS, "half_life": int(HALF_LIFE_DAYS)}


def _country_names() -> dict[str, str]:
    # values("host_country__name") would bypass the translated column; names come from the objects.
    return {c.code: c.name for c in Country.objects.all()}


def _active_in(qs, period: Period):
    return qs.filter(Q(start_date__isnull=True) | Q(start_date__lte=period.end),
                     Q(end_date__isnull=True) | Q(end_date__gte=period.start))


class ResultsProjects(Section):
    key = "results_projects"
    title = gettext_lazy("Cooperation projects")
    template = "reports/sections/results_projects.html"

    def collect(self, ctx):
        qs = _active_in(ctx.scope.projects(), ctx.period)
        kinds = dict(CooperationProject.Kind.choices)
        statuses = dict(CooperationProject.Status.choices)
        syn = Count("pk", filter=Q(is_synthetic=True))
        by_kind = [[str(kinds.get(r["kind"], r["kind"])), r["n"], r["s"]]
                   for r in qs.values("kind").annotate(n=Count("pk"), s=syn).order_by("-n", "kind")]
        names = _country_names()
        by_country = [[names.get(r["host_country_id"], r["host_country_id"]), r["n"], r["s"]]
                      for r in qs.values("host_country_id").annotate(n=Count("pk"), s=syn)
                      .order_by("-n", "host_country_id")]
        by_status = [[str(statuses.get(r["status"], r["status"])), r["n"], r["s"]]
                     for r in qs.values("status").annotate(n=Count("pk"), s=syn).order_by("-n", "status")]
        field_model = CooperationProject.fields.through
        top = list(field_model.objects.filter(cooperationproject__in=qs.values("pk")).values("fieldofstudy_id")
                   .annotate(n=Count("cooperationproject_id")).order_by("-n", "fieldofstudy_id")[:25])
        fields = FieldOfStudy.objects.in_bulk([r["fieldofstudy_id"] for r in top])
        by_field = [[str(fields[r["fieldofstudy_id"]]), r["n"]] for r in top]
        cols = [_("Projects"), _("of which synthetic")]
        return {"total": qs.count(), "tables": [
            table("projects_by_kind", _("Projects by kind"), [_("Kind"), *cols], by_kind),
            table("projects_by_country", _("Projects by host country"), [_("Host country"), *cols], by_country),
            table("projects_by_status", _("Projects by status"), [_("Status"), *cols], by_status),
            table("projects_by_field", _("Projects by field of study (top 25)"),
                  [_("Field (ISCED-F 2013)"), _("Projects")], by_field)]}

    # These two tables are drawn as charts whose bar labels carry both of their columns.
    CHARTED = {"projects_by_kind": "kind", "projects_by_country": "country"}

    def charts(self, data, language):
        t = {x["key"]: x for x in data["tables"]}

        def bar(r):  # label: projects (of which synthetic)
            return {"label": r[0], "value": r[1], "text": f"{r[1]:,} ({r[2]:,})" if r[2] else f"{r[1]:,}"}

        return {name: charts.bars([bar(r) for r in t[key]["rows"]], value_title=_("projects"), language=language)
                for key, name in self.CHARTED.items()}

    def for_print(self, data):
        """Top fields only; the tables behind the two charts are left to the exports, since each bar's
        label already gives both of their figures."""
        t = {x["key"]: x for x in data["tables"]}
        charted = {key: {**t[key], "in_chart": True} for key in self.CHARTED if t[key]["rows"]}
        return _replace_tables(data, projects_by_field=print_top(t["projects_by_field"]), **charted)


class ResultsReported(Section):
    key = "results_reported"
    title = gettext_lazy("Reported results")
    template = "reports/sections/results_reported.html"
    max_rows = 80

    def for_print(self, data):
        t = {x["key"]: x for x in data["tables"]}["reported_results"]
        return _replace_tables(data, reported_results=fold_columns(
            t, value=2, date=3, text=4, source=5, value_title=_("Value (as of)")))

    def collect(self, ctx):
        qs = ReportedResult.objects.filter(project__in=_active_in(ctx.scope.projects(), ctx.period).values("pk")) \
            .filter(Q(as_of__isnull=True) | Q(as_of__lte=ctx.period.end))
        labels = dict(ReportedResult.Indicator.choices)
        totals = [[str(labels.get(r["indicator"], r["indicator"])), _num(r["total"]), r["n"]]
                  for r in qs.values("indicator").annotate(total=Sum("value"), n=Count("project", distinct=True))
                  .order_by("indicator")]
        rows = []
        for r in qs.select_related("project", "source").order_by("project__name", "indicator", "pk")[:self.max_rows]:
            rows.append([r.project.name, r.get_indicator_display(), _num(r.value),
                         r.as_of.isoformat() if r.as_of else "", r.note, ctx.cite(r.source)])
        return {"count": qs.count(), "max_rows": self.max_rows, "tables": [
            table("reported_totals", _("Reported results by indicator"),
                  [_("Indicator"), _("Total reported"), _("Projects reporting")], totals),
            table("reported_results", _("Reported results with sources"),
                  [_("Project"), _("Indicator"), _("Value"), _("As of"), _("Note"), _("Source")], rows)]}


class CountryStatistics(Section):
    key = "country_statistics"
    title = gettext_lazy("National TVET statistics")
    template = "reports/sections/country_statistics.html"
    HEADLINE = {CountryStatistic.Indicator.INSTITUTIONS, CountryStatistic.Indicator.BRANCHES,
                CountryStatistic.Indicator.STUDENTS, CountryStatistic.Indicator.ENTRANTS,
                CountryStatistic.Indicator.GRADUATES, CountryStatistic.Indicator.EMPLOYMENT_RATE,
                CountryStatistic.Indicator.PLANNED_ENROLMENT}

    def collect(self, ctx):
        year = str(ctx.period.year)
        rows = []
        latest: dict[tuple, CountryStatistic] = {}
        for stat in (CountryStatistic.objects.filter(country_id__in=ctx.scope.countries)
                     .select_related("country", "source").order_by("country__name", "indicator", "period", "pk")):
            if stat.period[:4] <= year:
                latest[(stat.country_id, stat.indicator, stat.note)] = stat
        headline = []
        for stat in latest.values():
            if stat.indicator in self.HEADLINE:
                headline.append(len(rows))
            rows.append([stat.country.name, stat.get_indicator_display(), stat.period, _num(stat.value), stat.note,
                         ctx.cite(stat.source)])
        return {"headline_rows": headline, "tables": [
            table("country_statistics", str(self.title),
                  [_("Country"), _("Indicator"), _("Period"), _("Value"), _("Note"), _("Source")], rows)]}

    def for_print(self, data):
        """The size of each country's TVET system in print; reform, dual-training and cooperation
        statistics, which run to several times as many rows, are in the exports."""
        t = data["tables"][0]
        keep = data.get("headline_rows")
        if keep is None or len(keep) == len(t["rows"]):
            return data
        shown = {**t, "rows": [t["rows"][i] for i in keep], "omitted": len(t["rows"]) - len(keep)}
        shown = fold_columns(shown, value=3, date=2, text=4, source=5, value_title=_("Value (period)"))
        return {**_replace_tables(data, country_statistics=shown), "headline_only": True}


class Outcomes(Section):
    """What the trainees of the projects got from them, by host country: what happened in the period,
    and the results chain of every cohort of the projects active in it. Figures about fewer than five
    people are withheld, as on every public page."""

    key = "outcomes"
    title = gettext_lazy("Trainee outcomes")
    template = "reports/sections/outcomes.html"

    def collect(self, ctx):
        projects = _active_in(ctx.scope.projects(), ctx.period)
        names = _country_names()
        basis = Basis.from_params({}, default_year=ctx.period.year - 1)
        chains = outcome_queries.results_chain_by_host(projects, basis, public=True)
        flows = outcome_queries.period_flows(projects, ctx.period.start, ctx.period.end)
        # Host countries with trainees, the most first as in the other tables by country; then all of them.
        steps_of = {code: {s["key"]: s for s in c["steps"]} for code, c in chains.items()}
        enrolled = {code: steps["enrolled"] for code, steps in steps_of.items()}
        hosts = sorted((c for c in chains if c is not None and (enrolled[c]["count"] or enrolled[c]["suppressed"])),
                       key=lambda c: (-(enrolled[c]["count"] or 0), c))
        rows_for = [*((c, names.get(c, c)) for c in hosts), (None, _("All host countries"))] if hosts else []
        in_period = [[label, *(_published(flows[f].get(code, 0)) for f in outcome_queries.PERIOD_FLOWS)]
                     for code, label in rows_for]
        chain, money = [], []
        for code, label in rows_for:
            c, steps = chains[code], steps_of[code]
            chain.append([label, *(_published_step(steps[k]) for k in CHAIN_STEPS)])
            gain = _withheld() if c["median_gain_suppressed"] else _rounded(c["median_gain"])
            money.append([label, _published(c["n_income_observed"]), gain, _rounded(c["spending"]),
                          _rounded(steps["employed"]["cost_per"])])
        step_labels = dict(outcome_queries.FUNNEL_STEPS)
        return {"basis": basis.label(), "suppress_below": outcome_queries.SUPPRESS_BELOW, "tables": [
            table("outcomes_in_period", _("Trainees in the period, by host country"),
                  [_("Host country"), _("started training"), _("completed training"), _("awarded a credential"),
                   _("started a job in the trained occupation")], in_period),
            table("outcomes_chain", _("Results chain of the projects active in the period, all cohorts"),
                  [_("Host country"), *(str(step_labels[k]) for k in CHAIN_STEPS)], chain),
            table("outcomes_income", _("Income gains and funding of the same projects"),
                  [_("Host country"), _("income observed after training"), _("Median monthly income gain"),
                   _("Funding"), _("Funding per person employed")], money)]}


CHAIN_STEPS = ("enrolled", "completed", "certified", "employed", "income_gain")


def _withheld() -> str:
    return str(outcome_queries.Cell(None, None, True))


def _published(n: int):
    """A count as a public report may print it."""
    return _withheld() if outcome_queries.suppress(n).suppressed else n


def _published_step(step: dict):
    return _withheld() if step["suppressed"] else step["count"]


def _rounded(money: float | None) -> int | None:
    return None if money is None else round(money)


SECTIONS: dict[str, list[Section]] = {
    "risk": [RiskSummary(), RiskDimensions(), RiskTrend(), RiskEvents(), RiskExposure(), Method()],
    "results": [ResultsProjects(), ResultsReported(), CountryStatistics(), Outcomes()],
}


def sections_for(kind: str) -> list[Section]:
    return [s for s in SECTIONS[kind] if s.available()]


__all__ = ["Scope", "Context", "Section", "SECTIONS", "resolve_scope", "sections_for", "dt"]
