"""Background jobs of outcomes: imports of files too large for a web request, and the nightly run of
the quality rules."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic

from .flags import evaluate_all

# Errors are kept as row and column only: their messages are rendered in the uploader's language
# when the file is checked again on the import page, never stored as English sentences.
KEPT_ERRORS = 200


@job_task("outcomes.import_file", title=_("Importing trainee records from a file"),
          result_template="outcomes/import_job_result.html")
def import_file(job, *, kind: str, upload: dict, dry_run: bool = False) -> dict:
    from tvetbridge.core.uploads import StoredUpload

    from . import services

    job.progress(5, gettext_noop("Reading and checking the file"))
    # All or nothing in one transaction: a worker that dies part-way leaves nothing written, and the
    # retry reads the same kept file again.
    result = services.import_stored(job.user, kind, StoredUpload.from_dict(upload), dry_run=dry_run,
                                    progress=job.progress)
    job.progress(100, gettext_noop("Done"))
    return {"kind": kind, "filename": result.filename, "dry_run": dry_run, "written": result.committed,
            "rows": result.rows, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "error_count": result.error_count,
            "errors": [{"row": e.row, "column": e.column} for e in result.errors[:KEPT_ERRORS]]}


@job_task("outcomes.check_flags", title=_("Checking projects against the quality rules"))
def check_flags(job) -> dict:
    job.progress(1, gettext_noop("Evaluating every project with trainee records"))
    return {"open_flags": evaluate_all()}


periodic("nightly-quality-flags", check_flags, cadence="daily", at=dt.time(2, 30))
