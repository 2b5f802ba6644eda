"""Who may see and do what with frameworks, credit transfer, recognition and issued credentials.

Frameworks and referencing tables are public reference data; coordinators edit them. Institutions
maintain their own programme placements, modules and credential types, and issue, suspend and revoke
the credentials of their own issuer identity. A trainee sees their own credentials and applications.
Recognition decisions are the coordinators' (acting as the recognition authority).
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import (
    acts_for_owner,
    is_admin,
    is_institution_staff,
    is_manager,
    is_member,
    is_trainee,
    role_of,
)


@rules.predicate
def always(user) -> bool:
    return True


@rules.predicate
def holds_it(user, obj) -> bool:
    """The trainee's own account, for a record about that trainee."""
    if obj is None or role_of(user) != "trainee":
        return False
    trainee_id = getattr(obj, "trainee_id", None)
    return trainee_id is not None and getattr(getattr(user, "trainee", None), "pk", None) == trainee_id


@rules.predicate
def acts_for_source(user, obj) -> bool:
    profile = getattr(user, "profile", None)
    return obj is not None and profile is not None and profile.institution_id == obj.source.institution_id


@rules.predicate
def acts_for_target(user, obj) -> bool:
    profile = getattr(user, "profile", None)
    return obj is not None and profile is not None and profile.institution_id == obj.target.institution_id


@rules.predicate
def has_trainee_record(user) -> bool:
    return role_of(user) == "trainee" and getattr(user, "trainee", None) is not None


own_staff = is_institution_staff & acts_for_owner

framework_permissions = {
    "view": always,
    "add": is_manager,
    "change": is_manager,
    "delete": is_manager,
}

programme_part_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own_staff,
    "delete": is_manager | own_staff,
}

agreement_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager,
    "delete": is_admin,
    "approve_source": is_manager | (is_institution_staff & acts_for_source),
    "approve_target": is_manager | (is_institution_staff & acts_for_target),
}

issuer_permissions = {
    "view": is_manager | own_staff,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own_staff,
    "delete": is_admin,
    "issue": is_manager | own_staff,
}

issued_permissions = {
    "view": is_manager | own_staff | holds_it,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own_staff,
    "delete": is_admin,
}

application_permissions = {
    "view": is_manager | holds_it | own_staff,
    "add": is_manager | is_institution_staff | has_trainee_record,
    "change": is_manager,
    "delete": is_admin,
    "decide": is_manager,
    "appeal": holds_it | own_staff,
}

# Model-level questions the menus ask (no object): may this user use the pages at all?
rules.add_perm("credentials.use_credit_transfer", is_member)
rules.add_perm("credentials.use_recognition", is_member | has_trainee_record)
rules.add_perm("credentials.decide_recognition", is_manager)
rules.add_perm("credentials.manage_credentials", is_manager | is_institution_staff)
rules.add_perm("credentials.view_own_credentials", has_trainee_record)
rules.add_perm("credentials.edit_frameworks", is_manager)
rules.add_perm("credentials.report_recognition", is_manager)

__all__ = ["acts_for_owner", "always", "holds_it", "is_trainee"]
