from django.core.management.base import BaseCommand

from tvetbridge.matching import services
from tvetbridge.matching.engine.candidates import K


class Command(BaseCommand):
    help = ("Recompute the top-k trainee ↔ vacancy candidate lists (consenting trainees, open vacancies) "
            "and replace the stored lists in one transaction.")

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=K, help="Candidates kept per vacancy and trainee.")

    def handle(self, *args, k, **options):
        if k < 1:
            self.stderr.write("--k must be at least 1")
            raise SystemExit(2)
        report = services.rebuild_candidates(k)
        for line in report.lines():
            self.stdout.write(line)
