"""The cooperation calendar: one month of events, committee meetings and teachers' dispatches, by
country and project, as each viewer may see it; and the same entries as an iCalendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from tvetbridge.governance import services


@pytest.fixture
def dispatch(network):
    from tvetbridge.core.models import Language
    from tvetbridge.teachers.models import Assignment

    start = network["meeting"].starts_on - dt.timedelta(days=45)
    return Assignment.objects.create(faculty=network["teacher"], from_institution=network["urumqi"],
                                     project=network["project"], country=network["kz"], field=network["logistics"],
                                     language=Language.objects.get(code="ru"), start_date=start,
                                     end_date=start + dt.timedelta(days=120), status="abroad")


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def test_month_view_by_country_and_project_and_what_the_public_sees(client, network, dispatch):
    meeting, tour = network["meeting"], network["tour"]
    url = reverse("governance_calendar")
    client.force_login(network["coordinator"])
    page = client.get(url, {"month": month_of(meeting.starts_on)}).content.decode()
    assert meeting.title in page and "Wang Fang" in page
    # The dispatch began months before: it shows on the month's first day, marked as continuing there.
    assert f'id="day-{meeting.starts_on.replace(day=1):%Y-%m-%d}"' in page
    in_china = client.get(url, {"month": month_of(meeting.starts_on), "country": "CN"}).content.decode()
    assert meeting.title not in in_china and "Wang Fang" not in in_china
    other = services.create_event(network["coordinator"], {
        "title": "Forum without the project", "kind": "forum", "starts_on": meeting.starts_on,
        "ends_on": meeting.starts_on, "country": network["kz"]})
    by_project = client.get(url, {"month": month_of(meeting.starts_on), "project": network["project"].pk})
    assert meeting.title in by_project.content.decode() and other.title not in by_project.content.decode()
    assert tour.title in client.get(url, {"month": month_of(tour.starts_on)}).content.decode()
    client.logout()
    public = client.get(url, {"month": month_of(meeting.starts_on)}).content.decode()
    assert meeting.title in public and "Wang Fang" not in public
    assert tour.title not in client.get(url, {"month": month_of(tour.starts_on)}).content.decode()
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    # A month the form cannot read falls back to this one rather than failing.
    assert client.get(url, {"month": "2025-13"}).status_code == 200


def test_feed_is_rfc5545_and_parses_back(client, network, dispatch):
    long_title = "Forum, round table; and exhibition of Luban Workshop equipment from Tianjin, Urumqi and Almaty"
    forum = services.create_event(network["coordinator"], {
        "title": long_title, "kind": "forum", "starts_on": network["today"] + dt.timedelta(days=3),
        "ends_on": network["today"] + dt.timedelta(days=4), "country": network["kz"], "city": "Almaty"})
    client.force_login(network["coordinator"])
    response = client.get(reverse("governance_calendar_feed"))
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert b"round table\\; and" in raw.replace(b"\r\n ", b"") and b"Forum\\, round" in raw.replace(b"\r\n ", b"")
    cal = Calendar.from_ical(raw)
    entries = {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    assert {f"event-{forum.pk}", f"event-{network['meeting'].pk}", f"dispatch-{dispatch.pk}"} <= set(entries)
    entry = entries[f"event-{forum.pk}"]
    assert str(entry["SUMMARY"]) == long_title and "DTSTAMP" in entry
    assert entry.decoded("DTSTART") == forum.starts_on
    assert entry.decoded("DTEND") == forum.ends_on + dt.timedelta(days=1)
    assert str(entry["LOCATION"]) == "Almaty, Kazakhstan"
    assert str(entry["URL"]).endswith(reverse("governance_event", args=[forum.pk]))
    assert "Wang Fang" in str(entries[f"dispatch-{dispatch.pk}"]["SUMMARY"])
    china = Calendar.from_ical(client.get(reverse("governance_calendar_feed"), {"country": "CN"}).content)
    assert {str(e["UID"]).split("@")[0] for e in china.walk("VEVENT")} == {f"event-{network['tour'].pk}"}
    client.logout()
    public = Calendar.from_ical(client.get(reverse("governance_calendar_feed")).content)
    uids = {str(e["UID"]).split("@")[0] for e in public.walk("VEVENT")}
    assert f"event-{forum.pk}" in uids and f"event-{network['tour'].pk}" not in uids
    assert not any(u.startswith("dispatch-") for u in uids)


def test_an_empty_month_points_to_the_next_entry(client, network, dispatch):
    client.force_login(network["coordinator"])
    url = reverse("governance_calendar")
    empty = client.get(url, {"month": month_of(dispatch.start_date - dt.timedelta(days=400))}).content.decode()
    assert 'id="calendar-empty"' in empty and 'id="calendar-next-entry"' in empty
    target = empty.split('id="calendar-next-entry"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert 'id="calendar-empty"' not in client.get(target).content.decode()
