"""Finance REST endpoints (mounted by the lead under /api/v1/finance).

Same rules and services as the pages: bad terms come back as 422 with errors by field (the root API's
ValidationError handler), missing permission as 403, and nothing is saved in either case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import BaseModel, ConfigDict

from tvetbridge.core.api import AUTH, MAX_ID, ErrorOut, Id, ValidationErrorOut, _storable, text

from . import queries, services
from .models import INSTRUMENT_MODELS, Fund, SimulationRun

router = Router(auth=AUTH, tags=["finance"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class FundOut(Schema):
    id: int
    name: str
    currency: str
    projects: list[int]


class FundIn(Schema):
    name: text(300, 1)
    currency: text(3) = Field(description="ISO 4217 code of a currency the platform knows, e.g. CNY.")
    projects: list[Id] = Field([], max_length=100)


class LineIn(Schema):
    account: Id
    amount: Decimal = Field(description="Debit > 0, credit < 0, at most two decimals.")


class TransactionIn(Schema):
    date: dt.date
    description: text(300)
    kind: text(20)
    project: Id | None = None
    lines: list[LineIn] = Field(max_length=200)


class TransactionOut(Schema):
    id: int
    date: dt.date
    kind: str


class BalanceOut(Schema):
    account: str
    name: str
    kind: str
    currency: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class RunOut(Schema):
    id: int
    status: str
    progress: float
    stage: str
    error: str
    result: dict[str, Any] | None


def _fund(request, pk: int, action: str = "view") -> Fund:
    fund = get_object_or_404(Fund, pk=pk)
    if not request.user.has_perm(f"finance.{action}_fund", fund):
        raise PermissionDenied(_("You may not %(action)s this fund.") % {"action": action})
    return fund


def _fund_out(fund: Fund) -> dict:
    return {"id": fund.pk, "name": fund.name, "currency": fund.currency,
            "projects": list(fund.projects.values_list("pk", flat=True))}


@router.get("/funds", response={200: list[FundOut], 401: ErrorOut})
def list_funds(request):
    return [_fund_out(f) for f in queries.visible_funds(request.user)]


@router.post("/funds", response={201: FundOut, **ERRORS})
def create_fund(request, payload: FundIn):
    from tvetbridge.registry.models import CooperationProject

    if not request.user.has_perm("finance.add_fund"):
        raise PermissionDenied(_("Only fund managers may create funds."))
    data = payload.dict()
    wanted = set(data["projects"])
    data["projects"] = list(CooperationProject.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {p.pk for p in data["projects"]})
    if missing:
        raise ValidationError({"projects": [_("No project with id %(ids)s.") % {
            "ids": ", ".join(map(str, missing))}]})
    with transaction.atomic():  # a fund and its accounts, or nothing
        fund = services.create_fund(request.user, data)
        services.open_standard_accounts(request.user, fund)
    return 201, _fund_out(fund)


@router.get("/funds/{fund_id}", response={200: FundOut, **ERRORS})
def get_fund(request, fund_id: Id):
    return _fund_out(_fund(request, fund_id))


class TermsIn(BaseModel):
    """An instrument's fields as a flat object (see the operation's description).

    A plain pydantic model: ninja's Schema reads its input through attribute getters and would drop
    the fields it does not declare, which here are all of them."""

    model_config = ConfigDict(extra="allow")


class TermsOut(Schema):
    id: int
    kind: str


# Fields a client may set on an instrument; pricing fields are the engine's output, not input.
_NOT_INPUT = {"id", "fund", "created", "updated", "fair_value", "fair_value_se", "priced_at"}


def _term_fields(kind: str) -> dict[str, models.Field]:
    model = INSTRUMENT_MODELS[kind]
    return {f.name: f for f in model._meta.concrete_fields if f.editable and f.name not in _NOT_INPUT}


def _term_data(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The body as model values: known fields only, each of a JSON type its field can take."""
    fields = _term_fields(kind)
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in payload.items():
        field = fields.get(key)
        if field is None:
            errors[key] = [_("Unknown field; expected one of: %(fields)s.") % {"fields": ", ".join(sorted(fields))}]
            continue
        if value is None:
            data[field.attname] = None
            continue
        if field.is_relation:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
                errors[key] = [_("Give the id of the record (a positive whole number).")]
                continue
        elif isinstance(field, models.BooleanField):
            if not isinstance(value, bool):
                errors[key] = [_("Give true or false.")]
                continue
        elif isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                errors[key] = [_("Give a number.")]
                continue
        elif not isinstance(value, str):  # text, choices and dates
            errors[key] = [_("Give a text value.")]
            continue
        if isinstance(value, str):
            try:
                _storable(value)
            except ValueError as exc:
                errors[key] = [str(exc)]
                continue
        data[field.attname] = value
    if errors:
        raise ValidationError(errors)
    return data


@router.post("/funds/{fund_id}/terms/{kind}", response={201: TermsOut, **ERRORS})
def create_terms(request, fund_id: Id, kind: Literal["order", "floor", "share", "option", "sponsor"],
                 payload: TermsIn):
    """Record an instrument; the body holds its fields (percentages as 0–100, foreign keys as ids).

    An order commitment names its skill demand (``demand``); its enterprise, currency and payment per
    graduate default to the demand's and must agree with it. Bad terms: 422 with errors by field,
    nothing saved."""
    fund = _fund(request, fund_id, "change")
    obj = services.create_instrument(request.user, fund, kind, _term_data(kind, payload.model_extra or {}))
    return 201, {"id": obj.pk, "kind": kind}


@router.get("/funds/{fund_id}/balances", response={200: list[BalanceOut], **ERRORS})
def balances(request, fund_id: Id, as_of: dt.date | None = None):
    fund = _fund(request, fund_id)
    return [{"account": r["code"], "name": r["name"], "kind": r["kind"], "currency": r["currency"],
             "debit": r["debit"], "credit": r["credit"], "balance": r["balance"]}
            for r in queries.balances(fund=fund, as_of=as_of)]


@router.post("/funds/{fund_id}/transactions", response={201: TransactionOut, **ERRORS})
def post_transaction(request, fund_id: Id, payload: TransactionIn):
    """Post a balanced transaction: amounts > 0 debit, < 0 credit; they must sum to zero per currency."""
    from tvetbridge.registry.models import CooperationProject

    fund = _fund(request, fund_id, "post")
    project = get_object_or_404(CooperationProject, pk=payload.project) if payload.project else None
    txn = services.post_transaction(request.user, fund=fund, date=payload.date, description=payload.description,
                                    kind=payload.kind, project=project,
                                    lines=[(line.account, line.amount) for line in payload.lines])
    return 201, {"id": txn.pk, "date": txn.date, "kind": txn.kind}


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS})
def get_run(request, run_id: Id):
    run = get_object_or_404(SimulationRun, pk=run_id)
    if not request.user.has_perm("finance.view_simulationrun", run):
        raise PermissionDenied(_("You may not see this run."))
    return run
