"""Who sees and does what with language levels, teacher development and dispatch.

Faculty records are the registry's and personal data (``registry.rules.sees_faculty``: coordinators all,
institution staff their own institution's); a trainee's language results likewise, read only by
managers and the trainee's own institution, as outcomes' trainee records are.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import acts_for_owner, is_admin, is_institution_staff, is_manager, is_member
from tvetbridge.registry.rules import sees_faculty


@rules.predicate
def hosts(user, obj) -> bool:
    """Staff of the institution that receives a dispatched teacher."""
    return obj is not None and obj.partner_id is not None and user.profile.institution_id == obj.partner_id


own = is_institution_staff & acts_for_owner

proficiency_permissions = {
    "view": is_manager | own,
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

# A teacher's result in a programme: the teacher's institution and the programme's provider.
participation_permissions = {**institution_owned_permissions, "view": is_manager | own}

# Planning a dispatch is the sending institution's or a coordinator's; approving it the coordinators'.
assignment_permissions = {
    "view": is_manager | own | (is_institution_staff & hosts),
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin,
    "approve": is_manager,
}

rules.add_perm("teachers.view_shortage", is_manager | is_institution_staff)


# A teacher's languages, certificates, development and dispatches are personal data, read as the
# teacher's registry record is (``registry.view_facultymember``, ``registry.queries.visible_faculty``).
rules.add_perm("teachers.view_teacher", sees_faculty)

# Test centres and their sittings are public (counts only, small ones withheld on the pages); the
# centre's own institution and coordinators keep them.
centre_permissions = {
    "view": rules.always_allow,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin | own,
    "import": is_manager | is_institution_staff,
}
