"""Every role × project life-cycle transition × own/other project, through the service and the API.

Written out by hand from the roles (not computed from the rules): institution staff propose, withdraw
and start their own projects; coordinators and admins make every move; enterprise staff and the
public make none."""

import pytest

from tvetbridge.registry import services
from tvetbridge.registry.models import CooperationProject

STAFF_OWN = {"propose", "withdraw", "start"}
EVERY = {t.name for t in services.TRANSITIONS}
ROLES = ["admin", "coordinator", "institution", "enterprise"]


def expected(role: str, name: str, own: bool) -> bool:
    if role in ("admin", "coordinator"):
        return True
    return role == "institution" and own and name in STAFF_OWN


@pytest.fixture
def projects(world):
    other = CooperationProject.objects.create(external_key="proj-other", name="Other", kind="exchange",
                                              host_country=world["kz"])
    other.partner_institutions.add(world["other_institution"])
    return {True: world["project"], False: other}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", services.TRANSITIONS, ids=lambda t: t.name)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_transition_matrix(users, projects, role, transition, own, api_as):
    project = projects[own]
    CooperationProject.objects.filter(pk=project.pk).update(status=transition.sources[0], version=1)
    project.refresh_from_db()
    api = api_as(role)
    response = api.post(f"/projects/{project.pk}/transition", {"transition": transition.name, "version": 1})
    project.refresh_from_db()
    if expected(role, transition.name, own):
        assert response.status_code == 200, (role, transition.name, response.content)
        assert project.status == transition.target
    else:
        assert response.status_code == 403, (role, transition.name, response.content)
        assert project.status == transition.sources[0]


@pytest.mark.parametrize("role", ROLES)
def test_offered_transitions_are_exactly_the_allowed_ones(users, projects, role):
    for own, project in projects.items():
        for status in CooperationProject.Status.values:
            CooperationProject.objects.filter(pk=project.pk).update(status=status)
            project.refresh_from_db()
            offered = {t.name for t in services.available_transitions(users[role], project)}
            possible = {t.name for t in services.TRANSITIONS if status in t.sources}
            assert offered == {n for n in possible if expected(role, n, own)}, (role, own, status)


def test_every_transition_is_covered():
    assert EVERY == {"propose", "return", "approve", "start", "complete", "suspend", "resume", "withdraw", "cancel"}
