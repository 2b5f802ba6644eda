"""Read paths of the Learning Record Store: one statement, statement queries with every xAPI filter
and ``more`` paging, documents, activities and agents.

A query's filters (agent, verb, activity, registration) select the *matching* statements; the
result also holds every statement whose StatementRef targets a match (xAPI Data 2.5: a voiding
statement is returned with a filter its target meets). Voided statements are never returned by a
query. ``since``/``until``, ordering and paging apply to the result. Each page is two indexed
queries (direct matches and referring statements), each limited, merged in Python: no OR across
subqueries that would scan the table.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace

from django.core import signing
from django.db.models import Q, QuerySet

from tvetbridge.library.models import (
    Activity,
    Attachment,
    Document,
    Statement,
    StatementActivity,
    StatementAgent,
)

MORE_SALT = "tvetbridge.library.xapi.more"


@dataclass(frozen=True)
class StatementQuery:
    agent: str | None = None  # identifier (engine.xapi.ifi)
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 0
    ascending: bool = False
    fmt: str = "exact"
    attachments: bool = False
    client_id: int | None = None  # restrict to one client's statements (scope "write")
    cursor: tuple[str, int] | None = None  # (stored ISO, pk) of the last statement already returned
    extra: dict = field(default_factory=dict, compare=False)

    def token(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "extra" and v not in (None, False, 0, "exact")}
        for key in ("since", "until"):
            if key in data:
                data[key] = data[key].isoformat()
        return signing.dumps(data, salt=MORE_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> StatementQuery:
        data = signing.loads(token, salt=MORE_SALT, max_age=24 * 3600)
        for key in ("since", "until"):
            if key in data:
                data[key] = dt.datetime.fromisoformat(data[key])
        if "cursor" in data:
            data["cursor"] = tuple(data["cursor"])
        return cls(**data)


def _matching(q: StatementQuery) -> QuerySet:
    qs = Statement.objects.all()
    if q.agent is not None:
        sub = StatementAgent.objects.filter(ifi=q.agent)
        if not q.related_agents:
            sub = sub.filter(direct=True)
        qs = qs.filter(pk__in=sub.values("statement_id"))
    if q.verb is not None:
        qs = qs.filter(verb=q.verb)
    if q.activity is not None:
        sub = StatementActivity.objects.filter(activity_id=q.activity)
        if not q.related_activities:
            sub = sub.filter(direct=True)
        qs = qs.filter(pk__in=sub.values("statement_id"))
    if q.registration is not None:
        qs = qs.filter(registration=uuid.UUID(q.registration))
    return qs


def _window(qs: QuerySet, q: StatementQuery) -> QuerySet:
    qs = qs.filter(voided=False)
    if q.client_id is not None:
        qs = qs.filter(client_id=q.client_id)
    if q.since is not None:
        qs = qs.filter(stored__gt=q.since)
    if q.until is not None:
        qs = qs.filter(stored__lte=q.until)
    if q.cursor is not None:
        stored, pk = dt.datetime.fromisoformat(q.cursor[0]), q.cursor[1]
        if q.ascending:
            qs = qs.filter(Q(stored__gt=stored) | Q(stored=stored, pk__gt=pk))
        else:
            qs = qs.filter(Q(stored__lt=stored) | Q(stored=stored, pk__lt=pk))
    order = ("stored", "pk") if q.ascending else ("-stored", "-pk")
    return qs.order_by(*order)


@dataclass
class Page:
    statements: list[dict]
    attachment_hashes: list[str]
    more: StatementQuery | None


def query_statements(q: StatementQuery, *, page_size: int = 100) -> Page:
    limit = min(q.limit or page_size, page_size)
    filtered = any(x is not None for x in (q.agent, q.verb, q.activity, q.registration))
    base = _matching(q)
    fields = ("pk", "stored", "payload", "attachment_hashes")
    rows = list(_window(base, q).values_list(*fields)[: limit + 1])
    if filtered:
        referring = Statement.objects.filter(ref_target__in=base.values("statement_id"))
        rows += list(_window(referring, q).values_list(*fields)[: limit + 1])
        seen: set[int] = set()
        rows = [r for r in rows if not (r[0] in seen or seen.add(r[0]))]
        rows.sort(key=lambda r: (r[1], r[0]), reverse=not q.ascending)
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        more = replace(q, cursor=(last[1].isoformat(), last[0]))
    hashes = sorted({h for r in rows for h in r[3]}) if q.attachments else []
    return Page([r[2] for r in rows], hashes, more)


def statement(statement_id: str, *, voided: bool, client_id: int | None = None) -> tuple[dict, list[str], dt.datetime] | None:
    qs = Statement.objects.filter(statement_id=uuid.UUID(statement_id), voided=voided)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    row = qs.values_list("payload", "attachment_hashes", "stored").first()
    return row


def attachments(hashes: list[str]) -> list[tuple[str, str, bytes]]:
    return [(h, ct, bytes(c)) for h, ct, c in
            Attachment.objects.filter(sha2__in=hashes).order_by("sha2").values_list("sha2", "content_type", "content")]


def document(**key) -> Document | None:
    return Document.objects.filter(**key).first()


def document_ids(kind: str, *, since: dt.datetime | None = None, **key) -> list[str]:
    qs = Document.objects.filter(kind=kind, **key)
    if since is not None:
        qs = qs.filter(updated__gt=since)
    return list(qs.order_by("document_id").values_list("document_id", flat=True).distinct())


def activity(activity_id: str) -> dict:
    definition = Activity.objects.filter(activity_id=activity_id).values_list("definition", flat=True).first()
    out = {"objectType": "Activity", "id": activity_id}
    if definition:
        out["definition"] = definition
    return out


def person(agent: dict) -> dict:
    """The Person object for an Agent: what the LRS knows of it. Identities are linked only when
    they arrive together, which in this LRS they never do, so a Person has the one identifier."""
    out: dict = {"objectType": "Person"}
    if "name" in agent:
        out["name"] = [agent["name"]]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            out[key] = [agent[key]]
    return out
