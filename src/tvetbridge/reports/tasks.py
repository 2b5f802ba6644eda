"""Background jobs of the reports app: generating a report, and the quarterly reports."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import job_task, periodic

from . import services


@job_task("reports.generate", title=_("Generating a report"), announce=True)
def generate(job, *, report_job_id: int) -> dict:
    report_job = services.run_job(report_job_id, check_cancelled=job.check_cancelled)
    return {"report": report_job.report_id, "reused": report_job.reused}


@job_task("reports.quarterly", title=_("Quarterly region reports"))
def quarterly(job, *, scope: str = "region") -> dict:
    """The previous quarter's reports, every kind in every language; unchanged data reuse the archive."""
    from django.utils import timezone

    from tvetbridge.risk.engine.periods import Period

    from .models import Kind

    period = str(Period.quarter_of(timezone.localdate() - dt.timedelta(days=1)))
    done = []
    combos = [(k, lang) for k in Kind.values for lang in services.LANGUAGE_CODES]
    for n, (kind, language) in enumerate(combos):
        job.progress(100 * n / len(combos), gettext_noop("Generating report %(n)s of %(total)s"),
                     n=n + 1, total=len(combos))
        report, created = services.generate_report(kind, scope, period, language)
        done.append({"report": report.pk, "kind": kind, "language": language, "new": created})
    return {"period": period, "reports": done}


periodic("quarterly-region-reports", quarterly, cadence="quarterly", at=dt.time(3, 0))
