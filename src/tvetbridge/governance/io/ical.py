"""The calendar as an iCalendar feed (RFC 5545), written with the ``icalendar`` library, which folds
lines at 75 octets and escapes commas, semicolons and backslashes in text values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar
from icalendar import Event as VEvent

from ..queries import CalendarItem

PRODID = "-//TVET Bridge//Governance calendar//EN"


def feed(items: Iterable[CalendarItem], *, name: str, base_url: str, host: str, language: str,
         stamp: dt.datetime) -> bytes:
    """``items`` as a VCALENDAR. Entries are whole days: DTEND is the day after the last one (the
    exclusive end RFC 5545 §3.6.1 gives all-day events). UIDs name the record, so a subscribed
    application updates an entry when the record changes rather than adding a second one."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for item in items:
        entry = VEvent()
        entry.add("uid", f"{item.uid}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.starts)
        entry.add("dtend", item.ends + dt.timedelta(days=1))
        entry.add("summary", item.title, parameters={"LANGUAGE": language})
        entry.add("categories", [item.label])
        entry.add("status", item.status.upper())
        entry.add("transp", "TRANSPARENT")
        if item.place:
            entry.add("location", item.place)
        if item.description:
            entry.add("description", item.description)
        entry.add("url", base_url + item.path)
        cal.add_component(entry)
    return cal.to_ical()
