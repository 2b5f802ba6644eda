"""Every change to language levels, teacher development and dispatch: permission-checked, validated by
the models' ``full_clean`` (the same validators as forms, API and imports), audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tvetbridge.core import services as core
from tvetbridge.core.roles import Role, role_of

from .models import (
    COMMITTED,
    Assignment,
    DevelopmentProgramme,
    LanguageProficiency,
    Participation,
    ProgrammeLanguageRequirement,
)


def check_owner(user, obj, _m2m=None) -> None:
    """Institution staff add records only for their own institution's faculty, trainees and programmes."""
    if role_of(user) == Role.INSTITUTION_STAFF and user.profile.institution_id not in obj.owner_institution_ids():
        raise PermissionDenied(_("You can only record this for your own institution."))


@transaction.atomic
def record_proficiency(user, data: dict, *, reason: str = "language level recorded") -> LanguageProficiency:
    return core.create_record(user, LanguageProficiency, data, reason=reason, check=check_owner)


@transaction.atomic
def update_proficiency(user, obj: LanguageProficiency, data: dict, *, expected_version: int | None = None,
                       reason: str = "language level changed") -> LanguageProficiency:
    return core.update_record(user, obj, data, reason=reason, expected_version=expected_version,
                              check=check_owner)


@transaction.atomic
def set_programme_requirement(user, data: dict, *, reason: str = "language requirement set"
                              ) -> ProgrammeLanguageRequirement:
    """Create or replace the level a programme requires in a language."""
    existing = ProgrammeLanguageRequirement.objects.filter(programme=data["programme"],
                                                           language_id=data["language_id"]).first()
    if existing is None:
        return core.create_record(user, ProgrammeLanguageRequirement, data, reason=reason, check=check_owner)
    return core.update_record(user, existing, data, reason=reason)


# ------------------------------------------------------------------------------------------- dispatch
# status → {next status: the permission that allows it}. Approving is the coordinators'; the sending
# institution plans, departs, returns and cancels before departure.
TRANSITIONS = {
    Assignment.Status.PLANNING: {Assignment.Status.APPROVED: "approve", Assignment.Status.CANCELLED: "change"},
    Assignment.Status.APPROVED: {Assignment.Status.ABROAD: "change", Assignment.Status.CANCELLED: "change"},
    Assignment.Status.ABROAD: {Assignment.Status.RETURNED: "change"},
}


def pre_departure_done(faculty_id: int, by: dt.date) -> bool:
    """Completed a cross-cultural pre-departure training on or before ``by``."""
    return Participation.objects.filter(
        faculty_id=faculty_id, result=Participation.Result.COMPLETED, completed_on__lte=by,
        session__programme__kind=DevelopmentProgramme.Kind.PRE_DEPARTURE).exists()


@transaction.atomic
def record_participation(user, data: dict, *, reason: str = "participation recorded") -> Participation:
    return core.create_record(user, Participation, data, reason=reason, check=check_owner)


@transaction.atomic
def plan_assignment(user, data: dict, *, reason: str = "dispatch planned") -> Assignment:
    """A dispatch in planning, sent from the teacher's own institution; the teacher must not already
    be committed to another dispatch in an overlapping period."""
    faculty = data["faculty"]
    data = {**data, "from_institution": faculty.institution, "status": Assignment.Status.PLANNING}
    clash = Assignment.objects.filter(faculty=faculty, status__in=COMMITTED, start_date__lte=data["end_date"],
                                      end_date__gte=data["start_date"]).first()
    if clash is not None:
        raise ValidationError({"start_date": _("This teacher is already dispatched from %(start)s to %(end)s.")
                               % {"start": clash.start_date.isoformat(), "end": clash.end_date.isoformat()}})
    return core.create_record(user, Assignment, data, reason=reason, check=check_owner)


def available_transitions(user, assignment: Assignment) -> list[str]:
    return [to for to, action in TRANSITIONS.get(assignment.status, {}).items()
            if user.has_perm(f"teachers.{action}_assignment", assignment)]


@transaction.atomic
def transition_assignment(user, assignment: Assignment, to: str, *, rating: int | None = None,
                          expected_version: int | None = None) -> Assignment:
    """Move a dispatch along planning → approved → abroad → returned (or cancel it before departure).
    Approval is refused until the teacher has completed the pre-departure training; a return may
    carry the result that feeds the teacher's record."""
    allowed = TRANSITIONS.get(assignment.status, {})
    if to not in allowed:
        raise ValidationError(_("A dispatch cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": assignment.get_status_display(), "to": to})
    core.require(user, allowed[to], Assignment, assignment)
    if to == Assignment.Status.APPROVED and not pre_departure_done(assignment.faculty_id, assignment.start_date):
        raise ValidationError(_("%(teacher)s has not completed the cross-cultural pre-departure training; "
                                "the dispatch cannot be approved.") % {"teacher": assignment.faculty.full_name})
    data: dict = {"status": to}
    if to == Assignment.Status.RETURNED and rating is not None:
        data["rating"] = rating
    return core.update_record(user, assignment, data, reason=f"dispatch {to}", expected_version=expected_version,
                              check=check_owner if allowed[to] == "change" else None)


def may_plan(user, faculty) -> bool:
    """Whether ``user`` may plan a dispatch for this teacher (the button is shown only then)."""
    if not user.has_perm("teachers.add_assignment"):
        return False
    return role_of(user) != Role.INSTITUTION_STAFF or user.profile.institution_id == faculty.institution_id


@transaction.atomic
def plan_for_shortage(user, *, faculty, cell, project, start: dt.date, end: dt.date) -> Assignment:
    """A dispatch into a shortage cell (its country, field and language of instruction) for one of the
    cell's projects; the cell's gap falls by one for the period."""
    if project.pk not in cell.project_ids:
        raise ValidationError({"project": _("Choose one of the projects behind this shortage.")})
    return plan_assignment(user, {"faculty": faculty, "project": project, "country_id": cell.country,
                                  "field_id": cell.field, "language_id": cell.language, "start_date": start,
                                  "end_date": end}, reason="dispatch planned for a teacher shortage")
