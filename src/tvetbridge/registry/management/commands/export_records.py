"""`tvetbridge export_records KIND OUT.xlsx|OUT.csv [--country KZ] [--record-kind ...] [-q TEXT]`: write registry records."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tvetbridge.registry import io
from tvetbridge.registry.management.acting_user import acting_user


class Command(BaseCommand):
    help = "Export institutions, programmes, enterprises or projects to CSV or XLSX (by the file's extension)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=io.KINDS)
        parser.add_argument("out", type=Path)
        parser.add_argument("--country", help="ISO 3166-1 alpha-2 code")
        parser.add_argument("--record-kind", dest="record_kind", help="kind (institutions, projects) or sector")
        parser.add_argument("-q", dest="q", help="text to look for in names and external keys")
        parser.add_argument("--language", default="en", help="language of the column headers (en, zh-hans, ru, kk)")
        parser.add_argument("--user", help="export as this user, with their permissions")

    def handle(self, *args, kind, out, country, record_kind, q, language, user, **options):
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in io.FORMATS:
            raise CommandError("The output file must end in .csv or .xlsx.")
        actor = acting_user(user)
        params = {"country": country or "", "kind": record_kind or "", "q": q or ""}
        try:
            with translation.override(language):
                exported = io.export_file(actor, kind, fmt, params)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        out.write_bytes(exported.content)
        self.stdout.write(self.style.SUCCESS(f"Wrote {out}."))
