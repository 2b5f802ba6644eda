"""Bulk statement ingest: a file of statements (a JSON array, or one statement per line) stored in
batches through the same path as the LRS resource, so validation, voiding, activity definitions
and learning records behave exactly as for statements posted one request at a time.

Each batch is all-or-nothing, as a POST of that batch would be; a bad statement stops the ingest and
names its line, with the batches before it stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tvetbridge.library.models import LrsClient
from tvetbridge.library.xapi.http import XapiError
from tvetbridge.library.xapi.services import store_statements

BATCH = 100


@dataclass
class IngestResult:
    stored: int = 0
    batches: int = 0
    error: str = ""
    error_line: int | None = None


def read_statements(data: bytes) -> Iterator[tuple[int, dict]]:
    """(line number, statement) pairs from a JSON array or newline-delimited JSON."""
    text = data.decode("utf-8").lstrip()
    if text.startswith("["):
        for i, st in enumerate(json.loads(text), start=1):
            yield i, st
        return
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield i, json.loads(line)
            except ValueError as exc:
                raise XapiError(400, f"line {i}: not valid JSON ({exc})") from exc


def ingest(client: LrsClient, statements: Iterable[tuple[int, dict]] | Iterable[dict], *, version: str = "2.0",
           batch: int = BATCH, progress=None) -> IngestResult:
    result = IngestResult()
    chunk: list[dict] = []
    lines: list[int] = []

    def flush() -> bool:
        try:
            result.stored += len(store_statements(client, chunk, version=version))
        except XapiError as exc:
            result.error = exc.message
            result.error_line = lines[0] if lines else None
            return False
        result.batches += 1
        if progress is not None:
            progress(result.stored)
        chunk.clear()
        lines.clear()
        return True

    for n, item in enumerate(statements, start=1):
        line, st = item if isinstance(item, tuple) else (n, item)
        chunk.append(st)
        lines.append(line)
        if len(chunk) >= batch and not flush():
            return result
    if chunk:
        flush()
    return result
