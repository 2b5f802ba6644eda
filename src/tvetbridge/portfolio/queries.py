"""The portfolio: every project a user may see × its indicators.

A fixed number of aggregate queries whatever the number of projects (the projects, one grouped
count of their trainees, their whole-project targets, their open flags, their cached impact
estimates, their funding, their host countries' risk), never one query per project. Impact
estimates are never computed here: the page reads the results the nightly quality run (and every
visit to a project's results page) stores in ``ImpactResult``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.models import Country, FieldOfStudy, Region
from tvetbridge.core.roles import is_manager
from tvetbridge.outcomes.models import (
    Credential,
    Employment,
    Enrolment,
    ImpactResult,
    ProjectTarget,
    QualityFlag,
)
from tvetbridge.outcomes.money import Basis, PriceTables
from tvetbridge.outcomes.queries import results as outcome_results
from tvetbridge.registry.models import Alliance, CooperationProject
from tvetbridge.risk import labels as risk_labels
from tvetbridge.risk.models import CountryRiskScore

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, NO_TARGET = "on_track", "at_risk", "off_track", "no_data", "no_target"
STATUS_LABELS = {**outcome_results.STATUS_LABELS, NO_TARGET: _("no target set")}
# Which comparison group the portfolio's income gain comes from: the one the nightly run computes.
IMPACT_COMPARISON = "applicants"
# The project period when the registry gives none, as on the project's results page.
DEFAULT_YEARS = 3

# A quality flag left open is a warning; several are a finding. Country risk follows the INFORM classes.
FLAGS_AT_RISK, FLAGS_OFF_TRACK = 1, 2
RISK_STATUS = {"Very Low": ON_TRACK, "Low": ON_TRACK, "Medium": AT_RISK, "High": OFF_TRACK, "Very High": OFF_TRACK}

RULES_TEXT = [
    outcome_results.THRESHOLDS_TEXT,
    _("Income gain is the doubly robust (AIPW) estimate of the monthly income gain caused by the training, "
      "compared with applicants who were not admitted, with its 95-percent interval; it is compared with the income "
      "target when the target is in the currency shown, and is off track whenever the interval includes zero."),
    _("Open quality flags: none is on track, one is at risk, two or more are off track."),
    _("Country risk: the host country's cooperation-risk class this quarter; very low and low are on track, "
      "medium at risk, high and very high off track."),
    _("Certification and cost per employed graduate have no target and are not coloured."),
]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    unit: str = ""


COLUMNS = [
    Column("project", _("Project")),
    Column("country", _("Host country")),
    Column("status", _("Status")),
    Column("trainees", _("Trainees (target)")),
    Column("completion", _("Completion"), "%"),
    Column("certification", _("Certified"), "%"),
    Column("employment", _("Employed at 6 months"), "%"),
    Column("income_gain", _("Income gain (95-percent interval)"), "basis"),
    Column("cost_per_employed", _("Cost per employed graduate"), "basis"),
    Column("flags", _("Open quality flags")),
    Column("risk", _("Country risk")),
]
SORT_KEYS = [c.key for c in COLUMNS]


@dataclass(frozen=True)
class Filters:
    country: str = ""
    region: int | None = None
    alliance: int | None = None
    kind: str = ""
    field: str = ""
    year: int | None = None
    status: str = ""

    @classmethod
    def from_params(cls, params) -> Filters:
        """Filters from a query string; a value that names nothing is ignored, never an error page."""
        def number(name: str) -> int | None:
            try:
                return int(params.get(name) or "")
            except ValueError:
                return None

        kind = params.get("kind") or ""
        status = params.get("status") or ""
        return cls(country=(params.get("country") or "").upper()[:2], region=number("region"),
                   alliance=number("alliance"), kind=kind if kind in CooperationProject.Kind.values else "",
                   field=(params.get("field") or "")[:4], year=number("year"),
                   status=status if status in CooperationProject.Status.values else "")

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.country:
            qs = qs.filter(host_country_id=self.country)
        if self.region:
            qs = qs.filter(Q(host_region_id=self.region) | Q(host_region__parent_id=self.region))
        if self.alliance:
            qs = qs.filter(alliance_id=self.alliance)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.field:
            # through a subquery: a join on the many-to-many would repeat projects with several fields
            qs = qs.filter(pk__in=CooperationProject.fields.through.objects.filter(
                Q(fieldofstudy_id=self.field) | Q(fieldofstudy__parent_id=self.field)
                | Q(fieldofstudy__parent__parent_id=self.field)).values("cooperationproject_id"))
        if self.year:
            qs = qs.filter(start_date__year=self.year)
        if self.status:
            qs = qs.filter(status=self.status)
        return qs

    def as_params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None)}


def visible_projects(user) -> QuerySet:
    """Coordinators and admins see every project; institution staff the projects their institution
    takes part in; nobody else has a portfolio."""
    qs = CooperationProject.objects.order_by()
    if is_manager(user):
        return qs
    institution = getattr(getattr(user, "profile", None), "institution_id", None)
    if institution is None:
        return qs.none()
    return qs.filter(pk__in=CooperationProject.objects.order_by().filter(
        Q(partner_institutions=institution) | Q(chinese_institutions=institution)).values("pk"))


def status_of(ratio: float | None, on: float, at_risk: float) -> str:
    if ratio is None:
        return NO_DATA
    return ON_TRACK if ratio >= on else AT_RISK if ratio >= at_risk else OFF_TRACK


def _trainee_counts(projects: QuerySet, today: dt.date) -> dict[int, dict]:
    """Per project, distinct people: enrolled, finished (completed or dropped), completed, certified,
    due for the 6-month follow-up and employed within 6 months of the end of training."""
    window = dt.timedelta(days=outcome_results.EMPLOYMENT_WINDOW_DAYS)
    job_in_window = Exists(Employment.objects.filter(trainee_id=OuterRef("trainee_id"),
                                                     start_date__gte=OuterRef("start_date"),
                                                     start_date__lte=OuterRef("end_date") + window))
    certified = Exists(Credential.objects.filter(enrolment_id=OuterRef("pk")))
    completed = Q(status=Enrolment.Status.COMPLETED)
    due = completed & Q(end_date__lte=today - window)
    people = "trainee_id"
    rows = (Enrolment.objects.order_by().filter(project__in=projects.values("pk"))
            .exclude(status=Enrolment.Status.APPLIED)
            .annotate(has_credential=certified, has_job=job_in_window).values("project_id")
            .annotate(enrolled=Count(people, distinct=True),
                      finished=Count(people, distinct=True, filter=Q(status__in=[Enrolment.Status.COMPLETED,
                                                                                 Enrolment.Status.DROPPED])),
                      completed=Count(people, distinct=True, filter=completed),
                      certified=Count(people, distinct=True, filter=completed & Q(has_credential=True)),
                      due=Count(people, distinct=True, filter=due),
                      employed=Count(people, distinct=True, filter=due & Q(has_job=True)),
                      first_start=Min("start_date")))
    return {r["project_id"]: r for r in rows}


def _targets(projects: QuerySet) -> dict[int, dict[str, ProjectTarget]]:
    """Whole-project targets (regional ones are on the project's page)."""
    out: dict[int, dict[str, ProjectTarget]] = {}
    for t in ProjectTarget.objects.filter(project__in=projects.values("pk"), region=None).order_by():
        out.setdefault(t.project_id, {})[t.indicator] = t
    return out


def _open_flags(projects: QuerySet) -> dict[int, int]:
    return dict(QualityFlag.objects.order_by().filter(
        project__in=projects.values("pk"), status__in=(QualityFlag.Status.OPEN, QualityFlag.Status.REVIEWING))
        .values("project_id").annotate(n=Count("pk")).values_list("project_id", "n"))


def _impacts(projects: QuerySet, basis: Basis) -> dict[int, dict]:
    """The newest stored headline estimate of each project in ``basis`` (only the fields shown are read
    out of the stored payload, not the whole analysis)."""
    rows = (ImpactResult.objects.filter(project__in=projects.values("pk"), payload__comparison=IMPACT_COMPARISON,
                                        payload__basis_key=basis.key)
            .order_by("project_id", "computed")
            .values("project_id", "computed", estimate=KT("payload__headline__estimate"),
                    low=KT("payload__headline__ci_low"), high=KT("payload__headline__ci_high"),
                    verdict=KT("payload__reliability__verdict")))
    out = {}
    for r in rows:  # ordered by time: the newest one per project stays
        out[r["project_id"]] = {**r, **{k: _float(r[k]) for k in ("estimate", "low", "high")}}
    return out


def _float(text) -> float | None:
    try:
        return None if text is None else float(text)
    except (TypeError, ValueError):
        return None


def _risk(country_codes: set[str]) -> dict[str, CountryRiskScore]:
    period = CountryRiskScore.objects.order_by("-period").values_list("period", flat=True).first()
    if period is None:
        return {}
    return {s.country_id: s for s in CountryRiskScore.objects.filter(period=period, country_id__in=country_codes)}


def _cell(value=None, status: str = NO_TARGET, **extra) -> dict:
    return {"value": value, "status": status, "status_label": str(STATUS_LABELS[status]), **extra}


def _rate(numerator: int, denominator: int) -> float | None:
    return 100.0 * numerator / denominator if denominator else None


def _rate_cell(rate: float | None, target, n: int) -> dict:
    """A percentage against a target rate (a level on finished cohorts: compared with the target itself)."""
    if target is None:
        return _cell(rate, NO_TARGET, n=n)
    target = float(target)
    ratio = rate / target if (rate is not None and target > 0) else None
    return _cell(rate, status_of(ratio, outcome_results.RATE_ON_TRACK, outcome_results.RATE_AT_RISK),
                 n=n, target=target)


def _trainees_cell(enrolled: int, target, start: dt.date | None, end: dt.date | None, today: dt.date) -> dict:
    if not target:
        return _cell(enrolled, NO_TARGET)
    target = float(target)
    expected = target * outcome_results.elapsed_share(start, end, today)
    ratio = enrolled / expected if expected > 0 else None
    return _cell(enrolled, status_of(ratio, outcome_results.ON_TRACK, outcome_results.AT_RISK),
                 target=target, expected=expected)


def _income_cell(impact: dict | None, target, target_currency: str, basis: Basis) -> dict:
    if impact is None or impact["estimate"] is None:
        return _cell(None, NO_DATA if target else NO_TARGET)
    extra = {"low": impact["low"], "high": impact["high"], "verdict": impact["verdict"],
             "computed": impact["computed"]}
    covers_zero = impact["low"] is not None and impact["high"] is not None and impact["low"] <= 0 <= impact["high"]
    if not target or target_currency != basis.currency:
        return _cell(impact["estimate"], NO_TARGET, **extra)
    target = float(target)
    ratio = impact["estimate"] / target if target > 0 else None
    status = OFF_TRACK if covers_zero else status_of(ratio, outcome_results.RATE_ON_TRACK,
                                                      outcome_results.RATE_AT_RISK)
    return _cell(impact["estimate"], status, target=target, **extra)


def _flags_cell(n: int) -> dict:
    return _cell(n, ON_TRACK if n < FLAGS_AT_RISK else AT_RISK if n < FLAGS_OFF_TRACK else OFF_TRACK)


def _risk_cell(score: CountryRiskScore | None) -> dict:
    if score is None or not score.risk_class:
        return _cell(None, NO_DATA)
    return _cell(score.score, RISK_STATUS.get(score.risk_class, NO_DATA), label=risk_labels.class_label(
        score.risk_class), low=score.score_low, high=score.score_high, period=score.period)


def _project_period(p: CooperationProject, first_start: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    # the same rule as the results page (``outcomes.queries.project_period``), from the grouped read
    start = p.start_date or first_start
    if p.end_date or not start:
        return start, p.end_date
    # 29 February plus three years is the 28th
    return start, start.replace(year=start.year + DEFAULT_YEARS, day=min(start.day, 28) if start.month == 2
                                else start.day)


def _target(targets: dict[str, ProjectTarget], indicator: str, fallback=None):
    t = targets.get(indicator)
    return t.value if t is not None else fallback


def portfolio(user, params, *, today: dt.date | None = None, tables: PriceTables | None = None) -> dict:
    """Rows of the portfolio for ``user`` under the filters, basis and sort in ``params``."""
    today = today or timezone.localdate()
    basis = Basis.from_params(params, default_year=today.year - 1)
    filters = Filters.from_params(params)
    projects = filters.apply(visible_projects(user))
    listed = list(projects.select_related("host_country", "host_region", "alliance"))
    counts = _trainee_counts(projects, today)
    targets = _targets(projects)
    flags = _open_flags(projects)
    impacts = _impacts(projects, basis)
    money = outcome_results.spending(projects, basis, tables or PriceTables.load())["by_project"]
    risk = _risk({p.host_country_id for p in listed})
    empty = {"enrolled": 0, "finished": 0, "completed": 0, "certified": 0, "due": 0, "employed": 0,
             "first_start": None}
    rows = []
    for p in listed:
        c = counts.get(p.pk, empty)
        t = targets.get(p.pk, {})
        start, end = _project_period(p, c["first_start"])
        spent = money.get(p.pk)
        income_target = t.get(ProjectTarget.Indicator.INCOME_GAIN)
        rows.append({
            "project": p,
            "cells": {
                "trainees": _trainees_cell(c["enrolled"], _target(t, ProjectTarget.Indicator.TRAINEES,
                                                                  p.target_trainees), start, end, today),
                "completion": _rate_cell(_rate(c["completed"], c["finished"]),
                                         _target(t, ProjectTarget.Indicator.COMPLETION), c["finished"]),
                "certification": _cell(_rate(c["certified"], c["completed"]), NO_TARGET, n=c["completed"]),
                "employment": _rate_cell(_rate(c["employed"], c["due"]),
                                         _target(t, ProjectTarget.Indicator.EMPLOYMENT_6M,
                                                 p.target_employment_rate), c["due"]),
                "income_gain": _income_cell(
                    impacts.get(p.pk),
                    income_target.value if income_target else p.target_income_gain,
                    income_target.currency if income_target else p.target_currency, basis),
                "cost_per_employed": _cell(spent / c["employed"] if spent is not None and c["employed"] else None,
                                           NO_TARGET, spent=spent, n=c["employed"]),
                "flags": _flags_cell(flags.get(p.pk, 0)),
                "risk": _risk_cell(risk.get(p.host_country_id)),
            },
        })
    sort, descending = sort_of(params)
    rows = sort_rows(rows, sort, descending)
    return {"rows": rows, "filters": filters, "basis": basis, "sort": sort, "descending": descending,
            "today": today}


def sort_of(params) -> tuple[str, bool]:
    raw = params.get("sort") or "project"
    key = raw.lstrip("-")
    return (key if key in SORT_KEYS else "project"), raw.startswith("-")


def _sort_value(row: dict, key: str):
    p = row["project"]
    if key == "project":
        return p.name.casefold()
    if key == "country":
        return p.host_country.name.casefold()
    if key == "status":
        return p.get_status_display().casefold()
    return row["cells"][key]["value"]


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """By the column's shown value, ties by project name; rows without a value last in either direction."""
    rows = sorted(rows, key=lambda r: r["project"].name.casefold())
    known = [r for r in rows if _sort_value(r, key) is not None]
    missing = [r for r in rows if _sort_value(r, key) is None]
    return sorted(known, key=lambda r: _sort_value(r, key), reverse=descending) + missing


def filter_choices(user) -> dict:
    """What the filter boxes offer: only values that occur among the projects the user may see."""
    projects = visible_projects(user)
    countries = Country.objects.filter(code__in=projects.values("host_country_id")).order_by("name")
    regions = Region.objects.filter(Q(pk__in=projects.values("host_region_id"))
                                    | Q(pk__in=projects.values("host_region__parent_id"))).select_related(
        "country").order_by("country__name", "name")
    years = [d.year for d in projects.dates("start_date", "year", order="DESC")]
    fields = FieldOfStudy.objects.filter(pk__in=CooperationProject.fields.through.objects.filter(
        cooperationproject_id__in=projects.values("pk")).values("fieldofstudy_id")).order_by("code")
    return {
        "countries": countries, "regions": regions,
        "alliances": Alliance.objects.filter(pk__in=projects.values("alliance_id")).order_by("name"),
        "kinds": CooperationProject.Kind.choices, "fields": fields, "years": years,
        "statuses": CooperationProject.Status.choices,
    }
