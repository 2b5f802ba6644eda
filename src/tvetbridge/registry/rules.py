"""Object-level permission rules for registry records.

Every registry model declares one of these maps as ``rules_permissions``; the same predicates then
answer ``user.has_perm("registry.change_programme", obj)`` in pages, API and admin alike.
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
)


@rules.predicate
def acts_for_enterprise(user, obj) -> bool:
    return obj is not None and user.profile.enterprise_id == obj.pk


institution_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_admin,
    "export": is_member,
    # Importing may create or change records: checked before the file is read (see io_import).
    "import": is_manager | is_institution_staff,
}

institution_child_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_admin | (is_institution_staff & acts_for_owner),
    "export": is_member,
    "import": is_manager | is_institution_staff,
}

@rules.predicate
def teaches_here(user, faculty) -> bool:
    """Without a teacher: may read some institution's teachers; with one: the staff member's own."""
    return faculty is None or acts_for_owner(user, faculty)


# Faculty members are personal data: coordinators and admins read every teacher, institution staff
# their own institution's (``queries.visible_faculty`` is the same rule as a queryset); enterprise
# staff, trainees and the public none. ``teachers.view_teacher`` is this same predicate.
sees_faculty = is_manager | (is_institution_staff & teaches_here)

faculty_permissions = {**institution_child_permissions, "view": sees_faculty, "export": sees_faculty}

enterprise_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager | (is_enterprise_staff & acts_for_enterprise),
    "delete": is_admin,
    "export": is_member,
    "import": is_manager | is_enterprise_staff,
}

coordinated_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
    "export": is_member,
    "import": is_manager,
}

project_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (is_institution_staff & acts_for_owner),
    "delete": is_admin,
    "export": is_member,
    "import": is_manager | is_institution_staff,
    # The life cycle (registry.services.TRANSITIONS): a partner institution proposes, withdraws and,
    # once approved, starts its project; approving, suspending, resuming, completing and cancelling an
    # approved project are the coordinators'.
    "propose": is_manager | (is_institution_staff & acts_for_owner),
    "run": is_manager | (is_institution_staff & acts_for_owner),
    "approve": is_manager,
}

# Audit trails name people and show before/after values: coordinators and admins only.
rules.add_perm("registry.view_audit", is_manager)
