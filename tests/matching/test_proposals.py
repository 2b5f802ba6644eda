"""Reverse project initiation: ranking with explained scores, and accepting a proposal into a draft
project. Figures are for the conftest world (Almaty welder gap = 10 demanded − 6 graduates = 4)."""

import pytest
from django.core.exceptions import PermissionDenied

from tvetbridge.matching import queries, services
from tvetbridge.matching.models import Proposal
from tvetbridge.registry.models import CooperationProject


def welder_gap(w):
    return queries.find_gap(f"R{w['almaty'].pk}~O{w['welder'].pk}", queries.GapParams())


def test_ranking_is_hand_computed(gap_world):
    w = gap_world
    ps = services.proposals_for(welder_gap(w))
    pairs = [(p.host.external_key, p.partner.external_key) for p in ps.proposals]
    # Urumqi has no strength in engineering: it is left out while Tianjin has some.
    assert pairs == [("inst-other", "inst-tj"), ("inst-alt", "inst-tj")]
    top = ps.proposals[0]
    # cost 3 × 350000; yearly gain 12 × 0.3 × 350000 = 1 260 000; value (1.26 − 1.05) / 1.26 = 1/6;
    # no risk score computed → 0.5. Components: proximity 1 (same region) · capacity min(4, 8)/4 = 1 ·
    # field 1 × 1 · bilingual 2 of 4 · facilities 1/3 · value 1/6 · risk 0.5.
    expected = 0.2 + 0.2 + 0.2 + 0.1 * 0.5 + 0.1 / 3 + 0.1 / 6 + 0.1 * 0.5
    assert top.score == pytest.approx(expected)
    assert top.expected_trainees == 4
    assert top.cost == pytest.approx(4 * 1_050_000) and top.income_gain == pytest.approx(4 * 1_260_000)
    comps = {c.name: c for c in top.components}
    assert comps["bilingual"].value == pytest.approx(0.5) and comps["bilingual"].facts == {"teachers": 2, "needed": 4}
    assert comps["risk"].value == pytest.approx(0.5) and not ps.risk_known
    # ALT runs no welding programme: host field match 0.5 costs 0.1
    assert ps.proposals[1].score == pytest.approx(expected - 0.1)


def test_no_proposals_without_a_gap(gap_world):
    w = gap_world
    gap = queries.find_gap(f"R{w['almaty'].pk}~O{w['driver'].pk}", queries.GapParams())
    assert gap.gap == 0 and services.proposals_for(gap).proposals == []


def test_coordinator_accepts_the_top_proposal(gap_world):
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    proposal = services.accept_proposal(w["users"]["coordinator"], key, w["other_institution"].pk, w["tianjin"].pk)
    project = proposal.project
    assert project.status == CooperationProject.Status.DRAFT
    assert project.target_trainees == 4 and project.target_employment_rate == 80
    assert project.target_income_gain == 105000 and project.target_currency == "KZT"
    assert list(project.partner_institutions.all()) == [w["other_institution"]]
    assert list(project.chinese_institutions.all()) == [w["tianjin"]]
    assert "gap 4" in project.description and "7212.3" in project.description
    assert set(proposal.demands.all()) == {w["rows"]["welders"]}
    # the ordering enterprise co-owns the draft, which carries the gap's occupation and skills
    assert set(project.enterprises.all()) == {w["rows"]["welders"].enterprise}
    assert proposal.occupation == w["welder"]
    assert proposal.snapshot["skills"] and proposal.snapshot["skills"] == sorted(w["rows"]["welders"].required_skills.values_list("esco_id", flat=True))
    assert proposal.snapshot["gap"] == 4 and proposal.snapshot["components"][0]["name"] == "proximity"
    assert project.history.first().history_user == w["users"]["coordinator"]


def test_who_may_accept(gap_world):
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    for role in ("enterprise", "institution"):
        # institution staff act for ALT, which is not in the top proposal
        with pytest.raises(PermissionDenied):
            services.accept_proposal(w["users"][role], key, w["other_institution"].pk, w["tianjin"].pk)
    assert not Proposal.objects.exists() and not CooperationProject.objects.filter(status="draft").exists()
    # … but may accept the proposal in which ALT is the host
    proposal = services.accept_proposal(w["users"]["institution"], key, w["alt"].pk, w["tianjin"].pk)
    assert proposal.project.partner_institutions.get() == w["alt"]
