"""The upload page for a centre's sitting report: only those who may import see the link and the page;
bad rows named by row and column with nothing written; a check-only run writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tvetbridge.teachers.models import HskSitting

HEADER = "external_key,centre,date,test,scale,level,registered,sat,passed"
GOOD = f"{HEADER}\nn1,hskc-alt,2024-12-08,hsk,hsk3,2,10,9,7\nn2,hskc-alt,2024-12-08,hsk,hsk3,4,8,8,5\n"
BAD = (f"{HEADER}\nb1,hskc-alt,2024-12-08,hsk,hsk3,3,10,9,7\n"
       "b2,hskc-alt,2024-12-08,hsk,hsk3,10,10,9,7\n"      # HSK 3.0 stops at 9
       "b3,hskc-alt,2024-12-08,hsk,hsk3,3,10,9,12\n")     # more passed than sat


def _post(client, text: str, **extra):
    return client.post(reverse("teachers_centre_import"), {
        "kind": "hsk_sittings", "file": SimpleUploadedFile("sittings.csv", text.encode(), "text/csv"), **extra})


@pytest.mark.parametrize("role,sees", [("coordinator", True), ("institution", True), ("enterprise", False),
                                       ("public", False)])
def test_only_who_may_import_sees_the_link_and_the_page(centre, users, client, role, sees):
    if role != "public":
        client.force_login(users[role])
    listing = client.get(reverse("teachers_centres")).content.decode()
    assert (reverse("teachers_centre_import") in listing) is sees
    page = client.get(reverse("teachers_centre_import"))
    assert page.status_code == (200 if sees else 302 if role == "public" else 403)
    template = client.get(reverse("teachers_centre_import_template", args=["hsk_sittings"]))
    assert template.status_code == (200 if sees else 302 if role == "public" else 403)
    if sees:
        assert template.content[:2] == b"PK"  # an XLSX (zip) file


def test_bad_rows_are_named_and_nothing_is_written_a_check_writes_nothing(centre, users, client):
    client.force_login(users["institution"])
    html = _post(client, BAD).content.decode()
    errors = html.split('id="import-errors"')[1]
    assert "<td class=\"num\">3</td><td>level</td>" in errors and "<td class=\"num\">4</td><td>passed</td>" in errors
    assert not HskSitting.objects.filter(external_key__startswith="b").exists()
    html = _post(client, GOOD, dry_run="on").content.decode()
    assert 'id="import-checked"' in html and not HskSitting.objects.filter(external_key__in=["n1", "n2"]).exists()
    response = _post(client, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("teachers_centres")
    assert HskSitting.objects.filter(external_key__in=["n1", "n2"]).count() == 2
