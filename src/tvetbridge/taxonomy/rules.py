"""The taxonomy is public reference data; coding free text and translating its labels need a role."""

import rules

from tvetbridge.core.roles import is_enterprise_staff, is_institution_staff, is_manager, is_member

# Coding fills in enterprise and institution records and costs CPU; the public has no record to fill.
rules.add_perm("taxonomy.code_text", is_manager | is_institution_staff | is_enterprise_staff)
# Translation coverage is coordinators' work to plan (who translates what next).
rules.add_perm("taxonomy.view_label_coverage", is_manager)

# Labels: any member (a ministry's or an institution's translator, an enterprise that knows the trade's
# name) may propose and see proposals; a label shown everywhere is approved by coordinators only.
# Proposals are never edited or deleted: a wrong one is rejected, a better one proposed.
label_permissions = {
    "view": is_member,
    "add": is_member,
    "approve": is_manager,
    "import": is_member,
}
