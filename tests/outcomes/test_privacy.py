"""Who sees identities and incomes; small-cell suppression of every public aggregate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from tvetbridge.outcomes import services
from tvetbridge.outcomes.models import Trainee
from tvetbridge.outcomes.money import Basis
from tvetbridge.outcomes.queries import SUPPRESS_BELOW, incomes_for, results_chain, suppress, trainees_for
from tvetbridge.outcomes.rules import sees_identity, sees_incomes
from tvetbridge.registry.models import CooperationProject


@pytest.fixture
def people(world, users):
    made = []
    for i, consent in enumerate([True, False]):
        t = services.register_trainee(users["institution"], {
            "external_key": f"P-{i}", "consent_matching": consent, "consent_date": dt.date(2024, 1, 1),
            "baseline_income": Decimal("100000"), "baseline_currency": "KZT"}, identity_number=f"ID{i}")
        services.record_enrolment(users["institution"], {"external_key": f"PE-{i}", "trainee": t,
                                                         "project": world["project"], "status": "enrolled",
                                                         "start_date": dt.date(2024, 9, 1)})
        services.record_income(users["institution"], {"trainee": t, "period": dt.date(2025, 9, 1),
                                                       "amount": Decimal("250000"), "currency": "KZT",
                                                       "source": "payroll"})
        made.append(t)
    _on_candidate_list(world, made)
    return made


def _on_candidate_list(world, trainees):
    """Enterprise staff see trainees on their vacancies' candidate lists (and only the consenting)."""
    from django.utils import timezone

    from tvetbridge.core.models import Source
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching.models import CandidateList
    from tvetbridge.taxonomy.models import IscoGroup, Occupation

    source = Source.objects.create(key="test-esco", title="ESCO (test extract)")
    group = IscoGroup.objects.create(code="9333", label="Freight handlers", source=source)
    picker = Occupation.objects.create(code="9333.1", esco_id="picker-test", label="warehouse picker",
                                       isco_group=group, source=source)
    vacancy = SkillDemand.objects.create(external_key="v-jd", kind="vacancy", title="Picker",
                                         enterprise=world["jd"], country=world["kz"], count=2,
                                         deadline=timezone.localdate() + dt.timedelta(days=60), occupation=picker)
    CandidateList.objects.create(kind="vacancy", subject_id=vacancy.pk, candidate_ids=[t.pk for t in trainees],
                                 scores=[0.9] * len(trainees), computed=timezone.now())


@pytest.mark.parametrize("role,visible,incomes", [
    ("admin", 2, True), ("coordinator", 2, True), ("institution", 2, True), ("enterprise", 1, False),
    ("public", 0, False)])
def test_trainee_and_income_visibility_by_role(people, users, role, visible, incomes):
    user = users[role]
    assert trainees_for(user).count() == visible
    assert (incomes_for(user).count() == 2) is incomes
    assert sees_incomes(user, people[0]) is incomes
    assert sees_identity(user, people[0]) is incomes


def test_other_institution_staff_see_nothing(people, world, make_user):
    other = make_user("institution", institution=world["other_institution"], username="other")
    assert trainees_for(other).count() == 0
    assert not sees_incomes(other, people[0])
    assert not other.has_perm("outcomes.view_trainee", people[0])
    assert not other.has_perm("outcomes.view_income", people[0])


def test_enterprise_sees_only_consented_candidates(people, users):
    assert list(trainees_for(users["enterprise"])) == [people[0]]
    assert users["enterprise"].has_perm("outcomes.view_trainee", people[0])
    assert not users["enterprise"].has_perm("outcomes.view_trainee", people[1])


def _login(user):
    c = Client()
    c.force_login(user)
    return c


def test_trainee_page_hides_income_and_hash_from_enterprise(people, users):
    url = f"/outcomes/trainees/{people[0].pk}/"
    inst = _login(users["institution"]).get(url).content.decode()
    assert "identity-hash" in inst and "250000" in inst
    ent = _login(users["enterprise"]).get(url).content.decode()
    assert "identity-hash" not in ent and "250000" not in ent and "100000" not in ent
    assert _login(users["enterprise"]).get(f"/outcomes/trainees/{people[1].pk}/").status_code == 403
    assert Client().get(url).status_code == 302  # to the login page


def test_suppression_rule():
    assert suppress(0).value == 0 and not suppress(0).suppressed
    for n in range(1, SUPPRESS_BELOW):
        cell = suppress(n)
        assert cell.suppressed and cell.value is None
    assert suppress(SUPPRESS_BELOW).value == SUPPRESS_BELOW
    assert suppress(1234.5, n=3).suppressed
    assert "fewer than 5" in str(suppress(2))


def test_public_results_chain_suppresses_small_cells(people, world):
    projects = CooperationProject.objects.filter(pk=world["project"].pk)
    public = results_chain(projects, Basis(), public=True)
    enrolled = next(s for s in public["steps"] if s["key"] == "enrolled")
    assert enrolled["suppressed"] and enrolled["count"] is None and enrolled["cost_per"] is None
    internal = results_chain(projects, Basis(), public=False)
    assert next(s for s in internal["steps"] if s["key"] == "enrolled")["count"] == 2
    page = Client().get(f"/outcomes/projects/{world['project'].pk}/").content.decode()
    assert "fewer than 5" in page
    assert "P-0" not in page


def test_api_schema_hides_private_fields(people, users):
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from tvetbridge.outcomes.api import router

    api = NinjaAPI(urls_namespace="outcomes-test")
    api.add_router("/", router)
    client = TestClient(router)
    ent = client.get(f"/outcomes/trainees/{people[0].pk}", user=users["enterprise"])
    assert ent.status_code == 200 and "identity_hash" not in ent.json() and "baseline_income" not in ent.json()
    coord = client.get(f"/outcomes/trainees/{people[0].pk}", user=users["coordinator"])
    assert coord.json()["identity_hash"] == Trainee.objects.get(pk=people[0].pk).identity_hash
    assert client.get(f"/outcomes/trainees/{people[0].pk}/incomes", user=users["coordinator"]).status_code == 200
