"""State changes of notifications: announcing an event, delivering it (in a job), reading, choosing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tvetbridge.core import services as core
from tvetbridge.core.roles import role_of

from . import facts as fact_values
from . import queries
from .kinds import KINDS, kinds_for
from .models import Notification, Preference

log = logging.getLogger(__name__)

# How a job ended, in the notification's own words (the job status labels double as column headings).
JOB_OUTCOMES = {"succeeded": gettext_noop("completed successfully"), "failed": gettext_noop("stopped with an error"),
                "cancelled": gettext_noop("cancelled")}


class DeliveryIncomplete(Exception):
    """Some e-mails could not be sent; the job's retry sends only those."""


def announce(kind: str, recipients: Iterable[int], facts: Mapping[str, Any], *, link: str = "",
             link_args: Sequence = ()) -> None:
    """Tell ``recipients`` (user ids) that an event of ``kind`` happened. Delivery runs in a job queued
    when the caller's transaction commits: nothing is mailed for work that is rolled back."""
    from .tasks import deliver

    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    user_ids = sorted(set(recipients))
    if not user_ids:
        return
    from tvetbridge.core.jobs import enqueue

    enqueue(deliver, user=core.system_user(), kind=kind, user_ids=user_ids, facts=dict(facts),
            link_name=link, link_args=list(link_args))


def announce_job_finished(sender, job, **kwargs) -> None:
    """Receiver of ``core.jobs.job_finished``: the person who started an import or a report is told
    how it ended (chunks and the platform's own jobs are not announced)."""
    from tvetbridge.core.jobs import REGISTRY

    spec = REGISTRY.get(job.kind)
    if spec is None or not spec.announce or job.parent_id or job.created_by_id is None:
        return
    if core.is_system(job.created_by):
        return
    announce("core.job_finished", [job.created_by_id],
             {"job": {"job": job.kind}, "status": {"msg": JOB_OUTCOMES.get(job.status, job.status)}},
             link="job_detail", link_args=[job.pk])


def deliver(delivery: int, kind: str, user_ids: Sequence[int], facts: Mapping[str, Any], link_name: str,
            link_args: Sequence) -> dict:
    """Write the in-app notifications and send the e-mails each recipient chose. Safe to run again:
    rows are keyed by (delivery, user) and a mail already sent is not sent twice."""
    wanted = queries.channels(kind, user_ids)
    rows = [Notification(user_id=uid, kind=kind, facts=dict(facts), link_name=link_name, link_args=list(link_args),
                         delivery=delivery, in_app=in_app, email_wanted=email)
            for uid, (in_app, email) in wanted.items() if in_app or email]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    pending = list(Notification.objects.filter(delivery=delivery, email_wanted=True, emailed_at__isnull=True)
                   .exclude(user__email="").select_related("user__profile"))
    sent, failed = 0, 0
    if pending:
        connection = get_connection()
        for n in pending:
            try:
                _mail(n, connection).send()
            except Exception:  # one bad address or a mail server outage must not lose the others
                log.exception("notification %s: e-mail to user %s failed", n.pk, n.user_id)
                failed += 1
            else:
                Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
                sent += 1
    if failed:
        raise DeliveryIncomplete(f"{failed} e-mail(s) not sent")
    return {"recipients": len(rows), "in_app": sum(r.in_app for r in rows), "emailed": sent}


def _mail(n: Notification, connection) -> EmailMessage:
    profile = getattr(n.user, "profile", None)
    with translation.override(profile.language if profile and profile.language else settings.LANGUAGE_CODE):
        names = fact_values.load([n.facts])
        subject = _("TVET Bridge: %(subject)s") % {"subject": queries.subject_of(n, names)}
        lines = [queries.text_of(n, names)]
        link = queries.link_of(n)
        if link:
            lines += ["", settings.PUBLIC_URL + link]
        lines += ["", _("Choose which notifications you receive: %(url)s")
                  % {"url": settings.PUBLIC_URL + reverse("notification_preferences")}]
    return EmailMessage(subject, "\n".join(lines), None, [n.user.email], connection=connection)


def mark_read(user, notification_ids: Iterable[int], *, read: bool = True) -> int:
    """Mark the user's own notifications read or unread (others' ids are ignored). Reading is not
    audited: it changes nothing anyone else sees."""
    qs = Notification.objects.filter(user=user, pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now() if read else None)


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_preferences(user, choices: Mapping[str, tuple[bool, bool]]) -> list[Preference]:
    """Record the user's channels per kind: ``{kind: (in the app, by e-mail)}``."""
    allowed = {k.code for k in kinds_for(role_of(user))}
    unknown = sorted(set(choices) - allowed)
    if unknown:
        raise ValidationError(_("You cannot receive these notifications: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    saved = []
    for code, (in_app, email) in choices.items():
        pref = Preference.objects.filter(user=user, kind=code).first() or Preference(user=user, kind=code)
        if pref.pk and (pref.in_app, pref.email) == (bool(in_app), bool(email)):
            continue
        pref.in_app, pref.email = bool(in_app), bool(email)
        saved.append(core.save(user, pref, reason="updated"))
    return saved
