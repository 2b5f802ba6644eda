"""Who may open the portfolio: coordinators and admins see every project, institution staff the
projects their institution takes part in (``queries.visible_projects``)."""

import rules

from tvetbridge.core.roles import is_institution_staff, is_manager

rules.add_perm("portfolio.view_portfolio", is_manager | is_institution_staff)
