"""Background work of the library, on ``tvetbridge.core.jobs``: the bulk statement ingest."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy, gettext_noop

from tvetbridge.core.jobs import job_task

STEP_STORING = gettext_noop("Storing statements")


class IngestStopped(Exception):
    """A statement of the file was refused; the batches before it are stored."""


# One attempt: a file that failed once fails the same way again. Re-running one (after a lost
# worker, or by uploading it again) stores nothing twice, because every statement without an id is
# given one derived from the file and its line (library/io/ingest.py).
@job_task("library.ingest_statements", title=gettext_lazy("Storing xAPI statements"), max_attempts=1,
          queue="heavy")
def ingest_statements(job, *, client_id: int, path: str, version: str = "2.0") -> dict:
    """Store a file of statements (JSON array or NDJSON) for an LRS client, 100 per batch."""
    from .io.ingest import ingest, read_statements
    from .models import LrsClient
    from .xapi.http import XapiError

    client = LrsClient.objects.get(pk=client_id)
    data = Path(path).read_bytes()
    try:
        items = list(read_statements(data))
    except XapiError as exc:
        raise IngestStopped(exc.message) from None
    total = max(len(items), 1)
    job.progress(1, STEP_STORING)
    result = ingest(client, items, version=version, source=data,
                    progress=lambda n: job.progress(min(99, int(100 * n / total)), STEP_STORING))
    if result.error:
        # The job fails with the LRS's diagnostic, as a POST of that batch would have been answered.
        raise IngestStopped(f"line {result.error_line}: {result.error} "
                            f"({result.stored} statements of earlier batches stored)")
    return {"stored": result.stored, "batches": result.batches}
