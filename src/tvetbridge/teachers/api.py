"""The teachers REST router: bilingual teachers with their language levels, the shortage analysis and
its ranked candidates, teacher development, dispatches, and the public HSK test centres.

Mount it with ``api.add_router("/teachers", router)``. Reads are scoped by ``queries.visible_*`` (who
sees which teachers) and computed by ``queries`` exactly as the pages are; writes go through
``teachers.services`` only, so the API refuses what the pages refuse (a dispatch approved without the
pre-departure training, a level that is not on its scale) with the same messages.
"""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
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
    Search,
    ValidationErrorOut,
    request_language,
    set_etag,
    text,
    versioned_write,
)
from tvetbridge.core.api import bearer as bearer_auth
from tvetbridge.core.api import django_auth as session_auth
from tvetbridge.core.services import require
from tvetbridge.outcomes import queries as outcomes_queries
from tvetbridge.registry.models import CooperationProject, FacultyMember, Institution
from tvetbridge.registry.schemas import choice

from . import queries, services
from .engine import scales
from .models import (
    Assignment,
    ChineseTest,
    DevelopmentProgramme,
    HskCentre,
    LanguageProficiency,
    Participation,
    Scale,
    level_label,
)

router = Router(auth=AUTH, tags=["teachers"])

READ_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, **VERSION_ERRORS, 422: ValidationErrorOut}

LanguageCode = text(3, 2)
FieldCode = text(4, 1)


def anonymous(request: HttpRequest) -> bool:
    """Lets a caller who sends no credentials through as the public; a bad token is still refused."""
    return "Authorization" not in request.headers


# Public reads: the public sees published counts, a signed-in member (token or session) the full ones.
PUBLIC_AUTH = [bearer_auth, session_auth, anonymous]


def _require(request: HttpRequest, perm: str, model=None) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("You may not view %(model)s records.") % {"model": model._meta.verbose_name}
                               if model is not None else _("You may not do this."))


def _in_language(request: HttpRequest) -> None:
    # Labels and explanations are composed in the reader's language (?lang=, Accept-Language).
    translation.activate(request_language(request))


# ---------------------------------------------------------------------------------------------------
# Language levels


class LanguageLevelOut(Schema):
    scale: str = Field(description="cefr, hsk3, hsk2, torfl, kaztest or native.")
    level: str
    label: str = Field(description="The level as people write it, e.g. “HSK 4 (3.0)”, “ТРКИ-2”.")
    cefr: str = Field(description="The CEFR level it compares to (docs/language-scales.md), or native.")


def _level(scale: str, level: str) -> dict:
    held = scales.Level(scale, level)
    return {"scale": scale, "level": level, "label": level_label(scale, level), "cefr": held.cefr}


class ProficiencyOut(LanguageLevelOut):
    id: int | None = Field(description="Null for a level the registry holds only as self-declared.")
    version: int | None
    language: str
    declared: bool = Field(description="True for a self-declared CEFR level from the registry's faculty record.")
    certified: bool
    certificate: str
    certified_on: dt.date | None
    issuer: str


def _proficiency(p: LanguageProficiency) -> dict:
    return {**_level(p.scale, p.level), "id": p.pk, "version": p.version, "language": p.language_id,
            "declared": False, "certified": p.certified, "certificate": p.certificate,
            "certified_on": p.certified_on, "issuer": p.issuer}


def _languages(faculty: FacultyMember) -> list[dict]:
    """Structured levels first; a self-declared registry level only for a language without one, as
    ``queries.best_ranks`` counts them."""
    out = [_proficiency(p) for p in faculty.proficiencies.all()]
    structured = {p["language"] for p in out}
    for skill in faculty.language_skills.all():
        if skill.language_id in structured:
            continue
        try:
            held = scales.from_short(skill.level)
        except scales.ScaleError:
            continue
        out.append({**_level(held.scale, held.level), "id": None, "version": None, "language": skill.language_id,
                    "declared": True, "certified": False, "certificate": "", "certified_on": None, "issuer": ""})
    return out


# ---------------------------------------------------------------------------------------------------
# Teachers


class TeacherOut(Schema):
    id: int
    version: int
    external_key: str
    institution: int = Field(alias="institution_id")
    institution_name: str
    country: str | None = Field(description="The institution's country.")
    full_name: str
    position: str
    fields: list[str] = Field(description="ISCED-F codes the teacher teaches.")
    willing_to_dispatch: bool
    languages: list[ProficiencyOut]
    is_synthetic: bool

    @staticmethod
    def resolve_institution_name(obj):
        return obj.institution.name

    @staticmethod
    def resolve_country(obj):
        return obj.institution.country_id

    @staticmethod
    def resolve_fields(obj):
        return [f.code for f in obj.fields.all()]

    @staticmethod
    def resolve_languages(obj):
        return _languages(obj)


class ParticipationOut(Schema):
    id: int
    version: int
    faculty: int = Field(alias="faculty_id")
    faculty_name: str
    programme: int
    programme_name: str
    programme_kind: str
    session: int = Field(alias="session_id")
    start_date: dt.date
    end_date: dt.date
    result: str
    score: float | None
    certificate: str
    completed_on: dt.date | None

    @staticmethod
    def resolve_faculty_name(obj):
        return obj.faculty.full_name

    @staticmethod
    def resolve_programme(obj):
        return obj.session.programme_id

    @staticmethod
    def resolve_programme_name(obj):
        return obj.session.programme.name

    @staticmethod
    def resolve_programme_kind(obj):
        return obj.session.programme.kind

    @staticmethod
    def resolve_start_date(obj):
        return obj.session.start_date

    @staticmethod
    def resolve_end_date(obj):
        return obj.session.end_date


class DispatchOut(Schema):
    id: int
    version: int
    faculty: int = Field(alias="faculty_id")
    faculty_name: str
    from_institution: int = Field(alias="from_institution_id")
    project: int | None = Field(alias="project_id")
    partner: int | None = Field(alias="partner_id")
    country: str = Field(alias="country_id")
    role: str
    field: str = Field(alias="field_id")
    language: str = Field(alias="language_id", description="Language of instruction.")
    start_date: dt.date
    end_date: dt.date
    status: str = Field(description="planning → approved → abroad → returned, or cancelled.")
    rating: int | None = Field(description="How the dispatch went (1–5), recorded on return.")
    transitions: list[str] = Field(description="The statuses the caller may move this dispatch to now.")

    @staticmethod
    def resolve_faculty_name(obj):
        return obj.faculty.full_name

    @staticmethod
    def resolve_transitions(obj, context):
        return services.available_transitions(context["request"].user, obj)


def _record(faculty: FacultyMember) -> dict:
    if not hasattr(faculty, "_teacher_record"):
        faculty._teacher_record = queries.teacher_record(faculty)
    return faculty._teacher_record


class TeacherRecordOut(TeacherOut):
    development: list[ParticipationOut]
    dispatches: list[DispatchOut]

    @staticmethod
    def resolve_development(obj):
        return _record(obj)["development"]

    @staticmethod
    def resolve_dispatches(obj):
        return _record(obj)["assignments"]


class TeacherFilter(Schema):
    q: Search | None = Field(None, description="Text in the name or external key.")
    institution: Id | None = None
    country: text(2) | None = Field(None, description="The institution's country.")
    field: FieldCode | None = Field(None, description="ISCED-F code; a broad code includes its narrower fields.")
    language: LanguageCode | None = Field(None, description="Teachers with a level in this language.")
    at_least: text(12) | None = Field(None, description=(
        "With `language`: teachers whose best level in it is at least this one (B2, HSK4, native), "
        "compared across scales."))
    willing_to_dispatch: bool | None = None

    def apply(self, qs):
        if self.q:
            qs = qs.filter(Q(full_name__icontains=self.q) | Q(external_key__icontains=self.q))
        if self.institution:
            qs = qs.filter(institution_id=self.institution)
        if self.country:
            qs = qs.filter(institution__country_id=self.country.upper())
        if self.field:
            qs = qs.filter(pk__in=FacultyMember.objects.filter(fields__code__startswith=self.field).values("pk"))
        if self.willing_to_dispatch is not None:
            qs = qs.filter(willing_to_dispatch=self.willing_to_dispatch)
        if self.at_least and not self.language:
            raise ValidationError({"at_least": _("Name the language the level is in.")})
        if self.language:
            wanted = self._wanted_rank()
            ranks = queries.best_ranks(qs.values_list("pk", flat=True), [self.language.lower()])
            qs = qs.filter(pk__in=[fid for fid, held in ranks.items()
                                   if held.get(self.language.lower(), 0) >= wanted])
        return qs

    def _wanted_rank(self) -> int:
        if not self.at_least:
            return 1
        try:
            return scales.from_short(self.at_least).rank
        except scales.ScaleError:
            raise ValidationError({"at_least": _("“%(level)s” is not a level; use A1–C2, HSK1–HSK9 or native.")
                                   % {"level": self.at_least}}) from None


def _teachers(request: HttpRequest):
    _require(request, "teachers.view_teacher", FacultyMember)
    return (queries.visible_faculty(request.user).select_related("institution")
            .prefetch_related("fields", "language_skills", "proficiencies").order_by("full_name", "pk"))


def _teacher(request: HttpRequest, faculty_id: int) -> FacultyMember:
    return get_object_or_404(_teachers(request), pk=faculty_id)


@router.get("/faculty", response={200: list[TeacherOut], **READ_ERRORS}, operation_id="list_teachers",
            summary="Teachers with their language levels (coordinators: all; institution staff: their own)")
@paginate(BoundedPagination)
def list_teachers(request, filters: Query[TeacherFilter]):
    return filters.apply(_teachers(request))


@router.get("/faculty/{faculty_id}", response={200: TeacherRecordOut, **READ_ERRORS}, operation_id="get_teacher",
            summary="A teacher's record: language levels, development and dispatches")
def get_teacher(request, faculty_id: Id, response: HttpResponse):
    faculty = _teacher(request, faculty_id)
    set_etag(response, faculty)
    return faculty


class ProficiencyPatch(Schema):
    version: int | None = Field(None, ge=1, le=2_147_483_647, description=(
        "The version you read, when changing a level (or send its ETag as If-Match). Ignored on create."))
    language: LanguageCode | None = None
    scale: choice(Scale) | None = None
    level: text(8, 1) | None = Field(None, description="A level of the scale: A1–C2, 1–9 (HSK 3.0), 1–6 (older "
                                                        "HSK), TEU, TBU, 1–4 (TORFL), A1–C2 (KAZTEST), native.")
    certificate: text(100) | None = None
    certified_on: dt.date | None = None
    issuer: text(200) | None = None


class ProficiencyIn(ProficiencyPatch):
    language: LanguageCode
    scale: choice(Scale)
    level: text(8, 1)
    external_key: text(100, 1) | None = Field(None, description="Your stable key for the certificate; one is "
                                                                "made up when left out.")


def _proficiency_data(payload: ProficiencyPatch) -> dict:
    raw = payload.model_dump(exclude_unset=True, exclude={"version"})
    data = {("language_id" if name == "language" else name): value for name, value in raw.items()}
    if data.get("language_id"):
        data["language_id"] = data["language_id"].lower()
    for name in ("certificate", "issuer"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _faculty_proficiency(request: HttpRequest, proficiency_id: int) -> LanguageProficiency:
    _require(request, "teachers.view_teacher", LanguageProficiency)
    return get_object_or_404(LanguageProficiency.objects.filter(
        faculty__in=queries.visible_faculty(request.user)), pk=proficiency_id)


@router.post("/faculty/{faculty_id}/languages", response={201: ProficiencyOut, **WRITE_ERRORS},
             operation_id="record_teacher_language",
             summary="Record a teacher's level in a language, with its certificate")
def record_language(request, faculty_id: Id, payload: ProficiencyIn, response: HttpResponse):
    faculty = _teacher(request, faculty_id)
    data = _proficiency_data(payload)
    data.setdefault("external_key", None)
    data["external_key"] = data["external_key"] or f"api-{uuid.uuid4().hex}"
    saved = services.record_proficiency(request.user, {**data, "faculty": faculty},
                                        reason="language level recorded via API")
    set_etag(response, saved)
    return Status(201, _proficiency(saved))


@router.get("/languages/{proficiency_id}", response={200: ProficiencyOut, **READ_ERRORS},
            operation_id="get_teacher_language", summary="One language level of a teacher")
def get_language(request, proficiency_id: Id, response: HttpResponse):
    proficiency = _faculty_proficiency(request, proficiency_id)
    set_etag(response, proficiency)
    return _proficiency(proficiency)


@router.patch("/languages/{proficiency_id}", response={200: ProficiencyOut, **WRITE_ERRORS},
              operation_id="update_teacher_language",
              summary="Change a teacher's language level (send If-Match or the version)")
def update_language(request, proficiency_id: Id, payload: ProficiencyPatch, response: HttpResponse):
    proficiency = _faculty_proficiency(request, proficiency_id)
    require(request.user, "change", LanguageProficiency, proficiency)  # refused before asked for a version
    data = _proficiency_data(payload)
    saved = versioned_write(request, payload.version, lambda expected: services.update_proficiency(
        request.user, proficiency, data, expected_version=expected, reason="language level changed via API"))
    set_etag(response, saved)
    return _proficiency(saved)


# ---------------------------------------------------------------------------------------------------
# Teacher development


class SessionOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date
    place: str
    participants: int = Field(alias="n_participants")
    completed: int = Field(alias="n_completed")


class DevelopmentProgrammeOut(Schema):
    id: int
    version: int
    external_key: str
    name: str
    kind: str
    kind_label: str
    provider: int | None = Field(alias="provider_id")
    hours: int | None
    description: str
    is_synthetic: bool
    sessions: list[SessionOut]

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_sessions(obj):
        return obj.sessions.annotate(
            n_participants=Count("participants"),
            n_completed=Count("participants", filter=Q(participants__result=Participation.Result.COMPLETED)))


def _programmes(request: HttpRequest):
    _require(request, "teachers.view_developmentprogramme", DevelopmentProgramme)
    return DevelopmentProgramme.objects.order_by("name", "pk")


@router.get("/programmes", response={200: list[DevelopmentProgrammeOut], **READ_ERRORS}, operation_id="list_teacher_programmes",
            summary="Teacher development programmes and their sessions")
@paginate(BoundedPagination)
def list_programmes(request, kind: choice(DevelopmentProgramme.Kind) | None = None, provider: Id | None = None):
    _in_language(request)
    qs = _programmes(request)
    if kind:
        qs = qs.filter(kind=kind)
    if provider:
        qs = qs.filter(provider_id=provider)
    return qs


@router.get("/programmes/{programme_id}", response={200: DevelopmentProgrammeOut, **READ_ERRORS},
            operation_id="get_teacher_programme", summary="One teacher development programme")
def get_programme(request, programme_id: Id, response: HttpResponse):
    _in_language(request)
    programme = get_object_or_404(_programmes(request), pk=programme_id)
    set_etag(response, programme)
    return programme


@router.get("/completions", response={200: list[ParticipationOut], **READ_ERRORS},
            operation_id="list_teacher_completions",
            summary="Teachers' results in development programmes (coordinators: all; institution staff: "
                    "their teachers' and their programmes')")
@paginate(BoundedPagination)
def list_completions(request, programme: Id | None = None, faculty: Id | None = None,
                     result: choice(Participation.Result) | None = None):
    _require(request, "teachers.view_teacher", Participation)
    qs = (queries.visible_participations(request.user).select_related("faculty", "session__programme")
          .order_by("-session__start_date", "pk"))
    if programme:
        qs = qs.filter(session__programme_id=programme)
    if faculty:
        qs = qs.filter(faculty_id=faculty)
    if result:
        qs = qs.filter(result=result)
    return qs


# ---------------------------------------------------------------------------------------------------
# Dispatches


class DispatchFilter(Schema):
    status: choice(Assignment.Status) | None = None
    country: text(2) | None = Field(None, description="Destination country.")
    project: Id | None = None
    faculty: Id | None = None
    institution: Id | None = Field(None, description="Sending institution.")
    start: dt.date | None = Field(None, description="Dispatches whose period ends on or after this day.")
    end: dt.date | None = Field(None, description="Dispatches whose period starts on or before this day.")

    def apply(self, qs):
        for name, lookup in (("status", "status"), ("project", "project_id"), ("faculty", "faculty_id"),
                             ("institution", "from_institution_id"), ("start", "end_date__gte"),
                             ("end", "start_date__lte")):
            value = getattr(self, name)
            if value:
                qs = qs.filter(**{lookup: value})
        if self.country:
            qs = qs.filter(country_id=self.country.upper())
        return qs


def _dispatches(request: HttpRequest):
    _require(request, "teachers.view_teacher", Assignment)
    return (queries.visible_assignments(request.user).select_related("faculty")
            .order_by("-start_date", "pk"))


def _dispatch(request: HttpRequest, assignment_id: int) -> Assignment:
    return get_object_or_404(_dispatches(request), pk=assignment_id)


@router.get("/dispatches", response={200: list[DispatchOut], **READ_ERRORS}, operation_id="list_dispatches",
            summary="Teachers' dispatches abroad (coordinators: all; institution staff: sent from or hosted "
                    "by their institution)")
@paginate(BoundedPagination)
def list_dispatches(request, filters: Query[DispatchFilter]):
    return filters.apply(_dispatches(request))


@router.get("/dispatches/{assignment_id}", response={200: DispatchOut, **READ_ERRORS}, operation_id="get_dispatch",
            summary="One dispatch")
def get_dispatch(request, assignment_id: Id, response: HttpResponse):
    assignment = _dispatch(request, assignment_id)
    set_etag(response, assignment)
    return assignment


class DispatchIn(Schema):
    faculty: Id
    project: Id | None = Field(None, description="The cooperation project; give it or a partner institution.")
    partner: Id | None = Field(None, description="The host institution.")
    country: text(2, 2) = Field(description="Destination country (ISO 3166-1 alpha-2).")
    role: choice(Assignment.Role) = Assignment.Role.TEACHER.value
    field: FieldCode = Field(description="ISCED-F code of the field taught.")
    language: LanguageCode = Field(description="Language of instruction.")
    start_date: dt.date
    end_date: dt.date


def _known(model, pk, name: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({name: _("Unknown %(model)s: %(values)s.")
                               % {"model": model._meta.verbose_name, "values": pk}})
    return found


@router.post("/dispatches", response={201: DispatchOut, **WRITE_ERRORS}, operation_id="plan_dispatch",
             summary="Plan a teacher's dispatch abroad (their institution's staff or a coordinator)")
def plan_dispatch(request, payload: DispatchIn, response: HttpResponse):
    faculty = _teacher(request, payload.faculty)
    saved = services.plan_assignment(request.user, {
        "faculty": faculty, "project": _known(CooperationProject, payload.project, "project"),
        "partner": _known(Institution, payload.partner, "partner"), "country_id": payload.country.upper(),
        "role": payload.role, "field_id": payload.field, "language_id": payload.language.lower(),
        "start_date": payload.start_date, "end_date": payload.end_date}, reason="dispatch planned via API")
    saved = _dispatch(request, saved.pk)
    set_etag(response, saved)
    return Status(201, saved)


class DispatchTransitionIn(Schema):
    to: choice(Assignment.Status) = Field(description="approved (coordinators; needs the pre-departure training), "
                                              "abroad, returned or cancelled.")
    rating: choice(Assignment.Rating) | None = Field(None, description="On return: how the dispatch went, 1–5.")
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version you read (or If-Match).")


@router.post("/dispatches/{assignment_id}/transition", response={200: DispatchOut, **WRITE_ERRORS},
             operation_id="transition_dispatch",
             summary="Move a dispatch along planning → approved → abroad → returned, or cancel it")
def transition_dispatch(request, assignment_id: Id, payload: DispatchTransitionIn, response: HttpResponse):
    assignment = _dispatch(request, assignment_id)
    versioned_write(request, payload.version, lambda expected: services.transition_assignment(
        request.user, assignment, payload.to, rating=payload.rating, expected_version=expected))
    saved = _dispatch(request, assignment_id)
    set_etag(response, saved)
    return saved


# ---------------------------------------------------------------------------------------------------
# Shortage analysis


class PeriodOut(Schema):
    year: int
    label: str
    start: dt.date
    end: dt.date


class CellOut(Schema):
    key: str = Field(description="country~field~language: names the cell in the candidates' URL.")
    country: str
    country_name: str
    field: str
    field_name: str
    language: str
    language_name: str
    needed: int = Field(description="Bilingual teachers the programmes need: intake over the trainee norm.")
    local: int = Field(description="Local teachers of the field at the required level, not dispatched.")
    dispatched: int = Field(description="Teachers dispatched into the cell in the period.")
    in_place: int
    gap: int = Field(description="Teachers missing: needed minus in place, never below zero.")
    required: LanguageLevelOut = Field(description="The level the teachers need in the language of instruction.")
    intake: int
    programmes: list[int] = Field(alias="programme_ids")
    projects: list[int] = Field(alias="project_ids")

    @staticmethod
    def resolve_required(obj):
        return _level(obj.required.scale, obj.required.level)


class ShortageOut(Schema):
    period: PeriodOut
    norm: int = Field(description="Trainees per teacher, the stated norm the need is computed with.")
    norm_source: str
    teaching_floor: LanguageLevelOut = Field(description="The least level anyone teaches in a language at.")
    cells: list[CellOut] = Field(description="Largest gap first.")


class Year(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description=(
        "The academic year starting in September of this year; the current one when left out."))

    def period(self) -> queries.Period:
        if self.year is not None:
            return queries.Period(self.year)
        return queries.Period.containing(timezone.localdate())


def _period_out(period: queries.Period) -> dict:
    return {"year": period.year, "label": period.label, "start": period.start, "end": period.end}


@router.get("/shortage", response={200: ShortageOut, **READ_ERRORS}, operation_id="teacher_shortage",
            summary="Bilingual teachers needed, in place and missing per country × field × language")
def shortage(request, when: Query[Year]):
    _require(request, "teachers.view_shortage")
    _in_language(request)
    period = when.period()
    norm = queries.trainee_norm()
    return {"period": _period_out(period), "norm": norm, "norm_source": str(queries.NORM_SOURCE % {"norm": norm}),
            "teaching_floor": _level(queries.TEACHING_FLOOR.scale, queries.TEACHING_FLOOR.level),
            "cells": queries.shortage(period)}


class CandidateComponentOut(Schema):
    name: str
    label: str
    value: float
    weight: float
    contribution: float
    explanation: str


class CandidateOut(Schema):
    faculty: int
    full_name: str
    institution: int
    institution_name: str
    score: float
    ready: bool = Field(description="At the required level: can be dispatched; otherwise trained first.")
    level: LanguageLevelOut | None = Field(description="Best level in the cell's language, on the CEFR.")
    components: list[CandidateComponentOut] = Field(description="The score's parts, each explained.")


class CandidatesOut(Schema):
    period: PeriodOut
    cell: CellOut
    dispatch: list[CandidateOut]
    train: list[CandidateOut]


def _candidate(c: queries.Candidate) -> dict:
    f = c.faculty
    return {"faculty": f.pk, "full_name": f.full_name, "institution": f.institution_id,
            "institution_name": f.institution.name, "score": c.score, "ready": c.ready,
            "level": _level(c.level.scale, c.level.level) if c.level else None, "components": c.components}


def _cell(key: str, period: queries.Period) -> queries.Cell:
    cell = queries.find_cell(key, period)
    if cell is None:
        raise Http404(_("No such shortage."))
    return cell


@router.get("/shortage/{key}/candidates", response={200: CandidatesOut, **READ_ERRORS},
            operation_id="teacher_shortage_candidates",
            summary="Ranked teachers to dispatch into a shortage, or to train first, with reasons")
def shortage_candidates(request, key: text(40, 1), when: Query[Year]):
    _require(request, "teachers.view_shortage")
    _in_language(request)
    period = when.period()
    cell = _cell(key, period)
    # The page's ranking, of the teachers the caller may see (institution staff: their own).
    groups = queries.candidates(cell, period, among=queries.visible_faculty(request.user))
    return {"period": _period_out(period), "cell": cell,
            **{name: [_candidate(c) for c in group] for name, group in groups.items()}}


class ShortagePlanIn(Schema):
    faculty: Id
    project: Id = Field(description="One of the cell's projects.")
    year: int | None = Field(None, ge=2000, le=2100, description="The academic year to dispatch for.")


@router.post("/shortage/{key}/dispatches", response={201: DispatchOut, **WRITE_ERRORS},
             operation_id="plan_dispatch_for_shortage",
             summary="Plan a dispatch into a shortage for the academic year (as the shortage page does)")
def plan_for_shortage(request, key: text(40, 1), payload: ShortagePlanIn, response: HttpResponse):
    _require(request, "teachers.view_shortage")
    period = Year(year=payload.year).period()
    cell = _cell(key, period)
    faculty = _teacher(request, payload.faculty)
    if not services.may_plan(request.user, faculty):
        raise PermissionDenied(_("You may not plan a dispatch for this teacher."))
    project = _known(CooperationProject, payload.project, "project")
    saved = services.plan_for_shortage(request.user, faculty=faculty, cell=cell, project=project,
                                       start=period.start, end=period.end)
    saved = _dispatch(request, saved.pk)
    set_etag(response, saved)
    return Status(201, saved)


# ---------------------------------------------------------------------------------------------------
# HSK test centres: public, with counts of 1–4 people withheld from the public as on the pages


class CountOut(Schema):
    value: int | float | None = Field(description="Null when withheld (fewer than 5 people) or undefined.")
    suppressed: bool


def _count(cell) -> dict:
    if isinstance(cell, outcomes_queries.Cell):
        return {"value": cell.value, "suppressed": cell.suppressed}
    return {"value": cell, "suppressed": False}


def _pass(cells: dict) -> dict:
    return {"sat": _count(cells["sat"]), "passed": _count(cells["passed"]), "pass_rate": _count(cells["rate"])}


class PassOut(Schema):
    sat: CountOut
    passed: CountOut
    pass_rate: CountOut = Field(description="Percent of those who sat.")


class CentreOut(PassOut):
    id: int
    external_key: str
    name: str
    institution: int
    institution_name: str
    country: str
    city: str
    tests: list[str]
    accredited_by: str
    accredited_on: dt.date | None
    is_synthetic: bool
    sittings: int
    last_sitting: dt.date | None


def _centre(c: HskCentre) -> dict:
    return {"id": c.pk, "external_key": c.external_key, "name": c.name, "institution": c.institution_id,
            "institution_name": c.institution.name, "country": c.country_id, "city": c.city, "tests": c.tests,
            "accredited_by": c.accredited_by, "accredited_on": c.accredited_on, "is_synthetic": c.is_synthetic,
            "sittings": c.n_sittings, "last_sitting": c.last, **_pass(c.cells)}


class ResultRowOut(PassOut):
    test: str
    test_label: str
    scale: str
    level: str
    label: str
    registered: CountOut


class LevelResultOut(ResultRowOut):
    sittings: int


class SittingOut(ResultRowOut):
    id: int
    date: dt.date


class CentreResultsOut(CentreOut):
    suppress_below: int = Field(description="Counts of fewer than this many people are withheld from the public.")
    total: PassOut
    by_level: list[LevelResultOut]
    sitting_list: list[SittingOut] = Field(description="Every sitting, newest first.")


def _row(test: str, scale: str, level: str, registered, cells: dict) -> dict:
    return {"test": test, "test_label": str(ChineseTest(test).label), "scale": scale, "level": level,
            "label": level_label(scale, level), "registered": _count(registered), **_pass(cells)}


@router.get("/hsk-centres", response={200: list[CentreOut], **READ_ERRORS}, auth=PUBLIC_AUTH,
            operation_id="list_hsk_centres",
            summary="Chinese test centres with their pass rates (public: counts under 5 withheld)")
def list_centres(request, country: text(2) | None = None):
    _in_language(request)
    rows = queries.centres(outcomes_queries.is_public(request.user))
    if country:
        rows = [c for c in rows if c.country_id == country.upper()]
    return [_centre(c) for c in rows]


@router.get("/hsk-centres/{centre_id}", response={200: CentreResultsOut, **READ_ERRORS}, auth=PUBLIC_AUTH,
            operation_id="get_hsk_centre",
            summary="A Chinese test centre's results by test and level, and its sittings")
def get_centre(request, centre_id: Id):
    _in_language(request)
    public = outcomes_queries.is_public(request.user)
    centre = get_object_or_404(HskCentre.objects.select_related("institution", "country"), pk=centre_id)
    results = queries.centre_results(centre, public)
    # The listing's totals (queries.centres annotates them), from the sittings already read.
    centre.cells, centre.n_sittings = results["total"], len(results["sittings"])
    centre.last = max((s.date for s in results["sittings"]), default=None)
    return {**_centre(centre), "suppress_below": results["suppress_below"], "total": _pass(results["total"]),
            "by_level": [{**_row(r["test"], r["scale"], r["level"], r["registered_cell"], r["cells"]),
                          "sittings": r["n"]} for r in results["by_level"]],
            "sitting_list": [{**_row(s.test, s.scale, s.level, s.registered_cell, s.cells), "id": s.pk,
                              "date": s.date} for s in results["sittings"]]}
