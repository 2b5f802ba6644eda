"""The matching REST router (read-only): gap figures and the ranked proposals for one gap.

Mount it with ``api.add_router("/matching", router)``. Accepting a proposal stays a page action for now.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tvetbridge.core.api import AUTH, AUTH_ERRORS, ErrorOut

from . import queries, services

router = Router(auth=AUTH, tags=["matching"])


class GapOut(Schema):
    key: str
    country: str
    region: str
    code: str = Field(description="ESCO code of the occupation, or ESCO identifier of the skill.")
    label: str
    demand: float
    supply: float = Field(description="Expected graduates within the radius and horizon.")
    gap: float
    demand_ids: list[int]


class GapFilter(Schema):
    view: str = Field("occupation", pattern="^(occupation|skill)$")
    country: str = Field("", max_length=2)
    horizon: int = Field(queries.DEFAULT_HORIZON_DAYS, ge=1, le=3650)
    radius_km: float = Field(queries.DEFAULT_RADIUS_KM, ge=0, le=5000)


class ComponentOut(Schema):
    name: str
    value: float
    weight: float
    contribution: float
    explanation: str


class ProposalOut(Schema):
    rank: int
    host: int
    partner: int
    expected_trainees: int
    cost: float
    income_gain: float
    currency: str
    score: float
    components: list[ComponentOut]


def _check(request) -> None:
    if not request.user.has_perm("matching.view_gaps"):
        raise PermissionDenied(_("You do not have permission to do this."))


def _params(f: GapFilter) -> queries.GapParams:
    return queries.GapParams(view=f.view, country=f.country.upper(), horizon=f.horizon, radius_km=f.radius_km)


def _gap_out(r: queries.GapRow) -> dict:
    return {"key": r.key, "country": r.country, "region": r.region, "code": r.code, "label": r.label,
            "demand": r.demand, "supply": r.supply, "gap": r.gap, "demand_ids": r.demand_ids}


@router.get("/gaps", response={200: list[GapOut], **AUTH_ERRORS})
def gap_list(request, filters: Query[GapFilter]):
    _check(request)
    return [_gap_out(r) for r in queries.gaps(_params(filters)).rows]


@router.get("/gaps/{key}/proposals", response={200: list[ProposalOut], 404: ErrorOut, **AUTH_ERRORS})
def gap_proposals(request, key: str, filters: Query[GapFilter]):
    _check(request)
    try:
        row = queries.find_gap(key, _params(filters))
    except ValueError:
        row = None
    if row is None or not row.is_occupation:
        raise Http404(_("No such gap."))
    return [{"rank": p.rank, "host": p.host.pk, "partner": p.partner.pk, "expected_trainees": p.expected_trainees,
             "cost": p.cost, "income_gain": p.income_gain, "currency": p.currency, "score": p.score,
             "components": [vars(c) for c in p.components]} for p in services.proposals_for(row).proposals]
