"""W3C Bitstring Status List v1.0: a bitstring of at least 131,072 entries (16 KiB, so that one
credential's position hides among many), GZIP-compressed, base64url without padding, multibase ``u``.

Bit ``i`` is bit ``7 - i % 8`` of byte ``i // 8``: index 0 is the first (most significant) bit of the
first byte, as the specification's examples read. GZIP runs with a zero timestamp so that the same
list always encodes to the same string (and the signed list credential only changes with the list).
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
PURPOSES = ("revocation", "suspension")


def new_bitstring(size: int = MIN_BITS) -> bytearray:
    if size < MIN_BITS or size % 8:
        raise CredentialError("bad_list_size", "A status list has at least 131,072 entries, a multiple of 8.")
    return bytearray(size // 8)


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


def encode(bits: bytes | bytearray) -> str:
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
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


def entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    return {"id": f"{list_url}#{purpose}-{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": list_url}


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


def read_entry(status: Any) -> tuple[str, int, str]:
    """(list URL, index, purpose) of a BitstringStatusListEntry, validated."""
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        raise CredentialError("unsupported_status", "The status entry is not a BitstringStatusListEntry.")
    url, purpose, raw = status.get("statusListCredential"), status.get("statusPurpose"), status.get("statusListIndex")
    if not isinstance(url, str) or not url:
        raise CredentialError("bad_status_entry", "The status entry names no status list credential.")
    if not isinstance(raw, str) or not raw.isdigit():
        raise CredentialError("bad_status_entry", "statusListIndex must be a string of digits.")
    if not isinstance(purpose, str):
        raise CredentialError("bad_status_entry", "The status entry states no purpose.")
    return url, int(raw), purpose
