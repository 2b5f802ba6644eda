from django.core.management.base import BaseCommand

from tvetbridge.outcomes.flags import evaluate_all


class Command(BaseCommand):
    help = "Run the quality rules on every project with trainee records (e.g. nightly)."

    def handle(self, **options):
        self.stdout.write(f"{evaluate_all()} open quality flags")
