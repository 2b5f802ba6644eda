"""`tvetbridge` console script: the platform's management commands under one name.

    tvetbridge demo                 migrate, load the demo dataset, serve on 127.0.0.1:8000
    tvetbridge generate --scale national
    tvetbridge import institutions file.xlsx [--dry-run]
    tvetbridge export projects out.csv
    tvetbridge <any Django management command>
"""

from __future__ import annotations

import os
import sys

ALIASES = {"import": "import_records", "export": "export_records"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    # django-import-export registers its own `import`/`export` commands; ours have distinct names.
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    execute_from_command_line(["tvetbridge", *args])


if __name__ == "__main__":
    main()
