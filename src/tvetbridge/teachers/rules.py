"""Who sees and does what with language levels, teacher development and dispatch.

Faculty records are the registry's (any member reads them); a trainee's language results are personal
data, read only by managers and the trainee's own institution, as outcomes' trainee records are.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import acts_for_owner, is_admin, is_institution_staff, is_manager, is_member


@rules.predicate
def about_faculty(user, obj) -> bool:
    return obj is not None and obj.trainee_id is None


own = is_institution_staff & acts_for_owner

proficiency_permissions = {
    "view": is_manager | own | (is_member & about_faculty),
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin | own,
    "import": is_manager | is_institution_staff,
}

institution_owned_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin | own,
    "import": is_manager | is_institution_staff,
}

# Planning a dispatch is the sending institution's or a coordinator's; approving it the coordinators'.
assignment_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin,
    "approve": is_manager,
}

rules.add_perm("teachers.view_shortage", is_manager | is_institution_staff)


@rules.predicate
def teaches_here(user, faculty) -> bool:
    """Without a teacher: may read some institution's teachers; with one: the staff member's own."""
    return faculty is None or acts_for_owner(user, faculty)


# A teacher's languages, certificates, development and dispatches are personal data: coordinators
# read every teacher's, institution staff their own institution's (``queries.visible_faculty``).
rules.add_perm("teachers.view_teacher", is_manager | (is_institution_staff & teaches_here))

# Test centres and their sittings are public (counts only, small ones withheld on the pages); the
# centre's own institution and coordinators keep them.
centre_permissions = {
    "view": rules.always_allow,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin | own,
    "import": is_manager | is_institution_staff,
}
