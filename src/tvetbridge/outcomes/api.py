"""REST router for outcomes (mounted by the API root). Privacy is part of the schemas: the trainee
schema without identity hash and baseline income is the only one enterprise staff ever get, and
income endpoints answer 403 to anyone who may not see incomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from tvetbridge.core.api import (
    AUTH,
    AUTH_ERRORS,
    VERSION_ERRORS,
    BoundedPagination,
    ErrorOut,
    Id,
    ValidationErrorOut,
    set_etag,
    text,
    versioned_write,
)
from tvetbridge.core.models import Region
from tvetbridge.registry.models import CooperationProject

from . import queries, services
from .impact_text import localised
from .models import IncomeObservation, ProjectTarget, QualityFlag
from .money import Basis
from .rules import sees_identity, sees_incomes
from .services import project_impact

router = Router(auth=AUTH, tags=["outcomes"])
ERRORS = {**AUTH_ERRORS, 404: ErrorOut}


class TraineeOut(Schema):
    id: int
    external_key: str
    gender: str
    birth_year: int | None
    home_region: str | None
    prior_education: int | None
    consent_matching: bool
    is_synthetic: bool

    @staticmethod
    def resolve_home_region(obj):
        if isinstance(obj, dict):
            return obj.get("home_region")
        return obj.home_region.code if obj.home_region_id else None


class TraineePrivateOut(TraineeOut):
    identity_hash: str | None
    baseline_employment: str
    baseline_income: Decimal | None
    baseline_currency: str
    consent_follow_up: bool
    consent_date: dt.date | None


class TraineeIn(Schema):
    external_key: str
    identity_number: str | None = None
    gender: str = "unknown"
    birth_year: int | None = None
    prior_education: int | None = None
    baseline_employment: str = ""
    baseline_income: Decimal | None = None
    baseline_currency: str = ""
    consent_matching: bool = False
    consent_follow_up: bool = False
    consent_date: dt.date | None = None
    languages: list[str] = Field(default_factory=list,
                                 description="ISO 639-1 codes or tags as the UI writes them (zh-hans)")


class IncomeOut(Schema):
    period: dt.date
    amount: Decimal
    currency: str
    source: str
    verified: bool


class IncomeIn(Schema):
    period: dt.date
    amount: Decimal
    currency: str
    source: str
    verified: bool = False
    reason: str = Field("", max_length=100, description=(
        "Why a recorded income is corrected: required when the month and source already hold a different "
        "value, which the history keeps with this reason."))


@router.get("/outcomes/trainees", response={200: list[TraineeOut], **AUTH_ERRORS}, summary="Trainees I may see")
@paginate(BoundedPagination)
def list_trainees(request):
    if not request.user.has_perm("outcomes.view_trainees"):
        raise PermissionDenied
    return queries.trainees_for(request.user).select_related("home_region").order_by("pk")


@router.get("/outcomes/trainees/{trainee_id}", response={200: TraineePrivateOut | TraineeOut, **ERRORS})
def get_trainee(request, trainee_id: int):
    trainee = get_object_or_404(queries.trainees_for(request.user), pk=trainee_id)
    # The private schema is chosen only for those who may see it; others get the narrow one, whose
    # dict lacks the private keys so the union cannot widen it.
    if sees_identity(request.user, trainee):
        return TraineePrivateOut.from_orm(trainee).dict()
    return TraineeOut.from_orm(trainee).dict()


@router.post("/outcomes/trainees", response={201: TraineePrivateOut, **AUTH_ERRORS, 422: ValidationErrorOut})
def create_trainee(request, payload: TraineeIn):
    data = payload.dict()
    number = data.pop("identity_number")
    trainee = services.register_trainee(request.user, data, identity_number=number)
    return 201, trainee


@router.get("/outcomes/trainees/{trainee_id}/incomes", response={200: list[IncomeOut], **ERRORS})
def list_incomes(request, trainee_id: int):
    trainee = get_object_or_404(queries.trainees_for(request.user), pk=trainee_id)
    if not sees_incomes(request.user, trainee):
        raise PermissionDenied
    return list(trainee.incomes.order_by("period"))


@router.post("/outcomes/trainees/{trainee_id}/incomes", response={201: IncomeOut, **ERRORS, 422: ValidationErrorOut})
def add_income(request, trainee_id: int, payload: IncomeIn):
    trainee = get_object_or_404(queries.trainees_for(request.user), pk=trainee_id)
    if not sees_incomes(request.user, trainee):
        raise PermissionDenied
    return 201, services.record_income(request.user, {"trainee": trainee, **payload.dict()})


class StepOut(Schema):
    key: str
    label: str
    count: int | None
    suppressed: bool
    cost_per: float | None


class ChainOut(Schema):
    basis: str
    steps: list[StepOut]
    spending: float | None
    median_gain: float | None


@router.get("/outcomes/projects/{project_id}/results", response={200: ChainOut, **ERRORS}, auth=None,
            summary="Results chain of a project (public: cells under 5 people suppressed)")
def project_results(request, project_id: int, currency: str = "USD", prices: str = "real", base_year: int = 2024):
    project = get_object_or_404(CooperationProject, pk=project_id)
    basis = Basis.from_params({"currency": currency, "prices": prices, "base_year": base_year})
    return queries.results_chain(CooperationProject.objects.filter(pk=project.pk), basis,
                                 public=queries.is_public(request.user))


@router.get("/outcomes/projects/{project_id}/impact", response={200: dict, **ERRORS},
            summary="Impact estimates with intervals, diagnostics and assumptions")
def impact(request, project_id: int, comparison: str = "applicants", currency: str = "USD",
           prices: str = "real", base_year: int = 2024):
    if not request.user.has_perm("outcomes.view_project_internals"):
        raise PermissionDenied
    project = get_object_or_404(CooperationProject, pk=project_id)
    basis = Basis.from_params({"currency": currency, "prices": prices, "base_year": base_year})
    return localised(project_impact(project, comparison=comparison, basis=basis))


@router.get("/outcomes/projects/{project_id}/targets", response={200: list[dict], **ERRORS})
def targets(request, project_id: int):
    if not request.user.has_perm("outcomes.view_project_internals"):
        raise PermissionDenied
    project = get_object_or_404(CooperationProject, pk=project_id)
    return queries.target_progress(project)


class TargetOut(Schema):
    id: int
    version: int = Field(description="Send it back as If-Match (the ETag) or in the body when you change the target.")
    project: int = Field(alias="project_id")
    region: str | None = Field(None, description="ISO 3166-2 or platform code of the county/region; null: whole project.")
    indicator: str
    value: Decimal
    currency: str
    base_year: int | None
    due: dt.date | None
    note: str

    @staticmethod
    def resolve_region(obj):
        return obj.region.code if obj.region_id else None


class TargetIn(Schema):
    region: text(20) | None = None
    indicator: text(20)
    value: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: text(3) = ""
    base_year: int | None = Field(None, ge=1990, le=2100)
    due: dt.date | None = None
    note: text(300) = ""


class TargetPatch(Schema):
    version: int | None = Field(None, description="The version you read, if you do not send If-Match.")
    region: text(20) | None = None
    indicator: text(20) | None = None
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: text(3) | None = None
    base_year: int | None = Field(None, ge=1990, le=2100)
    due: dt.date | None = None
    note: text(300) | None = None


TARGET_WRITE_ERRORS = {**ERRORS, **VERSION_ERRORS, 422: ValidationErrorOut}


def _target_data(project: CooperationProject, fields: dict) -> dict:
    """Payload fields as service data; a region is named by its code within the host country."""
    data = dict(fields)
    if "region" in data:
        code = data.pop("region")
        region = None
        if code:
            region = Region.objects.filter(code=code, country_id=project.host_country_id).first()
            if region is None:
                raise ValidationError({"region": [_("No county or region %(code)s in the project's host country.")
                                                  % {"code": code}]})
        data["region"] = region
    return data


@router.post("/outcomes/projects/{project_id}/targets", response={201: TargetOut, **TARGET_WRITE_ERRORS},
             summary="Set a results target of a project (whole project or one county/region)")
def create_target(request, project_id: Id, payload: TargetIn, response: HttpResponse):
    project = get_object_or_404(CooperationProject, pk=project_id)
    if not services.may_set_targets(request.user, project):
        raise PermissionDenied
    target = services.set_target(request.user, {**_target_data(project, payload.dict()), "project": project})
    set_etag(response, target)
    return Status(201, target)


def _target(request, target_id: int) -> ProjectTarget:
    target = get_object_or_404(ProjectTarget.objects.select_related("project", "region"), pk=target_id)
    if not request.user.has_perm("outcomes.view_projecttarget", target) or not request.user.has_perm(
            "outcomes.view_project_internals"):
        raise PermissionDenied
    return target


@router.get("/outcomes/targets/{target_id}", response={200: TargetOut, **ERRORS}, summary="One results target")
def get_target(request, target_id: Id, response: HttpResponse):
    target = _target(request, target_id)
    set_etag(response, target)
    return target


@router.patch("/outcomes/targets/{target_id}", response={200: TargetOut, **TARGET_WRITE_ERRORS},
              summary="Change a results target")
def update_target(request, target_id: Id, payload: TargetPatch, response: HttpResponse):
    target = _target(request, target_id)
    services.require(request.user, "change", ProjectTarget, target)  # refused before asked for a version
    fields = payload.dict(exclude_unset=True)
    body_version = fields.pop("version", None)
    data = _target_data(target.project, {k: ("" if v is None and k in ("currency", "note") else v)
                                         for k, v in fields.items()})
    versioned_write(request, body_version, lambda expected: services.set_target(
        request.user, data, instance=target, expected_version=expected))
    target = _target(request, target_id)
    set_etag(response, target)
    return target


@router.delete("/outcomes/targets/{target_id}", response={204: None, **TARGET_WRITE_ERRORS},
               summary="Delete a results target")
def delete_target(request, target_id: Id):
    target = _target(request, target_id)
    services.require(request.user, "delete", ProjectTarget, target)
    versioned_write(request, None, lambda expected: services.delete_target(request.user, target,
                                                                            expected_version=expected))
    return Status(204, None)


class FlagOut(Schema):
    id: int
    project_id: int
    rule: str
    status: str
    summary: str
    evidence: dict


class ReviewIn(Schema):
    status: str
    comment: str


@router.get("/outcomes/flags", response={200: list[FlagOut], **AUTH_ERRORS})
def list_flags(request):
    return [f for f in QualityFlag.objects.select_related("project")
            if request.user.has_perm("outcomes.view_qualityflag", f)]


@router.post("/outcomes/flags/{flag_id}/review", response={200: FlagOut, **ERRORS, 422: ValidationErrorOut})
def review(request, flag_id: int, payload: ReviewIn):
    flag = get_object_or_404(QualityFlag, pk=flag_id)
    return services.review_flag(request.user, flag, status=payload.status, comment=payload.comment)


__all__ = ["IncomeObservation", "router"]
