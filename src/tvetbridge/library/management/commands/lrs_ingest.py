"""Load a file of xAPI statements (a JSON array or one statement per line) into the LRS for a client."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tvetbridge.core import jobs
from tvetbridge.core.models import Job
from tvetbridge.core.services import system_user
from tvetbridge.library.models import LrsClient
from tvetbridge.library.services import start_statement_ingest


class Command(BaseCommand):
    help = ("Store a file of xAPI statements for an LRS client, in batches of 100 (each all or nothing), as a "
            "library.ingest_statements job: run here, or with --background by a worker.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--client", required=True, help="the client's key")
        parser.add_argument("--xapi-version", choices=["2.0", "1.0"], default="2.0")
        parser.add_argument("--background", action="store_true", help="queue the job for a worker and return")

    def handle(self, *args, path, client, xapi_version, background, **options):
        found = LrsClient.objects.filter(key=client).first()
        if found is None:
            raise CommandError(f"No LRS client with the key {client!r}.")
        try:
            with open(path, "rb") as fh:
                job = start_statement_ingest(system_user(), found, fh, version=xapi_version)
        except (OSError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        if background:
            self.stdout.write(f"queued job {job.pk}")
            return
        jobs.run_job(job.pk)  # the queued task finds the job ended and leaves it alone
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"job {job.pk} {job.status}: {job.error}")
        self.stdout.write(f"stored {job.result['stored']} statements in {job.result['batches']} batches")
