import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.registry import services
from tvetbridge.registry.models import CooperationProject, Programme


def test_institution_staff_edits_own_programme_and_history_names_them(world, users):
    staff = users["institution"]
    prog = services.update_record(staff, world["programme"], {"intake_capacity": 80})
    assert prog.intake_capacity == 80
    last = prog.history.first()
    assert last.history_user == staff
    assert last.prev_record.intake_capacity == 60


def test_institution_staff_cannot_create_for_other_institution(world, users):
    with pytest.raises(ValidationError) as err:
        services.create_record(users["institution"], Programme, {
            "external_key": "p-x", "institution": world["other_institution"], "name": "X",
            "field": world["logistics"], "isced_level": 4, "duration_months": 12,
            "intake_capacity": 10, "expected_graduates": 5})
    assert "institution" in err.value.message_dict
    assert not Programme.objects.filter(external_key="p-x").exists()


def test_enterprise_staff_cannot_edit_institution(world, users):
    with pytest.raises(PermissionDenied):
        services.update_record(users["enterprise"], world["alt"], {"phone": "1"})


def test_invalid_data_writes_nothing(world, users):
    with pytest.raises(ValidationError):
        services.update_record(users["coordinator"], world["programme"],
                               {"intake_capacity": 10, "expected_graduates": 50})
    world["programme"].refresh_from_db()
    assert world["programme"].intake_capacity == 60


def test_coordinator_approves_draft_only(world, users):
    project = world["project"]
    with pytest.raises(ValidationError):
        services.approve_project(users["coordinator"], project)
    project.status = CooperationProject.Status.PROPOSED
    project.save()
    services.approve_project(users["coordinator"], project)
    assert project.status == "approved" and project.approved_by == users["coordinator"]
    with pytest.raises(PermissionDenied):
        services.approve_project(users["institution"], project)
