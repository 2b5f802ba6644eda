"""`tvetbridge worker`: run background jobs until stopped (see tvetbridge.core.worker)."""

import logging

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from tvetbridge.core.worker import Supervisor


class Command(BaseCommand):
    help = "Run background jobs: claim queued tasks, run each in a child process, requeue lost work."

    def add_arguments(self, parser):
        parser.add_argument("--queues", default="*", help="Comma-separated queue names, or * for all.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls when idle.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--worker-id", default=None, help="Unique name of this worker (default: random).")

    def handle(self, *args, queues, interval, max_tasks, batch, worker_id, verbosity, **options):
        logging.getLogger("tvetbridge.core").setLevel(logging.INFO if verbosity > 1 else logging.WARNING)
        worker_id = worker_id or get_random_string(24)
        if verbosity:
            self.stdout.write(f"worker {worker_id} started")
        done = Supervisor(worker_id=worker_id, queues=[q for q in queues.split(",") if q], interval=interval,
                          max_tasks=max_tasks, batch=batch).run()
        if verbosity:
            self.stdout.write(f"worker {worker_id} stopped after {done} task(s)")
