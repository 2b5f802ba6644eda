"""Create (or re-key) an LRS client credential from the command line: for provisioning, such as the
conformance run, where no staff member is signed in to use the clients page."""

from django.core.management.base import BaseCommand, CommandError

from tvetbridge.library import services
from tvetbridge.library.models import LrsClient
from tvetbridge.registry.models import Institution


class Command(BaseCommand):
    help = "Create or update an xAPI LRS client credential (HTTP basic key and secret)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--key", help="the basic-auth user name; generated when omitted")
        parser.add_argument("--secret", help="the basic-auth password; generated when omitted")
        parser.add_argument("--scope", choices=[s.value for s in LrsClient.Scope], default=LrsClient.Scope.ALL)
        parser.add_argument("--xapi-version", choices=["2.0", "1.0"], default="2.0",
                            help="the version to answer requests that do not declare one")
        parser.add_argument("--institution", help="external key of the owning institution")

    def handle(self, *args, name, key, secret, scope, institution, xapi_version, **options):
        inst = None
        if institution:
            inst = Institution.objects.filter(external_key=institution).first()
            if inst is None:
                raise CommandError(f"No institution with the external key {institution!r}.")
        client, secret = services.provision_client(name=name, key=key, secret=secret, scope=scope, institution=inst,
                                                 xapi_version=xapi_version)
        self.stdout.write(f"key: {client.key}\nsecret: {secret}\n")
