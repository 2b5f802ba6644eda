"""Ed25519 keys as Data Integrity names them: Multikey encodings, did:key identifiers, and private keys
sealed under a key-encryption key.

Encodings (W3C Controller Documents 1.0 §2.4, did:key method):
- public key: multibase base58-btc (``z``) of the multicodec ``ed25519-pub`` header ``0xed 0x01`` and the
  32 key bytes, so every one starts ``z6Mk``;
- secret key: ``z`` + base58-btc of ``ed25519-priv`` (``0x80 0x26``) and the 32-byte seed (``z3u2…``);
- did:key: ``did:key:<public multibase>``, its one verification method ``did:key:<mb>#<mb>``.

Sealing: AES-256-GCM under a key derived from the platform's key-encryption key with HKDF-SHA256; the
key's identifier is the associated data, so a sealed key copied onto another row does not open.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .errors import CredentialError

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
SEAL_VERSION = "v1"
_HKDF_INFO = b"tvetbridge credentials issuer key v1"


def multibase_decode(value: str) -> bytes:
    """Bytes of a base58-btc multibase string (``z…``)."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise CredentialError("not_multibase", f"{value!r} is not a base58-btc multibase value (it must start with z).",
                              value=str(value)[:80])
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("not_multibase", f"{value!r} is not valid base58-btc.", value=value[:80]) from exc


def multibase_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def public_multibase(public_bytes: bytes) -> str:
    return multibase_encode(ED25519_PUB + public_bytes)


def secret_multibase(seed: bytes) -> str:
    return multibase_encode(ED25519_PRIV + seed)


def public_bytes_from_multibase(value: str) -> bytes:
    raw = multibase_decode(value)
    if len(raw) != 34 or raw[:2] != ED25519_PUB:
        raise CredentialError("not_ed25519_key", f"{value!r} is not an Ed25519 public key (Multikey z6Mk…).",
                              value=value[:80])
    return raw[2:]


def seed_from_multibase(value: str) -> bytes:
    raw = multibase_decode(value)
    if len(raw) != 34 or raw[:2] != ED25519_PRIV:
        raise CredentialError("not_ed25519_secret", "The value is not an Ed25519 secret key (Multikey z3u2…).")
    return raw[2:]


def did_key(public_mb: str) -> str:
    return f"did:key:{public_mb}"


def did_key_method(public_mb: str) -> str:
    return f"did:key:{public_mb}#{public_mb}"


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 key pair; ``seed`` is the 32-byte private key."""

    seed: bytes
    public: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        return cls.from_seed(Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                                         NoEncryption()))

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        if len(seed) != 32:
            raise CredentialError("bad_seed", "An Ed25519 private key is 32 bytes.")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        return cls(seed=seed, public=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def from_multibase(cls, secret_mb: str) -> KeyPair:
        return cls.from_seed(seed_from_multibase(secret_mb))

    @property
    def public_multibase(self) -> str:
        return public_multibase(self.public)

    def signer(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def sign(self, data: bytes) -> bytes:
        return self.signer().sign(data)


def verify_signature(public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _seal_key(kek: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(kek)


def seal(seed: bytes, kek: bytes, key_id: str) -> str:
    """``v1:<base64 nonce‖ciphertext>``: the seed under AES-256-GCM, bound to ``key_id``."""
    if not kek:
        raise CredentialError("no_kek", "No key-encryption key is configured.")
    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key(kek)).encrypt(nonce, seed, key_id.encode("utf-8"))
    return f"{SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def unseal(token: str, kek: bytes, key_id: str) -> bytes:
    version, _sep, body = token.partition(":")
    if version != SEAL_VERSION or not body:
        raise CredentialError("bad_sealed_key", "The stored issuer key is not in a known sealed format.")
    raw = base64.b64decode(body)
    try:
        return AESGCM(_seal_key(kek)).decrypt(raw[:12], raw[12:], key_id.encode("utf-8"))
    except Exception as exc:  # cryptography raises InvalidTag; any failure means the wrong key or row
        raise CredentialError("key_unseal_failed",
                              "The issuer key cannot be opened with the configured key-encryption key.") from exc
