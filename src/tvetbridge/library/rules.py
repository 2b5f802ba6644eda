"""Who may do what in the library: one place for pages, API and admin.

LRS client credentials belong to an institution: its staff create and revoke them; coordinators and
admins manage every institution's and the platform's own.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_admin, is_institution_staff, is_manager


@rules.predicate
def acts_for_client_institution(user, client) -> bool:
    return client is not None and client.institution_id is not None \
        and user.profile.institution_id == client.institution_id


lrs_client_permissions = {
    "view": is_manager | is_institution_staff,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_client_institution),
    "delete": is_admin | (is_institution_staff & acts_for_client_institution),
}


@rules.predicate
def acts_for_resource_owner(user, resource) -> bool:
    return resource is not None and user.profile.institution_id in resource.owner_institution_ids()


@rules.predicate
def is_published(user, resource) -> bool:
    return resource is not None and resource.status == "published"


# The public sees published resources; owners and managers see drafts and withdrawn ones too.
resource_permissions = {
    "view": is_published | is_manager | (is_institution_staff & acts_for_resource_owner),
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_resource_owner),
    "delete": is_admin | (is_institution_staff & acts_for_resource_owner),
    "publish": is_manager | (is_institution_staff & acts_for_resource_owner),
}
