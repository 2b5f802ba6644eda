"""The one write path every app's services build on.

- ``require`` checks a permission with the same ``rules`` the pages, API and admin use. There is no
  silent "no user" case: work the platform does on its own (commands, the demo, scheduled jobs) acts
  as the explicit ``system_user()``, so its audit rows say so.
- ``create_record`` / ``update_record`` / ``delete_record`` assign fields, validate (``full_clean``),
  refuse stale saves of versioned records (``Conflict``), write, set many-to-many values and record
  the audit reason (django-simple-history: who, when, before/after), all in one transaction that is
  retried when SQLite is briefly busy.
- The shared kernel's own editable tables change here too: ``set_exchange_rate`` and ``set_role``
  (API tokens change in ``tokens.py`` through ``save``). Which models keep an audit trail, and the
  reason codes the platform writes, are listed in ``core.audit``.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from .constraints import from_integrity_error
from .models import ExchangeRate, Profile, Role, Source, Versioned
from .roles import is_admin, is_manager

SYSTEM_USERNAME = "tvetbridge-system"

F = TypeVar("F", bound=Callable[..., Any])

# ---------------------------------------------------------------------------------------------------
# Actors and permissions


@functools.cache
def _system_user_id() -> int:
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_superuser": True, "is_staff": False, "is_active": True})
    if created:
        # Nobody signs in as the platform.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user.pk


def system_user():
    """The platform acting on its own: commands, the demo loader, scheduled jobs."""
    User = get_user_model()
    # The id is cached; a test database rolled back under the cache can give that id to another user.
    user = User.objects.filter(pk=_system_user_id()).first()
    if user is None or user.username != SYSTEM_USERNAME:
        _system_user_id.cache_clear()
        user = User.objects.get(pk=_system_user_id())
    return user


def is_system(user) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def require(user, action: str, model: type[models.Model], obj: models.Model | None = None) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` (add, change, delete, view, approve …)
    a ``model`` record (``obj`` for object-level rules)."""
    if user is None or not user.has_perm(perm_name(model, action), obj):
        raise PermissionDenied(_("You may not %(action)s this %(model)s.")
                               % {"action": action, "model": model._meta.verbose_name})


def audit_user(user):
    return user if getattr(user, "is_authenticated", False) else None


# ---------------------------------------------------------------------------------------------------
# SQLite busy: retried with back-off, never a 500


LOCK_RETRIES = 4
LOCK_BACKOFF_S = 0.25


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def retry_when_busy(func: F) -> F:
    """Run ``func`` in a transaction, again after a short wait when the database is busy.

    Only the outermost transaction retries: inside another one, the whole of it has to start over,
    which only its owner can do."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(LOCK_RETRIES + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_database_busy(exc) or attempt == LOCK_RETRIES:
                    raise
                time.sleep(LOCK_BACKOFF_S * 2 ** attempt)
        raise AssertionError("unreachable")

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------
# Conflicts


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str  # when the user started editing
    now: str  # as it is now


class Conflict(Exception):
    """A save based on an older version of a record than the one stored now."""

    def __init__(self, obj: models.Model, expected: int, current: int | None, changes: list[Change],
                 by: str = "", when=None):
        self.obj, self.expected, self.current, self.changes, self.by, self.when = \
            obj, expected, current, changes, by, when
        super().__init__(self.message())

    def message(self) -> str:
        model = self.obj._meta.verbose_name
        if self.current is None:
            return _("This %(model)s was deleted while you were editing it; your changes were not saved.") \
                % {"model": model}
        if self.by:
            return _("This %(model)s was changed by %(user)s while you were editing it (version %(yours)s → "
                     "%(now)s). Your changes were not saved: review the current values and save again.") \
                % {"model": model, "user": self.by, "yours": self.expected, "now": self.current}
        return _("This %(model)s was changed while you were editing it (version %(yours)s → %(now)s). Your "
                 "changes were not saved: review the current values and save again.") \
            % {"model": model, "yours": self.expected, "now": self.current}

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.message(), "current_version": self.current,
                "changes": [{"field": c.field, "label": c.label, "before": c.before, "now": c.now}
                            for c in self.changes]}


def _display(obj: models.Model, field: models.Field) -> str:
    value = getattr(obj, field.attname, None)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        target = getattr(obj, field.name, None)
        return str(target) if target is not None else str(value)
    return str(value)


SKIPPED_IN_CHANGES = {"version", "updated", "created"}


def _conflict(obj: models.Model, expected: int) -> Conflict:
    model = type(obj)
    current = model._base_manager.filter(pk=obj.pk).first()
    if current is None:
        return Conflict(obj, expected, None, [])
    changes: list[Change] = []
    by, when = "", None
    history = getattr(current, "history", None)
    if history is not None:
        newest = history.order_by("-history_date").select_related("history_user").first()
        if newest is not None:
            by = newest.history_user.get_username() if newest.history_user else ""
            when = newest.history_date
        base = history.filter(version=expected).order_by("-history_date").first()
        if base is not None:
            for field in model._meta.concrete_fields:
                if field.primary_key or field.name in SKIPPED_IN_CHANGES or not hasattr(base, field.attname):
                    continue
                if getattr(base, field.attname) != getattr(current, field.attname):
                    changes.append(Change(field.name, str(field.verbose_name), _display(base, field),
                                          _display(current, field)))
    return Conflict(obj, expected, current.version, changes, by, when)


def check_version(obj: models.Model, expected: int | None) -> None:
    """Lock the stored row and refuse the save unless it still has the version the user started
    from; then move ``obj`` to the next version."""
    if obj.pk is None or not isinstance(obj, Versioned):
        return
    model = type(obj)
    base = obj.version if expected is None else int(expected)
    # No default ordering: ordering by a nullable relation is an outer join, which PostgreSQL will not lock.
    stored = (model._base_manager.select_for_update().filter(pk=obj.pk).order_by()
              .values_list("version", flat=True).first())
    if stored != base:
        raise _conflict(obj, base)
    obj.version = base + 1


# ---------------------------------------------------------------------------------------------------
# Create, update, delete


def assign(obj: models.Model, data: Mapping[str, Any]) -> dict[str, Iterable]:
    """Set plain fields on ``obj`` and return the many-to-many values to set after saving."""
    m2m: dict[str, Iterable] = {}
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        elif field.is_relation and not isinstance(value, models.Model):
            setattr(obj, field.attname, value)
        else:
            setattr(obj, name, value)
    return m2m


def save(user, obj: models.Model, *, reason: str, m2m: Mapping[str, Iterable] | None = None,
         expected_version: int | None = None) -> models.Model:
    """Validate and write ``obj`` (inside the caller's transaction), with its audit reason."""
    obj._history_user = audit_user(user)
    # Read by simple-history for the row's audit entry and for its many-to-many entries alike.
    obj._change_reason = reason
    obj.full_clean()
    check_version(obj, expected_version)
    try:
        # A savepoint, so a refusal the validation could not foresee (a racing request) leaves the
        # caller's transaction usable and reaches the user as a field error, not as the database's words.
        with transaction.atomic():
            obj.save()
            for name, values in (m2m or {}).items():
                getattr(obj, name).set(values)
    except IntegrityError as error:
        raise from_integrity_error(error, type(obj)) from error
    if hasattr(obj, "history"):
        update_change_reason(obj, reason)
    return obj


Check = Callable[[Any, models.Model, Mapping[str, Iterable]], None]


@retry_when_busy
def create_record(user, model: type[models.Model], data: Mapping[str, Any], *, reason: str = "created",
                  check: Check | None = None) -> models.Model:
    require(user, "add", model)
    obj = model()
    m2m = assign(obj, data)
    if check is not None:
        check(user, obj, m2m)
    return save(user, obj, reason=reason, m2m=m2m)


@retry_when_busy
def update_record(user, obj: models.Model, data: Mapping[str, Any], *, reason: str = "updated",
                  expected_version: int | None = None, check: Check | None = None) -> models.Model:
    require(user, "change", type(obj), obj)
    m2m = assign(obj, data)
    if check is not None:
        check(user, obj, m2m)
    return save(user, obj, reason=reason, m2m=m2m, expected_version=expected_version)


@retry_when_busy
def delete_record(user, obj: models.Model, *, expected_version: int | None = None) -> None:
    require(user, "delete", type(obj), obj)
    check_version(obj, expected_version)
    obj._history_user = audit_user(user)
    obj.delete()


# ---------------------------------------------------------------------------------------------------
# The shared kernel's editable tables


@retry_when_busy
def set_exchange_rate(user, currency: str, date: dt.date, per_usd: Decimal, *, source: Source | None = None,
                      reason: str = "") -> ExchangeRate:
    """Create or change the rate of ``currency`` on ``date``; the previous value stays in the history."""
    if not (is_manager(user) or is_system(user)):
        raise PermissionDenied(_("Only coordinators and administrators may change exchange rates."))
    rate = ExchangeRate.objects.select_for_update().filter(currency=currency, date=date).first()
    if rate is None:
        rate = ExchangeRate(currency=currency, date=date)
    elif rate.per_usd == per_usd and (source is None or rate.source_id == source.pk):
        return rate
    rate.per_usd = per_usd
    if source is not None:
        rate.source = source
    return save(user, rate, reason=reason or "rate.set")


@retry_when_busy
def set_role(actor, user, role: str, *, institution=None, enterprise=None, reason: str = "") -> Profile:
    """Give ``user`` a role (and the organisation staff roles act for). Administrators only; the
    history keeps every earlier role with who changed it and why."""
    if not (is_admin(actor) or is_system(actor)):
        raise PermissionDenied(_("Only platform administrators may change roles."))
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    profile = Profile.objects.select_for_update().filter(user=user).first() or Profile(user=user)
    if role != Role.INSTITUTION_STAFF:
        institution = None
    if role != Role.ENTERPRISE_STAFF:
        enterprise = None
    unchanged = (profile.pk and profile.role == role and profile.institution_id == getattr(institution, "pk", None)
                 and profile.enterprise_id == getattr(enterprise, "pk", None))
    if unchanged:
        return profile
    if role == Role.INSTITUTION_STAFF and institution is None:
        raise ValidationError({"institution": [_("Institution staff act for an institution; choose it.")]})
    if role == Role.ENTERPRISE_STAFF and enterprise is None:
        raise ValidationError({"enterprise": [_("Enterprise staff act for an enterprise; choose it.")]})
    profile.role, profile.institution, profile.enterprise = role, institution, enterprise
    return save(user=actor, obj=profile, reason=reason or "role.set")
