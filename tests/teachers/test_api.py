"""The teachers API, per role: who reads which teachers, dispatches and development results; the
shortage and its candidates with the page's numbers; the public HSK centres with small counts
withheld; and writes through the services with the forms' validators and version checks, leaving
nothing written when refused."""

import datetime as dt
import json

import pytest
from django.test import Client

from tvetbridge.core import tokens
from tvetbridge.core.services import system_user
from tvetbridge.registry.models import FacultyLanguage, FacultyMember
from tvetbridge.teachers import queries, services
from tvetbridge.teachers.models import (
    Assignment,
    DevelopmentProgramme,
    DevelopmentSession,
    HskCentre,
    HskSitting,
    LanguageProficiency,
    ProgrammeLanguageRequirement,
)

PERIOD = queries.Period(2026)
ROLES = ["public", "trainee", "enterprise", "own_staff", "other_staff", "coordinator"]


class Api:
    """Members call with a bearer token as scripts do; a trainee (who may hold no token) with a session."""

    def __init__(self, user=None, *, session: bool = False):
        self.client, self.headers = Client(), {}
        if user is not None and session:
            self.client.force_login(user)
        elif user is not None:
            self.headers["Authorization"] = f"Bearer {tokens.issue_token(user, 'test')[1]}"

    def get(self, path, **params):
        return self.client.get(f"/api/v1/teachers{path}", params, headers=self.headers)

    def send(self, method, path, data, **headers):
        return getattr(self.client, method)(f"/api/v1/teachers{path}", json.dumps(data, default=str),
                                            content_type="application/json", headers={**self.headers, **headers})


@pytest.fixture
def w(world, users, make_user):
    """ALT (Kazakhstan) needs Chinese-speaking logistics teachers; Wang (Urumqi) is trained to go, Aigerim
    (ALT) is local; a dispatch from Urumqi to ALT; a development programme; an HSK centre at ALT."""
    ProgrammeLanguageRequirement.objects.create(programme=world["programme"], language_id="zh", scale="hsk3",
                                                level="6")  # B2 for an intake of 60 → 3 teachers

    def teacher(key, inst, declared, *, willing=True):
        f = FacultyMember.objects.create(external_key=key, institution=inst, full_name=key.title(),
                                         willing_to_dispatch=willing)
        f.fields.add(world["logistics"])
        for lang, level in declared.items():
            FacultyLanguage.objects.create(faculty=f, language_id=lang, level=level)
        return f

    world["aigerim"] = teacher("aigerim", world["alt"], {"zh": "B1", "kk": "native"})
    world["wang"] = teacher("wang", world["urumqi"], {"zh": "native", "ru": "B2"})
    world["li"] = teacher("li", world["urumqi"], {"zh": "native"})
    LanguageProficiency.objects.create(external_key="lp-aigerim-ru", faculty=world["aigerim"], language_id="ru",
                                       scale="torfl", level="2", certificate="T-77", issuer="Pushkin Institute",
                                       certified_on=dt.date(2023, 5, 1))
    programme = DevelopmentProgramme.objects.create(external_key="pd", name="Pre-departure", kind="pre_departure",
                                                    provider=world["urumqi"])
    session = DevelopmentSession.objects.create(programme=programme, start_date=dt.date(2026, 6, 1),
                                                end_date=dt.date(2026, 6, 20), place="Urumqi")
    for f in (world["wang"], world["aigerim"]):
        services.record_participation(system_user(), {"session": session, "faculty": f, "result": "completed",
                                                       "completed_on": dt.date(2026, 6, 20)})
    world["dispatch"] = services.plan_assignment(system_user(), {
        "faculty": world["li"], "partner": world["alt"], "country_id": "KZ", "field_id": "104", "language_id": "zh",
        "start_date": dt.date(2028, 9, 1), "end_date": dt.date(2029, 6, 30)})
    centre = HskCentre.objects.create(external_key="hskc", name="ALT HSK centre", institution=world["alt"],
                                      country=world["kz"], city="Almaty", tests=["hsk"])
    HskSitting.objects.create(external_key="s1", centre=centre, date=dt.date(2024, 6, 15), language_id="zh",
                              scale="hsk3", level="3", registered=24, sat=22, passed=17)
    HskSitting.objects.create(external_key="s2", centre=centre, date=dt.date(2024, 6, 15), language_id="zh",
                              scale="hsk3", level="5", registered=5, sat=4, passed=3)
    world["centre"] = centre
    world["users"] = {**users, "own_staff": users["institution"],
                      "other_staff": make_user("institution", institution=world["urumqi"], username="urumqi-staff"),
                      "trainee": make_user("trainee", username="trainee-user")}
    return world


def api(w, role) -> Api:
    if role == "public":
        return Api()
    return Api(w["users"][role], session=role == "trainee")


KZ_CELL = "KZ~104~zh"


def ids(resp) -> set[str]:
    return {row["full_name"] for row in resp.json()["items"]}


# Who reads what: (path, expected per role); a set names the teachers the listing holds.
@pytest.mark.parametrize("role", ROLES)
def test_reads_per_role(w, role):
    client = api(w, role)
    denied = {"public": 401, "trainee": 403, "enterprise": 403}
    teachers = client.get("/faculty")
    expected = {"own_staff": {"Aigerim"}, "other_staff": {"Wang", "Li"}, "coordinator": {"Aigerim", "Wang", "Li"}}
    if role in denied:
        assert teachers.status_code == denied[role]
    else:
        assert teachers.status_code == 200 and ids(teachers) == expected[role]
    record = client.get(f"/faculty/{w['aigerim'].pk}")
    assert record.status_code == {**denied, "own_staff": 200, "other_staff": 404, "coordinator": 200}[role]
    for path in ("/completions", "/dispatches", f"/dispatches/{w['dispatch'].pk}", "/shortage",
                 f"/shortage/{KZ_CELL}/candidates"):
        resp = client.get(path, year=2026)
        assert resp.status_code == denied.get(role, 200), path
    programmes = client.get("/programmes")  # not personal: every member reads them, as on the pages
    assert programmes.status_code == {"public": 401, "trainee": 403}.get(role, 200)
    if role in denied:
        return
    completions = {r["faculty_name"] for r in client.get("/completions").json()["items"]}
    # Urumqi runs the programme, so its staff see everyone in it; ALT's staff only their own teacher.
    assert completions == {"own_staff": {"Aigerim"}}.get(role, {"Aigerim", "Wang"})
    # The dispatch is Urumqi's, hosted by ALT: both institutions see it.
    assert [d["faculty_name"] for d in client.get("/dispatches").json()["items"]] == ["Li"]


def test_a_teachers_record_carries_structured_and_declared_levels(w):
    resp = api(w, "own_staff").get(f"/faculty/{w['aigerim'].pk}")
    assert resp["ETag"] == f'W/"{w["aigerim"].version}"'
    body = resp.json()
    levels = {(lv["language"], lv["label"], lv["cefr"], lv["declared"]) for lv in body["languages"]}
    assert levels == {("ru", "ТРКИ-2", "B2", False), ("zh", "B1", "B1", True), ("kk", "native", "native", True)}
    assert body["willing_to_dispatch"] is True and body["fields"] == ["104"]
    assert [d["programme_kind"] for d in body["development"]] == ["pre_departure"]
    at_least = api(w, "coordinator").get("/faculty", language="zh", at_least="HSK 6")
    assert ids(at_least) == {"Wang", "Li"}  # native speakers; Aigerim's B1 is below HSK 6 (B2)
    bad = api(w, "coordinator").get("/faculty", language="zh", at_least="HSK 12")
    assert bad.status_code == 422 and "at_least" in bad.json()["errors"]


def test_the_shortage_has_the_pages_numbers_and_candidates_are_scoped(w):
    body = api(w, "coordinator").get("/shortage", year=2026).json()
    page = {c.key: c for c in queries.shortage(PERIOD)}
    assert [c["key"] for c in body["cells"]] == list(page)
    cell = next(c for c in body["cells"] if c["key"] == KZ_CELL)
    assert (cell["needed"], cell["local"], cell["dispatched"], cell["gap"]) == (
        page[KZ_CELL].needed, page[KZ_CELL].local, page[KZ_CELL].dispatched, page[KZ_CELL].gap) == (3, 0, 0, 3)
    assert cell["required"]["cefr"] == "B2" and body["norm"] == queries.trainee_norm()

    everyone = api(w, "coordinator").get(f"/shortage/{KZ_CELL}/candidates", year=2026).json()
    ranked = queries.candidates(queries.find_cell(KZ_CELL, PERIOD), PERIOD)
    assert [c["faculty"] for c in everyone["dispatch"]] == [c.faculty.pk for c in ranked["dispatch"]]
    assert [c["full_name"] for c in everyone["train"]] == ["Aigerim"]  # B1: a language course first
    assert {k["name"] for k in everyone["dispatch"][0]["components"]} >= {"level", "pre_departure"}
    own = api(w, "own_staff").get(f"/shortage/{KZ_CELL}/candidates", year=2026).json()
    assert own["dispatch"] == [] and [c["full_name"] for c in own["train"]] == ["Aigerim"]
    urumqi = api(w, "other_staff").get(f"/shortage/{KZ_CELL}/candidates", year=2026).json()
    assert urumqi["dispatch"] == everyone["dispatch"] and urumqi["train"] == []  # same scores, same order
    assert api(w, "coordinator").get("/shortage/XX~1~zz/candidates").status_code == 404


@pytest.mark.parametrize("role", ["public", "trainee", "enterprise", "coordinator"])
def test_hsk_centres_are_public_with_small_counts_withheld(w, role):
    client = api(w, role)
    listing = client.get("/hsk-centres")
    assert listing.status_code == 200
    assert listing.json()[0]["sat"] == {"value": 26, "suppressed": False}
    detail = client.get(f"/hsk-centres/{w['centre'].pk}").json()
    assert (detail["sittings"], detail["last_sitting"], detail["sat"]["value"]) == (2, "2024-06-15", 26)
    level5 = next(r for r in detail["by_level"] if r["level"] == "5")
    if role in ("public", "trainee"):
        assert level5["sat"] == level5["pass_rate"] == {"value": None, "suppressed": True}
        assert level5["registered"] == {"value": 5, "suppressed": False}
    else:
        assert level5["sat"]["value"] == 4 and level5["pass_rate"]["value"] == 75.0
    assert Api().client.get("/api/v1/teachers/hsk-centres",
                            headers={"Authorization": "Bearer nonsense"}).status_code == 401


# --------------------------------------------------------------------------------------------- writes
LEVEL = {"language": "zh", "scale": "hsk3", "level": "5", "certificate": "H5-1", "issuer": "CTI",
         "certified_on": "2025-06-01"}


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_level_per_role(w, role):
    before = LanguageProficiency.objects.count()
    resp = api(w, role).send("post", f"/faculty/{w['aigerim'].pk}/languages", LEVEL)
    expected = {"public": 401, "trainee": 403, "enterprise": 403, "own_staff": 201, "other_staff": 404,
                "coordinator": 201}[role]
    assert resp.status_code == expected
    assert LanguageProficiency.objects.count() == before + (expected == 201)
    if expected == 201:
        body = resp.json()
        assert (body["label"], body["cefr"], body["declared"], resp["ETag"]) == ("HSK 5 (3.0)", "B1", False, 'W/"1"')
        saved = LanguageProficiency.objects.get(pk=body["id"])
        assert saved.history.get().history_change_reason == "language level recorded via API"


@pytest.mark.parametrize("payload, field", [
    ({"level": "10"}, "level"),                     # HSK 3.0 has levels 1–9
    ({"scale": "toefl"}, "scale"),                  # not a scale
    ({"language": "ru"}, "level"),                  # HSK measures Chinese, not Russian
    ({"language": "xx"}, "language"),               # no such language
    ({"certified_on": "2999-01-01"}, "certified_on"),
])
def test_a_bad_level_names_the_field_and_writes_nothing(w, payload, field):
    before = LanguageProficiency.objects.count()
    resp = api(w, "own_staff").send("post", f"/faculty/{w['aigerim'].pk}/languages", {**LEVEL, **payload})
    assert resp.status_code == 422 and field in resp.json()["errors"], resp.json()
    assert LanguageProficiency.objects.count() == before


def test_changing_a_level_needs_the_version_it_was_read_at(w):
    level = LanguageProficiency.objects.get(external_key="lp-aigerim-ru")
    path = f"/languages/{level.pk}"
    staff = api(w, "own_staff")
    etag = staff.get(path)["ETag"]
    assert staff.send("patch", path, {"level": "3"}).status_code == 428
    assert staff.send("patch", path, {"level": "3", "version": level.version + 1}).status_code == 409
    assert staff.send("patch", path, {"level": "3"}, **{"If-Match": 'W/"99"'}).status_code == 412
    bad = staff.send("patch", path, {"level": "9"}, **{"If-Match": etag})
    assert bad.status_code == 422 and "level" in bad.json()["errors"]
    for role, code in (("other_staff", 404), ("enterprise", 403), ("public", 401)):
        assert api(w, role).send("patch", path, {"level": "3", "version": 1}).status_code == code
    level.refresh_from_db()
    assert (level.level, level.version) == ("2", 1)  # nothing written by any refusal
    ok = staff.send("patch", path, {"level": "3"}, **{"If-Match": etag})
    assert ok.status_code == 200 and ok.json()["cefr"] == "C1" and ok["ETag"] == 'W/"2"'
    assert staff.send("patch", path, {"level": "4"}, **{"If-Match": etag}).status_code == 412  # now stale


@pytest.mark.parametrize("role", ROLES)
def test_planning_a_dispatch_into_the_shortage_per_role(w, role):
    before = Assignment.objects.count()
    resp = api(w, role).send("post", f"/shortage/{KZ_CELL}/dispatches",
                             {"faculty": w["wang"].pk, "project": w["project"].pk, "year": 2026})
    expected = {"public": 401, "trainee": 403, "enterprise": 403, "own_staff": 404, "other_staff": 201,
                "coordinator": 201}[role]
    assert resp.status_code == expected
    assert Assignment.objects.count() == before + (expected == 201)
    if expected == 201:
        assert (resp.json()["status"], resp.json()["faculty_name"]) == ("planning", "Wang")
        cell = next(c for c in api(w, "coordinator").get("/shortage", year=2026).json()["cells"]
                    if c["key"] == KZ_CELL)
        assert (cell["dispatched"], cell["gap"]) == (1, 2)  # the gap falls by one for the year


def test_planning_errors_name_the_field_and_write_nothing(w):
    coordinator = api(w, "coordinator")
    before = Assignment.objects.count()
    plan = {"faculty": w["wang"].pk, "partner": w["alt"].pk, "country": "KZ", "field": "104", "language": "zh",
            "start_date": "2027-09-01", "end_date": "2028-06-30"}
    for change, field in (({"field": "9999"}, "field"), ({"language": "xx"}, "language"),
                          ({"partner": 10**9}, "partner"), ({"role": "cook"}, "role"),
                          ({"faculty": w["li"].pk, "start_date": "2028-10-01", "end_date": "2028-11-01"}, "start_date")):
        resp = coordinator.send("post", "/dispatches", {**plan, **change})
        assert resp.status_code == 422 and field in resp.json()["errors"], (change, resp.json())
    assert Assignment.objects.count() == before
    project = w["project"]
    other = coordinator.send("post", f"/shortage/{KZ_CELL}/dispatches",
                             {"faculty": w["wang"].pk, "project": project.pk + 1000, "year": 2026})
    assert other.status_code == 422 and "project" in other.json()["errors"]
    assert coordinator.send("post", "/dispatches", plan).status_code == 201


def test_moving_a_dispatch_checks_the_training_the_role_and_the_version(w):
    li = w["dispatch"]
    path = f"/dispatches/{li.pk}/transition"
    coordinator = api(w, "coordinator")
    refused = coordinator.send("post", path, {"to": "approved", "version": li.version})
    assert refused.status_code == 422 and "pre-departure" in json.dumps(refused.json())  # Li is not trained
    assert api(w, "other_staff").send("post", path, {"to": "approved", "version": li.version}).status_code == 403
    assert api(w, "enterprise").send("post", path, {"to": "cancelled", "version": li.version}).status_code == 403
    assert coordinator.send("post", path, {"to": "cancelled"}).status_code == 428
    assert coordinator.send("post", path, {"to": "cancelled", "version": li.version + 1}).status_code == 409
    li.refresh_from_db()
    assert (li.status, li.version) == ("planning", 1)
    moved = api(w, "other_staff").send("post", path, {"to": "cancelled", "version": li.version})
    assert moved.status_code == 200 and moved.json()["status"] == "cancelled" and moved.json()["transitions"] == []


def test_the_dispatches_page_lists_what_the_api_lists(w, make_user, client):
    link = f'href="/teachers/teacher/{w["li"].pk}/"'
    stranger = make_user("institution", institution=w["other_institution"], username="stranger")
    client.force_login(stranger)
    assert link not in client.get("/teachers/").content.decode()
    assert client.get("/api/v1/teachers/dispatches").json()["count"] == 0
    client.force_login(w["users"]["own_staff"])  # ALT hosts Li's dispatch, but Li is Urumqi's teacher
    page = client.get("/teachers/").content.decode()
    assert w["li"].full_name in page and link not in page  # listed, not a link to a record ALT may not open
    assert client.get(f"/teachers/teacher/{w['li'].pk}/").status_code == 403
    assert client.get("/api/v1/teachers/dispatches").json()["count"] == 1
    client.force_login(w["users"]["other_staff"])  # Urumqi sends Li: its staff open his record
    assert link in client.get("/teachers/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_other_operations_per_role(w, role):
    client = api(w, role)
    expect = {  # public, trainee, enterprise, ALT staff, Urumqi staff, coordinator
        "programme": (401, 403, 200, 200, 200, 200),
        "level": (401, 403, 403, 200, 404, 200),
        "plan": (401, 403, 403, 404, 201, 201),     # Wang is Urumqi's: ALT's staff cannot see him
        "cancel": (401, 403, 403, 403, 200, 200),   # ALT hosts Li's dispatch, Urumqi sends it
    }
    got = {
        "programme": client.get(f"/programmes/{DevelopmentProgramme.objects.get().pk}").status_code,
        "level": client.get(f"/languages/{LanguageProficiency.objects.get(external_key='lp-aigerim-ru').pk}").status_code,
        "plan": client.send("post", "/dispatches", {
            "faculty": w["wang"].pk, "partner": w["alt"].pk, "country": "KZ", "field": "104", "language": "zh",
            "start_date": "2027-09-01", "end_date": "2028-06-30"}).status_code,
        "cancel": client.send("post", f"/dispatches/{w['dispatch'].pk}/transition",
                              {"to": "cancelled", "version": 1}).status_code,
    }
    assert got == {op: codes[ROLES.index(role)] for op, codes in expect.items()}
    assert Assignment.objects.count() == 1 + (got["plan"] == 201)
    assert Assignment.objects.get(pk=w["dispatch"].pk).status == ("cancelled" if got["cancel"] == 200 else "planning")


# Every other path that shows a teacher reads the same rule as the teachers API above: the registry's
# faculty list, record and API, the institution page, the teacher record, the development record, the
# shortage candidates page and the calendar. Enterprise staff and trainees see no teacher; an
# institution's staff see their own institution's teachers and never another's.
SEES = {"public": set(), "trainee": set(), "enterprise": set(), "own_staff": {"aigerim"},
        "other_staff": {"wang", "li"}, "coordinator": {"aigerim", "wang", "li"}}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_the_registry_api_show_teachers_by_one_rule(w, role, client):
    from django.urls import reverse

    from tvetbridge.governance.queries import calendar_items

    user = w["users"][role]
    if role != "public":
        client.force_login(user)
    sees = SEES[role]
    closed = 302 if role == "public" else 403
    teachers = {name: w[name] for name in ("aigerim", "wang", "li")}

    listing = client.get(reverse("facultymember_list"))
    assert listing.status_code == (200 if sees else closed)
    for name, f in teachers.items():
        shown = reverse("facultymember_detail", args=[f.pk]) in listing.content.decode()
        assert shown == (name in sees), name
        for path in (reverse("facultymember_detail", args=[f.pk]), f"/teachers/teacher/{f.pk}/",
                     reverse("governance_faculty_development", args=[f.pk])):
            assert client.get(path).status_code == (200 if name in sees else closed), (path, name)

    registry_api = client.get("/api/v1/faculty")
    if role == "public":
        assert registry_api.status_code == 401
    elif not sees:
        assert registry_api.status_code == 403
        assert client.get(f"/api/v1/faculty/{w['aigerim'].pk}").status_code == 403
        assert client.get("/api/v1/faculty/by-key/aigerim").status_code == 403
    else:
        assert {row["external_key"] for row in registry_api.json()["items"]} == sees
        for name, f in teachers.items():
            assert client.get(f"/api/v1/faculty/{f.pk}").status_code == (200 if name in sees else 403)

    # ALT's page: the number of its teachers for every member, their names for those who may read them.
    if role not in ("public", "trainee"):
        page = client.get(reverse("institution_detail", args=[w["alt"].pk])).content.decode()
        assert (reverse("facultymember_detail", args=[w["aigerim"].pk]) in page) == ("aigerim" in sees)
        assert (f'href="{reverse("facultymember_list")}"' in page) == bool(sees)  # the menu's link

    candidates = client.get(f"/teachers/shortage/{KZ_CELL}/?year=2026")
    if role in ("own_staff", "other_staff", "coordinator"):
        page = candidates.content.decode()
        assert candidates.status_code == 200
        assert {name for name, f in teachers.items() if f'href="/teachers/teacher/{f.pk}/"' in page} == \
            sees  # ranked among the teachers the reader may see (Li goes to ALT only in 2028)
        assert ('id="own-teachers-only"' in page) == (role != "coordinator")
    else:
        assert candidates.status_code == closed

    dispatches = [i for i in calendar_items(user, dt.date(2028, 9, 1), dt.date(2028, 9, 30)) if i.kind == "dispatch"]
    li_record = f"/teachers/teacher/{w['li'].pk}/"
    expected = {"own_staff": ["/teachers/"], "other_staff": [li_record], "coordinator": [li_record]}
    assert [i.path for i in dispatches] == expected.get(role, [])  # ALT hosts Li: the list, not his record
