"""`tvetbridge credentials_client`: provision a machine client that issues credentials through the
VC-API as one institution — a staff account of that institution, its issuer identity (with a key) and
an API token. Writes ``issuer.did`` and ``token`` into ``--out`` (mode 600), for a deployment's
integration or for the W3C conformance suites.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tvetbridge.core.models import Country, Profile, Role
from tvetbridge.core.tokens import issue_token
from tvetbridge.credentials import issuing
from tvetbridge.registry.models import Institution


class Command(BaseCommand):
    help = "Provision a VC-API client: a staff account, the institution's issuer key, an API token."

    def add_arguments(self, parser):
        parser.add_argument("--institution", required=True, help="External key of the institution.")
        parser.add_argument("--create", metavar="NAME",
                            help="Create the institution with this name when it does not exist (synthetic).")
        parser.add_argument("--country", default="KZ", help="Country of an institution created here.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--method", choices=["key", "web"], default="key")
        parser.add_argument("--out", required=True, type=Path, help="Folder for issuer.did and token.")

    @transaction.atomic
    def handle(self, *args, institution, create, country, username, method, out, **options):
        inst = Institution.objects.filter(external_key=institution).first()
        if inst is None:
            if not create:
                raise CommandError(f"No institution with external key {institution!r} (use --create NAME).")
            country_row = Country.objects.filter(code=country).first()
            if country_row is None:
                raise CommandError(f"Unknown country {country!r}; load the reference data first.")
            inst = Institution.objects.create(external_key=institution, name=create, kind="college",
                                              country=country_row, is_synthetic=True)
        user, _created = User.objects.get_or_create(username=username)
        Profile.objects.update_or_create(user=user, defaults={"role": Role.INSTITUTION_STAFF, "institution": inst})
        user = User.objects.select_related("profile").get(pk=user.pk)
        profile = issuing.ensure_issuer(user, inst, method=method)
        _token, key = issue_token(user, f"VC-API client {username}")
        out.mkdir(parents=True, exist_ok=True)
        for name, value in (("issuer.did", issuing.current_did(profile)), ("token", key)):
            path = out / name
            path.write_text(value, encoding="utf-8")
            os.chmod(path, 0o600)
        self.stdout.write(f"issuer {issuing.current_did(profile)} for {inst.name}; token written to {out / 'token'}")
