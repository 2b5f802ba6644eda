"""Reading, filtering, writing and auditing registry records through the API, role by role."""

import pytest

from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

PROGRAMME = {
    "external_key": "prog-new", "name_en": "Railway signalling", "name_ru": "Железнодорожная автоматика",
    "field": "104", "isced_level": 5, "duration_months": 30, "languages": ["ru", "kk"],
    "intake_capacity": 40, "expected_graduates": 35,
}


# --- anonymous --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/institutions", "/programmes", "/faculty", "/facilities", "/enterprises",
                                  "/alliances", "/projects", "/institutions/1", "/me", "/tokens"])
def test_anonymous_gets_401_on_registry(api_as, world, path):
    response = api_as("public").get(path)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_anonymous_cannot_write(api_as, world):
    response = api_as("public").patch(f"/programmes/{world['programme'].pk}", {"intake_capacity": 1})
    assert response.status_code == 401
    world["programme"].refresh_from_db()
    assert world["programme"].intake_capacity == 60


def test_public_country_summary_is_open_and_aggregate_only(api_as, world):
    response = api_as("public").get("/public/countries/kz/summary")
    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "KZ"
    assert body["institutions"] == {"total": 2, "synthetic": 0}
    assert body["programmes"]["total"] == 1 and body["intake_capacity"] == 60
    assert body["projects_by_kind"] == {"luban_workshop": 1}
    assert "ALT" not in response.content.decode()  # no record names leak to the public
    assert api_as("public").get("/public/countries/ZZ/summary").status_code == 404


def test_reference_data_is_public(api_as, world):
    client = api_as("public")
    assert {c["code"] for c in client.get("/countries").json()} == {"CN", "KZ", "TJ"}
    regions = client.get("/regions", {"country": "kz"}).json()
    assert [r["code"] for r in regions["items"]] == ["KZ-75"]
    assert [f["code"] for f in client.get("/fields", {"parent": "10"}).json()] == ["104"]


# --- reading ----------------------------------------------------------------------------------------

def test_list_shape_translations_and_synthetic_flag(api_as, world):
    Institution.objects.filter(pk=world["alt"].pk).update(name_ru="Университет ALT", is_synthetic=True)
    client = api_as("enterprise")
    body = client.get("/institutions", {"country": "KZ"}).json()
    assert body["count"] == 2 and body["page"] == 1
    alt = next(i for i in body["items"] if i["external_key"] == "inst-alt")
    assert alt["name"] == "ALT University" and alt["name_ru"] == "Университет ALT"
    assert alt["is_synthetic"] is True
    assert alt["country"] == "KZ" and alt["region"] == "KZ-75"

    in_russian = client.get("/institutions", {"country": "KZ", "lang": "ru"}).json()["items"]
    assert {i["name"] for i in in_russian} == {"Университет ALT", "Other College"}  # English as fallback
    by_header = client.get(f"/institutions/{world['alt'].pk}", headers={"Accept-Language": "ru"}).json()
    assert by_header["name"] == "Университет ALT"


def test_retrieve_by_id_and_external_key(api_as, world):
    client = api_as("institution")
    by_id = client.get(f"/projects/{world['project'].pk}").json()
    by_key = client.get("/projects/by-key/proj-1").json()
    assert by_id == by_key
    assert by_id["chinese_institutions"] == [world["urumqi"].pk]
    assert by_id["partner_institutions"] == [world["alt"].pk]
    assert by_id["enterprises"] == [world["jd"].pk]
    assert client.get("/projects/by-key/nope").status_code == 404
    assert client.get("/projects/999999").status_code == 404
    assert client.get("/projects/99999999999999999999999").status_code in (404, 422)


def test_pagination(api_as, world):
    for i in range(7):
        Enterprise.objects.create(external_key=f"e-{i}", name=f"Firm {i:02d}", country=world["kz"], sector="C")
    client = api_as("coordinator")
    first = client.get("/enterprises", {"page_size": 4}).json()
    second = client.get("/enterprises", {"page_size": 4, "page": 2}).json()
    assert first["count"] == second["count"] == 9
    assert len(first["items"]) == 4 and len(second["items"]) == 4
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    assert client.get("/enterprises", {"page": 99}).json()["items"] == []
    too_big = client.get("/enterprises", {"page_size": 100000})
    assert too_big.status_code == 422 and "page_size" in too_big.json()["errors"]


@pytest.mark.parametrize(("path", "params", "expected"), [
    ("/institutions", {"country": "CN"}, {"inst-urumqi"}),
    ("/institutions", {"kind": "college"}, {"inst-other"}),
    ("/institutions", {"field": "10"}, {"inst-urumqi"}),  # a broad field includes narrower ones
    ("/institutions", {"region": "KZ-75"}, {"inst-alt", "inst-other"}),
    ("/institutions", {"q": "urumqi"}, {"inst-urumqi"}),
    ("/institutions", {"is_synthetic": "true"}, set()),
    ("/institutions", {"updated_since": "2000-01-01T00:00:00Z"}, {"inst-urumqi", "inst-alt", "inst-other"}),
    ("/institutions", {"updated_since": "2999-01-01T00:00:00"}, set()),
    ("/programmes", {"field": "104", "country": "KZ"}, {"prog-1"}),
    ("/programmes", {"country": "CN"}, set()),
    ("/enterprises", {"sector": "H"}, {"ent-jd"}),
    ("/enterprises", {"chinese_funded": "false"}, {"ent-other"}),
    ("/projects", {"country": "KZ", "status": "active", "kind": "luban_workshop"}, {"proj-1"}),
    ("/projects", {"status": "draft"}, set()),
    ("/projects", {"region": "KZ-75"}, {"proj-1"}),
])
def test_filters(api_as, world, path, params, expected):
    response = api_as("coordinator").get(path, params)
    assert response.status_code == 200, response.content
    assert {r["external_key"] for r in response.json()["items"]} == expected


def test_filter_by_institution_and_language(api_as, world):
    world["programme"].languages.set(["ru"])
    client = api_as("coordinator")
    assert client.get("/programmes", {"language": "ru"}).json()["count"] == 1
    assert client.get("/programmes", {"language": "kk"}).json()["count"] == 0
    projects = client.get("/projects", {"institution": world["urumqi"].pk}).json()
    assert [p["external_key"] for p in projects["items"]] == ["proj-1"]


def test_bad_filter_values_are_422_not_500(api_as, world):
    client = api_as("coordinator")
    assert client.get("/projects", {"status": "bogus"}).status_code == 422
    assert client.get("/institutions", {"updated_since": "yesterday"}).status_code == 422
    assert client.get("/institutions", {"q": "a\x00b"}).status_code == 422


def test_list_queries_do_not_grow_with_rows(api_as, world, django_assert_max_num_queries):
    client = api_as("coordinator")
    for i in range(20):
        p = CooperationProject.objects.create(external_key=f"p-{i}", name=f"P{i}", kind="exchange",
                                              host_country=world["kz"])
        p.partner_institutions.add(world["alt"])
    # token lookup + last_used + count + page + one per prefetched relation
    with django_assert_max_num_queries(14):
        assert client.get("/projects", {"page_size": 50}).json()["count"] == 21


# --- writing and permissions ------------------------------------------------------------------------

def test_institution_staff_patch_own_programme_and_audit_names_them(api_as, world, users):
    response = api_as("institution").patch(f"/programmes/{world['programme'].pk}", {"intake_capacity": 80},
                                        current=True)
    assert response.status_code == 200, response.content
    assert response.json()["intake_capacity"] == 80
    record = Programme.history.filter(id=world["programme"].pk).latest("history_date")
    assert record.history_user == users["institution"]
    assert record.history_change_reason == "updated via API"
    assert record.prev_record.intake_capacity == 60


def test_institution_staff_forbidden_on_other_institutions_records(api_as, world):
    other = Programme.objects.create(external_key="prog-other", institution=world["other_institution"],
                                     name="Welding", field=world["logistics"], isced_level=4,
                                     duration_months=12, intake_capacity=20, expected_graduates=10)
    client = api_as("institution")
    assert client.patch(f"/programmes/{other.pk}", {"intake_capacity": 1}).status_code == 403
    assert client.patch(f"/institutions/{world['other_institution'].pk}", {"phone": "1"}).status_code == 403
    assert client.delete(f"/programmes/{other.pk}").status_code == 403
    other.refresh_from_db()
    assert other.intake_capacity == 20


def test_institution_staff_create_only_for_own_institution(api_as, world):
    client = api_as("institution")
    mine = client.post("/programmes", {**PROGRAMME, "institution": world["alt"].pk})
    assert mine.status_code == 201, mine.content
    assert mine.json()["languages"] == ["kk", "ru"] and mine.json()["name_ru"] == PROGRAMME["name_ru"]

    theirs = client.post("/programmes", {**PROGRAMME, "external_key": "prog-x",
                                         "institution": world["other_institution"].pk})
    assert theirs.status_code == 422
    assert "institution" in theirs.json()["errors"]
    assert not Programme.objects.filter(external_key="prog-x").exists()


def test_enterprise_staff(api_as, world):
    client = api_as("enterprise")
    assert client.patch(f"/institutions/{world['alt'].pk}", {"phone": "1"}).status_code == 403
    assert client.patch(f"/enterprises/{world['other_enterprise'].pk}", {"website": ""}).status_code == 403
    own = client.patch(f"/enterprises/{world['jd'].pk}", {"website": "https://jd.example"}, current=True)
    assert own.status_code == 200 and own.json()["website"] == "https://jd.example"
    assert client.post("/institutions", {"external_key": "i", "name_en": "I", "kind": "college",
                                         "country": "KZ"}).status_code == 403


def test_forbidden_wins_over_bad_references(api_as, world):
    response = api_as("enterprise").post("/institutions", {"external_key": "i", "name_en": "I",
                                                           "kind": "college", "country": "ZZ"})
    assert response.status_code == 403


def test_coordinator_creates_and_approves_institution_staff_cannot(api_as, world, users):
    coordinator = api_as("coordinator")
    created = coordinator.post("/projects", {
        "external_key": "proj-new", "name_en": "Order class for JD", "kind": "order_class",
        "status": "proposed", "host_country": "kz", "host_region": "KZ-75",
        "partner_institutions": [world["alt"].pk], "enterprises": [world["jd"].pk], "fields": ["104"],
        "start_date": "2026-09-01", "target_trainees": 30, "target_employment_rate": "90.5",
        "target_income_gain": "150000", "target_currency": "KZT"})
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]
    assert created.json()["target_employment_rate"] in ("90.50", 90.5, "90.5")

    assert api_as("institution").post(f"/projects/{project_id}/approve").status_code == 403
    approved = coordinator.post(f"/projects/{project_id}/approve", {"comment": "fits the gap"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == users["coordinator"].username
    assert coordinator.post(f"/projects/{project_id}/approve").status_code == 422  # already approved


def test_status_approved_cannot_be_set_directly(api_as, world):
    response = api_as("institution").patch(f"/projects/{world['project'].pk}", {"status": "approved"},
                                         current=True)
    assert response.status_code == 422


def test_validation_422_names_fields_and_writes_nothing(api_as, world):
    client = api_as("coordinator")
    bad_rule = client.patch(f"/programmes/{world['programme'].pk}",
                            {"intake_capacity": 10, "expected_graduates": 50}, current=True)
    assert bad_rule.status_code == 422
    assert bad_rule.json()["detail"] and bad_rule.json()["errors"]
    world["programme"].refresh_from_db()
    assert world["programme"].intake_capacity == 60

    bad_schema = client.post("/programmes", {"external_key": "p", "institution": world["alt"].pk})
    assert bad_schema.status_code == 422
    assert {"name_en", "field", "intake_capacity"} <= set(bad_schema.json()["errors"])

    bad_refs = client.post("/programmes", {**PROGRAMME, "institution": 987654, "field": "9999",
                                           "languages": ["xx", "ru"]})
    assert bad_refs.status_code == 422
    assert set(bad_refs.json()["errors"]) == {"institution", "field", "languages"}
    assert "xx" in bad_refs.json()["errors"]["languages"][0]

    duplicate = client.post("/programmes", {**PROGRAMME, "external_key": "prog-1", "institution": world["alt"].pk})
    assert duplicate.status_code == 422 and "external_key" in duplicate.json()["errors"]

    bad_url = client.patch(f"/institutions/{world['alt'].pk}", {"website": "not a url", "email": "nope"},
                           current=True)
    assert bad_url.status_code == 422 and {"website", "email"} <= set(bad_url.json()["errors"])
    assert Programme.objects.count() == 1


def test_put_replaces_the_record(api_as, world):
    client = api_as("coordinator")
    response = client.put(f"/enterprises/{world['jd'].pk}", {
        "external_key": "ent-jd", "name_en": "JD Logistics", "name_zh_hans": "京东物流", "country": "CN",
        "sector": "H", "chinese_funded": True}, current=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name_zh_hans"] == "京东物流" and body["website"] == ""
    assert client.get(f"/enterprises/{world['jd'].pk}", {"lang": "zh-hans"}).json()["name"] == "京东物流"


def test_delete_follows_the_rules_and_is_audited(api_as, world, users):
    programme_id = world["programme"].pk
    assert api_as("coordinator").delete(f"/institutions/{world['other_institution'].pk}").status_code == 403
    assert api_as("institution").delete(f"/programmes/{programme_id}", current=True).status_code == 204
    assert not Programme.objects.filter(pk=programme_id).exists()
    deleted = Programme.history.filter(id=programme_id, history_type="-").get()
    assert deleted.history_user == users["institution"]
    assert api_as("admin").delete(f"/institutions/{world['other_institution'].pk}", current=True).status_code == 204


def test_delete_blocked_by_database_rule_is_409(api_as, world):
    # Staff act for ALT; removing it would leave a staff profile without an institution.
    response = api_as("admin").delete(f"/institutions/{world['alt'].pk}", current=True)
    assert response.status_code in (204, 409)
    if response.status_code == 409:
        assert Institution.objects.filter(pk=world["alt"].pk).exists()


def test_session_auth_works_for_the_browser(client, users, world):
    client.force_login(users["coordinator"])
    assert client.get("/api/v1/institutions").status_code == 200
    # Writes from a browser session need the CSRF token like any form.
    from django.test import Client
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(users["coordinator"])
    response = csrf_client.patch(f"/api/v1/enterprises/{world['jd'].pk}", '{"website": ""}',
                                 content_type="application/json")
    assert response.status_code in (401, 403)


def test_roleless_user_is_forbidden(client, world, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody", password="x-Y-z-123!"))
    assert client.get("/api/v1/institutions").status_code == 403


def test_openapi_document_and_docs_page(client, db):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/projects/{record_id}/approve" in spec["paths"]
    assert "BearerToken" in spec["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/openapi.json" in docs.content.decode()
    from django.conf import settings
    if "ninja" in settings.INSTALLED_APPS:
        # ninja then serves Swagger UI from its bundled static files, so the docs work offline.
        assert "cdn." not in docs.content.decode()
