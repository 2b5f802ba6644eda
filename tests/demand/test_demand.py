"""Skill demand: validation, permissions per role, coding of a Russian demand, API, pages and import."""

import datetime as dt
import io as _io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from ninja.testing import TestClient
from openpyxl import Workbook

from tvetbridge.demand import io, queries, services
from tvetbridge.demand.models import SkillDemand, parse_languages
from tvetbridge.taxonomy import services as taxonomy
from tvetbridge.taxonomy.models import Occupation

WELDER_CODE = "7212.3"
RUSSIAN_AD = "Требуется сварщик для монтажа трубопроводов"


@pytest.fixture
def demand_world(world, users):
    taxonomy.load_taxonomy(isco_prefixes=["7212", "8311"], csco=False)
    return {**world, "users": users, "welder": Occupation.objects.get(code=WELDER_CODE)}


def future(days: int = 60) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def data(w, **over):
    base = {"enterprise": w["jd"], "kind": "vacancy", "title": "Pipeline welder", "country": w["kz"],
            "region": w["almaty"], "occupation": w["welder"], "count": 12, "deadline": future(),
            "offered_wage": 350000, "wage_currency": "KZT", "languages": [{"language": "zh", "level": "HSK3"}],
            "required_skills": list(w["welder"].skills.all()[:3])}
    base.update(over)
    return base


@pytest.fixture(autouse=True)
def _english_afterwards():
    # API calls with ?lang= activate a language for the thread, as a request would.
    yield
    translation.activate("en")


@pytest.fixture(scope="module")
def api_client():
    """The router on an API with the root API's error handlers, so errors have their real shape."""
    from ninja import NinjaAPI

    from tvetbridge.api import api as root
    from tvetbridge.demand.api import router

    test_api = NinjaAPI(urls_namespace="test-demand")
    test_api._exception_handlers.update(root._exception_handlers)
    test_api.add_router("/demand", router, url_name_prefix="test")
    return TestClient(test_api)


# --- services and validation -------------------------------------------------------------------------

def test_enterprise_staff_post_a_demand_with_audit(demand_world):
    w = demand_world
    user = w["users"]["enterprise"]
    demand = services.create_demand(user, data(w))
    assert demand.created_by == user and demand.occupation_confirmed
    assert demand.required_skills.count() == 3 and demand.chinese_level == "HSK3"
    record = demand.history.earliest()
    assert record.history_user == user and record.history_change_reason == "created"
    before = demand.history.count()
    services.update_demand(user, demand, {"count": 20})
    assert SkillDemand.objects.get(pk=demand.pk).count == 20 and demand.history.count() == before + 1
    assert demand.history.latest().history_change_reason == "updated"


@pytest.mark.parametrize("override,field", [
    ({"count": -3}, "count"),
    ({"count": 0}, "count"),
    ({"deadline": dt.date(2020, 1, 1)}, "deadline"),
    ({"order_commitment": True}, "commitment_amount"),
    ({"languages": [{"language": "ru", "level": "HSK4"}]}, "languages"),
    ({"languages": [{"language": "xx", "level": "B1"}]}, "languages"),
    ({"offered_wage": 100, "wage_currency": ""}, "wage_currency"),
    ({"region": None, "country": None}, "country"),
])
def test_bad_input_names_the_field_and_writes_nothing(demand_world, override, field):
    w = demand_world
    with pytest.raises(ValidationError) as exc:
        services.create_demand(w["users"]["coordinator"], data(w, **override))
    assert field in exc.value.message_dict
    assert not SkillDemand.objects.exists()


def test_region_must_be_in_the_country(demand_world):
    w = demand_world
    with pytest.raises(ValidationError) as exc:
        services.create_demand(w["users"]["coordinator"], data(w, country=w["cn"]))
    assert "region" in exc.value.message_dict


def test_a_past_deadline_is_kept_on_later_edits(demand_world):
    w = demand_world
    demand = services.create_demand(w["users"]["coordinator"], data(w))
    SkillDemand.objects.filter(pk=demand.pk).update(deadline=dt.date(2020, 1, 1))
    demand.refresh_from_db()
    # A new demand may not have a past deadline, but one that has passed since does not block edits.
    services.update_demand(w["users"]["coordinator"], demand, {"status": "filled"})
    demand.refresh_from_db()
    assert demand.status == "filled"
    assert demand.deadline == dt.date(2020, 1, 1)


def test_language_levels_are_parsed_and_checked():
    assert parse_languages("zh hsk 4; ru:b2, kk native") == [
        {"language": "zh", "level": "HSK4"}, {"language": "ru", "level": "B2"}, {"language": "kk", "level": "native"}]
    for bad in ("zh HSK10", "ru HSK2", "chinese", "zh B1; zh B2"):
        with pytest.raises(ValidationError):
            parse_languages(bad)


def test_a_demand_posted_in_russian_gets_coded(demand_world):
    w = demand_world
    demand = services.create_demand(w["users"]["enterprise"], data(
        w, title=RUSSIAN_AD, occupation=None, required_skills=[], description=""))
    assert demand.occupation.isco_group_id == "7212"
    assert not demand.occupation_confirmed
    assert 1 <= demand.required_skills.count() <= 10
    assert demand.title == RUSSIAN_AD


# --- permissions per role ----------------------------------------------------------------------------

def test_permissions_per_role(demand_world):
    w, u = demand_world, demand_world["users"]
    own = services.create_demand(u["enterprise"], data(w))
    other = services.create_demand(u["coordinator"], data(w, enterprise=w["other_enterprise"],
                                                           external_key="other-1"))
    # Enterprise staff: own enterprise only, for posting, changing and seeing.
    with pytest.raises(ValidationError) as exc:
        services.create_demand(u["enterprise"], data(w, enterprise=w["other_enterprise"]))
    assert "enterprise" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_demand(u["enterprise"], other, {"count": 1})
    with pytest.raises(ValidationError):
        services.update_demand(u["enterprise"], own, {"enterprise": w["other_enterprise"]})
    own.refresh_from_db()  # the refused change was never saved
    assert own.enterprise == w["jd"]
    assert list(queries.visible_to(u["enterprise"])) == [own]
    # Institution staff see all demand and change none.
    assert set(queries.visible_to(u["institution"])) == {own, other}
    with pytest.raises(PermissionDenied):
        services.create_demand(u["institution"], data(w, external_key="inst-1"))
    with pytest.raises(PermissionDenied):
        services.update_demand(u["institution"], own, {"count": 1})
    # Coordinators and admins everything; the public nothing.
    services.update_demand(u["coordinator"], other, {"count": 2})
    services.update_demand(u["admin"], own, {"count": 3})
    assert not queries.visible_to(u["public"]).exists()
    assert not u["public"].has_perm("demand.view_skilldemand")
    with pytest.raises(PermissionDenied):
        services.delete_demand(u["institution"], own)
    services.delete_demand(u["enterprise"], own)


# --- API ---------------------------------------------------------------------------------------------

def payload(w, **over):
    body = {"enterprise": w["jd"].pk, "kind": "order", "title": "Pipeline welders", "country": "KZ",
            "region": "KZ-75", "occupation": WELDER_CODE, "count": 5, "deadline": future().isoformat(),
            "languages": [{"language": "zh", "level": "HSK2"}], "order_commitment": True,
            "commitment_amount": "1500.00", "commitment_currency": "USD"}
    body.update(over)
    return body


def test_api_create_list_update(demand_world, api_client):
    w = demand_world
    user = w["users"]["enterprise"]
    res = api_client.post("/demand", json=payload(w), user=user)
    assert res.status_code == 201, res.content
    created = res.json()
    assert created["occupation"] == WELDER_CODE and created["languages"][0]["level"] == "HSK2"
    res = api_client.patch(f"/demand/{created['id']}", json={"count": 9, "status": "filled",
                           "version": created["version"]}, user=user)
    assert res.status_code == 200 and res.json()["count"] == 9
    listed = api_client.get("/demand?country=KZ", user=w["users"]["institution"]).json()
    assert [d["id"] for d in listed["items"]] == [created["id"]]
    assert api_client.get(f"/demand/{created['id']}", user=w["users"]["institution"]).status_code == 200
    assert api_client.patch(f"/demand/{created['id']}", json={"count": 1},
                            user=w["users"]["institution"]).status_code == 403


@pytest.mark.parametrize("override,field", [
    ({"occupation": "9999.99"}, "occupation"),
    ({"count": -1}, "count"),
    ({"deadline": "2020-01-01"}, "deadline"),
    ({"languages": [{"language": "ru", "level": "HSK5"}]}, "languages"),
    ({"required_skills": ["not-a-skill"]}, "required_skills"),
])
def test_api_rejects_bad_input_with_field_errors(demand_world, api_client, override, field):
    w = demand_world
    res = api_client.post("/demand", json=payload(w, **override), user=w["users"]["coordinator"])
    assert res.status_code == 422, res.content
    assert field in res.json()["errors"]
    assert not SkillDemand.objects.exists()


def test_api_codes_a_russian_demand_without_occupation(demand_world, api_client):
    w = demand_world
    body = payload(w, title=RUSSIAN_AD, occupation=None)
    del body["occupation"]
    res = api_client.post("/demand?lang=ru", json=body, user=w["users"]["enterprise"])
    assert res.status_code == 201, res.content
    assert res.json()["occupation"].startswith("7212") and res.json()["occupation_confirmed"] is False


# --- pages -------------------------------------------------------------------------------------------

def test_pages(client, demand_world):
    w, u = demand_world, demand_world["users"]
    assert client.get("/demand/").status_code == 302
    client.force_login(u["enterprise"])
    assert client.get("/ru/demand/new/").status_code == 200
    form = {"enterprise": w["jd"].pk, "kind": "vacancy", "title": RUSSIAN_AD, "description": "", "country": "KZ",
            "region": w["almaty"].pk, "occupation": "", "languages": "zh HSK3; ru B2", "count": "4",
            "offered_wage": "", "wage_currency": "", "deadline": future().isoformat(), "commitment_amount": "",
            "commitment_currency": ""}
    suggested = client.post("/ru/demand/new/", {**form, "suggest": "1"})
    html = suggested.content.decode()
    assert suggested.status_code == 200 and 'id="suggested-occupations"' in html and "7212" in html
    assert not SkillDemand.objects.exists()
    saved = client.post("/ru/demand/new/", {**form, "occupation": WELDER_CODE})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    demand = SkillDemand.objects.get()
    assert demand.occupation.code == WELDER_CODE and demand.languages[1] == {"language": "ru", "level": "B2"}
    assert client.get(f"/demand/{demand.pk}/").status_code == 200
    bad = client.post("/demand/new/", {**form, "occupation": "0000.0", "count": "-2"})
    assert bad.status_code == 200 and SkillDemand.objects.count() == 1
    assert "0000.0" in bad.content.decode()
    client.force_login(u["institution"])
    assert client.get("/demand/").status_code == 200
    assert client.get(f"/demand/{demand.pk}/edit/").status_code == 403
    client.force_login(w["users"]["coordinator"])
    assert client.get(f"/zh-hans/demand/{demand.pk}/edit/").status_code == 200


# --- import ------------------------------------------------------------------------------------------

HEADER = ["external_key", "enterprise", "kind", "title_en", "title_ru", "country", "region", "occupation",
          "required_skills", "languages", "count", "offered_wage", "wage_currency", "deadline",
          "order_commitment", "commitment_amount", "commitment_currency"]


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(f'"{c}"' for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def good_rows(w):
    skill = w["welder"].skills.first().esco_id
    return [
        ["d-1", "ent-jd", "vacancy", "Welder", "Сварщик", "KZ", "KZ-75", WELDER_CODE, skill, "zh HSK3; ru B1", "10",
         "350000", "KZT", future().isoformat(), "no", "", ""],
        ["d-2", "ent-jd", "order", "", "Машинист локомотива", "KZ", "", "8311.1", "", "", "4", "", "",
         future(90).isoformat(), "yes", "2000", "USD"],
    ]


def test_import_is_idempotent_with_dry_run(demand_world):
    w = demand_world
    user = w["users"]["enterprise"]
    content = csv_bytes(good_rows(w))
    preview = io.import_demand(user, content, "demand.csv", dry_run=True)
    assert preview.ok and preview.counts["create"] == 2 and not SkillDemand.objects.exists()
    result = io.import_demand(user, content, "demand.csv")
    assert result.ok and result.committed, result.errors
    d1 = SkillDemand.objects.get(external_key="d-1")
    assert d1.required_skills.count() == 1 and d1.languages == [{"language": "zh", "level": "HSK3"},
                                                                  {"language": "ru", "level": "B1"}]
    assert d1.created_by == user and d1.history.count() == 1
    d2 = SkillDemand.objects.get(external_key="d-2")
    assert d2.title_ru == "Машинист локомотива" and d2.order_commitment and d2.commitment_amount == 2000
    again = io.import_demand(user, content, "demand.csv")
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert SkillDemand.objects.count() == 2 and d1.history.count() == 1


def test_import_xlsx(demand_world):
    w = demand_world
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in good_rows(w):
        sheet.append(row)
    buffer = _io.BytesIO()
    book.save(buffer)
    result = io.import_demand(w["users"]["coordinator"], buffer.getvalue(), "demand.xlsx")
    assert result.ok and SkillDemand.objects.count() == 2


def test_import_with_bad_rows_names_row_and_column_and_writes_nothing(demand_world):
    w = demand_world
    rows = good_rows(w)
    bad = [list(r) for r in rows] + [list(rows[0]), list(rows[0]), list(rows[0])]
    bad[2][0], bad[2][7] = "d-3", "9999.99"  # unknown occupation
    bad[3][0], bad[3][10] = "d-4", "-5"  # negative count
    bad[4][0], bad[4][13] = "d-5", "2020-01-01"  # deadline in the past
    result = io.import_demand(w["users"]["coordinator"], csv_bytes(bad), "demand.csv")
    assert not result.ok and not result.committed
    found = {(e.row, e.column) for e in result.errors}
    assert (4, "occupation") in found and (5, "count") in found and (6, "deadline") in found
    assert all(e.message for e in result.errors)
    assert not SkillDemand.objects.exists()


def test_import_scope_and_file_errors(demand_world):
    w = demand_world
    rows = good_rows(w)
    rows[0][1] = "ent-other"
    result = io.import_demand(w["users"]["enterprise"], csv_bytes(rows), "demand.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "enterprise")]
    denied = io.import_demand(w["users"]["institution"], csv_bytes(good_rows(w)), "demand.csv")
    assert not denied.ok and not SkillDemand.objects.exists()
    with translation.override("en"):
        missing = io.import_demand(w["users"]["coordinator"], csv_bytes([["x"]], header=["external_key"]), "d.csv")
    assert {e.column for e in missing.errors} >= {"Enterprise", "Occupation", "Number of people", "Deadline"}
    assert {e.row for e in missing.errors} == {1}
    assert not io.import_demand(None, b"\xff\xfe", "d.csv").ok


def test_import_pages(client, demand_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    w = demand_world
    client.force_login(w["users"]["enterprise"])
    assert client.get("/demand/import/").status_code == 200
    assert client.get("/demand/import/template/?format=csv").status_code == 200
    upload = SimpleUploadedFile("demand.csv", csv_bytes(good_rows(w)), content_type="text/csv")
    preview = client.post("/demand/import/", {"file": upload})
    token = preview.context["token"]
    assert token and not SkillDemand.objects.exists()
    done = client.post("/demand/import/confirm/", {"token": token})
    assert done.status_code == 200 and SkillDemand.objects.count() == 2
