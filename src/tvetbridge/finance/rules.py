"""Who may see and manage funds.

Coordinators and admins manage funds (terms, ledger, designs). Institution staff may look at funds,
instruments and designs that serve one of their institution's projects; nobody else sees them —
fund terms and balances are negotiating positions, not public data.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from tvetbridge.core.roles import is_admin, is_institution_staff, is_manager


def projects_of_institution(institution_id):
    from tvetbridge.registry.models import CooperationProject

    return CooperationProject.objects.filter(
        Q(chinese_institutions=institution_id) | Q(partner_institutions=institution_id))


@rules.predicate
def serves_own_project(user, obj) -> bool:
    if obj is None:
        return False
    institution_id = getattr(getattr(user, "profile", None), "institution_id", None)
    if institution_id is None:
        return False
    return obj.served_projects().filter(
        pk__in=projects_of_institution(institution_id).values("pk")).exists()


fund_permissions = {
    "view": is_manager | (is_institution_staff & serves_own_project),
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
    "post": is_manager,
    "export": is_manager | (is_institution_staff & serves_own_project),
}

# Instruments, accounts, designs and runs follow their fund (or project).
child_permissions = {
    "view": is_manager | (is_institution_staff & serves_own_project),
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
}

party_permissions = {
    "view": is_manager | is_institution_staff,
    "add": is_manager,
    "change": is_manager,
    "delete": is_admin,
}

rules.add_perm("finance.view_finance", is_manager | is_institution_staff)
rules.add_perm("finance.use_designer", is_manager)
