"""W3C Bitstring Status List v1.0: a bitstring of at least 131,072 entries (so that one credential's
position hides among many), GZIP-compressed, base64url without padding, multibase ``u``.

Bit ``i`` is bit ``7 - i % 8`` of byte ``i // 8``: index 0 is the first (most significant) bit of the
first byte, as the specification's examples read. An entry of ``statusSize`` bits occupies bits
``index * size`` onwards, most significant first. GZIP runs with a zero timestamp so that the same list
always encodes to the same string (and the signed list credential only changes with the list).

The platform's own credentials carry one entry of purpose ``message`` and size 2 — valid (0),
suspended (1), revoked (2) — because Open Badges 3.0 allows a credential a single status object.
"""

from __future__ import annotations

import base64
import gzip
import io
from typing import Any

from .errors import CredentialError

MIN_BITS = 131_072
MAX_ENCODED = 1_000_000  # characters; a 16 KiB list compresses to well under 1 KB when sparse
MAX_DECOMPRESSED = 16 * MIN_BITS  # bytes: bounds expansion of a hostile list (2 MiB, 16M entries)
PURPOSES = ("revocation", "suspension", "message")
MESSAGES = ({"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "suspended"},
            {"status": "0x2", "message": "revoked"})
STATES = {"valid": 0, "suspended": 1, "revoked": 2}


def new_bitstring(entries: int = MIN_BITS, status_size: int = 1) -> bytearray:
    if entries < MIN_BITS or entries % 8:
        raise CredentialError("bad_list_size", "A status list has at least 131,072 entries, a multiple of 8.")
    return bytearray(entries * status_size // 8)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialError("status_index_out_of_range",
                              f"Status index {index} is outside the list of {len(bits) * 8} entries.",
                              index=index, size=len(bits) * 8)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    get_bit(bits, index)  # range check
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def get_value(bits: bytes | bytearray, index: int, size: int = 1) -> int:
    value = 0
    for k in range(size):
        value = (value << 1) | get_bit(bits, index * size + k)
    return value


def set_value(bits: bytearray, index: int, value: int, size: int = 1) -> None:
    if not 0 <= value < (1 << size):
        raise CredentialError("bad_status_value", f"Status {value} does not fit in {size} bits.")
    for k in range(size):
        set_bit(bits, index * size + k, bool(value >> (size - 1 - k) & 1))


def encode(bits: bytes | bytearray) -> str:
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: object) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u") or len(encoded) > MAX_ENCODED:
        raise CredentialError("bad_encoded_list", "encodedList is not a multibase base64url string of bounded size.")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            raw = stream.read(MAX_DECOMPRESSED + 1)
    except (ValueError, OSError, EOFError) as exc:
        raise CredentialError("bad_encoded_list", "encodedList is not a GZIP-compressed bitstring.") from exc
    if len(raw) > MAX_DECOMPRESSED:
        raise CredentialError("bad_encoded_list", "The status list expands beyond the size this verifier accepts.")
    return raw


def entry(list_url: str, index: int, purpose: str = "message") -> dict[str, Any]:
    out: dict[str, Any] = {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
           "statusListIndex": str(index), "statusListCredential": list_url}
    if purpose == "message":
        out["statusSize"] = 2
        out["statusMessage"] = [dict(m) for m in MESSAGES]
    return out


def list_credential(list_url: str, issuer: str, purpose: str, bits: bytes | bytearray,
                    valid_from: str) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for a list."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{list_url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encode(bits)},
    }


def read_entry(status: Any) -> tuple[str, int, str, int]:
    """(list URL, index, purpose, statusSize) of a BitstringStatusListEntry, validated."""
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        raise CredentialError("unsupported_status", "The status entry is not a BitstringStatusListEntry.")
    url, purpose, raw = status.get("statusListCredential"), status.get("statusPurpose"), status.get("statusListIndex")
    if not isinstance(url, str) or not url:
        raise CredentialError("bad_status_entry", "The status entry names no status list credential.")
    if not isinstance(raw, str) or not raw.isdigit():
        raise CredentialError("bad_status_entry", "statusListIndex must be a string of digits.")
    if not isinstance(purpose, str):
        raise CredentialError("bad_status_entry", "The status entry states no purpose.")
    size = status.get("statusSize", 1)
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if not isinstance(size, int) or not 1 <= size <= 8:
        raise CredentialError("bad_status_entry", "statusSize must be a whole number of bits from 1 to 8.")
    return url, int(raw), purpose, size


def message_of(status: dict[str, Any], value: int) -> str | None:
    """The issuer's message for a status value (``statusMessage`` of a message entry)."""
    for item in status.get("statusMessage") or []:
        if isinstance(item, dict) and str(item.get("status", "")).lower() == hex(value):
            return str(item.get("message", ""))
    return None
