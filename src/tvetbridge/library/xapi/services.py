"""State changes of the Learning Record Store: storing statements (with voiding, attachments and
signatures) and the three document resources. Each call is one transaction: a batch of statements
is stored whole or not at all (xAPI Communication 3.2), and a document write either happens or
fails its precondition.

The HTTP views, the bulk ingest (``library/io``) and the platform's own pages all store statements
through :func:`store_statements`; the learning-record rules (``library/records.py``) run inside the
same transaction, so an enrolment's progress never disagrees with the statements behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tvetbridge.library.engine import xapi
from tvetbridge.library.engine.jws import check_signature
from tvetbridge.library.io import rows as io_rows
from tvetbridge.library.models import (
    Activity,
    Attachment,
    Document,
    LrsClient,
    Statement,
    StatementActivity,
    StatementAgent,
)

from .http import XapiError


# -------------------------------------------------------------------------------------- clients
def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_credentials() -> tuple[str, str]:
    return secrets.token_hex(10), secrets.token_urlsafe(32)


def authority_of(client: LrsClient) -> dict:
    """The Agent the LRS writes into ``authority`` for statements this client sends."""
    home = getattr(settings, "LRS_AUTHORITY_HOMEPAGE", "https://tvetbridge.org/xapi/clients")
    return {"objectType": "Agent", "name": client.name, "account": {"homePage": home, "name": client.key}}


def authenticate(key: str, secret: str) -> LrsClient | None:
    client = LrsClient.objects.filter(key=key, is_active=True).first()
    if client is None or not secrets.compare_digest(client.secret_digest, secret_digest(secret)):
        return None
    now = timezone.now()
    # last_used at minute resolution: one write per client per minute, not one per request.
    if client.last_used is None or now - client.last_used > dt.timedelta(minutes=1):
        LrsClient.objects.filter(pk=client.pk).update(last_used=now)
    return client


# ------------------------------------------------------------------------------------ statements
@dataclass
class AttachmentPart:
    content_type: str
    content: bytes


def _check_attachments(statements: Sequence[dict], parts: dict[str, AttachmentPart]) -> None:
    declared: set[str] = set()
    needed: set[str] = set()
    for i, st in enumerate(statements):
        for j, att in enumerate(st.get("attachments", []) or []):
            declared.add(att["sha2"])
            path = f"statement[{i}].attachments[{j}]"
            if att["usageType"] == xapi.SIGNATURE_USAGE:
                if att["contentType"].split(";")[0].strip().lower() != "application/octet-stream":
                    raise XapiError(400, f"{path}.contentType: a signature must be application/octet-stream")
                part = parts.get(att["sha2"])
                if part is None:
                    raise XapiError(400, f"{path}: the signature's JWS is not in the request")
                try:
                    check_signature(part.content, st)
                except xapi.StatementError as exc:
                    raise XapiError(400, f"{path}: {exc}") from exc
            if "fileUrl" not in att:
                needed.add(att["sha2"])
    missing = needed - set(parts)
    if missing:
        raise XapiError(400, "No multipart section carries the attachment with sha2 " + ", ".join(sorted(missing)))
    excess = set(parts) - declared
    if excess:
        raise XapiError(400, "Multipart sections that are not attachments of the statements: " + ", ".join(sorted(excess)))


def _rows(st: dict, client: LrsClient) -> Statement:
    obj = st["object"]
    kind = obj.get("objectType", "Activity")
    result = st.get("result") or {}
    duration = None
    if "duration" in result:
        duration = xapi.parse_duration(result["duration"])
    return Statement(
        statement_id=uuid.UUID(st["id"]), payload=st, stored=xapi.parse_timestamp(st["stored"]),
        timestamp=xapi.parse_timestamp(st["timestamp"]), verb=st["verb"]["id"],
        ref_target=uuid.UUID(obj["id"]) if kind == "StatementRef" else None,
        registration=uuid.UUID(st["context"]["registration"]) if "registration" in (st.get("context") or {}) else None,
        is_voiding=st["verb"]["id"] == xapi.VOIDED, client=client,
        attachment_hashes=sorted({a["sha2"] for a in st.get("attachments", []) or []}),
        actor_ifi=xapi.ifi(st["actor"]) or "", object_activity=obj["id"] if kind == "Activity" else "",
        duration_seconds=duration, completion=result.get("completion"),
    )


def prepare_batch(raw: Sequence[dict], *, version: str, put_id: str | None = None) -> list[dict]:
    """Validate a batch and check its ids; returns the statements (unprepared) or raises 400."""
    batch = len(raw) != 1 or put_id is None
    seen: set[str] = set()
    for i, st in enumerate(raw):
        path = f"statement[{i}]" if batch else "statement"
        try:
            xapi.validate_statement(st, version=version, path=path)
        except xapi.StatementError as exc:
            raise XapiError(400, str(exc)) from exc
        if put_id is not None:
            if "id" in st and st["id"].lower() != put_id.lower():
                raise XapiError(400, f"{path}.id differs from the statementId parameter")
        sid = (st.get("id") or put_id or "").lower()
        if sid:
            if sid in seen:
                raise XapiError(400, f"{path}.id: the batch holds two statements with the id {sid}")
            seen.add(sid)
    return list(raw)


def store_statements(client: LrsClient, raw: Sequence[dict], *, version: str = "2.0",
                     parts: dict[str, AttachmentPart] | None = None, put_id: str | None = None,
                     authority: dict | None = None, validated: bool = False) -> list[str]:
    """Store a batch; returns the ids in order. Statements already stored with the same content are
    left as they are; one with the same id and other content is a 409 and stores nothing."""
    statements = list(raw) if validated else prepare_batch(raw, version=version, put_id=put_id)
    if not statements:
        raise XapiError(400, "The request holds no statement.")
    _check_attachments(statements, parts or {})
    authority = authority or authority_of(client)
    for attempt in range(3):
        try:
            return _store(client, statements, parts or {}, authority, version, put_id)
        except IntegrityError:
            # Two requests raced for one statement id or activity; the next pass sees the winner.
            if attempt == 2:
                raise XapiError(409, "Another request stored a conflicting record at the same time; retry.") from None
    raise AssertionError("unreachable")


@transaction.atomic
def _store(client, statements, parts, authority, version, put_id) -> list[str]:
    ids = [(st.get("id") or put_id or str(uuid.uuid4())).lower() for st in statements]
    known = {str(sid): payload for sid, payload in
             Statement.objects.filter(statement_id__in=[uuid.UUID(i) for i in ids]).values_list("statement_id",
                                                                                               "payload")}
    now = timezone.now()
    prepared: list[dict] = []
    for sid, st in zip(ids, statements, strict=True):
        if sid in known:
            if not xapi.same_statement(known[sid], xapi.normalise_context_activities(st)):
                raise XapiError(409, f"A different statement with the id {sid} is already stored.")
            continue
        st = xapi.normalise_context_activities({**st, "id": sid})
        prepared.append(xapi.prepare(st, stored=now, authority=authority, version=version))
    if not prepared:
        return ids
    rows = [_rows(st, client) for st in prepared]
    _insert_statements(rows)
    agent_rows, activity_rows = [], []
    for st, row in zip(prepared, rows, strict=True):
        agent_rows += [(row.pk, key, direct) for key, direct in xapi.agents_of(st)]
        activity_rows += [(row.pk, a, direct) for a, direct in xapi.activities_of(st)]
    io_rows.insert(StatementAgent._meta.db_table, ("statement_id", "ifi", "direct"), agent_rows)
    io_rows.insert(StatementActivity._meta.db_table, ("statement_id", "activity_id", "direct"), activity_rows)
    targets = [r.ref_target for r in rows if r.is_voiding]
    if targets:
        # A voiding statement never voids another voiding statement (Data 2.3.2).
        Statement.objects.filter(statement_id__in=targets, is_voiding=False).update(voided=True)
    _merge_activities(prepared)
    _save_attachments(prepared, parts)
    from tvetbridge.library import records  # learning progress moves with the statements behind it

    records.apply_statements(rows)
    return ids


STATEMENT_COLUMNS = (
    ("statement_id", "uuid"), ("payload", "json"), ("stored", "datetime"), ("timestamp", "datetime"),
    ("verb", "plain"), ("ref_target", "uuid"), ("registration", "uuid"), ("voided", "plain"),
    ("is_voiding", "plain"), ("client_id", "plain"), ("attachment_hashes", "json"), ("actor_ifi", "plain"),
    ("object_activity", "plain"), ("duration_seconds", "plain"), ("completion", "plain"))


def _insert_statements(rows: list[Statement]) -> None:
    """Insert the rows and give each its primary key."""
    names = [c for c, _ in STATEMENT_COLUMNS]
    kinds = [k for _, k in STATEMENT_COLUMNS]
    io_rows.insert(Statement._meta.db_table, names,
                   [io_rows.adapt([getattr(r, c) for c in names], kinds) for r in rows])
    pks = io_rows.ids_by_uuid(Statement._meta.db_table, "statement_id", [r.statement_id for r in rows])
    for r in rows:
        r.pk = pks[r.statement_id]


def _merge_activities(statements: Iterable[dict]) -> None:
    incoming: dict[str, dict] = {}
    for st in statements:
        for act in xapi.activity_definitions(st):
            incoming[act["id"]] = xapi.merge_definition(incoming.get(act["id"]), act.get("definition"))
    if not incoming:
        return
    existing = {a.activity_id: a for a in Activity.objects.filter(activity_id__in=list(incoming))}
    changed, new = [], []
    for aid, definition in incoming.items():
        if aid in existing:
            merged = xapi.merge_definition(existing[aid].definition, definition)
            if merged != existing[aid].definition:
                existing[aid].definition = merged
                changed.append(existing[aid])
        else:
            new.append(Activity(activity_id=aid, definition=definition))
    now = timezone.now()
    for a in changed:
        a.updated = now
    Activity.objects.bulk_update(changed, ["definition", "updated"])
    Activity.objects.bulk_create(new)


def _save_attachments(statements: Iterable[dict], parts: dict[str, AttachmentPart]) -> None:
    wanted = {h for st in statements for h in (a["sha2"] for a in st.get("attachments", []) or []) if h in parts}
    if not wanted:
        return
    have = set(Attachment.objects.filter(sha2__in=wanted).values_list("sha2", flat=True))
    Attachment.objects.bulk_create([
        Attachment(sha2=h, content_type=parts[h].content_type, content=parts[h].content, length=len(parts[h].content))
        for h in sorted(wanted - have)])


# ------------------------------------------------------------------------------------- documents
@dataclass(frozen=True)
class DocumentKey:
    kind: str
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str = ""
    document_id: str = ""

    def filter(self) -> dict:
        return {"kind": self.kind, "activity_id": self.activity_id, "agent_ifi": self.agent_ifi,
                "registration": self.registration, "document_id": self.document_id}


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an entity tag, not a security hash


def _tags(header: str | None) -> list[str] | None:
    if header is None:
        return None
    return [t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()]


def check_preconditions(doc: Document | None, if_match: str | None, if_none_match: str | None) -> None:
    """RFC 7232 preconditions on a document; 412 when one fails."""
    match, none_match = _tags(if_match), _tags(if_none_match)
    if match is not None:
        if doc is None or ("*" not in match and doc.etag not in match):
            raise XapiError(412, "The document has changed since you read it (If-Match failed).")
    if none_match is not None and doc is not None and ("*" in none_match or doc.etag in none_match):
        raise XapiError(412, "The document already exists (If-None-Match failed).")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _json_object(content: bytes, what: str) -> dict:
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise XapiError(400, f"The {what} document is not valid JSON.") from exc
    if not isinstance(value, dict):
        raise XapiError(400, f"The {what} document is not a JSON object, so it cannot be merged.")
    return value


@transaction.atomic
def put_document(key: DocumentKey, content: bytes, content_type: str, *, if_match: str | None = None,
                 if_none_match: str | None = None, require_precondition: str = "existing") -> str:
    """Create or replace a document. ``require_precondition`` says when a PUT must carry If-Match
    or If-None-Match: ``"existing"`` (xAPI 2.0, and 1.0.3's state: a PUT over an existing document
    without either is a 409), ``"always"`` (1.0.3's profiles: also a 400 for a new one) or ``"never"``."""
    doc = Document.objects.select_for_update().filter(**key.filter()).first()
    check_preconditions(doc, if_match, if_none_match)
    if if_match is None and if_none_match is None and require_precondition != "never":
        if doc is not None:
            raise XapiError(409, "The document exists: send If-Match with its ETag to replace it "
                                 "(or If-None-Match: * to create only).")
        if require_precondition == "always":
            raise XapiError(400, "Send If-Match or If-None-Match with a PUT to a profile document.")
    if _is_json(content_type):
        try:
            json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise XapiError(400, "The document says it is application/json but is not valid JSON.") from exc
    return _write(doc, key, content, content_type)


def _write(doc: Document | None, key: DocumentKey, content: bytes, content_type: str) -> str:
    etag = etag_of(content)
    now = timezone.now()
    if doc is None:
        Document.objects.create(**key.filter(), content=content, content_type=content_type, etag=etag, updated=now)
    else:
        doc.content, doc.content_type, doc.etag, doc.updated = content, content_type, etag, now
        doc.save(update_fields=["content", "content_type", "etag", "updated"])
    return etag


@transaction.atomic
def post_document(key: DocumentKey, content: bytes, content_type: str, *, if_match: str | None = None,
                  if_none_match: str | None = None) -> str:
    """Merge a JSON object into the stored one (top-level properties of the new one win); with
    nothing stored, behave as PUT."""
    doc = Document.objects.select_for_update().filter(**key.filter()).first()
    check_preconditions(doc, if_match, if_none_match)
    if doc is None:
        if _is_json(content_type):
            _json_object(content, "posted")
        return _write(None, key, content, content_type)
    if not (_is_json(content_type) and _is_json(doc.content_type)):
        raise XapiError(400, "Only JSON objects can be merged by POST: the stored and the posted document "
                             "must both be application/json.")
    merged = {**_json_object(bytes(doc.content), "stored"), **_json_object(content, "posted")}
    return _write(doc, key, json.dumps(merged, ensure_ascii=False).encode("utf-8"), "application/json")


@transaction.atomic
def delete_document(key: DocumentKey, *, if_match: str | None = None, if_none_match: str | None = None) -> None:
    doc = Document.objects.select_for_update().filter(**key.filter()).first()
    check_preconditions(doc, if_match, if_none_match)
    if doc is not None:
        doc.delete()


@transaction.atomic
def delete_states(activity_id: str, agent_ifi: str, registration: str | None) -> None:
    qs = Document.objects.filter(kind=Document.Kind.STATE, activity_id=activity_id, agent_ifi=agent_ifi)
    if registration is not None:
        qs = qs.filter(registration=registration)
    qs.delete()
