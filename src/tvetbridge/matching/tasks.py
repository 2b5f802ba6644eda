"""Background jobs of matching: the full candidate rebuild (nightly, and on request)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic


@job_task("matching.rebuild_candidates", title=_("Rebuilding candidate lists"), queue="heavy")
def rebuild_candidates(job, *, k: int | None = None) -> dict:
    from . import services  # heavy imports (SciPy, sparse_dot_topn) only where the work runs
    from .engine.candidates import K

    job.progress(1, gettext_noop("Reading trainees and vacancies"))
    report = services.rebuild_candidates(k or K)
    return {"lines": report.lines()}


periodic("nightly-candidate-rebuild", rebuild_candidates, cadence="daily", at=dt.time(1, 30))
