"""The demand REST router: list, filter, read, post, change and delete skill demand.

Mount it with ``api.add_router("/demand", router)``. Writes go through ``demand.services``; model and
service errors become 422 with ``errors: {field: [messages]}`` in the root API's handlers.
"""


import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tvetbridge.core.api import (
    AUTH,
    AUTH_ERRORS,
    VERSION_ERRORS,
    BoundedPagination,
    ErrorOut,
    Id,
    ValidationErrorOut,
    request_language,
    set_etag,
    text,
    versioned_write,
)
from tvetbridge.core.models import Country, Region
from tvetbridge.registry.models import Enterprise
from tvetbridge.taxonomy.models import ESCO_OCCUPATION_PREFIX, ESCO_SKILL_PREFIX, Occupation, Skill

from . import queries, services
from .models import SkillDemand

router = Router(auth=AUTH, tags=["demand"])
WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, **VERSION_ERRORS, 422: ValidationErrorOut}


class LanguageLevel(Schema):
    language: text(3, 2)
    level: text(10, 1) = Field(description="A1–C2, HSK1–HSK9 or native.")


class DemandOut(Schema):
    id: int
    version: int = Field(description="Send it back as If-Match (the ETag) or in the body when you change the demand.")
    external_key: str
    enterprise: int = Field(alias="enterprise_id")
    kind: str
    title: str
    title_en: str | None
    title_zh_hans: str | None
    title_ru: str | None
    title_kk: str | None
    description: str
    country: str = Field(alias="country_id")
    region: str | None = None
    occupation: str = Field(description="ESCO code of the occupation.")
    occupation_label: str
    occupation_confirmed: bool
    required_skills: list[str] = Field(description="ESCO identifiers of the skills.")
    languages: list[LanguageLevel]
    count: int
    offered_wage: Decimal | None
    wage_currency: str
    deadline: dt.date
    order_commitment: bool
    commitment_amount: Decimal | None
    commitment_currency: str
    status: str
    is_synthetic: bool
    created: dt.datetime
    updated: dt.datetime

    @staticmethod
    def resolve_region(obj):
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_occupation(obj):
        return obj.occupation.code

    @staticmethod
    def resolve_occupation_label(obj):
        return obj.occupation.label

    @staticmethod
    def resolve_required_skills(obj):
        return [s.esco_id for s in obj.required_skills.all()]


class DemandPatch(Schema):
    version: int | None = Field(None, ge=1, le=2_147_483_647, description=(
        "The version you read, when changing a demand (or send its ETag as If-Match). Ignored on create."))
    external_key: text(100, 1) | None = None
    enterprise: Id | None = Field(None, description="Enterprise id; enterprise staff may give only their own.")
    kind: SkillDemand.Kind | None = None
    title: text(300, 1) | None = Field(None, description="Title in the request language (?lang=).")
    title_en: text(300) | None = None
    title_zh_hans: text(300) | None = None
    title_ru: text(300) | None = None
    title_kk: text(300) | None = None
    description: text(5000) | None = None
    country: text(2, 2) | None = None
    region: text(20) | None = None
    occupation: text(120) | None = Field(None, description="ESCO code (7212.3), identifier or URI. Leave out to "
                                                            "have the platform propose one from the text.")
    required_skills: list[text(120)] | None = Field(None, description="ESCO skill identifiers or URIs.")
    languages: list[LanguageLevel] | None = None
    count: int | None = Field(None, description="Number of people, at least 1.")
    offered_wage: Decimal | None = None
    wage_currency: text(3) | None = None
    deadline: dt.date | None = None
    order_commitment: bool | None = None
    commitment_amount: Decimal | None = None
    commitment_currency: text(3) | None = None
    status: SkillDemand.Status | None = None
    is_synthetic: bool | None = None


class DemandIn(DemandPatch):
    enterprise: Id
    country: text(2, 2)
    count: int
    deadline: dt.date


class DemandFilter(Schema):
    q: text(100) | None = None
    country: text(2) | None = None
    region: text(20) | None = None
    kind: SkillDemand.Kind | None = None
    status: SkillDemand.Status | None = None
    occupation: text(120) | None = Field(None, description="ESCO code or identifier.")
    isco: text(4) | None = Field(None, description="ISCO-08 group (any level).")
    enterprise: Id | None = None
    is_synthetic: bool | None = None


def _to_data(payload: DemandPatch) -> dict:
    """Natural keys → objects; unknown ones are reported per field like any other invalid value."""
    raw = payload.model_dump(exclude_unset=True)
    raw.pop("version", None)
    data: dict = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        if name == "enterprise":
            data["enterprise_id"] = value
            if not Enterprise.objects.filter(pk=value).exists():
                errors["enterprise"] = [_("Unknown enterprise %(value)s.") % {"value": value}]
        elif name == "country":
            data["country_id"] = value.upper()
        elif name == "region":
            region = Region.objects.filter(code=value).first() if value else None
            if value and region is None:
                errors["region"] = [_("Unknown region code “%(value)s”.") % {"value": value}]
            data["region"] = region
        elif name == "occupation":
            if value:
                key = value.removeprefix(ESCO_OCCUPATION_PREFIX)
                occ = Occupation.objects.filter(code=key).first() or Occupation.objects.filter(esco_id=key).first()
                if occ is None:
                    errors["occupation"] = [_("Unknown occupation “%(value)s” (give its ESCO code, e.g. 7212.3).") % {"value": value}]
                data["occupation"] = occ
            else:
                data["occupation"] = None
        elif name == "required_skills":
            keys = [v.removeprefix(ESCO_SKILL_PREFIX) for v in value or []]
            skills = dict(Skill.objects.filter(esco_id__in=keys).values_list("esco_id", "pk"))
            missing = [k for k in keys if k not in skills]
            if missing:
                errors["required_skills"] = [_("Unknown skill “%(value)s”.") % {"value": k} for k in missing]
            data["required_skills"] = [skills[k] for k in keys if k in skills]
        elif name == "languages":
            data["languages"] = [dict(item) for item in value or []]
        elif value is None and name in {"wage_currency", "commitment_currency", "description"}:
            data[name] = ""
        else:
            data[name] = value
    if "country_id" in data:
        if not Country.objects.filter(pk=data["country_id"]).exists():
            errors["country"] = [_("Unknown country code “%(value)s” (use ISO 3166-1 alpha-2, e.g. KZ).") % {"value": data["country_id"]}]
    if errors:
        raise ValidationError(errors)
    return data


def _get(request, demand_id: int) -> SkillDemand:
    return get_object_or_404(queries.visible_to(request.user).prefetch_related("required_skills"), pk=demand_id)


@router.get("", response={200: list[DemandOut], **AUTH_ERRORS, 422: ValidationErrorOut}, summary="Skill demand")
@paginate(BoundedPagination)
def list_demand(request, filters: Query[DemandFilter]):
    translation.activate(request_language(request))
    f = filters
    return queries.filtered(request.user, q=f.q or "", country=f.country or "", region=f.region or "",
                            kind=f.kind or "", status=f.status or "", occupation=f.occupation or "",
                            isco=f.isco or "", enterprise=f.enterprise, is_synthetic=f.is_synthetic
                            ).prefetch_related("required_skills")


@router.get("/{demand_id}", response={200: DemandOut, **AUTH_ERRORS, 404: ErrorOut}, summary="One demand")
def get_demand(request, demand_id: Id, response: HttpResponse):
    translation.activate(request_language(request))
    demand = _get(request, demand_id)
    set_etag(response, demand)
    return demand


@router.post("", response={201: DemandOut, **WRITE_ERRORS}, summary="Post a demand (coded when no occupation)")
def create_demand(request, payload: DemandIn, response: HttpResponse):
    translation.activate(request_language(request))
    demand = _get(request, services.create_demand(request.user, _to_data(payload)).pk)
    set_etag(response, demand)
    return Status(201, demand)


@router.patch("/{demand_id}", response={200: DemandOut, **WRITE_ERRORS}, summary="Change a demand")
def update_demand(request, demand_id: Id, payload: DemandPatch, response: HttpResponse):
    translation.activate(request_language(request))
    demand = _get(request, demand_id)
    services.require(request.user, "change", SkillDemand, demand)  # refused before asked for a version
    data = _to_data(payload)
    versioned_write(request, payload.version, lambda expected: services.update_demand(
        request.user, demand, data, expected_version=expected))
    demand = _get(request, demand_id)
    set_etag(response, demand)
    return demand


@router.delete("/{demand_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a demand")
def delete_demand(request, demand_id: Id):
    demand = _get(request, demand_id)
    services.require(request.user, "delete", SkillDemand, demand)
    versioned_write(request, None, lambda expected: services.delete_demand(request.user, demand,
                                                                             expected_version=expected))
    return Status(204, None)
