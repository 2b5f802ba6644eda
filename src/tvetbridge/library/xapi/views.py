"""The xAPI resources at ``/xapi/``: statements, state, activity profile, agent profile, activities,
agents and about. Thin: each parses parameters, calls ``services`` or ``queries`` and writes the
response; :func:`resource` does what every resource shares (authentication, version, HEAD,
errors)."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable

from django.core import signing
from django.db import OperationalError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from tvetbridge.library.engine import multipart, xapi
from tvetbridge.library.models import Document, LrsClient

from . import queries, services
from .http import (
    XapiError,
    XapiRequest,
    basic_credentials,
    check_version,
    error_response,
    parse_request,
    respond,
    unauthorised,
)

STATEMENT_GET_PARAMS = {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                        "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
                        "ascending", "more"}
PAGE_SIZE = 100


def consistent_through() -> str:
    return xapi.format_timestamp(timezone.now())


def resource(methods: set[str], *, auth: bool = True, consistent: bool = False):
    """Shared handling: the alternate request syntax, authentication, X-Experience-API-Version,
    allowed methods, HEAD answered as GET without a body, and xAPI errors as JSON."""

    def wrap(view: Callable[[XapiRequest], HttpResponse]):
        @csrf_exempt
        @functools.wraps(view)
        def handler(request):
            xreq = None
            try:
                xreq = parse_request(request)
                xreq.extra["path"] = request.path
                if auth:
                    creds = basic_credentials(xreq)
                    if creds is None:
                        raise unauthorised()
                    xreq.client = services.authenticate(*creds)
                    if xreq.client is None:
                        raise unauthorised("Unknown LRS client key or wrong secret.")
                check_version(xreq, required=auth)
                if xreq.method not in methods | ({"HEAD"} if "GET" in methods else set()):
                    raise XapiError(405, f"{xreq.method} is not allowed on this resource.",
                                    {"Allow": ", ".join(sorted(methods | {"HEAD"}))})
                head = xreq.method == "HEAD"
                if head:
                    xreq.method = "GET"
                response = view(xreq)
                if head:
                    length = len(response.content)
                    response.content = b""
                    response["Content-Length"] = str(length)
            except XapiError as exc:
                response = error_response(exc, xreq)
            except OperationalError as exc:  # e.g. SQLite still locked after its busy timeout
                response = error_response(XapiError(503, f"The store is busy; retry shortly ({exc})."), xreq)
            if consistent and xreq is not None and xreq.method in ("GET", "HEAD"):
                # every statement GET answer carries it, errors included (Communication 2.1.3)
                response.setdefault("X-Experience-API-Consistent-Through", consistent_through())
            return response

        return handler

    return wrap


# ------------------------------------------------------------------------------------ parameters
def _only(xreq: XapiRequest, allowed: set[str], required: set[str] = frozenset()) -> None:
    unknown = set(xreq.params) - allowed
    if unknown:
        raise XapiError(400, "Unknown parameter(s): " + ", ".join(sorted(unknown)) + " (names are case-sensitive).")
    missing = required - set(xreq.params)
    if missing:
        raise XapiError(400, "Missing parameter(s): " + ", ".join(sorted(missing)) + ".")


def _uuid(xreq: XapiRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    if not xapi.is_uuid(value):
        raise XapiError(400, f"{name} must be a UUID.")
    return value.lower()


def _iri(xreq: XapiRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    if value is not None and not xapi.is_iri(value):
        raise XapiError(400, f"{name} must be an absolute IRI.")
    return value


def _agent(xreq: XapiRequest, name: str = "agent", *, document: bool = False) -> tuple[dict, str] | None:
    raw = xreq.params.get(name)
    if raw is None:
        return None
    try:
        agent = json.loads(raw)
    except ValueError as exc:
        raise XapiError(400, f"{name} must be an Agent as JSON.") from exc
    try:
        if document:
            xapi.validate_document_agent(agent, path=name)
        else:
            xapi.validate_agent(agent, path=name)
    except xapi.StatementError as exc:
        raise XapiError(400, str(exc)) from exc
    key = xapi.ifi(agent)
    if key is None:
        raise XapiError(400, f"{name}: an anonymous Group has no identifier to filter by.")
    return agent, key


def _time(xreq: XapiRequest, name: str):
    value = xreq.params.get(name)
    if value is None:
        return None
    try:
        return xapi.parse_timestamp(value)
    except (ValueError, OverflowError) as exc:
        raise XapiError(400, f"{name} must be an ISO 8601 timestamp.") from exc


def _bool(xreq: XapiRequest, name: str) -> bool:
    value = xreq.params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise XapiError(400, f"{name} must be true or false.")
    return value == "true"


def _consistent_headers() -> dict[str, str]:
    return {"X-Experience-API-Consistent-Through": consistent_through()}


# ------------------------------------------------------------------------------------- resources
@resource({"GET"}, auth=False)
def about(xreq: XapiRequest) -> HttpResponse:
    _only(xreq, set())
    return respond({"version": ["1.0.3", "2.0.0"],
                    "extensions": {"https://tvetbridge.org/xapi/about/platform": "TVET Bridge"}}, xreq=xreq)


def _can_write(xreq: XapiRequest) -> None:
    if xreq.client.scope == LrsClient.Scope.READ:
        raise XapiError(403, "This LRS client may only read.")


def _statement_body(xreq: XapiRequest) -> tuple[list[dict], dict[str, services.AttachmentPart], bool]:
    """The statements of a PUT/POST body and the attachment parts of a multipart one."""
    parts: dict[str, services.AttachmentPart] = {}
    media = xreq.media_type
    if media == "multipart/mixed":
        try:
            sections = multipart.parse(xreq.body, xreq.content_type)
        except multipart.MultipartError as exc:
            raise XapiError(400, f"Malformed multipart/mixed body: {exc}") from exc
        if sections[0].content_type != "application/json":
            raise XapiError(400, "The first part of a multipart/mixed body must be the statements as application/json.")
        for section in sections[1:]:
            digest = section.headers.get("x-experience-api-hash")
            if not digest:
                raise XapiError(400, "Every attachment part needs an X-Experience-API-Hash header.")
            if "content-type" not in section.headers:
                raise XapiError(400, "Every attachment part needs a Content-Type header.")
            if section.headers.get("content-transfer-encoding", "binary").lower() != "binary":
                raise XapiError(400, "Attachment parts must use Content-Transfer-Encoding: binary.")
            if multipart.sha2_hex(section.body, digest) != digest.lower():
                raise XapiError(400, f"The attachment part with hash {digest} does not have that hash.")
            parts[digest] = services.AttachmentPart(section.headers["content-type"], section.body)
        body = sections[0].body
    elif media == "application/json" or (xreq.alternate and not media):
        body = xreq.body
    else:
        raise XapiError(400, "Statements are sent as application/json, or multipart/mixed with attachments.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise XapiError(400, f"The statements are not valid UTF-8 JSON: {exc}") from exc
    if isinstance(data, list):
        return data, parts, True
    return [data], parts, False


@resource({"GET", "PUT", "POST"}, consistent=True)
def statements(xreq: XapiRequest) -> HttpResponse:
    if xreq.method == "GET":
        return _get_statements(xreq)
    _can_write(xreq)
    if xreq.method == "PUT":
        _only(xreq, {"statementId"}, {"statementId"})
        sid = _uuid(xreq, "statementId")
        items, parts, many = _statement_body(xreq)
        if many:
            raise XapiError(400, "PUT stores one statement, not an array.")
        services.store_statements(xreq.client, items, version=xreq.version, parts=parts, put_id=sid)
        return respond(status=204, xreq=xreq)
    _only(xreq, set())
    items, parts, _many = _statement_body(xreq)
    ids = services.store_statements(xreq.client, items, version=xreq.version, parts=parts)
    return respond(ids, xreq=xreq)


def _restricted(xreq: XapiRequest) -> int | None:
    return xreq.client.pk if xreq.client.scope == LrsClient.Scope.WRITE else None


def _get_statements(xreq: XapiRequest) -> HttpResponse:
    _only(xreq, STATEMENT_GET_PARAMS)
    fmt = xreq.params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise XapiError(400, "format must be exact, ids or canonical.")
    with_attachments = _bool(xreq, "attachments")
    single = {"statementId", "voidedStatementId"} & set(xreq.params)
    if single:
        if len(single) == 2 or set(xreq.params) - single - {"format", "attachments"}:
            raise XapiError(400, "statementId and voidedStatementId take no other parameter than format and attachments.")
        name = single.pop()
        sid = _uuid(xreq, name)
        found = queries.statement(sid, voided=name == "voidedStatementId", client_id=_restricted(xreq))
        if found is None:
            raise XapiError(404, "No such statement." if name == "statementId" else "No such voided statement.")
        payload, hashes, stored = found
        body = xapi.render(payload, fmt, xreq.languages())
        headers = {**_consistent_headers(), "Last-Modified": http_date(stored.timestamp())}
        return _statement_response(xreq, body, hashes, headers, with_attachments)
    if "more" in xreq.params:
        if len(xreq.params) > 1:
            raise XapiError(400, "A more link takes no other parameter.")
        try:
            q = queries.StatementQuery.from_token(xreq.params["more"])
        except (signing.BadSignature, TypeError, ValueError) as exc:
            raise XapiError(400, "This more link is not valid (or has expired).") from exc
        if q.client_id != _restricted(xreq):
            raise XapiError(403, "This more link belongs to another client's query.")
    else:
        agent = _agent(xreq)
        limit = xreq.params.get("limit", "0")
        if not limit.isdigit():
            raise XapiError(400, "limit must be a non-negative integer.")
        q = queries.StatementQuery(
            agent=agent[1] if agent else None, verb=_iri(xreq, "verb"), activity=_iri(xreq, "activity"),
            registration=_uuid(xreq, "registration"), related_activities=_bool(xreq, "related_activities"),
            related_agents=_bool(xreq, "related_agents"), since=_time(xreq, "since"), until=_time(xreq, "until"),
            limit=int(limit), ascending=_bool(xreq, "ascending"), fmt=fmt, attachments=with_attachments,
            client_id=_restricted(xreq))
    headers = _consistent_headers()
    page = queries.query_statements(q, page_size=PAGE_SIZE)
    result = {"statements": [xapi.render(s, q.fmt, xreq.languages()) for s in page.statements],
              "more": f"{xreq.extra.get('path', '/xapi/statements')}?more={page.more.token()}" if page.more else ""}
    return _statement_response(xreq, result, page.attachment_hashes, headers, q.attachments)


def _statement_response(xreq: XapiRequest, body: dict, hashes: list[str], headers: dict,
                        with_attachments: bool) -> HttpResponse:
    if not with_attachments:
        return respond(body, xreq=xreq, headers=headers)
    boundary = uuid.uuid4().hex
    sections = [({"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False).encode("utf-8"))]
    for digest, content_type, content in queries.attachments(hashes):
        sections.append(({"Content-Type": content_type, "Content-Transfer-Encoding": "binary",
                          "X-Experience-API-Hash": digest}, content))
    return respond(multipart.build(sections, boundary), xreq=xreq, headers=headers,
                   content_type=f"multipart/mixed; boundary={boundary}")


# ------------------------------------------------------------------------------------- documents
def _document_response(xreq: XapiRequest, doc: Document | None) -> HttpResponse:
    if doc is None:
        raise XapiError(404, "No such document.")
    return respond(bytes(doc.content), xreq=xreq, content_type=doc.content_type,
                   headers={"ETag": f'"{doc.etag}"', "Last-Modified": http_date(doc.updated.timestamp())})


def _ids_response(xreq: XapiRequest, ids: list[str]) -> HttpResponse:
    return respond(ids, xreq=xreq)


def _write_document(xreq: XapiRequest, key: services.DocumentKey, *, strict_put: str) -> HttpResponse:
    _can_write(xreq)
    content_type = xreq.content_type or "application/octet-stream"
    if_match, if_none = xreq.headers.get("if-match"), xreq.headers.get("if-none-match")
    if xreq.method == "PUT":
        services.put_document(key, xreq.body, content_type, if_match=if_match, if_none_match=if_none,
                              require_precondition=strict_put)
    elif xreq.method == "POST":
        services.post_document(key, xreq.body, content_type, if_match=if_match, if_none_match=if_none)
    else:
        services.delete_document(key, if_match=if_match, if_none_match=if_none)
    return respond(status=204, xreq=xreq)


@resource({"GET", "PUT", "POST", "DELETE"})
def state(xreq: XapiRequest) -> HttpResponse:
    allowed = {"activityId", "agent", "registration", "stateId"}
    if xreq.method == "GET":
        allowed.add("since")
    _only(xreq, allowed, {"activityId", "agent"} | ({"stateId"} if xreq.method in ("PUT", "POST") else set()))
    activity_id = _iri(xreq, "activityId")
    _agent_obj, agent_key = _agent(xreq, document=True)
    registration = _uuid(xreq, "registration")
    state_id = xreq.params.get("stateId")
    base = {"activity_id": activity_id, "agent_ifi": agent_key}
    if state_id is None:
        if xreq.method == "GET":
            extra = {"registration": registration} if registration is not None else {}
            return _ids_response(xreq, queries.document_ids(Document.Kind.STATE, since=_time(xreq, "since"),
                                                            **base, **extra))
        _can_write(xreq)
        services.delete_states(activity_id, agent_key, registration)
        return respond(status=204, xreq=xreq)
    key = services.DocumentKey(Document.Kind.STATE, registration=registration or "", document_id=state_id, **base)
    if xreq.method == "GET":
        if "since" in xreq.params:
            raise XapiError(400, "since applies only when asking for the list of state ids.")
        return _document_response(xreq, queries.document(**key.filter()))
    # xAPI 2.0 extends the PUT precondition rule to state documents; 1.0.3 clients overwrite freely.
    return _write_document(xreq, key, strict_put="existing" if xreq.version >= "2.0" else "never")


def _profile_put_rule(xreq: XapiRequest) -> str:
    # 1.0.3 (Communication 2.6, 2.7): a profile PUT without a precondition header is refused even
    # for a new document; 2.0 refuses it only over an existing one.
    return "existing" if xreq.version >= "2.0" else "always"


@resource({"GET", "PUT", "POST", "DELETE"})
def activity_profile(xreq: XapiRequest) -> HttpResponse:
    allowed = {"activityId", "profileId"} | ({"since"} if xreq.method == "GET" else set())
    _only(xreq, allowed, {"activityId"} | ({"profileId"} if xreq.method != "GET" else set()))
    activity_id = _iri(xreq, "activityId")
    profile_id = xreq.params.get("profileId")
    if profile_id is None:
        return _ids_response(xreq, queries.document_ids(Document.Kind.ACTIVITY_PROFILE, since=_time(xreq, "since"),
                                                        activity_id=activity_id))
    key = services.DocumentKey(Document.Kind.ACTIVITY_PROFILE, activity_id=activity_id, document_id=profile_id)
    if xreq.method == "GET":
        if "since" in xreq.params:
            raise XapiError(400, "since applies only when asking for the list of profile ids.")
        return _document_response(xreq, queries.document(**key.filter()))
    return _write_document(xreq, key, strict_put=_profile_put_rule(xreq))


@resource({"GET", "PUT", "POST", "DELETE"})
def agent_profile(xreq: XapiRequest) -> HttpResponse:
    allowed = {"agent", "profileId"} | ({"since"} if xreq.method == "GET" else set())
    _only(xreq, allowed, {"agent"} | ({"profileId"} if xreq.method != "GET" else set()))
    _agent_obj, agent_key = _agent(xreq, document=True)
    profile_id = xreq.params.get("profileId")
    if profile_id is None:
        return _ids_response(xreq, queries.document_ids(Document.Kind.AGENT_PROFILE, since=_time(xreq, "since"),
                                                        agent_ifi=agent_key))
    key = services.DocumentKey(Document.Kind.AGENT_PROFILE, agent_ifi=agent_key, document_id=profile_id)
    if xreq.method == "GET":
        if "since" in xreq.params:
            raise XapiError(400, "since applies only when asking for the list of profile ids.")
        return _document_response(xreq, queries.document(**key.filter()))
    return _write_document(xreq, key, strict_put=_profile_put_rule(xreq))


@resource({"GET"})
def activities(xreq: XapiRequest) -> HttpResponse:
    _only(xreq, {"activityId"}, {"activityId"})
    return respond(queries.activity(_iri(xreq, "activityId")), xreq=xreq)


@resource({"GET"})
def agents(xreq: XapiRequest) -> HttpResponse:
    _only(xreq, {"agent"}, {"agent"})
    agent, _key = _agent(xreq)
    return respond(queries.person(agent), xreq=xreq)
