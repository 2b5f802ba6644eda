"""Background jobs: the engine (eager), and real worker processes — claiming, retries with back-off,
cancelling, a worker killed mid-job, chunked work spread over two workers, and schedules."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from tvetbridge.core import jobs, worker
from tvetbridge.core.models import Job, ScheduledRun, Source, WorkerProcess

# --- job kinds used by these tests ----------------------------------------------------------------------


@jobs.job_task("tests.add", title="add")
def add(job, *, a: int, b: int) -> dict:
    job.progress(50, gettext_noop("Adding"))
    return {"sum": a + b}


@jobs.job_task("tests.boom", title="boom", max_attempts=1)
def boom(job) -> None:
    raise RuntimeError("boom")


@jobs.job_task("tests.flaky", title="flaky", max_attempts=3)
def flaky(job, *, key: str) -> dict:
    """Fails on its first attempt, succeeds on the next."""
    if job.attempt == 1:
        raise RuntimeError("first attempt fails")
    Source.objects.create(key=key, title="written by a retried job")
    return {"attempt": job.attempt}


@jobs.job_task("tests.slow", title="slow")
def slow(job, *, key: str, seconds: float, report: bool = True) -> dict:
    """Works for ``seconds``, then writes one row atomically: the row exists once or not at all."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if report:
            job.progress(50, gettext_noop("Working"))
        time.sleep(0.05)
    with transaction.atomic():
        Source.objects.create(key=key, title="written at the end of a slow job")
    return {"done": key}


@jobs.job_task("tests.split", title="split")
def split(job, *, n: int) -> None:
    job.fan_out(square, [{"x": x} for x in range(n)], join=total)


@jobs.job_task("tests.square", title="square")
def square(job, *, x: int) -> dict:
    time.sleep(0.3)
    return {"value": x * x, "pid": os.getpid()}


@jobs.job_task("tests.total", title="total")
def total(job) -> dict:
    return {"total": sum(r["value"] for r in job.chunk_results), "parts": len(job.chunk_results),
            "pids": sorted({r["pid"] for r in job.chunk_results})}


# --- the engine, run at once -----------------------------------------------------------------------------


def test_eager_job_records_result_and_progress(db):
    job = jobs.enqueue(add, a=2, b=3)
    assert job.status == Job.Status.SUCCEEDED and job.result == {"sum": 5} and job.progress == 100
    assert jobs.title_of(job) == "add"


def test_eager_failure_is_recorded_not_raised(db):
    job = jobs.enqueue(boom)
    assert job.status == Job.Status.FAILED and "RuntimeError: boom" in job.error


def test_fan_out_joins_chunk_results_in_order(db):
    job = jobs.enqueue(split, n=5)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["total"] == sum(x * x for x in range(5)) and job.result["parts"] == 5
    assert job.chunks.count() == 5 and job.chunks_done == 5


def test_unknown_kind_is_refused(db):
    with pytest.raises(LookupError):
        jobs.enqueue("tests.no-such-kind")


def test_dedupe_key_reuses_a_waiting_job(db, settings):
    settings.JOBS_EAGER = False
    first = jobs.enqueue(add, dedupe_key="same", a=1, b=1)
    second = jobs.enqueue(add, dedupe_key="same", a=1, b=1)
    assert first.pk == second.pk


def test_cancel_a_waiting_job(db, settings, make_user):
    settings.JOBS_EAGER = False
    owner, stranger = make_user("trainee", username="owner"), make_user("trainee", username="stranger")
    job = jobs.enqueue(add, user=owner, a=1, b=2)
    with pytest.raises(PermissionDenied):
        jobs.cancel(stranger, job)
    jobs.cancel(owner, job)
    assert job.status == Job.Status.CANCELLED
    jobs.run_job(job.pk)  # a task delivered anyway does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.result is None


def test_schedule_starts_from_its_next_due_time(db, monkeypatch):
    monkeypatch.setattr(jobs, "SCHEDULES", {})
    jobs.periodic("tests-daily", add, cadence="daily", at=dt.time(2, 0), a=1, b=1)
    now = timezone.make_aware(dt.datetime(2026, 5, 4, 9, 0))
    assert jobs.start_due(now) == []  # first sight: the baseline, no backlog
    assert jobs.start_due(now + dt.timedelta(hours=1)) == []  # same due time
    started = jobs.start_due(now + dt.timedelta(days=1))
    assert [j.kind for j in started] == ["tests.add"] and started[0].result == {"sum": 2}
    assert ScheduledRun.objects.filter(name="tests-daily").count() == 2


def test_every_declared_schedule_names_a_known_job():
    assert {"nightly-candidate-rebuild", "nightly-quality-flags", "daily-risk-recompute",
            "quarterly-region-reports"} <= set(jobs.SCHEDULES)
    for schedule in jobs.SCHEDULES.values():
        assert jobs.spec_for(schedule.kind).kind == schedule.kind


@pytest.mark.parametrize("cadence, now, due", [
    ("daily", dt.datetime(2026, 5, 4, 1, 0), dt.datetime(2026, 5, 3, 2, 0)),
    ("weekly", dt.datetime(2026, 5, 6, 9, 0), dt.datetime(2026, 5, 4, 2, 0)),
    ("quarterly", dt.datetime(2026, 5, 6, 9, 0), dt.datetime(2026, 4, 1, 2, 0)),
    ("quarterly", dt.datetime(2026, 4, 1, 1, 0), dt.datetime(2026, 1, 1, 2, 0)),
    ("hourly", dt.datetime(2026, 5, 6, 9, 30), dt.datetime(2026, 5, 6, 9, 0)),
])
def test_last_due(cadence, now, due):
    schedule = jobs.Schedule("x", "tests.add", cadence, dt.time(2, 0) if cadence != "hourly" else dt.time(0, 0))
    assert timezone.localtime(schedule.last_due(timezone.make_aware(now))).replace(tzinfo=None) == due


# --- real workers ------------------------------------------------------------------------------------------

def _start_worker(name: str, **options) -> multiprocessing.Process:
    """A real worker: a separate process running the supervisor, as `tvetbridge worker` does."""
    connections.close_all()  # the child must open its own connection, not share the test's socket
    ctx = multiprocessing.get_context("fork")
    process = ctx.Process(target=_worker_main, args=(name, options), daemon=True)
    process.start()
    return process


def _worker_main(name: str, options: dict) -> None:  # runs in the worker process
    worker.Supervisor(worker_id=name, interval=0.05, **options).run()


def _wait(predicate, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


@pytest.fixture
def live_jobs(settings, monkeypatch):
    settings.JOBS_EAGER = False
    settings.JOBS_STALE_AFTER_S = 3
    monkeypatch.setattr(jobs, "BACKOFF_BASE_S", 0.2)
    monkeypatch.setattr(worker, "CANCEL_GRACE_S", 1.0)
    started: list[multiprocessing.Process] = []

    def start(name: str, **options):
        p = _start_worker(name, **options)
        started.append(p)
        return p

    yield start
    for p in started:
        if p.is_alive():
            p.kill()
        p.join(5)


def _enqueue(*args, **kwargs) -> Job:
    with transaction.atomic():  # the task is queued when this commits, as in a request
        return jobs.enqueue(*args, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_job_in_a_child_process(live_jobs):
    job = _enqueue(add, a=20, b=22)
    live_jobs("w1", batch=True).join(30)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"sum": 42} and job.worker == "w1"
    assert not WorkerProcess.objects.filter(worker_id="w1").exists()  # a clean exit leaves no heartbeat


@pytest.mark.django_db(transaction=True)
def test_failed_job_is_retried_with_back_off(live_jobs):
    job = _enqueue(flaky, key="retried")
    live_jobs("w1")
    done = _wait(lambda: _job(job.pk).status == Job.Status.SUCCEEDED and _job(job.pk))
    assert done.attempts == 2 and done.result == {"attempt": 2}
    assert Source.objects.filter(key="retried").count() == 1


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_a_running_job(live_jobs, make_user):
    user = make_user("coordinator")
    job = _enqueue(slow, user=user, key="never", seconds=60)
    live_jobs("w1")
    _wait(lambda: _job(job.pk).status == Job.Status.RUNNING)
    jobs.cancel(user, _job(job.pk))
    _wait(lambda: _job(job.pk).status == Job.Status.CANCELLED, timeout=10)
    assert not Source.objects.filter(key="never").exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_ends_a_job_that_does_not_listen(live_jobs, make_user):
    user = make_user("coordinator")
    job = _enqueue(slow, user=user, key="deaf", seconds=60, report=False)
    live_jobs("w1")
    _wait(lambda: _job(job.pk).status == Job.Status.RUNNING)
    jobs.cancel(user, _job(job.pk))
    _wait(lambda: _job(job.pk).status == Job.Status.CANCELLED, timeout=15)
    assert not Source.objects.filter(key="deaf").exists()


@pytest.mark.django_db(transaction=True)
def test_job_of_a_killed_worker_completes_once_on_another(live_jobs):
    job = _enqueue(slow, key="exactly-once", seconds=2.0)
    first = live_jobs("doomed")
    _wait(lambda: _job(job.pk).status == Job.Status.RUNNING and _job(job.pk).progress > 0)
    os.kill(first.pid, signal.SIGKILL)  # no clean-up at all: its child dies with it
    first.join(5)
    assert not Source.objects.filter(key="exactly-once").exists()
    live_jobs("rescuer")
    done = _wait(lambda: _job(job.pk).status == Job.Status.SUCCEEDED and _job(job.pk), timeout=30)
    assert done.attempts == 2 and done.worker == "rescuer"
    assert Source.objects.filter(key="exactly-once").count() == 1


@pytest.mark.django_db(transaction=True)
def test_chunks_spread_over_two_workers(live_jobs):
    job = _enqueue(split, n=8)
    live_jobs("w1")
    live_jobs("w2")
    done = _wait(lambda: _job(job.pk).status == Job.Status.SUCCEEDED and _job(job.pk), timeout=60)
    assert done.result["total"] == sum(x * x for x in range(8)) and done.result["parts"] == 8
    workers = set(Job.objects.filter(parent_id=job.pk).values_list("worker", flat=True))
    assert workers == {"w1", "w2"}
