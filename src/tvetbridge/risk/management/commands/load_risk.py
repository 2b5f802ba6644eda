"""`tvetbridge load_risk`: INFORM 2021 reference data and the last quarters' scores (idempotent)."""

from django.core.management.base import BaseCommand

from tvetbridge.risk.services import load_reference_risk


class Command(BaseCommand):
    help = "Load the shipped INFORM 2021 data and compute country risk for the last quarters."

    def add_arguments(self, parser):
        parser.add_argument("--quarters", type=int, default=4, help="Quarters to compute, ending with the current one.")

    def handle(self, *args, quarters, **options):
        result = load_reference_risk(quarters=quarters)
        self.stdout.write(f"INFORM 2021: {result['inform']}")
        self.stdout.write(f"scores computed for {', '.join(result['periods'])}; {result['alerts']} new alert(s)")
