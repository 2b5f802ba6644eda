from django.core.management.base import BaseCommand

from tvetbridge.demo.outcomes import generate
from tvetbridge.outcomes.flags import evaluate_all


class Command(BaseCommand):
    help = "Generate synthetic trainees, jobs and incomes for the real demo projects, then run the quality rules."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--per-project", type=int, default=120)

    def handle(self, seed, per_project, **options):
        totals = generate(seed=seed, per_project=per_project)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in totals.items()))
        self.stdout.write(f"{evaluate_all()} open quality flags")
