"""Agreements from XLSX: row and field errors, nothing half-written, the institution's own scope."""

from __future__ import annotations

from django.urls import reverse

from tvetbridge.governance.io.agreements import SPEC, import_agreements, template_file
from tvetbridge.governance.models import Agreement
from tvetbridge.registry.io.files import write_xlsx

HEADER = [c.key for c in SPEC.columns]


def row(**values) -> list:
    base = {"external_key": "agr-1", "title_en": "Framework on logistics training", "level": "institutional",
            "kind": "framework", "status": "signed", "institutions": "inst-alt; inst-urumqi",
            "countries": "KZ; CN", "projects": "proj-1", "signed_on": "2025-03-01", "effective_from": "2025-03-01",
            "expires_on": "2030-02-28", "renewal": "by_agreement", "renewal_notice_days": "180",
            "confidential": "no"}
    base.update(values)
    return [base.get(k, "") for k in HEADER]


def xlsx(*rows) -> bytes:
    return write_xlsx(HEADER, list(rows), title="agreements")


def test_good_file_imports_with_parties_projects_and_history(gov):
    result = import_agreements(gov["coordinator"], xlsx(row(), row(external_key="agr-2", status="draft",
                                                                   signed_on="", projects="")), "a.xlsx")
    assert result.ok, result.errors
    a = Agreement.objects.get(external_key="agr-1")
    assert {i.external_key for i in a.institutions.all()} == {"inst-alt", "inst-urumqi"}
    assert list(a.projects.all()) == [gov["project"]] and a.renewal_notice_days == 180
    assert a.history.exists()
    # The same file again changes nothing.
    again = import_agreements(gov["coordinator"], xlsx(row()), "a.xlsx")
    assert again.ok and [o.action for o in again.outcomes] == ["unchanged"]


def test_bad_rows_are_named_and_nothing_is_written(gov):
    before = Agreement.objects.count()
    result = import_agreements(gov["coordinator"], xlsx(
        row(),
        row(external_key="agr-2", level="galactic"),
        row(external_key="agr-3", projects="proj-nope", signed_on=""),
        row(external_key="agr-4", effective_from="2030-01-01", expires_on="2029-01-01"),
    ), "a.xlsx")
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert (3, "level") in found
    assert (4, "projects") in found and (4, "signed_on") in found
    assert (5, "expires_on") in found
    assert Agreement.objects.count() == before


def test_institution_staff_import_only_agreements_they_are_party_to(gov):
    result = import_agreements(gov["other_staff"], xlsx(row()), "a.xlsx")
    assert not result.ok and result.errors[0].column == "institutions"
    assert not Agreement.objects.filter(external_key="agr-1").exists()
    assert import_agreements(gov["institution"], xlsx(row()), "a.xlsx").ok


def test_enterprise_staff_may_not_import(gov):
    result = import_agreements(gov["enterprise"], xlsx(row()), "a.xlsx")
    assert not result.ok and "may not import" in result.errors[0].message


def test_template_reads_back(gov):
    result = import_agreements(gov["coordinator"], template_file(), "template.xlsx", dry_run=True)
    # The template names example institutions that this world does not have (its project, proj-1, exists).
    assert {e.column for e in result.errors} == {"institutions"}


def test_import_page(client, gov):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(gov["coordinator"])
    page = client.post(reverse("governance_agreement_import"), {
        "file": SimpleUploadedFile("a.xlsx", xlsx(row(level="galactic")))}).content.decode()
    assert "“galactic” is not one of" in page and not Agreement.objects.filter(external_key="agr-1").exists()
    resp = client.post(reverse("governance_agreement_import"), {"file": SimpleUploadedFile("a.xlsx", xlsx(row()))})
    assert resp.status_code == 302 and Agreement.objects.filter(external_key="agr-1").exists()
    client.force_login(gov["enterprise"])
    assert client.get(reverse("governance_agreement_import")).status_code == 403
