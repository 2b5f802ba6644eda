"""Overseas operations: the application with its exit plan, the review workflow and its roles, the
asset register, supervision reports, the exit from a risk alert, and who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tvetbridge.governance import queries, services
from tvetbridge.governance.models import ExitPlan, OverseasOperation
from tvetbridge.risk.models import Alert

from .conftest import EXIT_PLAN


def test_operation_takes_its_host_country_from_the_project(operation, gov):
    assert operation.host_country_id == "KZ" and operation.operator == gov["urumqi"]
    assert operation.status == "draft"


def test_operator_must_take_part_in_the_project_and_run_it_abroad(gov):
    with pytest.raises(ValidationError) as err:
        services.create_operation(gov["other_staff"], {"project": gov["project"], "kind": "luban_workshop",
                                                       "site": "x", "qualifications": "x"})
    assert "project" in err.value.message_dict
    # ALT University is in Kazakhstan: running the Kazakh project is not an operation abroad.
    with pytest.raises(ValidationError) as err:
        services.create_operation(gov["institution"], {"project": gov["project"], "kind": "luban_workshop",
                                                       "site": "x", "qualifications": "x"})
    assert "abroad" in err.value.message_dict["project"][0]


def test_no_submission_or_approval_without_an_exit_plan(operation, gov):
    with pytest.raises(ValidationError) as err:
        services.transition_operation(gov["urumqi_staff"], operation, "submit")
    assert "exit_plan" in err.value.message_dict
    services.save_exit_plan(gov["urumqi_staff"], operation, {**EXIT_PLAN, "assets": "  "})
    with pytest.raises(ValidationError):
        services.save_exit_plan(gov["urumqi_staff"], operation, {**EXIT_PLAN, "assets": ""})
    assert OverseasOperation.objects.get(pk=operation.pk).status == "draft"


def test_review_workflow_roles(operation, gov):
    staff, coordinator = gov["urumqi_staff"], gov["coordinator"]
    services.save_exit_plan(staff, operation, EXIT_PLAN)
    services.transition_operation(staff, operation, "submit")
    assert operation.status == "submitted" and operation.submitted_at is not None
    # The operator may not approve its own application, nor edit it while it is under review.
    with pytest.raises(PermissionDenied):
        services.transition_operation(staff, operation, "approve")
    with pytest.raises(PermissionDenied):
        services.update_operation(staff, operation, {"site": "Elsewhere"})
    with pytest.raises(ValidationError) as err:
        services.transition_operation(coordinator, operation, "return")
    assert "note" in err.value.message_dict
    services.transition_operation(coordinator, operation, "return", note="Add the host's consent.")
    services.update_operation(staff, operation, {"site": "ALT University, Almaty campus 2"})
    services.transition_operation(staff, operation, "submit")
    services.transition_operation(coordinator, operation, "approve", note="Meets the rules.")
    assert operation.status == "approved" and operation.decided_by == coordinator
    assert [t.name for t in services.available_transitions(coordinator, operation)] == ["suspend"]
    assert services.available_transitions(staff, operation) == []
    reasons = list(operation.history.order_by("history_date").values_list("status", "history_user__username"))
    assert ("approved", "coordinator-user") in reasons and ("submitted", "urumqi-staff") in reasons


def _approved(operation, gov):
    services.save_exit_plan(gov["urumqi_staff"], operation, EXIT_PLAN)
    services.transition_operation(gov["urumqi_staff"], operation, "submit")
    return services.transition_operation(gov["coordinator"], operation, "approve")


def test_exit_triggered_from_a_risk_alert(operation, gov):
    _approved(operation, gov)
    alert = Alert.objects.create(country=gov["kz"], period="2026-Q4", rule="event", dedup_key="event:test", score=6.0)
    alert.projects.add(gov["project"])
    with pytest.raises(PermissionDenied):
        services.trigger_exit(gov["urumqi_staff"], operation, reason="", alert=alert)
    other = Alert.objects.create(country=gov["tj"], period="2026-Q4", rule="level", dedup_key="level:TJ")
    with pytest.raises(ValidationError):
        services.trigger_exit(gov["coordinator"], operation, reason="", alert=other)
    plan = services.trigger_exit(gov["coordinator"], operation, reason="", alert=alert)
    assert plan.status == "triggered" and plan.trigger_alert == alert
    assert OverseasOperation.objects.get(pk=operation.pk).status == "exiting"
    # The operator records progress; the coordinator closes.
    services.record_exit_progress(gov["urumqi_staff"], ExitPlan.objects.get(pk=plan.pk),
                                  note="Students transferred.", completed=True)
    op = OverseasOperation.objects.get(pk=operation.pk)
    services.transition_operation(gov["coordinator"], op, "close")
    assert op.status == "closed"


def test_exit_by_decision_needs_a_reason(operation, gov):
    _approved(operation, gov)
    with pytest.raises(ValidationError):
        services.trigger_exit(gov["coordinator"], operation, reason=" ")
    services.trigger_exit(gov["coordinator"], operation, reason="Host ministry ended the programme.")


def test_assets_and_reports_belong_to_the_operator(operation, gov):
    asset_data = {"kind": "equipment", "description": "CNC lathes", "value": Decimal("120000"), "currency": "CNY",
                  "custodian": "ALT workshop manager", "ledger_reference": "LED-2026-14"}
    asset = services.add_asset(gov["urumqi_staff"], operation, asset_data)
    assert asset.history.count() == 1
    with pytest.raises(PermissionDenied):
        services.add_asset(gov["other_staff"], operation, asset_data)
    with pytest.raises(PermissionDenied):
        services.update_asset(gov["other_staff"], asset, {"value": Decimal("1")})
    report = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 6, 30), "students_enrolled": 55,
              "teachers_on_site": 4, "findings": "On track.", "rating": "satisfactory"}
    with pytest.raises(ValidationError):
        services.add_report(gov["urumqi_staff"], operation, report)  # not yet approved
    _approved(operation, gov)
    r = services.add_report(gov["urumqi_staff"], operation, report)
    with pytest.raises(PermissionDenied):
        services.review_report(gov["urumqi_staff"], r, note="")
    services.review_report(gov["coordinator"], r, note="Seen.")
    with pytest.raises(PermissionDenied):
        services.core.update_record(gov["urumqi_staff"], r, {"findings": "x"})


def test_operators_see_only_their_own(client, operation, gov):
    assert list(queries.visible_operations(gov["urumqi_staff"])) == [operation]
    assert not queries.visible_operations(gov["other_staff"]).exists()
    assert not queries.visible_operations(gov["enterprise"]).exists()
    assert queries.visible_operations(gov["coordinator"]).count() == 1
    for user, status in [(gov["urumqi_staff"], 200), (gov["coordinator"], 200), (gov["other_staff"], 404),
                         (gov["enterprise"], 404)]:
        client.force_login(user)
        assert client.get(reverse("governance_operation", args=[operation.pk])).status_code == status
        assert client.get(reverse("governance_exit_plan", args=[operation.pk])).status_code in (status, 403)
    client.logout()
    assert client.get(reverse("governance_operation", args=[operation.pk])).status_code == 302


def test_pages_walk_the_application(client, gov):
    client.force_login(gov["urumqi_staff"])
    resp = client.post(reverse("governance_operation_create"), {
        "project": gov["project"].pk, "kind": "luban_workshop", "site": "ALT University",
        "qualifications": "Accredited.", "teachers_dispatched": 2, "students_planned": 30})
    op = OverseasOperation.objects.get()
    assert resp["Location"] == reverse("governance_exit_plan", args=[op.pk])
    page = client.get(reverse("governance_operation", args=[op.pk])).content.decode()
    assert "No exit plan yet" in page and "Submit for approval" in page and "Approve" not in page
    resp = client.post(reverse("governance_operation_step", args=[op.pk, "submit"]), follow=True)
    assert "needs an exit plan" in resp.content.decode()
    client.post(reverse("governance_exit_plan", args=[op.pk]), EXIT_PLAN)
    client.post(reverse("governance_operation_step", args=[op.pk, "submit"]))
    assert OverseasOperation.objects.get().status == "submitted"
    client.force_login(gov["coordinator"])
    page = client.get(reverse("governance_operation", args=[op.pk])).content.decode()
    assert "Approve" in page and "Return for changes" in page
    client.post(reverse("governance_operation_step", args=[op.pk, "approve"]))
    assert OverseasOperation.objects.get().status == "approved"


def test_risk_page_names_protecting_clauses_and_unprotected_projects(client, operation, gov):
    from tvetbridge.registry.models import CooperationProject

    _approved(operation, gov)
    bare = CooperationProject.objects.create(external_key="proj-2", name="Astana order class", kind="order_class",
                                             status="active", host_country=gov["kz"])
    alert = Alert.objects.create(country=gov["kz"], period="2026-Q4", rule="event", dedup_key="event:kz")
    alert.projects.add(gov["project"], bare)
    client.force_login(gov["coordinator"])
    page = client.get(reverse("risk_country", args=["KZ"])).content.decode()
    assert "Continuity protection of the projects exposed" in page
    assert "Enrolled students finish at the partner college." in page and "Art. 9" in page
    assert "Without continuity protection" in page and "Astana order class" in page
    assert "Open the exit plan" in page
    client.post(reverse("governance_exit_trigger", args=[operation.pk]), {"alert": alert.pk, "note": ""})
    plan = ExitPlan.objects.get(operation=operation)
    assert plan.status == "triggered" and plan.trigger_alert == alert
    # Institution staff see the protection, but not another operator's operations, and no trigger button.
    client.force_login(gov["other_staff"])
    page = client.get(reverse("risk_country", args=["KZ"])).content.decode()
    assert "Art. 9" in page and "Open the exit plan" not in page
    assert reverse("governance_operation", args=[operation.pk]) not in page
