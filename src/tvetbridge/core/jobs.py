"""Durable background work: what every long or scheduled job of the platform runs on.

A job is declared once, in its app's ``tasks.py``::

    @job_task("reports.generate", title=gettext_lazy("Generating a report"))
    def generate(job, *, report_job_id: int) -> dict:
        job.progress(10, gettext_noop("Reading the data"))   # raises JobCancelled once cancelled
        ...
        return {"report": report.pk}                          # JSON; kept on the job

and started from a service with ``enqueue(generate, user=user, report_job_id=5)``. The job row is
written in the caller's transaction and its task is queued only when that transaction commits, so a
worker never sees a job whose data is not there yet.

Execution runs on Django's tasks API (django-tasks with its database backend: the same database,
nothing else to run). ``tvetbridge worker`` processes (``core/worker.py``) claim tasks, run each in a
child process, report heartbeats, requeue the work of workers that died, and start periodic jobs.
Failures are retried with exponential back-off up to the job's ``max_attempts``. Heavy batch work is
split with ``JobHandle.fan_out`` into chunk jobs that any number of workers run in parallel; the last
chunk to finish starts the join step.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from .models import Job, ScheduledRun

try:  # Django 6 ships the tasks API; on 5.2 the django-tasks backport provides it.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

log = logging.getLogger(__name__)

# A progress write at most this often: a tight loop must not turn into a stream of UPDATEs.
PROGRESS_INTERVAL_S = 0.5
# Retry back-off: BACKOFF_BASE_S * 4 ** (attempt - 1), capped.
BACKOFF_BASE_S = 5
BACKOFF_MAX_S = 600

# Steps the machinery itself records (message ids; rendered in each reader's language).
STEP_WAITING = gettext_noop("Waiting for the parts of the work")
STEP_RETRYING = gettext_noop("Retrying after an error")
STEP_REQUEUED = gettext_noop("Requeued after a worker stopped")
STEP_JOINING = gettext_noop("Combining the parts")

# Sent with ``job`` (the finished Job row) when a job ends for good: succeeded, failed or cancelled.
# Apps above core (notifications) listen; core itself calls none of them.
job_finished = Signal()


class JobCancelled(Exception):
    """Raised inside a job function when the user cancelled the job."""


class Deferred(Exception):
    """Raised by ``fan_out``: the job waits for its chunks and resumes in its join step."""


@dataclass(frozen=True)
class JobSpec:
    kind: str
    func: Callable[..., Any]
    title: Any
    max_attempts: int = 3
    queue: str = "default"
    # Shown on the job's page once it has finished, with the job's ``result`` (a job with nothing to
    # show beyond its status has none).
    result_template: str = ""
    # The person who started the job is notified when it ends (imports, reports: work people wait for).
    announce: bool = False


REGISTRY: dict[str, JobSpec] = {}


def job_task(kind: str, *, title, max_attempts: int = 3, queue: str = "default", result_template: str = "",
             announce: bool = False):
    """Declare a job function under a stable ``kind`` (stored on jobs, so never rename one lightly)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if kind in REGISTRY and REGISTRY[kind].func is not func:
            raise ValueError(f"job kind {kind!r} declared twice")
        REGISTRY[kind] = JobSpec(kind, func, title, max_attempts, queue, result_template, announce)
        func.job_kind = kind  # type: ignore[attr-defined]
        return func

    return register


def spec_for(kind_or_func) -> JobSpec:
    kind = getattr(kind_or_func, "job_kind", kind_or_func)
    try:
        return REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no job kind {kind!r}; is its tasks module imported?") from None


def title_of(job: Job) -> str:
    spec = REGISTRY.get(job.kind)
    return str(spec.title) if spec else job.kind


def result_template_of(job: Job) -> str:
    spec = REGISTRY.get(job.kind)
    return spec.result_template if spec and job.status == Job.Status.SUCCEEDED else ""


def step_of(job: Job) -> str:
    """The job's current step in the active language (steps are stored as message ids)."""
    if not job.step:
        return ""
    text = gettext(job.step)
    try:
        return text % job.step_params if job.step_params else text
    except (KeyError, TypeError, ValueError):
        return text


# ---------------------------------------------------------------------------------------------------
# Starting work


def enqueue(kind_or_func, *, user=None, dedupe_key: str = "", delay: dt.timedelta | None = None,
            parent: Job | None = None, **params) -> Job:
    """Record a job and queue it once the current transaction commits.

    With ``dedupe_key``, a job of the same kind and key that is still waiting to start is reused
    instead of queueing the same work twice (e.g. one candidate update per vacancy at a time)."""
    spec = spec_for(kind_or_func)
    if dedupe_key:
        waiting = Job.objects.filter(kind=spec.kind, dedupe_key=dedupe_key, status=Job.Status.QUEUED,
                                     started__isnull=True, cancel_requested=False).first()
        if waiting is not None:
            return waiting
    job = Job.objects.create(kind=spec.kind, params=dict(params), max_attempts=spec.max_attempts,
                             dedupe_key=dedupe_key, parent=parent,
                             created_by=user if getattr(user, "is_authenticated", False) else None)
    run_after = timezone.now() + delay if delay else None
    if eager():
        run_job(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: submit(job.pk, run_after=run_after))
    return job


def eager() -> bool:
    """Tests run jobs at once, in the caller's process, unless they start real workers."""
    return bool(getattr(settings, "JOBS_EAGER", False))


def submit(job_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue one execution of a job on the task backend."""
    job = Job.objects.only("kind").get(pk=job_id)
    spec = spec_for(job.kind)
    result = execute.using(queue_name=spec.queue, run_after=run_after).enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


@task()
def execute(job_id: int) -> None:
    """The one task every job runs through; the worker calls it in a child process."""
    run_job(job_id)


# ---------------------------------------------------------------------------------------------------
# Running work


@dataclass
class JobHandle:
    """What a job function sees of its job."""

    id: int
    kind: str
    attempt: int
    user: Any
    _last_write: float = 0.0
    chunk_results: list = field(default_factory=list)

    def progress(self, percent: float, step: str = "", **step_params) -> None:
        """Record progress (0–100) and the current step (a message id, rendered in each reader's
        language); raise JobCancelled if the user asked to stop."""
        now = time.monotonic()
        final = percent >= 100
        if not final and now - self._last_write < PROGRESS_INTERVAL_S:
            return
        self._last_write = now
        fields: dict[str, Any] = {"progress": max(0, min(100, int(percent))), "updated": timezone.now()}
        if step:
            fields.update(step=str(step)[:200], step_params=step_params)
        Job.objects.filter(pk=self.id).update(**fields)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if Job.objects.filter(pk=self.id, cancel_requested=True).exists():
            raise JobCancelled

    def fan_out(self, kind_or_func, chunks: Iterable[Mapping[str, Any]], *, join, **join_params):
        """Split the work into chunk jobs and end this execution; once every chunk has succeeded,
        ``join(job, **join_params)`` runs with ``job.chunk_results`` in chunk order."""
        spec = spec_for(kind_or_func)
        join_spec = spec_for(join)
        chunk_params = [dict(c) for c in chunks]
        if not chunk_params:
            raise ValueError("fan_out needs at least one chunk")
        with transaction.atomic():
            Job.objects.filter(pk=self.id).update(
                chunks_total=len(chunk_params), chunks_done=0,
                params={**Job.objects.get(pk=self.id).params, "_join": join_spec.kind, "_join_params": join_params})
            for n, params in enumerate(chunk_params):
                enqueue(spec.kind, parent=Job(pk=self.id), _chunk=n, **params)
        raise Deferred


def run_job(job_id: int) -> None:
    """Run one attempt of a job. Safe to call twice: a job that already ended is left alone, so a task
    delivered again after a lost worker cannot complete the same job twice."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in Job.ACTIVE:
            return
        if job.cancel_requested:
            _finish(job_id, Job.Status.CANCELLED)
            return
        Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, attempts=F("attempts") + 1,
                                            started=job.started or timezone.now(), updated=timezone.now())
    job.refresh_from_db()
    params = dict(job.params)
    join_kind = params.pop("_join", None)
    join_params = params.pop("_join_params", {})
    params.pop("_chunk", None)
    handle = JobHandle(job.pk, job.kind, job.attempts, job.created_by)
    try:
        if join_kind and job.chunks_total and job.chunks_done >= job.chunks_total:
            handle.chunk_results = [c.result for c in job.chunks.order_by("pk")]
            result = spec_for(join_kind).func(handle, **join_params)
        else:
            result = spec_for(job.kind).func(handle, **params)
    except Deferred:
        Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(step=STEP_WAITING, step_params={})
        return
    except JobCancelled:
        _finish(job_id, Job.Status.CANCELLED)
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded on the job, never lost
        log.exception("job %s (%s) attempt %s failed", job_id, job.kind, job.attempts)
        _failed(job, exc)
    else:
        _finish(job_id, Job.Status.SUCCEEDED, result=result)
    _notify_parent(job_id)


def _finish(job_id: int, status: str, *, result: Any = None, error: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "finished": timezone.now(), "updated": timezone.now()}
    if status == Job.Status.SUCCEEDED:
        fields.update(progress=100, result=result, error="")
    elif error:
        fields["error"] = error[:4000]
    Job.objects.filter(pk=job_id).update(**fields)
    if job_finished.has_listeners():
        job = Job.objects.filter(pk=job_id).first()
        if job is not None:
            job_finished.send(sender=Job, job=job)


def backoff(attempt: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_BASE_S * 4 ** max(0, attempt - 1)))


def _failed(job: Job, exc: BaseException) -> None:
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    # Jobs run eagerly (tests) fail at once: a retry would only repeat the same error in the same process.
    if job.attempts < job.max_attempts and not job.cancel_requested and not eager():
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, error=error[:4000], step=STEP_RETRYING,
                                            step_params={})
        run_after = timezone.now() + backoff(job.attempts)
        transaction.on_commit(lambda: submit(job.pk, run_after=run_after))
    else:
        _finish(job.pk, Job.Status.FAILED, error=error)


def requeue_lost(task_id: str, reason: str) -> None:
    """A worker died while running this task: run the job again, or fail it when out of attempts."""
    job = Job.objects.filter(task_id=task_id, status=Job.Status.RUNNING).first()
    if job is None:
        return
    if job.attempts < job.max_attempts and not job.cancel_requested:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, step=STEP_REQUEUED, step_params={},
                                            error=reason)
        submit(job.pk)
    else:
        _finish(job.pk, Job.Status.CANCELLED if job.cancel_requested else Job.Status.FAILED, error=reason)
    _notify_parent(job.pk)


def _notify_parent(job_id: int) -> None:
    """Count a finished chunk; the last one queues the parent's join step, a failed one fails it."""
    job = Job.objects.filter(pk=job_id).only("parent_id", "status").first()
    if job is None or job.parent_id is None or job.status in Job.ACTIVE:
        return
    parent_id = job.parent_id
    if job.status != Job.Status.SUCCEEDED:
        with transaction.atomic():
            Job.objects.filter(pk=parent_id, status__in=Job.ACTIVE).update(
                status=Job.Status.FAILED if job.status == Job.Status.FAILED else Job.Status.CANCELLED,
                error=gettext("A part of the work did not finish."), finished=timezone.now())
            Job.objects.filter(parent_id=parent_id, status=Job.Status.QUEUED).update(cancel_requested=True)
        return
    with transaction.atomic():
        Job.objects.filter(pk=parent_id).update(chunks_done=F("chunks_done") + 1)
        parent = Job.objects.select_for_update().get(pk=parent_id)
        if parent.chunks_done < parent.chunks_total or parent.status not in Job.ACTIVE:
            return
        Job.objects.filter(pk=parent_id).update(status=Job.Status.QUEUED, step=STEP_JOINING, step_params={},
                                                attempts=F("attempts") - 1)
    if eager():
        run_job(parent_id)
    else:
        transaction.on_commit(lambda: submit(parent_id))


# ---------------------------------------------------------------------------------------------------
# Cancelling


def may_see(user, job: Job) -> bool:
    from .roles import is_manager

    return getattr(user, "is_authenticated", False) and (job.created_by_id == user.pk or is_manager(user))


def cancel(user, job: Job) -> Job:
    """Ask a job to stop: a waiting job is cancelled at once; a running one stops at its next progress
    report, and the worker ends it by force if it does not within a grace period."""
    from django.core.exceptions import PermissionDenied

    if not may_see(user, job):
        raise PermissionDenied(gettext("You may only cancel your own jobs."))
    with transaction.atomic():
        Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(cancel_requested=True)
        Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished=timezone.now())
        Job.objects.filter(parent_id=job.pk, status__in=Job.ACTIVE).update(cancel_requested=True)
        Job.objects.filter(parent_id=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished=timezone.now())
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------------------------------------------
# Periodic work: declared in each app's tasks.py, started by whichever worker sees it due first.


@dataclass(frozen=True)
class Schedule:
    name: str
    kind: str
    cadence: str  # "hourly", "daily", "weekly" (Mondays) or "quarterly" (first day of each quarter)
    at: dt.time = dt.time(2, 0)
    params: Mapping[str, Any] = field(default_factory=dict)

    def last_due(self, now: dt.datetime) -> dt.datetime:
        """The most recent due time at or before ``now`` (in the platform's time zone)."""
        local = timezone.localtime(now)
        tz = local.tzinfo
        if self.cadence == "hourly":
            due = local.replace(minute=self.at.minute, second=0, microsecond=0)
            return due if due <= local else due - dt.timedelta(hours=1)
        day = local.date()
        if self.cadence == "weekly":
            day -= dt.timedelta(days=day.weekday())
        elif self.cadence == "quarterly":
            day = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
        elif self.cadence != "daily":
            raise ValueError(f"unknown cadence {self.cadence!r}")
        due = dt.datetime.combine(day, self.at, tzinfo=tz)
        if due > local:
            step = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}.get(self.cadence)
            if step is not None:
                due -= step
            else:
                previous = (day - dt.timedelta(days=1)).replace(day=1)
                due = dt.datetime.combine(previous.replace(month=3 * ((previous.month - 1) // 3) + 1), self.at,
                                          tzinfo=tz)
        return due


SCHEDULES: dict[str, Schedule] = {}


def periodic(name: str, kind_or_func, *, cadence: str, at: dt.time = dt.time(2, 0), **params) -> Schedule:
    schedule = Schedule(name, getattr(kind_or_func, "job_kind", kind_or_func), cadence, at, params)
    schedule.last_due(timezone.now())  # validates the cadence at import time
    SCHEDULES[name] = schedule
    return schedule


def start_due(now: dt.datetime | None = None) -> list[Job]:
    """Start every periodic job that has come due. A schedule seen for the first time starts from
    its next due time, so installing the platform does not fire a backlog at once."""
    from .services import system_user

    now = now or timezone.now()
    started = []
    for schedule in SCHEDULES.values():
        due = schedule.last_due(now)
        seen = ScheduledRun.objects.filter(name=schedule.name).exists()
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=schedule.name, due=due)
                if seen:
                    run.job = enqueue(schedule.kind, user=system_user(), **schedule.params)
                    run.save(update_fields=["job"])
                    started.append(run.job)
        except IntegrityError:
            continue
    return started


def schedules_overview() -> list[dict]:
    """Each schedule with its last run, for the operations page."""
    out = []
    for schedule in SCHEDULES.values():
        last = ScheduledRun.objects.filter(name=schedule.name, job__isnull=False).select_related("job") \
            .order_by("-due").first()
        out.append({"schedule": schedule, "title": title_of(Job(kind=schedule.kind)), "last": last})
    return out


def describe_cadence(schedule: Schedule) -> str:
    labels = {"hourly": _("every hour at minute %(minute)s"), "daily": _("every day at %(time)s"),
              "weekly": _("every Monday at %(time)s"), "quarterly": _("on the first day of each quarter at %(time)s")}
    return str(labels[schedule.cadence]) % {"minute": f"{schedule.at.minute:02d}",
                                           "time": schedule.at.strftime("%H:%M")}
