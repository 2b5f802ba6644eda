"""The audit log: who changed what, when, before → after; coordinators and admins only."""

import pytest
from django.urls import reverse

from tvetbridge.registry import services


@pytest.fixture
def changes(world, users):
    services.update_record(users["institution"], world["programme"], {"intake_capacity": 80})
    services.update_record(users["coordinator"], world["alt"], {"phone": "+7 727 000"})
    return world


def test_audit_shows_who_when_and_before_after(client, users, changes):
    client.force_login(users["coordinator"])
    response = client.get(reverse("audit_log"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "institution-user" in page and "coordinator-user" in page
    assert "<del>60</del> → <ins>80</ins>" in page
    assert "<ins>+7 727 000</ins>" in page
    entry = next(e for e in response.context["entries"] if e["changes"] and e["object"] == "Smart logistics")
    assert entry["when"] is not None and entry["user"] == users["institution"]


def test_audit_filters_by_model_user_and_object(client, users, changes):
    client.force_login(users["admin"])
    entries = client.get(reverse("audit_log"), {"model": "programme"}).context["entries"]
    assert entries and {e["model_label"] for e in entries} == {"programme"}
    entries = client.get(reverse("audit_log"), {"user": users["coordinator"].pk}).context["entries"]
    assert [e["object"] for e in entries] == ["ALT University"]
    entries = client.get(reverse("audit_log"), {"model": "institution", "object": changes["alt"].pk}).context["entries"]
    assert all(e["object_id"] == changes["alt"].pk for e in entries)


def test_audit_paginates(client, users, world):
    for value in range(55):
        services.update_record(users["coordinator"], world["programme"], {"intake_capacity": 60 + value})
    client.force_login(users["coordinator"])
    first = client.get(reverse("audit_log"), {"model": "programme"})
    assert len(first.context["entries"]) == 50 and first.context["page"].paginator.count >= 55
    assert client.get(reverse("audit_log"), {"model": "programme", "page": 2}).context["entries"]


@pytest.mark.parametrize("role,status", [("institution", 403), ("enterprise", 403), ("public", 302)])
def test_audit_is_closed_to_other_roles(client, users, role, status):
    if role != "public":
        client.force_login(users[role])
    assert client.get(reverse("audit_log")).status_code == status


def test_nav_shows_audit_link_only_to_managers(client, users):
    client.force_login(users["institution"])
    assert reverse("audit_log") not in client.get(reverse("home")).content.decode()
    client.force_login(users["coordinator"])
    assert reverse("audit_log") in client.get(reverse("home")).content.decode()
