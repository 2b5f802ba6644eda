"""The recognition pages as each role sees them: in four languages, with no menu link leading to a 403
or a login wall, and bad input on the public verification page answered with a clear message."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tvetbridge.credentials import issuing

pytestmark = pytest.mark.django_db
LANG_PREFIXES = ["", "/zh-hans", "/ru", "/kk"]


def _login(client, user, role):
    if role != "public":
        client.force_login(user)


@pytest.mark.parametrize("role", ["admin", "coordinator", "institution", "enterprise", "public", "trainee"])
def test_no_menu_link_leads_to_a_403_or_a_login_wall(cred, client, role):
    user = cred["trainee_user"] if role == "trainee" else cred["users"][role]
    _login(client, user, role)
    home = client.get("/")
    links = set(re.findall(r'<nav class="main-nav".*?</nav>', home.content.decode(), re.S)[0].split('href="')[1:])
    hrefs = {link.split('"')[0] for link in links}
    assert "/frameworks/" in hrefs and "/verify/" in hrefs
    ours = ("/frameworks/", "/verify/", "/credentials/", "/credit-transfer/", "/recognition/")
    for href in (h for h in hrefs if h.startswith(ours)):
        response = client.get(href)
        assert response.status_code == 200, (role, href, response.status_code)
        assert "/login/" not in response.get("Location", "")
    expected = {"trainee": {"/credentials/mine/", "/recognition/"},
                "institution": {"/credentials/manage/", "/credit-transfer/", "/recognition/"},
                "coordinator": {"/credentials/manage/", "/credit-transfer/", "/recognition/"},
                "public": set(), "enterprise": {"/credit-transfer/", "/recognition/"}, "admin": {"/credentials/manage/"}}
    assert expected[role] <= hrefs
    if role in ("public", "enterprise"):
        assert "/credentials/manage/" not in hrefs


@pytest.mark.parametrize("prefix", LANG_PREFIXES)
def test_frameworks_and_referencing_are_public_in_four_languages(cred, client, prefix):
    page = client.get(f"{prefix}/frameworks/kz-nqf/")
    assert page.status_code == 200
    assert "16 March 2016" in page.content.decode()
    table = client.get(f"{prefix}/frameworks/referencing/?a=cn-vet&b=kz-nqf")
    assert table.status_code == 200 and 'id="derived-table"' in table.content.decode()


def test_pages_render_for_each_role(cred, client):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    client.force_login(cred["trainee_user"])
    for prefix in LANG_PREFIXES:
        mine = client.get(f"{prefix}/credentials/mine/")
        assert mine.status_code == 200 and str(issued.uuid) in mine.content.decode()
    assert client.get(f"/credentials/{issued.uuid}/credential.jsonld").json()["id"] == issued.urn
    pdf = client.get(f"/credentials/{issued.uuid}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(cred["alt_staff"])  # another institution's staff: the record answers 403, not the data
    assert client.get(f"/credentials/{issued.uuid}/credential.jsonld").status_code == 403
    client.force_login(cred["cn_staff"])
    manage = client.get("/ru/credentials/manage/")
    assert manage.status_code == 200 and "Выдача документов" in manage.content.decode()


def test_public_verification_in_kazakh_by_id_paste_and_upload(cred, client):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    by_id = client.get(f"/kk/verify/{issued.uuid}/").content.decode()
    assert 'data-verified="true"' in by_id and "Құжат тексеруден өтті." in by_id
    pasted = client.post("/kk/verify/", {"document": json.dumps(issued.document)}).content.decode()
    assert 'data-verified="true"' in pasted
    tampered = dict(issued.document, name="Forged diploma")
    refused = client.post("/kk/verify/", {"document": json.dumps(tampered)}).content.decode()
    assert 'data-verified="false"' in refused and 'data-check="signature" data-status="failed"' in refused
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("vc.jsonld", json.dumps(issued.document).encode(), "application/ld+json")
    assert 'data-verified="true"' in client.post("/verify/", {"upload": upload}).content.decode()


@pytest.mark.parametrize("body, fragment", [
    ("{not json", "This is not valid JSON."),
    (json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/ctx"],
                 "type": ["VerifiableCredential"], "issuer": "did:example:i", "credentialSubject": {"id": "x:y"},
                 "proof": {}}), "https://example.org/ctx"),
    ("[" + " " * 300_000 + "]", "too large"),
])
def test_bad_documents_on_the_verify_page_get_clear_messages(cred, client, body, fragment):
    page = client.post("/verify/", {"document": body}).content.decode()
    assert fragment in page


def test_status_change_through_the_page_is_audited(cred, client):
    issued = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    client.force_login(cred["cn_staff"])
    client.post(f"/credentials/{issued.uuid}/status/", {"status": "revoked", "reason": "Issued in error"})
    issued.refresh_from_db()
    assert issued.status == "revoked"
    page = client.get(f"/verify/{issued.uuid}/").content.decode()
    assert 'data-check="status" data-status="failed"' in page and "Revoked by the issuer." in page


def _cohort(cred, size: int):
    from tvetbridge.outcomes.models import Credential, Enrolment, Trainee

    for n in range(size):
        trainee = Trainee.objects.create(external_key=f"cohort-{n}", institution=cred["urumqi"])
        enrolment = Enrolment.objects.create(external_key=f"cohort-en-{n}", trainee=trainee,
                                             programme=cred["cn_programme"], status="completed",
                                             start_date=dt.date(2022, 9, 1), end_date=dt.date(2025, 6, 30))
        Credential.objects.create(trainee=trainee, enrolment=enrolment, kind="diploma", name="Diploma",
                                  awarded=dt.date(2025, 6, 30))


def test_cohort_issuance_is_a_job_with_one_status_entry_each(cred, client):
    from tvetbridge.core.models import Job
    from tvetbridge.credentials.models import IssuedCredential

    _cohort(cred, 6)
    client.force_login(cred["cn_staff"])
    response = client.post("/credentials/manage/", {"cohort": "1", "credential_type": cred["cn_type"].pk})
    job = Job.objects.get(kind="credentials.issue_cohort")
    assert response.status_code == 302 and response["Location"].endswith(f"/account/jobs/{job.pk}/")
    assert job.status == Job.Status.SUCCEEDED and job.result["issued"] == 7  # six plus the fixture's award
    assert job.created_by == cred["cn_staff"]
    issued = IssuedCredential.objects.filter(credential_type=cred["cn_type"])
    assert issued.count() == 7
    slots = {(c.status_list_id, c.status_index) for c in issued}
    assert len(slots) == 7
    for c in issued:
        entry = c.document["credentialStatus"]
        assert entry["statusPurpose"] == "message" and entry["statusSize"] == 2
        assert entry["statusListIndex"] == str(c.status_index)
    # Everyone holds it now: a second run is refused on the form, and no job is queued.
    again = client.post("/credentials/manage/", {"cohort": "1", "credential_type": cred["cn_type"].pk})
    assert again.status_code == 200 and "already holds this credential" in again.content.decode()
    assert Job.objects.filter(kind="credentials.issue_cohort").count() == 1


def test_cohort_issuance_is_refused_to_other_institutions(cred):
    from django.core.exceptions import PermissionDenied

    _cohort(cred, 1)
    with pytest.raises(PermissionDenied):
        issuing.start_cohort(cred["alt_staff"], cred["cn_type"])


def test_issuers_and_their_keys_are_documented_publicly(cred, client):
    first = issuing.issue_award(cred["cn_staff"], cred["award"], cred["cn_type"])
    issuing.rotate_key(cred["cn_staff"], first.issuer, reason="yearly rotation")
    verify_page = client.get("/kk/verify/").content.decode()
    assert 'href="/kk/verify/issuers/"' in verify_page
    page = client.get("/kk/verify/issuers/")
    assert page.status_code == 200
    html = page.content.decode()
    keys = list(first.issuer.keys.order_by("created"))
    assert len(keys) == 2 and all(f'data-key="{k.public_key_multibase}"' in html for k in keys)
    assert issuing.current_did(first.issuer) in html and "Urumqi Vocational University" in html
    assert "sealed_private_key" not in html and keys[0].sealed_private_key not in html
