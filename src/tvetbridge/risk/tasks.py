"""Background jobs of country risk: the daily recomputation of the current quarter's scores."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic

from .engine.periods import Period
from .queries import current_period
from .services import recompute_risk


@job_task("risk.recompute", title=_("Recomputing country risk"))
def recompute(job, *, period: str = "") -> dict:
    p = Period.parse(period) if period else current_period()
    job.progress(1, gettext_noop("Scoring every country and raising alerts"))
    alerts = recompute_risk(p)
    return {"period": str(p.last_quarter()), "alerts": len(alerts)}


periodic("daily-risk-recompute", recompute, cadence="daily", at=dt.time(4, 0))
