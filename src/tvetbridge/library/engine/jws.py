"""Signed statements (xAPI 2.0 §2.6 / 1.0.3 Data 2.6): the JWS attached to a statement.

The signature attachment holds a JWS in compact serialisation whose payload is the statement as it
was before the signature was attached. The LRS checks that the JWS is well formed, uses RS256, RS384
or RS512, and that its payload is the statement received (the ``attachments`` the signer could not
have known are left out of the comparison). When the JWS header carries the signer's certificate
(``x5c``), the signature itself is verified with it; without a certificate there is no key to check
against, and the spec leaves key distribution to the parties.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .xapi import StatementError, same_statement

ALGORITHMS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatementError("the signature is not base64url-encoded", "signature") from exc


def check_signature(jws: bytes, statement: dict[str, Any]) -> None:
    """Raise :class:`StatementError` unless ``jws`` is a valid signature of ``statement``."""
    try:
        text = jws.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise StatementError("the signature is not a JWS in compact serialisation", "signature") from exc
    parts = text.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise StatementError("the signature is not a JWS in compact serialisation", "signature")
    try:
        header = json.loads(_b64(parts[0]))
        payload = json.loads(_b64(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StatementError("the signature's header or payload is not valid JSON", "signature") from exc
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        raise StatementError("the signature must use RS256, RS384 or RS512", "signature.alg")
    if not isinstance(payload, dict):
        raise StatementError("the signature's payload is not a statement", "signature")
    signed = {k: v for k, v in payload.items() if k != "attachments"}
    received = {k: v for k, v in statement.items() if k != "attachments"}
    if not same_statement(signed, received) or ("id" in signed and signed["id"].lower() != received.get("id", "").lower()):
        raise StatementError("the signature's payload differs from the statement", "signature")
    if header.get("x5c"):
        _verify(header, parts, _b64(parts[2]))


def _verify(header: dict[str, Any], parts: list[str], signature: bytes) -> None:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    except (ValueError, TypeError, IndexError, binascii.Error) as exc:
        raise StatementError("the signature's certificate (x5c) cannot be read", "signature.x5c") from exc
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise StatementError("the signature's certificate does not hold an RSA key", "signature.x5c")
    digest = getattr(hashes, ALGORITHMS[header["alg"]])()
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"), padding.PKCS1v15(), digest)
    except InvalidSignature as exc:
        raise StatementError("the signature does not verify with its certificate", "signature") from exc
