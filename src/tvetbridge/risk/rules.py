"""Who may do what with risk data. Reference data (INFORM) is read by every member; coordinators
and admins maintain indicators, observations and events and handle alerts."""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_admin, is_manager, is_member


@rules.predicate
def is_user_defined(user, obj) -> bool:
    # Shipped reference indicators (INFORM) are replaced by reloading the file, never edited by hand.
    return obj is None or not getattr(obj, "is_reference", False)


indicator_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager & is_user_defined,
    "delete": is_admin & is_user_defined,
}

observation_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
}

event_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
}

alert_permissions = {
    "view": is_member,
    "add": is_admin,  # alerts come from the rules, not from people
    "change": is_manager,
    "delete": is_admin,
    "acknowledge": is_manager,
    "resolve": is_manager,
}

score_permissions = {"view": is_member, "add": is_admin, "change": is_admin, "delete": is_admin}

rules.add_perm("risk.view_risk", is_member)
rules.add_perm("risk.recompute", is_manager)
