import time

from django.core.management.base import BaseCommand

from tvetbridge.demo import matching_generator
from tvetbridge.demo.generator import SCALES, generate

# Trainees and vacancies with ESCO skill sets per scale, for the candidate lists (issue 3 part 7).
MATCHING_SIZES = {"small": (50_000, 10_000), "national": (1_000_000, 200_000)}


class Command(BaseCommand):
    help = ("Fill the registry with seeded synthetic data at 'small' (5 %) or 'national' scale. "
            "Replaces earlier synthetic rows; real rows are never touched. With --trainees/--vacancies "
            "(or --matching for the scale's sizes) also trainees and vacancies with ESCO skill sets.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--matching", action="store_true",
                            help="Also generate the scale's trainees and vacancies with skills "
                                 "(small 50,000 × 10,000; national 1,000,000 × 200,000).")
        parser.add_argument("--trainees", type=int, default=0, help="Trainees with skills to generate.")
        parser.add_argument("--vacancies", type=int, default=0, help="Open vacancies with skills to generate.")
        parser.add_argument("--skip-registry", action="store_true",
                            help="Leave the synthetic registry as it is; only (re)generate trainees and vacancies.")

    def handle(self, *args, scale, seed, matching, trainees, vacancies, skip_registry, **options):
        started = time.perf_counter()
        if not skip_registry:
            report = generate(scale=scale, seed=seed)
            for line in report.lines():
                self.stdout.write(line)
        if matching and not (trainees or vacancies):
            trainees, vacancies = MATCHING_SIZES[scale]
        if trainees < 0 or vacancies < 0:
            self.stderr.write("--trainees and --vacancies must be >= 0")
            raise SystemExit(2)
        if trainees or vacancies:
            made = matching_generator.generate(trainees=trainees, vacancies=vacancies, seed=seed)
            self.stdout.write("trainees and vacancies with skills: " + ", ".join(f"{k} {v}" for k, v in made.items()))
        self.stdout.write(self.style.SUCCESS(f"done in {time.perf_counter() - started:.1f} s"))
