"""REST router for outcomes (mounted by the API root). Privacy is part of the schemas: the trainee
schema without identity hash and baseline income is the only one enterprise staff ever get, and
income endpoints answer 403 to anyone who may not see incomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from tvetbridge.core.api import AUTH, AUTH_ERRORS, BoundedPagination, ErrorOut, ValidationErrorOut
from tvetbridge.registry.models import CooperationProject

from . import queries, services
from .impact_text import localised
from .models import IncomeObservation, QualityFlag
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
