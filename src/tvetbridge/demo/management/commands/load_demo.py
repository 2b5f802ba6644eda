from django.core.management.base import BaseCommand

from tvetbridge.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the real demo dataset from the seed documents, each figure with its source (idempotent)."

    def handle(self, *args, **options):
        for line in load_demo().lines():
            self.stdout.write(line)
