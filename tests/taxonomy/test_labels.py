"""The label workflow (issue #13 part 2): proposals, decisions, the XLSX round trip, the API, and who
may do what."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from ninja.testing import TestClient
from openpyxl import Workbook, load_workbook

from tvetbridge.core.services import Conflict
from tvetbridge.taxonomy import queries, services
from tvetbridge.taxonomy.io.labels import COLUMNS
from tvetbridge.taxonomy.models import LabelProposal, Occupation

WELDER = "7aedaa07-3884-4c5b-88f9-80997b2aa54b"
ROLES = ("coordinator", "institution", "enterprise", "trainee", "public")


@pytest.fixture
def people(users, make_user):
    return {**users, "trainee": make_user("trainee", username="trainee-user")}


@pytest.fixture
def welder(db):
    services.load_taxonomy(isco_prefixes=["7212"], csco=False)
    return Occupation.objects.get(esco_id=WELDER)


def propose(user, occupation, label="дәнекерлеуші-монтажшы", language="kk", source="НКЗ 2023"):
    return services.propose_label(user, services.draft_label("occupation", occupation.code, language, label, source))


def sheet(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ services
def test_approval_makes_the_label_the_one_shown_and_searched(people, welder):
    old = welder.label_kk
    proposal = propose(people["institution"], welder)
    assert proposal.status == "proposed" and Occupation.objects.get(pk=welder.pk).label_kk == old
    decided = services.decide_label(people["coordinator"], proposal, approve=True, reason="",
                                    expected_version=proposal.version)
    welder.refresh_from_db()
    assert decided.status == "approved" and decided.decided_by == people["coordinator"]
    assert decided.replaced_label == old and welder.label_kk == "дәнекерлеуші-монтажшы"
    assert old in welder.alt_labels_kk.splitlines()  # the replaced label is still found
    assert [o.pk for o in queries.search("ДӘНЕКЕРЛЕУШІ-монтажшы", scope="active", language="kk").items] == [welder.pk]
    # A second approved label supersedes the first; the audit keeps who, when and why.
    second = propose(people["coordinator"], welder, label="дәнекерлеуші")
    services.decide_label(people["coordinator"], second, approve=True, reason="НКЗ 2023, код 7212-1-001")
    assert LabelProposal.objects.get(pk=proposal.pk).status == "superseded"
    reasons = list(LabelProposal.history.filter(id=proposal.pk).order_by("history_date")
                   .values_list("history_change_reason", flat=True))
    assert reasons == ["created", "approved", "label.superseded"]


def test_rejection_needs_a_reason_and_a_stale_decision_is_a_conflict(people, welder):
    proposal = propose(people["enterprise"], welder)
    with pytest.raises(ValidationError):
        services.decide_label(people["coordinator"], proposal, approve=False, reason=" ")
    services.decide_label(people["coordinator"], proposal, approve=False, reason="Not the НКЗ title",
                          expected_version=1)
    with pytest.raises(Conflict):  # decided on version 1, which is no longer the stored one
        services.decide_label(people["coordinator"], proposal, approve=True, expected_version=1)
    with pytest.raises(ValidationError):  # already decided
        services.decide_label(people["coordinator"], proposal, approve=True, expected_version=2)
    assert Occupation.objects.get(pk=welder.pk).label_kk == welder.label_kk


@pytest.mark.parametrize(("language", "label", "source", "field"), [
    ("en", "welder", "ESCO", "language"), ("xx-1", "x", "y", "language"), ("kk", "  ", "НКЗ", "label"),
    ("kk", "ж" * 301, "НКЗ", "label"), ("ru", "сварщик", "", "source")])
def test_the_shared_checks_refuse_bad_values(welder, language, label, source, field):
    with pytest.raises(ValidationError) as caught:
        services.draft_label("occupation", welder.code, language, label, source)
    assert field in caught.value.message_dict


def test_language_codes_as_the_ui_and_iso_write_them(welder):
    for written in ("zh-hans", "zh_Hans", "zh", "ZH-CN"):
        assert services.draft_label("occupation", welder.code, written, "焊工", "CSCO").language == "zh-hans"
    assert services.draft_label("occupation", welder.esco_id, "rus", "сварщик", "ОКЗ").concept == welder


def test_only_coordinators_decide_and_trainees_propose_nothing(people, welder):
    proposal = propose(people["institution"], welder)
    for role in ("institution", "enterprise", "trainee", "public"):
        with pytest.raises(PermissionDenied):
            services.decide_label(people[role], proposal, approve=True)
    for role in ("trainee", "public"):
        with pytest.raises(PermissionDenied):
            propose(people[role], welder, label="x")
    with pytest.raises(PermissionDenied):  # approving on proposal needs the coordinator's right
        services.propose_label(people["institution"], services.draft_label(
            "occupation", welder.code, "ru", "сварщик-монтажник", "ОКЗ"), approve=True)


# --------------------------------------------------------------------------------------------- pages
PAGES = {  # role → status of list, propose form, sheet page
    "coordinator": 200, "institution": 200, "enterprise": 200, "trainee": 403, "public": 302}


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(client, people, welder, role):
    proposal = propose(people["institution"], welder)
    if role != "public":
        client.force_login(people[role])
    for name in ("taxonomy_labels", "taxonomy_label_propose", "taxonomy_label_sheet"):
        assert client.get(reverse(name)).status_code == PAGES[role], name
    response = client.post(reverse("taxonomy_label_decide", args=[proposal.pk]),
                           {"decision": "approve", "version": 1})
    assert response.status_code == {"coordinator": 302, "public": 302}.get(role, 403)
    assert LabelProposal.objects.get(pk=proposal.pk).status == ("approved" if role == "coordinator" else "proposed")
    detail = client.get(reverse("taxonomy_occupation", args=[WELDER])).content.decode()
    assert ("propose a label" in detail or "propose another" in detail) == (PAGES[role] == 200)


def test_buttons_only_for_those_who_may_press_them(client, people, welder):
    propose(people["institution"], welder)
    client.force_login(people["institution"])
    page = client.get(reverse("taxonomy_labels")).content.decode()
    assert "дәнекерлеуші-монтажшы" in page and 'value="approve"' not in page
    client.force_login(people["coordinator"])
    page = client.get(reverse("taxonomy_labels") + "?language=kk&status=proposed&kind=occupation").content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page
    assert "дәнекерлеуші-монтажшы" not in client.get(reverse("taxonomy_labels") + "?language=ru").content.decode()
    index = client.get(reverse("taxonomy_index")).content.decode()
    assert reverse("taxonomy_label_sheet") + "?kind=occupation&amp;language=kk" in index


def test_propose_form_and_approve_at_once(client, people, welder):
    client.force_login(people["coordinator"])
    form = client.get(reverse("taxonomy_label_propose") + f"?kind=occupation&key={welder.code}&language=kk")
    assert form.status_code == 200 and welder.label_en in form.content.decode()
    response = client.post(reverse("taxonomy_label_propose"), {
        "kind": "occupation", "key": welder.code, "language": "kk", "label": "Дәнекерлеуші", "source": "НКЗ 2023",
        "approve": "1"})
    assert response.status_code == 302
    assert Occupation.objects.get(pk=welder.pk).label_kk == "Дәнекерлеуші"
    bad = client.post(reverse("taxonomy_label_propose"), {
        "kind": "occupation", "key": "9999.9", "language": "en", "label": "x", "source": "y"})
    assert bad.status_code == 200 and "9999.9" in bad.content.decode()


# ------------------------------------------------------------------------------------------ XLSX sheet
def test_sheet_round_trip(client, people, welder):
    client.force_login(people["institution"])
    response = client.get(reverse("taxonomy_label_sheet") + "?download=1&kind=occupation&language=kk")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    mine = next(r for r in rows if r[0] == welder.code)
    assert mine[1] == "welder" and mine[2] == "kk" and (mine[3] or "") == (welder.label_kk or "")
    filled = [list(r) for r in rows[1:]]
    for row in filled:
        if row[0] == welder.code:
            row[3], row[4] = "дәнекерлеуші (НКЗ)", "НКЗ 2023"
    upload = io.BytesIO(sheet(filled))
    upload.name = "labels.xlsx"
    page = client.post(reverse("taxonomy_label_sheet"), {"kind": "occupation", "language": "kk", "file": upload})
    assert page.status_code == 200 and 'id="label-import-result"' in page.content.decode()
    proposal = LabelProposal.objects.get()
    assert (proposal.occupation, proposal.label, proposal.status) == (welder, "дәнекерлеуші (НКЗ)", "proposed")


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(people, welder):
    data = sheet([
        [welder.code, "welder", "kk", "дәнекерлеуші", "НКЗ 2023"],  # good
        ["9999.9", "", "kk", "белгісіз", "НКЗ 2023"],  # unknown code
        [welder.code, "welder", "ru", "", "ОКЗ OK 010-2014"],  # empty label
        [welder.code, "welder", "zh-hans", "焊" * 301, "CSCO"],  # too long
        [welder.code, "welder", "en", "welder", "ESCO"],  # not a label language
        [welder.code, "welder", "", "", ""],  # not filled in: skipped
    ])
    result = services.import_labels(people["coordinator"], "occupation", data, "bad.xlsx", approve=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "code"), (4, "label"), (5, "label"),
                                                           (6, "language")]
    assert result.skipped == 1 and not LabelProposal.objects.exists()
    assert Occupation.objects.get(pk=welder.pk).label_kk == welder.label_kk


def test_approve_on_import_and_upload_permissions(client, people, welder):
    data = sheet([[welder.code, "welder", "", "дәнекерлеуші-құрастырушы", ""]])
    with pytest.raises(PermissionDenied):
        services.import_labels(people["institution"], "occupation", data, "x.xlsx", approve=True)
    with pytest.raises(PermissionDenied):
        services.import_labels(people["trainee"], "occupation", data, "x.xlsx")
    result = services.import_labels(people["coordinator"], "occupation", data, "x.xlsx", approve=True,
                                    default_source="НКЗ 2023", default_language="kk")
    assert result.ok and result.written == 1
    assert Occupation.objects.get(pk=welder.pk).label_kk == "дәнекерлеуші-құрастырушы"
    assert LabelProposal.objects.get().status == "approved"
    # Same file again: the label is already the current one.
    assert services.import_labels(people["coordinator"], "occupation", data, "x.xlsx", approve=True,
                                  default_source="НКЗ 2023", default_language="kk").unchanged == 1
    # A trainee's upload is refused before its body is parsed.
    client.force_login(people["trainee"])
    assert client.post(reverse("taxonomy_label_sheet"), {"file": io.BytesIO(data)}).status_code == 403


def test_a_large_sheet_is_imported_by_a_job(client, people, welder, settings):
    settings.IMPORT_BACKGROUND_BYTES = 100
    upload = io.BytesIO(sheet([[welder.code, "welder", "ru", "сварщик ручной сварки", "ОКЗ OK 010-2014"]]))
    upload.name = "labels.xlsx"
    client.force_login(people["enterprise"])
    response = client.post(reverse("taxonomy_label_sheet"), {"kind": "occupation", "language": "ru", "file": upload})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert LabelProposal.objects.get().label == "сварщик ручной сварки"
    page = client.get(response["Location"]).content.decode()
    assert 'id="label-import-result"' in page


def test_a_file_that_is_no_workbook_is_refused_whole(people, welder):
    result = services.import_labels(people["coordinator"], "occupation", b"code,label\n1,2\n", "x.xlsx")
    assert result.errors and result.errors[0].row is None


# ----------------------------------------------------------------------------------------------- API
@pytest.fixture
def api():
    from ninja import NinjaAPI

    from tvetbridge.api import api as root
    from tvetbridge.taxonomy.api import router

    test_api = NinjaAPI(urls_namespace="test-taxonomy-labels")
    test_api._exception_handlers.update(root._exception_handlers)
    test_api.add_router("/taxonomy", router, url_name_prefix="test-labels")
    return TestClient(test_api)


@pytest.mark.parametrize("role", ROLES)
def test_api_per_role(api, people, welder, role):
    user = people[role]
    kw = {} if role == "public" else {"user": user}
    item = {"kind": "occupation", "key": welder.code, "language": "kk", "label": f"дәнекерлеуші {role}",
            "source": "НКЗ 2023"}
    listed = api.get("/taxonomy/label-proposals?language=kk", **kw)
    created = api.post("/taxonomy/label-proposals", json=item, **kw)
    bulk = api.post("/taxonomy/label-proposals/bulk", json={"items": [{**item, "language": "ru"}]}, **kw)
    member = role in ("coordinator", "institution", "enterprise")
    expected = 201 if member else (401 if role == "public" else 403)
    assert (created.status_code, bulk.status_code) == (expected, expected)
    assert listed.status_code == (200 if member else expected)
    target = propose(people["institution"], welder, label="дәнекерлеуші басқа")
    decided = api.post(f"/taxonomy/label-proposals/{target.pk}/decision", json={"decision": "approve"},
                       headers={"If-Match": 'W/"1"'}, **kw)
    assert decided.status_code == (200 if role == "coordinator" else expected if not member else 403)


def test_api_versions_and_errors(api, people, welder):
    coordinator = {"user": people["coordinator"]}
    proposal = propose(people["institution"], welder)
    got = api.get(f"/taxonomy/label-proposals/{proposal.pk}", **coordinator)
    assert got["ETag"] == 'W/"1"' and got.json()["key"] == welder.code
    url = f"/taxonomy/label-proposals/{proposal.pk}/decision"
    assert api.post(url, json={"decision": "approve"}, **coordinator).status_code == 428
    assert api.post(url, json={"decision": "reject", "reason": "no", "version": 1}, **coordinator).status_code == 200
    stale = api.post(url, json={"decision": "approve"}, headers={"If-Match": 'W/"1"'}, **coordinator)
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    bulk = api.post("/taxonomy/label-proposals/bulk", json={"approve": True, "items": [
        {"kind": "occupation", "key": welder.code, "language": "zh-hans", "label": "焊工（手工）", "source": "CSCO"},
        {"kind": "occupation", "key": "nope", "language": "en", "label": "x", "source": "y"}]}, **coordinator)
    assert bulk.status_code == 422 and set(bulk.json()["errors"]) == {"items.1.key", "items.1.language"}
    assert LabelProposal.objects.count() == 1
    bulk = api.post("/taxonomy/label-proposals/bulk", json={"approve": True, "items": [
        {"kind": "occupation", "key": welder.code, "language": "zh-hans", "label": "焊工（手工）", "source": "CSCO"}]},
        **coordinator)
    assert bulk.status_code == 201 and bulk.json()[0]["status"] == "approved"
    assert Occupation.objects.get(pk=welder.pk).label_zh_hans == "焊工（手工）"
