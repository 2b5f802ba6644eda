"""State changes of the shared kernel's editable tables: exchange rates and roles. Each is atomic,
permission-checked and leaves a history row with who, when and why (``core.audit``).

(API tokens change in ``tokens.py``, which follows the same rules.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import with_reason
from .models import ExchangeRate, Profile, Role, Source
from .roles import is_admin, is_manager


@transaction.atomic
def set_exchange_rate(user, currency: str, date: dt.date, per_usd: Decimal, *, source: Source | None = None,
                      reason: str = "") -> ExchangeRate:
    """Create or change the rate of ``currency`` on ``date``; the previous value stays in the history.
    ``user=None`` is the platform itself (shipped tables, commands)."""
    if user is not None and not is_manager(user):
        raise PermissionDenied(_("Only coordinators and administrators may change exchange rates."))
    rate = ExchangeRate.objects.select_for_update().filter(currency=currency, date=date).first()
    if rate is None:
        rate = ExchangeRate(currency=currency, date=date)
    elif rate.per_usd == per_usd and (source is None or rate.source_id == source.pk):
        return rate
    rate.per_usd = per_usd
    if source is not None:
        rate.source = source
    rate.full_clean()
    with_reason(rate, user, reason or "rate.set")
    rate.save()
    return rate


@transaction.atomic
def set_role(actor, user, role: str, *, institution=None, enterprise=None, reason: str = "") -> Profile:
    """Give ``user`` a role (and the organisation staff roles act for). Administrators only; the
    history keeps every earlier role with who changed it and why."""
    if actor is not None and not is_admin(actor):
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
    profile.role, profile.institution, profile.enterprise = role, institution, enterprise
    profile.full_clean(exclude=["user"])
    if role == Role.INSTITUTION_STAFF and institution is None:
        raise ValidationError({"institution": [_("Institution staff act for an institution; choose it.")]})
    if role == Role.ENTERPRISE_STAFF and enterprise is None:
        raise ValidationError({"enterprise": [_("Enterprise staff act for an enterprise; choose it.")]})
    with_reason(profile, actor, reason or "role.set")
    profile.save()
    return profile
