"""Every state change of outcome records. Views, API, imports and commands call these.

Each function is atomic, checks the actor's permission with ``rules.py``, validates the record
(``full_clean``) and leaves an audit row (django-simple-history: who, when, before/after).
``user=None`` means the platform itself (commands, the demo), which may write anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from tvetbridge.core.audit import keep_baseline, with_reason
from tvetbridge.core.roles import is_manager, role_of

from .identity import identity_hash
from .models import (
    Assessment,
    CpiIndex,
    Credential,
    Employment,
    Enrolment,
    FlagComment,
    IncomeObservation,
    LearningProgress,
    ProjectTarget,
    QualityFlag,
    Trainee,
)


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def require(user, action: str, model: type[models.Model], obj: models.Model | None = None) -> None:
    if user is None:
        return
    if not user.has_perm(perm_name(model, action), obj):
        raise PermissionDenied(_("You may not %(action)s this %(model)s.")
                               % {"action": action, "model": model._meta.verbose_name})


def _own_institution(user) -> int | None:
    if user is None or role_of(user) != "institution":
        return None
    return user.profile.institution_id


def _save(user, obj: models.Model, reason: str, m2m: Mapping[str, Any] | None = None) -> models.Model:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj.full_clean()
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    if hasattr(obj, "history"):
        update_change_reason(obj, reason)
    return obj


def _assign(obj: models.Model, data: Mapping[str, Any]) -> dict[str, Any]:
    m2m = {}
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        elif field.is_relation and not isinstance(value, models.Model):
            setattr(obj, field.attname, value)
        else:
            setattr(obj, name, value)
    return m2m


# --- trainees -----------------------------------------------------------------------------------

def _check_duplicate_identity(digest: str, exclude_pk: int | None) -> None:
    clash = Trainee.objects.filter(identity_hash=digest).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"identity_number": _(
            "A trainee with this identity number is already registered (%(key)s).")
            % {"key": clash.values_list("external_key", flat=True).first()}})


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
    return _save(user, trainee, reason or "registered", m2m)


@transaction.atomic
def update_trainee(user, trainee: Trainee, data: Mapping[str, Any], *, identity_number: str | None = None,
                   reason: str = "") -> Trainee:
    require(user, "change", Trainee, trainee)
    m2m = _assign(trainee, data)
    if identity_number:
        trainee.identity_hash = identity_hash(identity_number)
        _check_duplicate_identity(trainee.identity_hash, trainee.pk)
    return _save(user, trainee, reason or "updated", m2m)


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


@transaction.atomic
def record_income(user, data: Mapping[str, Any], *, instance: IncomeObservation | None = None) -> IncomeObservation:
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
        income.pk = existing.pk
        income._state.adding = False
    income.full_clean()
    if income.pk is not None:
        stored = IncomeObservation.objects.select_for_update().get(pk=income.pk)
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
    with_reason(income, user, reason or "income.recorded")
    income.save()
    return income


@transaction.atomic
def set_cpi(user, country_code: str, year: int, inflation_pct, *, source=None, reason: str = "") -> CpiIndex:
    """Create or change a country's inflation for a year; the previous value stays in the history.
    ``user=None`` is the platform itself."""
    if user is not None and not is_manager(user):
        raise PermissionDenied(_("Only coordinators and administrators may change consumer-price inflation."))
    row = CpiIndex.objects.select_for_update().filter(country_code=country_code, year=year).first()
    if row is None:
        row = CpiIndex(country_code=country_code, year=year)
    elif row.inflation_pct == inflation_pct and (source is None or row.source_id == source.pk):
        return row
    row.inflation_pct = inflation_pct
    if source is not None:
        row.source = source
    row.full_clean()
    with_reason(row, user, reason or "cpi.set")
    row.save()
    return row


@transaction.atomic
def set_target(user, data: Mapping[str, Any], *, instance: ProjectTarget | None = None) -> ProjectTarget:
    target = instance or ProjectTarget()
    _assign(target, data)
    require(user, "change" if instance else "add", ProjectTarget, target if instance else None)
    if instance is None and _own_institution(user) is not None:
        if _own_institution(user) not in target.project.owner_institution_ids():
            raise ValidationError({"project": _("Your institution is not a partner of this project.")})
    return _save(user, target, "target set")


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


def generate_demo_outcomes(projects=None, seed: int = 2025, *, per_project: int = 120,
                           true_effect_usd: float = 90.0, today: dt.date | None = None) -> dict[str, int]:
    """Synthetic trainees, applicants, jobs and incomes for demo projects; see ``demo_outcomes``."""
    from tvetbridge.core.models import ExchangeRate, Source

    from .demo_outcomes import generate
    from .models import CpiIndex
    from .money import install_shipped_tables

    # Incomes are generated in USD and converted; a database flushed since migration (as in
    # transactional tests) would otherwise have no rates to convert with.
    if not ExchangeRate.objects.exists():
        install_shipped_tables(ExchangeRate, CpiIndex, Source)
    return generate(projects, seed=seed, per_project=per_project, true_effect_usd=true_effect_usd, today=today)
