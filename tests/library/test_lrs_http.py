"""The LRS over HTTP: what clients notice (status codes, headers, stored data), including the bad
input the issue names. The ADL conformance suite (make conformance) covers the spec at large."""

import json
import uuid

import pytest
from django.test import override_settings

from tvetbridge.library.models import Document, Statement

from .conftest import statement


def post(xapi, body, **kw):
    return xapi("post", "statements", data=json.dumps(body), content_type="application/json", **kw)


def test_store_fetch_and_query(xapi):
    res = post(xapi, [statement(), statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed"})])
    assert res.status_code == 200
    ids = res.json()
    got = xapi("get", f"statements?statementId={ids[0]}")
    assert got.status_code == 200 and got.json()["id"] == ids[0]
    assert got["X-Experience-API-Version"] == "2.0.0"
    assert "X-Experience-API-Consistent-Through" in got
    assert got.json()["authority"]["account"]["name"] == "test-key"
    agent = json.dumps({"mbox": "mailto:learner@example.org"})
    res = xapi("get", "statements", data={"agent": agent, "verb": "http://adlnet.gov/expapi/verbs/completed"})
    assert [s["id"] for s in res.json()["statements"]] == [ids[1]]


def test_more_paging_walks_every_statement_once(xapi):
    ids = post(xapi, [statement() for _ in range(7)]).json()
    seen, url = [], "statements?limit=3"
    while url:
        page = xapi("get", url.removeprefix("/xapi/")).json()
        seen += [s["id"] for s in page["statements"]]
        url = page["more"]
    assert sorted(seen) == sorted(ids)


def test_voiding_hides_the_statement_and_returns_the_voiding_one(xapi):
    target = post(xapi, statement()).json()[0]
    voiding = post(xapi, {"actor": {"mbox": "mailto:admin@example.org"},
                          "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                          "object": {"objectType": "StatementRef", "id": target}}).json()[0]
    assert xapi("get", f"statements?statementId={target}").status_code == 404
    assert xapi("get", f"statements?voidedStatementId={target}").status_code == 200
    res = xapi("get", "statements", data={"verb": "http://adlnet.gov/expapi/verbs/experienced"})
    assert [s["id"] for s in res.json()["statements"]] == [voiding]


def test_batch_with_one_bad_statement_stores_nothing(xapi):
    res = post(xapi, [statement(), statement(actor={"mbox": "no-scheme@example.org"})])
    assert res.status_code == 400
    assert "statement[1].actor.mbox" in res.json()["error"]["message"]
    assert Statement.objects.count() == 0


def test_conflicting_id_is_409_and_same_content_is_accepted(xapi):
    sid = str(uuid.uuid4())
    assert xapi("put", f"statements?statementId={sid}", data=json.dumps(statement()),
                content_type="application/json").status_code == 204
    assert xapi("put", f"statements?statementId={sid}", data=json.dumps(statement()),
                content_type="application/json").status_code == 204
    res = xapi("put", f"statements?statementId={sid}", data=json.dumps(statement(verb={"id": "http://x.y/other"})),
               content_type="application/json")
    assert res.status_code == 409
    assert Statement.objects.count() == 1


def test_forged_authority_is_replaced_by_the_credentials(xapi):
    sid = post(xapi, statement(authority={"mbox": "mailto:ministry@example.gov"})).json()[0]
    stored = xapi("get", f"statements?statementId={sid}").json()
    assert stored["authority"]["account"]["name"] == "test-key"


def test_malformed_authority_group_is_400(xapi):
    res = post(xapi, statement(authority={"objectType": "Group", "member": [{"mbox": "mailto:a@x.y"}]}))
    assert res.status_code == 400


@override_settings(LRS_MAX_BODY_BYTES=2000)
def test_statement_over_the_size_limit_is_413(xapi):
    big = statement(result={"response": "x" * 5000})
    res = post(xapi, big)
    assert res.status_code == 413
    assert Statement.objects.count() == 0


def test_missing_version_header_unknown_parameter_and_bad_auth(xapi, client):
    assert xapi("get", "statements", version=None).status_code == 400
    assert xapi("get", "statements?Agent=x").status_code == 400
    res = client.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="2.0.0",
                     HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert res.status_code == 401 and "Basic" in res["WWW-Authenticate"]
    assert client.get("/xapi/about").status_code == 200


def test_documents_concurrency_and_content_types(xapi):
    params = "activityId=http://x.y/a&profileId=p1"
    assert xapi("put", f"activities/profile?{params}", data='{"a": 1}', content_type="application/json",
                headers={"If-None-Match": "*"}).status_code == 204
    got = xapi("get", f"activities/profile?{params}")
    etag = got["ETag"]
    assert got.json() == {"a": 1} and etag.startswith('"')
    # a PUT over an existing document needs a precondition (409), a stale one fails (412)
    assert xapi("put", f"activities/profile?{params}", data='{"b": 2}',
                content_type="application/json").status_code == 409
    assert xapi("put", f"activities/profile?{params}", data='{"b": 2}', content_type="application/json",
                headers={"If-Match": '"0000"'}).status_code == 412
    # merging JSON with a document of another content type is refused
    assert xapi("post", f"activities/profile?{params}", data="plain", content_type="text/plain").status_code == 400
    assert xapi("post", f"activities/profile?{params}", data='{"b": 2}', content_type="application/json",
                headers={"If-Match": etag}).status_code == 204
    assert xapi("get", f"activities/profile?{params}").json() == {"a": 1, "b": 2}
    assert Document.objects.count() == 1


def test_state_ids_and_delete(xapi):
    agent = json.dumps({"mbox": "mailto:learner@example.org"})
    for sid in ("s1", "s2"):
        res = xapi("post", f"activities/state?activityId=http://x.y/a&stateId={sid}&agent={agent}",
                   data='{"v": 1}', content_type="application/json")
        assert res.status_code == 204
    assert sorted(xapi("get", f"activities/state?activityId=http://x.y/a&agent={agent}").json()) == ["s1", "s2"]
    assert xapi("delete", f"activities/state?activityId=http://x.y/a&agent={agent}").status_code == 204
    assert xapi("get", f"activities/state?activityId=http://x.y/a&agent={agent}").json() == []


def test_attachments_round_trip_as_multipart(xapi):
    import hashlib

    from tvetbridge.library.engine.multipart import build, parse

    content = b"here is a simple attachment"
    digest = hashlib.sha256(content).hexdigest()
    st = statement(attachments=[{"usageType": "http://example.org/usage/notes", "display": {"en": "notes"},
                                 "contentType": "text/plain", "length": len(content), "sha2": digest}])
    body = build([({"Content-Type": "application/json"}, json.dumps(st).encode()),
                  ({"Content-Type": "text/plain", "X-Experience-API-Hash": digest,
                    "Content-Transfer-Encoding": "binary"}, content)], "bnd")
    res = xapi("post", "statements", data=body, content_type="multipart/mixed; boundary=bnd")
    assert res.status_code == 200
    sid = res.json()[0]
    got = xapi("get", f"statements?statementId={sid}&attachments=true")
    parts = parse(got.content, got["Content-Type"])
    assert parts[1].body == content
    # a statement whose attachment is missing from the request is refused
    res = post(xapi, st)
    assert res.status_code == 400


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_version_is_echoed(xapi, version):
    assert xapi("get", "statements", version=version)["X-Experience-API-Version"] == version
