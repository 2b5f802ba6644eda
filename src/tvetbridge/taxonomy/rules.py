"""The taxonomy is public reference data; only free-text coding needs a role."""

import rules

from tvetbridge.core.roles import is_enterprise_staff, is_institution_staff, is_manager

# Coding fills in enterprise and institution records and costs CPU; the public has no record to fill.
rules.add_perm("taxonomy.code_text", is_manager | is_institution_staff | is_enterprise_staff)
# Translation coverage is coordinators' work to plan (who translates what next).
rules.add_perm("taxonomy.view_label_coverage", is_manager)
