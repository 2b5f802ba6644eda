"""Who may see and do what in the governance of cooperation.

Every governance model answers ``owner_institution_ids()`` (the institutions whose staff act for the
record: an agreement's institutional parties, an operation's operator), and these predicates decide from it. Lists apply the same decisions as querysets in
``queries.py`` (``visible_*``), so a record a user may not open never shows in a list either.

- Agreements are read by every member; the public reads only what is published (signed,
  non-confidential agreements' titles and parties), through
  the public pages and API, never through these rules.
- Overseas operations are the operator's business and the coordinators': other institutions do
  not see another's application, assets, supervision reports or exit plan.
- Approving, reviewing and opening or closing an exit are the coordinators'.
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import acts_for_owner, is_admin, is_institution_staff, is_manager, is_member


@rules.predicate
def application_open(user, obj) -> bool:
    """An application the operator may still change: not yet submitted, or returned for changes."""
    return obj is not None and obj.application_open()


@rules.predicate
def operation_live(user, obj) -> bool:
    """An operation that has not ended (closed, rejected or withdrawn): its records still change."""
    return obj is not None and obj.is_live()


@rules.predicate
def report_open(user, obj) -> bool:
    return obj is not None and obj.is_open()


own = is_institution_staff & acts_for_owner

agreement_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin,
    "export": is_member,
    "renew": is_manager | own,
}

# A clause is part of its agreement: whoever may change the agreement may change its clauses.
clause_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_manager | own,
}

# Agreement files: the texts themselves are for the parties and the coordinators, even when the
# agreement's title and parties are published.
document_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_manager | own,
}

operation_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (own & application_open),
    "delete": is_admin,
    "export": is_manager | is_institution_staff,
    # The life cycle (services.OPERATION_TRANSITIONS): the operator applies and withdraws; the
    # coordinators review, return, approve, reject, suspend, resume, begin the exit and close.
    "apply": is_manager | own,
    "review": is_manager,
    "approve": is_manager,
}

exit_plan_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (own & application_open),
    "delete": is_admin,
    # Opening and closing an exit is a coordinator's decision; the operator records its progress.
    "trigger": is_manager,
    "progress": is_manager | (own & operation_live),
}

operation_child_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (own & operation_live),
    "delete": is_admin,
    "export": is_manager | is_institution_staff,
}

report_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | (own & report_open),
    "delete": is_admin,
    "review": is_manager,
}

rules.add_perm("governance.view_governance", is_member)
rules.add_perm("governance.view_coverage", is_manager)
rules.add_perm("governance.import_records", is_manager | is_institution_staff)

# Coordination bodies and events. Members read them all (the public reads published events through
# the public calendar); the organiser's or the committee members' staff keep them, coordinators too.
committee_permissions = {
    "view": is_member,
    "add": is_manager,
    "change": is_manager | own,
    "delete": is_admin,
}

committee_child_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_manager | own,
}

event_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_admin,
    "export": is_member,
}

event_child_permissions = {
    "view": is_member,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_manager | own,
}

# Participants are people: the list is for the coordinators, the organisers and the participant's own
# institution; other members and the public see counts.
participant_permissions = {
    "view": is_manager | own,
    "add": is_manager | is_institution_staff,
    "change": is_manager | own,
    "delete": is_manager | own,
}

# The responsible institution reports progress on its own action.
action_permissions = event_child_permissions
