"""Teacher development and dispatch: the state machine, approval refused without the pre-departure
training, the teacher's record page showing both."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.core.services import system_user
from tvetbridge.teachers import services
from tvetbridge.teachers.models import Assignment, DevelopmentProgramme, DevelopmentSession

START, END = dt.date(2026, 9, 1), dt.date(2027, 6, 30)


@pytest.fixture
def teacher(world):
    from tvetbridge.registry.models import FacultyMember

    return FacultyMember.objects.create(external_key="fm-u1", institution=world["urumqi"], full_name="Wang Fang")


def plan(world, user, teacher, **extra):
    return services.plan_assignment(user, {
        "faculty": teacher, "project": world["project"], "country": world["kz"], "field": world["logistics"],
        "language_id": "zh", "start_date": START, "end_date": END, **extra})


def train(teacher, result="completed", on=dt.date(2026, 6, 20)):
    programme = DevelopmentProgramme.objects.create(external_key="pd-1", name="Pre-departure", kind="pre_departure")
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20), place="Urumqi")
    return services.record_participation(system_user(), {
        "session": session, "faculty": teacher, "result": result, "completed_on": on if result == "completed" else None})


def test_a_dispatch_moves_from_planning_to_return(world, users, teacher):
    a = plan(world, users["coordinator"], teacher)
    assert (a.status, a.from_institution) == ("planning", world["urumqi"])
    train(teacher)
    for to in ("approved", "abroad"):
        a = services.transition_assignment(users["coordinator"], a, to)
    a = services.transition_assignment(users["coordinator"], a, "returned", rating=4)
    assert (a.status, a.rating) == ("returned", 4)
    assert [h.status for h in a.history.order_by("history_date")] == ["planning", "approved", "abroad", "returned"]


def test_approval_needs_the_pre_departure_training(world, users, teacher):
    a = plan(world, users["coordinator"], teacher)
    with pytest.raises(ValidationError, match="pre-departure"):
        services.transition_assignment(users["coordinator"], a, "approved")
    train(teacher, result="failed")
    with pytest.raises(ValidationError, match="pre-departure"):
        services.transition_assignment(users["coordinator"], a, "approved")
    assert Assignment.objects.get().status == "planning"


def test_who_may_move_a_dispatch(world, users, teacher, make_user):
    a = plan(world, users["coordinator"], teacher)
    train(teacher)
    urumqi_staff = make_user("institution", institution=world["urumqi"], username="urumqi-staff")
    with pytest.raises(PermissionDenied):  # approving is the coordinators'
        services.transition_assignment(urumqi_staff, a, "approved")
    with pytest.raises(PermissionDenied):  # ALT's staff do not plan Urumqi's teachers
        plan(world, users["institution"], teacher, start_date=dt.date(2028, 1, 1), end_date=dt.date(2028, 2, 1))
    with pytest.raises(ValidationError):  # no skipping: planning → abroad
        services.transition_assignment(users["coordinator"], a, "abroad")


def test_a_teacher_is_not_dispatched_twice_at_once(world, users, teacher):
    plan(world, users["coordinator"], teacher)
    with pytest.raises(ValidationError) as exc:
        plan(world, users["coordinator"], teacher, start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 3, 1))
    assert "start_date" in exc.value.message_dict


def test_the_record_page_shows_development_and_dispatch(world, users, teacher, client):
    a = plan(world, users["coordinator"], teacher)
    train(teacher)
    client.force_login(users["coordinator"])
    page = client.get(f"/teachers/teacher/{teacher.pk}/").content.decode()
    assert "Pre-departure" in page and "Luban Workshop (ALT)" in page and "planning" in page
    resp = client.post(f"/teachers/dispatch/{a.pk}/move/", {"to": "approved", "version": a.version})
    assert resp.status_code == 302 and Assignment.objects.get().status == "approved"
    assert "Bilingual teachers" in client.get("/teachers/").content.decode()
    client.force_login(users["enterprise"])
    assert 'href="/teachers/"' not in client.get("/").content.decode()  # no link that would lead to a 403
