"""`tvetbridge generate_reports --period 2026-Q3 [--scope region|country:KZ|alliance:<key>] [--language ru]
[--kind risk|results]`: generate (or reuse, when the data are unchanged) archived reports. For cron."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tvetbridge.reports.models import Kind
from tvetbridge.reports.services import LANGUAGE_CODES, generate_report


class Command(BaseCommand):
    help = "Generate periodic reports; a report whose data did not change is not regenerated."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="A quarter (2026-Q3) or a year (2026).")
        parser.add_argument("--scope", action="append", help="region (default), country:KZ or alliance:<key>; repeatable.")
        parser.add_argument("--language", action="append", choices=LANGUAGE_CODES,
                            help="Report language; repeatable. Default: all four.")
        parser.add_argument("--kind", action="append", choices=Kind.values, help="Default: both kinds.")

    def handle(self, *args, period, scope, language, kind, **options):
        failures = 0
        for k in kind or Kind.values:
            for sc in scope or ["region"]:
                for lang in language or LANGUAGE_CODES:
                    try:
                        report, created = generate_report(k, sc, period, lang)
                    except ValidationError as exc:
                        raise CommandError("; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())) from exc
                    except Exception as exc:  # keep going: one failing language must not stop the others
                        failures += 1
                        self.stderr.write(f"{k} {sc} {period} {lang}: FAILED: {exc}")
                        continue
                    state = "new version" if created else "unchanged"
                    self.stdout.write(f"{k} {report.scope} {report.period} {lang}: v{report.version} ({state}) "
                                      f"#{report.pk}")
        if failures:
            raise CommandError(f"{failures} report(s) failed")
