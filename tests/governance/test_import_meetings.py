"""A committee's meetings from XLSX on its page: rows become that committee's meetings, bad rows are
named by row and column with nothing written, and only those who keep its meetings may import."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tvetbridge.governance.io.events import import_events
from tvetbridge.governance.io.meetings import SPEC, import_meetings, template_file
from tvetbridge.governance.models import Event
from tvetbridge.registry.io.files import read_table, write_xlsx

HEADER = [c.key for c in SPEC.columns]


def row(**values) -> list:
    base = {"external_key": "meet-4", "title_en": "Fourth meeting of the coordination committee",
            "title_kk": "Үйлестіру комитетінің төртінші отырысы", "status": "planned", "starts_on": "2027-04-15",
            "ends_on": "2027-04-15", "country": "KZ", "city": "Astana", "projects": "proj-1", "published": "yes"}
    base.update(values)
    return [base.get(k, "") for k in HEADER]


def xlsx(*rows) -> bytes:
    return write_xlsx(HEADER, list(rows), title="meetings")


def test_meetings_import_onto_their_committee(network):
    committee = network["committee"]
    result = import_meetings(network["urumqi_staff"], committee, xlsx(row(), row(external_key="meet-5",
                                                                               starts_on="2027-10-01",
                                                                               ends_on="2027-10-02")), "m.xlsx")
    assert result.ok, result.errors
    meeting = Event.objects.get(external_key="meet-4")
    assert meeting.committee == committee and meeting.kind == "committee_meeting"
    assert meeting.title_kk.startswith("Үйлестіру") and list(meeting.projects.all()) == [network["project"]]
    again = import_meetings(network["coordinator"], committee, xlsx(row(city="Almaty")), "m.xlsx")
    assert again.ok and [o.action for o in again.outcomes] == ["update"]
    assert Event.objects.get(external_key="meet-4").city == "Almaty"


def test_bad_rows_and_other_events_keys_are_named_and_nothing_is_written(network):
    import_events(network["coordinator"], write_xlsx(["external_key", "title_en", "kind", "starts_on", "ends_on",
                                                      "country"],
                                                     [["forum-1", "Forum", "forum", "2027-05-01", "2027-05-01",
                                                       "KZ"]], title="events"), "e.xlsx")
    result = import_meetings(network["coordinator"], network["committee"], xlsx(
        row(),
        row(external_key="meet-5", starts_on="2027-05-05", ends_on="2027-05-01"),
        row(external_key="meet-6", country="XX"),
        row(external_key="meet-7", status="held", starts_on="2099-01-01", ends_on="2099-01-01"),
        row(external_key="forum-1"),
    ), "m.xlsx")
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "ends_on"), (4, "country"), (5, "status"), (6, "external_key")} <= found, found
    assert not Event.objects.filter(committee=network["committee"], external_key__startswith="meet").exists()
    assert Event.objects.get(external_key="forum-1").kind == "forum"


def test_only_those_who_keep_the_meetings_import_them(network, client):
    committee = network["committee"]
    denied = import_meetings(network["other_staff"], committee, xlsx(row()), "m.xlsx")
    assert not denied.ok and not Event.objects.filter(external_key="meet-4").exists()
    url = reverse("governance_meeting_import", args=[committee.pk])
    client.force_login(network["coordinator"])
    assert f'href="{url}"' in client.get(reverse("governance_committee", args=[committee.pk])).content.decode()
    template = client.get(reverse("governance_meeting_import_template", args=[committee.pk]))
    # Compared as tables: an XLSX carries the second it was written, so two files a second apart differ.
    served, expected = read_table(template.content, "m.xlsx"), read_table(template_file(), "m.xlsx")
    assert (served.header, served.rows) == (expected.header, expected.rows) and served.header == HEADER
    bad = client.post(url, {"file": SimpleUploadedFile("m.xlsx", xlsx(row(), row(external_key="x", country="")))})
    assert "Nothing was imported" in bad.content.decode() and not Event.objects.filter(external_key="meet-4").exists()
    assert client.post(url, {"file": SimpleUploadedFile("m.xlsx", xlsx(row()))}).status_code == 302
    client.force_login(network["other_staff"])
    assert f'href="{url}"' not in client.get(reverse("governance_committee", args=[committee.pk])).content.decode()
    assert client.get(url).status_code == 403
