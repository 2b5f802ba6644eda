# Over 500 lines: every outcomes state change, one short atomic function each, by the rule that writes live in services.
"""Every state change of outcome records. Views, API, imports and commands call these.

Each function is atomic, checks the actor's permission with ``rules.py``, validates the record
(``full_clean``) and leaves an audit row (django-simple-history: who, when, before/after).
The platform itself (commands, the demo) acts as ``core.services.system_user()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import update_change_reason

from tvetbridge.core.audit import keep_baseline
from tvetbridge.core.models import Language
from tvetbridge.core.roles import is_manager, role_of
from tvetbridge.core.services import assign as _assign
from tvetbridge.core.services import delete_record, is_system, perm_name, require, retry_when_busy, save  # noqa: F401 - perm_name is used by callers
from tvetbridge.core.uploads import StoredUpload, store_upload
from tvetbridge.core.validators import resolve_language_codes

from .engine import impact, impact_reliability
from .identity import identity_hash
from .io.incomes import import_incomes
from .io.records import KINDS, OutcomesImportResult, check_user, import_records, no_progress
from .models import (
    Assessment,
    CpiIndex,
    Credential,
    Employment,
    Enrolment,
    FlagComment,
    ImpactResult,
    IncomeObservation,
    LearningProgress,
    ProjectTarget,
    QualityFlag,
    Trainee,
)
from .money import Basis, PriceTables
from .queries.population import (
    COMPARISONS,
    COVARIATES,
    POST_FROM,
    POST_TO,
    Population,
    build_population,
    data_version,
)


def _own_institution(user) -> int | None:
    if user is None or role_of(user) != "institution":
        return None
    return user.profile.institution_id


def _save(user, obj: models.Model, reason: str, m2m: Mapping[str, Any] | None = None,
          expected_version: int | None = None) -> models.Model:
    return save(user, obj, reason=reason, m2m=m2m, expected_version=expected_version)


# --- trainees -----------------------------------------------------------------------------------

def _check_duplicate_identity(digest: str, exclude_pk: int | None) -> None:
    clash = Trainee.objects.filter(identity_hash=digest).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"identity_number": _(
            "A trainee with this identity number is already registered (%(key)s).")
            % {"key": clash.values_list("external_key", flat=True).first()}})


def _resolve_languages(trainee: Trainee, m2m: dict[str, Any]) -> None:
    """Languages given as written tags (the API: ``zh-hans``, ``ru``) become stored ISO 639-1 codes; an
    unknown tag is reported together with the record's other errors, as a file row reports it."""
    written = m2m.get("languages")
    if written is None or not all(isinstance(tag, str) for tag in written):
        return
    codes, errors = resolve_language_codes(written, set(Language.objects.values_list("code", flat=True)))
    if errors:
        merged: dict[str, list[str]] = {"languages": errors}
        try:
            trainee.full_clean()
        except ValidationError as exc:
            merged = {**exc.message_dict, **merged}
        raise ValidationError(merged)
    m2m["languages"] = codes


@transaction.atomic
def register_trainee(user, data: Mapping[str, Any], *, identity_number: str | None = None,
                     reason: str = "") -> Trainee:
    require(user, "add", Trainee)
    trainee = Trainee()
    m2m = _assign(trainee, data)
    own = _own_institution(user)
    if own is not None:
        if trainee.institution_id not in (None, own):
            raise ValidationError({"institution": _("You can only register trainees for your own institution.")})
        trainee.institution_id = own
    if identity_number:
        trainee.identity_hash = identity_hash(identity_number)
        _check_duplicate_identity(trainee.identity_hash, None)
    _resolve_languages(trainee, m2m)
    return _save(user, trainee, reason or "registered", m2m)


@retry_when_busy
def update_trainee(user, trainee: Trainee, data: Mapping[str, Any], *, identity_number: str | None = None,
                   reason: str = "", expected_version: int | None = None) -> Trainee:
    require(user, "change", Trainee, trainee)
    m2m = _assign(trainee, data)
    if identity_number:
        trainee.identity_hash = identity_hash(identity_number)
        _check_duplicate_identity(trainee.identity_hash, trainee.pk)
    _resolve_languages(trainee, m2m)
    return _save(user, trainee, reason or "updated", m2m, expected_version)


@transaction.atomic
def delete_trainee(user, trainee: Trainee) -> None:
    require(user, "delete", Trainee, trainee)
    trainee._history_user = user
    trainee.delete()


# --- the results chain --------------------------------------------------------------------------

def _check_scope(user, enrolment: Enrolment) -> None:
    own = _own_institution(user)
    if own is None:
        return
    owners = set()
    if enrolment.programme_id:
        owners.add(enrolment.programme.institution_id)
    if enrolment.project_id:
        owners |= enrolment.project.owner_institution_ids()
    if own not in owners:
        raise ValidationError({"project": _("Your institution does not run this project or programme.")})


@transaction.atomic
def record_enrolment(user, data: Mapping[str, Any], *, instance: Enrolment | None = None) -> Enrolment:
    if instance is None:
        require(user, "add", Enrolment)
        enrolment = Enrolment()
    else:
        require(user, "change", Enrolment, instance)
        enrolment = instance
    _assign(enrolment, data)
    _check_scope(user, enrolment)
    return _save(user, enrolment, "enrolment recorded" if instance is None else "enrolment updated")


@transaction.atomic
def record_progress(user, data: Mapping[str, Any], *, instance: LearningProgress | None = None) -> LearningProgress:
    progress = instance or LearningProgress()
    _assign(progress, data)
    _require_enrolment(user, progress)
    return _save(user, progress, "progress recorded" if instance is None else "progress updated")


@transaction.atomic
def record_assessment(user, data: Mapping[str, Any], *, instance: Assessment | None = None) -> Assessment:
    assessment = instance or Assessment()
    _assign(assessment, data)
    _require_enrolment(user, assessment)
    if assessment.score is not None and assessment.max_score is not None and assessment.score > assessment.max_score:
        raise ValidationError({"score": _("The score is above the maximum score.")})
    return _save(user, assessment, "assessment recorded" if instance is None else "assessment updated")


def _require_enrolment(user, record: LearningProgress | Assessment) -> None:
    """Progress and assessments hang off an enrolment: without one there is no trainee to check."""
    if record.enrolment_id is None:
        raise ValidationError({"enrolment": _("Choose the enrolment.")})
    require(user, "change", Trainee, record.enrolment.trainee)


@transaction.atomic
def award_credential(user, data: Mapping[str, Any], *, instance: Credential | None = None) -> Credential:
    credential = instance or Credential()
    _assign(credential, data)
    require(user, "change", Trainee, credential.trainee)
    if credential.enrolment_id and credential.enrolment.trainee_id != credential.trainee_id:
        raise ValidationError({"enrolment": _("This enrolment belongs to another trainee.")})
    return _save(user, credential, "credential awarded" if instance is None else "credential updated")


@transaction.atomic
def record_employment(user, data: Mapping[str, Any], *, instance: Employment | None = None) -> Employment:
    job = instance or Employment()
    _assign(job, data)
    require(user, "change", Trainee, job.trainee)
    if job.enrolment_id and job.enrolment.trainee_id != job.trainee_id:
        raise ValidationError({"enrolment": _("This enrolment belongs to another trainee.")})
    return _save(user, job, "employment recorded" if instance is None else "employment updated")


INCOME_FIELDS = ("amount", "currency", "verified")


@retry_when_busy
def record_income(user, data: Mapping[str, Any], *, instance: IncomeObservation | None = None,
                  expected_version: int | None = None) -> IncomeObservation:
    """One income observation. Without ``instance`` a second one for the same month and source is a
    correction of the first (files and surveys re-send months); editing ``instance`` onto a month and
    source another observation holds is an error instead, so no observation silently disappears.

    A correction needs a ``reason`` (in ``data``): the history keeps the old value with who, when and
    why. Re-sending the same values changes nothing and writes no history."""
    data = dict(data)
    reason = str(data.pop("reason", "") or "").strip()
    income = instance or IncomeObservation()
    _assign(income, data)
    if income.period:
        income.period = income.period.replace(day=1)
    require(user, "change", Trainee, income.trainee)
    existing = (IncomeObservation.objects.select_for_update()
                .filter(trainee_id=income.trainee_id, period=income.period, source=income.source)
                .exclude(pk=income.pk).first())
    if existing is not None and instance is not None:
        raise ValidationError({"period": _("There is already an income for this month from this source.")})
    if existing is not None:
        # A re-sent month corrects the stored row as it is now: the sender never saw a version of it.
        income.pk, income.version = existing.pk, existing.version
        income._state.adding = False
    income.full_clean()
    if income.pk is not None:
        stored = IncomeObservation.objects.get(pk=income.pk)
        fields = ("period", "source", *INCOME_FIELDS)
        if all(getattr(stored, f) == getattr(income, f) for f in fields):
            return stored
        if not reason:
            raise ValidationError({"reason": _(
                "This changes a recorded income (%(old)s %(currency)s for %(month)s). Say why it is corrected; "
                "the old value is kept with your reason.") % {
                "old": stored.amount, "currency": stored.currency, "month": stored.period.strftime("%Y-%m")}})
        # An income loaded from a file has no history row yet: keep what it held before the correction.
        keep_baseline(stored, "income.before_correction")
    return _save(user, income, reason or "income.recorded", expected_version=expected_version)


@retry_when_busy
def set_cpi(user, country_code: str, year: int, inflation_pct, *, source=None, reason: str = "") -> CpiIndex:
    """Create or change a country's inflation for a year; the previous value stays in the history."""
    if not is_manager(user) and not is_system(user):
        raise PermissionDenied(_("Only coordinators and administrators may change consumer-price inflation."))
    row = CpiIndex.objects.select_for_update().filter(country_code=country_code, year=year).first()
    if row is None:
        row = CpiIndex(country_code=country_code, year=year)
    elif row.inflation_pct == inflation_pct and (source is None or row.source_id == source.pk):
        return row
    row.inflation_pct = inflation_pct
    if source is not None:
        row.source = source
    return _save(user, row, reason or "cpi.set")


def may_set_targets(user, project) -> bool:
    """Coordinators for any project; institution staff for the projects their institution runs."""
    return user.has_perm("outcomes.add_projecttarget") and user.has_perm(
        "outcomes.change_projecttarget", ProjectTarget(project=project))


@transaction.atomic
def set_target(user, data: Mapping[str, Any], *, instance: ProjectTarget | None = None,
               expected_version: int | None = None) -> ProjectTarget:
    target = instance or ProjectTarget()
    if instance is not None:
        # asked before the new values are applied: moving a target to another project is no edit
        require(user, "change", ProjectTarget, instance)
        data = {k: v for k, v in data.items() if k != "project"}
    _assign(target, data)
    if instance is None:
        require(user, "add", ProjectTarget)
        if _own_institution(user) is not None and _own_institution(user) not in target.project.owner_institution_ids():
            raise ValidationError({"project": _("Your institution is not a partner of this project.")})
    if target.region_id and target.region.country_id != target.project.host_country_id:
        raise ValidationError({"region": _("Choose a county or region of the project's host country.")})
    # The database treats every blank region as distinct, so the whole-project target is checked here.
    twins = ProjectTarget.objects.filter(project_id=target.project_id, region_id=target.region_id,
                                         indicator=target.indicator).exclude(pk=target.pk)
    if twins.exists():
        raise ValidationError({"indicator": _("This project already has a target for this indicator in this "
                                              "county or region; change that one instead.")})
    return _save(user, target, "target set", expected_version=expected_version)


@transaction.atomic
def delete_target(user, target: ProjectTarget, *, expected_version: int | None = None) -> None:
    delete_record(user, target, expected_version=expected_version)


# --- quality flags -------------------------------------------------------------------------------

@transaction.atomic
def review_flag(user, flag: QualityFlag, *, status: str, comment: str) -> QualityFlag:
    """A coordinator comments on a flag and sets its status; resolving needs a reason."""
    if user is None or not user.has_perm("outcomes.review_qualityflag", flag):
        raise PermissionDenied(_("Only coordinators review quality flags."))
    if status not in QualityFlag.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what was checked or decided.")})
    FlagComment.objects.create(flag=flag, author=user, text=comment,
                               status_to=status if status != flag.status else "")
    flag.status = status
    if status in (QualityFlag.Status.RESOLVED, QualityFlag.Status.DISMISSED):
        flag.resolved_by, flag.resolved_at = user, timezone.now()
    else:
        flag.resolved_by, flag.resolved_at = None, None
    flag._history_user = user
    flag.save()
    update_change_reason(flag, comment[:100])
    return flag



# --- imports ------------------------------------------------------------------------------------------

def import_file(user, kind: str, data: bytes, filename: str, *, dry_run: bool = False,
                progress=no_progress) -> OutcomesImportResult:
    """Import a CSV or XLSX file of ``kind`` (one of ``KINDS``), all or nothing. ``user=None``: the
    platform itself. Incomes take the column path (``io.incomes``), the other kinds ``io.records``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if kind == "incomes":
        return import_incomes(user, data, filename, dry_run=dry_run, progress=progress)
    return import_records(user, kind, data, filename, dry_run=dry_run, progress=progress)


def import_runs_in_background(size: int) -> bool:
    """Files above ``IMPORT_BACKGROUND_BYTES`` are imported by a worker, not in the web request (the
    registry's threshold: one setting for every import)."""
    return size > settings.IMPORT_BACKGROUND_BYTES


def start_import(user, kind: str, data: bytes, filename: str, *, dry_run: bool = False):
    """Keep the file and queue its import (``outcomes.import_file``), which the user follows on the
    job's page. Permission is checked now, before the file is kept, and again when the job runs."""
    from tvetbridge.core.jobs import enqueue

    check_user(user)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    upload = store_upload(data, filename)
    return enqueue("outcomes.import_file", user=user, kind=kind, upload=upload.as_dict(), dry_run=dry_run)


def import_stored(user, kind: str, upload: StoredUpload, *, dry_run: bool = False,
                  progress=no_progress) -> OutcomesImportResult:
    """Import a file kept by ``start_import``. It stays on disk, so an attempt retried after its
    worker died reads it again (``core.tasks`` removes old uploads)."""
    try:
        data = upload.read_bytes()
    except FileNotFoundError:
        result = OutcomesImportResult(kind, upload.filename, dry_run)
        result.add(None, "", _("That upload has expired; please upload the file again."))
        return result
    return import_file(user, kind, data, upload.filename, dry_run=dry_run, progress=progress)

# --- impact estimates ---------------------------------------------------------------------------------
# An estimate is computed from the population (``queries.population``) by the engine and cached per
# project, comparison, money basis and data version in ``ImpactResult``.

MIN_PER_ARM = 5
# Influence-function standard errors are asymptotic; with few trained people or a comparison group
# worth few people under the weights they run small (Busso, DiNardo and McCrary 2014), so the
# headline's standard error is then bootstrapped (every step repeated, trimming included). Above
# BOOTSTRAP_MAX_RECORDS the resampling would hold up the page: the analytic SE stays and the verdict's
# effective-size check speaks instead.
BOOTSTRAP_BELOW = 100
BOOTSTRAP_MAX_RECORDS = 20_000
N_BOOT = 499
METHOD_LABELS = {
    "difference": gettext_lazy("difference in means"),
    "regression": gettext_lazy("regression adjustment"),
    "ipw": gettext_lazy("inverse probability weighting"),
    "aipw": gettext_lazy("doubly robust (AIPW)"),
    "matching": gettext_lazy("propensity-score matching"),
    "did:simple": gettext_lazy("difference-in-differences"),
    "did:doubly_robust": gettext_lazy("doubly robust difference-in-differences"),
}


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
        "window": _("mean monthly income %(a)s–%(b)s months after the end of training")
        % {"a": POST_FROM, "b": POST_TO},
        "estimand": "ATT", "estimates": [], "did": [], "error": "",
        "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if out["n_treated_observed"] < MIN_PER_ARM or out["n_control_observed"] < MIN_PER_ARM:
        out["error"] = _("Too few people with income observed after training: %(t)s trained and %(c)s in the "
                         "comparison group (at least %(m)s each are needed).") % {
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
            # Too few resamples estimable (tiny arms after trimming): the analytic interval stands.
            with contextlib.suppress(ValueError):
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
