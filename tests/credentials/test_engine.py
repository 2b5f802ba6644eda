"""The credentials engine against external truth (the W3C and 1EdTech test vectors, byte for byte) and
against what must fail: tampering, lossy JSON-LD, contexts that are not shipped, bad input."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from tvetbridge.credentials.engine import canon, keys, statuslist, validate
from tvetbridge.credentials.engine import dataintegrity as di
from tvetbridge.credentials.engine import recognition as rec
from tvetbridge.credentials.engine import verify as ev
from tvetbridge.credentials.engine.errors import ContextNotShipped, CredentialError

pytestmark = pytest.mark.engine
VECTORS = Path(__file__).parent / "vectors"


def vector(name: str):
    text = (VECTORS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


@pytest.fixture(scope="module")
def keypair():
    pair = vector("keyPair.json")
    return keys.KeyPair.from_multibase(pair["privateKeyMultibase"]), pair["publicKeyMultibase"]


def test_key_pair_encodings_round_trip(keypair):
    key, public = keypair
    assert key.public_multibase == public
    assert keys.secret_multibase(key.seed) == vector("keyPair.json")["privateKeyMultibase"]


def test_rdfc_canonical_forms_hash_and_signature_are_the_vectors(keypair):
    key, public = keypair
    unsigned = vector("unsigned.json")
    assert canon.rdfc(unsigned) == vector("eddsa-rdfc-2022_canonDocDataInt.txt")
    signed = vector("eddsa-rdfc-2022_signedDataInt.json")
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert canon.rdfc({**config, "@context": unsigned["@context"]}) == vector("eddsa-rdfc-2022_proofCanonDataInt.txt")
    hash_data = (hashlib.sha256(vector("eddsa-rdfc-2022_proofCanonDataInt.txt").encode()).digest()
                 + hashlib.sha256(vector("eddsa-rdfc-2022_canonDocDataInt.txt").encode()).digest())
    assert key.sign(hash_data).hex() == vector("eddsa-rdfc-2022_sigHexDataInt.txt").strip()
    ours = di.add_proof(unsigned, key, di.ProofOptions(cryptosuite=di.RDFC, created=signed["proof"]["created"],
                                                       verification_method=keys.did_key_method(public)))
    assert json.dumps(ours, sort_keys=True) == json.dumps(signed, sort_keys=True)


def test_jcs_signed_vector_is_reproduced_and_verifies(keypair):
    key, public = keypair
    signed = vector("eddsa-jcs-2022_signedJCS.json")
    ours = di.add_proof(vector("unsigned.json"), key, di.ProofOptions(
        cryptosuite=di.JCS, created=signed["proof"]["created"], verification_method=keys.did_key_method(public)))
    assert ours == signed
    assert [r.ok for r in di.verify_proofs(signed, di.KeyRing())] == [True]


def test_open_badges_signed_example_canonical_forms_and_verification():
    signed = vector("ob3-signed.json")
    document = {k: v for k, v in signed.items() if k != "proof"}
    assert canon.rdfc(document) == vector("ob3-document-canon.txt")
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert canon.rdfc({**config, "@context": signed["@context"]}) == vector("ob3-proof-canon.txt")
    method = signed["proof"]["verificationMethod"]
    ring = di.KeyRing({method: di.ResolvedKey(id=method, controller=signed["issuer"]["id"],
                                              public=keys.public_bytes_from_multibase(method.split("#")[1]))})
    assert [r.ok for r in di.verify_proofs(signed, ring)] == [True]


@pytest.fixture
def issued():
    key = keys.KeyPair.generate()
    did = keys.did_key(key.public_multibase)
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:8b7f2f4c-3c34-4d0a-9a1b-0c1d2e3f4a5b",
           "type": ["VerifiableCredential"], "issuer": did, "validFrom": "2024-06-30T00:00:00Z",
           "credentialSubject": {"id": "urn:uuid:1d1c6c1e-8ad6-4b8f-9d2a-3b0c1a2d3e4f", "name": "Welder, level 4"}}
    signed = di.add_proof(doc, key, di.ProofOptions(cryptosuite=di.RDFC,
                                                    verification_method=keys.did_key_method(key.public_multibase)))
    return signed, key


def _report(document):
    return ev.verify_credential(document, resolve_key=di.KeyRing())


def test_untouched_credential_verifies(issued):
    report = _report(issued[0])
    assert report.verified
    assert report.check("signature").status == "passed"


@pytest.mark.parametrize("tamper, expected", [
    (lambda d: d["credentialSubject"].update(name="Welder, level 6"), {"signature": "bad_signature"}),
    (lambda d: d.update(issuer=keys.did_key(keys.KeyPair.generate().public_multibase)),
     {"signature": "bad_signature", "issuer": "issuer_not_signed"}),
    (lambda d: d.update(validFrom="2023-06-30T00:00:00Z"), {"signature": "bad_signature"}),
    (lambda d: d["proof"].update(proofValue="z" + "1" * 86), {"signature": "bad_proof_value"}),
    (lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + "zz"), {"signature": "bad_signature"}),
    (lambda d: d["proof"].update(verificationMethod=keys.did_key_method(keys.KeyPair.generate().public_multibase)),
     {"signature": "bad_signature"}),
    (lambda d: d.update(validUntil="2025-01-01T00:00:00Z"), {"signature": "bad_signature", "validity": "expired"}),
])
def test_every_tampering_fails_with_its_reason(issued, tamper, expected):
    document = copy.deepcopy(issued[0])
    tamper(document)
    report = _report(document)
    assert not report.verified
    for check, code in expected.items():
        assert (report.check(check).status, report.check(check).code) == ("failed", code)


def test_expired_and_not_yet_valid_fail_even_when_signed():
    key = keys.KeyPair.generate()
    did = keys.did_key(key.public_multibase)
    for field, value, code in (("validUntil", "2001-01-01T00:00:00Z", "expired"),
                               ("validFrom", "2999-01-01T00:00:00Z", "not_yet_valid")):
        doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": did,
               "credentialSubject": {"id": "did:example:x"}, field: value}
        if field == "validUntil":
            doc["validFrom"] = "2000-01-01T00:00:00Z"
        signed = di.add_proof(doc, key, di.ProofOptions(cryptosuite=di.JCS,
                                                        verification_method=keys.did_key_method(key.public_multibase)))
        report = _report(signed)
        assert report.check("signature").status == "passed"
        assert report.check("validity").code == code and not report.verified


def test_proof_sets_and_chains(issued):
    signed, key = issued
    method = keys.did_key_method(key.public_multibase)
    first = di.add_proof({k: v for k, v in signed.items() if k != "proof"}, key,
                         di.ProofOptions(cryptosuite=di.RDFC, verification_method=method, proof_id="urn:uuid:first"))
    chained = di.add_proof(first, key, di.ProofOptions(cryptosuite=di.JCS, verification_method=method,
                                                      previous_proof="urn:uuid:first"))
    results = di.verify_proofs(chained, di.KeyRing())
    assert [(r.ok, r.chained) for r in results] == [(True, ""), (True, "with-previous")]
    broken = copy.deepcopy(chained)
    broken["proof"][0]["proofValue"] = "z" + "2" * 86
    assert [r.ok for r in di.verify_proofs(broken, di.KeyRing())] == [False, False]
    dangling = copy.deepcopy(chained)
    dangling["proof"][1]["previousProof"] = "urn:uuid:missing"
    assert di.verify_proofs(dangling, di.KeyRing())[1].error.code == "missing_previous_proof"


@pytest.mark.parametrize("mutate, code", [
    (lambda d: d["credentialSubject"].update(undefinedTerm="x"), "undefined_term"),
    (lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/ctx"]}),
     "context_not_shipped"),
    (lambda d: d.update(type=["VerifiableCredential", "Unmapped"]), "undefined_type"),
    (lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": None}]}), "jsonld_error"),
])
def test_lossy_or_unshipped_json_ld_never_verifies(issued, mutate, code):
    document = copy.deepcopy(issued[0])
    mutate(document)
    report = _report(document)
    assert not report.verified
    if code:
        assert report.check("signature").code == code


def test_context_not_shipped_is_refused_before_signing():
    key = keys.KeyPair.generate()
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx.jsonld"],
           "type": ["VerifiableCredential"], "issuer": keys.did_key(key.public_multibase),
           "credentialSubject": {"id": "did:example:x"}}
    with pytest.raises(ContextNotShipped) as caught:
        di.add_proof(doc, key, di.ProofOptions(cryptosuite=di.RDFC, verification_method="did:key:z#z"))
    assert caught.value.params["url"] == "https://evil.example/ctx.jsonld"


def test_bad_documents_get_clear_errors():
    with pytest.raises(CredentialError) as caught:
        ev.parse_document("{not json")
    assert caught.value.code == "not_json"
    with pytest.raises(CredentialError) as caught:
        ev.parse_document("[" * 10 + "]" * 10 + " " * ev.MAX_DOCUMENT_BYTES)
    assert caught.value.code == "too_large"
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
           "issuer": "did:example:i", "credentialSubject": deep}
    with pytest.raises(CredentialError) as caught:
        validate.check_credential(doc)
    assert caught.value.code == "too_deep"
    report = _report({"type": ["NonconformingDocument"]})
    assert not report.verified and report.check("format").code == "no_context"


def test_status_list_bits_round_trip_and_bounds():
    bits = statuslist.new_bitstring()
    for index in (0, 7, 8, 131_071):
        statuslist.set_bit(bits, index, True)
    decoded = statuslist.decode(statuslist.encode(bits))
    assert [statuslist.get_bit(decoded, i) for i in (0, 1, 7, 8, 9, 131_071)] == [True, False, True, True, False, True]
    assert decoded[0] == 0b10000001  # index 0 is the most significant bit of the first byte
    assert statuslist.encode(bits) == statuslist.encode(bytes(bits))  # deterministic (no GZIP timestamp)
    with pytest.raises(CredentialError):
        statuslist.get_bit(decoded, 131_072)
    with pytest.raises(CredentialError):
        statuslist.decode("not-multibase")


def test_sealed_keys_open_only_with_their_key_and_row():
    key = keys.KeyPair.generate()
    sealed = keys.seal(key.seed, b"kek-one", "did:key:a#a")
    assert keys.unseal(sealed, b"kek-one", "did:key:a#a") == key.seed
    for kek, row in ((b"kek-two", "did:key:a#a"), (b"kek-one", "did:key:b#b")):
        with pytest.raises(CredentialError):
            keys.unseal(sealed, kek, row)


def test_referencing_paths_prefer_official_and_fewer_links():
    links = [rec.Link("cn:a", "eqf:5", "equivalent", "proposed"), rec.Link("kz:5", "eqf:5", "equivalent", "proposed"),
             rec.Link("cn:a", "kz:5", "equivalent", "official"), rec.Link("kz:4", "eqf:5", "partial", "proposed")]
    found = rec.correspondences("cn:a", links, "kz")
    assert found[0].target == "kz:5" and found[0].official and found[0].confidence == 1.0
    assert {c.target for c in found} == {"kz:5", "kz:4"}
    assert rec.correspondences("cn:a", links[:2], "kz")[0].confidence == pytest.approx(0.64)
    assert rec.correspondences("cn:zzz", links, "kz") == []


def test_transfer_proposal_uses_outcome_coverage_level_and_workload():
    sources = [rec.Module(1, "S1", 6, 180, frozenset("abc"), 5), rec.Module(2, "S2", 6, 180, frozenset("de"), 4)]
    targets = [rec.Module(10, "T1", 5, 150, frozenset("abcx"), 5), rec.Module(11, "T2", 5, 150, frozenset("de"), 5),
               rec.Module(12, "T3", 5, 150, frozenset("yz"), 5)]
    cov = rec.coverage_matrix(sources, targets)
    assert cov[0, 0] == pytest.approx(0.75) and cov[1, 1] == 1.0 and cov[:, 2].sum() == 0
    proposals = rec.propose_transfer(sources, targets)
    # T2 is fully covered by S2, but S2 is a level lower (EQF 4 < 5): not proposed.
    assert [(p.source, p.target) for p in proposals] == [(1, 10)]
    assert proposals[0].evidence["missing"] == ["x"]


def test_recognition_proposal_outcomes():
    official = [rec.Link("cn:a", "kz:5", "equivalent", "official")]
    assert rec.propose_recognition("cn:a", "kz", official).outcome == "full"
    proposed = [rec.Link("cn:a", "kz:5", "equivalent", "proposed")]
    partial = rec.propose_recognition("cn:a", "kz", proposed)
    assert partial.outcome == "partial" and partial.compensation[0]["code"] == "assessment"
    missing = rec.propose_recognition("cn:a", "kz", official, credential_skills=frozenset("a"),
                                      required_skills=frozenset("abcd"))
    assert missing.outcome == "partial" and missing.compensation[0]["params"]["count"] == 3
    assert rec.propose_recognition("cn:b", "kz", official).outcome == "refused"
