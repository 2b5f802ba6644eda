"""Finance REST endpoints (mounted by the lead under /api/v1/finance).

Same rules and services as the pages: bad terms come back as 422 with errors by field (the root API's
ValidationError handler), missing permission as 403, and nothing is saved in either case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tvetbridge.core.api import AUTH, ErrorOut, ValidationErrorOut

from . import queries, services
from .models import Fund, SimulationRun

router = Router(auth=AUTH, tags=["finance"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class FundOut(Schema):
    id: int
    name: str
    currency: str
    projects: list[int]


class FundIn(Schema):
    name: str
    currency: str
    projects: list[int] = []


class LineIn(Schema):
    account: int
    amount: Decimal


class TransactionIn(Schema):
    date: dt.date
    description: str
    kind: str
    project: int | None = None
    lines: list[LineIn]


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


@router.get("/funds", response=list[FundOut])
def list_funds(request):
    return [_fund_out(f) for f in queries.visible_funds(request.user)]


@router.post("/funds", response={201: FundOut, **ERRORS})
def create_fund(request, payload: FundIn):
    from tvetbridge.registry.models import CooperationProject

    data = payload.dict()
    data["projects"] = list(CooperationProject.objects.filter(pk__in=data["projects"]))
    fund = services.create_fund(request.user, data)
    services.open_standard_accounts(request.user, fund)
    return 201, _fund_out(fund)


@router.get("/funds/{fund_id}", response={200: FundOut, **ERRORS})
def get_fund(request, fund_id: int):
    return _fund_out(_fund(request, fund_id))


@router.post("/funds/{fund_id}/terms/{kind}", response={201: dict[str, Any], **ERRORS})
def create_terms(request, fund_id: int, kind: Literal["order", "floor", "share", "option", "sponsor"],
                 payload: dict[str, Any]):
    """Record an instrument; the body holds its fields (percentages as 0–100, foreign keys as ids)."""
    fund = _fund(request, fund_id, "change")
    data = {}
    for key, value in payload.items():
        data[key + "_id" if key in {"enterprise", "project", "party", "investor"} else key] = value
    obj = services.create_instrument(request.user, fund, kind, data)
    return 201, {"id": obj.pk, "kind": kind}


@router.get("/funds/{fund_id}/balances", response={200: list[BalanceOut], **ERRORS})
def balances(request, fund_id: int, as_of: dt.date | None = None):
    fund = _fund(request, fund_id)
    return [{"account": r["code"], "name": r["name"], "kind": r["kind"], "currency": r["currency"],
             "debit": r["debit"], "credit": r["credit"], "balance": r["balance"]}
            for r in queries.balances(fund=fund, as_of=as_of)]


@router.post("/funds/{fund_id}/transactions", response={201: TransactionOut, **ERRORS})
def post_transaction(request, fund_id: int, payload: TransactionIn):
    """Post a balanced transaction: amounts > 0 debit, < 0 credit; they must sum to zero per currency."""
    from tvetbridge.registry.models import CooperationProject

    fund = _fund(request, fund_id, "post")
    project = get_object_or_404(CooperationProject, pk=payload.project) if payload.project else None
    txn = services.post_transaction(request.user, fund=fund, date=payload.date, description=payload.description,
                                    kind=payload.kind, project=project,
                                    lines=[(line.account, line.amount) for line in payload.lines])
    return 201, {"id": txn.pk, "date": txn.date, "kind": txn.kind}


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS})
def get_run(request, run_id: int):
    run = get_object_or_404(SimulationRun, pk=run_id)
    if not request.user.has_perm("finance.view_simulationrun", run):
        raise PermissionDenied(_("You may not see this run."))
    return run
