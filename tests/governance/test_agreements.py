"""Agreements: parties, clauses, documents, the coordinators' lists and the public view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tvetbridge.core.services import Conflict
from tvetbridge.governance import queries, services
from tvetbridge.governance.models import Agreement

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_institution_staff_must_be_a_party(gov):
    with pytest.raises(ValidationError) as err:
        services.create_agreement(gov["other_staff"], {"title": "Not ours", "level": "institutional",
                                                       "kind": "memorandum", "institutions": [gov["alt"]]})
    assert "institutions" in err.value.message_dict
    mine = services.create_agreement(gov["other_staff"], {"title": "Ours", "level": "institutional",
                                                          "kind": "memorandum",
                                                          "institutions": [gov["other_institution"]]})
    assert {h.history_user for h in mine.history.all()} == {gov["other_staff"]}


def test_signed_agreement_needs_its_date(gov):
    with pytest.raises(ValidationError) as err:
        services.update_agreement(gov["coordinator"], gov["draft"], {"status": "signed"})
    assert "signed_on" in err.value.message_dict
    assert Agreement.objects.get(pk=gov["draft"].pk).status == "draft"


def test_clause_kinds_need_their_facts(gov):
    with pytest.raises(ValidationError) as err:
        services.add_clause(gov["coordinator"], gov["bare"], {"kind": "notice_period", "text": "Notice."})
    assert "notice_days" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.add_clause(gov["coordinator"], gov["bare"], {"kind": "guarantee", "text": "Guaranteed."})
    assert "guarantor" in err.value.message_dict
    clause = services.add_clause(gov["coordinator"], gov["bare"], {"kind": "notice_period", "text": "Six months.",
                                                                   "notice_days": 180})
    assert clause.history.count() == 1


def test_other_institution_cannot_change_an_agreement_it_is_not_party_to(gov):
    with pytest.raises(PermissionDenied):
        services.add_clause(gov["other_staff"], gov["bare"], {"kind": "step_in", "text": "x"})
    with pytest.raises(PermissionDenied):
        services.update_agreement(gov["other_staff"], gov["bare"], {"title": "Mine now"})


def test_stale_edit_is_a_conflict(gov):
    a = Agreement.objects.get(pk=gov["bare"].pk)
    services.update_agreement(gov["coordinator"], a, {"title": "Renamed"}, expected_version=1)
    with pytest.raises(Conflict):
        services.update_agreement(gov["institution"], Agreement.objects.get(pk=a.pk), {"title": "Other"},
                                  expected_version=1)


def test_renewals_due_and_agreements_without_clauses(gov):
    today = gov["today"]
    assert [a.title for a in queries.renewals_due(today)] == [gov["protecting"].title]
    assert queries.days_left(gov["protecting"], today) == 60
    unprotected = {a.title for a in queries.without_clauses(today)}
    assert unprotected == {"Memorandum on teacher exchange", "Confidential order contract"}


def test_coordinator_home_lists_renewals_and_gaps(client, gov):
    client.force_login(gov["coordinator"])
    page = client.get(reverse("governance_home")).content.decode()
    assert "Kazakhstan–China framework" in page and "notice window open" in page
    assert "Memorandum on teacher exchange" in page


def test_institution_home_has_no_coordinator_lists(client, gov):
    client.force_login(gov["institution"])
    page = client.get(reverse("governance_home")).content.decode()
    assert "Renewals coming due" not in page


@pytest.mark.parametrize("content,name,error", [
    (b"just text, not a document", "agreement.pdf", "Only PDF"),
    (b"", "empty.pdf", "empty"),
])
def test_documents_refuse_wrong_types(gov, content, name, error):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError) as err:
        services.upload_agreement_document(gov["coordinator"], gov["bare"], file=upload, language="ru", title="Text")
    assert error in " ".join(err.value.message_dict["file"])
    assert not gov["bare"].documents.exists()


def test_documents_refuse_oversize(gov, settings):
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * services.MAX_DOCUMENT_BYTES)
    with pytest.raises(ValidationError) as err:
        services.upload_agreement_document(gov["coordinator"], gov["bare"], file=upload, language="ru", title="Big")
    assert "at most 10 MB" in err.value.message_dict["file"][0]


def test_document_upload_and_download_by_party_only(client, gov, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gov["institution"])
    resp = client.post(reverse("governance_agreement_document_add", args=[gov["bare"].pk]), {
        "title": "Text in Russian", "language": "ru", "file": SimpleUploadedFile("m.pdf", PDF)})
    assert resp.status_code == 302
    doc = gov["bare"].documents.get()
    assert doc.content_type == "application/pdf" and doc.size == len(PDF)
    assert client.get(reverse("governance_agreement_document", args=[doc.pk])).status_code == 200
    client.force_login(gov["other_staff"])
    assert client.get(reverse("governance_agreement_document", args=[doc.pk])).status_code == 403
    # Nor may another institution upload to it: refused before the file is read.
    resp = client.get(reverse("governance_agreement_document_add", args=[gov["bare"].pk]))
    assert resp.status_code == 403


def test_public_sees_only_signed_non_confidential_titles_and_parties(client, gov):
    page = client.get(reverse("governance_public_agreements")).content.decode()
    assert "Kazakhstan–China framework" in page and "Ministry of Education of the PRC" in page
    assert "Confidential order contract" not in page and "Draft recognition agreement" not in page
    # Clauses and documents are not public; neither are the member pages.
    assert "Art. 9" not in page
    for name, args in [("governance_home", []), ("governance_agreements", []),
                       ("governance_agreement", [gov["bare"].pk])]:
        resp = client.get(reverse(name, args=args))
        assert resp.status_code == 302 and "/login" in resp["Location"]


def test_agreement_form_creates_and_edits(client, gov):
    client.force_login(gov["coordinator"])
    resp = client.post(reverse("governance_agreement_create"), {
        "title": "Alliance charter", "level": "alliance", "kind": "framework", "status": "draft",
        "renewal": "none", "renewal_notice_days": 90})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    a = Agreement.objects.get(title="Alliance charter")
    resp = client.post(reverse("governance_agreement_edit", args=[a.pk]), {
        "title": "Alliance charter", "level": "alliance", "kind": "framework", "status": "signed",
        "renewal": "none", "renewal_notice_days": 90, "version": a.version})
    assert "A signed agreement needs the date it was signed." in resp.content.decode()
    resp = client.post(reverse("governance_clause_add", args=[a.pk]), {"kind": "step_in", "text": "Ministry steps in."})
    assert resp.status_code == 302 and a.clauses.count() == 1
    detail = client.get(reverse("governance_agreement", args=[a.pk])).content.decode()
    assert "step-in right" in detail


def test_in_force_respects_term(gov):
    a = gov["protecting"]
    assert a.in_force(gov["today"]) and not a.in_force(gov["today"] + dt.timedelta(days=61))
