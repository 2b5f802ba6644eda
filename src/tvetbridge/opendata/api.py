"""The public portal's data for machines: the directory of published institutions, projects and listed
enterprises,
with no token, the same publication rule and small-count suppression as the pages, paginated, and
with an ETag (304 on If-None-Match) and caching headers so harvesters can poll cheaply."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from tvetbridge.core.api import BoundedPagination, ErrorOut

from . import queries

router = Router(tags=["open data"], auth=None)
_cached = decorate_view(conditional_page, cache_control(public=True, max_age=600))


class Names(Schema):
    # A translation not given is null, not the English name.
    name_en: str
    name_zh_hans: str | None
    name_ru: str | None
    name_kk: str | None


def _region_code(obj) -> str:
    region = obj["region"] if isinstance(obj, dict) else obj.region
    return region.code if region else ""


class InstitutionOut(Names):
    id: str = Field(alias="external_key")
    kind: str
    country: str = Field(alias="country_id")
    region: str
    website: str

    resolve_region = staticmethod(_region_code)


class ProgrammeOut(Names):
    id: str
    field: str
    isced_level: int
    duration_months: int
    languages: list[str]
    intake_capacity: int


class ProjectOut(Names):
    id: str = Field(alias="external_key")
    iati_identifier: str
    kind: str
    status: str
    host_country: str = Field(alias="host_country_id")

    @staticmethod
    def resolve_iati_identifier(obj) -> str:
        return obj["iati_identifier"] if isinstance(obj, dict) else queries.iati_identifier(obj)
    start_date: dt.date | None
    end_date: dt.date | None
    target_trainees: int | None


class ProjectDetailOut(ProjectOut):
    chinese_institutions: list[str]
    partner_institutions: list[str]
    trainees_enrolled: int | None
    trainees_withheld: bool


class InstitutionDetailOut(InstitutionOut):
    languages: list[str]
    fields: list[str]
    programmes: list[ProgrammeOut]
    projects: list[str]


class EnterpriseOut(Names):
    id: str = Field(alias="external_key")
    sector: str
    country: str = Field(alias="country_id")
    region: str
    website: str
    chinese_funded: bool

    resolve_region = staticmethod(_region_code)


class EnterpriseDetailOut(EnterpriseOut):
    open_vacancies: int
    open_training_orders: int
    occupations: list[str]
    projects: list[str]


def _names(obj) -> dict:
    return {f: getattr(obj, f) for f in ("name_en", "name_zh_hans", "name_ru", "name_kk")}


def _institution(i) -> dict:
    return {"external_key": i.external_key, **_names(i), "kind": i.kind, "country_id": i.country_id,
            "region": i.region, "website": i.website}


def _project(p) -> dict:
    return {"external_key": p.external_key, **_names(p), "iati_identifier": queries.iati_identifier(p),
            "kind": p.kind, "status": p.status, "host_country_id": p.host_country_id, "start_date": p.start_date,
            "end_date": p.end_date, "target_trainees": p.target_trainees}


@router.get("/institutions", response=list[InstitutionOut], summary="Published institutions")
@_cached
@paginate(BoundedPagination)
def institutions(request, q: str = "", country: str = "", kind: str = "", field: str = "", language: str = ""):
    return queries.directory_institutions(q=q[:100], country=country, kind=kind, field=field,
                                          language=language).order_by("external_key")


@router.get("/institutions/{key}", response={200: InstitutionDetailOut, 404: ErrorOut},
            summary="One published institution: what it offers and its published projects")
@_cached
def institution(request, key: str):
    profile = queries.institution_profile(key)
    if profile is None:
        raise Http404(_("No published institution has this identifier."))
    inst = profile["institution"]
    return {**_institution(inst), "languages": [lang.pk for lang in inst.languages.all()],
            "fields": [f.pk for f in inst.fields.all()],
            "programmes": [{"id": p.external_key, **_names(p), "field": p.field_id, "isced_level": p.isced_level,
                            "duration_months": p.duration_months, "languages": [x.pk for x in p.languages.all()],
                            "intake_capacity": p.intake_capacity} for p in profile["programmes"]],
            "projects": [p.external_key for p, _cell in profile["projects"]]}


@router.get("/projects", response=list[ProjectOut], summary="Published cooperation projects")
@_cached
@paginate(BoundedPagination)
def projects(request, q: str = "", country: str = "", kind: str = "", status: str = ""):
    return (queries.directory_projects(q=q[:100], country=country, kind=kind, status=status)
            .select_related("iati_publication").order_by("external_key"))


@router.get("/projects/{key}", response={200: ProjectDetailOut, 404: ErrorOut},
            summary="One published project, with trainees enrolled (withheld when fewer than 5)")
@_cached
def project(request, key: str):
    profile = queries.project_profile(key)
    if profile is None:
        raise Http404(_("No published project has this identifier."))
    cell = profile["enrolled"]
    return {**_project(profile["project"]), "chinese_institutions": [i.external_key for i in profile["chinese"]],
            "partner_institutions": [i.external_key for i in profile["partners"]],
            "trainees_enrolled": cell.value, "trainees_withheld": cell.suppressed}


@router.get("/enterprises", response=list[EnterpriseOut], summary="Enterprises that agreed to be listed")
@_cached
@paginate(BoundedPagination)
def enterprises(request, q: str = "", country: str = "", sector: str = ""):
    return queries.directory_enterprises(q=q[:100], country=country, sector=sector).order_by("external_key")


@router.get("/enterprises/{key}", response={200: EnterpriseDetailOut, 404: ErrorOut},
            summary="One listed enterprise: what it seeks and the published projects it takes part in")
@_cached
def enterprise(request, key: str):
    profile = queries.enterprise_profile(key)
    if profile is None:
        raise Http404(_("No listed enterprise has this identifier."))
    x = profile["enterprise"]
    return {"external_key": x.external_key, **_names(x), "sector": x.sector, "country_id": x.country_id,
            "region": x.region, "website": x.website, "chinese_funded": x.chinese_funded,
            "open_vacancies": profile["open_vacancies"], "open_training_orders": profile["open_orders"],
            "occupations": [o.esco_id for o in profile["occupations"]],
            "projects": [p.external_key for p, _cell in profile["projects"]]}
