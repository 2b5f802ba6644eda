"""A worker killed in the middle of real work — a report, a fund simulation — and started again:
each job completes once, and nothing is half-written."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest
from django.db import connections, transaction

from tvetbridge.core import worker
from tvetbridge.core.models import Job

# Forked from the test process: a process that has already rendered a chart holds vl-convert's runtime,
# whose threads a fork does not copy, so a forked child that renders one waits forever. Workers never
# render in the supervisor, so only tests are exposed; scripts/test.sh runs these in a fresh process.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.forks]


def _worker_main(name: str) -> None:  # runs in the worker process
    worker.Supervisor(worker_id=name, interval=0.05).run()


def _start(name: str) -> multiprocessing.Process:
    connections.close_all()
    process = multiprocessing.get_context("fork").Process(target=_worker_main, args=(name,), daemon=True)
    process.start()
    return process


def _wait(predicate, timeout: float = 300.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    # Say where the jobs stand, so a failure on a loaded machine can be told from a lost job.
    jobs = list(Job.objects.values("pk", "kind", "status", "attempts", "worker", "error", "progress"))
    raise AssertionError(f"condition not met in {timeout:.0f} s; jobs: {jobs}")


@pytest.fixture
def workers(settings):
    settings.JOBS_EAGER = False
    settings.JOBS_STALE_AFTER_S = 3
    started: list[multiprocessing.Process] = []
    yield lambda name: started.append(_start(name)) or started[-1]
    for p in started:
        if p.is_alive():
            p.kill()
        p.join(5)


def _kill_while_running(workers, job_id: int, started) -> None:
    """Start a worker, kill it (SIGKILL: no clean-up) once the job has made progress, start another."""
    doomed = workers("doomed")
    _wait(lambda: started())
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.join(5)
    assert Job.objects.get(pk=job_id).status == Job.Status.RUNNING
    workers("rescuer")


def test_report_job_survives_its_worker(risk_world, users, workers):
    from tvetbridge.reports import services
    from tvetbridge.reports.models import Report, ReportJob
    from tvetbridge.risk.services import current_period

    with transaction.atomic():
        report_job = services.request_report(users["coordinator"], kind="risk", scope="region",
                                             period=str(current_period()), language="ru")
    job_id = report_job.job_id
    _kill_while_running(workers, job_id, lambda: ReportJob.objects.filter(
        pk=report_job.pk, status=ReportJob.Status.RUNNING, progress__gte=5).exists())
    job = _wait(lambda: Job.objects.filter(pk=job_id, status=Job.Status.SUCCEEDED).first())
    report_job.refresh_from_db()
    assert job.attempts == 2 and job.worker == "rescuer"
    assert report_job.status == ReportJob.Status.DONE and report_job.report_id is not None
    assert Report.objects.count() == 1 and bytes(Report.objects.get().pdf)[:5] == b"%PDF-"


def test_simulation_survives_its_worker(world, users, workers, monkeypatch, tmp_path):
    from tvetbridge.finance import services
    from tvetbridge.finance.models import SimulationRun

    # The run is split into parts (chunk jobs); the worker dies while one of them is under way. The
    # first part to compute stalls once it has its figures, so the kill cannot land after it ended
    # (a part of 60,000 paths takes well under a second on a quiet machine).
    marker = tmp_path / "computed"
    _pause_once_written(monkeypatch, services, "execute_part", marker)
    with transaction.atomic():
        run = services.start_simulation(users["coordinator"], services.default_spec(), n_paths=60_000, seed=11)
    job_id = run.job_id
    _kill_while_running(workers, job_id, marker.exists)
    _wait(lambda: Job.objects.filter(pk=job_id, status=Job.Status.SUCCEEDED).exists())
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.DONE and run.result["n_paths"] == 60_000
    # Every part ended once, successfully; the part the doomed worker held was run again; the join
    # that wrote the result ran on the rescuer.
    parts = list(Job.objects.filter(parent_id=job_id).values_list("status", "attempts"))
    assert {status for status, _n in parts} == {Job.Status.SUCCEEDED} and max(n for _s, n in parts) == 2
    assert Job.objects.get(pk=job_id).worker == "rescuer"
    # The same seed gives the same figures as an uninterrupted run.
    again = services.start_simulation(users["coordinator"], services.default_spec(), n_paths=60_000, seed=11)
    _wait(lambda: SimulationRun.objects.filter(pk=again.pk, status=SimulationRun.Status.DONE).exists())
    again.refresh_from_db()
    assert again.result["balance_mean"] == run.result["balance_mean"]


def _pause_once_written(monkeypatch, owner, name: str, marker) -> None:
    """Make the first call of ``owner.name`` stop for good right after it has done its work (for an
    import: written rows inside its open transaction), and say so through ``marker``: the kill then
    lands in the middle of the job, not before it or after it ended. Later calls (the rescuer's) run
    straight through."""
    original = getattr(owner, name)

    def written_then_stalled(*args, **kwargs):
        value = original(*args, **kwargs)
        if not marker.exists():
            marker.write_text("rows written, transaction open")
            time.sleep(600)
        return value

    monkeypatch.setattr(owner, name, written_then_stalled)


def test_import_job_survives_its_worker(world, users, workers, monkeypatch, tmp_path):
    from tvetbridge.core.uploads import store_upload
    from tvetbridge.registry import io
    from tvetbridge.registry.io.importer import Importer
    from tvetbridge.registry.models import Institution

    n = 1200  # more than one write batch, so the stalled attempt has rows of several batches written
    lines = ["External key,Name (English),Kind,Country"] + [f"kill-{i},Kill test college {i},college,KZ"
                                                            for i in range(n)]
    upload = store_upload("\n".join(lines).encode(), "colleges.csv")
    marker = tmp_path / "written"
    _pause_once_written(monkeypatch, Importer, "write_m2m", marker)
    with transaction.atomic():
        job = io.start_import(users["coordinator"], "institutions", upload)
    _kill_while_running(workers, job.pk, marker.exists)
    # The killed attempt wrote its rows inside a transaction that never committed.
    assert not Institution.objects.filter(external_key__startswith="kill-").exists()
    assert not Institution.history.filter(external_key__startswith="kill-").exists()
    job = _wait(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.SUCCEEDED).first())
    assert job.attempts == 2 and job.worker == "rescuer"
    assert job.result["error_count"] == 0 and job.result["written"] and job.result["counts"]["create"] == n
    # Every row once, with one audit row each, by the user who started the import.
    assert Institution.objects.filter(external_key__startswith="kill-").count() == n
    history = Institution.history.filter(external_key__startswith="kill-")
    assert history.count() == n and set(history.values_list("history_user", flat=True)) == {users["coordinator"].pk}
