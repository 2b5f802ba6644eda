from django.utils.translation import gettext_lazy as _

from tvetbridge.core.jobs import job_task


@job_task("notifications.deliver", title=_("Sending notifications"), max_attempts=5)
def deliver(job, *, kind: str, user_ids: list[int], facts: dict, link_name: str = "", link_args: list = ()) -> dict:
    from .services import deliver as deliver_now

    return deliver_now(job.id, kind, user_ids, facts, link_name, list(link_args))
