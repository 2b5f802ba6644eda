# Over 500 lines: one router with a short operation per governance record kind.
"""The governance REST router: agreements (with their continuity clauses), overseas operations (with
their life cycle) and cooperation events (with their participants).

Mount it with ``api.add_router("/governance", router)``. Reads are scoped as the pages are
(``governance.queries.visible_*``): a record the caller may not see answers 404. Writes go through
``governance.services`` and name the version they change (If-Match or ``version`` in the body), so a
stale write is 409/412, never a lost update.
"""


import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
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
    ValidationErrorOut,
    request_language,
    set_etag,
    text,
    versioned_write,
)
from tvetbridge.core.models import Country
from tvetbridge.core.services import require
from tvetbridge.registry.models import Alliance, CooperationProject, FacultyMember, Institution

from . import queries, services
from .models import Agreement, Committee, ContinuityClause, Event, OverseasOperation, Participant

router = Router(auth=AUTH, tags=["governance"])
READ_ERRORS = {**AUTH_ERRORS, 404: ErrorOut}
WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, **VERSION_ERRORS, 422: ValidationErrorOut}
Version = Field(None, ge=1, le=2_147_483_647, description="The version you read (or send its ETag as If-Match).")

# Foreign keys and many-to-many fields a payload names by id (or country code), and their models.
REFERENCES: dict[str, type] = {"institutions": Institution, "projects": CooperationProject, "project": CooperationProject,
                               "operator": Institution, "organiser": Institution, "committee": Committee,
                               "alliance": Alliance, "agreements": Agreement, "countries": Country,
                               "country": Country, "institution": Institution, "faculty": FacultyMember}


def _to_data(payload: Schema, user=None) -> dict[str, Any]:
    """Ids and codes → objects; an unknown one is a 422 naming its field, like any invalid value."""
    raw = payload.model_dump(exclude_unset=True)
    raw.pop("version", None)
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        model = REFERENCES.get(name)
        if name == "trainee":
            from tvetbridge.outcomes.queries.results import trainees_for

            found = trainees_for(user).filter(external_key=value).first() if value else None
            if value and found is None:
                errors[name] = [_("Unknown trainee “%(value)s”.") % {"value": value}]
            data[name] = found
        elif model is None:
            data[name] = "" if value is None and name in {"summary", "city", "other_parties", "other_organisers",
                                                          "outputs", "certificate", "name", "award"} else value
        elif isinstance(value, list):
            keys = [v.upper() if model is Country else v for v in value]
            found = {o.pk: o for o in model.objects.filter(pk__in=keys)}
            missing = [k for k in keys if k not in found]
            if missing:
                errors[name] = [_("Unknown %(what)s “%(value)s”.") % {"what": model._meta.verbose_name, "value": k}
                                for k in missing]
            data[name] = list(found.values())
        elif value is None:
            data[name] = None
        else:
            key = value.upper() if model is Country else value
            obj = model.objects.filter(pk=key).first()
            if obj is None:
                errors[name] = [_("Unknown %(what)s “%(value)s”.") % {"what": model._meta.verbose_name, "value": value}]
            data[name] = obj
    if errors:
        raise ValidationError(errors)
    return data


def _language(request) -> None:
    translation.activate(request_language(request))


def _respond(response: HttpResponse, obj):
    set_etag(response, obj)
    return obj


# ---------------------------------------------------------------------------------------------------
# Agreements


class ClauseOut(Schema):
    id: int
    kind: str
    reference: str
    text: str
    notice_days: int | None
    guarantor: str


class AgreementOut(Schema):
    id: int
    version: int
    external_key: str | None
    title: str
    summary: str
    level: str
    kind: str
    status: str
    institutions: list[int]
    other_parties: str
    countries: list[str]
    projects: list[int]
    signed_on: dt.date | None
    effective_from: dt.date | None
    expires_on: dt.date | None
    renewal: str
    renewal_notice_days: int
    confidential: bool
    in_force: bool
    clauses: list[ClauseOut]
    is_synthetic: bool

    @staticmethod
    def resolve_institutions(obj):
        return [i.pk for i in obj.institutions.all()]

    @staticmethod
    def resolve_countries(obj):
        return [c.pk for c in obj.countries.all()]

    @staticmethod
    def resolve_projects(obj):
        return [p.pk for p in obj.projects.all()]

    @staticmethod
    def resolve_in_force(obj):
        return obj.in_force()

    @staticmethod
    def resolve_clauses(obj):
        return list(obj.clauses.all())


class AgreementPatch(Schema):
    version: int | None = Version
    external_key: text(100, 1) | None = None
    title: text(300, 1) | None = Field(None, description="In the request language (?lang=).")
    summary: text(5000) | None = None
    level: Agreement.Level | None = None
    kind: Agreement.Kind | None = None
    status: Agreement.Status | None = None
    institutions: list[Id] | None = None
    other_parties: text(500) | None = None
    countries: list[text(2, 2)] | None = None
    projects: list[Id] | None = None
    signed_on: dt.date | None = None
    effective_from: dt.date | None = None
    expires_on: dt.date | None = None
    renewal: Agreement.Renewal | None = None
    renewal_notice_days: int | None = Field(None, ge=0, le=3650)
    confidential: bool | None = None


class AgreementIn(AgreementPatch):
    title: text(300, 1)
    level: Agreement.Level
    kind: Agreement.Kind


class ClauseIn(Schema):
    kind: ContinuityClause.Kind
    reference: text(40) = ""
    text: text(5000, 1)
    notice_days: int | None = Field(None, ge=1, le=3650)
    guarantor: text(300) = ""


class AgreementFilter(Schema):
    status: Agreement.Status | None = None
    country: text(2) | None = None
    project: Id | None = None
    expires_before: dt.date | None = Field(None, description="Only agreements whose term ends on or before this date.")


def _agreements(request):
    return queries.visible_agreements(request.user).prefetch_related("institutions", "countries", "projects",
                                                                     "clauses")


def _agreement(request, record_id: int) -> Agreement:
    return get_object_or_404(_agreements(request), pk=record_id)


@router.get("/agreements", response={200: list[AgreementOut], **AUTH_ERRORS, 422: ValidationErrorOut},
            summary="Agreements, with their continuity clauses")
@paginate(BoundedPagination)
def list_agreements(request, filters: Query[AgreementFilter]):
    _language(request)
    qs = _agreements(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.country:
        qs = qs.filter(countries=filters.country.upper())
    if filters.project:
        qs = qs.filter(projects=filters.project)
    if filters.expires_before:
        qs = qs.filter(expires_on__lte=filters.expires_before)
    return qs.distinct().order_by("pk")


@router.get("/agreements/{record_id}", response={200: AgreementOut, **READ_ERRORS}, summary="One agreement")
def get_agreement(request, record_id: Id, response: HttpResponse):
    _language(request)
    return _respond(response, _agreement(request, record_id))


@router.post("/agreements", response={201: AgreementOut, **WRITE_ERRORS}, summary="Record an agreement")
def create_agreement(request, payload: AgreementIn, response: HttpResponse):
    _language(request)
    agreement = services.create_agreement(request.user, _to_data(payload))
    return Status(201, _respond(response, _agreement(request, agreement.pk)))


@router.patch("/agreements/{record_id}", response={200: AgreementOut, **WRITE_ERRORS}, summary="Change an agreement")
def update_agreement(request, record_id: Id, payload: AgreementPatch, response: HttpResponse):
    _language(request)
    agreement = _agreement(request, record_id)
    require(request.user, "change", Agreement, agreement)  # refused before it is asked for a version
    data = _to_data(payload)
    versioned_write(request, payload.version, lambda expected: services.update_agreement(
        request.user, agreement, data, expected_version=expected))
    return _respond(response, _agreement(request, record_id))


@router.post("/agreements/{record_id}/clauses", response={201: AgreementOut, **WRITE_ERRORS},
             summary="Add a continuity clause")
def add_clause(request, record_id: Id, payload: ClauseIn, response: HttpResponse):
    _language(request)
    agreement = _agreement(request, record_id)
    services.add_clause(request.user, agreement, payload.model_dump())
    return Status(201, _respond(response, _agreement(request, record_id)))


# ---------------------------------------------------------------------------------------------------
# Overseas operations


class OperationOut(Schema):
    id: int
    version: int
    project: int = Field(alias="project_id")
    operator: int = Field(alias="operator_id")
    kind: str
    host_country: str = Field(alias="host_country_id")
    site: str
    qualifications: str
    teachers_dispatched: int
    students_planned: int
    status: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_note: str
    exit_plan: str | None = Field(description="The exit plan's status (prepared, triggered, completed); null "
                                              "while there is none.")
    steps: list[str] = Field(description="The life-cycle steps the caller may take now.")
    is_synthetic: bool

    @staticmethod
    def resolve_exit_plan(obj):
        # A missing one-to-one raises RelatedObjectDoesNotExist, an AttributeError: getattr's default applies.
        plan = getattr(obj, "exit_plan", None)
        return plan.status if plan is not None else None

    @staticmethod
    def resolve_steps(obj, context):
        user = context["request"].user
        return [t.name for t in services.available_transitions(user, obj)]


class OperationPatch(Schema):
    version: int | None = Version
    project: Id | None = None
    operator: Id | None = Field(None, description="Institution staff may give only their own institution.")
    kind: OverseasOperation.Kind | None = None
    site: text(300, 1) | None = None
    qualifications: text(10000, 1) | None = None
    teachers_dispatched: int | None = Field(None, ge=0, le=100000)
    students_planned: int | None = Field(None, ge=0, le=1000000)


class OperationIn(OperationPatch):
    project: Id
    kind: OverseasOperation.Kind
    site: text(300, 1)
    qualifications: text(10000, 1)


class StepIn(Schema):
    step: text(20, 1) = Field(description="submit, withdraw, return, approve, reject, suspend, resume or close.")
    note: text(2000) = ""
    version: int | None = Version


def _operation(request, record_id: int) -> OverseasOperation:
    return get_object_or_404(queries.visible_operations(request.user).select_related("exit_plan"), pk=record_id)


@router.get("/operations", response={200: list[OperationOut], **AUTH_ERRORS, 422: ValidationErrorOut},
            summary="Operations abroad (operators see their own)")
@paginate(BoundedPagination)
def list_operations(request, status: OverseasOperation.Status | None = None, host_country: text(2) | None = None):
    qs = queries.visible_operations(request.user).select_related("exit_plan").order_by("pk")
    if status:
        qs = qs.filter(status=status)
    if host_country:
        qs = qs.filter(host_country_id=host_country.upper())
    return qs


@router.get("/operations/{record_id}", response={200: OperationOut, **READ_ERRORS}, summary="One operation abroad")
def get_operation(request, record_id: Id, response: HttpResponse):
    return _respond(response, _operation(request, record_id))


@router.post("/operations", response={201: OperationOut, **WRITE_ERRORS}, summary="Apply to operate abroad")
def create_operation(request, payload: OperationIn, response: HttpResponse):
    op = services.create_operation(request.user, _to_data(payload))
    return Status(201, _respond(response, _operation(request, op.pk)))


@router.patch("/operations/{record_id}", response={200: OperationOut, **WRITE_ERRORS},
              summary="Change an application (while it is a draft or returned)")
def update_operation(request, record_id: Id, payload: OperationPatch, response: HttpResponse):
    op = _operation(request, record_id)
    require(request.user, "change", OverseasOperation, op)
    data = _to_data(payload)
    versioned_write(request, payload.version, lambda expected: services.update_operation(
        request.user, op, data, expected_version=expected))
    return _respond(response, _operation(request, record_id))


@router.post("/operations/{record_id}/step", response={200: OperationOut, **WRITE_ERRORS},
             summary="Take a step of the operation's life cycle")
def step_operation(request, record_id: Id, payload: StepIn, response: HttpResponse):
    op = _operation(request, record_id)
    versioned_write(request, payload.version, lambda expected: services.transition_operation(
        request.user, op, payload.step, note=payload.note, expected_version=expected))
    return _respond(response, _operation(request, record_id))


# ---------------------------------------------------------------------------------------------------
# Events


class GovernanceEventOut(Schema):
    id: int
    version: int
    external_key: str | None
    title: str
    kind: str
    status: str
    committee: int | None = Field(alias="committee_id")
    alliance: int | None = Field(alias="alliance_id")
    starts_on: dt.date
    ends_on: dt.date
    country: str = Field(alias="country_id")
    city: str
    organiser: int | None = Field(alias="organiser_id")
    other_organisers: str
    projects: list[int]
    agreements: list[int]
    summary: str
    outputs: str
    published: bool
    participants: int | None = Field(description="How many took part; null when fewer than five and the "
                                                 "caller is not a member.")
    is_synthetic: bool

    @staticmethod
    def resolve_projects(obj):
        return [p.pk for p in obj.projects.all()]

    @staticmethod
    def resolve_agreements(obj):
        return [a.pk for a in obj.agreements.all()]

    @staticmethod
    def resolve_participants(obj, context):
        return queries.shown_count(obj.n_people, context["request"].user.has_perm("governance.view_event"))


class EventPatch(Schema):
    version: int | None = Version
    external_key: text(100, 1) | None = None
    title: text(300, 1) | None = Field(None, description="In the request language (?lang=).")
    kind: Event.Kind | None = None
    status: Event.Status | None = None
    committee: Id | None = None
    alliance: Id | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    country: text(2, 2) | None = None
    city: text(200) | None = None
    organiser: Id | None = Field(None, description="Institution staff organise for their own institution.")
    other_organisers: text(500) | None = None
    projects: list[Id] | None = None
    agreements: list[Id] | None = None
    summary: text(10000) | None = None
    outputs: text(10000) | None = None
    published: bool | None = None


class GovernanceEventIn(EventPatch):
    title: text(300, 1)
    kind: Event.Kind
    starts_on: dt.date
    ends_on: dt.date
    country: text(2, 2)


class EventFilter(Schema):
    country: text(2) | None = None
    project: Id | None = None
    committee: Id | None = None
    kind: Event.Kind | None = None
    year: int | None = Field(None, ge=1990, le=2100)


class ParticipantOut(Schema):
    id: int
    version: int
    role: str
    institution: int | None = Field(alias="institution_id")
    faculty: int | None = Field(alias="faculty_id")
    trainee: str | None = Field(description="The trainee's external key (never a name).")
    name: str
    country: str | None = Field(alias="country_id")
    placing: int | None
    award: str
    certificate: str
    in_trainee_record: bool

    @staticmethod
    def resolve_trainee(obj):
        return obj.trainee.external_key if obj.trainee_id else None

    @staticmethod
    def resolve_in_trainee_record(obj):
        return obj.credential_id is not None


class ParticipantIn(Schema):
    role: Participant.Role = Participant.Role.DELEGATE
    institution: Id | None = None
    faculty: Id | None = None
    trainee: text(100) | None = Field(None, description="The trainee's external key.")
    name: text(200) | None = None
    country: text(2, 2) | None = None
    placing: int | None = Field(None, ge=1, le=10000)
    award: Participant.Award | None = None
    certificate: text(200) | None = None


def _events(request):
    return (queries.visible_events(request.user).prefetch_related("projects", "agreements")
            .annotate(n_people=Count("participants", distinct=True)))


def _event(request, record_id: int) -> Event:
    return get_object_or_404(_events(request), pk=record_id)


@router.get("/events", response={200: list[GovernanceEventOut], **AUTH_ERRORS, 422: ValidationErrorOut},
            summary="The calendar of cooperation events")
@paginate(BoundedPagination)
def list_events(request, filters: Query[EventFilter]):
    _language(request)
    return queries.calendar(_events(request), country=filters.country or "", project=filters.project,
                            kind=filters.kind or "", year=filters.year, committee=filters.committee)


@router.get("/events/{record_id}", response={200: GovernanceEventOut, **READ_ERRORS}, summary="One event")
def get_event(request, record_id: Id, response: HttpResponse):
    _language(request)
    return _respond(response, _event(request, record_id))


@router.post("/events", response={201: GovernanceEventOut, **WRITE_ERRORS}, summary="Record an event")
def create_event(request, payload: GovernanceEventIn, response: HttpResponse):
    _language(request)
    event = services.create_event(request.user, _to_data(payload))
    return Status(201, _respond(response, _event(request, event.pk)))


@router.patch("/events/{record_id}", response={200: GovernanceEventOut, **WRITE_ERRORS}, summary="Change an event")
def update_event(request, record_id: Id, payload: EventPatch, response: HttpResponse):
    _language(request)
    event = _event(request, record_id)
    require(request.user, "change", Event, event)
    data = _to_data(payload)
    versioned_write(request, payload.version, lambda expected: services.update_event(
        request.user, event, data, expected_version=expected))
    return _respond(response, _event(request, record_id))


@router.get("/events/{record_id}/participants", response={200: list[ParticipantOut], **READ_ERRORS},
            summary="An event's participants the caller may see")
def list_participants(request, record_id: Id):
    return list(queries.visible_participants(request.user, _event(request, record_id)))


@router.post("/events/{record_id}/participants", response={201: ParticipantOut, **WRITE_ERRORS},
             summary="Register a participant (and their result)")
def add_participant(request, record_id: Id, payload: ParticipantIn, response: HttpResponse):
    event = _event(request, record_id)
    p = services.add_participant(request.user, event, _to_data(payload, request.user))
    set_etag(response, p)
    return Status(201, p)
