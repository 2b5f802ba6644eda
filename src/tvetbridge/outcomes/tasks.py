"""Background jobs of outcomes: the nightly run of the quality rules."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic

from .flags import evaluate_all


@job_task("outcomes.check_flags", title=_("Checking projects against the quality rules"))
def check_flags(job) -> dict:
    job.progress(1, gettext_noop("Evaluating every project with trainee records"))
    return {"open_flags": evaluate_all()}


periodic("nightly-quality-flags", check_flags, cadence="daily", at=dt.time(2, 30))
