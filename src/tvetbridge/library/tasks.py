"""Background work of the library, in the shape of ``tvetbridge.core.jobs`` (``@job_task`` kinds
that take the job first and report progress). Until that API is on this branch the functions run
inline: callers pass :class:`InlineJob`, and the lead wires them to ``job_task`` at merge.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.utils.translation import gettext_noop

log = logging.getLogger(__name__)


class InlineJob:
    """Runs a job function in the calling process, logging its progress."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def progress(self, percent: int, step: str = "") -> None:
        log.info("%s: %s%% %s", self.kind, percent, step)


def ingest_statements(job, *, client_id: int, path: str, version: str = "2.0") -> dict:
    """Store a file of statements (JSON array or NDJSON) for an LRS client, 100 per batch."""
    from .io.ingest import ingest, read_statements
    from .models import LrsClient

    client = LrsClient.objects.get(pk=client_id)
    data = Path(path).read_bytes()
    items = list(read_statements(data))
    total = max(len(items), 1)
    job.progress(1, gettext_noop("Storing statements"))
    result = ingest(client, items, version=version,
                    progress=lambda n: job.progress(min(99, int(100 * n / total)), gettext_noop("Storing statements")))
    return {"stored": result.stored, "batches": result.batches, "error": result.error, "error_line": result.error_line}
