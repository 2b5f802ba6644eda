"""Alliance pages: members, sector committees with their projects, results; coordinators manage the
membership through audited, versioned services; the public directory shows only what is published."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from tvetbridge.core.models import FieldOfStudy, Source
from tvetbridge.core.services import Conflict
from tvetbridge.registry import queries, services
from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    Institution,
    ReportedResult,
    SectorCommittee,
)


@pytest.fixture
def alliance(world, users):
    source = Source.objects.create(key="s002", title="Seed 002", locator="para. 16")
    transport = world["logistics"]  # ISCED-F 104
    agri = FieldOfStudy.objects.create(code="081", name="Agriculture")
    a = Alliance.objects.create(external_key="all-cca", name="CCA Alliance", name_zh_hans="中国—中亚产教融合联盟",
                                source=source, reported_members=70)
    a.institutions.set([world["urumqi"], world["alt"]])
    a.lead_institutions.set([world["urumqi"]])
    a.enterprises.set([world["jd"]])
    SectorCommittee.objects.create(alliance=a, name="Transportation", name_zh_hans="交通运输", field=transport)
    SectorCommittee.objects.create(alliance=a, name="Modern agriculture", field=agri)
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(alliance=a, source=source)
    project.fields.set([transport])
    hidden = CooperationProject.objects.create(external_key="proj-hidden", name="Hidden draft", kind="luban_workshop",
                                               status="draft", host_country=world["kz"], alliance=a)
    hidden.fields.set([transport])
    ReportedResult.objects.create(alliance=a, indicator="members", value=70, source=source)
    return a


def test_coordinator_sees_members_committees_projects_and_results(alliance, client, users):
    client.force_login(users["coordinator"])
    page = client.get(reverse("alliance_detail", args=[alliance.pk])).content.decode()
    for text in ("Urumqi Vocational University", "ALT University", "JD", "Transportation", "Modern agriculture",
                 "Luban Workshop (ALT)", "Hidden draft", "Seed 002", reverse("outcomes_alliance", args=[alliance.pk]),
                 reverse("alliance_members", args=[alliance.pk])):
        assert text in page, text
    transport = SectorCommittee.objects.get(alliance=alliance, field="104")
    row = page[page.index(f'id="committee-{transport.pk}"'):]
    assert row.index("Luban Workshop (ALT)") < row.index("</tr>")  # in the transport committee's row


@pytest.mark.parametrize("role", ["institution", "enterprise"])
def test_other_staff_read_the_alliance_but_are_not_offered_membership(alliance, client, users, role):
    client.force_login(users[role])
    page = client.get(reverse("alliance_detail", args=[alliance.pk])).content.decode()
    assert "Transportation" in page and reverse("alliance_members", args=[alliance.pk]) not in page
    assert client.get(reverse("alliance_members", args=[alliance.pk])).status_code == 403


def test_the_public_directory_shows_only_what_is_published(alliance, client, make_user):
    for user in (None, make_user("trainee")):
        if user:
            client.force_login(user)
        listing = client.get(reverse("opendata_directory_alliances")).content.decode()
        url = reverse("opendata_alliance", args=["all-cca"])
        assert url in listing
        page = client.get(url).content.decode()
        assert "Transportation" in page and "Luban Workshop (ALT)" in page and "Modern agriculture" in page
        assert "Hidden draft" not in page  # a draft is not published
        assert "Other College" not in page
        assert f'href="{reverse("alliance_detail", args=[alliance.pk])}"' not in page  # no members-only link
        results = client.get(reverse("outcomes_alliance", args=[alliance.pk]))
        assert results.status_code == 200 and "Hidden draft" not in results.content.decode()
    assert client.get(reverse("opendata_alliance", args=["nope"])).status_code == 404


def test_membership_services_are_versioned_audited_and_permission_checked(alliance, users, world):
    coordinator = users["coordinator"]
    other = world["other_institution"]
    with pytest.raises(PermissionDenied):
        services.add_alliance_member(users["institution"], alliance, other)
    version = alliance.version
    services.add_alliance_member(coordinator, alliance, other, expected_version=version)
    alliance.refresh_from_db()
    assert alliance.version == version + 1 and other in alliance.institutions.all()
    latest = alliance.history.latest()
    assert latest.history_user == coordinator and latest.history_change_reason == "alliance.member_added"
    with pytest.raises(Conflict):  # someone still holding the old version
        services.remove_alliance_member(coordinator, alliance, other, expected_version=version)
    with pytest.raises(ValidationError):
        services.add_alliance_member(coordinator, alliance, other)
    services.remove_alliance_member(coordinator, alliance, world["urumqi"])
    alliance.refresh_from_db()
    assert world["urumqi"] not in alliance.institutions.all()
    assert not alliance.lead_institutions.exists()  # a lead that leaves stops leading
    services.remove_alliance_member(coordinator, alliance, world["jd"])
    assert not alliance.enterprises.exists()


def test_coordinator_manages_membership_on_the_page(alliance, client, users, world):
    client.force_login(users["coordinator"])
    url = reverse("alliance_members", args=[alliance.pk])
    page = client.get(url).content.decode()
    assert "Other College" in page  # offered: not a member yet
    response = client.post(url, {"institution": world["other_institution"].pk, "version": alliance.version})
    assert response.status_code == 302
    assert Institution.objects.filter(alliances=alliance, pk=world["other_institution"].pk).exists()
    stale = client.post(url, {"remove_enterprise": world["jd"].pk, "version": alliance.version})
    assert stale.status_code == 200 and 'role="alert"' in stale.content.decode()  # a conflict, not a lost update
    alliance.refresh_from_db()
    assert client.post(url, {"remove_enterprise": world["jd"].pk, "version": alliance.version}).status_code == 302
    assert not alliance.enterprises.exists()
    nothing = client.post(url, {"version": alliance.version})
    assert "Choose one institution or one enterprise." in nothing.content.decode()


def test_membership_history_says_who_joined_and_left_when_and_who_recorded_it(alliance, client, users, world):
    coordinator, other = users["coordinator"], world["other_institution"]
    services.add_alliance_member(coordinator, alliance, other)
    services.remove_alliance_member(coordinator, alliance, world["jd"])
    history = queries.membership_history(alliance)
    changes = [(event.kind, event.member, event.user) for event in history["events"]]
    assert changes[:2] == [("left", world["jd"], coordinator), ("joined", other, coordinator)]
    assert history["since"][("institutions", other.pk)].kind == "joined"
    assert ("enterprises", world["jd"].pk) not in history["since"]
    client.force_login(coordinator)
    with translation.override("ru"):
        page = client.get(reverse("alliance_members", args=[alliance.pk])).content.decode()
    assert "История членства" in page and "вступил(а)" in page and "вышел(ла)" in page
    assert "alliance.member_added" not in page


def test_members_before_tracking_are_on_record_not_joined(alliance):
    from importlib import import_module

    from django.apps import apps

    history = Alliance.history.model
    for relation in ("institutions", "enterprises", "lead_institutions"):  # as rows from before tracking
        getattr(history, relation).model.objects.all().delete()
    migration = import_module("tvetbridge.registry.migrations.0006_alliance_membership_history")
    migration.membership_baseline(apps, None)
    history = queries.membership_history(alliance)
    assert {event.kind for event in history["events"]} == {"on_record"}
    assert {event.member for event in history["events"]} >= {alliance.institutions.first(), alliance.enterprises.first()}


def test_members_loaded_without_tracking_are_on_record_before_the_first_tracked_change(alliance, users, world):
    Alliance.enterprises.through.objects.filter(alliance=alliance).delete()  # as a bulk load leaves it
    Alliance.enterprises.through.objects.create(alliance=alliance, enterprise=world["other_enterprise"])
    services.add_alliance_member(users["coordinator"], alliance, world["jd"])
    events = {(event.kind, event.member) for event in queries.membership_history(alliance)["events"][:3]}
    assert ("on_record", world["other_enterprise"]) in events and ("joined", world["jd"]) in events
    assert ("joined", world["other_enterprise"]) not in events
