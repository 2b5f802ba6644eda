"""Background jobs of matching: candidate lists brought up to date after a change, and the full
rebuild (nightly, and on request)."""

import datetime as dt
from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic


def _rebuild(job, k: int | None) -> dict:
    from . import services  # heavy imports (SciPy, sparse_dot_topn) only where the work runs
    from .engine.candidates import K

    job.progress(1, gettext_noop("Reading trainees and vacancies"))
    return asdict(services.rebuild_candidates(k or K))


@job_task("matching.rebuild_candidates", title=_("Rebuilding candidate lists"), queue="heavy")
def rebuild_candidates(job, *, k: int | None = None) -> dict:
    return _rebuild(job, k)


@job_task("matching.update_candidates", title=_("Updating candidate lists"), queue="heavy")
def update_candidates(job, *, vacancy_ids: list[int] = (), trainee_ids: list[int] = ()) -> dict:
    """The lists touched by changed vacancies or trainees, brought to exactly what a full rebuild would
    give (same scores, same tie rule) from the state the last rebuild or update left."""
    from . import services

    job.progress(1, gettext_noop("Updating candidate lists"))
    return asdict(services.update_candidates(vacancy_ids=vacancy_ids, trainee_ids=trainee_ids))


periodic("nightly-candidate-rebuild", rebuild_candidates, cadence="daily", at=dt.time(1, 30))
