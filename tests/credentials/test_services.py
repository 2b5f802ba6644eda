"""Issuing, status, keys, referencing, credit transfer and recognition through the services, with the
permissions and bad input a user would run into."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.credentials import issuing, services
from tvetbridge.credentials.engine import validate
from tvetbridge.credentials.models import (
    CredentialType,
    CreditTransferAgreement,
    IssuedCredential,
    IssuerKey,
    LevelLink,
    RecognitionApplication,
)

pytestmark = pytest.mark.django_db


def test_frameworks_load_with_sources_and_are_idempotent(cred):
    from tvetbridge.credentials.models import FrameworkLevel, QualificationFramework
    from tvetbridge.credentials.reference import load_frameworks

    kz = QualificationFramework.objects.get(code="kz-nqf")
    assert kz.levels.count() == 8 and "16 March 2016" in kz.legal_source
    assert "2017/C 189/03" in QualificationFramework.objects.get(code="eqf").legal_source
    assert FrameworkLevel.objects.get(framework__code="eqf", code="4").knowledge_kk
    before = LevelLink.objects.count()
    assert load_frameworks()["links_added"] == 0 and LevelLink.objects.count() == before
    assert not LevelLink.objects.filter(status="official").exclude(source_citation__gt="").exists()


def test_issued_credential_is_ob3_and_vc2_valid_and_verifies(cred):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    document = issued.document
    assert validate.schema_errors(document) == []
    assert set(validate.schemas_applied(document)) == {"vc2", "ob3"}
    assert document["nameMap"]["zh-Hans"] == "现代物流管理专业毕业证书"
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    assert any(a["targetCode"] == "cn-vet:associate" for a in alignment)
    assert sum(a["targetType"] == "ext:ESCOSkill" for a in alignment) == 6
    report = issuing.verify_document(document)
    assert report.verified, [c.as_dict() for c in report.errors]
    assert report.check("issuer").code == "issuer_known"
    assert report.check("status").code == "not_revoked"
    # The private key is stored sealed, and nowhere in clear.
    key = IssuerKey.objects.get()
    assert key.sealed_private_key.startswith("v1:") and key.public_key_multibase not in key.sealed_private_key


def test_revocation_and_suspension_show_in_verification(cred):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    issuing.set_status(cred["cn_staff"], issued, "suspended", reason="Under investigation")
    assert issuing.verify_document(issued.document).check("status").code == "suspended"
    issuing.set_status(cred["cn_staff"], issued, "active", reason="Investigation closed")
    assert issuing.verify_document(issued.document).verified
    issuing.set_status(cred["cn_staff"], issued, "revoked", reason="Obtained by fraud")
    report = issuing.verify_document(issued.document)
    assert not report.verified and report.check("status").code == "revoked"
    with pytest.raises(ValidationError):
        issuing.set_status(cred["cn_staff"], issued, "active", reason="undo")
    history = list(IssuedCredential.history.filter(id=issued.pk).order_by("history_date"))
    assert [h.status for h in history] == ["active", "suspended", "active", "revoked"]
    assert history[-1].history_user == cred["cn_staff"]


def test_only_the_issuers_staff_or_coordinators_change_status(cred):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    for user in (cred["alt_staff"], cred["trainee_user"], cred["users"]["enterprise"]):
        with pytest.raises(PermissionDenied):
            issuing.set_status(user, issued, "revoked", reason="not mine")
    issuing.set_status(cred["coordinator"], issued, "suspended", reason="coordinator hold")


def test_rotation_keeps_earlier_credentials_verifying_and_revoked_keys_fail(cred):
    first = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    profile = first.issuer
    issuing.rotate_key(cred["cn_staff"], profile, reason="yearly rotation")
    assert issuing.verify_document(first.document).verified
    assert issuing.verify_document(first.document).check("status").status == "passed"
    new_did = issuing.current_did(profile)
    assert new_did != first.key.did
    issuing.revoke_key(cred["cn_staff"], first.key, reason="laptop stolen")
    report = issuing.verify_document(first.document)
    assert not report.verified and report.check("signature").code == "key_revoked"


def test_did_web_issuer_document_lists_retired_keys(cred):
    from tvetbridge.credentials.models import IssuerProfile

    profile = issuing.ensure_issuer(cred["coordinator"], cred["alt"], method=IssuerProfile.Method.WEB)
    issuing.rotate_key(cred["coordinator"], profile)
    document = issuing.did_document(profile)
    assert document["id"].startswith("did:web:") and document["id"].endswith(":credentials:issuers:" + profile.slug)
    assert len(document["verificationMethod"]) == 2 and len(document["assertionMethod"]) == 2


def test_a_credential_type_without_outcomes_or_level_writes_nothing(cred):
    before = CredentialType.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_credential_type(cred["cn_staff"], {
            "institution": cred["urumqi"], "kind": "Certificate", "language": cred["cn_type"].language,
            "name": {"en": "Empty"}, "description": {"en": "x"}, "criteria": {"en": "x"}}, levels=[], outcomes=[])
    assert "outcomes" in caught.value.message_dict
    assert CredentialType.objects.count() == before
    empty = CredentialType.objects.create(institution=cred["urumqi"], kind="Certificate", name="No outcomes",
                                          description="x", criteria="x", language=cred["cn_type"].language)
    with pytest.raises(ValidationError) as caught:
        issuing.issue_award(cred["cn_staff"], cred["award"], empty)
    assert set(caught.value.message_dict) == {"outcomes", "levels"}
    assert IssuedCredential.objects.count() == 0


def test_unknown_framework_level_is_a_clear_error(cred):
    with pytest.raises(ValidationError) as caught:
        services.level_by_key("kz-nqf:12")
    assert "kz-nqf:12" in caught.value.message_dict["level"][0]


def test_referencing_links_official_needs_citation_history_and_conflicts(cred):
    source, target = services.level_by_key("cn-vet:associate"), services.level_by_key("kz-nqf:5")
    data = {"source": source, "target": target, "relation": "equivalent", "status": "official", "source_citation": "",
            "basis_en": "Agreement between the ministries."}
    with pytest.raises(ValidationError) as caught:
        services.save_link(cred["coordinator"], data)
    assert "source_citation" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.save_link(cred["alt_staff"], {**data, "source_citation": "x"})
    link = services.save_link(cred["coordinator"], {**data, "source_citation": "Memorandum 2024"}, reason="agreed")
    stale = link.version
    services.save_link(cred["coordinator"], {"status": "proposed"}, LevelLink.objects.get(pk=link.pk),
                       expected_version=stale)
    with pytest.raises(services.Conflict):
        services.save_link(cred["coordinator"], {"relation": "partial"}, LevelLink.objects.get(pk=link.pk),
                           expected_version=stale)
    assert [h.status for h in LevelLink.history.filter(id=link.pk).order_by("history_date")] == ["official", "proposed"]


def test_credit_transfer_proposed_from_outcomes_then_approved_by_both(cred):
    agreement = services.propose_agreement(cred["cn_staff"], cred["cn_programme"], cred["kz_programme"])
    items = {(i.source_module.code, i.target_module.code): i for i in agreement.items.select_related(
        "source_module", "target_module")}
    assert set(items) == {("CN-1", "KZ-1"), ("CN-2", "KZ-2"), ("CN-2", "KZ-3")}
    assert items[("CN-1", "KZ-1")].coverage == 1.0
    with pytest.raises(PermissionDenied):
        services.approve_agreement(cred["users"]["enterprise"], agreement)
    services.approve_agreement(cred["cn_staff"], agreement)
    assert CreditTransferAgreement.objects.get(pk=agreement.pk).status == "proposed"
    services.approve_agreement(cred["alt_staff"], CreditTransferAgreement.objects.get(pk=agreement.pk))
    assert CreditTransferAgreement.objects.get(pk=agreement.pk).status == "approved"
    assert services.approved_credits(cred["cn_programme"], cred["kz_programme"]) == 14


def test_recognition_proposal_decision_and_appeal(cred):
    from tvetbridge.core.models import Country

    issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    kz = Country.objects.get(code="KZ")
    app = services.apply_for_recognition(cred["trainee_user"], cred["award"], host_country=kz, purpose="study",
                                         target_programme=cred["kz_programme"])
    assert app.target_framework.code == "kz-nqf"
    assert app.proposal["outcome"] == "partial" and app.proposal["level"] == "kz-nqf:5"
    assert {r["code"] for r in app.proposal["reasons"]} >= {"proposed_equivalent", "outcome_coverage"}
    with pytest.raises(PermissionDenied):
        services.decide(cred["cn_staff"], app, outcome="full", level=services.level_by_key("kz-nqf:5"))
    with pytest.raises(ValidationError):  # departs from the proposal without saying why
        services.decide(cred["coordinator"], app, outcome="full", level=services.level_by_key("kz-nqf:5"))
    decided = services.decide(cred["coordinator"], app, outcome="partial", level=services.level_by_key("kz-nqf:5"),
                              compensation="Skills assessment at ALT University", expected_version=app.version)
    assert decided.status == "decided" and decided.reasons
    appealed = services.appeal(cred["trainee_user"], decided, text="My programme covered customs procedures.")
    closed = services.decide_appeal(cred["coordinator"], appealed, outcome="full", note="Evidence accepted.")
    assert closed.status == "closed"
    from tvetbridge.credentials.queries import recognition_report

    row = recognition_report()[0]
    assert (row["origin"], row["host"], row["full"], row["appealed"]) == ("CN", "KZ", 1, 1)


def test_recognition_of_an_unplaced_credential_writes_nothing(cred):
    from tvetbridge.core.models import Country
    from tvetbridge.outcomes.models import Credential

    loose = Credential.objects.create(trainee=cred["trainee"], kind="skill", name="Forklift course",
                                      awarded="2024-05-01")
    with pytest.raises(ValidationError) as caught:
        services.apply_for_recognition(cred["trainee_user"], loose, host_country=Country.objects.get(code="KZ"),
                                       purpose="employment")
    assert "award" in caught.value.message_dict
    assert RecognitionApplication.objects.count() == 0


def test_vc_api_issue_needs_a_token_and_verify_is_public(cred, client):
    from tvetbridge.core.tokens import issue_token

    profile = issuing.ensure_issuer(cred["cn_staff"], cred["urumqi"])
    did = issuing.current_did(profile)
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                  "issuer": did, "credentialSubject": {"id": "did:example:alice", "name": "Alice"}}
    body = json.dumps({"credential": credential, "options": {}})
    assert client.post("/credentials/issue", body, content_type="application/json").status_code == 401
    _token, key = issue_token(cred["cn_staff"], "test")
    response = client.post("/credentials/issue", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201
    vc = response.json()["verifiableCredential"]
    ok = client.post("/credentials/verify", json.dumps({"verifiableCredential": vc}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["verified"]
    vc["credentialSubject"]["name"] = "Mallory"
    bad = client.post("/credentials/verify", json.dumps({"verifiableCredential": vc}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "bad_signature"
    _token, other = issue_token(cred["alt_staff"], "test")
    forbidden = client.post("/credentials/issue", body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {other}")
    assert forbidden.status_code == 403
    unshipped = {**credential, "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/x"]}
    refused = client.post("/credentials/issue", json.dumps({"credential": unshipped}),
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 400 and refused.json()["params"]["url"] == "https://example.org/x"
    assert IssuedCredential.objects.count() == 1


def test_status_list_is_public_and_signed(cred, client):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    url = issued.document["credentialStatus"]["statusListCredential"]
    response = client.get(url.replace(issuing.settings.PUBLIC_URL, ""))
    assert response.status_code == 200
    list_vc = response.json()
    assert list_vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert issuing.verify_document(list_vc).verified


def _cohort(cred, tag: str, n: int) -> list:
    import datetime as dt

    from tvetbridge.outcomes.models import Credential, Enrolment, Trainee

    awards = []
    for i in range(n):
        trainee = Trainee.objects.create(external_key=f"{tag}-{i}", institution=cred["urumqi"])
        enrolment = Enrolment.objects.create(external_key=f"{tag}-en-{i}", trainee=trainee,
                                             programme=cred["cn_programme"], status="completed",
                                             start_date=dt.date(2022, 9, 1), end_date=dt.date(2025, 6, 30))
        awards.append(Credential.objects.create(trainee=trainee, enrolment=enrolment, kind="diploma",
                                                name="Diploma in modern logistics", awarded=dt.date(2025, 6, 30)))
    return awards


def test_issuing_a_cohort_takes_the_same_queries_whatever_its_size_and_skips_issued_awards(cred):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff, ctype = cred["cn_staff"], cred["cn_type"]
    issuing.issue_award(staff, cred["award"], ctype)  # the issuer and its first status list exist from here on
    counts = []
    for tag, n in (("small", 2), ("large", 6)):
        awards = _cohort(cred, tag, n)
        with CaptureQueriesContext(connection) as queries:
            # The award issued above is in the list: it is skipped, not issued twice.
            issued = issuing.issue_many(staff, [cred["award"], *awards], ctype)
        assert sorted(r.award_id for r in issued) == sorted(a.pk for a in awards)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert IssuedCredential.objects.filter(credential_type=ctype, award=cred["award"]).count() == 1


def test_schema_errors_name_the_schema_and_the_place(cred):
    document = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"]).document
    broken = json.loads(json.dumps(document))
    broken["credentialSubject"]["achievement"]["criteria"] = "passed"
    problems = validate.schema_errors(broken)
    assert problems and {p["schema"] for p in problems} == {"ob3"}
    assert any(p["path"].startswith("credentialSubject.achievement") for p in problems), problems
