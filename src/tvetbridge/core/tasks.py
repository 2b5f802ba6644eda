"""Background jobs of the shared kernel: housekeeping of kept uploads."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .jobs import job_task, periodic
from .uploads import purge_uploads

# Long enough for a confirmation page left open and for a retried import job to read its file again.
KEEP_UPLOADS = dt.timedelta(days=1)


@job_task("core.purge_uploads", title=_("Removing old uploaded files"))
def purge_old_uploads(job) -> dict:
    job.progress(1, gettext_noop("Removing uploads older than a day"))
    return {"removed": purge_uploads(KEEP_UPLOADS)}


periodic("nightly-upload-purge", purge_old_uploads, cadence="daily", at=dt.time(3, 15))
