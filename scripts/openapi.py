"""Print the REST API's OpenAPI document, to compare before and after a change.

    .venv/bin/python scripts/openapi.py > /tmp/before.json   # on the old tree
    .venv/bin/python scripts/openapi.py | cmp - /tmp/before.json

A move or refactoring must leave it byte-for-byte the same; only an operation added on purpose may
change it. The document is rendered in English with the project's settings, without a database.
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    django.setup()
    from django.utils import translation

    from tvetbridge.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema()
    json.dump(schema, sys.stdout, indent=1, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
