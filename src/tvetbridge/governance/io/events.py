"""Importing cooperation events (the calendar) from XLSX or CSV with the registry's import machinery,
as ``agreements`` does: every row checked before anything is written, all rows written or none,
matched on ``external_key``. Institution staff import only events their institution organises.
Committee meetings are recorded from the committee's page (a file cannot name a committee)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.registry.io.columns import Column, Constraint, translated
from tvetbridge.registry.io.files import write_xlsx
from tvetbridge.registry.io.importer import ImportResult, Row

from ..models import Event
from .common import TitledImporter, TitledSpec, guarded_import

KIND = "events"

SPEC = TitledSpec(KIND, Event, [
    Column("external_key", "external_key", "text", required=True),
    *translated("title"),
    Column("kind", "kind", "choice", required=True),
    Column("status", "status", "choice"),
    Column("starts_on", "starts_on", "date", required=True),
    Column("ends_on", "ends_on", "date", required=True),
    Column("country", "country", "fk", required=True, lookup="country"),
    Column("city", "city", "text"),
    Column("organiser", "organiser", "fk", lookup="institution"),
    Column("other_organisers", "other_organisers", "text"),
    Column("alliance", "alliance", "fk", lookup="alliance"),
    Column("projects", "projects", "m2m"),
    Column("published", "published", "bool"),
], constraints=[
    Constraint("event_dates_ordered", "ends_on", gettext_lazy("The event cannot end before it starts.")),
])


class EventImporter(TitledImporter):
    def check_rows(self, rows: list[Row]) -> None:
        super().check_rows(rows)
        today = dt.date.today()
        for row in rows:
            v = row.values
            if v.get("kind") == Event.Kind.COMMITTEE_MEETING and "kind" not in row.bad:
                self.error(row, "kind", _("Record committee meetings on the committee's page."))
            starts = v.get("starts_on")
            if v.get("status") == Event.Status.HELD and starts and starts > today and "starts_on" not in row.bad:
                self.error(row, "status", _("An event that has not begun cannot have been held."))

    def check_scope(self, row: Row, obj) -> None:
        if not self.is_institution_staff() or "organiser" in row.bad:
            return
        if obj.organiser_id != self.user.profile.institution_id:
            self.error(row, "organiser", _("Your institution must organise the event or sit on the committee "
                                           "that meets."))


def import_events(user, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` (the bytes of an XLSX or CSV file): every row checked, then all written or none."""
    return guarded_import(EventImporter, user, SPEC, data, filename, dry_run=dry_run)


def template_file() -> bytes:
    header = [c.key for c in SPEC.columns]
    example = ["evt-0001", "China–Russia vocational education forum", "", "", "", "forum", "planned", "2027-05-20",
               "2027-05-21", "CN", "Tianjin", "inst-a", "Ministry of Education", "", "proj-1", "yes"]
    return write_xlsx(header, [example], title="events")
