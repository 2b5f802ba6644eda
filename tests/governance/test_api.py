"""The governance API: scoped reads, versioned writes (ETag / If-Match), the operation life cycle and
events with participants, with the permissions of the pages."""

from __future__ import annotations

from tvetbridge.core import tokens

from ..api.conftest import ApiClient
from .conftest import EXIT_PLAN


def _as(user) -> ApiClient:
    return ApiClient(tokens.issue_token(user, "test")[1])


def _step(client: ApiClient, pk: int, step: str):
    """A life-cycle step names the version read from the operation itself."""
    etag = client.get(f"/governance/operations/{pk}")["ETag"]
    return client.post(f"/governance/operations/{pk}/step", {"step": step}, headers={"If-Match": etag})


def test_agreements_read_scoped_and_written_with_a_version(network):
    coordinator, public = _as(network["coordinator"]), ApiClient()
    assert public.get("/governance/agreements").status_code == 401
    listed = coordinator.get("/governance/agreements", {"status": "signed", "country": "kz"})
    assert listed.status_code == 200
    pk = network["protecting"].pk
    response = coordinator.get(f"/governance/agreements/{pk}")
    body = response.json()
    assert response["ETag"] == f'W/"{body["version"]}"' and body["clauses"][0]["kind"] == "student_transfer"
    assert coordinator.patch(f"/governance/agreements/{pk}", {"summary": "x"}).status_code == 428
    assert coordinator.patch(f"/governance/agreements/{pk}", {"summary": "x"},
                             headers={"If-Match": 'W/"99"'}).status_code == 412
    assert coordinator.patch(f"/governance/agreements/{pk}", {"summary": "x", "version": 99}).status_code == 409
    ok = coordinator.patch(f"/governance/agreements/{pk}", {"summary": "Renewed in principle."}, current=True)
    assert ok.status_code == 200 and ok.json()["summary"] == "Renewed in principle."
    # Other institutions' staff read agreements but may not change them.
    other = _as(network["other_staff"])
    assert other.get(f"/governance/agreements/{pk}").status_code == 200
    assert other.patch(f"/governance/agreements/{pk}", {"summary": "y"}, current=True).status_code == 403
    bad = coordinator.post("/governance/agreements", {"title": "T", "level": "institutional", "kind": "memorandum",
                                                      "institutions": [999999], "countries": ["zz"]})
    assert bad.status_code == 422 and {"institutions", "countries"} <= set(bad.json()["errors"])
    created = coordinator.post(f"/governance/agreements/{pk}/clauses",
                               {"kind": "notice_period", "text": "Six months' notice.", "notice_days": 180})
    assert created.status_code == 201 and len(created.json()["clauses"]) == 2


def test_operations_are_the_operators_and_move_through_steps(network, operation):
    staff, other, coordinator = _as(network["urumqi_staff"]), _as(network["other_staff"]), _as(network["coordinator"])
    assert other.get(f"/governance/operations/{operation.pk}").status_code == 404
    assert [o["id"] for o in other.get("/governance/operations").json()["items"]] == []
    body = staff.get(f"/governance/operations/{operation.pk}").json()
    assert body["exit_plan"] is None and "submit" in body["steps"]
    refused = _step(staff, operation.pk, "submit")
    assert refused.status_code == 422 and "exit_plan" in refused.json()["errors"]
    from tvetbridge.governance import services

    services.save_exit_plan(network["urumqi_staff"], operation, EXIT_PLAN)
    submitted = _step(staff, operation.pk, "submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert _step(staff, operation.pk, "approve").status_code == 403
    assert staff.patch(f"/governance/operations/{operation.pk}", {"site": "x"}, current=True).status_code == 403
    approved = _step(coordinator, operation.pk, "approve")
    assert approved.json()["status"] == "approved" and approved.json()["exit_plan"] == "prepared"
    created = other.post("/governance/operations", {"project": network["project"].pk, "kind": "teaching_base",
                                                    "site": "x", "qualifications": "y"})
    assert created.status_code == 422 and "project" in created.json()["errors"]


def test_events_and_participants(network):
    coordinator, staff, enterprise = _as(network["coordinator"]), _as(network["institution"]), _as(network["enterprise"])
    listed = enterprise.get("/governance/events", {"country": "KZ"}).json()["items"]
    assert {e["title"] for e in listed} == {network["meeting"].title, network["competition"].title}
    competition = network["competition"].pk
    trainee = network["trainees"][0].external_key
    added = staff.post(f"/governance/events/{competition}/participants",
                       {"role": "competitor", "trainee": trainee, "placing": 2, "award": "silver"})
    assert added.status_code == 201 and added.json()["trainee"] == trainee and added.json()["name"] == ""
    named = staff.post(f"/governance/events/{competition}/participants", {"trainee": trainee, "name": "Aigerim"})
    assert named.status_code == 422 and "name" in named.json()["errors"]
    assert enterprise.get(f"/governance/events/{competition}").json()["participants"] == 1
    assert enterprise.get(f"/governance/events/{competition}/participants").json() == []
    assert len(staff.get(f"/governance/events/{competition}/participants").json()) == 1
    assert enterprise.patch(f"/governance/events/{competition}", {"city": "Astana"}, current=True).status_code == 403
    changed = staff.patch(f"/governance/events/{competition}", {"city": "Astana"}, current=True)
    assert changed.status_code == 200 and changed.json()["city"] == "Astana"
    created = coordinator.post("/governance/events", {
        "title": "China–Russia vocational education forum", "kind": "forum", "starts_on": "2027-06-01",
        "ends_on": "2027-06-02", "country": "cn", "published": True})
    assert created.status_code == 201 and created["ETag"] == 'W/"1"'
    assert coordinator.post("/governance/events", {"title": "x", "kind": "forum", "starts_on": "2027-06-02",
                                                   "ends_on": "2027-06-01", "country": "CN"}).status_code == 422
