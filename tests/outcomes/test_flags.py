"""Quality flags: each rule with its evidence; review, comment and resolve by coordinators only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tvetbridge.outcomes import flags, services
from tvetbridge.outcomes.flag_evidence import evidence_items
from tvetbridge.outcomes.models import Employment, Enrolment, ProjectTarget, QualityFlag, Trainee
from tvetbridge.outcomes.money import Basis
from tvetbridge.registry.models import CooperationProject

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def finished(world):
    """Ten people who finished a year ago; one found a job in time; nobody reported an income."""
    project = world["project"]
    for i in range(10):
        t = Trainee.objects.create(external_key=f"F-{i}")
        e = Enrolment.objects.create(external_key=f"FE-{i}", trainee=t, project=project, status="completed",
                                     start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 10, 31))
        if i == 0:
            Employment.objects.create(external_key="FJ-0", trainee=t, enrolment=e, country=world["kz"],
                                      start_date=dt.date(2024, 12, 1))
    ProjectTarget.objects.create(project=project, indicator="employment_6m", value=70)
    return project


def test_unreported_and_employment_rules_raise_flags_with_evidence(finished):
    active = flags.evaluate_project(finished, today=TODAY)
    by_rule = {f.rule: f for f in active}
    assert set(by_rule) == {"unreported", "employment_short"}
    unreported = by_rule["unreported"].evidence
    assert unreported["finished_6_months_ago_or_more"] == 10
    assert unreported["with_job_or_income_after_training"] == 1
    assert "rule" not in unreported  # the rule's text is worded when shown, not stored
    employment = by_rule["employment_short"].evidence
    assert employment["employed_within_6_months_pct"] == 10.0 and employment["target_pct"] == 70.0
    assert by_rule["employment_short"].summary == ("Employment within 6 months is 10.0 percent against a target "
                                                   "of 70.0 percent.")
    with translation.override("ru"):
        assert by_rule["employment_short"].summary == ("Трудоустройство в течение 6 месяцев составляет 10,0 "
                                                       "процента при цели 70,0 процента.")
        assert "Только 1 из 10" in by_rule["unreported"].summary


def test_flag_sentences_are_worded_for_each_reader_from_stored_facts(world):
    flag = QualityFlag.objects.create(project=world["project"], rule="impact_zero", evidence={
        "method": "aipw", "estimate": 12.5, "ci_low": -1234.5, "ci_high": 5678.9, "spending": 3010852.0,
        "basis": "USD-real-2024", "comparison": "applicants", "verdict": "fragile"})
    stored = QualityFlag.objects.filter(pk=flag.pk).values()[0]
    assert "summary" not in stored and all(not isinstance(v, str) or " " not in v for v in flag.evidence.values())
    assert flag.summary == ("The income effect cannot be told apart from zero (-1,234 USD to 5,679 USD a month) "
                            "although 3,010,852 USD was spent.")
    for lang, spent in (("ru", "3 010 852 USD"), ("kk", "3 010 852 USD"), ("zh-hans", "3,010,852 USD")):
        with translation.override(lang):
            text = flag.summary
            assert spent in text.replace("\xa0", " "), (lang, text)
            assert not re.search(r"[A-Za-z]{3,}", text.replace("USD", "")), (lang, text)
            items = {i["key"]: i["value"] for i in evidence_items(flag.evidence)}
            for key in ("method", "basis", "comparison", "verdict"):
                assert not re.search(r"[a-z]{3,}", items[key].replace("USD", "")), (lang, key, items[key])


def test_re_running_updates_rather_than_duplicates(finished):
    flags.evaluate_project(finished, today=TODAY)
    flags.evaluate_project(finished, today=TODAY)
    assert QualityFlag.objects.filter(project=finished).count() == 2


def test_coordinator_reviews_and_resolves_with_audit(finished, users):
    flag = flags.evaluate_project(finished, today=TODAY)[0]
    with pytest.raises(PermissionDenied):
        services.review_flag(users["institution"], flag, status="resolved", comment="fine")
    with pytest.raises(ValidationError):
        services.review_flag(users["coordinator"], flag, status="resolved", comment="  ")
    services.review_flag(users["coordinator"], flag, status="reviewing", comment="Asked the college for data.")
    services.review_flag(users["coordinator"], flag, status="resolved", comment="Survey scheduled for March.")
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == users["coordinator"]
    assert [c.text for c in flag.comments.all()] == ["Asked the college for data.", "Survey scheduled for March."]
    assert flag.history.first().history_user == users["coordinator"]
    # the decision stands while the data are the same …
    flags.evaluate_project(finished, today=TODAY)
    assert not QualityFlag.objects.filter(project=finished, rule=flag.rule, status="open").exists()


def _ctx(project, impact=None, spend=None, peers=None):
    ctx = flags.Context(project, TODAY, None, Basis("USD", True, 2024))
    ctx.impact, ctx.spend, ctx.peer_costs = impact, spend, peers
    return ctx


def _impact(estimate, low, high, n=100):
    return {"headline": {"method": "aipw", "label": "doubly robust (AIPW)", "estimate": estimate, "ci_low": low,
                         "ci_high": high, "n_treated": n}, "comparison": "applicants"}


def test_impact_interval_including_zero_with_large_spending(world):
    project = world["project"]
    assert flags.check_impact_zero_large_spend(_ctx(project, _impact(20, -10, 50), 100_000)) is None
    found = flags.check_impact_zero_large_spend(_ctx(project, _impact(20, -10, 50), 2_000_000))
    assert found["evidence"]["ci_low"] == -10 and found["evidence"]["spending"] == 2_000_000
    assert flags.check_impact_zero_large_spend(_ctx(project, _impact(40, 10, 70), 2_000_000)) is None


def test_cost_per_gain_far_above_peers(world):
    project = world["project"]
    peers = {}
    for i, cost in enumerate([1.0, 1.2, 0.8]):
        p = CooperationProject.objects.create(external_key=f"peer-{i}", name=f"Peer {i}", kind=project.kind,
                                              host_country=world["kz"])
        peers[p.pk] = cost
    # own: 1,200,000 / (50 × 12 × 100) = 20 per unit of yearly gain, > 3 × median 1.0
    found = flags.check_cost_above_peers(_ctx(project, _impact(50, 30, 70), 1_200_000, peers))
    assert found["evidence"]["peer_median"] == 1.0 and found["evidence"]["multiple"] == 20.0
    assert set(found["evidence"]["peers"]) == {str(pk) for pk in peers}  # ids: named when shown
    flag = QualityFlag(project=project, rule="cost_peers", evidence=found["evidence"])
    parts = {i["key"]: i["parts"] for i in evidence_items(flag.evidence) if i["parts"]}
    assert {name for name, _value in parts["peers"]} == {"Peer 0", "Peer 1", "Peer 2"}
    assert "3 peer projects" in flag.summary
    cheap = flags.check_cost_above_peers(_ctx(project, _impact(50, 30, 70), 100_000, peers))
    assert cheap is None
    assert flags.check_cost_above_peers(_ctx(project, _impact(50, 30, 70), 1_200_000,
                                             dict(list(peers.items())[:2]))) is None
