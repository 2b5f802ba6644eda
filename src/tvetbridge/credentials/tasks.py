"""Background work of the credentials app, in the shape of ``tvetbridge.core.jobs`` (issue #11).

Until the lead wires ``core.jobs`` in, ``issuing_views`` runs ``issue_cohort`` inline with ``InlineJob``;
once ``@job_task("credentials.issue_cohort")`` decorates it, the page enqueues it instead.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from tvetbridge.outcomes.models import Credential as Award

from . import issuing
from .models import CredentialType


class InlineJob:
    """A stand-in for a job run in the request: progress is recorded, never reported elsewhere."""

    def __init__(self) -> None:
        self.steps: list[tuple[int, str]] = []

    def progress(self, percent: int, step: str) -> None:
        self.steps.append((percent, step))


def cohort_awards(ctype: CredentialType):
    """The awards of a credential type's programme that have not been issued as it yet."""
    return (Award.objects.filter(enrolment__programme=ctype.programme_id).exclude(issued__credential_type=ctype)
            .select_related("trainee", "enrolment").order_by("pk"))


def issue_cohort(job, *, credential_type_id: int, user_id: int) -> dict:
    """Sign the credentials of everyone in the programme who has an award not yet issued."""
    user = get_user_model().objects.select_related("profile").get(pk=user_id)
    ctype = CredentialType.objects.select_related("institution", "programme").get(pk=credential_type_id)
    job.progress(5, gettext_noop("Collecting the awards"))
    awards = list(cohort_awards(ctype))
    job.progress(10, gettext_noop("Signing"))

    def progress(done: int, total: int) -> None:
        job.progress(10 + int(85 * done / max(total, 1)), gettext_noop("Signing"))

    issued = issuing.issue_many(user, awards, ctype, progress=progress)
    job.progress(100, gettext_noop("Done"))
    return {"issued": len(issued), "credential_type": ctype.pk}
