"""Who may see and change trainee records, incomes, targets and quality flags.

The same predicates answer ``user.has_perm(...)`` in pages, API and admin; list queries apply the
equivalent filters in ``queries.py`` (``trainees_for``), so a record a user cannot open never shows
up in a list either.

Personal data: identity hashes and incomes are readable by admins, coordinators and the staff of an
institution that runs the trainee's project or programme. Enterprise staff see only people who
consented to job matching, and never their incomes. The public sees only suppressed aggregates.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import (
    acts_for_owner,
    is_admin,
    is_enterprise_staff,
    is_institution_staff,
    is_manager,
    is_member,
    role_of,
)


@rules.predicate
def consented_to_matching(user, obj) -> bool:
    return obj is not None and bool(getattr(obj, "consent_matching", False))


@rules.predicate
def listed_for_enterprise(user, obj) -> bool:
    """On a candidate list of one of the enterprise's vacancies, or interested in one of them."""
    from .queries import enterprise_trainee_ids  # queries import the models, which import these rules

    return obj is not None and obj.pk in enterprise_trainee_ids(user)


trainee_permissions = {
    "view": is_manager | (is_institution_staff & acts_for_owner)
    | (is_enterprise_staff & consented_to_matching & listed_for_enterprise),
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_admin | (is_institution_staff & acts_for_owner),
}

trainee_child_permissions = {
    "view": is_manager | (is_institution_staff & acts_for_owner),
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_admin | (is_institution_staff & acts_for_owner),
}

income_permissions = trainee_child_permissions

target_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_manager,
}

flag_permissions = {
    "view": is_manager | (is_institution_staff & acts_for_owner),
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
    # Reviewing, commenting and resolving are the coordinators' job, not the project's own staff.
    "review": is_manager,
}

# Model-level questions without an object: "may this user ever see incomes / identity hashes?"
# With an object, the owner check applies.
@rules.predicate
def no_object(user, obj) -> bool:
    return obj is None


rules.add_perm("outcomes.view_income", is_manager | (is_institution_staff & (no_object | acts_for_owner)))
rules.add_perm("outcomes.view_identity", is_manager | (is_institution_staff & (no_object | acts_for_owner)))
rules.add_perm("outcomes.import_outcomes", is_manager | is_institution_staff)
rules.add_perm("outcomes.view_trainees", is_manager | is_institution_staff | is_enterprise_staff)
# A project's impact estimates and target progress carry counts of fewer than five people: staff roles
# only. Trainees' own accounts and the public see the suppressed results chain.
rules.add_perm("outcomes.view_project_internals", is_member)


def sees_incomes(user, trainee=None) -> bool:
    """Incomes of ``trainee`` (or, without one, incomes at all) may be shown to ``user``."""
    role = role_of(user)
    if role in ("admin", "coordinator"):
        return True
    if role == "institution":
        return trainee is None or user.profile.institution_id in trainee.owner_institution_ids()
    return False


def sees_identity(user, trainee=None) -> bool:
    return sees_incomes(user, trainee)


__all__ = ["acts_for_owner", "consented_to_matching", "flag_permissions", "income_permissions",
           "is_member", "sees_identity", "sees_incomes", "target_permissions", "trainee_child_permissions",
           "trainee_permissions"]
# Consumer-price inflation, as the admin site asks for it (its form saves through services.set_cpi).
for _action in ("view", "add", "change"):
    rules.add_perm(f"outcomes.{_action}_cpiindex", is_manager)
