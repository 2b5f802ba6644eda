"""Load a file of xAPI statements (a JSON array or one statement per line) into the LRS for a client."""

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.library.models import LrsClient
from tvetbridge.library.tasks import InlineJob, ingest_statements


class Command(BaseCommand):
    help = "Store a file of xAPI statements for an LRS client, in batches of 100 (each all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--client", required=True, help="the client's key")
        parser.add_argument("--xapi-version", choices=["2.0", "1.0"], default="2.0")

    def handle(self, *args, path, client, xapi_version, **options):
        found = LrsClient.objects.filter(key=client).first()
        if found is None:
            raise CommandError(f"No LRS client with the key {client!r}.")
        result = ingest_statements(InlineJob("library.ingest_statements"), client_id=found.pk, path=path,
                                   version=xapi_version)
        self.stdout.write(f"stored {result['stored']} statements in {result['batches']} batches")
        if result["error"]:
            raise CommandError(f"stopped at line {result['error_line']}: {result['error']}")
