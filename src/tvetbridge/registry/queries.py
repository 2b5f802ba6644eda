"""Read paths for the registry's pages: list filtering and search, detail loading, and the
aggregates behind the home page and country dashboards.

Everything here aggregates in the database (annotate / values().annotate / subquery counts) so a
page costs a fixed number of queries whatever the size of the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from tvetbridge.core.models import Country, FieldOfStudy, Region
from tvetbridge.core.roles import Role, is_manager, role_of

from .models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    FacultyMember,
    Institution,
    Programme,
    ReportedResult,
)

PAGE_SIZE = 50
LANG_SUFFIXES = [code.replace("-", "_") for code, _name in settings.LANGUAGES]


def lang_suffix(language: str | None = None) -> str:
    code = (language or get_language() or settings.LANGUAGE_CODE).lower()
    suffix = code.replace("-", "_")
    return suffix if suffix in LANG_SUFFIXES else LANG_SUFFIXES[0]


def translated_order(name: str, language: str | None = None):
    """Order by a translated column as it is displayed: the active language, falling back to English.

    Sorting on the raw per-language column would put every untranslated record first."""
    return Coalesce(NullIf(f"{name}_{lang_suffix(language)}", Value("")), f"{name}_en",
                    output_field=CharField())


@dataclass(frozen=True)
class ListSpec:
    """How one registry model is listed, searched, filtered and sorted."""

    key: str
    model: type
    title_field: str
    translated: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    # filter name -> ORM lookup; m2m lookups are applied through a pk subquery to avoid duplicates.
    filters: Mapping[str, str] = field(default_factory=dict)
    # sort key -> ORM path ("name" is special-cased for translated titles).
    sorts: Mapping[str, str] = field(default_factory=dict)
    default_sort: str = "name"


SPECS: dict[str, ListSpec] = {
    spec.key: spec
    for spec in [
        ListSpec(
            key="institutions", model=Institution, title_field="name", translated=("name", "description"),
            search_fields=("short_name", "external_key", "email", "address", "website"),
            select_related=("country", "region", "source"),
            filters={"country": "country_id", "region": "region_id", "kind": "kind",
                     "field": "fields__code__startswith", "language": "languages__code"},
            sorts={"name": "name", "kind": "kind", "country": "country__name", "region": "region__name",
                   "programmes": "programme_count", "updated": "updated"},
        ),
        ListSpec(
            key="programmes", model=Programme, title_field="name", translated=("name", "description"),
            search_fields=("external_key", "national_level", "institution__name", "institution__short_name"),
            select_related=("institution", "institution__country", "field", "source"),
            filters={"country": "institution__country_id", "region": "institution__region_id",
                     "kind": "isced_level", "field": "field__code__startswith", "language": "languages__code",
                     "institution": "institution_id"},
            sorts={"name": "name", "institution": "institution__name", "field": "field__code",
                   "level": "isced_level", "capacity": "intake_capacity", "graduates": "expected_graduates",
                   "updated": "updated"},
        ),
        ListSpec(
            key="faculty", model=FacultyMember, title_field="full_name",
            search_fields=("full_name", "position", "external_key", "institution__name"),
            select_related=("institution", "institution__country", "source"),
            prefetch_related=("language_skills__language",),
            filters={"country": "institution__country_id", "region": "institution__region_id",
                     "field": "fields__code__startswith", "language": "language_skills__language__code",
                     "institution": "institution_id"},
            sorts={"name": "full_name", "institution": "institution__name", "position": "position",
                   "updated": "updated"},
        ),
        ListSpec(
            key="facilities", model=Facility, title_field="name", translated=("name",),
            search_fields=("external_key", "institution__name"),
            select_related=("institution", "institution__country", "source"),
            filters={"country": "institution__country_id", "region": "institution__region_id", "kind": "kind",
                     "field": "fields__code__startswith", "institution": "institution_id"},
            sorts={"name": "name", "institution": "institution__name", "kind": "kind", "capacity": "capacity",
                   "updated": "updated"},
        ),
        ListSpec(
            key="enterprises", model=Enterprise, title_field="name", translated=("name", "description"),
            search_fields=("external_key", "website"),
            select_related=("country", "region", "source"),
            filters={"country": "country_id", "region": "region_id", "kind": "sector"},
            sorts={"name": "name", "country": "country__name", "sector": "sector", "updated": "updated"},
        ),
        ListSpec(
            key="alliances", model=Alliance, title_field="name", translated=("name", "description"),
            search_fields=("external_key", "scope"),
            select_related=("source",),
            filters={"country": "institutions__country_id", "region": "institutions__region_id"},
            sorts={"name": "name", "founded": "founded", "members": "member_count", "updated": "updated"},
        ),
        ListSpec(
            key="projects", model=CooperationProject, title_field="name", translated=("name", "description"),
            search_fields=("external_key",),
            select_related=("host_country", "host_region", "source"),
            filters={"country": "host_country_id", "region": "host_region_id", "kind": "kind",
                     "status": "status", "field": "fields__code__startswith",
                     "institution": "partner_institutions__id"},
            sorts={"name": "name", "kind": "kind", "status": "status", "country": "host_country__name",
                   "start": "start_date", "updated": "updated"},
            default_sort="-start",
        ),
    ]
}
SPEC_BY_MODEL = {spec.model: spec for spec in SPECS.values()}
# Filters through these relations go through a pk subquery so a record matching twice is listed once.
M2M_ROOTS = {"fields", "languages", "language_skills", "institutions", "partner_institutions"}


def _case_variants(text: str) -> set[str]:
    # SQLite folds case for ASCII only; trying the usual casings finds "Алматы" from "алматы" there too.
    return {text, text.lower(), text.upper(), text.title(), text[:1].upper() + text[1:]}


def search_q(spec: ListSpec, text: str) -> Q:
    query = Q()
    for variant in _case_variants(text.strip()):
        for name in spec.translated[:1]:
            for suffix in LANG_SUFFIXES:
                query |= Q(**{f"{name}_{suffix}__icontains": variant})
        for path in spec.search_fields:
            query |= Q(**{f"{path}__icontains": variant})
    return query


def _sort_expression(spec: ListSpec, key: str):
    descending = key.startswith("-")
    name = key.lstrip("-")
    path = spec.sorts.get(name)
    if path is None:
        return None
    if name == "name" and spec.translated:
        expr = translated_order(spec.title_field)
        return expr.desc() if descending else expr.asc()
    if path.endswith("__name") and path.split("__")[0] in {"country", "region", "host_country", "host_region",
                                                           "institution"}:
        expr = translated_order(path[: -len("__name")] + "__name")
        return expr.desc() if descending else expr.asc()
    return f"-{path}" if descending else path


def list_queryset(spec: ListSpec, params: Mapping[str, str], *, user=None) -> tuple[QuerySet, str]:
    """The filtered, searched, sorted queryset for a list page and the sort key actually applied; with
    ``user``, only the records that user may read."""
    model = spec.model
    qs = model.objects.select_related(*spec.select_related)
    if user is not None and model in VISIBLE:
        qs = qs.filter(pk__in=visible_records(user, model).values("pk"))
    if spec.prefetch_related:
        qs = qs.prefetch_related(*spec.prefetch_related)
    if model is Institution:
        qs = qs.annotate(programme_count=_count_subquery(Programme, "institution"))
    if model is Alliance:
        qs = qs.annotate(member_count=Count("institutions", distinct=True))
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(pk__in=model.objects.filter(search_q(spec, text)).values("pk"))
    for name, lookup in spec.filters.items():
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if lookup.split("__")[0] in M2M_ROOTS:
            qs = qs.filter(pk__in=model.objects.filter(**{lookup: value}).values("pk"))
        else:
            qs = qs.filter(**{lookup: value})
    synthetic = params.get("synthetic")
    if synthetic in {"yes", "no"}:
        qs = qs.filter(is_synthetic=synthetic == "yes")
    sort = params.get("sort") or spec.default_sort
    expr = _sort_expression(spec, sort)
    if expr is None:
        sort = spec.default_sort
        expr = _sort_expression(spec, sort)
    return qs.order_by(expr, "pk"), sort


def _count_subquery(model, fk: str, **extra):
    """A correlated COUNT that does not multiply rows the way joined Count() annotations do."""
    inner = (model.objects.filter(**{fk: OuterRef("pk")}, **extra).order_by()
             .values(fk).annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(inner, output_field=IntegerField()), 0)


def detail_object(spec: ListSpec, pk: int):
    qs = spec.model.objects.select_related(*spec.select_related)
    if spec.model is Institution:
        qs = qs.prefetch_related("languages", "fields").annotate(
            programme_count=_count_subquery(Programme, "institution"),
            faculty_count=_count_subquery(FacultyMember, "institution"),
            facility_count=_count_subquery(Facility, "institution"),
        )
    elif spec.model is Programme:
        qs = qs.prefetch_related("languages")
    elif spec.model is FacultyMember:
        qs = qs.prefetch_related("fields", "language_skills__language")
    elif spec.model is Facility:
        qs = qs.prefetch_related("fields")
    elif spec.model is Enterprise:
        pass
    elif spec.model is Alliance:
        qs = qs.prefetch_related("institutions", "enterprises", "lead_institutions", "committees__field")
    elif spec.model is CooperationProject:
        qs = qs.select_related("alliance", "approved_by").prefetch_related(
            "chinese_institutions", "partner_institutions", "enterprises", "fields",
            "reported_results__source", "funding__source")
    return qs.get(pk=pk)


# --- who reads which records ---------------------------------------------------------------------

def visible_faculty(user) -> QuerySet:
    """The teachers ``user`` may read, as a queryset (``registry.view_facultymember`` as a rule):
    coordinators and admins every teacher, institution staff their own institution's, nobody else —
    enterprise staff, trainees and the public see no teacher. Faculty members are personal data."""
    if is_manager(user):
        return FacultyMember.objects.all()
    if role_of(user) == Role.INSTITUTION_STAFF and user.profile.institution_id:
        return FacultyMember.objects.filter(institution_id=user.profile.institution_id)
    return FacultyMember.objects.none()


def openable_faculty(user, faculty_ids) -> set[int]:
    """Which of these teachers' records ``user`` may open: a page links only to those."""
    return set(visible_faculty(user).filter(pk__in=list(faculty_ids)).values_list("pk", flat=True))


# Models whose lists narrow per reader; every other registry record is read whole by any member.
VISIBLE = {FacultyMember: visible_faculty}


def visible_records(user, model) -> QuerySet:
    narrow = VISIBLE.get(model)
    return narrow(user) if narrow else model.objects.all()


# --- published aggregates -------------------------------------------------------------------------

def home_aggregates() -> dict:
    countries = list(
        Country.objects.filter(is_focus=True).annotate(
            institution_count=_count_subquery(Institution, "country"),
            project_count=_count_subquery(CooperationProject, "host_country"),
        )
    )
    by_kind = _projects_by_kind(CooperationProject.objects.all())
    totals = {
        "institutions": Institution.objects.count(),
        "programmes": Programme.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "projects": CooperationProject.objects.count(),
    }
    return {"countries": countries, "projects_by_kind": by_kind, "totals": totals}


def country_list() -> list[Country]:
    return list(
        Country.objects.annotate(
            institution_count=_count_subquery(Institution, "country"),
            project_count=_count_subquery(CooperationProject, "host_country"),
            statistic_count=_count_subquery(CountryStatistic, "country"),
        ).filter(Q(is_focus=True) | Q(institution_count__gt=0) | Q(project_count__gt=0))
    )


def _projects_by_kind(qs: QuerySet) -> list[dict]:
    labels = dict(CooperationProject.Kind.choices)
    rows = (qs.order_by().values("kind")
            .annotate(total=Count("pk"), real=Count("pk", filter=Q(is_synthetic=False)),
                      synthetic=Count("pk", filter=Q(is_synthetic=True)))
            .order_by("-total", "kind"))
    return [{**row, "label": str(labels.get(row["kind"], row["kind"]))} for row in rows]


def latest_statistics(country: Country) -> list[CountryStatistic]:
    """The newest figure per indicator (and note), each with its source loaded."""
    rows = (CountryStatistic.objects.filter(country=country).select_related("source")
            .order_by("indicator", "note", "-period"))
    seen: set[tuple[str, str]] = set()
    latest = []
    for row in rows:  # one row per indicator × period: tens, not registry-sized
        key = (row.indicator, row.note)
        if key not in seen:
            seen.add(key)
            latest.append(row)
    order = {value: i for i, value in enumerate(CountryStatistic.Indicator.values)}
    latest.sort(key=lambda r: (order.get(r.indicator, 99), r.note))
    return latest


def _split_counts(qs: QuerySet, **sums: str) -> dict:
    aggregates = {"real": Count("pk", filter=Q(is_synthetic=False)),
                  "synthetic": Count("pk", filter=Q(is_synthetic=True))}
    for name, path in sums.items():
        aggregates[f"{name}_real"] = Coalesce(Sum(path, filter=Q(is_synthetic=False)), 0)
        aggregates[f"{name}_synthetic"] = Coalesce(Sum(path, filter=Q(is_synthetic=True)), 0)
    return qs.order_by().aggregate(**aggregates)


def country_dashboard(country: Country) -> dict:
    institutions = _split_counts(Institution.objects.filter(country=country))
    programmes = _split_counts(Programme.objects.filter(institution__country=country),
                               graduates="expected_graduates", capacity="intake_capacity")
    projects_qs = CooperationProject.objects.filter(host_country=country)
    projects = _split_counts(projects_qs)
    by_field = list(
        FieldOfStudy.objects.filter(projects__host_country=country)
        .annotate(total=Count("projects", distinct=True),
                  synthetic=Count("projects", filter=Q(projects__is_synthetic=True), distinct=True))
        .order_by("-total", "code")
    )
    return {
        "statistics": latest_statistics(country),
        "institutions": institutions,
        "programmes": programmes,
        "projects": projects,
        "projects_by_kind": _projects_by_kind(projects_qs),
        "projects_by_field": by_field,
    }


def map_points(country: Country) -> list[dict]:
    """Regions of the country with coordinates and at least one institution or project there."""
    regions = (
        Region.objects.filter(country=country, latitude__isnull=False, longitude__isnull=False)
        .annotate(institution_count=_count_subquery(Institution, "region"),
                  project_count=_count_subquery(CooperationProject, "host_region"))
        .filter(Q(institution_count__gt=0) | Q(project_count__gt=0))
    )
    return [{"region": r.name, "latitude": r.latitude, "longitude": r.longitude,
             "institutions": r.institution_count, "projects": r.project_count} for r in regions]


def dashboard_version(country: Country) -> str:
    """Changes whenever anything the dashboard charts draw on changes, so cached SVG can be reused."""
    inst = Institution.objects.filter(country=country).order_by().aggregate(n=Count("pk"), t=Max("updated"))
    proj = CooperationProject.objects.filter(host_country=country).order_by().aggregate(
        n=Count("pk"), t=Max("updated"))
    regions = Region.objects.filter(country=country).order_by().aggregate(n=Count("pk"), m=Max("pk"))
    parts = [inst["n"], inst["t"], proj["n"], proj["t"], regions["n"], regions["m"]]
    return "|".join("" if p is None else (p.isoformat() if hasattr(p, "isoformat") else str(p)) for p in parts)


# --- alliances -------------------------------------------------------------------------------------

def alliance_overview(alliance: Alliance, *, institutions: QuerySet, enterprises: QuerySet,
                      projects: QuerySet) -> dict:
    """An alliance's members, its sector committees with the alliance's projects in each committee's
    field, and the results reported by the alliance and those projects. The caller passes the records
    it may show (the registry passes everything, the public directory its published sets), so one
    read serves both pages and the public one never lists an unpublished record."""
    leads = set(alliance.lead_institutions.values_list("pk", flat=True))
    members = list(institutions.filter(alliances=alliance).select_related("country")
                   .order_by(translated_order("name"), "pk"))
    for inst in members:
        inst.is_lead = inst.pk in leads
    project_list = list(projects.filter(alliance=alliance).select_related("host_country")
                        .prefetch_related("fields").order_by("-start_date", "pk"))
    committees = list(alliance.committees.select_related("field").order_by(translated_order("name"), "pk"))
    placed: set[int] = set()
    for committee in committees:
        # A committee covers its ISCED-F field and the narrower fields under it (104 → 1041).
        code = committee.field_id
        committee.project_list = [p for p in project_list
                                  if code and any(f.code.startswith(code) for f in p.fields.all())]
        placed |= {p.pk for p in committee.project_list}
    results = list(ReportedResult.objects.filter(Q(alliance=alliance) | Q(project__in=[p.pk for p in project_list]))
                   .select_related("source", "project").order_by("indicator", "-as_of", "pk"))
    return {
        "alliance": alliance,
        "members": members,
        "enterprises": list(enterprises.filter(alliances=alliance).select_related("country")
                            .order_by(translated_order("name"), "pk")),
        "committees": committees,
        "projects": project_list,
        "other_projects": [p for p in project_list if p.pk not in placed],
        "results": results,
    }


@dataclass
class MembershipEvent:
    date: object
    kind: str  # "joined", "left", or "on_record" (a member before tracking began)
    member: object
    user: object = None


def membership_history(alliance: Alliance) -> dict:
    """Who joined and left ``alliance`` and when, from the member lists its history rows keep: each
    pair of successive rows differs by the members added or removed. A baseline row (written when
    members were found that no tracked change had added: before tracking began, or loaded in bulk)
    states members "on record" rather than joining. ``since`` maps each current member to the event
    that made it one."""
    history = Alliance.history.model
    rows = list(history.objects.filter(id=alliance.pk).select_related("history_user")
                .order_by("history_date", "history_id"))
    ids = [row.history_id for row in rows]
    lists: dict[str, dict[int, set[int]]] = {}
    for relation, target in (("institutions", "institution"), ("enterprises", "enterprise")):
        through = getattr(history, relation).model
        per_row: dict[int, set[int]] = {history_id: set() for history_id in ids}
        for history_id, member_id in through.objects.filter(history_id__in=ids).values_list(
                "history_id", f"{target}_id"):
            per_row[history_id].add(member_id)
        lists[relation] = per_row
    models_of = {"institutions": Institution, "enterprises": Enterprise}
    names = {relation: models_of[relation].objects.in_bulk({pk for members in lists[relation].values() for pk in members})
             for relation in lists}
    events: list[MembershipEvent] = []
    since: dict[tuple[str, int], MembershipEvent] = {}
    previous: dict[str, set[int]] = {relation: set() for relation in lists}
    for row in rows:
        baseline = row.history_change_reason == "alliance.membership_baseline"
        for relation, per_row in lists.items():
            current = per_row[row.history_id]
            for pk in sorted(current - previous[relation]):
                event = MembershipEvent(row.history_date, "on_record" if baseline else "joined",
                                        names[relation].get(pk), None if baseline else row.history_user)
                events.append(event)
                since[(relation, pk)] = event
            for pk in sorted(previous[relation] - current):
                # A baseline only states the members; whoever is gone left at a time nobody recorded.
                if not baseline:
                    events.append(MembershipEvent(row.history_date, "left", names[relation].get(pk), row.history_user))
                since.pop((relation, pk), None)
            previous[relation] = current
    return {"events": events[::-1], "since": since}
