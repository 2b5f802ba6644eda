"""Who may see gaps and allocations, and who may turn a proposal into a project.

Gap figures are aggregates (no wages, no enterprise names) and are shown to every member; the orders
behind a figure are filtered by the demand app's own visibility rules. Accepting a proposal creates a
project, so it follows the registry's rule for adding projects: coordinators and admins, or staff of
one of the proposed institutions (checked against the proposal in ``services.accept_proposal``).
"""

from __future__ import annotations

import rules

from tvetbridge.core.roles import is_enterprise_staff, is_institution_staff, is_manager, is_member, is_trainee

rules.add_perm("matching.view_gaps", is_member)
rules.add_perm("matching.accept_proposal", is_manager | is_institution_staff)
rules.add_perm("matching.run_allocation", is_manager)


# Candidate lists. A vacancy's list: coordinators and admins, and the staff of the enterprise that
# posted it (only consenting trainees are ever in it, shown without identity or income). A trainee's
# list: coordinators and admins, and that trainee's own account.
@rules.predicate
def acts_for_vacancy_enterprise(user, vacancy) -> bool:
    if vacancy is None:
        return False
    profile = getattr(user, "profile", None)
    return profile is not None and profile.enterprise_id is not None and profile.enterprise_id == vacancy.enterprise_id


@rules.predicate
def is_that_trainee(user, trainee) -> bool:
    return trainee is not None and trainee.user_id is not None and trainee.user_id == user.pk


rules.add_perm("matching.view_vacancy_candidates", is_manager | (is_enterprise_staff & acts_for_vacancy_enterprise))
rules.add_perm("matching.view_trainee_matches", is_manager | (is_trainee & is_that_trainee))
rules.add_perm("matching.rebuild_candidates", is_manager)
# A trainee's own consent and interest in vacancies: the trainee's own account; coordinators may
# record a consent given on paper.
rules.add_perm("matching.change_own_consent", is_manager | (is_trainee & is_that_trainee))
rules.add_perm("matching.express_interest", is_trainee & is_that_trainee)
