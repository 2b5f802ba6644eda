"""Background jobs of the registry: imports of files too large to import inside a web request."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task
from tvetbridge.core.uploads import StoredUpload

# Errors are kept as row and column only: their messages are rendered in the uploader's language
# when the file is checked again on the import page, never stored as English sentences.
KEPT_ERRORS = 200


@job_task("registry.import_file", title=_("Importing records from a file"),
          result_template="registry/io/job_result.html", announce=True)
def import_file(job, *, kind: str, upload: dict) -> dict:
    from . import io

    job.progress(5, gettext_noop("Reading and checking the file"))
    # All or nothing in one transaction: a worker that dies part-way leaves nothing written, and the
    # retry reads the same kept file again.
    result = io.import_stored(job.user, kind, StoredUpload.from_dict(upload))
    job.progress(100, gettext_noop("Done"))
    return {"kind": kind, "filename": result.filename, "written": result.committed, "counts": result.counts,
            "error_count": len(result.errors),
            "errors": [{"row": e.row, "column": e.column} for e in result.errors[:KEPT_ERRORS]]}
