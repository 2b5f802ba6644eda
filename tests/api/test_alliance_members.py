"""The membership API: coordinators add and remove members, naming the version they read."""

import pytest

from tvetbridge.registry.models import Alliance


@pytest.fixture
def alliance(world):
    a = Alliance.objects.create(external_key="all-x", name="Alliance X")
    a.institutions.set([world["alt"]])
    return a


def test_coordinator_adds_and_removes_members(api_as, alliance, world):
    api = api_as("coordinator")
    added = api.post(f"/alliances/{alliance.pk}/members",
                     {"kind": "institutions", "member": world["urumqi"].pk, "version": alliance.version})
    assert added.status_code == 200, added.content
    assert sorted(added.json()["institutions"]) == sorted([world["alt"].pk, world["urumqi"].pk])
    etag = added["ETag"]
    assert api.delete(f"/alliances/{alliance.pk}/members/institutions/{world['alt'].pk}").status_code == 428
    stale = api.delete(f"/alliances/{alliance.pk}/members/institutions/{world['alt'].pk}", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    removed = api.delete(f"/alliances/{alliance.pk}/members/institutions/{world['alt'].pk}", headers={"If-Match": etag})
    assert removed.status_code == 200 and removed.json()["institutions"] == [world["urumqi"].pk]
    again = api.post(f"/alliances/{alliance.pk}/members", {"kind": "enterprises", "member": world["jd"].pk},
                     headers={"If-Match": removed["ETag"]})
    assert again.status_code == 200 and again.json()["enterprises"] == [world["jd"].pk]


@pytest.mark.parametrize("role,status", [("public", 401), ("institution", 403), ("enterprise", 403)])
def test_others_may_not_change_membership(api_as, alliance, world, role, status):
    response = api_as(role).post(f"/alliances/{alliance.pk}/members",
                                 {"kind": "institutions", "member": world["urumqi"].pk, "version": alliance.version})
    assert response.status_code == status
    assert list(alliance.institutions.all()) == [world["alt"]]
