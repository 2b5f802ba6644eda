from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tvetbridge.outcomes.io.records import KINDS
from tvetbridge.outcomes.services import import_file


class Command(BaseCommand):
    help = "Import trainees, enrolments, employment or incomes from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--user", help="Act as this user (their permissions apply).")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, kind, file, user=None, dry_run=False, **options):
        actor = get_user_model().objects.get(username=user) if user else None
        path = Path(file)
        result = import_file(actor, kind, path.read_bytes(), path.name, dry_run=dry_run)
        for e in result.errors:
            self.stderr.write(f"row {e.row if e.row is not None else '-'}, {e.column}: {e.message}")
        if result.errors:
            raise CommandError(f"{result.error_count} problems; nothing was imported")
        self.stdout.write(f"{result.rows} rows: {result.created} added, {result.updated} changed, "
                          f"{result.unchanged} unchanged{' (dry run)' if dry_run else ''}")
