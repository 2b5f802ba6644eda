"""`tvetbridge import_records KIND FILE [--dry-run] [--user USERNAME]`: load registry records from CSV or XLSX.

Named import_records because django-import-export already ships `import` and `export` commands, and
the first app in INSTALLED_APPS wins; the console script maps `tvetbridge import` here.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.registry import io
from tvetbridge.registry.management.acting_user import acting_user


class Command(BaseCommand):
    help = "Import institutions, programmes, enterprises or projects from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=io.KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and show what would change; save nothing.")
        parser.add_argument("--user", help="Act as this user, with their permissions, and record them in the audit "
                                           "trail. Without it the import runs with full rights and no named user.")

    def handle(self, *args, kind, file, dry_run, user, verbosity, **options):
        actor = acting_user(user)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        result = io.import_file(actor, kind, data, file.name, dry_run=dry_run)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if verbosity >= 2:
            for outcome in result.outcomes:
                changes = f" ({', '.join(outcome.changes)})" if outcome.changes else ""
                self.stdout.write(f"row {outcome.row}\t{outcome.external_key}\t{outcome.action}{changes}")
        counts = result.counts
        summary = (f"{kind}: {counts['create']} new, {counts['update']} changed, "
                   f"{counts['unchanged']} unchanged, {counts['error']} with errors")
        if not result.ok:
            for error in result.errors:
                where = f"row {error.row}" if error.row is not None else file.name
                column = f", {error.column}" if error.column else ""
                self.stderr.write(f"{where}{column}: {error.message}")
            raise CommandError(f"{summary}. Nothing was saved: {len(result.errors)} error(s).")
        if dry_run:
            self.stdout.write(f"{summary}. Dry run: nothing was saved.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Saved."))
