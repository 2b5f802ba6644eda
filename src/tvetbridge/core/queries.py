"""Read paths of the shared kernel: background jobs and the workers that run them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import jobs
from .models import Job, WorkerProcess
from .roles import is_manager
from .worker import stale_after


def jobs_for(user) -> QuerySet[Job]:
    """The jobs a user may follow: their own; every job for coordinators and admins. Chunks of a
    job are shown through their parent."""
    qs = Job.objects.filter(parent__isnull=True).select_related("created_by")
    return qs if is_manager(user) else qs.filter(created_by=user)


def job_status(job: Job) -> dict:
    """What the job page polls: plain JSON in the reader's language."""
    return {"id": job.pk, "status": job.status, "status_label": job.get_status_display(),
            "progress": job.progress, "step": jobs.step_of(job), "title": jobs.title_of(job),
            "active": job.is_active, "cancel_requested": job.cancel_requested, "attempts": job.attempts,
            "chunks_total": job.chunks_total, "chunks_done": job.chunks_done,
            "error": job.error if job.status == Job.Status.FAILED else "", "result": job.result}


def operations() -> dict:
    """Workers, queue and schedules for the operations page."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=stale_after())
    workers = list(WorkerProcess.objects.order_by("hostname", "started"))
    for w in workers:
        w.alive = w.last_seen >= stale
    counts = Job.objects.aggregate(
        queued=Count("pk", filter=Q(status=Job.Status.QUEUED)),
        running=Count("pk", filter=Q(status=Job.Status.RUNNING)),
        failed_day=Count("pk", filter=Q(status=Job.Status.FAILED, finished__gte=now - dt.timedelta(days=1))))
    ready = DBTaskResult.objects.ready().count()
    return {"workers": workers, "counts": counts, "ready_tasks": ready,
            "schedules": [{**s, "cadence": jobs.describe_cadence(s["schedule"])} for s in jobs.schedules_overview()],
            "failures": Job.objects.filter(status=Job.Status.FAILED).order_by("-finished")[:20]}

