"""The two "done when" journeys of issue #14, clicked through the menus in headless chromium.

(a) An institution issues a credential; the trainee downloads it (JSON-LD and the PDF certificate); an
anonymous visitor verifies it in Kazakh; the institution revokes it; verifying again shows "revoked".
(b) A coordinator records the China ↔ Kazakhstan referencing; the platform proposes a credit-transfer
agreement and both institutions approve it; a trainee applies for recognition and the coordinator
decides it, with its reasons shown to the applicant.

The only typed addresses are the home page (where every visit starts) and the public verifier's page,
which a verifier reaches from the QR code or address printed on the certificate.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["CREDENTIALS_SHOTS"]) if os.environ.get("CREDENTIALS_SHOTS") else None


def _shot(page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(browser, base: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(base + "/")
    page.click("header .tools a:has-text('Log in')")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _menu(page, label: str) -> None:
    page.click(f"nav.main-nav a:text-is('{label}')")
    page.wait_for_load_state()


def _verify_upload(page, path: Path) -> None:
    page.set_input_files("#verify-form input[type=file]", str(path))
    page.click("#verify-button")
    page.wait_for_load_state()


def _place_and_compare(staff, cred) -> None:
    from tvetbridge.credentials.models import ProgrammeProfile

    _menu(staff, "Programmes")
    staff.click(f"main a:text-is('{cred['cn_programme'].name}')")
    staff.click("#edit-placement")
    staff.fill("#id_hours", "3400")
    staff.fill("#id_outcomes", "skill-0; Manages the operations of a warehouse\nPlans multimodal freight transport")
    staff.fill("#id_reason", "Programme outcomes stated")
    staff.click("#save-placement")
    staff.wait_for_load_state()
    assert staff.locator("#placement-outcomes li").count() == 2
    profile = ProgrammeProfile.objects.get(programme=cred["cn_programme"])
    assert profile.hours == 3400 and profile.version == 2
    _shot(staff, "b2a-placement")
    staff.click("#compare-partners")
    staff.click(f"#partner-programmes a[href$='/compare/{cred['kz_programme'].pk}/']")
    staff.wait_for_load_state()
    assert staff.locator("#compare-outcomes tr.cmp-match").count() >= 5
    _shot(staff, "b2b-compare")


def test_trainee_downloads_visitor_verifies_in_kazakh_institution_revokes(cred, live_server, browser, settings,
                                                                          tmp_path):
    from django.utils import translation

    from tvetbridge.credentials import texts
    from tvetbridge.credentials.models import IssuedCredential

    settings.PUBLIC_URL = live_server.url  # the certificate's QR code and status list point at this server
    base = live_server.url

    # The Chinese institution signs and issues the diploma from its issuing desk.
    staff = _login(browser, base, "urumqi-staff", "pw-institution-123!")
    _menu(staff, "Issuing credentials")
    staff.select_option("#issue-form select[name=award]", str(cred["award"].pk))
    staff.select_option("#issue-form select[name=credential_type]", str(cred["cn_type"].pk))
    staff.click("#issue-form button[type=submit]")
    staff.wait_for_load_state()
    assert staff.locator("#verify-result").get_attribute("data-verified") == "true"
    issued = IssuedCredential.objects.get()

    # The trainee downloads the signed credential and its PDF certificate from "My credentials".
    trainee = _login(browser, base, "trainee-user", "pw-trainee-123!")
    _menu(trainee, "My credentials")
    _shot(trainee, "a1-my-credentials")
    with trainee.expect_download() as got:
        trainee.click("#my-credentials a.json-download")
    json_path = tmp_path / "credential.jsonld"
    got.value.save_as(json_path)
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["id"] == issued.urn and document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["credentialSubject"]["achievement"]["nameMap"]["kk"] == "Заманауи логистика дипломы"
    with trainee.expect_download(timeout=90000) as got:  # the PDF is rendered on request (WeasyPrint)
        trainee.click("#my-credentials a.pdf-download", timeout=90000)
    pdf_path = tmp_path / "certificate.pdf"
    got.value.save_as(pdf_path)
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    printed = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    verify_address = f"{base}/verify/{issued.uuid}/"
    assert verify_address in printed.replace("\n", "")
    if SHOTS is not None:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path),
                        str(SHOTS / "a2-certificate")], check=True)

    # An anonymous visitor opens the public verifier, chooses Kazakh and uploads the file.
    visitor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(20000)
    visitor.goto(base + "/verify/")
    visitor.select_option("#lang-select", "kk")
    visitor.wait_for_url("**/kk/verify/")
    _verify_upload(visitor, json_path)
    assert visitor.locator("#verify-result").get_attribute("data-verified") == "true"
    assert visitor.locator("html").get_attribute("lang") == "kk"
    assert "Заманауи логистика дипломы" in visitor.inner_text("#verify-result")  # the credential's Kazakh name
    verdict = visitor.inner_text("#verify-verdict")
    assert "verified" not in verdict  # the verdict is in Kazakh, not English
    statuses = {row.get_attribute("data-check"): row.get_attribute("data-status")
                for row in visitor.locator("#check-table tbody tr").all()}
    assert statuses["signature"] == statuses["issuer"] == statuses["status"] == "passed"
    _shot(visitor, "a3-verified-kk")

    # The institution revokes it from the credential's page.
    staff.click("nav.main-nav a:text-is('Issuing credentials')")
    staff.click(f"#issued-table a[href*='{issued.uuid}']")
    staff.select_option("#status-form select[name=status]", "revoked")
    staff.fill("#status-form input[name=reason]", "Diploma withdrawn: examination fraud established")
    staff.click("#status-form button[type=submit]")
    staff.wait_for_load_state()
    assert "Revoked" in staff.inner_text("#credential-status") or "revoked" in staff.inner_text("#credential-status")
    _shot(staff, "a4-revoked-by-institution")

    # Verifying again, by file and through the address printed under the certificate's QR code.
    visitor.click("nav.main-nav a[href$='/kk/verify/']")
    _verify_upload(visitor, json_path)
    assert visitor.locator("#verify-result").get_attribute("data-verified") == "false"
    status_row = visitor.locator("#check-table tr[data-check=status]")
    assert status_row.get_attribute("data-status") == "failed"
    with translation.override("kk"):
        revoked_kk = texts.check_text("revoked", {})
    assert revoked_kk != "Revoked by the issuer." and revoked_kk in status_row.inner_text()
    visitor.goto(verify_address.replace(base, base + "/kk"))
    assert visitor.locator("#check-table tr[data-check=status]").get_attribute("data-status") == "failed"
    _shot(visitor, "a5-revoked-kk")
    for page in (staff, trainee, visitor):
        page.context.close()


def test_referencing_credit_transfer_and_recognition_decision(cred, live_server, browser, make_user):
    from tvetbridge.credentials.models import (
        CreditTransferAgreement,
        FrameworkLevel,
        LevelLink,
        RecognitionApplication,
    )

    base = live_server.url
    make_user("coordinator", username="coord")

    # The coordinator records the official China ↔ Kazakhstan link.
    coord = _login(browser, base, "coord", "pw-coordinator-123!")
    _menu(coord, "Frameworks")
    coord.click("#referencing-link")
    coord.select_option("select[name=a]", "cn-vet")
    coord.select_option("select[name=b]", "kz-nqf")
    coord.click("form.filters button[type=submit]")
    coord.click("#add-link")
    level = {(lv.framework.code, lv.code): str(lv.pk) for lv in FrameworkLevel.objects.select_related("framework")}
    coord.select_option("#id_source", level[("cn-vet", "associate")])
    coord.select_option("#id_target", level[("kz-nqf", "5")])
    coord.select_option("#id_relation", "equivalent")
    coord.select_option("#id_status", "official")
    coord.fill("#id_source_citation", "Protocol of the Kazakh–Chinese working group on mutual recognition, 2025")
    coord.fill("#id_basis_en", "Both are short-cycle tertiary vocational levels (ISCED 5) with comparable descriptors.")
    coord.fill("#id_reason", "Working group protocol signed")
    coord.click("#link-form button[type=submit]")
    coord.wait_for_load_state()
    link = LevelLink.objects.get(source__framework__code="cn-vet", target__framework__code="kz-nqf")
    assert link.status == "official"
    assert coord.locator(f"#link-{link.pk}").is_visible()
    _shot(coord, "b1-referencing")

    # The coordinator asks the platform for a credit-transfer proposal between the two programmes.
    _menu(coord, "Credit transfer")
    coord.select_option("#propose-form select[name=source]", str(cred["cn_programme"].pk))
    coord.select_option("#propose-form select[name=target]", str(cred["kz_programme"].pk))
    coord.click("#propose-form button[type=submit]")
    coord.wait_for_load_state()
    agreement = CreditTransferAgreement.objects.get()
    assert coord.locator("#items-table tbody tr").count() == agreement.items.count() > 0
    _shot(coord, "b2-proposal")

    # Both institutions approve it from their own "Credit transfer" page; the Chinese institution first
    # states its programme's outcomes on the frameworks and compares it with its partner's.
    for username in ("urumqi-staff", "institution-user"):
        staff = _login(browser, base, username, "pw-institution-123!")
        if username == "urumqi-staff":
            _place_and_compare(staff, cred)
        _menu(staff, "Credit transfer")
        staff.click(f"#pending-agreements a[href$='/credit-transfer/{agreement.pk}/']")
        staff.click("#approve-button")
        staff.wait_for_load_state()
        if username == "institution-user":
            assert staff.inner_text("#agreement-status").strip() == "approved by both"
            _shot(staff, "b3-approved")
        staff.context.close()
    agreement.refresh_from_db()
    assert agreement.status == CreditTransferAgreement.Status.APPROVED

    # The trainee applies to have the Chinese diploma recognised in Kazakhstan for further study.
    trainee = _login(browser, base, "trainee-user", "pw-trainee-123!")
    _menu(trainee, "Recognition")
    trainee.click("#apply-link")
    trainee.select_option("#id_award", str(cred["award"].pk))
    trainee.select_option("#id_host_country", "KZ")
    trainee.select_option("#id_purpose", "study")
    trainee.select_option("#id_target_programme", str(cred["kz_programme"].pk))
    trainee.click("#apply-form button[type=submit]")
    trainee.wait_for_load_state()
    application = RecognitionApplication.objects.get()
    assert application.proposal["outcome"] == "full"
    assert "official" in trainee.inner_text("#proposal").lower()

    # The coordinator decides, taking the platform's proposal.
    _menu(coord, "Recognition")
    coord.click(f"#applications a[href$='/recognition/{application.pk}/']")
    coord.fill("#decide-form textarea[name=note]", "Admitted to the second year; 17 credits transferred.")
    coord.click("#decide-form button[type=submit]")
    coord.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == "decided" and application.outcome == "full"
    assert application.recognised_level.key == "kz-nqf:5" and application.reasons
    _shot(coord, "b4-decided")

    # The applicant sees the decision and its reasons.
    trainee.reload()
    assert trainee.inner_text("#decision-outcome") == "full recognition"
    reasons = trainee.inner_text("#decision-reasons")
    assert "Admitted to the second year" in reasons and len(reasons.splitlines()) >= 2
    _shot(trainee, "b5-applicant-sees-reasons")
    for page in (coord, trainee):
        page.context.close()
