"""Background jobs of the taxonomy: label sheets too large to import inside a web request."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task
from tvetbridge.core.uploads import StoredUpload

# Errors are kept as row and column: their messages are rendered in the reader's language when the
# file is checked again, never stored as sentences.
KEPT_ERRORS = 200


@job_task("taxonomy.import_labels", title=_("Importing labels from a file"),
          result_template="taxonomy/labels/job_result.html", announce=True)
def import_labels(job, *, kind: str, upload: dict, approve: bool = False, default_source: str = "",
                  default_language: str = "") -> dict:
    from . import services

    stored = StoredUpload.from_dict(upload)
    job.progress(5, gettext_noop("Reading and checking the file"))
    # All or nothing in one transaction; a retried job reads the same kept file again.
    result = services.import_labels(job.user, kind, stored.read_bytes(), stored.filename, approve=approve,
                                    default_source=default_source, default_language=default_language)
    job.progress(100, gettext_noop("Done"))
    if result.ok:
        stored.discard()
    return {"kind": kind, "filename": result.filename, "written": result.written, "approved": result.approved,
            "unchanged": result.unchanged, "skipped": result.skipped, "error_count": len(result.errors),
            "errors": [{"row": e.row, "column": e.column} for e in result.errors[:KEPT_ERRORS]]}
