"""Background jobs of the open-data app: the IATI files, on publication and every day."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from tvetbridge.core.jobs import job_task, periodic

from . import services


@job_task("opendata.regenerate_iati", title=_("Regenerating the IATI files"))
def regenerate_iati(job, *, skip_invalid: bool = False) -> dict:
    return services.generate_files(skip_invalid=skip_invalid, progress=job.progress)


periodic("daily-iati-files", regenerate_iati, cadence="daily", at=dt.time(5, 0))
