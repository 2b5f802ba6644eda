# Over 500 lines: every governance state change, one short atomic function each, by the rule that writes live in services.
"""Every state change of governance records. Pages, API and imports call these; none writes models
directly. The write itself (permission, validation, version check, audit row) is the shared one in
``core.services``; this module adds what is particular to governance: institution staff act only for
their own institution, documents are checked before they are stored, and an overseas operation moves
only along ``OPERATION_TRANSITIONS`` (an exit plan must exist before it is submitted or approved).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core import services as core
from tvetbridge.core.services import require
from tvetbridge.outcomes.models import Credential
from tvetbridge.registry.models import CooperationProject

from .models import (
    Agreement,
    AgreementDocument,
    Asset,
    Committee,
    CommitteeMember,
    ContinuityClause,
    Decision,
    Event,
    ExitPlan,
    FollowUpAction,
    OperationDocument,
    OverseasOperation,
    Participant,
    Signatory,
    SupervisionReport,
)

Status = OverseasOperation.Status

# ---------------------------------------------------------------------------------------------------
# Acting for an institution


def _own_institution(user) -> int | None:
    """The institution an institution-staff user acts for; None for coordinators and admins."""
    profile = getattr(user, "profile", None)
    if user.is_superuser or profile is None or profile.role != "institution":
        return None
    return profile.institution_id


def _check_agreement(user, obj: Agreement, m2m: Mapping[str, Iterable]) -> None:
    own = _own_institution(user)
    if own is not None and "institutions" in m2m and own not in {getattr(i, "pk", i) for i in m2m["institutions"]}:
        raise ValidationError({"institutions": _("Your institution must be a party to the agreement.")})
    if obj.status == Agreement.Status.SIGNED and obj.signed_on is None:
        raise ValidationError({"signed_on": _("A signed agreement needs the date it was signed.")})


def create_agreement(user, data: Mapping[str, Any]) -> Agreement:
    return core.create_record(user, Agreement, {**data, "created_by": user if user.is_authenticated else None},
                              check=_check_agreement)


def update_agreement(user, agreement: Agreement, data: Mapping[str, Any], *,
                     expected_version: int | None = None) -> Agreement:
    return core.update_record(user, agreement, data, expected_version=expected_version, check=_check_agreement)


def _clean_clause(clause: ContinuityClause) -> None:
    if clause.kind == ContinuityClause.Kind.NOTICE and not clause.notice_days:
        raise ValidationError({"notice_days": _("A notice-period clause needs the number of days of notice.")})
    if clause.kind == ContinuityClause.Kind.GUARANTEE and not clause.guarantor.strip():
        raise ValidationError({"guarantor": _("A guarantee clause needs the guarantor.")})


@core.retry_when_busy
def add_clause(user, agreement: Agreement, data: Mapping[str, Any]) -> ContinuityClause:
    clause = ContinuityClause(agreement=agreement)
    require(user, "add", ContinuityClause)
    require(user, "change", Agreement, agreement)
    core.assign(clause, data)
    _clean_clause(clause)
    return core.save(user, clause, reason="clause added")


def update_clause(user, clause: ContinuityClause, data: Mapping[str, Any], *,
                  expected_version: int | None = None) -> ContinuityClause:
    return core.update_record(user, clause, data, expected_version=expected_version,
                              check=lambda u, o, m2m: _clean_clause(o))


@core.retry_when_busy
def add_signatory(user, agreement: Agreement, data: Mapping[str, Any]) -> Signatory:
    require(user, "change", Agreement, agreement)
    signatory = Signatory(agreement=agreement)
    core.assign(signatory, data)
    return core.save(user, signatory, reason="signatory added")


# ---------------------------------------------------------------------------------------------------
# Documents


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Office documents are ZIP containers: bound what a crafted one could make us read.
MAX_ZIP_MEMBERS = 2000
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
                  "application/vnd.oasis.opendocument.text": "ODT"}


def document_type(head: bytes, read_all) -> str | None:
    """The type of a file from its content (never from its name or the browser's claim)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(read_all())) as z:
                names = z.namelist()
                if len(names) > MAX_ZIP_MEMBERS:
                    return None
                if "word/document.xml" in names:
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if "mimetype" in names and z.getinfo("mimetype").file_size < 100 \
                        and z.read("mimetype") == b"application/vnd.oasis.opendocument.text":
                    return "application/vnd.oasis.opendocument.text"
        except zipfile.BadZipFile:
            return None
    return None


def check_document(upload) -> str:
    """The content type of an acceptable upload, or a ValidationError on ``file`` naming the limit."""
    size = upload.size
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("The file is %(size)s MB; documents may be at most %(max)s MB.")
                               % {"size": round(size / 1048576, 1), "max": MAX_DOCUMENT_BYTES // 1048576}})
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)

    def read_all() -> bytes:
        upload.seek(0)
        return upload.read(MAX_DOCUMENT_BYTES + 1)

    kind = document_type(head, read_all)
    upload.seek(0)
    if kind is None:
        raise ValidationError({"file": _("Only PDF, DOCX, ODT, PNG and JPEG documents can be uploaded.")})
    return kind


@core.retry_when_busy
def upload_agreement_document(user, agreement: Agreement, *, file, language: str, title: str) -> AgreementDocument:
    # Permission first: the file is not read for someone who may not attach it.
    require(user, "add", AgreementDocument)
    require(user, "change", Agreement, agreement)
    doc = AgreementDocument(agreement=agreement, language=language, title=title, file=file,
                            content_type=check_document(file), size=file.size,
                            uploaded_by=user if user.is_authenticated else None)
    return core.save(user, doc, reason="document uploaded")


@core.retry_when_busy
def upload_operation_document(user, operation: OverseasOperation, *, file, language: str, title: str,
                              kind: str) -> OperationDocument:
    doc = OperationDocument(operation=operation, language=language, title=title, kind=kind)
    require(user, "add", OperationDocument)
    require(user, "change", OperationDocument, doc)
    doc.file, doc.content_type, doc.size = file, check_document(file), file.size
    doc.uploaded_by = user if user.is_authenticated else None
    return core.save(user, doc, reason="document uploaded")


# ---------------------------------------------------------------------------------------------------
# Overseas operations: the application and its life cycle


@dataclass(frozen=True)
class Transition:
    """A move of an operation's status; ``action`` names the rules permission that allows it
    (``governance.<action>_overseasoperation``, see ``governance/rules.py``)."""

    name: str
    sources: tuple[str, ...]
    target: str
    action: str
    label: Any
    needs_note: bool = False


OPERATION_TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, "apply",
               gettext_lazy("Submit for approval")),
    Transition("withdraw", (Status.DRAFT, Status.RETURNED, Status.SUBMITTED), Status.WITHDRAWN, "apply",
               gettext_lazy("Withdraw")),
    Transition("return", (Status.SUBMITTED,), Status.RETURNED, "review", gettext_lazy("Return for changes"),
               needs_note=True),
    Transition("approve", (Status.SUBMITTED,), Status.APPROVED, "approve", gettext_lazy("Approve")),
    Transition("reject", (Status.SUBMITTED,), Status.REJECTED, "approve", gettext_lazy("Reject"), needs_note=True),
    Transition("suspend", (Status.APPROVED,), Status.SUSPENDED, "approve", gettext_lazy("Suspend"), needs_note=True),
    Transition("resume", (Status.SUSPENDED,), Status.APPROVED, "approve", gettext_lazy("Resume")),
    Transition("close", (Status.EXITING,), Status.CLOSED, "approve", gettext_lazy("Close after exit")),
)
# The exit is its own step (``trigger_exit``): it opens the exit plan and names its cause.
EXIT_SOURCES = (Status.APPROVED, Status.SUSPENDED)


def _check_operation(user, op: OverseasOperation, m2m) -> None:
    own = _own_institution(user)
    if own is not None and op.operator_id != own:
        raise ValidationError({"operator": _("You can only apply for your own institution.")})
    if op.project_id:
        project = CooperationProject.objects.select_related("host_country").get(pk=op.project_id)
        op.host_country_id = project.host_country_id
        operator_country = op.operator.country_id if op.operator_id else None
        if op.operator_id and not (project.chinese_institutions.filter(pk=op.operator_id).exists()
                                   or project.partner_institutions.filter(pk=op.operator_id).exists()):
            raise ValidationError({"project": _("The operator is not one of this project's institutions.")})
        if operator_country == project.host_country_id:
            raise ValidationError({"project": _("This project is hosted in the operator's own country: it is not "
                                                "run abroad.")})


def create_operation(user, data: Mapping[str, Any]) -> OverseasOperation:
    own = _own_institution(user)
    data = {**data, "created_by": user if user.is_authenticated else None}
    if own is not None and not data.get("operator"):
        data["operator"] = own
    return core.create_record(user, OverseasOperation, data, reason="application started",
                              check=_check_operation)


def update_operation(user, op: OverseasOperation, data: Mapping[str, Any], *,
                     expected_version: int | None = None) -> OverseasOperation:
    return core.update_record(user, op, data, expected_version=expected_version, check=_check_operation)


def exit_plan_missing(op: OverseasOperation) -> bool:
    plan = ExitPlan.objects.filter(operation=op).first()
    return plan is None or not (plan.students.strip() and plan.teachers.strip() and plan.assets.strip())


def available_transitions(user, op: OverseasOperation) -> list[Transition]:
    return [t for t in OPERATION_TRANSITIONS if op.status in t.sources
            and user.has_perm(core.perm_name(OverseasOperation, t.action), op)]


@core.retry_when_busy
def transition_operation(user, op: OverseasOperation, name: str, *, note: str = "",
                         expected_version: int | None = None) -> OverseasOperation:
    """Make one named move of the operation's life cycle."""
    transition = next((t for t in OPERATION_TRANSITIONS if t.name == name), None)
    if transition is None:
        raise ValidationError({"transition": _("Unknown step “%(name)s”.") % {"name": name}})
    if not user.has_perm(core.perm_name(OverseasOperation, transition.action), op):
        raise PermissionDenied(_("You may not do this to this operation."))
    if op.status not in transition.sources:
        raise ValidationError({"status": _("An operation that is %(status)s cannot be changed this way.")
                               % {"status": op.get_status_display()}})
    if transition.needs_note and not note.strip():
        raise ValidationError({"note": _("Give the reason, so that the operator knows what to do.")})
    if transition.target in (Status.SUBMITTED, Status.APPROVED) and exit_plan_missing(op):
        raise ValidationError({"exit_plan": _("An operation abroad needs an exit plan (students, teachers and "
                                              "assets) before it is submitted or approved.")})
    op.status = transition.target
    now = timezone.now()
    if transition.target == Status.SUBMITTED:
        op.submitted_at = now
    if transition.action in ("approve", "review"):
        op.decided_by, op.decided_at, op.decision_note = user, now, note
    return core.save(user, op, reason=note or transition.name, expected_version=expected_version)


@core.retry_when_busy
def save_exit_plan(user, op: OverseasOperation, data: Mapping[str, Any], *,
                   expected_version: int | None = None) -> ExitPlan:
    plan = ExitPlan.objects.filter(operation=op).first()
    if plan is None:
        plan = ExitPlan(operation=op)
        require(user, "add", ExitPlan)
        require(user, "change", ExitPlan, plan)
        core.assign(plan, data)
        return core.save(user, plan, reason="exit plan written")
    return core.update_record(user, plan, data, reason="exit plan revised", expected_version=expected_version)


@core.retry_when_busy
def trigger_exit(user, op: OverseasOperation, *, reason: str, alert=None) -> ExitPlan:
    """Open the operation's exit plan: the operation winds down as the plan says. The cause is a risk
    alert on the host country or a coordinator's decision (the reason)."""
    plan = ExitPlan.objects.select_for_update().filter(operation=op).first()
    if plan is None:
        raise ValidationError({"exit_plan": _("This operation has no exit plan.")})
    require(user, "trigger", ExitPlan, plan)
    if op.status not in EXIT_SOURCES:
        raise ValidationError({"status": _("An operation that is %(status)s cannot begin an exit.")
                               % {"status": op.get_status_display()}})
    if alert is not None and alert.country_id != op.host_country_id:
        raise ValidationError({"alert": _("The alert is about another country.")})
    if not reason.strip() and alert is None:
        raise ValidationError({"reason": _("Give the decision that ends the operation.")})
    plan.status, plan.triggered_at, plan.triggered_by = ExitPlan.Status.TRIGGERED, timezone.now(), user
    plan.trigger_alert, plan.trigger_reason = alert, reason
    core.save(user, plan, reason="exit triggered")
    op.status = Status.EXITING
    core.save(user, op, reason="exit")
    return plan


@core.retry_when_busy
def record_exit_progress(user, plan: ExitPlan, *, note: str, completed: bool = False,
                         expected_version: int | None = None) -> ExitPlan:
    require(user, "progress", ExitPlan, plan)
    if plan.status == ExitPlan.Status.PREPARED:
        raise ValidationError({"status": _("The exit has not been triggered.")})
    plan.progress_note = note
    if completed:
        plan.status = ExitPlan.Status.COMPLETED
    return core.save(user, plan, reason="exit progress", expected_version=expected_version)


# ---------------------------------------------------------------------------------------------------
# Assets and supervision reports


def _child(user, model: type[models.Model], op: OverseasOperation, data: Mapping[str, Any], reason: str):
    obj = model(operation=op)
    require(user, "add", model)
    # Object-level: the new record belongs to this operation, so the operation's owner rules apply.
    require(user, "change", model, obj)
    core.assign(obj, data)
    return core.save(user, obj, reason=reason)


@core.retry_when_busy
def add_asset(user, op: OverseasOperation, data: Mapping[str, Any]) -> Asset:
    return _child(user, Asset, op, data, "asset registered")


def update_asset(user, asset: Asset, data: Mapping[str, Any], *, expected_version: int | None = None) -> Asset:
    return core.update_record(user, asset, data, expected_version=expected_version)


@core.retry_when_busy
def add_report(user, op: OverseasOperation, data: Mapping[str, Any]) -> SupervisionReport:
    if op.status not in (Status.APPROVED, Status.SUSPENDED, Status.EXITING):
        raise ValidationError({"operation": _("Supervision reports are written for approved operations.")})
    return _child(user, SupervisionReport, op, data, "supervision report")


@core.retry_when_busy
def review_report(user, report: SupervisionReport, *, note: str) -> SupervisionReport:
    require(user, "review", SupervisionReport, report)
    if report.reviewed_at is not None:
        raise ValidationError({"status": _("This report has already been reviewed.")})
    report.reviewed_by, report.reviewed_at, report.review_note = user, timezone.now(), note
    return core.save(user, report, reason="reviewed")


# ---------------------------------------------------------------------------------------------------
# Committees and events


def create_committee(user, data: Mapping[str, Any]) -> Committee:
    return core.create_record(user, Committee, {**data, "created_by": user if user.is_authenticated else None})


def update_committee(user, committee: Committee, data: Mapping[str, Any], *,
                     expected_version: int | None = None) -> Committee:
    return core.update_record(user, committee, data, expected_version=expected_version)


def _clean_member(user, member: CommitteeMember, m2m=None) -> None:
    if not member.institution_id and not member.organisation.strip():
        raise ValidationError({"organisation": _("Give the member's institution or organisation.")})
    if member.since and member.until and member.until < member.since:
        raise ValidationError({"until": _("The seat cannot end before it begins.")})


@core.retry_when_busy
def add_member(user, committee: Committee, data: Mapping[str, Any]) -> CommitteeMember:
    require(user, "add", CommitteeMember)
    # Coordinators seat the first members; after that the members' own staff keep the list.
    require(user, "change", Committee, committee)
    member = CommitteeMember(committee=committee)
    core.assign(member, data)
    _clean_member(user, member)
    return core.save(user, member, reason="member seated")


def update_member(user, member: CommitteeMember, data: Mapping[str, Any], *,
                  expected_version: int | None = None) -> CommitteeMember:
    return core.update_record(user, member, data, expected_version=expected_version, check=_clean_member)


def _check_event(user, event: Event, m2m) -> None:
    own = _own_institution(user)
    if own is not None and own not in event.owner_institution_ids():
        raise ValidationError({"organiser": _("Your institution must organise the event or sit on the committee "
                                              "that meets.")})
    if event.status == Event.Status.HELD and event.starts_on and event.starts_on > dt.date.today():
        raise ValidationError({"status": _("An event that has not begun cannot have been held.")})
    if event.kind == Event.Kind.COMMITTEE_MEETING and not event.committee_id:
        raise ValidationError({"committee": _("Name the committee that meets.")})


def create_event(user, data: Mapping[str, Any]) -> Event:
    own = _own_institution(user)
    data = {**data, "created_by": user if user.is_authenticated else None}
    if own is not None and not data.get("organiser") and not data.get("committee"):
        data["organiser"] = own
    return core.create_record(user, Event, data, check=_check_event)


def update_event(user, event: Event, data: Mapping[str, Any], *, expected_version: int | None = None) -> Event:
    return core.update_record(user, event, data, expected_version=expected_version, check=_check_event)


def _clean_participant(user, p: Participant, m2m=None) -> None:
    if p.trainee_id and p.name.strip():
        raise ValidationError({"name": _("A trainee takes part through their record, never by name.")})
    if p.faculty_id and p.trainee_id:
        raise ValidationError({"trainee": _("A participant is either a faculty member or a trainee.")})
    if not (p.faculty_id or p.trainee_id or p.name.strip()):
        raise ValidationError({"name": _("Name the participant, or choose the faculty member or trainee.")})
    if not p.institution_id:
        p.institution_id = (p.faculty.institution_id if p.faculty_id
                            else p.trainee.institution_id if p.trainee_id else None)
    own = _own_institution(user)
    if own is not None and own not in p.owner_institution_ids():
        raise ValidationError({"institution": _("You can only register participants from your own institution.")})
    if p.has_result():
        if p.event.status != Event.Status.HELD:
            raise ValidationError({"placing": _("Results are recorded once the event has been held.")})
        if p.placing and p.event.kind != Event.Kind.COMPETITION:
            raise ValidationError({"placing": _("Placings are given only in skills competitions.")})


@core.retry_when_busy
def add_participant(user, event: Event, data: Mapping[str, Any]) -> Participant:
    require(user, "add", Participant)
    p = Participant(event=event)
    core.assign(p, data)
    _clean_participant(user, p)
    require(user, "change", Participant, p)
    return core.save(user, p, reason="participant registered")


def update_participant(user, p: Participant, data: Mapping[str, Any], *,
                       expected_version: int | None = None) -> Participant:
    if p.credential_id and {"trainee", "certificate"} & set(data):
        raise ValidationError({"certificate": _("This result is already in the trainee's record.")})
    return core.update_record(user, p, data, expected_version=expected_version, check=_clean_participant)


@core.retry_when_busy
def feed_result(user, p: Participant) -> Credential:
    """Put a trainee's competition result into the trainee's record as a skill credential (once).
    The outcomes service decides whether the user may change that trainee's record."""
    from tvetbridge.outcomes import services as outcomes

    require(user, "change", Participant, p)
    if not p.trainee_id:
        raise ValidationError({"trainee": _("Only a trainee's result goes into a trainee record.")})
    if p.credential_id:
        raise ValidationError({"certificate": _("This result is already in the trainee's record.")})
    if p.event.status != Event.Status.HELD or not p.certificate.strip():
        raise ValidationError({"certificate": _("Give the certificate's title once the event has been held: it "
                                                "becomes the trainee's credential.")})
    event = p.event
    issuer = str(event.organiser) if event.organiser_id else event.other_organisers.split(";")[0].strip()
    credential = outcomes.award_credential(user, {"trainee": p.trainee, "kind": "skill", "name": p.certificate,
                                                  "issuer": issuer[:200], "awarded": event.ends_on})
    p.credential = credential
    core.save(user, p, reason="result added to the trainee record")
    return credential


@core.retry_when_busy
def add_decision(user, event: Event, data: Mapping[str, Any]) -> Decision:
    require(user, "add", Decision)
    require(user, "change", Event, event)
    if event.status != Event.Status.HELD:
        raise ValidationError({"text": _("Decisions are recorded once the meeting has been held.")})
    decision = Decision(event=event)
    m2m = core.assign(decision, data)
    return core.save(user, decision, reason="decision recorded", m2m=m2m)


def update_decision(user, decision: Decision, data: Mapping[str, Any], *,
                    expected_version: int | None = None) -> Decision:
    return core.update_record(user, decision, data, expected_version=expected_version)


def _clean_action(user, action: FollowUpAction, m2m=None) -> None:
    if action.status == FollowUpAction.Status.DONE and action.completed_on is None:
        action.completed_on = dt.date.today()
    if action.status != FollowUpAction.Status.DONE and action.completed_on is not None:
        raise ValidationError({"completed_on": _("Only a finished action has a completion date.")})
    if not action.responsible_id and not action.responsible_other.strip():
        raise ValidationError({"responsible": _("Name who is responsible for the action.")})


@core.retry_when_busy
def add_action(user, decision: Decision, data: Mapping[str, Any]) -> FollowUpAction:
    require(user, "add", FollowUpAction)
    require(user, "change", Decision, decision)
    action = FollowUpAction(decision=decision)
    core.assign(action, data)
    _clean_action(user, action)
    return core.save(user, action, reason="action assigned")


def update_action(user, action: FollowUpAction, data: Mapping[str, Any], *,
                  expected_version: int | None = None) -> FollowUpAction:
    return core.update_record(user, action, data, expected_version=expected_version, check=_clean_action)
