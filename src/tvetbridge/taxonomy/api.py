"""The taxonomy's REST router: occupations, skills, ISCO-08 groups (public reference data) and free-text
coding (signed-in users). Mount it with ``api.add_router("/taxonomy", router)``."""


from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tvetbridge.core.api import (
    AUTH,
    AUTH_ERRORS,
    BoundedPagination,
    ErrorOut,
    ValidationErrorOut,
    request_language,
    text,
)

from . import queries, services
from .models import IscoGroup, Occupation, Skill

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
