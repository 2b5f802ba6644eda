"""Importing a committee's meetings from XLSX or CSV on the committee's page: each row is a meeting
(an event of kind committee meeting) of that committee, matched on ``external_key`` and checked as
``events`` checks events, all rows written or none. Whoever keeps the committee's meetings (its
member institutions' staff, coordinators) may import them; that is checked before the file is read."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.registry.io.columns import Column, Constraint, translated
from tvetbridge.registry.io.files import write_xlsx
from tvetbridge.registry.io.importer import ImportResult, Row, RowError

from ..models import Committee, Event
from .common import TitledSpec, guarded_import
from .events import EventImporter

KIND = "meetings"

SPEC = TitledSpec(KIND, Event, [
    Column("external_key", "external_key", "text", required=True),
    *translated("title"),
    Column("status", "status", "choice"),
    Column("starts_on", "starts_on", "date", required=True),
    Column("ends_on", "ends_on", "date", required=True),
    Column("country", "country", "fk", required=True, lookup="country"),
    Column("city", "city", "text"),
    Column("projects", "projects", "m2m"),
    Column("published", "published", "bool"),
], constraints=[
    Constraint("event_dates_ordered", "ends_on", gettext_lazy("The event cannot end before it starts.")),
])


class MeetingImporter(EventImporter):
    committee: Committee

    def apply(self, row: Row, obj, is_new: bool) -> None:
        if not is_new and (obj.kind != Event.Kind.COMMITTEE_MEETING or obj.committee_id != self.committee.pk):
            self.error(row, "external_key", _("The external key “%(key)s” belongs to another event.")
                       % {"key": obj.external_key})
            return
        super().apply(row, obj, is_new)
        obj.kind, obj.committee = Event.Kind.COMMITTEE_MEETING, self.committee

    def check_scope(self, row: Row, obj) -> None:
        """Who may keep this committee's meetings was decided before the file was read."""


def import_meetings(user, committee: Committee, data: bytes, filename: str, *, dry_run: bool = False) -> ImportResult:
    """Import ``data`` as ``committee``'s meetings: every row checked, then all written or none."""
    if user is not None and not user.has_perm("governance.change_event", Event(committee=committee)):
        result = ImportResult(kind=KIND, filename=filename, dry_run=dry_run)
        result.errors.append(RowError(None, "", _("You may not import these records.")))
        return result
    importer = type("CommitteeMeetingImporter", (MeetingImporter,), {"committee": committee})
    return guarded_import(importer, user, SPEC, data, filename, dry_run=dry_run)


def template_file() -> bytes:
    header = [c.key for c in SPEC.columns]
    example = ["meet-0001", "Fourth meeting of the coordination committee", "", "", "", "planned", "2027-04-15",
               "2027-04-15", "KZ", "Astana", "proj-1", "yes"]
    return write_xlsx(header, [example], title=KIND)
