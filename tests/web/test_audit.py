"""The audit log: who changed what, when, before → after; coordinators and admins only."""

import pytest
from django.urls import reverse
from django.utils import translation

from tvetbridge.registry import services


@pytest.fixture(autouse=True)
def english():
    """Start every test in English: a request to a /ru/ page leaves Russian active in the thread,
    which would make the next test's reverse() produce /ru/ addresses."""
    with translation.override("en"):
        yield


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


# --- readable values -----------------------------------------------------------------------------------

def _ru(message: str) -> str:
    with translation.override("ru"):
        return translation.gettext(message)


def _change(response, field_name: str, object_name: str | None = None) -> dict:
    """The newest change to `field_name` on the page (optionally on the record named object_name)."""
    for entry in response.context["entries"]:
        if object_name and entry["object"] != object_name:
            continue
        for change in entry["changes"]:
            if change["name"] == field_name:
                return change
    raise AssertionError(f"no change to {field_name} on the page")


@pytest.fixture
def project_changes(world, users):
    from tvetbridge.registry.models import Alliance

    project = world["project"]
    alliance = Alliance.objects.create(external_key="all-silk", name="Silk Road TVET Alliance")
    # Back to a proposal awaiting approval, out of band: the life cycle never goes from active to proposed.
    type(project).objects.filter(pk=project.pk).update(status="proposed")
    project.refresh_from_db()
    services.update_record(users["coordinator"], project, {"alliance": alliance})
    services.approve_project(users["coordinator"], project)
    services.update_record(users["coordinator"], project,
                           {"partner_institutions": [world["alt"], world["other_institution"]]})
    return {**world, "alliance": alliance}


def test_audit_shows_related_object_names_not_ids(client, users, project_changes):
    client.force_login(users["coordinator"])
    response = client.get(reverse("audit_log"), {"model": "cooperationproject"})
    alliance = _change(response, "alliance")
    assert (alliance["field"], alliance["old"], alliance["new"]) == (
        "alliance", "—", "Silk Road TVET Alliance")
    approver = _change(response, "approved_by")
    assert approver["field"] == "approved by" and approver["new"] == "coordinator-user"
    page = response.content.decode()
    assert "<del>—</del> → <ins>Silk Road TVET Alliance</ins>" in page
    assert f"<ins>{project_changes['alliance'].pk}</ins>" not in page


def test_audit_shows_many_to_many_names(client, users, project_changes):
    client.force_login(users["coordinator"])
    response = client.get(reverse("audit_log"), {"model": "cooperationproject"})
    partners = _change(response, "partner_institutions")
    assert partners["field"] == "partner institutions"
    assert partners["old"] == "ALT University"
    assert partners["new"] == "ALT University, Other College"
    assert "<ins>ALT University, Other College</ins>" in response.content.decode()


def test_audit_shows_choice_labels_in_english_and_russian(client, users, project_changes):
    client.force_login(users["coordinator"])
    status = _change(client.get(reverse("audit_log"), {"model": "cooperationproject"}), "status")
    assert (status["field"], status["old"], status["new"]) == ("status", "proposed", "approved")
    services.update_record(users["coordinator"], project_changes["project"], {"kind": "joint_programme"})
    kind = _change(client.get(reverse("audit_log"), {"model": "cooperationproject"}), "kind")
    assert (kind["old"], kind["new"]) == ("Luban Workshop", "joint programme")  # labels, not stored codes
    response = client.get("/ru" + reverse("audit_log"), {"model": "cooperationproject"})
    status = _change(response, "status")
    assert (status["field"], status["old"], status["new"]) == ("статус", "предложено", "утверждено")
    approver = _change(response, "approved_by")
    assert approver["field"] == "утвердил" and approver["new"] == "coordinator-user"
    assert "<ins>утверждено</ins>" in response.content.decode()


def test_audit_localises_dates_booleans_and_labels_translation_columns(client, users, world):
    import datetime

    from tvetbridge.registry.models import Alliance

    alliance = Alliance.objects.create(external_key="all-x", name="X Alliance")
    services.update_record(users["coordinator"], alliance, {"founded": datetime.date(2021, 3, 5)})
    services.update_record(users["coordinator"], world["jd"], {"chinese_funded": False})
    services.update_record(users["coordinator"], world["programme"], {"name_ru": "Умная логистика",
                                                                     "description": "word " * 60})
    client.force_login(users["coordinator"])
    response = client.get(reverse("audit_log"))
    founded = _change(response, "founded")
    assert founded["new"] == "March 5, 2021"
    funded = _change(response, "chinese_funded")
    assert (funded["old"], funded["new"]) == ("yes", "no")
    name_ru = _change(response, "name_ru")
    assert name_ru["field"] == "name [ru]" and name_ru["new"] == "Умная логистика"
    description = _change(response, "description")
    assert len(description["new"]) <= 80 and description["new"].endswith("…")
    assert description["new_full"] == "word " * 60
    assert f'title="{"word " * 60}"' in response.content.decode()
    response = client.get("/ru" + reverse("audit_log"))
    funded = _change(response, "chinese_funded")
    assert (funded["field"], funded["old"], funded["new"]) == (_ru("Chinese-funded"), "да", "нет")
    assert _change(response, "founded")["new"] == "5 марта 2021 г."


def test_audit_query_count_does_not_grow_with_rows(client, users, world, project_changes):
    """FK, M2M and choice values are resolved in bulk: more rows on the page must not mean more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator, project = users["coordinator"], world["project"]
    partners = [[world["alt"]], [world["alt"], world["other_institution"]]]
    enterprises = [[world["jd"]], [world["jd"], world["other_enterprise"]]]

    def churn(step: int) -> None:  # the same kinds of change (FK, M2M, choice, number, text) each time
        services.update_record(coordinator, project, {
            "partner_institutions": partners[step % 2], "enterprises": enterprises[step % 2],
            "host_region": None if step % 2 else world["almaty"],
            "status": ["active", "suspended"][step % 2]})
        services.update_record(coordinator, world["programme"], {"intake_capacity": 70 + step})
        services.update_record(coordinator, world["alt"], {"phone": f"+7 727 {step:03d}"})

    churn(0)
    client.force_login(coordinator)
    url = reverse("audit_log")
    client.get(url)  # warm per-process caches (content types, permissions) before counting
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    for step in range(1, 13):
        churn(step)
    with CaptureQueriesContext(connection) as many:
        large = client.get(url)
    small_changed = [e for e in small.context["entries"] if e["changes"]]
    large_changed = [e for e in large.context["entries"] if e["changes"]]
    assert len(large_changed) >= 3 * len(small_changed)
    assert any(c["name"] == "enterprises" and c["new"] == "JD, Other LLP"
               for e in large_changed for c in e["changes"])
    assert len(many.captured_queries) <= len(few.captured_queries), \
        "\n".join(q["sql"] for q in many.captured_queries)
