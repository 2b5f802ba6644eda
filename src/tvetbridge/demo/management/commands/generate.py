import time

from django.core.management.base import BaseCommand

from tvetbridge.demo.generator import SCALES, generate


class Command(BaseCommand):
    help = ("Fill the registry with seeded synthetic data at 'small' (5 %) or 'national' scale. "
            "Replaces earlier synthetic rows; real rows are never touched.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, scale, seed, **options):
        started = time.perf_counter()
        report = generate(scale=scale, seed=seed)
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - started:.1f} s"))
