"""Reads: a user's notifications rendered in the active language, the badge count, preferences, and
the audiences the announcing apps address."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from tvetbridge.core.models import Role
from tvetbridge.core.roles import role_of

from . import facts as fact_values
from .kinds import KINDS, kinds_for
from .models import Notification, Preference


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user, in_app=True)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def link_of(notification: Notification) -> str:
    if not notification.link_name:
        return ""
    try:
        return reverse(notification.link_name, args=notification.link_args)
    except NoReverseMatch:  # a page renamed since: the notification still reads, without its link
        return ""


def text_of(notification: Notification, names) -> str:
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    text = fact_values.render(kind.text, notification.facts, names)
    for key, template in kind.extra.items():
        if not fact_values.is_empty(notification.facts.get(key)):
            text += " " + fact_values.render(template, notification.facts, names)
    return text


def subject_of(notification: Notification, names) -> str:
    kind = KINDS[notification.kind]
    return fact_values.render(kind.subject, notification.facts, names)


def rendered(notifications: Iterable[Notification]) -> list[Notification]:
    """Each notification with ``text`` and ``url`` in the active language (records named in one query
    per model)."""
    items = list(notifications)
    names = fact_values.load(n.facts for n in items)
    for n in items:
        n.text = text_of(n, names)
        n.url = link_of(n)
    return items


def preferences(user) -> list[dict]:
    """Every kind the user's role may receive, with the channels chosen (or the kind's defaults)."""
    chosen = {p.kind: p for p in Preference.objects.filter(user=user)}
    rows = []
    for kind in kinds_for(role_of(user)):
        pref = chosen.get(kind.code)
        rows.append({"kind": kind, "in_app": pref.in_app if pref else kind.in_app,
                     "email": pref.email if pref else kind.email})
    return rows


def channels(kind_code: str, user_ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
    """(in the app, by e-mail) for each active recipient whose role may receive the kind."""
    kind = KINDS[kind_code]
    users = get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).select_related("profile")
    chosen = {p.user_id: (p.in_app, p.email) for p in Preference.objects.filter(kind=kind_code, user__in=users)}
    return {u.pk: chosen.get(u.pk, (kind.in_app, kind.email)) for u in users if role_of(u) in kind.roles}


# ---------------------------------------------------------------------------------------------------
# Audiences


def coordinator_ids() -> list[int]:
    return list(get_user_model().objects.filter(is_active=True, profile__role=Role.COORDINATOR)
                .values_list("pk", flat=True))


def project_staff_ids(project_ids: Iterable[int]) -> list[int]:
    """Staff of the institutions and enterprises taking part in the projects."""
    ids = list(set(project_ids))
    if not ids:
        return []
    return list(get_user_model().objects.filter(is_active=True).filter(
        Q(profile__role=Role.INSTITUTION_STAFF, profile__institution__projects_as_chinese__in=ids)
        | Q(profile__role=Role.INSTITUTION_STAFF, profile__institution__projects_as_partner__in=ids)
        | Q(profile__role=Role.ENTERPRISE_STAFF, profile__enterprise__projects__in=ids))
        .values_list("pk", flat=True).distinct())


def enterprise_staff_ids(enterprise_ids: Iterable[int]) -> list[int]:
    return list(get_user_model().objects.filter(is_active=True, profile__role=Role.ENTERPRISE_STAFF,
                                                profile__enterprise__in=set(enterprise_ids))
                .values_list("pk", flat=True))
