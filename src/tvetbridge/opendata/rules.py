"""Who may publish what. Published files themselves are public: anyone may read them."""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_admin, is_enterprise_staff, is_institution_staff, is_manager, is_member


@rules.predicate
def acts_for_publisher(user, obj) -> bool:
    if obj is None:
        return False
    return user.profile.institution_id == obj.institution_id


@rules.predicate
def acts_for_project_publisher(user, obj) -> bool:
    if obj is None:
        return False
    institution = user.profile.institution_id
    return institution == obj.publisher.institution_id and institution in obj.project.owner_institution_ids()


publisher_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_publisher),
    "delete": is_admin,
}

publication_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_project_publisher),
    "delete": is_manager | (is_institution_staff & acts_for_project_publisher),
}

@rules.predicate
def is_published_case(user, obj) -> bool:
    case = getattr(obj, "case", obj)
    return case is not None and case.status == "published"


@rules.predicate
def acts_for_case_project(user, obj) -> bool:
    """Staff of an institution that owns the case's project (its Chinese or partner institutions)."""
    case = getattr(obj, "case", obj)
    if case is None or user.profile.institution_id is None:
        return False
    return user.profile.institution_id in case.project.owner_institution_ids()


# Cases: written and published by coordinators; the institutions of the project see the drafts and
# contribute quotes and photos; everyone sees a published case.
case_permissions = {
    "view": is_published_case | is_manager | (is_institution_staff & acts_for_case_project),
    "add": is_manager,
    "change": is_manager,
    "delete": is_manager,
}
material_permissions = {
    "view": is_published_case | is_manager | (is_institution_staff & acts_for_case_project),
    # Without an object: who may start adding at all; the service then checks "change" on the new one.
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_case_project),
    "delete": is_manager | (is_institution_staff & acts_for_case_project),
}
rules.add_perm("opendata.publish_exemplarycase", is_manager)


@rules.predicate
def acts_for_listed_enterprise(user, obj) -> bool:
    if obj is None:
        return False
    return user.profile.enterprise_id is not None and user.profile.enterprise_id == obj.enterprise_id


# An enterprise's consent to be listed in public: its own staff decide; coordinators record a decision
# on its behalf (the service asks them for a reason). Nobody else sees who decided.
listing_permissions = {
    "view": is_manager | (is_enterprise_staff & acts_for_listed_enterprise),
    "add": is_manager | is_enterprise_staff,
    "change": is_manager | (is_enterprise_staff & acts_for_listed_enterprise),
    "delete": is_admin,
}

# Rebuilding the published files (and choosing to leave out activities with problems): coordinators.
rules.add_perm("opendata.regenerate_iatifile", is_manager)
# The list of problems names unpublished fields of projects: members only.
rules.add_perm("opendata.view_iati_problems", is_member)
