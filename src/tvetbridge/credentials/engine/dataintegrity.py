"""W3C Data Integrity proofs with the EdDSA cryptosuites ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``
(VC Data Integrity 1.0; Data Integrity EdDSA Cryptosuites v1.0), including proof sets and chains.

Signing (both suites): hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document),
signed with Ed25519; ``proofValue`` is ``z`` + base58-btc of the 64-byte signature. The rdfc suite
canonicalizes with RDFC-1.0 (the proof configuration under the document's ``@context``, which is not
written into the proof); the jcs suite with RFC 8785 (the proof carries the document's ``@context``).

Chains: per the Data Integrity "add proof set/chain" algorithm a proof naming ``previousProof`` is
computed over the document holding the proofs it names. Widely deployed libraries (the ones the W3C
suites use to make their fixtures) sign such a proof over the bare document instead. A verifier
accepts either form, records which one verified, and in both cases requires every named proof to
exist and to verify itself: the chain cannot be cut or forged, only the binding's form differs.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import canon
from .errors import CredentialError
from .keys import KeyPair, multibase_decode, multibase_encode, public_bytes_from_multibase, verify_signature

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
PROOF_TYPE = "DataIntegrityProof"
DI_CONTEXT_V2 = "https://w3id.org/security/data-integrity/v2"
# Contexts that define DataIntegrityProof and its terms.
DEFINES_DI = frozenset({"https://www.w3.org/ns/credentials/v2", DI_CONTEXT_V2,
                        "https://w3id.org/security/data-integrity/v1"})

# xsd:dateTime; the offset is optional (Data Integrity lets a verifier accept values without one and read
# them as UTC), seconds may carry a fraction.
_DATETIME = re.compile(r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
                       r"(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$")


def parse_datetime(value: Any, *, name: str) -> datetime:
    """An xsd:dateTime as an aware datetime (UTC when the value has no offset)."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise CredentialError("bad_datetime", f"{name} {value!r} is not an XML Schema dateTime.",
                              field=name, value=str(value)[:60])
    text = value.replace("Z", "+00:00")
    text = re.sub(r"\.(\d{6})\d+", r".\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CredentialError("bad_datetime", f"{name} {value!r} is not a valid date.",
                              field=name, value=value[:60]) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def w3c_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ProofOptions:
    cryptosuite: str
    verification_method: str
    proof_purpose: str = "assertionMethod"
    created: str | None = None
    expires: str | None = None
    proof_id: str | None = None
    previous_proof: str | list[str] | None = None
    challenge: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class ResolvedKey:
    """What a verification method resolves to: its key, its controller and the purposes it is
    authorised for in the controller's document. ``revoked`` keys never verify."""

    id: str
    public: bytes
    controller: str
    purposes: frozenset[str] = frozenset({"assertionMethod", "authentication"})
    revoked: bool = False


KeyResolver = Callable[[str], ResolvedKey]


@dataclass
class ProofResult:
    index: int
    ok: bool
    proof_id: str | None = None
    cryptosuite: str | None = None
    verification_method: str | None = None
    controller: str | None = None
    purpose: str | None = None
    chained: str = ""  # "", "with-previous" (spec form) or "bare" (library form)
    error: CredentialError | None = None
    created: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "error"}
        out["error"] = self.error.as_dict() if self.error else None
        return out


def contexts_of(document: dict[str, Any]) -> list[Any]:
    ctx = document.get("@context")
    if ctx is None:
        return []
    return ctx if isinstance(ctx, list) else [ctx]


def ensure_di_context(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose contexts define DataIntegrityProof (VC 1.1 documents get the
    Data Integrity v2 context appended, as the cryptosuites require)."""
    contexts = contexts_of(document)
    if any(isinstance(c, str) and c in DEFINES_DI for c in contexts):
        return document
    out = dict(document)
    out["@context"] = [*contexts, DI_CONTEXT_V2]
    return out


def _proofs(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=256)
def _config_hash(config_json: str) -> bytes:
    return hashlib.sha256(canon.rdfc(json.loads(config_json)).encode("utf-8")).digest()


def _hash_data(cryptosuite: str, document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    if cryptosuite == RDFC:
        # A cohort signs thousands of documents under one proof configuration (same contexts, key and
        # creation time): its canonical hash is computed once. The key is the exact JSON, so any
        # difference, down to key order or a number's type, canonicalizes afresh.
        config = {**proof_config, "@context": document.get("@context")}
        return (_config_hash(json.dumps(config, ensure_ascii=False, separators=(",", ":")))
                + hashlib.sha256(canon.rdfc(document).encode("utf-8")).digest())
    return hashlib.sha256(canon.jcs(proof_config)).digest() + hashlib.sha256(canon.jcs(document)).digest()


def _matching(all_proofs: list[Any], previous: Any) -> list[dict[str, Any]]:
    wanted = [previous] if isinstance(previous, str) else previous
    if not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted):
        raise CredentialError("bad_previous_proof", "previousProof must be a proof id or a list of proof ids.")
    found = []
    for proof_id in wanted:
        match = [p for p in all_proofs if isinstance(p, dict) and p.get("id") == proof_id]
        if not match:
            raise CredentialError("missing_previous_proof", f"The previous proof {proof_id!r} is not in the document.",
                                  proof_id=proof_id)
        found.extend(match)
    return found


def add_proof(document: dict[str, Any], key: KeyPair, options: ProofOptions) -> dict[str, Any]:
    """Return a copy of ``document`` with one more proof (a set or chain when it already had some)."""
    if not isinstance(document, dict):
        raise CredentialError("not_an_object", "The document to secure must be a JSON object.")
    if options.cryptosuite not in CRYPTOSUITES:
        raise CredentialError("unsupported_cryptosuite", f"Cryptosuite {options.cryptosuite!r} is not supported.",
                              cryptosuite=options.cryptosuite)
    secured = ensure_di_context(copy.deepcopy(document))
    existing = _proofs(secured.pop("proof", None))
    proof: dict[str, Any] = {}
    if options.proof_id:
        proof["id"] = options.proof_id
    proof["type"] = PROOF_TYPE
    proof["cryptosuite"] = options.cryptosuite
    created = options.created or w3c_now()
    parse_datetime(created, name="created")
    proof["created"] = created
    if options.expires:
        parse_datetime(options.expires, name="expires")
        proof["expires"] = options.expires
    proof["verificationMethod"] = options.verification_method
    proof["proofPurpose"] = options.proof_purpose
    if options.challenge is not None:
        proof["challenge"] = options.challenge
    if options.domain is not None:
        proof["domain"] = options.domain
    unsecured = dict(secured)
    if options.previous_proof:
        proof["previousProof"] = options.previous_proof
        unsecured["proof"] = _matching(existing, options.previous_proof)
    if options.cryptosuite == JCS and "@context" in secured:
        proof["@context"] = secured["@context"]
    signature = key.sign(_hash_data(options.cryptosuite, unsecured, proof))
    proof["proofValue"] = multibase_encode(signature)
    all_proofs = [*existing, proof]
    secured["proof"] = all_proofs[0] if len(all_proofs) == 1 else all_proofs
    return secured


def _check_shape(proof: Any, expected_purpose: str, challenge: str | None, domain: str | None,
                 now: datetime) -> None:
    if not isinstance(proof, dict):
        raise CredentialError("proof_not_object", "A proof must be a JSON object.")
    if proof.get("type") != PROOF_TYPE:
        raise CredentialError("unknown_proof_type", f"Proof type {proof.get('type')!r} is not DataIntegrityProof.",
                              type=str(proof.get("type"))[:60])
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        raise CredentialError("unsupported_cryptosuite",
                              f"Cryptosuite {proof.get('cryptosuite')!r} is not supported.",
                              cryptosuite=str(proof.get("cryptosuite"))[:60])
    if not isinstance(proof.get("verificationMethod"), str) or not proof["verificationMethod"]:
        raise CredentialError("no_verification_method", "The proof names no verification method.")
    if not isinstance(proof.get("proofPurpose"), str):
        raise CredentialError("no_proof_purpose", "The proof states no purpose.")
    if proof["proofPurpose"] != expected_purpose:
        raise CredentialError("wrong_proof_purpose",
                              f"The proof's purpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}.",
                              purpose=proof["proofPurpose"][:60], expected=expected_purpose)
    if not isinstance(proof.get("proofValue"), str):
        raise CredentialError("no_proof_value", "The proof carries no proofValue.")
    if "created" in proof:
        parse_datetime(proof["created"], name="proof.created")
    if "expires" in proof and parse_datetime(proof["expires"], name="proof.expires") < now:
        raise CredentialError("proof_expired", f"The proof expired on {proof['expires']}.", date=proof["expires"])
    if challenge is not None and proof.get("challenge") != challenge:
        raise CredentialError("wrong_challenge", "The proof's challenge is not the one this verifier issued.")
    if domain is not None and proof.get("domain") != domain:
        raise CredentialError("wrong_domain", "The proof's domain is not this verifier's.")


def _verify_one(unsecured: dict[str, Any], proof: dict[str, Any], resolved: ResolvedKey) -> bool:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    document = unsecured
    if proof["cryptosuite"] == JCS and "@context" in config:
        doc_ctx, proof_ctx = contexts_of(unsecured), config["@context"]
        proof_ctx = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        if doc_ctx[:len(proof_ctx)] != proof_ctx:
            raise CredentialError("context_mismatch", "The proof's @context does not begin the document's @context.")
        document = {**unsecured, "@context": config["@context"]}
    elif proof["cryptosuite"] == RDFC:
        config.pop("@context", None)
    signature = multibase_decode(proof["proofValue"])
    if len(signature) != 64:
        raise CredentialError("bad_proof_value", "The proofValue is not a 64-byte Ed25519 signature.")
    return verify_signature(resolved.public, signature, _hash_data(proof["cryptosuite"], document, config))


def verify_proofs(document: Any, resolve_key: KeyResolver, *, expected_purpose: str = "assertionMethod",
                  challenge: str | None = None, domain: str | None = None,
                  now: datetime | None = None) -> list[ProofResult]:
    """Verify every proof of ``document``; a result per proof, in order. An empty list means no proof."""
    if not isinstance(document, dict):
        raise CredentialError("not_an_object", "A secured document must be a JSON object.")
    now = now or datetime.now(UTC)
    all_proofs = _proofs(document.get("proof"))
    bare = {k: v for k, v in document.items() if k != "proof"}
    results: list[ProofResult] = []
    for index, proof in enumerate(all_proofs):
        result = ProofResult(index=index, ok=False)
        results.append(result)
        try:
            _check_shape(proof, expected_purpose, challenge, domain, now)
            result.proof_id, result.cryptosuite = proof.get("id"), proof["cryptosuite"]
            result.verification_method, result.purpose = proof["verificationMethod"], proof["proofPurpose"]
            result.created = proof.get("created")
            resolved = resolve_key(proof["verificationMethod"])
            result.controller = resolved.controller
            if resolved.revoked:
                raise CredentialError("key_revoked", "The key that made this proof has been revoked by its owner.",
                                      verification_method=resolved.id)
            if expected_purpose not in resolved.purposes:
                raise CredentialError("purpose_not_authorised",
                                      f"The key is not authorised for {expected_purpose} by its controller.",
                                      purpose=expected_purpose)
            forms: list[tuple[str, dict[str, Any]]] = []
            if "previousProof" in proof:
                forms.append(("with-previous", {**bare, "proof": _matching(all_proofs, proof["previousProof"])}))
                forms.append(("bare", bare))
            else:
                forms.append(("", bare))
            for name, unsecured in forms:
                if _verify_one(unsecured, proof, resolved):
                    result.ok, result.chained = True, name
                    break
            if not result.ok:
                raise CredentialError("bad_signature", "The signature does not match the document: it was changed "
                                      "after signing, or signed with another key.")
        except CredentialError as exc:
            result.ok, result.error = False, exc
    # A chained proof stands only if the proofs it names stand.
    by_id = {r.proof_id: r for r in results if r.proof_id}
    for result, proof in zip(results, all_proofs, strict=True):
        if result.ok and isinstance(proof, dict) and "previousProof" in proof:
            wanted = [proof["previousProof"]] if isinstance(proof["previousProof"], str) else proof["previousProof"]
            failed = [w for w in wanted if not by_id.get(w) or not by_id[w].ok]
            if failed:
                result.ok = False
                result.error = CredentialError("previous_proof_failed",
                                               f"The previous proof {failed[0]!r} does not verify.", proof_id=failed[0])
    return results


@dataclass
class KeyRing:
    """A resolver over known keys plus did:key, for tests and for callers that hold keys in memory."""

    keys: dict[str, ResolvedKey] = field(default_factory=dict)

    def __call__(self, verification_method: str) -> ResolvedKey:
        if verification_method in self.keys:
            return self.keys[verification_method]
        return resolve_did_key(verification_method)


def resolve_did_key(verification_method: str) -> ResolvedKey:
    """did:key Ed25519 verification methods resolve from the identifier alone."""
    if not verification_method.startswith("did:key:"):
        raise CredentialError("unresolvable_method",
                              f"The verification method {verification_method!r} cannot be resolved here.",
                              verification_method=verification_method[:200])
    did, _sep, fragment = verification_method.partition("#")
    multibase = did[len("did:key:"):]
    if fragment and fragment != multibase:
        raise CredentialError("unresolvable_method", "The did:key fragment does not name the key of the DID.",
                              verification_method=verification_method[:200])
    public = public_bytes_from_multibase(multibase)
    return ResolvedKey(id=f"{did}#{multibase}", public=public, controller=did)
