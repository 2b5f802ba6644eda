"""Outcomes imports above the size threshold run as background jobs with progress, like registry
imports; smaller files are still imported inside the request."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tvetbridge.core import jobs
from tvetbridge.core.models import Job
from tvetbridge.outcomes.io.records import STEP_CHECKING, STEP_WRITING
from tvetbridge.outcomes.models import ImportBatch, IncomeObservation, Trainee

from .test_import import ENROLMENTS, INCOMES, TRAINEES, _csv


@pytest.fixture
def steps(monkeypatch):
    """Every progress step a job reports, in order."""
    seen: list[str] = []
    original = jobs.JobHandle.progress

    def progress(self, percent, step="", **params):
        seen.append(step)
        return original(self, percent, step, **params)

    monkeypatch.setattr(jobs.JobHandle, "progress", progress)
    return seen


def _post(client, user, kind: str, text: str, *, dry_run: bool = False):
    client.force_login(user)
    data = {"kind": kind, "file": SimpleUploadedFile(f"{kind}.csv", _csv(text), "text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("outcomes_import"), data)


def test_large_file_is_imported_by_a_job_the_user_follows(client, users, settings, steps):
    settings.IMPORT_BACKGROUND_BYTES = 64
    response = _post(client, users["coordinator"], "trainees", TRAINEES)
    job = Job.objects.get(kind="outcomes.import_file")
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.created_by == users["coordinator"]
    assert job.result["written"] and (job.result["rows"], job.result["created"]) == (2, 2)
    assert Trainee.objects.count() == 2
    assert steps == ["Reading and checking the file", STEP_CHECKING, STEP_WRITING, "Done"]
    page = client.get(response["Location"]).content.decode()
    assert "2 rows: 2 added, 0 changed, 0 unchanged." in page and reverse("outcomes_import") in page


def test_large_income_file_with_errors_writes_nothing(client, users, settings, steps):
    from tvetbridge.outcomes.services import import_file

    assert import_file(None, "trainees", _csv(TRAINEES), "t.csv").committed
    assert import_file(None, "enrolments", _csv(ENROLMENTS), "e.csv").committed
    settings.IMPORT_BACKGROUND_BYTES = 64
    bad = INCOMES + "T-1,2025-11,lots,KZT,payroll\n"
    response = _post(client, users["coordinator"], "incomes", bad)
    job = Job.objects.get(kind="outcomes.import_file")
    assert job.status == Job.Status.SUCCEEDED and not job.result["written"]
    rows = len(bad.splitlines())
    assert job.result["error_count"] == 1 and job.result["errors"] == [{"row": rows, "column": "amount"}]
    assert not IncomeObservation.objects.exists() and not ImportBatch.objects.exists()
    assert STEP_WRITING not in steps
    page = client.get(response["Location"]).content.decode()
    assert "The file has 1 error. Nothing was saved" in page


def test_large_dry_run_checks_in_the_background(client, users, settings):
    settings.IMPORT_BACKGROUND_BYTES = 64
    response = _post(client, users["coordinator"], "trainees", TRAINEES, dry_run=True)
    job = Job.objects.get(kind="outcomes.import_file")
    assert job.result["dry_run"] and not job.result["written"] and job.result["rows"] == 2
    assert not Trainee.objects.exists()
    assert "Nothing was written (check only)" in client.get(response["Location"]).content.decode()


def test_small_file_is_imported_in_the_request(client, users):
    response = _post(client, users["coordinator"], "trainees", TRAINEES)
    assert response.status_code == 200 and "2 rows: 2 added" in response.content.decode()
    assert not Job.objects.exists() and Trainee.objects.count() == 2


def test_who_may_not_import_starts_no_job(client, users, settings, tmp_path):
    settings.IMPORT_BACKGROUND_BYTES = 64
    settings.VAR_DIR = tmp_path
    assert _post(client, users["enterprise"], "trainees", TRAINEES).status_code == 403
    assert not Job.objects.exists() and not (tmp_path / "imports").exists()
