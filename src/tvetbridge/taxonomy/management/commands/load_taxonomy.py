from django.core.management.base import BaseCommand

from tvetbridge.taxonomy.services import load_taxonomy


class Command(BaseCommand):
    help = "Load ISCO-08, ESCO v1.1.1 occupations, skills and relations, and CSCO 2022 (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--isco", nargs="*", metavar="PREFIX",
                            help="Only occupations in these ISCO-08 groups (e.g. 72 83), with their skills.")
        parser.add_argument("--no-csco", action="store_true", help="Skip the Chinese classification.")
        parser.add_argument("--warm-coder", action="store_true",
                            help="Also build (and cache) the free-text coder index now, not on first use.")

    def handle(self, *args, isco=None, no_csco=False, warm_coder=False, **options):
        report = load_taxonomy(isco_prefixes=isco or None, csco=not no_csco)
        self.stdout.write(str(report))
        if warm_coder:
            from tvetbridge.taxonomy.services import coders, encoder_name

            coders()
            self.stdout.write(f"coder index ready ({encoder_name()})")
