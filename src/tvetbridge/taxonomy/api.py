"""The taxonomy's REST router: occupations, skills, ISCO-08 groups (public reference data) and free-text
coding (signed-in users). Mount it with ``api.add_router("/taxonomy", router)``."""


import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema
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

from . import queries, services
from .models import LABEL_LANGUAGES, IscoGroup, LabelProposal, Occupation, Skill

router = Router(tags=["taxonomy"])

EscoId = text(40, 1)
IscoCode = text(4, 1)
FreeText = text(5000, 1)


class IscoGroupOut(Schema):
    code: str
    label: str
    parent: str | None = Field(None, alias="parent_id")


class OccupationOut(Schema):
    id: int
    esco_id: str
    uri: str
    code: str
    isco_group: str = Field(alias="isco_group_id")
    label: str
    label_en: str
    label_zh_hans: str | None
    label_ru: str | None
    label_kk: str | None


class SkillOut(Schema):
    id: int
    esco_id: str
    uri: str
    label: str
    label_en: str
    label_zh_hans: str | None
    label_ru: str | None
    label_kk: str | None
    type: str
    reuse: str


class OccupationDetailOut(OccupationOut):
    description: str
    alt_labels: list[str]
    csco: str | None
    essential_skills: list[SkillOut]
    optional_skills: list[SkillOut]


class SearchFilter(Schema):
    q: text(100) | None = Field(None, description="Words to find in labels (preferred or alternative).")
    scope: str = Field("any", pattern="^(any|active)$",
                       description="'any': labels of every language; 'active': only the request language.")
    isco: IscoCode | None = Field(None, description="Only occupations in this ISCO-08 group (any level).")


class CodeIn(Schema):
    text: FreeText = Field(description="A job or programme description in en, zh, ru or kk.")
    occupations: int = Field(5, ge=1, le=20)
    skills: int = Field(10, ge=1, le=50)


class OccupationSuggestionOut(Schema):
    occupation: OccupationOut
    score: float


class SkillSuggestionOut(Schema):
    skill: SkillOut
    score: float


class CodeOut(Schema):
    encoder: str
    occupations: list[OccupationSuggestionOut]
    skills: list[SkillSuggestionOut]


def _search(request, model, f: SearchFilter):
    language = request_language(request)
    if f.q and f.q.strip():
        items = queries.search(f.q, kind="occupations" if model is Occupation else "skills", scope=f.scope,
                               language=language, limit=queries.MAX_CANDIDATES).items
        if f.isco and model is Occupation:
            items = [o for o in items if o.isco_group_id.startswith(f.isco)]
        # Back to a queryset in rank order, so the shared pagination can count and slice it.
        ranked = [obj.pk for obj in items]
        order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)], default=Value(len(ranked)))
        return model.objects.filter(pk__in=ranked).order_by(order)
    qs = model.objects.order_by("pk")
    if f.isco and model is Occupation:
        qs = qs.filter(isco_group__code__startswith=f.isco)
    return qs




@router.get("/isco-groups", response=list[IscoGroupOut], summary="ISCO-08 groups")
def isco_groups(request, parent: IscoCode | None = None):
    translation.activate(request_language(request))
    qs = IscoGroup.objects.all()
    return qs.filter(parent_id=parent) if parent else qs.filter(parent__isnull=True)


@router.get("/occupations", response=list[OccupationOut], summary="Occupations (search and filter)")
@paginate(BoundedPagination)
def list_occupations(request, filters: Query[SearchFilter]):
    translation.activate(request_language(request))
    return _search(request, Occupation, filters)


@router.get("/occupations/{esco_id}", response={200: OccupationDetailOut, 404: ErrorOut},
            summary="An occupation with its essential and optional skills")
def get_occupation(request, esco_id: EscoId):
    translation.activate(request_language(request))
    obj = get_object_or_404(Occupation.objects.select_related("csco"), esco_id=esco_id)
    detail = queries.occupation_detail(obj)
    return {**OccupationOut.from_orm(obj).model_dump(by_alias=True), "description": obj.description or "",
            "alt_labels": obj.alt_label_list, "csco": obj.csco.code if obj.csco else None,
            "essential_skills": detail["essential"], "optional_skills": detail["optional"]}


@router.get("/skills", response=list[SkillOut], summary="Skills (search)")
@paginate(BoundedPagination)
def list_skills(request, filters: Query[SearchFilter]):
    translation.activate(request_language(request))
    return _search(request, Skill, filters)


@router.get("/skills/{esco_id}", response={200: SkillOut, 404: ErrorOut}, summary="A skill")
def get_skill(request, esco_id: EscoId):
    translation.activate(request_language(request))
    return get_object_or_404(Skill, esco_id=esco_id)


@router.post("/code", response={200: CodeOut, **AUTH_ERRORS, 422: ValidationErrorOut}, auth=AUTH,
             summary="Propose occupations and skills for a free-text description")
def code_text(request, payload: CodeIn):
    from django.core.exceptions import PermissionDenied

    if not request.user.has_perm("taxonomy.code_text"):
        raise PermissionDenied
    translation.activate(request_language(request))
    result = services.code_text(payload.text, n_occupations=payload.occupations, n_skills=payload.skills)
    return {"encoder": result.encoder,
            "occupations": [{"occupation": s.occupation, "score": s.score} for s in result.occupations],
            "skills": [{"skill": s.skill, "score": s.score} for s in result.skills]}


# ------------------------------------------------------------------------------------ label proposals
# Members propose labels (one or many at once), coordinators approve or reject them; a decision names
# the version it was made on (If-Match, or ``version`` in the body), so two coordinators deciding at
# once get a conflict instead of the later silently overriding the earlier.

WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
MAX_BULK = 1000


class LabelProposalOut(Schema):
    id: int
    version: int
    kind: str
    key: str = Field(description="Occupation: ESCO code; skill: ESCO identifier; ISCO-08 group: its code.")
    language: str
    label: str
    source: str
    comment: str
    status: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    replaced_label: str

    @staticmethod
    def resolve_key(obj):
        return getattr(obj.concept, services.CONCEPT_KEYS[obj.kind])

    @staticmethod
    def resolve_proposed_by(obj):
        return obj.proposed_by.get_username()

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.get_username() if obj.decided_by else None


class LabelProposalIn(Schema):
    kind: Literal["occupation", "skill", "isco_group"]
    key: text(60, 1)
    language: text(10, 1) = Field(description=f"One of {', '.join(LABEL_LANGUAGES)} (ISO 639 codes are accepted).")
    label: text(400)
    source: text(400) = Field(description="A classifier (e.g. ОКЗ OK 010-2014), a document or a web address.")
    comment: text(2000) = ""


class LabelBulkIn(Schema):
    items: list[LabelProposalIn] = Field(min_length=1, max_length=MAX_BULK)
    approve: bool = Field(False, description="Coordinators only: approve every label at once.")


class LabelCreateIn(LabelProposalIn):
    approve: bool = Field(False, description="Coordinators only: approve the label at once.")


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    reason: text(2000) = Field("", description="Why; required to reject.")
    version: int | None = Field(None, description="The version decided on, when no If-Match header is sent.")


class LabelFilter(Schema):
    language: Literal["zh-hans", "ru", "kk"] | None = None
    status: Literal["proposed", "approved", "rejected", "superseded"] | None = None
    kind: Literal["occupation", "skill", "isco_group"] | None = None


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _draft(item: LabelProposalIn) -> services.LabelDraft:
    return services.draft_label(item.kind, item.key, item.language, item.label, item.source, item.comment)


@router.get("/label-proposals", response={200: list[LabelProposalOut], **AUTH_ERRORS, 422: ValidationErrorOut},
            auth=AUTH, summary="Label proposals (filter by language, status, kind)")
@paginate(BoundedPagination)
def list_label_proposals(request, filters: Query[LabelFilter]):
    _need(request, "taxonomy.view_labelproposal")
    return queries.label_proposals(**{k: v for k, v in filters.dict().items() if v})


@router.post("/label-proposals", response={201: LabelProposalOut, **WRITE_ERRORS}, auth=AUTH,
             summary="Propose a label (coordinators may approve it at once)")
def create_label_proposal(request, payload: LabelCreateIn, response: HttpResponse):
    _need(request, "taxonomy.add_labelproposal")
    proposal = services.propose_label(request.user, _draft(payload), approve=payload.approve)
    set_etag(response, proposal)
    return 201, proposal


@router.post("/label-proposals/bulk", response={201: list[LabelProposalOut], **WRITE_ERRORS}, auth=AUTH,
             summary="Propose many labels at once: all are written, or none")
def bulk_create_label_proposals(request, payload: LabelBulkIn):
    _need(request, "taxonomy.add_labelproposal")
    if payload.approve:
        _need(request, "taxonomy.approve_labelproposal")
    drafts, errors = [], {}
    for index, item in enumerate(payload.items):
        try:
            drafts.append(_draft(item))
        except ValidationError as exc:
            errors.update({f"items.{index}.{name}": messages for name, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return 201, services.propose_labels(request.user, drafts, approve=payload.approve)


@router.get("/label-proposals/{proposal_id}", response={200: LabelProposalOut, **AUTH_ERRORS, 404: ErrorOut},
            auth=AUTH, summary="One label proposal (its ETag is its version)")
def get_label_proposal(request, proposal_id: Id, response: HttpResponse):
    _need(request, "taxonomy.view_labelproposal")
    obj = get_object_or_404(queries.label_proposals(), pk=proposal_id)
    set_etag(response, obj)
    return obj


@router.post("/label-proposals/{proposal_id}/decision",
             response={200: LabelProposalOut, **WRITE_ERRORS, **VERSION_ERRORS}, auth=AUTH,
             summary="Approve or reject a proposal (If-Match or version required)")
def decide_label_proposal(request, proposal_id: Id, payload: DecisionIn, response: HttpResponse):
    _need(request, "taxonomy.approve_labelproposal")
    obj = get_object_or_404(LabelProposal, pk=proposal_id)
    saved = versioned_write(request, payload.version, lambda expected: services.decide_label(
        request.user, obj, approve=payload.decision == "approve", reason=payload.reason, expected_version=expected))
    saved = queries.label_proposals().get(pk=saved.pk)
    set_etag(response, saved)
    return saved
