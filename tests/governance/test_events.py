"""Coordination bodies and events: committees and their members, meetings with decisions and follow-up
actions, competitions and visits with participants and results that feed trainee and teacher
records, the calendar, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tvetbridge.governance import queries, services
from tvetbridge.governance.models import Event, FollowUpAction
from tvetbridge.outcomes.models import Credential


def test_committees_are_set_up_by_coordinators_and_kept_by_their_members(network):
    with pytest.raises(PermissionDenied):
        services.create_committee(network["institution"], {"name": "x", "kind": "other"})
    committee = network["committee"]
    # Urumqi sits on the committee (its chair): its staff keep the committee's records; ALT's do not.
    services.update_committee(network["urumqi_staff"], committee, {"mandate": "Steers two programmes."},
                              expected_version=committee.version)
    with pytest.raises(PermissionDenied):
        services.update_committee(network["institution"], committee, {"mandate": "x"})
    with pytest.raises(ValidationError) as err:
        services.add_member(network["coordinator"], committee, {"name": "Nobody", "role": "member"})
    assert "organisation" in err.value.message_dict


def test_events_belong_to_their_organisers(network):
    today = network["today"]
    base = {"title": "Forum", "kind": "forum", "starts_on": today, "ends_on": today, "country": network["kz"]}
    # Institution staff organise for their own institution only.
    event = services.create_event(network["institution"], base)
    assert event.organiser == network["alt"]
    with pytest.raises(ValidationError) as err:
        services.create_event(network["institution"], {**base, "organiser": network["urumqi"]})
    assert "organiser" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_event(network["other_staff"], event, {"city": "Astana"})
    with pytest.raises(ValidationError) as err:
        services.create_event(network["coordinator"], {**base, "kind": "committee_meeting"})
    assert "committee" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.create_event(network["coordinator"], {**base, "status": "held",
                                                       "starts_on": today + dt.timedelta(days=3),
                                                       "ends_on": today + dt.timedelta(days=3)})
    assert "status" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.create_event(network["coordinator"], {**base, "ends_on": today - dt.timedelta(days=1)})


def test_decisions_link_projects_and_agreements_and_actions_follow_up(network):
    meeting, coordinator = network["meeting"], network["coordinator"]
    decision = services.add_decision(coordinator, meeting, {
        "reference": "Resolution 3", "text": "Open a second workshop in Shymkent.",
        "projects": [network["project"]], "agreements": [network["protecting"]]})
    assert list(network["project"].governance_decisions.all()) == [decision]
    assert list(network["protecting"].decisions.all()) == [decision]
    with pytest.raises(ValidationError) as err:
        services.add_action(coordinator, decision, {"description": "Survey the site"})
    assert "responsible" in err.value.message_dict
    action = services.add_action(coordinator, decision, {"description": "Survey the site",
                                                          "responsible": network["urumqi"],
                                                          "due_on": network["today"] - dt.timedelta(days=1)})
    assert list(queries.open_actions()) == [action]
    # The committee's member institution reports the action done; the date is recorded.
    services.update_action(network["urumqi_staff"], action, {"status": "done"}, expected_version=action.version)
    assert FollowUpAction.objects.get(pk=action.pk).completed_on == dt.date.today()
    assert not queries.open_actions().exists()
    with pytest.raises(ValidationError):
        services.add_decision(coordinator, network["tour"], {"text": "Too early"})


def test_participants_results_and_the_trainee_record(network):
    competition, staff = network["competition"], network["institution"]  # ALT organises the competition
    trainee = network["trainees"][0]
    with pytest.raises(ValidationError) as err:
        services.add_participant(staff, competition, {"role": "competitor", "trainee": trainee, "name": "Aigerim"})
    assert "never by name" in err.value.message_dict["name"][0]
    judge = services.add_participant(network["coordinator"], competition, {"role": "judge",
                                                                           "faculty": network["teacher"]})
    assert judge.institution == network["urumqi"]
    winner = services.add_participant(staff, competition, {
        "role": "competitor", "trainee": trainee, "placing": 1, "award": "gold",
        "certificate": "Warehouse logistics, level 3"})
    assert winner.institution == network["alt"]
    credential = services.feed_result(staff, winner)
    assert Credential.objects.get(pk=credential.pk).trainee == trainee and credential.name.startswith("Warehouse")
    assert credential.awarded == competition.ends_on
    with pytest.raises(ValidationError):
        services.feed_result(staff, winner)
    with pytest.raises(ValidationError):
        services.update_participant(staff, winner, {"certificate": "Other"}, expected_version=winner.version)
    # Placings only in competitions, and results only once an event has been held.
    with pytest.raises(ValidationError) as err:
        services.add_participant(network["coordinator"], network["meeting"], {"name": "Guest", "placing": 2})
    assert "placing" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.add_participant(network["coordinator"], network["tour"], {"name": "Guest", "award": "gold"})
    # Another institution registers only its own people.
    with pytest.raises(ValidationError) as err:
        services.add_participant(network["other_staff"], competition, {"name": "Visitor", "institution": network["alt"]})
    assert "institution" in err.value.message_dict
    own = services.add_participant(network["other_staff"], competition, {"name": "Visitor", "role": "visitor",
                                                                          "institution": network["other_institution"]})
    assert [p.pk for p in queries.visible_participants(network["other_staff"], competition)] == [own.pk]
    assert len(queries.visible_participants(staff, competition)) == 3
    assert not queries.visible_participants(network["enterprise"], competition).exists()
    # The teacher's development record lists the competition judged.
    assert [p.event for p in queries.development_record(network["teacher"].pk)] == [competition]


def test_calendar_filters_and_the_public_calendar(network):
    everything = queries.visible_events(network["coordinator"])
    assert set(queries.calendar(everything, country="kz")) == {network["meeting"], network["competition"]}
    assert list(queries.calendar(everything, project=network["project"].pk)) == [network["competition"],
                                                                                  network["meeting"]]
    assert list(queries.calendar(everything, kind="study_tour")) == [network["tour"]]
    assert set(queries.calendar(everything, year=network["today"].year + 5)) == set()
    # The public sees published events only.
    assert network["tour"] not in queries.visible_events(network["public"])
    assert network["meeting"] in queries.public_events()


def test_public_event_page_withholds_small_counts_and_people(network, client):
    competition = network["competition"]
    for t in network["trainees"]:
        services.add_participant(network["institution"], competition, {"role": "competitor", "trainee": t})
    response = client.get(reverse("governance_event", args=[competition.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "fewer than five" in body and "tr-0" not in body
    assert "Decisions" not in body
    assert client.get(reverse("governance_event", args=[network["tour"].pk])).status_code == 404
    calendar = client.get(reverse("governance_events")).content.decode()
    assert competition.title in calendar and network["tour"].title not in calendar
    client.force_login(network["institution"])
    body = client.get(reverse("governance_event", args=[competition.pk])).content.decode()
    assert "tr-0" in body and "Add to the trainee record" not in body  # no certificate, nothing to add


def test_pages_for_coordinators_and_staff(network, client):
    client.force_login(network["coordinator"])
    decision = services.add_decision(network["coordinator"], network["meeting"], {"text": "Adopt the plan."})
    for name, args in [("governance_home", []), ("governance_committees", []),
                       ("governance_committee", [network["committee"].pk]), ("governance_events", []),
                       ("governance_event", [network["meeting"].pk]), ("governance_event_create", []),
                       ("governance_participant_add", [network["competition"].pk]),
                       ("governance_action_add", [decision.pk]),
                       ("governance_faculty_development", [network["teacher"].pk])]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    response = client.post(reverse("governance_event_create"), {
        "title": "Annual China–Russia vocational education forum", "kind": "forum", "status": "planned",
        "starts_on": "2027-05-20", "ends_on": "2027-05-21", "country": "CN", "city": "Tianjin",
        "other_organisers": "Ministry of Education", "published": "on"})
    assert response.status_code == 302
    assert Event.objects.filter(title="Annual China–Russia vocational education forum").exists()
    client.force_login(network["other_staff"])
    assert client.get(reverse("governance_committee_create")).status_code == 403
    assert client.get(reverse("governance_event_edit", args=[network["competition"].pk])).status_code == 403
