"""The recognition REST router under ``/api/v1/credentials``: frameworks and referencing (public), the
verification report (public), issued credentials, their status, and recognition applications.

The W3C VC-API routes (``/credentials/issue`` …) are in ``vcapi``; this router is the platform's own
API with the same permissions as the pages. A stale version on a decision answers 409.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Router, Schema, Status

from tvetbridge.core.api import (
    AUTH,
    AUTH_ERRORS,
    ConflictOut,
    ErrorOut,
    Id,
    ValidationErrorOut,
    request_language,
    text,
)
from tvetbridge.core.models import Country
from tvetbridge.registry.models import Programme

from . import issuing, queries, services, texts
from .engine.errors import CredentialError
from .models import CredentialType, LevelLink, QualificationFramework, RecognitionApplication

router = Router(auth=AUTH, tags=["credentials"])
WRITE_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, 409: ConflictOut, 422: ValidationErrorOut}


class LevelOut(Schema):
    key: str
    code: str
    rank: int
    name: str
    summary: str
    isced_level: int | None


class FrameworkOut(Schema):
    code: str
    name: str
    country: str | None = Field(alias="country_id")
    kind: str
    legal_source: str
    levels: list[LevelOut]


class LinkOut(Schema):
    id: int
    source: str
    target: str
    relation: str
    status: str
    basis: str
    source_citation: str
    version: int


@router.get("/frameworks", response=list[FrameworkOut], auth=None, summary="Qualification frameworks and levels")
def frameworks(request):
    with translation.override(request_language(request)):
        return [{"code": f.code, "name": f.name, "country_id": f.country_id, "kind": f.kind,
                 "legal_source": f.legal_source,
                 "levels": [{"key": lv.key, "code": lv.code, "rank": lv.rank, "name": lv.name, "summary": lv.summary,
                             "isced_level": lv.isced_level} for lv in f.levels.all()]}
                for f in queries.frameworks()]


@router.get("/links", response={200: list[LinkOut], 404: ErrorOut}, auth=None, summary="Referencing links between framework levels")
def links(request, framework: text(40) = ""):
    qs = LevelLink.objects.select_related("source__framework", "target__framework")
    if framework:
        qs = queries.links_between(get_object_or_404(QualificationFramework, code=framework))
    with translation.override(request_language(request)):
        return [{"id": ln.pk, "source": ln.source.key, "target": ln.target.key, "relation": ln.relation,
                 "status": ln.status, "basis": ln.basis, "source_citation": ln.source_citation, "version": ln.version}
                for ln in qs]


class CheckOut(Schema):
    check: str
    status: str
    code: str
    text: str
    params: dict[str, Any]


class ReportOut(Schema):
    verified: bool
    checks: list[CheckOut]


def _report(report) -> dict:
    return {"verified": report.verified, "checks": [
        {"check": c.name, "status": c.status, "code": c.code, "params": c.params,
         "text": texts.check_text(c.code, c.params)} for c in report.checks]}


class VerifyIn(Schema):
    verifiableCredential: dict[str, Any]


@router.post("/verify", response={200: ReportOut, 422: ValidationErrorOut}, auth=None,
             summary="Verify a credential: every check, in the caller's language")
def verify(request, payload: VerifyIn):
    with translation.override(request_language(request)):
        return _report(issuing.verify_document(payload.verifiableCredential))


class IssuedOut(Schema):
    uuid: UUID
    id: str
    issuer: str
    credential_type: int | None = Field(alias="credential_type_id")
    award: int | None = Field(alias="award_id")
    status: str
    status_reason: str
    issued: str


def _issued(row) -> dict:
    return {"uuid": row.uuid, "id": row.urn, "issuer": row.key.did, "credential_type_id": row.credential_type_id,
            "award_id": row.award_id, "status": row.status, "status_reason": row.status_reason,
            "issued": row.issued.isoformat()}


@router.get("/issued", response={200: list[IssuedOut], **AUTH_ERRORS}, summary="Issued credentials I may see")
def issued_list(request):
    return [_issued(row) for row in queries.issued_for(request.user).select_related("key")[:1000]]


@router.get("/issued/{issued_uuid}/document", response={200: dict[str, Any], **AUTH_ERRORS, 404: ErrorOut},
            summary="The signed credential (JSON-LD)")
def issued_document(request, issued_uuid: UUID):
    return get_object_or_404(queries.issued_for(request.user), uuid=issued_uuid).document


class IssueIn(Schema):
    award: Id
    credential_type: Id


@router.post("/issued", response={201: IssuedOut, **WRITE_ERRORS}, summary="Issue a recorded award")
def issue(request, payload: IssueIn):
    award = get_object_or_404(queries.awards_for(request.user), pk=payload.award)
    ctype = get_object_or_404(CredentialType, pk=payload.credential_type)
    try:
        row = issuing.issue_award(request.user, award, ctype)
    except CredentialError as exc:
        raise ValidationError({"document": [texts.check_text(exc.code, exc.params)]}) from exc
    return Status(201, _issued(row))


class StatusIn(Schema):
    status: text(10, 1)
    reason: text(500, 1)


@router.post("/issued/{issued_uuid}/status", response={200: IssuedOut, **WRITE_ERRORS},
             summary="Suspend, reinstate or revoke")
def set_status(request, issued_uuid: UUID, payload: StatusIn):
    row = get_object_or_404(queries.issued_for(request.user), uuid=issued_uuid)
    return _issued(issuing.set_status(request.user, row, payload.status, reason=payload.reason))


class ApplicationOut(Schema):
    id: int
    award: int = Field(alias="award_id")
    host_country: str = Field(alias="host_country_id")
    status: str
    outcome: str
    source_level: str
    recognised_level: str | None
    proposal: dict[str, Any]
    reasons: list[str]
    compensation: str
    version: int


def _application(app: RecognitionApplication) -> dict:
    return {"id": app.pk, "award_id": app.award_id, "host_country_id": app.host_country_id, "status": app.status,
            "outcome": app.outcome, "source_level": app.source_level.key,
            "recognised_level": app.recognised_level.key if app.recognised_level_id else None,
            "proposal": app.proposal, "reasons": [texts.reason_text(r) for r in app.reasons],
            "compensation": app.compensation, "version": app.version}


@router.get("/recognition", response={200: list[ApplicationOut], **AUTH_ERRORS}, summary="Recognition applications")
def applications(request):
    with translation.override(request_language(request)):
        return [_application(a) for a in queries.applications_for(request.user)[:1000]]


class ApplyIn(Schema):
    award: Id
    host_country: text(2, 2)
    purpose: text(12, 1) = "employment"
    target_programme: Id | None = None
    level: text(80) | None = Field(None, description="framework:code, when the award's level is not recorded.")


@router.post("/recognition", response={201: ApplicationOut, **WRITE_ERRORS}, summary="Apply for recognition")
def apply(request, payload: ApplyIn):
    award = get_object_or_404(queries.awards_for(request.user), pk=payload.award)
    country = Country.objects.filter(code=payload.host_country).first()
    if country is None:
        raise ValidationError({"host_country": ["Unknown country code."]})
    programme = get_object_or_404(Programme, pk=payload.target_programme) if payload.target_programme else None
    level = services.level_by_key(payload.level) if payload.level else None
    app = services.apply_for_recognition(request.user, award, host_country=country, purpose=payload.purpose,
                                         target_programme=programme, level=level)
    with translation.override(request_language(request)):
        return Status(201, _application(app))


class DecisionIn(Schema):
    outcome: text(10, 1)
    level: text(80) | None = None
    compensation: text(5000) = ""
    note: text(5000) = ""
    version: int


@router.post("/recognition/{application_id}/decision", response={200: ApplicationOut, **WRITE_ERRORS},
             summary="Decide an application (recognition officers)")
def decision(request, application_id: Id, payload: DecisionIn):
    app = get_object_or_404(queries.applications_for(request.user), pk=application_id)
    level = services.level_by_key(payload.level) if payload.level else None
    try:
        app = services.decide(request.user, app, outcome=payload.outcome, level=level,
                              compensation=payload.compensation, note=payload.note,
                              expected_version=payload.version)
    except services.Conflict as exc:
        return Status(409, exc.as_dict())
    with translation.override(request_language(request)):
        return _application(app)

