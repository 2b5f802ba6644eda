"""The bulk statement ingest as a job of core.jobs (run eagerly in tests)."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.core.models import Job
from tvetbridge.library import services
from tvetbridge.library.models import Statement

from .conftest import statement


def _ndjson(statements) -> bytes:
    return "\n".join(json.dumps(s) for s in statements).encode()


@pytest.fixture
def alt_client(users, world):
    client, _secret = services.provision_client(name="ALT LMS", key="alt-lms", institution=world["alt"])
    return client


def test_ingest_job_stores_every_statement_and_a_rerun_stores_nothing_twice(users, alt_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    data = _ndjson([statement(timestamp=f"2026-03-01T10:{m:02d}:00Z") for m in range(45)] * 5)  # 225 lines
    job = services.start_statement_ingest(users["institution"], alt_client, io.BytesIO(data))
    job.refresh_from_db()
    assert job.kind == "library.ingest_statements" and job.status == Job.Status.SUCCEEDED
    assert job.result == {"stored": 225, "batches": 3}
    assert Statement.objects.count() == 225
    # The same file again: ids derived from file and line, so the statements are already there.
    again = services.start_statement_ingest(users["institution"], alt_client, io.BytesIO(data))
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED and Statement.objects.count() == 225


def test_ingest_job_names_the_bad_line_and_keeps_the_batches_before_it(users, alt_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    lines = [statement() for _ in range(150)]
    lines[120] = {**statement(), "verb": {"id": "not an IRI"}}
    job = services.start_statement_ingest(users["institution"], alt_client, io.BytesIO(_ndjson(lines)))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "line 121" in job.error and "verb" in job.error
    assert "(100 statements of earlier batches stored)" in job.error
    assert Statement.objects.count() == 100  # the first batch; the refused one wrote nothing


def test_ingest_is_refused_before_reading_for_staff_of_another_institution(users, world, make_user, alt_client):
    other = make_user("institution", institution=world["other_institution"], username="staff-elsewhere")

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read before the permission check")

    for user in (other, users["enterprise"], users["public"]):
        with pytest.raises(PermissionDenied):
            services.start_statement_ingest(user, alt_client, Unreadable())
    assert not Job.objects.exists()


def test_ingest_file_bounded_in_size(users, alt_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.LRS_INGEST_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        services.start_statement_ingest(users["institution"], alt_client, io.BytesIO(_ndjson([statement()] * 20)))
    assert "file" in exc.value.message_dict
    assert not Job.objects.exists() and not Statement.objects.exists()
