"""`tvetbridge recompute_risk [--period 2026-Q3]`: recompute scores and raise alerts (cron-friendly)."""

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.risk.engine.periods import Period
from tvetbridge.risk.services import current_period, recompute_risk


class Command(BaseCommand):
    help = "Recompute country risk for a quarter (default: the current one) and raise the alerts it warrants."

    def add_arguments(self, parser):
        parser.add_argument("--period", default=None, help="A quarter such as 2026-Q3, or a year (its Q4).")

    def handle(self, *args, period, **options):
        try:
            p = Period.parse(period) if period else current_period()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        alerts = recompute_risk(p)
        self.stdout.write(f"{p.last_quarter()}: {len(alerts)} new alert(s)")
