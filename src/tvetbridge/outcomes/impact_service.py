"""From the database to the impact engine: who was trained, who is compared, what they earned.

Arrays are read with ``values_list`` and assembled with NumPy (no per-record Python loops); the
engine (``impact.py``) does the statistics. Results are cached per project, analysis options and
data version in ``ImpactResult``; any new income, enrolment, trainee edit or price-table edit
changes the version and so forces a fresh estimate.

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

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Count, DateField, Max, Q, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import impact, impact_reliability
from .models import CpiIndex, Enrolment, ImpactResult, IncomeObservation, Trainee
from .money import Basis, PriceTables

POST_FROM, POST_TO, PRE_MONTHS = 6, 18, 12
MIN_PER_ARM = 5
# Influence-function standard errors are asymptotic; with few trained people or a comparison group
# worth few people under the weights they run small (Busso, DiNardo and McCrary 2014), so the
# headline's standard error is then bootstrapped (every step repeated, trimming included). Above
# BOOTSTRAP_MAX_RECORDS the resampling would hold up the page: the analytic SE stays and the verdict's
# effective-size check speaks instead.
BOOTSTRAP_BELOW = 100
BOOTSTRAP_MAX_RECORDS = 20_000
N_BOOT = 499
COMPARISONS = {
    "applicants": gettext_lazy("applicants to this project who were not enrolled"),
    "later_cohort": gettext_lazy("the project's later cohort, before its own training started"),
    "regional": gettext_lazy("applicants not enrolled anywhere, from the same home regions"),
}
METHOD_LABELS = {
    "difference": gettext_lazy("difference in means"),
    "regression": gettext_lazy("regression adjustment"),
    "ipw": gettext_lazy("inverse probability weighting"),
    "aipw": gettext_lazy("doubly robust (AIPW)"),
    "matching": gettext_lazy("propensity-score matching"),
    "did:simple": gettext_lazy("difference-in-differences"),
    "did:doubly_robust": gettext_lazy("doubly robust difference-in-differences"),
}
COVARIATES = ("age", "female", "prior_education", "employed_before", "income_before")
COVARIATE_LABELS = {
    "age": gettext_lazy("age at start"), "female": gettext_lazy("female"),
    "prior_education": gettext_lazy("prior education (ISCED)"),
    "employed_before": gettext_lazy("employed before"), "income_before": gettext_lazy("income before"),
}
STATUS_CODE = {"applied": 0, "enrolled": 1, "completed": 2, "dropped": 3}


@dataclass
class Population:
    trainee_id: np.ndarray
    treated: np.ndarray  # 1.0 / 0.0
    status: np.ndarray  # STATUS_CODE
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
    notes: list[str]

    @property
    def size(self) -> int:
        return int(self.trainee_id.size)


def _dates(values, unit="D") -> np.ndarray:
    """A column of dates (date objects or ISO strings, None where missing) as datetime64."""
    return np.array(list(values), dtype="datetime64[D]").astype(f"datetime64[{unit}]")


def _rows(queryset, *fields) -> list[np.ndarray]:
    """The columns of ``queryset.values_list(*fields)`` as the database driver returns them, dates as ISO
    text. Django's per-value converters (a Decimal and a parsed date for every cell) made reading a
    national income table take seconds; callers convert whole columns instead: dates with ``_dates``,
    numbers with ``astype`` (floats on SQLite, Decimals on PostgreSQL). A model's default ordering is
    dropped: no caller needs it, and the income table's would join the trainees to sort by their keys."""
    columns = [Cast(f, CharField()) if isinstance(_field_at(queryset.model, f), DateField) else f for f in fields]
    qs = (queryset if queryset.query.order_by else queryset.order_by()).values_list(*columns)
    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return [np.array([]) for _f in fields]
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [np.array([]) for _f in fields]
    table = np.array(rows, dtype=object).reshape(len(rows), len(fields))
    return [table[:, j] for j in range(len(fields))]


def _field_at(model, path: str):
    """The model field a ``values_list`` path such as ``project__start_date`` ends on."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    return model._meta.pk if last == "pk" else model._meta.get_field(last)


def _first_per_trainee(ids: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of each trainee's earliest row (a trainee counted once, in their first cohort)."""
    order = np.lexsort((start.astype("int64"), ids))
    ids_sorted = ids[order]
    first = np.ones(ids_sorted.size, dtype=bool)
    first[1:] = ids_sorted[1:] != ids_sorted[:-1]
    return order[first]


def enrolment_frame(enrolments) -> dict[str, np.ndarray]:
    tid, status, start, end, project = _rows(enrolments, "trainee_id", "status", "start_date", "end_date",
                                             "project_id")
    return {"trainee_id": tid.astype(np.int64), "status": np.array([STATUS_CODE[s] for s in status], dtype=np.int8),
            "start": _dates(start), "end": _dates(end), "project_id": project.astype(np.int64)}


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
    duration = _median_months(start[status == 2], end[status == 2])
    treated = (status != 0).astype(np.float64)
    ref = np.where(np.isnat(end), (start.astype("datetime64[M]") + duration).astype("datetime64[D]"), end)
    ref_m = ref.astype("datetime64[M]")
    wfrom, wto = ref_m + POST_FROM, ref_m + POST_TO
    keep = np.ones(tid.size, dtype=bool)
    if comparison == "later_cohort":
        keep = status != 0
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
    pid, gender, birth, edu, emp, inc, cur, region = _rows(
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
    o_tid, o_period, o_amount, o_cur = _rows(inc_qs, "trainee_id", "period", "amount", "currency")
    outcome = np.full(n, np.nan)
    pre = np.full(n, np.nan)
    n_obs = np.zeros(n, dtype=np.int64)
    currencies: set[str] = set(base_cur[has].tolist()) if n else set()
    if o_tid.size and n:
        o_tid = o_tid.astype(np.int64)
        pos = np.searchsorted(tid, o_tid).clip(0, n - 1)
        found = tid[pos] == o_tid
        o_month = _dates(list(o_period), "M")
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


# --- data version and cache -----------------------------------------------------------------------

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
    from tvetbridge.core.models import ExchangeRate

    return {"fx": ExchangeRate.objects.aggregate(n=Count("id"), s=Sum("per_usd")),
            "cpi": CpiIndex.objects.aggregate(n=Count("id"), s=Sum("inflation_pct"))}


def project_impact(project, *, comparison: str = "applicants", basis: Basis | None = None,
                   use_cache: bool = True, tables: PriceTables | None = None) -> dict:
    """Every estimator on the project's own data, as a JSON-ready dict (cached)."""
    basis = basis or Basis()
    if comparison not in COMPARISONS:
        comparison = "applicants"
    version = data_version(project)
    key = hashlib.sha256(f"{version}|{comparison}|{basis.key}|v4".encode()).hexdigest()
    if use_cache:
        hit = ImpactResult.objects.filter(project=project, key=key).values_list("payload", flat=True).first()
        if hit is not None:
            return hit
    payload = compute_impact(build_population(project, comparison=comparison, basis=basis, tables=tables),
                             comparison)
    payload["data_version"] = version[:12]
    ImpactResult.objects.update_or_create(project=project, key=key, defaults={"payload": payload})
    # Old results for this project can never be hit again once the data moved on.
    ImpactResult.objects.filter(project=project).exclude(key=key).exclude(
        payload__data_version=version[:12]).delete()
    return payload


def compute_impact(pop: Population, comparison: str) -> dict:
    observed = ~np.isnan(pop.outcome)
    d = pop.treated
    out = {
        "comparison": comparison, "comparison_label": str(COMPARISONS[comparison]),
        "basis": pop.basis.label(), "basis_key": pop.basis.key, "notes": pop.notes,
        "n_treated_total": int((d == 1).sum()), "n_control_total": int((d == 0).sum()),
        "n_treated_observed": int(((d == 1) & observed).sum()),
        "n_control_observed": int(((d == 0) & observed).sum()),
        "window": _("mean monthly income %(a)d–%(b)d months after the end of training")
        % {"a": POST_FROM, "b": POST_TO},
        "estimand": "ATT", "estimates": [], "did": [], "error": "",
        "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if out["n_treated_observed"] < MIN_PER_ARM or out["n_control_observed"] < MIN_PER_ARM:
        out["error"] = _("Too few people with income observed after training: %(t)d trained and %(c)d in the "
                         "comparison group (at least %(m)d each are needed).") % {
            "t": out["n_treated_observed"], "c": out["n_control_observed"], "m": MIN_PER_ARM}
        out["reliability"] = impact_reliability.not_estimable(
            "too_few", treated=out["n_treated_observed"], control=out["n_control_observed"],
            minimum=MIN_PER_ARM).to_dict()
        return out
    y, dd, X = pop.outcome[observed], d[observed], pop.X[observed]
    X, names = _usable_columns(X)
    opts = {"estimand": "ATT", "names": names, "ridge": 1e-6}
    fits: dict[str, impact.ImpactEstimate] = {}
    for method in impact.METHODS:
        trim = None if method in ("difference", "regression") else "common_support"
        try:
            r = impact.estimate(y, dd, X, method=method, trim=trim, **opts)
        except ValueError as exc:
            out["estimates"].append({"method": method, "label": str(METHOD_LABELS[method]), "error": str(exc)})
            continue
        if method == "aipw" and _needs_bootstrap(r, y.size):
            r = impact.estimate(y, dd, X, method=method, trim=trim, se="bootstrap", n_boot=N_BOOT,
                                seed=int(pop.trainee_id.sum()) % (2**32), **opts)
        fits[method] = r
        out["estimates"].append(_as_dict(r))
    base_ok = observed & ~np.isnan(pop.baseline)
    if ((d == 1) & base_ok).sum() >= MIN_PER_ARM and ((d == 0) & base_ok).sum() >= MIN_PER_ARM:
        Xb, nb = _usable_columns(pop.X[base_ok][:, :4])
        for method in ("simple", "doubly_robust"):
            try:
                r = impact.did(pop.baseline[base_ok], pop.outcome[base_ok], d[base_ok],
                               None if method == "simple" else Xb, method=method,
                               trim=None if method == "simple" else "common_support", names=nb,
                               ridge=1e-6)
            except ValueError as exc:
                out["did"].append({"method": f"did:{method}", "label": str(METHOD_LABELS[f"did:{method}"]),
                                   "error": str(exc)})
                continue
            out["did"].append(_as_dict(r))
    main = next((e for e in out["estimates"] if e["method"] == "aipw" and "error" not in e), None)
    sd = float(np.std(y[dd == 0], ddof=1))
    if main is None:
        rel = impact_reliability.not_estimable("no_estimate", method="aipw")
    elif not sd > 0:
        rel = impact_reliability.not_estimable("constant_outcome")
    else:
        rel = impact_reliability.assess(fits, outcome_sd=sd)
    out["reliability"] = rel.to_dict()
    if main is not None:
        main["verdict"] = rel.verdict
    out["headline"] = main
    return out


def _needs_bootstrap(r: impact.ImpactEstimate, n: int) -> bool:
    small = r.n_treated < BOOTSTRAP_BELOW or r.extra.get("ess_control", np.inf) < BOOTSTRAP_BELOW
    return small and n <= BOOTSTRAP_MAX_RECORDS and r.se_method == "influence function"


def _usable_columns(X: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Drop covariates that do not vary: a constant column would make the models singular."""
    keep = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) > 0]
    # Codes, not labels: the payload is cached and read in every language (``covariate_label``).
    names = [COVARIATES[j] for j in keep]
    if not keep:
        # the engine then reports that it cannot adjust, per method, next to the figure
        return X[:, :1], [COVARIATES[0]]
    return X[:, keep], names


def _as_dict(r: impact.ImpactEstimate) -> dict:
    bal = None
    if r.balance is not None:
        after = r.balance.smd_after or [None] * len(r.balance.names)
        bal = [{"name": n, "before": b, "after": a} for n, b, a in zip(r.balance.names, r.balance.smd_before,
                                                                        after, strict=True)]
    trim = None
    if r.trimming is not None:
        trim = {"rule": r.trimming.rule, "lower": r.trimming.lower, "upper": r.trimming.upper,
                "dropped_treated": r.trimming.n_dropped_treated, "dropped_control": r.trimming.n_dropped_control,
                "covariate": r.trimming.most_different, "smd": r.trimming.smd_dropped}
    return {
        "method": r.method, "label": str(METHOD_LABELS.get(r.method, r.method)), "estimand": r.estimand,
        "estimate": r.estimate, "std_error": r.std_error, "ci_low": r.ci_low, "ci_high": r.ci_high,
        "level": r.level, "n_treated": r.n_treated, "n_control": r.n_control, "se_method": r.se_method,
        "assumptions": r.assumptions, "trimming": trim, "balance": bal,
        "max_smd_before": r.balance.max_abs_before if r.balance else None,
        "max_smd_after": r.balance.max_abs_after if r.balance else None,
        "covers_zero": r.ci_low <= 0 <= r.ci_high,
        "ess_control": r.extra.get("ess_control"),
    }


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
    duration = _median_months(start[status == 2], end[status == 2])
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
