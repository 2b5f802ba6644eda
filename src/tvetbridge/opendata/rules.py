"""Who may publish what. Published files themselves are public: anyone may read them."""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_admin, is_institution_staff, is_manager, is_member


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

# Rebuilding the published files (and choosing to leave out activities with problems): coordinators.
rules.add_perm("opendata.regenerate_iatifile", is_manager)
# The list of problems names unpublished fields of projects: members only.
rules.add_perm("opendata.view_iati_problems", is_member)
