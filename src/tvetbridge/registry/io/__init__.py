"""Import and export of registry records (institutions, programmes, enterprises, projects).

The public entry points for pages, the command line and the API:

- ``import_file(user, kind, data, filename, dry_run=...)`` validates a CSV or XLSX file row by row and
  writes it all or not at all (``io.importer``); ``start_import`` queues a large confirmed upload
  as a background job (``registry.tasks``);
- ``export_file(user, kind, fmt, params)`` writes the records a user may export (``io.export``);
- ``SPECS`` / ``KINDS`` describe the columns of each kind (``io.columns``);
- ``Importer``, ``Row`` and ``run_import`` are the extension point for other apps' imports: a ``Spec``
  of their own columns and, where needed, an ``Importer`` subclass using its documented hooks
  (``io.importer``; ``demand.io`` is one).
"""

from __future__ import annotations

from .columns import KINDS, SPECS, kind_label
from .export import ExportFile, export_file, export_queryset, export_rows
from .files import FORMATS
from .importer import (
    Importer,
    ImportResult,
    Row,
    RowError,
    RowOutcome,
    import_file,
    import_stored,
    importable_kinds,
    run_import,
    runs_in_background,
    start_import,
)

__all__ = ["FORMATS", "KINDS", "SPECS", "ExportFile", "ImportResult", "Importer", "Row", "RowError", "RowOutcome",
           "export_file", "export_queryset", "export_rows", "import_file", "import_stored", "importable_kinds",
           "kind_label", "run_import", "runs_in_background", "start_import"]
