"""The Verifiable Credentials Data Model (2.0, and 1.1 for older credentials) as checks on JSON:
what an issuer must refuse to sign and a verifier must refuse to accept, each failure a
``CredentialError`` naming the property at fault (``path``). JSON Schema validation of the Open
Badges 3.0 and VC 2.0 schemas shipped with the package is here too.

These checks are structural; whether every term is defined is decided by JSON-LD expansion at
canonicalization time (``canon.expand``), which is run on every document that is signed or verified.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from importlib import resources
from typing import Any

from .canon import _ABSOLUTE_IRI, shipped_files
from .dataintegrity import parse_datetime
from .errors import CredentialError

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
# dateTimeStamp: an xsd:dateTime that carries its offset (VC 2.0 validFrom/validUntil).
_HAS_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
MAX_DEPTH = 32


def _fail(code: str, message: str, path: str, **params: Any) -> CredentialError:
    return CredentialError(code, message, path=path, **params)


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_ABSOLUTE_IRI.match(value)) and not any(c.isspace() for c in value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_depth(document: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse documents nested deeper than ``limit`` (JSON-LD processing recurses per level)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise _fail("too_deep", f"The document is nested more than {limit} levels deep.", "", limit=limit)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def version_of(document: dict[str, Any], kind: str = "credential") -> str:
    contexts = document.get("@context")
    if contexts is None:
        raise _fail("no_context", f"A verifiable {kind} must have an @context.", "@context")
    contexts = as_list(contexts)
    if not contexts or contexts[0] not in (V2, V1):
        raise _fail("wrong_base_context", f"The first @context of a verifiable {kind} must be {V2} (or {V1}).",
                    "@context")
    for i, item in enumerate(contexts):
        if isinstance(item, str):
            if not is_url(item):
                raise _fail("bad_context", f"@context entry {item!r} is not a URL.", f"@context[{i}]", value=item[:100])
        elif not isinstance(item, dict):
            raise _fail("bad_context", "@context entries must be URLs or objects.", f"@context[{i}]")
    return "2.0" if contexts[0] == V2 else "1.1"


def _check_types(value: Any, required: str | None, path: str) -> None:
    if value is None:
        raise _fail("no_type", f"{path} must have a type.", path)
    types = as_list(value)
    if not types or not all(isinstance(t, str) and t for t in types):
        raise _fail("bad_type", f"{path} must be a string or a list of strings.", path)
    if required and required not in types:
        raise _fail("missing_type", f"{path} must include {required}.", path, required=required)


def _check_id(node: dict[str, Any], path: str, *, required: bool = False) -> None:
    if "id" not in node:
        if required:
            raise _fail("no_id", f"{path}.id is required.", f"{path}.id")
        return
    if not is_url(node["id"]):
        raise _fail("bad_id", f"{path}.id must be a single URL.", f"{path}.id", value=str(node["id"])[:100])


def _check_language_values(value: Any, path: str) -> None:
    """name / description: a string, a language value object, or a list of those."""
    for i, item in enumerate(as_list(value)):
        where = path if not isinstance(value, list) else f"{path}[{i}]"
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or not isinstance(item.get("@value"), str):
            raise _fail("bad_language_value", f"{where} must be a string or a language value object.", where)
        extra = set(item) - {"@value", "@language", "@direction"}
        if extra:
            raise _fail("bad_language_value", f"{where} has properties a language value cannot have: "
                        f"{', '.join(sorted(extra))}.", where)


def _check_typed_objects(document: dict[str, Any], name: str, *, id_required: bool = False) -> None:
    if name not in document:
        return
    values = as_list(document[name])
    if not values:
        raise _fail("empty_property", f"{name} must not be empty.", name)
    for i, item in enumerate(values):
        path = f"{name}[{i}]" if isinstance(document[name], list) else name
        if not isinstance(item, dict):
            raise _fail("not_an_object", f"{path} must be an object.", path)
        _check_types(item.get("type"), None, f"{path}.type")
        _check_id(item, path, required=id_required)


def _check_related(document: dict[str, Any]) -> None:
    if "relatedResource" not in document:
        return
    seen: set[str] = set()
    for i, item in enumerate(as_list(document["relatedResource"])):
        path = f"relatedResource[{i}]"
        if not isinstance(item, dict):
            raise _fail("not_an_object", f"{path} must be an object.", path)
        _check_id(item, path, required=True)
        if item["id"] in seen:
            raise _fail("duplicate_id", f"{path}.id repeats another related resource.", f"{path}.id")
        seen.add(item["id"])
        if "digestSRI" not in item and "digestMultibase" not in item:
            raise _fail("no_digest", f"{path} needs a digestSRI or a digestMultibase.", path)
        known = known_digests(item["id"])
        if not known:
            continue  # not retrievable without the network; nothing to compare against
        if "digestSRI" in item and not _sri_matches(str(item["digestSRI"]), known):
            raise _fail("digest_mismatch", f"{path}.digestSRI does not match the resource.", f"{path}.digestSRI")
        if "digestMultibase" in item and not _multibase_matches(str(item["digestMultibase"]), known):
            raise _fail("digest_mismatch", f"{path}.digestMultibase does not match the resource.",
                        f"{path}.digestMultibase")


# Digests the VC Data Model 2.0 Recommendation publishes for its base context (Appendix B.1), which a
# verifier can check without fetching it; the shipped copy's own digests are accepted as well.
PUBLISHED_DIGESTS = {
    V2: {"sha256": "24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9",
         "sha384": ("35239c36999d2155312091af194a1edb61634d6ad789a5e5b19f2aeb"
                   "dd762dd9d1dcaada40eda7ef921c6b8c0ae107a0")},
}


def known_digests(url: str) -> dict[str, set[bytes]]:
    out: dict[str, set[bytes]] = {}
    body = shipped_files().get(url)
    if body is not None:
        for name in ("sha256", "sha384", "sha512"):
            out.setdefault(name, set()).add(hashlib.new(name, body).digest())
    for name, hexdigest in PUBLISHED_DIGESTS.get(url, {}).items():
        out.setdefault(name, set()).add(bytes.fromhex(hexdigest))
    return out


def _sri_matches(value: str, known: dict[str, set[bytes]]) -> bool:
    for token in value.split():
        algorithm, _sep, digest = token.partition("-")
        try:
            raw = base64.b64decode(digest, validate=True)
        except ValueError:
            continue
        if raw in known.get(algorithm, set()):
            return True
    return False


def _multibase_matches(value: str, known: dict[str, set[bytes]]) -> bool:
    if not value.startswith("u"):
        return False
    try:
        raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
    except ValueError:
        return False
    if raw[:2] == b"\x12\x20":  # a sha2-256 multihash header
        raw = raw[2:]
    return raw in known.get("sha256", set())


def check_credential(document: Any, *, kind: str = "credential") -> str:
    """Structural checks of a (possibly unsecured) verifiable credential; returns its version."""
    if not isinstance(document, dict):
        raise _fail("not_an_object", "A verifiable credential must be a JSON object.", "")
    check_depth(document)
    version = version_of(document)
    _check_types(document.get("type"), "VerifiableCredential", "type")
    if "id" in document:
        _check_id(document, "credential")
    issuer = document.get("issuer")
    if issuer is None:
        raise _fail("no_issuer", "A verifiable credential must name its issuer.", "issuer")
    if isinstance(issuer, dict):
        if not is_url(issuer.get("id")):
            raise _fail("bad_issuer", "issuer.id must be a URL.", "issuer.id")
        for name in ("name", "description"):
            if name in issuer:
                _check_language_values(issuer[name], f"issuer.{name}")
    elif not is_url(issuer):
        raise _fail("bad_issuer", "issuer must be a URL or an object with an id URL.", "issuer",
                    value=str(issuer)[:100])
    for name in ("name", "description"):
        if name in document:
            _check_language_values(document[name], name)
    subjects = document.get("credentialSubject")
    if subjects is None:
        raise _fail("no_subject", "A verifiable credential must have a credentialSubject.", "credentialSubject")
    subject_list = as_list(subjects)
    if not subject_list:
        raise _fail("no_subject", "credentialSubject must not be empty.", "credentialSubject")
    for i, subject in enumerate(subject_list):
        path = f"credentialSubject[{i}]" if isinstance(subjects, list) else "credentialSubject"
        if not isinstance(subject, dict) or not subject:
            raise _fail("empty_subject", f"{path} must be an object with at least one claim.", path)
        _check_id(subject, path)
    if version == "2.0":
        valid_from = valid_until = None
        for name in ("validFrom", "validUntil"):
            if name in document:
                value = document[name]
                parsed = parse_datetime(value, name=name)
                if not _HAS_OFFSET.search(value):
                    raise _fail("bad_datetime", f"{name} must carry a time zone (Z or ±hh:mm).", name)
                if name == "validFrom":
                    valid_from = parsed
                else:
                    valid_until = parsed
        if valid_from and valid_until and valid_until < valid_from:
            raise _fail("bad_validity", "validUntil is before validFrom.", "validUntil")
    else:
        if "issuanceDate" not in document:
            raise _fail("no_issuance_date", "A VC 1.1 credential must have an issuanceDate.", "issuanceDate")
        parse_datetime(document["issuanceDate"], name="issuanceDate")
        if "expirationDate" in document:
            parse_datetime(document["expirationDate"], name="expirationDate")
    for name in ("credentialStatus", "evidence", "refreshService", "termsOfUse"):
        _check_typed_objects(document, name)
    _check_typed_objects(document, "credentialSchema", id_required=True)
    _check_related(document)
    if "proof" in document:
        for i, proof in enumerate(as_list(document["proof"])):
            if not isinstance(proof, dict):
                raise _fail("proof_not_object", "A proof must be a JSON object.", f"proof[{i}]")
            _check_types(proof.get("type"), None, f"proof[{i}].type")
    return version


def check_presentation(document: Any) -> str:
    if not isinstance(document, dict):
        raise _fail("not_an_object", "A verifiable presentation must be a JSON object.", "")
    check_depth(document)
    version = version_of(document, "presentation")
    _check_types(document.get("type"), "VerifiablePresentation", "type")
    if "id" in document:
        _check_id(document, "presentation")
    holder = document.get("holder")
    if holder is not None:
        if isinstance(holder, dict):
            if not is_url(holder.get("id")):
                raise _fail("bad_holder", "holder must be a URL or an object with an id URL.", "holder")
        elif not is_url(holder):
            raise _fail("bad_holder", "holder must be a URL or an object with an id URL.", "holder")
    for i, vc in enumerate(as_list(document.get("verifiableCredential", []))):
        if not isinstance(vc, dict):
            raise _fail("credential_not_object", "verifiableCredential entries must be objects.",
                        f"verifiableCredential[{i}]")
    return version


@functools.cache
def _validators() -> dict[str, Any]:
    from jsonschema import Draft201909Validator, Draft202012Validator, FormatChecker

    folder = resources.files("tvetbridge.credentials") / "data" / "schemas"
    ob3 = json.loads((folder / "ob_v3p0_achievementcredential_schema.json").read_text(encoding="utf-8"))
    vc2 = json.loads((folder / "verifiable-credential-schema.json").read_text(encoding="utf-8"))
    return {"ob3": Draft201909Validator(ob3, format_checker=FormatChecker()),
            "vc2": Draft202012Validator(vc2, format_checker=FormatChecker())}


SCHEMA_NAMES = {"vc2": "W3C Verifiable Credentials 2.0", "ob3": "Open Badges 3.0 AchievementCredential"}


def schema_errors(document: dict[str, Any]) -> list[dict[str, str]]:
    """Validation errors against every shipped schema that applies: VC 2.0 for 2.0 credentials, plus
    Open Badges 3.0 for OpenBadgeCredential / AchievementCredential. Empty when valid."""
    out = []
    for name in schemas_applied(document):
        # The full walk collecting every error runs only for a document that fails: is_valid stops at
        # the first failure and builds no error objects, and a valid document is the common case.
        if _validators()[name].is_valid(document):
            continue
        for error in sorted(_validators()[name].iter_errors(document), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in error.absolute_path)
            out.append({"schema": name, "path": path, "message": error.message[:300]})
            if len(out) >= 20:
                return out
    return out


def schemas_applied(document: dict[str, Any]) -> list[str]:
    contexts = as_list(document.get("@context"))
    types = set(t for t in as_list(document.get("type", [])) if isinstance(t, str))
    out = ["vc2"] if contexts and contexts[0] == V2 else []
    if {"OpenBadgeCredential", "AchievementCredential"} & types:
        out.append("ob3")
    return out


