"""Canonical forms: RDF Dataset Canonicalization (RDFC-1.0, the URDNA2015 algorithm) through pyld over
the shipped contexts only, and the JSON Canonicalization Scheme (RFC 8785) through ``rfc8785``.

Losslessness (VC Data Integrity §2.4.1): a JSON-LD processor silently drops a property whose term no
context defines, and a relative ``@id`` or ``@type`` has no place in RDF. A signature over what is left
would "verify" a document carrying claims it never signed, so either case is an error here, raised
before anything is hashed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import rfc8785
from pyld import jsonld

from .errors import ContextNotShipped, CredentialError

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@functools.cache
def shipped_files() -> dict[str, bytes]:
    """URL → the bytes of the shipped file that stands for it (``credentials/data/contexts``)."""
    folder = resources.files("tvetbridge.credentials") / "data" / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {url: (folder / name).read_bytes() for url, name in manifest.items()}


@functools.cache
def shipped_contexts() -> dict[str, Any]:
    """URL → parsed context document, read once."""
    return {url: json.loads(body) for url, body in shipped_files().items()}


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves shipped contexts and refuses every other URL."""
    document = shipped_contexts().get(url)
    if document is None:
        raise ContextNotShipped(url)
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _options() -> dict[str, Any]:
    # base None: relative IRIs stay relative (and are then refused) instead of resolving against a
    # made-up base, as Data Integrity requires when deserializing to RDF.
    return {"documentLoader": document_loader, "base": None}


def _unwrap(exc: BaseException) -> CredentialError | None:
    """The CredentialError pyld wrapped (it wraps loader errors several levels deep), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CredentialError):
            return current
        details = getattr(current, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        current = cause if isinstance(cause, BaseException) else (current.__cause__ or current.__context__)
    return None


def _check_absolute(node: Any, path: str = "") -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_absolute(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id" and isinstance(value, str) and not (value.startswith("_:") or _ABSOLUTE_IRI.match(value)):
            raise CredentialError("relative_iri", f"The identifier {value!r} is not an absolute URL.", value=value)
        if key == "@type" and "@value" not in node:
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, str) and not (t.startswith("_:") or _ABSOLUTE_IRI.match(t)):
                    raise CredentialError("undefined_type", f"The type {t!r} is not defined by any context.",
                                          value=t)
        elif isinstance(value, (dict, list)):
            _check_absolute(value, f"{path}.{key}")


class _CheckedProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """A pyld processor whose expansion refuses lossy documents. ``normalize`` expands through this
    method, so canonicalization checks and expands a document once, not twice."""

    def __init__(self) -> None:
        self.dropped: list[str | None] = []
        super().__init__(on_property_dropped=self.dropped.append)

    def expand(self, input_: Any, options: dict[str, Any]) -> list[Any]:
        expanded: list[Any] = super().expand(input_, options)
        if self.dropped:
            raise CredentialError("undefined_term", f"The term {self.dropped[0]!r} is not defined by any context of "
                                  "the document, so it would not be signed.", term=str(self.dropped[0]))
        _check_absolute(expanded)
        return expanded


def _run(step: Callable[[], Any], what: str) -> Any:
    try:
        return step()
    except jsonld.JsonLdError as exc:
        inner = _unwrap(exc)
        if inner is not None:
            raise inner from exc
        raise CredentialError("jsonld_error", f"The document {what}: {exc}", detail=str(exc)[:300]) from exc
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # pyld trips over some invalid contexts (e.g. "@vocab": null with no vocabulary set) with plain
        # Python errors; they are invalid input all the same, never a server error.
        if isinstance(exc, CredentialError):
            raise
        raise CredentialError("jsonld_error", "The document's JSON-LD contexts cannot be processed.",
                              detail=f"{type(exc).__name__}: {exc}"[:300]) from exc


def expand(document: dict[str, Any]) -> list[Any]:
    """JSON-LD expansion that raises on dropped properties and relative identifiers or types."""
    expanded: list[Any] = _run(lambda: _CheckedProcessor().expand(document, _options()), "is not valid JSON-LD")
    return expanded


def rdfc(document: dict[str, Any]) -> str:
    """Canonical N-Quads (RDFC-1.0) of a JSON-LD document, refusing lossy documents."""
    options = {**_options(), "algorithm": "URDNA2015", "format": "application/n-quads"}
    return str(_run(lambda: _CheckedProcessor().normalize(document, options), "cannot be canonicalized"))


def jcs(document: Any) -> bytes:
    """RFC 8785 canonical JSON bytes."""
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CredentialError("jcs_error", f"The document cannot be canonicalized as JSON: {exc}",
                              detail=str(exc)[:300]) from exc
