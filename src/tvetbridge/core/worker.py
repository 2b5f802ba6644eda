"""`tvetbridge worker`: the process that runs background jobs.

A worker is a small supervisor. It claims one task at a time from django-tasks' database queue and
runs it in a forked child process, while the supervisor itself keeps beating its heartbeat. Why a
child rather than the supervisor's own thread of control:
- the heartbeat goes on while a job sits in C code for minutes (typesetting, a sparse product);
- a cancelled job that does not stop by itself can be ended by force;
- a job that crashes or exhausts memory takes only its child down, and its memory is returned.

Workers on any number of machines can share one PostgreSQL database: claiming uses row locks with
SKIP LOCKED (an exclusive transaction on SQLite). Each worker also sweeps: a task still marked running
by a worker whose heartbeat stopped (or whose process is gone, on this machine) is given back to the
queue, or failed when its job has no attempts left. And each worker starts periodic jobs that have
come due; a unique row per due time lets only one of them do it.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import os
import signal
import socket
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from . import jobs
from .models import Job, WorkerProcess

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
SWEEP_EVERY_S = 10.0
SCHEDULE_EVERY_S = 30.0
CANCEL_GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1


def stale_after() -> float:
    """Seconds without a heartbeat after which a worker counts as dead."""
    return float(getattr(settings, "JOBS_STALE_AFTER_S", 30))


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped while running it."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Supervisor:
    worker_id: str
    queues: list[str] = field(default_factory=lambda: ["*"])
    interval: float = 1.0
    max_tasks: int | None = None
    batch: bool = False
    backend: str = "default"
    stopping: bool = False
    _child: int | None = None
    _beat_at: float = 0.0
    _sweep_at: float = 0.0
    _schedule_at: float = 0.0

    # --- lifecycle ---------------------------------------------------------------------------------

    def run(self) -> int:
        self._install_signals()
        self._beat(force=True)
        done = 0
        try:
            while not self.stopping:
                self._maintenance()
                claimed = self._claim()
                if claimed is not None:
                    self._run(claimed)
                    done += 1
                    if self.max_tasks is not None and done >= self.max_tasks:
                        break
                elif self.batch:
                    break
                else:
                    self._sleep(self.interval)
        finally:
            with contextlib.suppress(Exception):
                WorkerProcess.objects.filter(worker_id=self.worker_id).delete()
            connections.close_all()
        return done

    def _install_signals(self) -> None:
        def stop(signum, _frame):
            if self.stopping and self._child:
                # A second signal: do not wait for the running job.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._child, signal.SIGKILL)
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()) if end > time.monotonic() else 0)

    # --- heartbeat, sweep, schedule ------------------------------------------------------------------

    def _beat(self, *, force: bool = False, task_id: str = "") -> None:
        now = time.monotonic()
        if not force and now - self._beat_at < HEARTBEAT_S:
            return
        self._beat_at = now
        try:
            WorkerProcess.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen": timezone.now(),
                          "current_task": task_id})
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise

    def _maintenance(self) -> None:
        self._beat()
        now = time.monotonic()
        if now >= self._sweep_at:
            self._sweep_at = now + SWEEP_EVERY_S
            self._guard(sweep, self.backend)
        if now >= self._schedule_at:
            self._schedule_at = now + SCHEDULE_EVERY_S
            self._guard(jobs.start_due)

    @staticmethod
    def _guard(func, *args) -> None:
        """Maintenance is retried on the next round when the database is busy."""
        try:
            func(*args)
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            log.info("database busy; %s postponed", func.__name__)

    # --- claiming and running ------------------------------------------------------------------------

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend)
        if "*" not in self.queues:
            tasks = tasks.filter(queue_name__in=self.queues)
        try:
            with exclusive_transaction(tasks.db):
                claimed = tasks.get_locked()
                if claimed is not None:
                    claimed.claim(self.worker_id)
                    Job.objects.filter(task_id=str(claimed.id)).update(worker=self.worker_id)
                return claimed
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise

    def _run(self, db_result: DBTaskResult) -> None:
        task_id = str(db_result.id)
        self._beat(force=True, task_id=task_id)
        # The child must not share the parent's database sockets.
        connections.close_all()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child process
            code = 1
            try:
                _become_child()
                code = run_task(db_result)
            finally:
                os._exit(code)
        self._child = pid
        cancel_since: float | None = None
        status = 0
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            self._beat(task_id=task_id)
            if self._cancel_requested(task_id):
                cancel_since = cancel_since or time.monotonic()
                if time.monotonic() - cancel_since > CANCEL_GRACE_S:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        self._child = None
        self._after_child(db_result, status, cancelled=cancel_since is not None)
        self._beat(force=True)

    def _cancel_requested(self, task_id: str) -> bool:
        try:
            return Job.objects.filter(task_id=task_id, cancel_requested=True).exists()
        except OperationalError:
            return False

    def _after_child(self, db_result: DBTaskResult, status: int, *, cancelled: bool) -> None:
        """A child that ended without recording its task (killed, out of memory) is accounted for."""
        db_result.refresh_from_db()
        if db_result.status != "RUNNING":
            return
        if os.WIFSIGNALED(status):
            reason = f"the job's process ended on signal {os.WTERMSIG(status)}"
        else:
            reason = f"the job's process exited with status {os.WEXITSTATUS(status)}"
        with transaction.atomic():
            db_result.set_failed(WorkerLost(reason))
            if cancelled:
                job = Job.objects.filter(task_id=str(db_result.id)).first()
                if job is not None:
                    jobs._finish(job.pk, Job.Status.CANCELLED)
                    jobs._notify_parent(job.pk)
            else:
                jobs.requeue_lost(str(db_result.id), reason)


def _become_child() -> None:  # pragma: no cover - runs in the child process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Die with the supervisor: a job whose supervisor was killed must not run on unwatched, since the
    # sweep of another worker will hand it out again.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(1)


def run_task(db_result: DBTaskResult) -> int:
    """Run a claimed task and record its outcome on the task row; 0 when recorded."""
    try:
        task = db_result.task
        result = db_result.task_result
        value = task.call(*result.args, **result.kwargs)
        db_result.set_successful(value)
    except BaseException as exc:  # noqa: BLE001 - recorded on the task row
        log.exception("task %s failed", db_result.id)
        try:
            db_result.set_failed(exc)
        except Exception:  # noqa: BLE001
            return 1
    finally:
        connections.close_all()
    return 0


def sweep(backend: str = "default") -> int:
    """Give back the tasks of workers that stopped; returns how many were handed back."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=stale_after())
    here = socket.gethostname()
    live = set()
    for w in WorkerProcess.objects.all():
        dead_here = w.hostname == here and not _pid_alive(w.pid)
        if w.last_seen >= stale and not dead_here:
            live.add(w.worker_id)
    handed_back = 0
    running = DBTaskResult.objects.running().filter(backend_name=backend)
    for candidate in running.only("id", "worker_ids"):
        owner = candidate.worker_ids[-1] if candidate.worker_ids else None
        if owner in live:
            continue
        with transaction.atomic():
            task = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
                pk=candidate.pk, status="RUNNING").first()
            if task is None:
                continue
            reason = f"worker {owner} stopped"
            task.set_failed(WorkerLost(reason))
            jobs.requeue_lost(str(task.id), reason)
            handed_back += 1
    # A job recorded but never queued (its web process died between the commit and the queueing).
    for job_id in Job.objects.filter(status=Job.Status.QUEUED, task_id="", created__lt=stale).values_list(
            "pk", flat=True):
        jobs.submit(job_id)
        handed_back += 1
    WorkerProcess.objects.filter(last_seen__lt=now - dt.timedelta(days=1)).delete()
    return handed_back
