from django.core.management.base import BaseCommand

from tvetbridge.core.reference import load_reference


class Command(BaseCommand):
    help = "Load or refresh reference data: countries, regions, languages, ISCED-F 2013 fields (idempotent)."

    def handle(self, *args, **options):
        for name, result in load_reference().items():
            self.stdout.write(f"{name}: {result}")
