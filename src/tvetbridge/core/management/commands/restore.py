"""`tvetbridge restore DIR [--force]`: restore a backup and prove every table matches its manifest."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.core import backup


class Command(BaseCommand):
    help = ("Restore a backup made by `tvetbridge backup` into the configured database, then compare every "
            "table's row count and checksum with the manifest. Refuses a database that holds rows unless "
            "--force is given.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="Replace the contents of a database that is not empty.")
        parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                            help="Parallel pg_restore jobs (PostgreSQL).")

    def handle(self, *args, directory: Path, force: bool, jobs: int, **options):
        started = time.perf_counter()
        try:
            restored = backup.restore(directory, force=force, jobs=max(1, jobs))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{restored.tables} tables, {restored.rows:,} rows restored and checked against "
                          f"the manifest ({time.perf_counter() - started:.1f} s)")
