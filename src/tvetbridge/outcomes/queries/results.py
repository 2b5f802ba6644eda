"""Read paths for pages, API and reports: scoped trainee lists, the results chain (funnel with cost
per step), target progress with status, and the small-cell suppression every public aggregate uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.apps import apps
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Region
from tvetbridge.core.roles import is_member, role_of
from tvetbridge.registry.models import CooperationProject, ProjectFunding

from ..io.columns import dates, rows
from ..models import Credential, Employment, Enrolment, IncomeObservation, ProjectTarget, Trainee
from ..money import Basis, ConversionError, PriceTables
from .population import Status, enrolment_frame, person_gains

# --- privacy --------------------------------------------------------------------------------------

SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class Cell:
    """A published number. ``value`` is None when the cell was suppressed."""

    value: float | int | None
    n: int | None
    suppressed: bool

    def __str__(self) -> str:
        if self.suppressed:
            return _("fewer than %(n)d") % {"n": SUPPRESS_BELOW}
        return "—" if self.value is None else f"{self.value:,}" if isinstance(self.value, int) else f"{self.value:,.0f}"


def suppress(value, n: int | None = None) -> Cell:
    """The one rule for public aggregates: a figure about 1–4 people is not published.

    ``n`` is the number of people behind ``value`` (for a count, the count itself). Zero is
    published: saying nobody was placed reveals nothing about anyone.
    """
    people = value if n is None else n
    if people is not None and 0 < int(people) < SUPPRESS_BELOW:
        return Cell(None, None, True)
    return Cell(value, people, False)


def is_public(user) -> bool:
    """Sees only published aggregates with small cells suppressed: anonymous visitors, and trainees'
    own accounts (they see their own matches, never other people's figures)."""
    return not is_member(user)


# --- scoped lists ---------------------------------------------------------------------------------

def _institution_q(institution_id: int, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}institution_id": institution_id})
            | Q(**{f"{prefix}enrolments__programme__institution_id": institution_id})
            | Q(**{f"{prefix}enrolments__project__partner_institutions": institution_id})
            | Q(**{f"{prefix}enrolments__project__chinese_institutions": institution_id}))


def _no_enterprise_candidates(user) -> set[int]:
    return set()


# Which trainees enterprise staff may see is decided where vacancies meet trainees (candidate lists
# and expressions of interest live in ``matching``, a layer above this one); matching registers its
# answer here when the apps load.
_enterprise_trainee_ids: Callable[[Any], set[int]] = _no_enterprise_candidates


def set_enterprise_scope(ids_for: Callable[[Any], set[int]]) -> None:
    global _enterprise_trainee_ids
    _enterprise_trainee_ids = ids_for


def enterprise_trainee_ids(user) -> set[int]:
    """Ids of the consenting trainees on the candidate lists of the user's enterprise's vacancies, or
    who expressed interest in one of them."""
    return _enterprise_trainee_ids(user)


def trainees_for(user) -> QuerySet:
    """The trainees ``user`` may see (the list equivalent of ``view_trainee``)."""
    role = role_of(user)
    qs = Trainee.objects.all()
    if role in ("admin", "coordinator"):
        return qs
    if role == "institution":
        ids = Trainee.objects.filter(_institution_q(user.profile.institution_id)).values("pk")
        return qs.filter(pk__in=ids)
    if role == "enterprise":
        return qs.filter(consent_matching=True, pk__in=enterprise_trainee_ids(user))
    return qs.none()


def incomes_for(user) -> QuerySet:
    role = role_of(user)
    if role in ("admin", "coordinator"):
        return IncomeObservation.objects.all()
    if role == "institution":
        return IncomeObservation.objects.filter(trainee__in=trainees_for(user).values("pk"))
    return IncomeObservation.objects.none()


def projects_with_outcomes() -> QuerySet:
    return CooperationProject.objects.filter(pk__in=Enrolment.objects.values("project_id")).order_by("name")


# --- money spent -----------------------------------------------------------------------------------

def spending(projects: QuerySet, basis: Basis, tables: PriceTables) -> dict:
    """Total funding of ``projects`` on ``basis``; amounts count in the year the project started."""
    pid, amount, currency, start = rows(ProjectFunding.objects.filter(project__in=projects)
                                         .exclude(amount=None).exclude(currency=""),
                                         "project_id", "amount", "currency", "project__start_date")
    missing = ProjectFunding.objects.filter(project__in=projects).filter(Q(amount=None) | Q(currency="")).count()
    if pid.size == 0:
        return {"total": None, "by_project": {}, "missing": missing}
    started = dates(start)
    years = np.where(np.isnat(started), basis.base_year, started.astype("datetime64[Y]").astype(int) + 1970)
    try:
        value = tables.convert(amount.astype(float), currency.astype(str), years, basis)
    except ConversionError:
        return {"total": None, "by_project": {}, "missing": missing + int(pid.size)}
    by_project: dict[int, float] = {}
    for p, v in zip(pid.tolist(), value.tolist(), strict=True):
        by_project[p] = by_project.get(p, 0.0) + v
    return {"total": float(value.sum()), "by_project": by_project, "missing": missing}


# --- results chain -----------------------------------------------------------------------------------

FUNNEL_STEPS = [
    ("demand", gettext_lazy("demand (people needed)")),
    ("enrolled", gettext_lazy("enrolled")),
    ("completed", gettext_lazy("completed")),
    ("certified", gettext_lazy("certified")),
    ("employed", gettext_lazy("employed in the trained occupation")),
    ("income_gain", gettext_lazy("earn more than before")),
]


def demand_count(projects: QuerySet) -> int | None:
    """People needed by open or filled skill demands in the projects' host countries, for the
    occupations they train. None when the demand app is not part of this installation."""
    if not apps.is_installed("tvetbridge.demand") or "skilldemand" not in apps.all_models.get("demand", {}):
        return None
    skill_demand = apps.get_model("demand", "SkillDemand")
    qs = skill_demand.objects.filter(country__in=projects.values("host_country"), status__in=["open", "filled"])
    codes = [c for c in Enrolment.objects.filter(project__in=projects).exclude(occupation_code="")
             .values_list("occupation_code", flat=True).distinct()]
    if codes:
        qs = qs.filter(Q(occupation__isco_group__code__in={c[:4] for c in codes}) | Q(occupation__code__in=codes))
    return int(qs.aggregate(n=Sum("count"))["n"] or 0)


def _trained_occupation_jobs(projects: QuerySet) -> QuerySet:
    """Jobs after an enrolment in the same ISCO-08 unit group as trained for (any job when the
    trained occupation was not recorded)."""
    return (Employment.objects.filter(enrolment__project__in=projects, start_date__gte=F("enrolment__start_date"))
            .exclude(enrolment__status=Enrolment.Status.APPLIED)
            .annotate(job4=Substr("occupation_code", 1, 4), trained4=Substr("enrolment__occupation_code", 1, 4))
            .filter(Q(job4=F("trained4")) | Q(enrolment__occupation_code="")))


def _chain(counts: dict, gains: np.ndarray, money_total: float | None, public: bool) -> dict:
    """The results chain's steps from its counts, the income gains of the people behind it (NaN where
    not observed) and the money spent on them."""
    observed = ~np.isnan(gains)
    counts = {**counts, "income_gain": int((gains[observed] > 0).sum())}
    n_observed = int(observed.sum())
    median_gain = float(np.median(gains[observed])) if n_observed else None
    steps = []
    for key, label in FUNNEL_STEPS:
        n = counts.get(key)
        cost = money_total / n if (money_total is not None and n and key != "demand") else None
        cell = suppress(n) if public else Cell(n, n, False)
        steps.append({"key": key, "label": str(label), "count": cell.value, "suppressed": cell.suppressed,
                      "cost_per": None if cell.suppressed else cost, "available": n is not None})
    gain_cell = suppress(median_gain, n_observed) if public else Cell(median_gain, n_observed, False)
    return {"steps": steps, "spending": money_total, "median_gain": gain_cell.value,
            "median_gain_suppressed": gain_cell.suppressed, "n_income_observed": n_observed}


def _people_by_host(qs: QuerySet, host: str) -> dict[str | None, int]:
    """Distinct trainees of ``qs`` per host country (``host`` is the path to it) and, under None, in all
    of them: a person trained in two countries counts in each, and once in all."""
    counts = {r["host"]: r["n"] for r in qs.values(host=F(host)).annotate(n=Count("trainee", distinct=True))
              .order_by()}
    counts[None] = qs.aggregate(n=Count("trainee", distinct=True))["n"]
    return counts


def _chain_counts(projects: QuerySet) -> dict[str, tuple[QuerySet, str]]:
    """The people at each counted step of the results chain, with the path to their host country."""
    enrolled = Enrolment.objects.filter(project__in=projects).exclude(status=Enrolment.Status.APPLIED)
    return {
        "enrolled": (enrolled, "project__host_country_id"),
        "completed": (enrolled.filter(status=Enrolment.Status.COMPLETED), "project__host_country_id"),
        "certified": (Credential.objects.filter(enrolment__in=enrolled), "enrolment__project__host_country_id"),
        "employed": (_trained_occupation_jobs(projects), "enrolment__project__host_country_id"),
    }


def chain_steps(projects: QuerySet) -> dict[str, QuerySet]:
    """The records behind each counted step of the results chain (enrolled, completed, certified,
    employed in the trained occupation), each with a ``trainee`` and an ``enrolment``-side path, for
    apps that put their own figures next to the chain's."""
    return {key: qs for key, (qs, _host) in _chain_counts(projects).items()}


def results_chain(projects: QuerySet, basis: Basis, *, tables: PriceTables | None = None,
                  public: bool = False) -> dict:
    tables = tables or PriceTables.load()
    counts = {key: qs.values("trainee").distinct().count() for key, (qs, _host) in _chain_counts(projects).items()}
    counts["demand"] = demand_count(projects)
    gains = person_gains(list(projects.values_list("pk", flat=True)), basis, tables)
    money = spending(projects, basis, tables)
    return {**_chain(counts, gains["gain"], money["total"], public), "funding_missing": money["missing"],
            "basis": basis.label(), "notes": gains.get("notes", []), "demand_available": counts["demand"] is not None}


def results_chain_by_host(projects: QuerySet, basis: Basis, *, tables: PriceTables | None = None,
                          public: bool = False) -> dict[str | None, dict]:
    """The results chain per host country of ``projects`` and, under None, for all of them, from one
    read of the people and their incomes. A person's income gain counts in the host country of their
    first training (the one it is measured from)."""
    tables = tables or PriceTables.load()
    by_step = {key: _people_by_host(qs, host) for key, (qs, host) in _chain_counts(projects).items()}
    host_of = dict(projects.values_list("pk", "host_country_id"))
    gains = person_gains(list(host_of), basis, tables)
    person_host = np.array([host_of[p] for p in gains["project_id"].tolist()], dtype=object)
    money = spending(projects, basis, tables)
    spent: dict[str | None, float] = {None: money["total"]}
    for project, value in money["by_project"].items():
        spent[host_of[project]] = spent.get(host_of[project], 0.0) + value
    out = {}
    for host in [*sorted(set(host_of.values())), None]:
        mine = np.ones(person_host.size, dtype=bool) if host is None else person_host == host
        counts = {key: by_step[key].get(host, 0) for key in by_step}
        out[host] = _chain(counts, gains["gain"][mine], spent.get(host), public)
    return out


PERIOD_FLOWS = ("started", "completed", "certified", "employed")


def period_flows(projects: QuerySet, start: dt.date, end: dt.date) -> dict[str, dict[str | None, int]]:
    """People of ``projects`` whose training started, whose training was completed, who were awarded a
    credential, or who started a job in the trained occupation between ``start`` and ``end``
    (inclusive), per host country and, under None, in all of them."""
    steps = _chain_counts(projects)
    dated = {
        "started": (steps["enrolled"], "start_date"),
        "completed": (steps["completed"], "end_date"),
        "certified": (steps["certified"], "awarded"),
        "employed": (steps["employed"], "start_date"),
    }
    return {flow: _people_by_host(qs.filter(**{f"{field}__range": (start, end)}), host)
            for flow, ((qs, host), field) in dated.items()}


# --- targets ------------------------------------------------------------------------------------------

# Status thresholds. Counts (trainees) accumulate over the project, so they are compared with the
# share of the target due by now: expected = target × elapsed share of project time. Rates and income
# gains are levels measured on finished cohorts and are compared with the target itself.
ON_TRACK, AT_RISK = 0.90, 0.70  # ratio of actual to expected for counts
RATE_ON_TRACK, RATE_AT_RISK = 0.95, 0.80  # ratio of actual to target for rates and gains
EMPLOYMENT_WINDOW_DAYS = 183
STATUS_LABELS = {
    "on_track": gettext_lazy("on track"),
    "at_risk": gettext_lazy("at risk"),
    "off_track": gettext_lazy("off track"),
    "no_data": gettext_lazy("not yet measurable"),
}
THRESHOLDS_TEXT = gettext_lazy(
    "Trainee numbers are compared with the part of the target due by now (target × share of project time "
    "elapsed): on track at 90% or more of that, at risk from 70%, off track below. Completion, employment "
    "within 6 months and median real income gain are compared with the target itself, on finished cohorts: "
    "on track at 95% or more, at risk from 80%, off track below.")


def project_period(project) -> tuple[dt.date | None, dt.date | None]:
    starts = Enrolment.objects.filter(project=project).exclude(status=Enrolment.Status.APPLIED)
    first = starts.order_by("start_date").values_list("start_date", flat=True).first()
    start = project.start_date or first
    end = project.end_date or (start.replace(year=start.year + 3) if start else None)
    return start, end


def elapsed_share(start: dt.date | None, due: dt.date | None, today: dt.date) -> float:
    if not start or not due or due <= start:
        return 1.0
    return float(min(max((today - start).days / (due - start).days, 0.0), 1.0))


@dataclass
class ProjectFacts:
    """Per-trainee arrays for one project, shared by targets and quality flags."""

    trainee_id: np.ndarray
    status: np.ndarray
    start: np.ndarray
    end: np.ndarray
    region_id: np.ndarray
    parent_id: np.ndarray
    employed_6m: np.ndarray  # 1/0, NaN when not yet eligible (finished less than 6 months ago)
    followed_up: np.ndarray  # any income or job recorded after the end of training
    gain: np.ndarray
    basis: Basis


def project_facts(project, basis: Basis, *, today: dt.date | None = None,
                  tables: PriceTables | None = None) -> ProjectFacts:
    today = today or timezone.localdate()
    g = person_gains([project.pk], basis, tables)
    tid = g["trainee_id"]
    n = tid.size
    frames = enrolment_frame(Enrolment.objects.filter(project=project).exclude(status=Enrolment.Status.APPLIED)
                             .order_by("trainee_id", "start_date"))
    first = np.unique(frames["trainee_id"], return_index=True)[1] if frames["trainee_id"].size else np.array([], int)
    start, end = frames["start"][first], frames["end"][first]
    status = frames["status"][first]
    region = g["region_id"]
    parents = dict(Region.objects.filter(pk__in=set(region.tolist())).values_list("pk", "parent_id"))
    parent = np.array([parents.get(int(r)) or -1 for r in region], dtype=np.int64) if n else np.array([], np.int64)
    employed = np.full(n, np.nan)
    followed = np.zeros(n, dtype=bool)
    if n:
        people = Enrolment.objects.filter(project=project).values("trainee_id")
        j_tid, j_start = rows(Employment.objects.filter(trainee_id__in=people), "trainee_id", "start_date")
        i_tid, i_period = rows(IncomeObservation.objects.filter(trainee_id__in=people), "trainee_id", "period")
        finished = status == Status.COMPLETED
        eligible = finished & (end <= np.datetime64(today - dt.timedelta(days=EMPLOYMENT_WINDOW_DAYS)))
        employed = np.where(eligible, 0.0, np.nan)
        if j_tid.size:
            pos = np.searchsorted(tid, j_tid.astype(np.int64)).clip(0, n - 1)
            js = dates(list(j_start))
            ok = (tid[pos] == j_tid.astype(np.int64)) & (js >= start[pos])
            within = ok & eligible[pos] & (js <= end[pos] + np.timedelta64(EMPLOYMENT_WINDOW_DAYS, "D"))
            employed[np.unique(pos[within])] = 1.0
            followed[np.unique(pos[ok & ~np.isnat(end[pos]) & (js >= end[pos])])] = True
        if i_tid.size:
            pos = np.searchsorted(tid, i_tid.astype(np.int64)).clip(0, n - 1)
            ip = dates(list(i_period))
            ok = (tid[pos] == i_tid.astype(np.int64)) & ~np.isnat(end[pos]) & (ip >= end[pos].astype("datetime64[M]"))
            followed[np.unique(pos[ok])] = True
    return ProjectFacts(tid, status, start, end, region, parent, employed, followed, g["gain"], basis)


def _in_region(facts: ProjectFacts, region_id: int | None) -> np.ndarray:
    if region_id is None:
        return np.ones(facts.trainee_id.size, dtype=bool)
    return (facts.region_id == region_id) | (facts.parent_id == region_id)


def _status_for(ratio: float | None) -> str:
    if ratio is None:
        return "no_data"
    return "on_track" if ratio >= RATE_ON_TRACK else "at_risk" if ratio >= RATE_AT_RISK else "off_track"


def target_progress(project, *, today: dt.date | None = None, tables: PriceTables | None = None,
                    public: bool = False) -> list[dict]:
    today = today or timezone.localdate()
    tables = tables or PriceTables.load()
    targets = list(ProjectTarget.objects.filter(project=project).select_related("region")
                   .order_by("region__name", "indicator"))
    if not targets:
        return []
    start, end = project_period(project)
    facts_by_basis: dict[str, ProjectFacts] = {}

    def facts_for(basis: Basis) -> ProjectFacts:
        if basis.key not in facts_by_basis:
            facts_by_basis[basis.key] = project_facts(project, basis, today=today, tables=tables)
        return facts_by_basis[basis.key]

    rows = []
    for t in targets:
        basis = Basis(t.currency or "USD", True, t.base_year or today.year - 1)
        facts = facts_for(basis)
        mask = _in_region(facts, t.region_id)
        due = t.due or end
        share = elapsed_share(start, due, today)
        target = float(t.value)
        actual = n = expected = ratio = None
        if t.indicator == ProjectTarget.Indicator.TRAINEES:
            n = actual = int(mask.sum())
            expected = target * share
            ratio = actual / expected if expected > 0 else None
            status = ("no_data" if ratio is None else "on_track" if ratio >= ON_TRACK
                      else "at_risk" if ratio >= AT_RISK else "off_track")
        else:
            if t.indicator == ProjectTarget.Indicator.COMPLETION:
                done = mask & np.isin(facts.status, [2, 3])
                n = int(done.sum())
                actual = 100.0 * float((facts.status[done] == Status.COMPLETED).mean()) if n else None
            elif t.indicator == ProjectTarget.Indicator.EMPLOYMENT_6M:
                ok = mask & ~np.isnan(facts.employed_6m)
                n = int(ok.sum())
                actual = 100.0 * float(facts.employed_6m[ok].mean()) if n else None
            else:
                ok = mask & ~np.isnan(facts.gain)
                n = int(ok.sum())
                actual = float(np.median(facts.gain[ok])) if n else None
            ratio = (actual / target) if (actual is not None and target > 0) else None
            status = _status_for(ratio)
        shown = actual
        if public and n is not None and suppress(actual, n).suppressed:
            shown, status = None, "no_data"
        rows.append({
            "id": t.pk, "region": t.region.name if t.region else _("whole project"), "region_id": t.region_id,
            "indicator": t.indicator, "indicator_label": t.get_indicator_display(), "target": target,
            "actual": shown, "n": n, "expected": expected, "elapsed": share, "ratio": ratio,
            "status": status, "status_label": str(STATUS_LABELS[status]),
            "unit": (basis.label() if t.indicator == ProjectTarget.Indicator.INCOME_GAIN
                     else "%" if t.indicator != ProjectTarget.Indicator.TRAINEES else ""),
            "suppressed": shown is None and actual is not None,
        })
    return rows
