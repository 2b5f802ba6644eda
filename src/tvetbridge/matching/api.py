"""The matching REST router (read-only): gap figures, the ranked proposals for one gap, and the stored
trainee ↔ vacancy candidate lists (same permissions as the pages).

Mount it with ``api.add_router("/matching", router)``. Accepting a proposal stays a page action for now.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tvetbridge.core.api import AUTH, AUTH_ERRORS, ErrorOut, Id

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
    name: str = Field(description="Stable component code, e.g. proximity, field_strength.")
    label: str = Field(description="The component's name in the request's language.")
    value: float
    weight: float
    contribution: float
    facts: dict[str, float] = Field(description="The numbers behind the component (km, counts, scores).")
    explanation: str = Field(description="The facts in a sentence, in the request's language.")


class ProposalOut(Schema):
    rank: int
    host: int
    partner: int
    expected_trainees: int
    cost: float
    income_gain: float
    currency: str
    wage: float | None = Field(description="The monthly wage cost and gain are computed from; null: none known.")
    wage_basis: str = Field(description="Where the wage comes from: offered, region, country or none.")
    wage_source: str = Field(description="The wage's source in a sentence, in the request's language.")
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
    ps = services.proposals_for(row)
    source = ps.wage_basis.source()
    return [{"rank": p.rank, "host": p.host.pk, "partner": p.partner.pk, "expected_trainees": p.expected_trainees,
             "cost": p.cost, "income_gain": p.income_gain, "currency": p.currency, "wage": ps.wage,
             "wage_basis": ps.wage_basis.kind, "wage_source": source, "score": p.score,
             "components": p.explained()} for p in ps.proposals]


class CandidateExplanationOut(Schema):
    skill_score: float = Field(description="Cosine similarity of the skill vectors, 0–1.")
    shared_skills: list[str]
    region_points: float
    region_note: str
    language_points: float
    languages: list[str] = Field(description="Required languages the trainee speaks.")
    missing_languages: list[str]


class TraineeCandidateOut(Schema):
    rank: int
    trainee: int = Field(description="Trainee id; no identity number or income is ever given here.")
    score: float
    home_region: str
    willing_to_relocate: bool
    explanation: CandidateExplanationOut | None


class VacancyMatchOut(Schema):
    rank: int
    vacancy: int
    title: str
    enterprise: str
    country: str
    region: str
    score: float
    explanation: CandidateExplanationOut | None


def _explanation(e: queries.Explanation | None) -> dict | None:
    if e is None:
        return None
    return {"skill_score": e.skill_score, "shared_skills": e.shared_skills, "region_points": e.region_points,
            "region_note": e.region_note, "language_points": e.language_points, "languages": e.languages,
            "missing_languages": e.missing_languages}


def _deny():
    raise PermissionDenied(_("You do not have permission to do this."))


@router.get("/vacancies/{vacancy_id}/candidates", response={200: list[TraineeCandidateOut], 404: ErrorOut,
                                                            **AUTH_ERRORS},
            summary="The best consenting trainees for a vacancy")
def vacancy_candidates(request, vacancy_id: Id):
    from tvetbridge.demand.models import SkillDemand

    vacancy = SkillDemand.objects.filter(pk=vacancy_id, kind=SkillDemand.Kind.VACANCY).first()
    if vacancy is None:
        raise Http404(_("No such vacancy."))
    if not request.user.has_perm("matching.view_vacancy_candidates", vacancy):
        _deny()
    rows, _lst = queries.candidates_of_vacancy(vacancy.pk)
    return [{"rank": r.rank, "trainee": r.pk, "score": r.score,
             "home_region": r.obj.home_region.name if r.obj.home_region else "",
             "willing_to_relocate": r.obj.willing_to_relocate, "explanation": _explanation(r.explanation)}
            for r in rows]


@router.get("/trainees/{trainee_id}/vacancies", response={200: list[VacancyMatchOut], 404: ErrorOut, **AUTH_ERRORS},
            summary="The best open vacancies for a trainee")
def trainee_vacancies(request, trainee_id: Id):
    from tvetbridge.outcomes.models import Trainee

    trainee = Trainee.objects.filter(pk=trainee_id).first()
    if trainee is None:
        raise Http404(_("No such trainee."))
    if not request.user.has_perm("matching.view_trainee_matches", trainee):
        _deny()
    rows, _lst = queries.vacancies_of_trainee(trainee.pk)
    return [{"rank": r.rank, "vacancy": r.pk, "title": r.obj.title, "enterprise": str(r.obj.enterprise),
             "country": r.obj.country_id, "region": r.obj.region.name if r.obj.region else "", "score": r.score,
             "explanation": _explanation(r.explanation)} for r in rows]
