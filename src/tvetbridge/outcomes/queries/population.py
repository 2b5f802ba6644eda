"""Who was trained, who is compared and what they earned: the impact engine's population, read.

Arrays are read with ``values_list`` and assembled with NumPy (no per-record Python loops); the
engine (``impact.py``) does the statistics, called by ``services.project_impact``, which caches
results per project, analysis options and ``data_version``: any new income, enrolment, trainee edit
or price-table edit changes the version and so forces a fresh estimate.

Definitions (shown on the project page next to the figures):

* **treated** — everyone who enrolled in the project (enrolled, completed or dropped out): an
  intention-to-treat contrast, so dropping out does not flatter the estimate;
* **reference month** — the end of training (the planned end, for those who did not finish;
  for applicants, the application month plus the project's median course length);
* **outcome** — mean monthly income 6 to 18 months after the reference month, on the chosen money
  basis (``money.py``); people with no income observation in that window are left out and counted;
* **baseline** — the income recorded at registration, or else the mean of observations in the 12
  months before the start.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import ExchangeRate

from ..io.columns import dates, rows
from ..models import CpiIndex, Enrolment, IncomeObservation, Trainee
from ..money import Basis, PriceTables

POST_FROM, POST_TO, PRE_MONTHS = 6, 18, 12
COMPARISONS = {
    "applicants": gettext_lazy("applicants to this project who were not enrolled"),
    "later_cohort": gettext_lazy("the project's later cohort, before its own training started"),
    "regional": gettext_lazy("applicants not enrolled anywhere, from the same home regions"),
}
COVARIATES = ("age", "female", "prior_education", "employed_before", "income_before")
COVARIATE_LABELS = {
    "age": gettext_lazy("age at start"), "female": gettext_lazy("female"),
    "prior_education": gettext_lazy("prior education (ISCED)"),
    "employed_before": gettext_lazy("employed before"), "income_before": gettext_lazy("income before"),
}


class Status(IntEnum):
    """An enrolment's status as a small integer in the population's arrays."""

    APPLIED = 0
    ENROLLED = 1
    COMPLETED = 2
    DROPPED = 3


STATUS_CODE = {s.name.lower(): s.value for s in Status}


@dataclass
class Population:
    trainee_id: np.ndarray
    treated: np.ndarray  # 1.0 / 0.0
    status: np.ndarray  # Status codes
    start: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D], NaT when not finished
    window_from: np.ndarray  # datetime64[M], outcome window (inclusive)
    window_to: np.ndarray  # datetime64[M] (exclusive)
    region_id: np.ndarray
    X: np.ndarray  # len × COVARIATES
    baseline: np.ndarray  # basis money; NaN when unknown
    outcome: np.ndarray  # basis money; NaN when no observation in the window
    n_outcome_obs: np.ndarray
    basis: Basis
    notes: list[dict]

    @property
    def size(self) -> int:
        return int(self.trainee_id.size)


def _first_per_trainee(ids: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of each trainee's earliest row (a trainee counted once, in their first cohort)."""
    order = np.lexsort((start.astype("int64"), ids))
    ids_sorted = ids[order]
    first = np.ones(ids_sorted.size, dtype=bool)
    first[1:] = ids_sorted[1:] != ids_sorted[:-1]
    return order[first]


def enrolment_frame(enrolments) -> dict[str, np.ndarray]:
    tid, status, start, end, project = rows(enrolments, "trainee_id", "status", "start_date", "end_date",
                                             "project_id")
    return {"trainee_id": tid.astype(np.int64), "status": np.array([STATUS_CODE[s] for s in status], dtype=np.int8),
            "start": dates(start), "end": dates(end), "project_id": project.astype(np.int64)}


def _median_months(start: np.ndarray, end: np.ndarray) -> int:
    ok = ~np.isnat(end)
    if not ok.any():
        return 12
    months = (end[ok].astype("datetime64[M]") - start[ok].astype("datetime64[M]")).astype(int)
    return max(int(np.median(months)), 1)


def build_population(project, *, comparison: str = "applicants", basis: Basis | None = None,
                     tables: PriceTables | None = None) -> Population:
    basis = basis or Basis()
    tables = tables or PriceTables.load()
    own = Enrolment.objects.filter(project=project)
    frames = enrolment_frame(own)
    tid, status, start, end = frames["trainee_id"], frames["status"], frames["start"], frames["end"]
    duration = _median_months(start[status == Status.COMPLETED], end[status == Status.COMPLETED])
    treated = (status != Status.APPLIED).astype(np.float64)
    ref = np.where(np.isnat(end), (start.astype("datetime64[M]") + duration).astype("datetime64[D]"), end)
    ref_m = ref.astype("datetime64[M]")
    wfrom, wto = ref_m + POST_FROM, ref_m + POST_TO
    keep = np.ones(tid.size, dtype=bool)
    if comparison == "later_cohort":
        keep = status != Status.APPLIED
        if keep.any():
            split = start[keep].max().astype("datetime64[M]") - 12
            later = keep & (start.astype("datetime64[M]") >= split)
            if later.sum() < keep.sum():
                treated = np.where(later, 0.0, treated)
                sm = start.astype("datetime64[M]")
                wfrom = np.where(later, sm - PRE_MONTHS, wfrom)
                wto = np.where(later, sm, wto)
    elif comparison == "regional":
        regions = Trainee.objects.filter(enrolments__project=project).exclude(home_region=None).values("home_region")
        others = (Enrolment.objects.filter(status=Enrolment.Status.APPLIED, trainee__home_region__in=regions)
                  .exclude(project=project).exclude(trainee__enrolments__project=project)
                  .exclude(trainee__enrolments__status__in=["enrolled", "completed", "dropped"]))
        extra = enrolment_frame(others)
        if extra["trainee_id"].size:
            xm = extra["start"].astype("datetime64[M]") + duration
            tid = np.concatenate([tid, extra["trainee_id"]])
            status = np.concatenate([status, extra["status"]])
            start = np.concatenate([start, extra["start"]])
            end = np.concatenate([end, extra["end"]])
            treated = np.concatenate([treated, np.zeros(extra["trainee_id"].size)])
            wfrom = np.concatenate([wfrom, xm + POST_FROM])
            wto = np.concatenate([wto, xm + POST_TO])
            keep = np.concatenate([keep, np.ones(extra["trainee_id"].size, dtype=bool)])
    sel = np.flatnonzero(keep)
    first = sel[_first_per_trainee(tid[sel], start[sel])]
    tid, status, start, end = tid[first], status[first], start[first], end[first]
    treated, wfrom, wto = treated[first], wfrom[first], wto[first]
    order = np.argsort(tid)
    tid, status, start, end, treated, wfrom, wto = (a[order] for a in (tid, status, start, end, treated, wfrom, wto))
    return _attach_people(tid, treated, status, start, end, wfrom, wto, basis, tables)


def _attach_people(tid, treated, status, start, end, wfrom, wto, basis, tables) -> Population:
    n = tid.size
    ids = [int(i) for i in tid]
    people = Trainee.objects.filter(pk__in=ids) if n < 20000 else Trainee.objects.all()
    pid, gender, birth, edu, emp, inc, cur, region = rows(
        people.order_by("pk"), "pk", "gender", "birth_year", "prior_education", "baseline_employment",
        "baseline_income", "baseline_currency", "home_region_id")
    pid = pid.astype(np.int64) if pid.size else np.array([], dtype=np.int64)
    at = np.searchsorted(pid, tid)
    at = np.clip(at, 0, max(pid.size - 1, 0))

    def col(values, fill):
        arr = np.array([fill if v is None else v for v in values], dtype=np.float64) if values.size else np.array([])
        return arr[at] if n else np.array([])

    start_year = start.astype("datetime64[Y]").astype(int) + 1970 if n else np.array([], dtype=int)
    birth_f = col(birth, np.nan)
    age = start_year - birth_f
    age = np.where(np.isnan(age), np.nanmedian(age) if np.isfinite(age).any() else 25.0, age)
    female = (np.array([g == "female" for g in gender])[at] if n else np.array([])).astype(float)
    edu_f = col(edu, np.nan)
    edu_f = np.where(np.isnan(edu_f), np.nanmedian(edu_f) if np.isfinite(edu_f).any() else 3.0, edu_f)
    employed = (np.isin(np.array(list(emp), dtype=object), ["employed", "self_employed"])[at] if n
                else np.array([])).astype(float)
    region_id = col(region, -1).astype(np.int64) if n else np.array([], dtype=np.int64)
    base_amount = col(inc, np.nan)
    base_cur = np.array(["USD" if not c else c for c in cur], dtype=object)[at] if n else np.array([], dtype=object)
    baseline = np.full(n, np.nan)
    has = ~np.isnan(base_amount)
    if has.any():
        baseline[has] = tables.convert(base_amount[has], base_cur[has].astype(str), start_year[has], basis)

    # incomes: one query for the whole population
    inc_qs = IncomeObservation.objects.filter(trainee_id__in=ids) if n < 20000 else \
        IncomeObservation.objects.filter(trainee_id__gte=int(tid.min()), trainee_id__lte=int(tid.max()))
    o_tid, o_period, o_amount, o_cur = rows(inc_qs, "trainee_id", "period", "amount", "currency")
    outcome = np.full(n, np.nan)
    pre = np.full(n, np.nan)
    n_obs = np.zeros(n, dtype=np.int64)
    currencies: set[str] = set(base_cur[has].tolist()) if n else set()
    if o_tid.size and n:
        o_tid = o_tid.astype(np.int64)
        pos = np.searchsorted(tid, o_tid).clip(0, n - 1)
        found = tid[pos] == o_tid
        o_month = dates(list(o_period), "M")
        years = o_month.astype("datetime64[Y]").astype(int) + 1970
        codes = o_cur.astype(str)
        currencies |= set(np.unique(codes).tolist())
        value = tables.convert(o_amount.astype(np.float64), codes, years, basis)
        pos, o_month, value = pos[found], o_month[found], value[found]
        post_mask = (o_month >= wfrom[pos]) & (o_month < wto[pos])
        n_obs = np.bincount(pos[post_mask], minlength=n)
        sums = np.bincount(pos[post_mask], weights=value[post_mask], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            outcome = np.where(n_obs > 0, sums / np.maximum(n_obs, 1), np.nan)
        sm = start.astype("datetime64[M]")
        pre_mask = (o_month < sm[pos]) & (o_month >= sm[pos] - PRE_MONTHS)
        pc = np.bincount(pos[pre_mask], minlength=n)
        ps = np.bincount(pos[pre_mask], weights=value[pre_mask], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            pre = np.where(pc > 0, ps / np.maximum(pc, 1), np.nan)
    baseline = np.where(np.isnan(baseline), pre, baseline)
    income_before = np.where(np.isnan(baseline), 0.0, baseline)
    X = np.column_stack([age, female, edu_f, employed, income_before]) if n else np.zeros((0, len(COVARIATES)))
    return Population(tid, treated, status, start, end, wfrom, wto, region_id, X, baseline, outcome, n_obs,
                      basis, tables.notes(basis, currencies))


def data_version(project) -> str:
    people = Enrolment.objects.filter(project=project).values("trainee_id")
    parts = [
        Enrolment.objects.filter(project=project).aggregate(n=Count("id"), u=Max("updated")),
        Trainee.objects.filter(pk__in=people).aggregate(n=Count("id"), u=Max("updated")),
        IncomeObservation.objects.filter(trainee_id__in=people).aggregate(n=Count("id"), u=Max("updated")),
        Enrolment.objects.filter(status="applied").aggregate(n=Count("id"), u=Max("updated")),
        _price_version(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def _price_version() -> dict:
    return {"fx": ExchangeRate.objects.aggregate(n=Count("id"), s=Sum("per_usd")),
            "cpi": CpiIndex.objects.aggregate(n=Count("id"), s=Sum("inflation_pct"))}


def person_gains(project_ids, basis: Basis, tables: PriceTables | None = None) -> dict[str, np.ndarray]:
    """Baseline, post-training income and gain of everyone enrolled in the given projects, each
    measured from their first training among them (whose project is ``project_id``)."""
    tables = tables or PriceTables.load()
    frames = enrolment_frame(Enrolment.objects.filter(project_id__in=project_ids)
                             .exclude(status=Enrolment.Status.APPLIED))
    tid, status, start, end = frames["trainee_id"], frames["status"], frames["start"], frames["end"]
    if tid.size == 0:
        empty = np.array([])
        return {"trainee_id": empty.astype(np.int64), "gain": empty, "outcome": empty, "baseline": empty,
                "region_id": empty.astype(np.int64), "status": empty, "project_id": empty.astype(np.int64)}
    duration = _median_months(start[status == Status.COMPLETED], end[status == Status.COMPLETED])
    first = _first_per_trainee(tid, start)
    first = first[np.argsort(tid[first])]
    tid, status, start, end, project = (frames[k][first] for k in ("trainee_id", "status", "start", "end",
                                                                    "project_id"))
    ref = np.where(np.isnat(end), (start.astype("datetime64[M]") + duration).astype("datetime64[D]"), end)
    rm = ref.astype("datetime64[M]")
    pop = _attach_people(tid, np.ones(tid.size), status, start, end, rm + POST_FROM, rm + POST_TO, basis, tables)
    return {"trainee_id": pop.trainee_id, "gain": pop.outcome - pop.baseline, "outcome": pop.outcome,
            "baseline": pop.baseline, "region_id": pop.region_id, "status": pop.status, "notes": pop.notes,
            "project_id": project}


def q_enrolled() -> Q:
    return ~Q(status=Enrolment.Status.APPLIED)
