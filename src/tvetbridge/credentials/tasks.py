"""Background work of the credentials app: signing a programme's cohort, which for a national
programme is thousands of Ed25519 proofs over canonicalised documents (too long for a request)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

from tvetbridge.core.jobs import job_task

from . import issuing, queries
from .models import CredentialType


@job_task("credentials.issue_cohort", title=gettext_lazy("Issuing credentials"))
def issue_cohort(job, *, credential_type_id: int) -> dict:
    """Sign the credentials of everyone in the programme who has an award not yet issued as this type.
    All or nothing (``issue_many`` is one transaction), so a retry after a lost worker or a cancel in
    the middle leaves no half-issued cohort; awards issued by an earlier attempt are skipped."""
    ctype = CredentialType.objects.select_related("institution", "programme").get(pk=credential_type_id)
    job.progress(5, gettext_noop("Collecting the awards"))
    awards = list(queries.cohort_awards(ctype))
    job.progress(10, gettext_noop("Signing"))

    def progress(done: int, total: int) -> None:
        job.progress(10 + int(85 * done / max(total, 1)), gettext_noop("Signing"))

    issued = issuing.issue_many(job.user, awards, ctype, progress=progress)
    return {"issued": len(issued), "credential_type": ctype.pk}
