# Over 500 lines: one router with a short operation per registry record kind.
"""The registry's REST router: list, filter, read, create, change and delete every registry record.

Every write goes through `registry.services`, so the API enforces exactly the rules the pages do
and leaves the same audit trail. This module only translates between HTTP and those services:
natural keys to objects, exceptions to status codes (see `tvetbridge.api`).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tvetbridge.core.api import (
    AUTH,
    AUTH_ERRORS,
    VERSION_ERRORS,
    BoundedPagination,
    Code2,
    ErrorOut,
    Id,
    Search,
    SourceOut,
    ValidationErrorOut,
    name_query,
    set_etag,
    text,
    translated,
    versioned_write,
)
from tvetbridge.core.models import Country, FieldOfStudy, Language, Region, Source

from . import queries, services
from . import schemas as s
from .models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    FacultyMember,
    Institution,
    Programme,
)

router = Router(auth=AUTH)
public = Router(tags=["public"])

WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, **VERSION_ERRORS, 422: ValidationErrorOut}
READ_ERRORS = {**AUTH_ERRORS, 404: ErrorOut}

RegionCode = text(20, 1)
LanguageCode = text(3, 2)
FieldCode = text(4, 1)

# ---------------------------------------------------------------------------------------------------
# Filters


# A filter rule turns one query parameter's value into a condition on the records.
Rule = Callable[[Any], Q]


def equal(lookup: str, normalise: Callable[[Any], Any] = lambda value: value) -> Rule:
    return lambda value: Q(**{lookup: normalise(value)})


def in_region(prefix: str) -> Rule:
    # Regions nest at most three deep (region → district → city).
    return lambda code: (Q(**{f"{prefix}__code": code}) | Q(**{f"{prefix}__parent__code": code})
                         | Q(**{f"{prefix}__parent__parent__code": code}))


def having(model: type, *lookups: str, normalise: Callable[[Any], Any] = lambda value: value) -> Rule:
    """Records related to the value through any of ``lookups`` (a many-to-many path).

    A subquery rather than a join keeps one row per record, so no DISTINCT fights the ordering."""
    def rule(value) -> Q:
        query = Q()
        for lookup in lookups:
            query |= Q(pk__in=model.objects.filter(**{lookup: normalise(value)}).values("pk"))
        return query
    return rule


def _aware(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValidationError({"updated_since": [_("This date is out of range.")]}) from exc


class RecordFilter(Schema):
    """The query parameters of a list; each subclass says in ``rules`` what its own parameters select."""

    q: Search | None = Field(None, description="Text to find in the name (any language) or external key.")
    is_synthetic: bool | None = Field(None, description="Only generated (true) or only real (false) records.")
    updated_since: dt.datetime | None = Field(None, description="Records changed at or after this time.")

    rules: ClassVar[dict[str, Rule]] = {}
    searched: ClassVar[tuple[str, ...]] = ("name",)  # what ?q= looks in besides the external key
    searched_translated: ClassVar[bool] = True

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            query = Q(external_key__icontains=self.q)
            for name in self.searched:
                query |= name_query(self.q, name) if self.searched_translated else Q(**{f"{name}__icontains": self.q})
            qs = qs.filter(query)
        if self.is_synthetic is not None:
            qs = qs.filter(is_synthetic=self.is_synthetic)
        if self.updated_since is not None:
            qs = qs.filter(updated__gte=_aware(self.updated_since))
        for name, rule in self.rules.items():
            value = getattr(self, name)
            # An empty code means "any", as an absent one does; false is a real answer to a yes/no filter.
            if value is not None and value != "":
                qs = qs.filter(rule(value))
        return qs


class InstitutionFilter(RecordFilter):
    country: Code2 | None = None
    region: RegionCode | None = Field(None, description="Region code; includes its districts and cities.")
    kind: s.choice(Institution.Kind) | None = None
    field: FieldCode | None = Field(None, description="ISCED-F code; a broad code includes its narrower fields.")
    language: LanguageCode | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "country": equal("country_id", str.upper),
        "region": in_region("region"),
        "kind": equal("kind"),
        "field": having(Institution, "fields__code__startswith"),
        "language": having(Institution, "languages__code", normalise=str.lower),
    }


class ProgrammeFilter(RecordFilter):
    institution: Id | None = None
    country: Code2 | None = None
    region: RegionCode | None = None
    field: FieldCode | None = None
    isced_level: s.choice(Programme.IscedLevel) | None = None
    language: LanguageCode | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "institution": equal("institution_id"),
        "country": equal("institution__country_id", str.upper),
        "region": in_region("institution__region"),
        "field": equal("field__code__startswith"),
        "isced_level": equal("isced_level"),
        "language": having(Programme, "languages__code", normalise=str.lower),
    }


class FacultyFilter(RecordFilter):
    institution: Id | None = None
    country: Code2 | None = None
    field: FieldCode | None = None
    language: LanguageCode | None = None
    willing_to_dispatch: bool | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "institution": equal("institution_id"),
        "country": equal("institution__country_id", str.upper),
        "field": having(FacultyMember, "fields__code__startswith"),
        "language": having(FacultyMember, "language_skills__language_id", normalise=str.lower),
        "willing_to_dispatch": equal("willing_to_dispatch"),
    }
    searched: ClassVar[tuple[str, ...]] = ("full_name",)
    searched_translated: ClassVar[bool] = False


class FacilityFilter(RecordFilter):
    institution: Id | None = None
    country: Code2 | None = None
    kind: s.choice(Facility.Kind) | None = None
    field: FieldCode | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "institution": equal("institution_id"),
        "country": equal("institution__country_id", str.upper),
        "kind": equal("kind"),
        "field": having(Facility, "fields__code__startswith"),
    }


class EnterpriseFilter(RecordFilter):
    country: Code2 | None = None
    region: RegionCode | None = None
    sector: s.choice(Enterprise.Sector) | None = None
    chinese_funded: bool | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "country": equal("country_id", str.upper),
        "region": in_region("region"),
        "sector": equal("sector"),
        "chinese_funded": equal("chinese_funded"),
    }


class AllianceFilter(RecordFilter):
    institution: Id | None = Field(None, description="Alliances this institution is a member of.")
    enterprise: Id | None = None
    country: Code2 | None = Field(None, description="Alliances with a member institution in this country.")

    rules: ClassVar[dict[str, Rule]] = {
        "institution": having(Alliance, "institutions"),
        "enterprise": having(Alliance, "enterprises"),
        "country": having(Alliance, "institutions__country_id", normalise=str.upper),
    }


class ProjectFilter(RecordFilter):
    country: Code2 | None = Field(None, description="Host country.")
    region: RegionCode | None = Field(None, description="Host region; includes its districts and cities.")
    kind: s.choice(CooperationProject.Kind) | None = None
    status: s.choice(CooperationProject.Status) | None = None
    field: FieldCode | None = None
    institution: Id | None = Field(None, description="Projects with this institution on either side.")
    enterprise: Id | None = None
    alliance: Id | None = None

    rules: ClassVar[dict[str, Rule]] = {
        "country": equal("host_country_id", str.upper),
        "region": in_region("host_region"),
        "kind": equal("kind"),
        "status": equal("status"),
        "field": having(CooperationProject, "fields__code__startswith"),
        "institution": having(CooperationProject, "chinese_institutions", "partner_institutions"),
        "enterprise": having(CooperationProject, "enterprises"),
        "alliance": equal("alliance_id"),
    }


# ---------------------------------------------------------------------------------------------------
# From natural keys in the request to the objects the services expect

# field name → (model, lookup, many, normalise)
REFERENCES: dict[str, tuple[type, str, bool, Callable[[Any], Any]]] = {
    "source": (Source, "key", False, str),
    "country": (Country, "code", False, str.upper),
    "host_country": (Country, "code", False, str.upper),
    "region": (Region, "code", False, str),
    "host_region": (Region, "code", False, str),
    "field": (FieldOfStudy, "code", False, str),
    "fields": (FieldOfStudy, "code", True, str),
    "languages": (Language, "code", True, str.lower),
    "institution": (Institution, "pk", False, int),
    "institutions": (Institution, "pk", True, int),
    "lead_institutions": (Institution, "pk", True, int),
    "chinese_institutions": (Institution, "pk", True, int),
    "partner_institutions": (Institution, "pk", True, int),
    "enterprises": (Enterprise, "pk", True, int),
    "alliance": (Alliance, "pk", False, int),
}


def resolve_references(data: dict[str, Any]) -> dict[str, Any]:
    """Replace codes and ids by objects; every unknown reference is reported, not just the first."""
    errors: dict[str, list[str]] = {}
    resolved = dict(data)
    for name, value in data.items():
        if name not in REFERENCES:
            continue
        model, lookup, many, normalise = REFERENCES[name]
        if value is None:
            resolved[name] = [] if many else None
            continue
        wanted = [normalise(v) for v in (value if many else [value])]
        found = {getattr(obj, lookup): obj for obj in model.objects.filter(**{f"{lookup}__in": set(wanted)})}
        missing = [str(v) for v in wanted if v not in found]
        if missing:
            errors[name] = [_("Unknown %(model)s: %(values)s.") % {
                "model": model._meta.verbose_name, "values": ", ".join(sorted(set(missing)))}]
            continue
        resolved[name] = [found[v] for v in wanted] if many else found[wanted[0]]
    if errors:
        raise ValidationError(errors)
    return resolved


# ---------------------------------------------------------------------------------------------------
# One set of endpoints per model


@dataclass
class Resource:
    model: type
    path: str  # plural, as in the URL
    tag: str
    out: type[Schema]
    full_in: type[Schema]
    patch_in: type[Schema]
    filters: type[RecordFilter]
    select: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()

    @property
    def singular(self) -> str:
        return self.model._meta.model_name

    def queryset(self) -> QuerySet:
        ordering = [*self.model._meta.ordering, "pk"]
        return (self.model.objects.select_related("source", *self.select)
                .prefetch_related(*self.prefetch).order_by(*ordering))

    def view_perm(self) -> str:
        return services.perm_name(self.model, "view")


def _require_view(request: HttpRequest, resource: Resource, obj=None) -> None:
    if not request.user.has_perm(resource.view_perm(), obj):
        raise PermissionDenied(_("You may not view %(model)s records.")
                               % {"model": resource.model._meta.verbose_name})


def _fetch(resource: Resource, **lookup):
    return get_object_or_404(resource.queryset(), **lookup)


def _save(request: HttpRequest, resource: Resource, data: dict[str, Any], obj=None, response=None):
    # Permission first: someone who may not write learns nothing from the validation of references.
    services.require(request.user, "change" if obj is not None else "add", resource.model, obj)
    version = data.pop("version", None)
    data = resolve_references(data)
    if obj is None:
        saved = services.create_record(request.user, resource.model, data, reason="created via API")
    else:
        saved = versioned_write(request, version, lambda expected: services.update_record(
            request.user, obj, data, reason="updated via API", expected_version=expected))
    saved = _fetch(resource, pk=saved.pk)
    if response is not None:
        set_etag(response, saved)
    return saved


def register(resource: Resource) -> None:
    """Add list / retrieve / by-key / create / replace / patch / delete endpoints for one model."""
    r, path, name = resource, resource.path, resource.singular
    Out, FullIn, PatchIn, Filters = r.out, r.full_in, r.patch_in, r.filters
    verbose = str(r.model._meta.verbose_name_plural)

    @router.get(f"/{path}", response={200: list[Out], **AUTH_ERRORS, 422: ValidationErrorOut}, tags=[r.tag],
                operation_id=f"list_{path}", summary=f"List {verbose}")
    @paginate(BoundedPagination)
    def list_records(request, filters: Query[Filters]):
        _require_view(request, r)
        qs = r.queryset()
        if r.model in queries.VISIBLE:  # personal records: only those the caller may read
            qs = qs.filter(pk__in=queries.visible_records(request.user, r.model).values("pk"))
        return filters.apply(qs)

    @router.get(f"/{path}/{{record_id}}", response={200: Out, **READ_ERRORS}, tags=[r.tag],
                operation_id=f"get_{name}", summary=f"One {r.model._meta.verbose_name} by id")
    def get_record(request, record_id: Id, response: HttpResponse):
        obj = _fetch(r, pk=record_id)
        _require_view(request, r, obj)
        set_etag(response, obj)
        return obj

    @router.get(f"/{path}/by-key/{{external_key}}", response={200: Out, **READ_ERRORS}, tags=[r.tag],
                operation_id=f"get_{name}_by_key", summary=f"One {r.model._meta.verbose_name} by external key")
    def get_record_by_key(request, external_key: s.ExternalKey, response: HttpResponse):
        obj = _fetch(r, external_key=external_key)
        _require_view(request, r, obj)
        set_etag(response, obj)
        return obj

    @router.post(f"/{path}", response={201: Out, **WRITE_ERRORS}, tags=[r.tag],
                 operation_id=f"create_{name}", summary=f"Create a {r.model._meta.verbose_name}")
    def create(request, payload: FullIn, response: HttpResponse):
        return Status(201, _save(request, r, payload.model_dump(), response=response))

    @router.put(f"/{path}/{{record_id}}", response={200: Out, **WRITE_ERRORS}, tags=[r.tag],
                operation_id=f"replace_{name}", summary=f"Replace a {r.model._meta.verbose_name}")
    def replace(request, record_id: Id, payload: FullIn, response: HttpResponse):
        return _save(request, r, payload.model_dump(), _fetch(r, pk=record_id), response)

    @router.patch(f"/{path}/{{record_id}}", response={200: Out, **WRITE_ERRORS}, tags=[r.tag],
                  operation_id=f"update_{name}", summary=f"Change some fields of a {r.model._meta.verbose_name}")
    def update(request, record_id: Id, payload: PatchIn, response: HttpResponse):
        return _save(request, r, payload.model_dump(exclude_unset=True), _fetch(r, pk=record_id), response)

    @router.delete(f"/{path}/{{record_id}}", response={204: None, **WRITE_ERRORS}, tags=[r.tag],
                   operation_id=f"delete_{name}", summary=f"Delete a {r.model._meta.verbose_name}")
    def delete(request, record_id: Id):
        obj = _fetch(r, pk=record_id)
        services.require(request.user, "delete", r.model, obj)
        versioned_write(request, None, lambda expected: services.delete_record(
            request.user, obj, expected_version=expected))
        return Status(204, None)


PROJECTS = Resource(
    CooperationProject, "projects", "projects", s.ProjectOut, s.ProjectIn, s.ProjectPatch, ProjectFilter,
    select=("host_region", "approved_by"),
    prefetch=("chinese_institutions", "partner_institutions", "enterprises", "fields", "funding__source",
              "reported_results__source"))

ALLIANCES = Resource(Alliance, "alliances", "alliances", s.AllianceOut, s.AllianceIn, s.AlliancePatch, AllianceFilter,
                     prefetch=("institutions", "lead_institutions", "enterprises", "committees"))

RESOURCES = [
    Resource(Institution, "institutions", "institutions", s.InstitutionOut, s.InstitutionIn, s.InstitutionPatch,
             InstitutionFilter, select=("region",), prefetch=("languages", "fields")),
    Resource(Programme, "programmes", "programmes", s.ProgrammeOut, s.ProgrammeIn, s.ProgrammePatch,
             ProgrammeFilter, prefetch=("languages",)),
    Resource(FacultyMember, "faculty", "faculty", s.FacultyOut, s.FacultyIn, s.FacultyPatch, FacultyFilter,
             prefetch=("fields", "language_skills")),
    Resource(Facility, "facilities", "facilities", s.FacilityOut, s.FacilityIn, s.FacilityPatch, FacilityFilter,
             prefetch=("fields",)),
    Resource(Enterprise, "enterprises", "enterprises", s.EnterpriseOut, s.EnterpriseIn, s.EnterprisePatch,
             EnterpriseFilter, select=("region",)),
    ALLIANCES,
    PROJECTS,
]

for _resource in RESOURCES:
    register(_resource)


@router.post("/projects/{record_id}/approve", response={200: s.ProjectOut, **WRITE_ERRORS}, tags=["projects"],
             operation_id="approve_project", summary="Approve a draft or proposed project (coordinators)")
def approve(request, record_id: Id, response: HttpResponse, payload: s.ApproveIn | None = None):
    project = _fetch(PROJECTS, pk=record_id)
    services.approve_project(request.user, project, comment=payload.comment if payload else "")
    saved = _fetch(PROJECTS, pk=record_id)
    set_etag(response, saved)
    return saved


@router.post("/projects/{record_id}/transition", response={200: s.ProjectOut, **WRITE_ERRORS}, tags=["projects"],
             operation_id="transition_project",
             summary="Move a project along its life cycle (propose, approve, start, complete, suspend, …)")
def transition(request, record_id: Id, payload: s.TransitionIn, response: HttpResponse):
    project = _fetch(PROJECTS, pk=record_id)
    versioned_write(request, payload.version, lambda expected: services.transition_project(
        request.user, project, payload.transition, comment=payload.comment, expected_version=expected))
    saved = _fetch(PROJECTS, pk=record_id)
    set_etag(response, saved)
    return saved


# ---------------------------------------------------------------------------------------------------
# Alliance membership (coordinators): one member per call, each a versioned, audited change


MEMBER_MODELS = {"institutions": Institution, "enterprises": Enterprise}


def _membership(request, record_id: int, kind: str, member_id: int, version: int | None, change, response):
    alliance = _fetch(ALLIANCES, pk=record_id)
    services.require(request.user, "change", Alliance, alliance)
    member = get_object_or_404(MEMBER_MODELS[kind], pk=member_id)
    versioned_write(request, version, lambda expected: change(request.user, alliance, member,
                                                              expected_version=expected))
    saved = _fetch(ALLIANCES, pk=record_id)
    set_etag(response, saved)
    return saved


@router.post("/alliances/{record_id}/members", response={200: s.AllianceOut, **WRITE_ERRORS}, tags=["alliances"],
             operation_id="add_alliance_member", summary="Add a member institution or enterprise to an alliance")
def add_alliance_member(request, record_id: Id, payload: s.MemberIn, response: HttpResponse):
    return _membership(request, record_id, payload.kind, payload.member, payload.version,
                       services.add_alliance_member, response)


@router.delete("/alliances/{record_id}/members/{kind}/{member_id}", response={200: s.AllianceOut, **WRITE_ERRORS},
               tags=["alliances"], operation_id="remove_alliance_member",
               summary="Remove a member institution or enterprise from an alliance (send If-Match)")
def remove_alliance_member(request, record_id: Id, kind: Literal["institutions", "enterprises"], member_id: Id,
                           response: HttpResponse):
    return _membership(request, record_id, kind, member_id, None, services.remove_alliance_member, response)


# ---------------------------------------------------------------------------------------------------
# Public aggregates: counts only, no record is exposed to anonymous callers


class Tally(Schema):
    total: int
    synthetic: int = Field(description="How many of the total are generated demo records.")


class StatisticOut(Schema):
    indicator: str
    label: str
    period: str
    qualifier: str = Field(description="'' exactly, 'approx', 'more' than or 'less' than the value.")
    value: float
    note: str
    source: SourceOut

    @staticmethod
    def resolve_label(obj):
        return str(obj.get_indicator_display())


class CountrySummaryOut(Schema):
    country: str
    name: str
    institutions: Tally
    programmes: Tally
    intake_capacity: int = Field(description="Yearly intake capacity of the registered programmes.")
    enterprises: Tally
    projects: Tally
    projects_by_kind: dict[str, int]
    projects_by_status: dict[str, int]
    statistics: list[StatisticOut] = Field(description="National TVET figures, each with its source.")


def _tally(qs) -> dict[str, int]:
    return qs.aggregate(total=Count("pk"), synthetic=Count("pk", filter=Q(is_synthetic=True)))


@public.get("/countries/{code}/summary", response={200: CountrySummaryOut, 404: ErrorOut}, auth=None,
            operation_id="country_summary", summary="Registry counts and national figures for one country")
def country_summary(request, code: Code2):
    country = get_object_or_404(Country, code=code.upper())
    programmes = Programme.objects.filter(institution__country=country)
    projects = CooperationProject.objects.filter(host_country=country)
    by_kind = dict(projects.order_by().values_list("kind").annotate(n=Count("pk")))
    by_status = dict(projects.order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "country": country.code,
        "name": translated(country, "name", {"request": request}),
        "institutions": _tally(Institution.objects.filter(country=country)),
        "programmes": _tally(programmes),
        "intake_capacity": programmes.aggregate(n=Sum("intake_capacity"))["n"] or 0,
        "enterprises": _tally(Enterprise.objects.filter(country=country)),
        "projects": _tally(projects),
        "projects_by_kind": by_kind,
        "projects_by_status": by_status,
        "statistics": list(CountryStatistic.objects.filter(country=country).select_related("source")),
    }
