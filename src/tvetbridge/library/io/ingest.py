"""Bulk statement ingest: a file of statements (a JSON array, or one statement per line) stored in
batches through the same path as the LRS resource, so validation, voiding, activity definitions
and learning records behave exactly as for statements posted one request at a time.

Each batch is all-or-nothing, as a POST of that batch would be; a bad statement stops the ingest and
names its line, with the batches before it stored.

Given the file's bytes (``source``), a statement without an id gets one derived from the file's
SHA-256 and its line, so running the same file again (a job requeued after its worker died, or the
same export uploaded twice) stores nothing twice and counts no learning hours twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tvetbridge.library.models import LrsClient
from tvetbridge.library.xapi.http import XapiError
from tvetbridge.library.xapi.services import prepare_batch, store_statements

# Namespace of the ids derived for statements of ingested files (uuid5 over "<sha256>:<line>").
INGEST_NAMESPACE = uuid.UUID("6f1c9a52-2b7e-5d0a-9c43-8e5d1f2a7b60")

BATCH = 100


@dataclass
class IngestResult:
    stored: int = 0
    batches: int = 0
    error: str = ""
    error_line: int | None = None


def read_statements(data: bytes) -> Iterator[tuple[int, dict]]:
    """(line number, statement) pairs from a JSON array or newline-delimited JSON."""
    try:
        text = data.decode("utf-8").lstrip()
    except UnicodeDecodeError as exc:
        raise XapiError(400, f"the file is not UTF-8 text (byte {exc.start})") from exc
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise XapiError(400, f"the JSON array is not valid JSON ({exc})") from exc
        yield from enumerate(items, start=1)
        return
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield i, json.loads(line)
            except ValueError as exc:
                raise XapiError(400, f"line {i}: not valid JSON ({exc})") from exc


def _culprit(chunk: list[dict], lines: list[int], version: str) -> tuple[int | None, str | None]:
    """The line of the first statement of a refused batch that is invalid on its own, with the
    reason; (None, None) when the batch failed as a whole (e.g. a conflict with stored statements)."""
    for line, st in zip(lines, chunk, strict=True):
        try:
            prepare_batch([st], version=version)
        except XapiError as exc:
            return line, exc.message.replace("statement[0]", "statement", 1)
    return None, None


def ingest(client: LrsClient, statements: Iterable[tuple[int, dict]] | Iterable[dict], *, version: str = "2.0",
           batch: int = BATCH, progress=None, source: bytes | None = None) -> IngestResult:
    result = IngestResult()
    chunk: list[dict] = []
    lines: list[int] = []
    digest = hashlib.sha256(source).hexdigest() if source is not None else None

    def flush() -> bool:
        try:
            result.stored += len(store_statements(client, chunk, version=version))
        except XapiError as exc:
            line, reason = _culprit(chunk, lines, version)
            result.error = reason or exc.message
            result.error_line = line if line is not None else (lines[0] if lines else None)
            return False
        result.batches += 1
        if progress is not None:
            progress(result.stored)
        chunk.clear()
        lines.clear()
        return True

    for n, item in enumerate(statements, start=1):
        line, st = item if isinstance(item, tuple) else (n, item)
        if digest is not None and isinstance(st, dict) and "id" not in st:
            st = {**st, "id": str(uuid.uuid5(INGEST_NAMESPACE, f"{digest}:{line}"))}
        chunk.append(st)
        lines.append(line)
        if len(chunk) >= batch and not flush():
            return result
    if chunk:
        flush()
    return result
