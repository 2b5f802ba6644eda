"""Who may see gaps and allocations, and who may turn a proposal into a project.

Gap figures are aggregates (no wages, no enterprise names) and are shown to every member; the orders
behind a figure are filtered by the demand app's own visibility rules. Accepting a proposal creates a
project, so it follows the registry's rule for adding projects: coordinators and admins, or staff of
one of the proposed institutions (checked against the proposal in ``services.accept_proposal``).
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_institution_staff, is_manager, is_member

rules.add_perm("matching.view_gaps", is_member)
rules.add_perm("matching.accept_proposal", is_manager | is_institution_staff)
rules.add_perm("matching.run_allocation", is_manager)
