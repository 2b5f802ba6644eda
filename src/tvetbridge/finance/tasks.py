"""Background jobs of the finance app."""

from django.utils.translation import gettext_lazy as _

from tvetbridge.core.jobs import job_task

from . import services


@job_task("finance.simulate", title=_("Simulating a fund"))
def simulate(job, *, run_id: int) -> dict:
    services.execute_run(run_id, check_cancelled=job.check_cancelled)
    return {"run": run_id}
