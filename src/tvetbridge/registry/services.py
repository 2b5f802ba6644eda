"""Every state change of registry records. Views, API, imports and the CLI call these; none writes
models directly. The write itself (permission, validation, version check, audit row) is the shared
one in ``core.services``; this module adds what is particular to the registry: institution staff
stay inside their own institution, and a project's status moves only along ``TRANSITIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core import services as core
from tvetbridge.core.services import delete_record, perm_name, require  # noqa: F401 - the registry's API

from .models import CooperationProject

Status = CooperationProject.Status


# ---------------------------------------------------------------------------------------------------
# The project life cycle


@dataclass(frozen=True)
class Transition:
    """A move of a project's status; ``action`` names the rules permission that allows it
    (``registry.<action>_cooperationproject``, see ``registry/rules.py``)."""

    name: str
    sources: tuple[str, ...]
    target: str
    action: str
    label: Any


TRANSITIONS: tuple[Transition, ...] = (
    Transition("propose", (Status.DRAFT,), Status.PROPOSED, "propose", gettext_lazy("Propose for approval")),
    Transition("return", (Status.PROPOSED,), Status.DRAFT, "approve", gettext_lazy("Return to draft")),
    Transition("approve", (Status.DRAFT, Status.PROPOSED), Status.APPROVED, "approve", gettext_lazy("Approve")),
    Transition("start", (Status.APPROVED,), Status.ACTIVE, "run", gettext_lazy("Start")),
    Transition("complete", (Status.ACTIVE,), Status.COMPLETED, "approve", gettext_lazy("Mark completed")),
    Transition("suspend", (Status.APPROVED, Status.ACTIVE), Status.SUSPENDED, "approve", gettext_lazy("Suspend")),
    Transition("resume", (Status.SUSPENDED,), Status.ACTIVE, "approve", gettext_lazy("Resume")),
    Transition("withdraw", (Status.DRAFT, Status.PROPOSED), Status.CANCELLED, "propose", gettext_lazy("Withdraw")),
    Transition("cancel", (Status.APPROVED, Status.ACTIVE, Status.SUSPENDED), Status.CANCELLED, "approve",
               gettext_lazy("Cancel")),
)
# Statuses that only exist after a coordinator's approval.
APPROVED_STATUSES = frozenset({Status.APPROVED, Status.ACTIVE, Status.COMPLETED, Status.SUSPENDED})


def _path(source: str | None, target: str) -> list[Transition] | None:
    """The shortest chain of transitions from ``source`` (None: a new record, which starts as a draft)
    to ``target``; a record created as ``active`` has, in effect, been proposed, approved and started."""
    start = source or Status.DRAFT
    if start == target:
        return []
    frontier: list[tuple[str, list[Transition]]] = [(start, [])]
    seen = {start}
    while frontier:
        status, chain = frontier.pop(0)
        for t in TRANSITIONS:
            if status in t.sources and t.target not in seen:
                if t.target == target:
                    return [*chain, t]
                seen.add(t.target)
                frontier.append((t.target, [*chain, t]))
    return None


def status_change_error(user, project: CooperationProject, source: str | None, target: str,
                        *, exception: bool = False) -> str | None:
    """Why ``user`` may not move ``project`` from ``source`` to ``target``, or None when allowed;
    with ``exception``, raise instead: ValidationError for a move that does not exist,
    PermissionDenied for one this user may not make.

    One answer for pages, API and imports. Creating or editing a record may only make a move the user
    could make with the transition buttons; an approval never happens as a side effect for someone who
    may not approve."""
    if source == target:
        return None
    chain = _path(source, target)
    if chain is None:
        message = _("A project cannot go from “%(source)s” to “%(target)s”.") % {
            "source": Status(source).label if source else Status.DRAFT.label, "target": Status(target).label}
        if exception:
            raise ValidationError({"status": message})
        return message
    for t in chain:
        if not user.has_perm(perm_name(CooperationProject, t.action), project):
            if t.action == "approve":
                message = _("Only coordinators can approve, suspend or complete a project; use the status draft "
                            "or proposed.")
            else:
                message = _("You may not move this project to “%(target)s”.") % {"target": Status(t.target).label}
            if exception:
                raise PermissionDenied(message)
            return message
    return None


def _check_status(user, project: CooperationProject, source: str | None) -> None:
    status_change_error(user, project, source, project.status, exception=True)
    if project.status in APPROVED_STATUSES and source not in APPROVED_STATUSES and project.approved_by_id is None:
        project.approved_by = user if getattr(user, "is_authenticated", False) else None
        project.approved_at = timezone.now()


def available_transitions(user, project: CooperationProject) -> list[Transition]:
    """The moves ``user`` may make now, for the project page's buttons."""
    return [t for t in TRANSITIONS if project.status in t.sources
            and user.has_perm(perm_name(CooperationProject, t.action), project)]


@core.retry_when_busy
def transition_project(user, project: CooperationProject, name: str, *, comment: str = "",
                       expected_version: int | None = None) -> CooperationProject:
    """Make one named move of the project's life cycle."""
    transition = next((t for t in TRANSITIONS if t.name == name), None)
    if transition is None:
        raise ValidationError({"transition": _("Unknown step “%(name)s”.") % {"name": name}})
    if not user.has_perm(perm_name(CooperationProject, transition.action), project):
        raise PermissionDenied(_("You may not do this to this project."))
    if project.status not in transition.sources:
        raise ValidationError({"status": _("A %(status)s project cannot be changed this way.")
                               % {"status": project.get_status_display()}})
    project.status = transition.target
    if transition.target == Status.APPROVED:
        project.approved_by = user
        project.approved_at = timezone.now()
    project = core.save(user, project, reason=comment or transition.name, expected_version=expected_version)
    if transition.target == Status.PROPOSED:
        from tvetbridge.notifications import facts
        from tvetbridge.notifications.queries import coordinator_ids
        from tvetbridge.notifications.services import announce

        announce("registry.project_proposed", coordinator_ids(),
                 {"project": facts.ref(project), "user": user.get_full_name() or user.get_username()},
                 link="cooperationproject_detail", link_args=[project.pk])
    return project


def approve_project(user, project: CooperationProject, *, comment: str = "") -> CooperationProject:
    if project.status not in (Status.DRAFT, Status.PROPOSED):
        require(user, "approve", CooperationProject, project)
        raise ValidationError({"status": _("Only draft or proposed projects can be approved.")})
    return transition_project(user, project, "approve", comment=comment)


# ---------------------------------------------------------------------------------------------------
# Records


def _check_scope(user, obj: models.Model, m2m: Mapping[str, Iterable], *, source_status: str | None = None) -> None:
    """Institution staff may only create or move records into their own institution's scope."""
    if isinstance(obj, CooperationProject):
        _check_status(user, obj, source_status)
    profile = getattr(user, "profile", None)
    if profile is None or profile.role != "institution" or user.is_superuser:
        return
    own = profile.institution_id
    if hasattr(obj, "institution_id") and obj.institution_id != own:
        raise ValidationError({"institution": _("You can only add records for your own institution.")})
    if isinstance(obj, CooperationProject):
        partners = {getattr(i, "pk", i) for key in ("chinese_institutions", "partner_institutions")
                    for i in m2m.get(key, [])}
        if m2m and own not in partners:
            raise ValidationError({"partner_institutions": _("Your institution must be a partner of the project.")})


def create_record(user, model: type[models.Model], data: Mapping[str, Any], *, reason: str = "created"):
    return core.create_record(user, model, data, reason=reason, check=_check_scope)


def update_record(user, obj: models.Model, data: Mapping[str, Any], *, reason: str = "updated",
                  expected_version: int | None = None):
    source = obj.status if isinstance(obj, CooperationProject) else None

    def check(u, o, m2m):
        _check_scope(u, o, m2m, source_status=source)

    return core.update_record(user, obj, data, reason=reason, expected_version=expected_version, check=check)


# ---------------------------------------------------------------------------------------------------
# Alliance membership


def _member_relation(member: models.Model) -> str:
    from .models import Enterprise, Institution

    if isinstance(member, Institution):
        return "institutions"
    if isinstance(member, Enterprise):
        return "enterprises"
    raise ValidationError(_("Only institutions and enterprises can be members of an alliance."))


MEMBER_RELATIONS = {"institutions": "institution", "enterprises": "enterprise", "lead_institutions": "institution"}


def _record_untracked_members(user, alliance) -> None:
    """Before a tracked membership change, write what the alliance holds now if its last history row
    says otherwise (members loaded in bulk or before tracking began), so the change that follows is
    told apart from them."""
    history = type(alliance).history.model
    last = history.objects.filter(id=alliance.pk).order_by("-history_date", "-history_id").first()
    current = {name: dict(getattr(alliance, name).through.objects.filter(alliance_id=alliance.pk)
                          .values_list(f"{target}_id", "id"))
               for name, target in MEMBER_RELATIONS.items()}
    recorded = {name: set(getattr(history, name).model.objects.filter(history_id=last.history_id)
                          .values_list(f"{target}_id", flat=True)) if last else set()
                for name, target in MEMBER_RELATIONS.items()}
    if all(set(current[name]) == recorded[name] for name in MEMBER_RELATIONS):
        return
    tracked = {f.attname for f in history._meta.concrete_fields}
    row = history.objects.create(
        **{f.attname: getattr(alliance, f.attname) for f in type(alliance)._meta.concrete_fields
           if f.attname in tracked},
        history_date=timezone.now(), history_type="~", history_user=core.audit_user(user),
        history_change_reason="alliance.membership_baseline")
    for name, target in MEMBER_RELATIONS.items():
        through = getattr(history, name).model
        through.objects.bulk_create([through(history=row, id=link, alliance_id=alliance.pk, **{f"{target}_id": pk})
                                     for pk, link in current[name].items()])


@core.retry_when_busy
def add_alliance_member(user, alliance, member: models.Model, *, expected_version: int | None = None):
    """Make an institution or an enterprise a member of ``alliance`` (coordinators). The alliance's
    version moves on, so two coordinators editing the same membership see each other's change."""
    relation = _member_relation(member)
    with transaction.atomic():
        require(user, "change", type(alliance), alliance)
        _record_untracked_members(user, alliance)
        if getattr(alliance, relation).filter(pk=member.pk).exists():
            raise ValidationError({relation: _("%(member)s is already a member.") % {"member": member}})
        members = [*getattr(alliance, relation).all(), member]
        # Which member is in the history rows' member lists; the reason is a code, shown translated.
        return core.save(user, alliance, reason="alliance.member_added", m2m={relation: members},
                         expected_version=expected_version)


@core.retry_when_busy
def remove_alliance_member(user, alliance, member: models.Model, *, expected_version: int | None = None):
    """End a membership; a lead institution stops leading the alliance with it."""
    relation = _member_relation(member)
    with transaction.atomic():
        require(user, "change", type(alliance), alliance)
        _record_untracked_members(user, alliance)
        if not getattr(alliance, relation).filter(pk=member.pk).exists():
            raise ValidationError({relation: _("%(member)s is not a member.") % {"member": member}})
        m2m = {relation: getattr(alliance, relation).exclude(pk=member.pk)}
        if relation == "institutions":
            m2m["lead_institutions"] = alliance.lead_institutions.exclude(pk=member.pk)
        return core.save(user, alliance, reason="alliance.member_removed",
                         m2m={k: list(v) for k, v in m2m.items()}, expected_version=expected_version)
