"""Sections of the results report: projects, reported results, country statistics, trainee outcomes."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import FieldOfStudy
from tvetbridge.outcomes import queries as outcome_queries
from tvetbridge.outcomes.money import Basis
from tvetbridge.registry.models import CooperationProject, CountryStatistic, ReportedResult
from tvetbridge.risk.engine.periods import Period

from .. import charts
from .base import Section, country_names, fold_columns, num, print_top, replace_tables, table


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
        names = country_names()
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
        return replace_tables(data, projects_by_field=print_top(t["projects_by_field"]), **charted)


class ResultsReported(Section):
    key = "results_reported"
    title = gettext_lazy("Reported results")
    template = "reports/sections/results_reported.html"
    max_rows = 80

    def for_print(self, data):
        t = {x["key"]: x for x in data["tables"]}["reported_results"]
        return replace_tables(data, reported_results=fold_columns(
            t, value=2, date=3, text=4, source=5, value_title=_("Value (as of)")))

    def collect(self, ctx):
        qs = ReportedResult.objects.filter(project__in=_active_in(ctx.scope.projects(), ctx.period).values("pk")) \
            .filter(Q(as_of__isnull=True) | Q(as_of__lte=ctx.period.end))
        labels = dict(ReportedResult.Indicator.choices)
        totals = [[str(labels.get(r["indicator"], r["indicator"])), num(r["total"]), r["n"]]
                  for r in qs.values("indicator").annotate(total=Sum("value"), n=Count("project", distinct=True))
                  .order_by("indicator")]
        rows = []
        for r in qs.select_related("project", "source").order_by("project__name", "indicator", "pk")[:self.max_rows]:
            rows.append([r.project.name, r.get_indicator_display(), num(r.value),
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
            rows.append([stat.country.name, stat.get_indicator_display(), stat.period, num(stat.value), stat.note,
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
        return {**replace_tables(data, country_statistics=shown), "headline_only": True}


class Outcomes(Section):
    """What the trainees of the projects got from them, by host country: what happened in the period,
    and the results chain of every cohort of the projects active in it. Figures about fewer than five
    people are withheld, as on every public page."""

    key = "outcomes"
    title = gettext_lazy("Trainee outcomes")
    template = "reports/sections/outcomes.html"

    def collect(self, ctx):
        projects = _active_in(ctx.scope.projects(), ctx.period)
        names = country_names()
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
