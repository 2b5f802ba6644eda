"""Bad input and tampering as a user meets them on the pages and the API (the engine's own cases are in
``test_engine``): every refusal is a clear message naming what is wrong, and nothing is written."""

from __future__ import annotations

import copy
import json

import pytest
from django.utils import translation

from tvetbridge.core.tokens import issue_token
from tvetbridge.credentials import issuing, texts
from tvetbridge.credentials.engine import keys
from tvetbridge.credentials.engine.verify import MAX_DOCUMENT_BYTES
from tvetbridge.credentials.models import CredentialType, IssuedCredential, LevelLink, StatusList

pytestmark = pytest.mark.django_db


def _written() -> tuple:
    return (IssuedCredential.objects.count(), LevelLink.objects.count(), CredentialType.objects.count(),
            sorted(StatusList.objects.values_list("allocated", flat=True)))


def test_vc_api_refuses_bad_documents_with_their_reason_and_writes_nothing(cred, client):
    profile = issuing.ensure_issuer(cred["cn_staff"], cred["urumqi"])
    did = issuing.current_did(profile)
    _token, key = issue_token(cred["cn_staff"], "test")
    good = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": did,
            "credentialSubject": {"id": "did:example:alice"}}
    cases = [
        (b"{\"credential\": {", "not_json"),
        (b"{\"credential\": \"" + b"x" * (MAX_DOCUMENT_BYTES + 1) + b"\"}", "too_large"),
        (json.dumps({"credential": {**good, "@context": [*good["@context"], "https://evil.example/ctx"]}}).encode(),
         "context_not_shipped"),
        (json.dumps({"credential": {**good, "credentialSubject": {"id": "did:example:a", "unknownClaim": 1}}}).encode(),
         "undefined_term"),
        (json.dumps({"credential": {**good, "type": ["Diploma"]}}).encode(), None),
    ]
    before = _written()
    for body, code in cases:
        response = client.post("/credentials/issue?cryptosuite=eddsa-rdfc-2022", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 400, (code, response.content[:200])
        problem = response.json()
        assert problem["detail"]
        if code:
            assert problem["type"].endswith(f"#{code}"), problem
    # The same document, asked for a status entry: the slot is only taken once the document passed.
    with_status = json.dumps({"credential": {**good, "@context": [*good["@context"], "https://evil.example/ctx"]},
                              "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}}})
    assert client.post("/credentials/issue", with_status, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 400
    assert _written() == before


def test_forms_refuse_an_unknown_level_and_a_type_without_outcomes(cred, client):
    client.force_login(cred["cn_staff"])
    before = _written()
    page = client.post("/credentials/types/new/", {
        "name_en": "Forklift operator", "description_en": "Short course.", "criteria_en": "Passed the test.",
        "kind": "Certificate", "levels": ["999999"], "language": cred["cn_type"].language_id, "outcomes": ""})
    assert page.status_code == 200
    form = page.context["form"]
    assert "levels" in form.errors and "outcomes" in form.errors
    assert "999999" in " ".join(form.errors["levels"])
    client.force_login(cred["coordinator"])
    page = client.post("/frameworks/links/new/", {"source": "999999", "target": "999998", "relation": "equivalent",
                                                   "status": "proposed", "basis_en": "x"})
    assert page.status_code == 200 and {"source", "target"} <= set(page.context["form"].errors)
    api = client.get("/api/v1/credentials/links?framework=no-such-framework")
    assert api.status_code == 404
    assert _written() == before


def _tamperings(document: dict) -> list[tuple[str, dict, str, str]]:
    """(what was changed, the tampered copy, the check that fails, its code)."""
    stranger = keys.KeyPair.generate().public_multibase
    out = []

    def changed(label, mutate, check="signature", code="bad_signature"):
        copy_ = copy.deepcopy(document)
        mutate(copy_)
        out.append((label, copy_, check, code))

    changed("claim", lambda d: d["credentialSubject"]["achievement"].update(name="Doctor of Medicine"))
    changed("claim in another language", lambda d: d["nameMap"].update(kk="Медицина докторы"))
    changed("framework level", lambda d: d["credentialSubject"]["achievement"]["alignment"][0].update(
        targetCode="kz-nqf:8"))
    changed("issuer", lambda d: d.update(issuer={**d["issuer"], "id": keys.did_key(stranger)}),
            check="issuer", code="issuer_not_signed")
    changed("issuer name", lambda d: d["issuer"].update(name="Harvard University"))
    changed("date", lambda d: d.update(validFrom="2020-06-30T00:00:00Z"))
    changed("proof value", lambda d: d["proof"][0].update(proofValue=d["proof"][0]["proofValue"][:-2] + "zz"))
    changed("proof value (not a signature)", lambda d: d["proof"][0].update(proofValue="z" + "1" * 86),
            code="bad_proof_value")
    changed("verification method", lambda d: d["proof"][0].update(verificationMethod=keys.did_key_method(stranger)))
    return out


def test_every_tampering_and_revocation_fails_on_the_page_with_its_reason(cred, client):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    for prefix, language in (("", "en"), ("/kk", "kk")):
        for label, document, check, code in _tamperings(issued.document):
            page = client.post(f"{prefix}/verify/", {"document": json.dumps(document)}).content.decode()
            assert 'data-verified="false"' in page, label
            assert f'data-check="{check}" data-status="failed"' in page, label
            report = issuing.verify_document(document)
            failed = report.check(check)
            assert (failed.status, failed.code) == ("failed", code), label
            with translation.override(language):
                reason = texts.check_text(failed.code, failed.params)
            assert reason and reason in page.replace("&#x27;", "'").replace("&quot;", '"'), label
    before = client.post("/verify/", {"document": json.dumps(issued.document)}).content.decode()
    assert 'data-verified="true"' in before
    issuing.set_status(cred["cn_staff"], issued, "revoked", reason="Examination fraud")
    page = client.post("/kk/verify/", {"document": json.dumps(issued.document)}).content.decode()
    assert 'data-check="status" data-status="failed"' in page
    with translation.override("kk"):
        assert texts.check_text("revoked", {}) in page
