"""Uploaded files, bounded before anything parses them.

Every importer takes its file through these checks, in this order, each cheap enough to run on
any upload:

1. the byte size (``check_size``), before the file is read into memory;
2. for XLSX, the archive's own directory (``check_xlsx_archive``): an XLSX is a zip whose entries
   may expand a thousandfold (a 2.4 MB file holding a 554 MB sheet). The central directory states
   each entry's expanded size, and Python's ``zipfile`` never yields more than it states, so
   summing those sizes and their ratios bounds what openpyxl will ever decompress; it reads only the
   directory at the end of the file, in milliseconds;
3. rows, counted while the file streams (``RowCounter``), so a file of tiny rows stops at the cap.

Uploads that pass are kept as a ``StoredUpload`` under ``VAR_DIR/imports`` when a confirmation or a
background job must read them again: the job receives the upload's token, not the bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import secrets
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook


class FileRefused(ValueError):
    """The file as a whole cannot or may not be read; the message says why, for the uploader."""


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def megabytes(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def check_size(size: int, filename: str) -> None:
    if size > max_upload_bytes():
        raise FileRefused(_("%(file)s is larger than %(size)s MB, the most one upload may hold.")
                          % {"file": filename, "size": megabytes(max_upload_bytes())})


def check_xlsx_archive(data: bytes, filename: str) -> None:
    """Refuse an XLSX whose entries would expand beyond the limits, reading only the zip directory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(_("%(file)s is not a readable XLSX workbook (%(error)s).")
                          % {"file": filename, "error": exc.__class__.__name__}) from None
    entries = archive.infolist()
    if len(entries) > settings.XLSX_MAX_ENTRIES:
        raise FileRefused(_("%(file)s holds %(count)d parts; a workbook may hold at most %(limit)d.")
                          % {"file": filename, "count": len(entries), "limit": settings.XLSX_MAX_ENTRIES})
    expanded = sum(entry.file_size for entry in entries)
    if expanded > settings.XLSX_MAX_EXPANDED_BYTES:
        raise FileRefused(_("%(file)s expands to %(expanded)s MB when opened, more than the %(limit)s MB "
                            "allowed. Split it into smaller files or upload it as CSV.")
                          % {"file": filename, "expanded": megabytes(expanded),
                             "limit": megabytes(settings.XLSX_MAX_EXPANDED_BYTES)})
    for entry in entries:
        # Small parts may compress extremely well (an empty style sheet); only large ones can hurt.
        if entry.file_size > settings.XLSX_RATIO_FLOOR_BYTES and \
                entry.file_size > settings.XLSX_MAX_RATIO * max(entry.compress_size, 1):
            raise FileRefused(_("%(file)s is compressed %(ratio)d times over in “%(part)s”, far beyond any "
                                "real spreadsheet; it was not opened.")
                              % {"file": filename, "ratio": entry.file_size // max(entry.compress_size, 1),
                                 "part": entry.filename})


@contextlib.contextmanager
def xlsx_rows(data: bytes, filename: str) -> Iterator[Iterator[tuple]]:
    """The first sheet's rows (cell values) of a workbook checked against the expansion limits; the
    workbook is closed when the block ends."""
    check_xlsx_archive(data, filename)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(_("%(file)s is not a readable XLSX workbook (%(error)s).")
                          % {"file": filename, "error": exc.__class__.__name__}) from None
    try:
        sheet = book.worksheets[0]
        # The sheet's stated dimension would pad every row to its width (a forged A1:XFD1 is 16,384
        # cells a row); rows as stored carry only their own cells.
        sheet.reset_dimensions()
        yield sheet.iter_rows(values_only=True)
    finally:
        book.close()


class RowCounter:
    """Counts data rows as they stream and stops the read at the platform's row cap."""

    def __init__(self, filename: str):
        self.filename = filename
        self.count = 0
        self.limit = max_rows()

    def add(self) -> None:
        self.add_many(1)

    def add_many(self, n: int) -> None:
        self.count += n
        if self.count > self.limit:
            raise FileRefused(_("%(file)s has more than %(limit)s data rows; split it into smaller files.")
                              % {"file": self.filename, "limit": f"{self.limit:,}"})


@dataclass(frozen=True)
class StoredUpload:
    """An upload kept on disk between its check and its import, e.g. for a background job."""

    token: str
    filename: str
    sha256: str

    @property
    def path(self) -> Path:
        return upload_dir() / self.token

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def size(self) -> int:
        return self.path.stat().st_size

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def as_dict(self) -> dict:
        """JSON-able, for a job's arguments or the session."""
        return {"token": self.token, "filename": self.filename, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict) -> StoredUpload:
        token = str(data.get("token", ""))
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            raise FileRefused(_("That upload has expired; please upload the file again."))
        return cls(token, str(data.get("filename", "")), str(data.get("sha256", "")))


def upload_dir() -> Path:
    root = Path(settings.VAR_DIR) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_upload(data: bytes, filename: str) -> StoredUpload:
    stored = StoredUpload(secrets.token_urlsafe(16), filename, hashlib.sha256(data).hexdigest())
    stored.path.write_bytes(data)
    return stored


def purge_uploads(older_than: dt.timedelta) -> int:
    """Remove kept uploads older than ``older_than`` (confirmed, abandoned or imported); their count."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
