"""Read paths of the library: who sees which resources, catalogue search, a trainee's learning
record and usage statistics."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from tvetbridge.core.roles import role_of

from .engine import search as search_engine
from .engine import usage as usage_engine
from .models import EnrolmentRecord, Learner, LrsClient, Resource, Statement

CANDIDATES = 500
MIN_CELL = 5


# ----------------------------------------------------------------------------------------- scoping
def resources_for(user) -> QuerySet:
    """Published resources for everyone; drafts and withdrawn ones too for their owners' staff and
    for coordinators and admins."""
    qs = Resource.objects.all()
    role = role_of(user)
    if role in ("admin", "coordinator"):
        return qs
    visible = Q(status=Resource.Status.PUBLISHED)
    if role == "institution":
        inst = user.profile.institution_id
        visible |= Q(institution_id=inst) | Q(partner_institutions=inst)
    return qs.filter(visible).distinct()


def clients_for(user) -> QuerySet:
    role = role_of(user)
    qs = LrsClient.objects.filter(is_platform=False)
    if role in ("admin", "coordinator"):
        return qs
    if role == "institution":
        return qs.filter(institution_id=user.profile.institution_id)
    return qs.none()


# ------------------------------------------------------------------------------------------ search
@dataclass
class SearchFilters:
    kind: str = ""
    language: str = ""
    level: int | None = None
    field: str = ""
    country: str = ""
    licence: str = ""

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.language:
            qs = qs.filter(content_languages=self.language)
        if self.level is not None:
            qs = qs.filter(isced_level=self.level)
        if self.field:
            qs = qs.filter(field__code__startswith=self.field)
        if self.country:
            qs = qs.filter(Q(institution__country=self.country) | Q(partner_institutions__country=self.country))
        if self.licence:
            qs = qs.filter(licence=self.licence)
        return qs.distinct()


@dataclass
class SearchResult:
    resources: list[Resource]
    scores: dict[int, float] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)


def _text_candidates(terms: list[str]) -> dict[int, float]:
    """Resource id → full-text score (higher is better) for resources holding any of the terms."""
    if not terms:
        return {}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            cur.execute("SELECT rowid, -bm25(library_resource_fts) FROM library_resource_fts "
                        "WHERE library_resource_fts MATCH %s ORDER BY bm25(library_resource_fts) LIMIT %s",
                        [match, CANDIDATES])
        else:
            query = " | ".join("'" + t.replace("\\", "").replace("'", "''") + "'" for t in terms)
            cur.execute("SELECT id, ts_rank_cd(to_tsvector('simple', search_tokens), q, 1) "
                        "FROM library_resource, to_tsquery('simple', %s) q "
                        "WHERE to_tsvector('simple', search_tokens) @@ q ORDER BY 2 DESC LIMIT %s",
                        [query, CANDIDATES])
        return {int(pk): float(score) for pk, score in cur.fetchall()}


def search(user, query: str, filters: SearchFilters | None = None, *, limit: int = 50) -> SearchResult:
    """Resources the user may see that match the query in any language (all of them, newest first,
    without a query), filtered and ranked."""
    filters = filters or SearchFilters()
    qs = filters.apply(resources_for(user))
    terms = search_engine.query_terms(query or "")
    if not terms:
        found = list(qs.select_related("institution").order_by("-published", "title")[:limit])
        return SearchResult(found, {}, [])
    text = _text_candidates(terms)
    allowed = dict(qs.filter(pk__in=list(text)).values_list("pk", "search_tokens"))
    ids = [pk for pk in text if pk in allowed]
    ranked = search_engine.rank(ids, [text[i] for i in ids],
                                [search_engine.coverage(terms, allowed[i]) for i in ids])
    top = [int(i) for i in ranked.ids[:limit]]
    objects = Resource.objects.select_related("institution").in_bulk(top)
    return SearchResult([objects[i] for i in top], dict(zip(top, map(float, ranked.scores[:limit]), strict=True)),
                        terms)


# -------------------------------------------------------------------------------- learning record
def learning_record(trainee) -> dict:
    """What a trainee sees of their own learning: per enrolment the figures derived from their
    statements, and their latest statements with the resources they name."""
    from .records import resource_key

    records = {r.enrolment_id: r for r in EnrolmentRecord.objects.filter(enrolment__trainee=trainee)
               .select_related("progress")}
    learner = Learner.objects.filter(trainee=trainee).first()
    recent = []
    if learner is not None:
        recent = list(Statement.objects.filter(actor_ifi=learner.ifi, voided=False)
                      .order_by("-timestamp").values("timestamp", "verb", "object_activity", "duration_seconds",
                                                     "payload")[:30])
    keys = {resource_key(r["object_activity"]) for r in recent} - {None}
    by_key = {r.external_key: r for r in Resource.objects.filter(external_key__in=keys)}
    for r in recent:
        r["resource"] = by_key.get(resource_key(r["object_activity"]) or "")
        r["verb_display"] = (r["payload"].get("verb") or {}).get("display") or {}
    enrolments = list(trainee.enrolments.exclude(status="applied").select_related("project", "programme"))
    return {"records": records, "recent": recent, "enrolments": enrolments}


# -------------------------------------------------------------------------------------- usage
DIMENSIONS = ("resource", "institution", "country", "language", "month")


@dataclass
class UsageTable:
    dimension: str
    rows: list[dict]
    totals: dict
    public: bool
    withheld: int


def _events(since: dt.date | None, until: dt.date | None, institution_id: int | None, project_id: int | None = None):
    """Statements about catalogue resources as arrays, with the attributes usage is cut by."""
    from .records import VISIT_VERBS, resource_key

    qs = Statement.objects.filter(voided=False, is_voiding=False).exclude(object_activity="")
    if since:
        qs = qs.filter(timestamp__date__gte=since)
    if until:
        qs = qs.filter(timestamp__date__lte=until)
    rows = list(qs.values_list("actor_ifi", "object_activity", "timestamp", "verb", "duration_seconds",
                               "payload__context__language"))
    keys = [resource_key(r[1]) for r in rows]
    chosen = Resource.objects.filter(external_key__in=set(keys) - {None})
    if project_id is not None:
        chosen = chosen.filter(projects=project_id)
    resources = {r["external_key"]: r for r in chosen.values(
        "pk", "external_key", "title", "institution_id", "institution__name", "institution__country_id")}
    if institution_id is not None:
        resources = {k: v for k, v in resources.items() if v["institution_id"] == institution_id}
    keep = [i for i, k in enumerate(keys) if k in resources]
    rows = [rows[i] for i in keep]
    keys = [keys[i] for i in keep]
    staff = _excluded_actors({r[0] for r in rows})
    learners = {a: n for n, a in enumerate(sorted({r[0] for r in rows}))}
    return {
        "learner": np.array([learners[r[0]] for r in rows], dtype=np.int64),
        "actor": [r[0] for r in rows],
        "resource": np.array([resources[k]["pk"] for k in keys], dtype=np.int64),
        "time": np.array([r[2].timestamp() for r in rows], dtype=float),
        "visit": np.array([r[3] in VISIT_VERBS for r in rows], dtype=bool),
        "duration": np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=float),
        "excluded": np.array([r[0] in staff for r in rows], dtype=bool),
        "language": [(r[5] or "").split("-")[0].lower() or "?" for r in rows],
        "month": [timezone.localtime(r[2]).strftime("%Y-%m") for r in rows],
        "meta": resources,
        "keys": keys,
    }


def _excluded_actors(ifis: set[str]) -> set[str]:
    """Actors the usage rules drop: platform staff (a learner account whose trainee has no trainee
    role is not a learner) and the robots that identify themselves in their account name."""
    learners = dict(Learner.objects.filter(ifi__in=ifis).values_list("ifi", "trainee__user__profile__role"))
    out = set()
    for ifi in ifis:
        low = ifi.lower()
        if any(word in low for word in ("bot", "crawler", "spider", "monitor")) and ifi not in learners:
            out.add(ifi)
        elif ifi in learners and learners[ifi] not in (None, "trainee"):
            out.add(ifi)
    return out


def usage_table(dimension: str, *, since: dt.date | None = None, until: dt.date | None = None,
                institution_id: int | None = None, project_id: int | None = None,
                public: bool = True) -> UsageTable:
    """Visits, learners and learning hours by one dimension, by the rules of engine/usage.py;
    in public tables cells under 5 learners are withheld (and counted in ``withheld``)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    ev = _events(since, until, institution_id, project_id)
    result = usage_engine.usage(ev["learner"], ev["resource"], ev["time"], ev["visit"], ev["duration"],
                                ev["excluded"])
    meta = {m["pk"]: m for m in ev["meta"].values()}
    if dimension == "resource":
        labels = [str(r) for r in ev["resource"]]
        names = {str(pk): m["title"] for pk, m in meta.items()}
    elif dimension == "institution":
        labels = [str(meta[r]["institution_id"]) for r in ev["resource"]]
        names = {str(m["institution_id"]): m["institution__name"] for m in meta.values()}
    elif dimension == "country":
        labels = [meta[r]["institution__country_id"] for r in ev["resource"]]
        names = {}
    else:
        labels = ev[dimension]
        names = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        if result.counted[i]:
            groups[label].append(i)
    rows, withheld = [], 0
    for label, idx in groups.items():
        idx_a = np.array(idx)
        learners = len(set(ev["learner"][idx_a].tolist()))
        row = {"key": label, "name": names.get(label, label), "visits": int(result.visit[idx_a].sum()),
               "learners": learners, "hours": float(result.seconds[idx_a].sum() / 3600), "withheld": False}
        if public and learners < MIN_CELL:
            row.update(visits=None, learners=None, hours=None, withheld=True)
            withheld += 1
        rows.append(row)
    rows.sort(key=lambda r: (r["withheld"], -(r["hours"] or 0), r["key"]))
    if dimension == "month":
        rows.sort(key=lambda r: r["key"])
    counted = result.counted
    n_learners = len(set(ev["learner"][counted].tolist()))
    totals = {"visits": int(result.visit.sum()), "learners": n_learners, "hours": float(result.seconds.sum() / 3600),
              "events": int(counted.sum()), "excluded": int((~counted).sum())}
    if public and n_learners < MIN_CELL:
        totals.update(visits=None, learners=None, hours=None)
    return UsageTable(dimension, rows, totals, public, withheld)
