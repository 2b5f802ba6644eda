"""The attacks of issue #11, each as a test: approval bypass through the API, over-broad reads, lost
updates and server errors under concurrent saves."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tvetbridge.core import tokens
from tvetbridge.registry.models import CooperationProject, Institution

from .conftest import ApiClient

NEW_PROJECT = {"external_key": "p-bypass", "name_en": "Bypass", "kind": "joint_programme", "host_country": "KZ"}


# --- approval cannot be bypassed ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["approved", "active", "completed", "suspended"])
def test_staff_cannot_create_an_unapproved_project_in_an_approved_state(api_as, world, status):
    api = api_as("institution")
    response = api.post("/projects", {**NEW_PROJECT, "status": status, "partner_institutions": [world["alt"].pk]})
    assert response.status_code == 403, response.content
    assert not CooperationProject.objects.filter(external_key="p-bypass").exists()


def test_staff_cannot_patch_a_draft_to_active_then_completed(api_as, world):
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(status="draft")
    api = api_as("institution")
    response = api.patch(f"/projects/{project.pk}", {"status": "active"}, headers={"If-Match": '"1"'})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == "draft" and project.approved_by is None
    assert api.patch(f"/projects/{project.pk}", {"status": "completed"}, headers={"If-Match": '"1"'}
                     ).status_code == 403


def test_staff_proposes_and_only_a_coordinator_approves(api_as, world, users):
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(status="draft")
    staff, coordinator = api_as("institution"), api_as("coordinator")
    response = staff.post(f"/projects/{project.pk}/transition", {"transition": "propose", "version": 1})
    assert response.status_code == 200 and response.json()["status"] == "proposed"
    assert staff.post(f"/projects/{project.pk}/transition", {"transition": "approve", "version": 2}
                      ).status_code == 403
    response = coordinator.post(f"/projects/{project.pk}/transition", {"transition": "approve", "version": 2})
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["approved_by"] == "coordinator-user"
    # Once approved, the partner institution starts it; completing it is the coordinator's act.
    assert staff.post(f"/projects/{project.pk}/transition", {"transition": "start", "version": 3}
                      ).status_code == 200
    assert staff.post(f"/projects/{project.pk}/transition", {"transition": "complete", "version": 4}
                      ).status_code == 403


def test_a_coordinator_creating_an_active_project_is_recorded_as_its_approver(api_as, world, users):
    response = api_as("coordinator").post("/projects", {**NEW_PROJECT, "status": "active"})
    assert response.status_code == 201
    project = CooperationProject.objects.get(external_key="p-bypass")
    assert project.approved_by == users["coordinator"] and project.approved_at is not None


def test_impossible_moves_are_refused(api_as, world):
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(status="completed")
    response = api_as("coordinator").patch(f"/projects/{project.pk}", {"status": "draft"},
                                           headers={"If-Match": '"1"'})
    assert response.status_code == 422 and "status" in response.json()["errors"]


def test_the_import_refuses_what_the_api_refuses(world, users):
    from tvetbridge.registry import io

    data = ("external_key,name_en,kind,status,host_country,partner_institutions\n"
            f"p-imp,Imported,joint_programme,active,KZ,{world['alt'].external_key}\n").encode()
    result = io.import_file(users["institution"], "projects", data, "projects.csv")
    assert not result.ok and any(e.column == "status" for e in result.errors)
    assert not CooperationProject.objects.filter(external_key="p-imp").exists()


# --- reads are scoped -----------------------------------------------------------------------------------------


def test_enterprise_sees_only_trainees_on_its_candidate_lists(api_as, world):
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching.models import CandidateList
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.taxonomy.models import IscoGroup, Occupation

    people = [Trainee.objects.create(external_key=f"t-{i}", consent_matching=True) for i in range(4)]
    from tvetbridge.core.models import Source

    source = Source.objects.create(key="test-esco", title="ESCO (test extract)")
    group = IscoGroup.objects.create(code="9333", label="Freight handlers", source=source)
    picker = Occupation.objects.create(code="9333.1", esco_id="picker-test", label="warehouse picker",
                                       isco_group=group, source=source)
    deadline = timezone.localdate() + dt.timedelta(days=60)
    vacancy = SkillDemand.objects.create(external_key="v-jd", kind="vacancy", title="Picker", enterprise=world["jd"],
                                         country=world["kz"], count=2, deadline=deadline, occupation=picker)
    other = SkillDemand.objects.create(external_key="v-other", kind="vacancy", title="Driver",
                                       enterprise=world["other_enterprise"], country=world["kz"], count=1,
                                       deadline=deadline, occupation=picker)

    CandidateList.objects.create(kind="vacancy", subject_id=vacancy.pk, candidate_ids=[people[0].pk, people[1].pk],
                                 scores=[0.9, 0.8], computed=timezone.now())
    CandidateList.objects.create(kind="vacancy", subject_id=other.pk, candidate_ids=[people[2].pk], scores=[0.7],
                                 computed=timezone.now())
    api = api_as("enterprise")
    listed = {t["id"] for t in api.get("/outcomes/trainees").json()["items"]}
    assert listed == {people[0].pk, people[1].pk}
    assert api.get(f"/outcomes/trainees/{people[2].pk}").status_code == 404
    assert api.get(f"/outcomes/trainees/{people[3].pk}").status_code == 404


def test_trainee_reads_no_project_internals(client, world, make_user):
    from tvetbridge.outcomes.models import Trainee

    user = make_user("trainee", username="own-trainee")
    Trainee.objects.create(external_key="t-own", user=user)
    _token, key = tokens.issue_token(make_user("coordinator", username="c2"), "x")
    project = world["project"]
    client.force_login(user)
    for what in ("impact", "targets"):
        assert client.get(f"/api/v1/outcomes/projects/{project.pk}/{what}").status_code == 403
    assert client.get(f"/api/v1/outcomes/projects/{project.pk}/results").status_code == 200
    assert ApiClient(key).get(f"/outcomes/projects/{project.pk}/targets").status_code == 200


# --- no lost update ----------------------------------------------------------------------------------------


def test_get_gives_an_etag_and_a_stale_if_match_is_refused(api_as, world):
    api = api_as("coordinator")
    alt = world["alt"]
    response = api.get(f"/institutions/{alt.pk}")
    assert response["ETag"] == 'W/"1"' and response.json()["version"] == 1
    first = api.patch(f"/institutions/{alt.pk}", {"short_name": "ALT"}, headers={"If-Match": response["ETag"]})
    assert first.status_code == 200 and first["ETag"] == 'W/"2"'
    stale = api.patch(f"/institutions/{alt.pk}", {"short_name": "Almaty"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    body = stale.json()
    assert body["current_version"] == 2
    assert {"field": "short_name", "label": "short name", "before": "—", "now": "ALT"} in body["changes"]
    alt.refresh_from_db()
    assert alt.short_name == "ALT"


def test_a_stale_body_version_is_a_conflict_and_no_version_is_refused(api_as, world):
    api = api_as("coordinator")
    alt = world["alt"]
    assert api.patch(f"/institutions/{alt.pk}", {"short_name": "A", "version": 1}).status_code == 200
    assert api.patch(f"/institutions/{alt.pk}", {"short_name": "B", "version": 1}).status_code == 409
    assert api.patch(f"/institutions/{alt.pk}", {"short_name": "C"}).status_code == 428
    assert api.delete(f"/institutions/{alt.pk}", headers={"If-Match": 'W/"1"'}).status_code in (403, 412)
    alt.refresh_from_db()
    assert alt.short_name == "A" and alt.version == 2


def test_second_of_two_page_edits_is_a_conflict_not_a_revert(client, world, users):
    alt = world["alt"]
    url = reverse("institution_edit", args=[alt.pk])
    client.force_login(users["coordinator"])
    form = client.get(url).context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data["languages"] = []
    data["fields"] = []
    assert data["version"] == 1
    # Someone else saves first …
    other = Client()
    other.force_login(users["institution"])
    assert other.post(url, {**data, "address": "Almaty, Abay 1"}).status_code == 302
    # … then this user saves the form opened before: refused, with what changed.
    response = client.post(url, {**data, "phone": "+7 727 000"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed by institution-user" in page and "Almaty, Abay 1" in page
    alt.refresh_from_db()
    assert alt.address == "Almaty, Abay 1" and alt.phone == "" and alt.version == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_give_one_success_and_one_conflict(world, users):
    """Two clients change the same record at the same moment: never a 500, never a lost update."""
    alt = world["alt"]
    keys = [tokens.issue_token(users["coordinator"], f"k{i}")[1] for i in range(2)]
    connections.close_all()
    for round_ in range(5):
        version = Institution.objects.get(pk=alt.pk).version
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def save(n: int, round_: int, version: int, barrier: threading.Barrier, codes: list[int]) -> None:
            try:
                api = ApiClient(keys[n])
                barrier.wait()
                codes.append(api.patch(f"/institutions/{alt.pk}", {"short_name": f"r{round_}-{n}"},
                                       headers={"If-Match": f'W/"{version}"'}).status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save, args=(n, round_, version, barrier, codes)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(codes) == [200, 412], codes
        assert Institution.objects.get(pk=alt.pk).version == version + 1
