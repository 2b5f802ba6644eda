"""Every state change of registry records. Views, API, imports and the CLI call these; none writes
models directly. Each function is atomic, checks the actor's permission with the same rules the
pages use, and leaves an audit row (django-simple-history records who, when, before/after)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from .models import CooperationProject


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def require(user, action: str, model: type[models.Model], obj: models.Model | None = None) -> None:
    if not user.has_perm(perm_name(model, action), obj):
        raise PermissionDenied(_("You may not %(action)s this %(model)s.")
                               % {"action": action, "model": model._meta.verbose_name})


def _assign(obj: models.Model, data: Mapping[str, Any]) -> dict[str, Iterable]:
    """Set plain fields on obj and return the many-to-many values to set after saving."""
    m2m: dict[str, Iterable] = {}
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        else:
            setattr(obj, field.attname if field.is_relation and not isinstance(value, models.Model) else name,
                    value)
    return m2m


def _save(user, obj: models.Model, m2m: Mapping[str, Iterable], reason: str) -> models.Model:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj.full_clean()
    obj.save()
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    if hasattr(obj, "history"):
        update_change_reason(obj, reason)
    return obj


@transaction.atomic
def create_record(user, model: type[models.Model], data: Mapping[str, Any], *, reason: str = "") -> models.Model:
    require(user, "add", model)
    obj = model()
    m2m = _assign(obj, data)
    _check_staff_scope(user, obj, m2m)
    return _save(user, obj, m2m, reason or "created")


@transaction.atomic
def update_record(user, obj: models.Model, data: Mapping[str, Any], *, reason: str = "") -> models.Model:
    require(user, "change", type(obj), obj)
    m2m = _assign(obj, data)
    _check_staff_scope(user, obj, m2m)
    return _save(user, obj, m2m, reason or "updated")


@transaction.atomic
def delete_record(user, obj: models.Model) -> None:
    require(user, "delete", type(obj), obj)
    obj._history_user = user
    obj.delete()


def _check_staff_scope(user, obj: models.Model, m2m: Mapping[str, Iterable]) -> None:
    """Institution staff may only create or move records into their own institution's scope."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.role != "institution" or user.is_superuser:
        return
    own = profile.institution_id
    if hasattr(obj, "institution_id") and obj.institution_id != own:
        raise ValidationError({"institution": _("You can only add records for your own institution.")})
    if isinstance(obj, CooperationProject):
        partners = {getattr(i, "pk", i) for key in ("chinese_institutions", "partner_institutions")
                    for i in m2m.get(key, [])}
        if m2m and own not in partners:
            raise ValidationError({"partner_institutions": _("Your institution must be a partner of the project.")})


@transaction.atomic
def approve_project(user, project: CooperationProject, *, comment: str = "") -> CooperationProject:
    require(user, "approve", CooperationProject, project)
    if project.status not in (CooperationProject.Status.DRAFT, CooperationProject.Status.PROPOSED):
        raise ValidationError({"status": _("Only draft or proposed projects can be approved.")})
    project.status = CooperationProject.Status.APPROVED
    project.approved_by = user
    project.approved_at = timezone.now()
    return _save(user, project, {}, comment or "approved")
