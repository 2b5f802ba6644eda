"""`tvetbridge backup DIR`: a consistent copy of the whole database with a checksum manifest."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.core import backup


class Command(BaseCommand):
    help = ("Back up the database into a new directory: pg_dump (custom format) on PostgreSQL, SQLite's "
            "online backup API on SQLite, with manifest.json listing every table's rows and checksum.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A new (or empty) directory for the backup.")

    def handle(self, *args, directory: Path, **options):
        started = time.perf_counter()
        try:
            manifest = backup.backup(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        size = (directory / manifest["file"]).stat().st_size
        self.stdout.write(f"{len(manifest['tables'])} tables, {manifest['total_rows']:,} rows, "
                          f"{size / 2**20:,.1f} MB in {directory} ({time.perf_counter() - started:.1f} s)")
