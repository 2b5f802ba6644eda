"""Events from XLSX: the calendar imported with row and field errors, nothing half-written, and
institution staff importing only what their institution organises."""

from __future__ import annotations

from django.urls import reverse

from tvetbridge.governance.io.events import SPEC, import_events, template_file
from tvetbridge.governance.models import Event
from tvetbridge.registry.io.files import read_table, write_xlsx

HEADER = [c.key for c in SPEC.columns]


def row(**values) -> list:
    base = {"external_key": "evt-1", "title_en": "Central Asia logistics skills competition",
            "title_ru": "Конкурс профессионального мастерства по логистике", "kind": "skills_competition",
            "status": "held", "starts_on": "2025-10-01", "ends_on": "2025-10-03", "country": "KZ", "city": "Almaty",
            "organiser": "inst-alt", "projects": "proj-1", "published": "yes"}
    base.update(values)
    return [base.get(k, "") for k in HEADER]


def xlsx(*rows) -> bytes:
    return write_xlsx(HEADER, list(rows), title="events")


def test_events_import_with_their_projects_and_translations(gov):
    result = import_events(gov["coordinator"], xlsx(row(), row(external_key="evt-2", kind="forum", status="planned",
                                                               starts_on="2027-05-20", ends_on="2027-05-21",
                                                               country="CN", organiser="", projects="")), "e.xlsx")
    assert result.ok, result.errors
    event = Event.objects.get(external_key="evt-1")
    assert list(event.projects.all()) == [gov["project"]] and event.organiser == gov["alt"]
    assert event.title_ru.startswith("Конкурс") and event.history.exists()
    again = import_events(gov["coordinator"], xlsx(row()), "e.xlsx")
    assert again.ok and [o.action for o in again.outcomes] == ["unchanged"]


def test_bad_rows_are_named_and_nothing_is_written(gov):
    result = import_events(gov["coordinator"], xlsx(
        row(),
        row(external_key="evt-2", kind="party"),
        row(external_key="evt-3", starts_on="2025-10-05", ends_on="2025-10-01"),
        row(external_key="evt-4", country="XX", projects="proj-nope"),
        row(external_key="evt-5", status="held", starts_on="2099-01-01", ends_on="2099-01-02"),
        row(external_key="evt-6", kind="committee_meeting"),
        row(external_key="evt-7", title_en="", title_ru=""),
    ), "e.xlsx")
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "kind"), (4, "ends_on"), (5, "country"), (5, "projects"), (6, "status"), (7, "kind"),
            (8, "title_en")} <= found, found
    assert not Event.objects.exists()


def test_institution_staff_import_only_their_own_events(gov):
    result = import_events(gov["institution"], xlsx(row(organiser="inst-urumqi")), "e.xlsx")
    assert not result.ok and result.errors[0].column == "organiser"
    assert import_events(gov["institution"], xlsx(row()), "e.xlsx").ok
    denied = import_events(gov["enterprise"], xlsx(row(external_key="evt-9")), "e.xlsx")
    assert not denied.ok and not Event.objects.filter(external_key="evt-9").exists()


def test_import_page_and_template(gov, client):
    client.force_login(gov["coordinator"])
    assert client.get(reverse("governance_event_import")).status_code == 200
    template = client.get(reverse("governance_event_import_template"))
    # Compared as tables: an XLSX carries the second it was written.
    served, expected = read_table(template.content, "e.xlsx"), read_table(template_file(), "e.xlsx")
    assert template.status_code == 200 and (served.header, served.rows) == (expected.header, expected.rows)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("governance_event_import"),
                           {"file": SimpleUploadedFile("e.xlsx", xlsx(row(), row(external_key="evt-2", country="")))})
    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    assert not Event.objects.exists()
