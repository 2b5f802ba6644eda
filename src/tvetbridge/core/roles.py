"""Role predicates shared by every app's rules. One definition, used by pages, API and admin."""

from __future__ import annotations

import rules

from .models import Role


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


@rules.predicate
def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


@rules.predicate
def is_coordinator(user) -> bool:
    return role_of(user) == Role.COORDINATOR


@rules.predicate
def is_institution_staff(user) -> bool:
    return role_of(user) == Role.INSTITUTION_STAFF


@rules.predicate
def is_enterprise_staff(user) -> bool:
    return role_of(user) == Role.ENTERPRISE_STAFF


@rules.predicate
def is_trainee(user) -> bool:
    """A trainee's own account: sees their own vacancy matches, nothing of other people."""
    return role_of(user) == Role.TRAINEE


@rules.predicate
def is_member(user) -> bool:
    """Any signed-in user with a staff role (not a trainee's own account); the public sees only
    published aggregates, a trainee only their own matches."""
    return role_of(user) not in (None, Role.TRAINEE)


is_manager = is_admin | is_coordinator


@rules.predicate
def acts_for_owner(user, obj) -> bool:
    """Staff of an institution that owns ``obj``: every owned record answers ``owner_institution_ids()``."""
    if obj is None:
        return False
    profile = getattr(user, "profile", None)
    return profile is not None and profile.institution_id in obj.owner_institution_ids()


# The shared kernel's editable tables, as the admin site asks for them (its forms save through
# core.services, which check the same roles): rates are the managers', roles and tokens the admins'.
for _action in ("view", "add", "change"):
    rules.add_perm(f"core.{_action}_exchangerate", is_manager)
rules.add_perm("core.view_profile", is_admin)
rules.add_perm("core.change_profile", is_admin)
rules.add_perm("core.view_apitoken", is_admin)
