"""Who may see and change skill demand.

Enterprise staff post and edit their own enterprise's orders and vacancies and see only those: offered
wages and order terms are commercial information. Institution staff see all demand (it is what they
plan training for) but change none; coordinators and admins do everything; the public sees nothing.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_admin, is_enterprise_staff, is_institution_staff, is_manager


@rules.predicate
def acts_for_demand_enterprise(user, obj) -> bool:
    # Without an object the question is "may they do this to some demand?": yes, to their own.
    if obj is None:
        return True
    return user.profile.enterprise_id is not None and user.profile.enterprise_id == obj.enterprise_id


own_enterprise = is_enterprise_staff & acts_for_demand_enterprise

demand_permissions = {
    "view": is_manager | is_institution_staff | own_enterprise,
    "add": is_manager | is_enterprise_staff,
    "change": is_manager | own_enterprise,
    "delete": is_admin | own_enterprise,
    "export": is_manager | is_institution_staff | is_enterprise_staff,
    "import": is_manager | is_enterprise_staff,
}
