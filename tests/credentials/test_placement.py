"""Programmes placed on the frameworks from a page, and partner programmes compared outcome by outcome:
who may do what, what is refused (and leaves nothing written), and what the comparison says."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tvetbridge.credentials import services
from tvetbridge.credentials.engine.compare import (
    MATCH,
    ONLY_FIRST,
    ONLY_SECOND,
    PARTIAL,
    UNCODED,
    Hierarchy,
    Outcome,
    compare,
)
from tvetbridge.credentials.models import LearningOutcome, ProgrammeProfile
from tvetbridge.credentials.reference import skill_hierarchy

pytestmark = pytest.mark.django_db


def _outcome(i, skill, level="L5"):
    return Outcome(i, f"outcome {i}", skill, level, 5.0)


def test_engine_sorts_each_outcome_into_match_partial_missing_or_uncoded():
    # a and b are siblings under group G; c is under a; d and e are unrelated; x is uncoded.
    tree = Hierarchy.from_lines(["B\ta\tG", "B\tb\tG", "B\tc\ta", "B\td\tH", "B\te\tK", "G\tG\tgroup G"])
    first = [_outcome(1, "a"), _outcome(2, "d"), _outcome(3, "z"), _outcome(4, None)]
    second = [_outcome(11, "b"), _outcome(12, "d"), _outcome(13, "e")]
    rows = compare(first, second, tree)
    by_first = {r.first.id: r for r in rows if r.first}
    assert by_first[2].status == MATCH and by_first[2].second.id == 12
    assert by_first[1].status == PARTIAL and by_first[1].second.id == 11 and by_first[1].via == "G"
    assert by_first[3].status == ONLY_FIRST and by_first[3].second is None
    assert by_first[4].status == UNCODED
    assert [r.second.id for r in rows if r.status == ONLY_SECOND] == [13]
    # An ancestor (two steps at most) is a partial match too; a shared top-level group is not.
    assert tree.relation("c", "a") == "a" and tree.relation("c", "G") == "G"
    assert tree.relation("d", "e") is None


def test_shipped_hierarchy_is_escos():
    tree = skill_hierarchy()
    # ESCO v1.1.1: "manage warehouse operations" sits under a skill group; 13,448 skill → group links.
    assert len(tree.broader) > 13_000 and len(tree.labels) > 600


def _new_programme(cred, key="prog-empty"):
    from tvetbridge.registry.models import Programme

    return Programme.objects.create(external_key=key, institution=cred["urumqi"], name="Port logistics",
                                    field=cred["logistics"], isced_level=5, duration_months=24,
                                    intake_capacity=30, expected_graduates=20)


def test_unknown_level_or_no_outcomes_is_refused_and_writes_nothing(cred):
    from tvetbridge.core.models import Language

    programme = _new_programme(cred)
    ru = Language.objects.get(code="ru")
    before = (ProgrammeProfile.objects.count(), LearningOutcome.objects.count())
    with pytest.raises(ValidationError) as unknown:
        services.save_programme_profile(cred["cn_staff"], programme, levels=["cn-vet:doctorate"], hours=10,
                                        credits=Decimal(1), language=ru,
                                        outcomes=[{"text": {"en": "plans freight"}, "skill": None}])
    assert "cn-vet:doctorate" in str(unknown.value)
    with pytest.raises(ValidationError) as empty:
        services.save_programme_profile(cred["cn_staff"], programme, levels=["cn-vet:associate"], hours=10,
                                        credits=Decimal(1), language=ru, outcomes=[])
    assert "no learning outcomes" in str(empty.value)
    assert (ProgrammeProfile.objects.count(), LearningOutcome.objects.count()) == before


def test_saves_are_versioned_and_audited(cred):
    from tvetbridge.core.models import Language
    from tvetbridge.core.services import Conflict

    programme = _new_programme(cred)
    ru = Language.objects.get(code="ru")
    skill = cred["skills"][0]
    profile = services.save_programme_profile(
        cred["cn_staff"], programme, levels=["cn-vet:associate"], hours=2400, credits=Decimal(80), language=ru,
        outcomes=[{"text": {"en": "manages a warehouse"}, "skill": skill}])
    assert profile.version == 1 and profile.outcomes.get().skill == skill
    services.save_programme_profile(cred["coordinator"], programme, levels=["cn-vet:associate", "eqf:5"], hours=2600,
                                    credits=Decimal(90), language=ru, outcomes=None, expected_version=1)
    profile.refresh_from_db()
    assert profile.version == 2 and profile.levels.count() == 2 and profile.outcomes.count() == 1
    history = list(profile.history.order_by("history_date"))
    assert [h.history_user for h in history] == [cred["cn_staff"], cred["coordinator"]]
    assert "eqf:5" in history[-1].history_change_reason
    with pytest.raises(Conflict):
        services.save_programme_profile(cred["coordinator"], programme, levels=["eqf:5"], hours=1, credits=Decimal(1),
                                        language=ru, expected_version=1)


def _form(level_pk, outcomes="skill-0; Manages warehouse operations\nPlans freight transport", **extra):
    from tvetbridge.core.models import Language

    return {"levels": [str(level_pk)], "hours": "2400", "credits": "80", "credit_system": "ECTS",
            "language": str(Language.objects.get(code="ru").pk), "outcomes": outcomes, "reason": "", **extra}


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("trainee", 403), ("enterprise", 403),
                                          ("other_staff", 403), ("own_staff", 200), ("coordinator", 200)])
def test_who_may_place_a_programme(cred, client, role, status):
    programme = _new_programme(cred)
    user = {"trainee": cred["trainee_user"], "enterprise": cred["users"]["enterprise"],
            "other_staff": cred["alt_staff"], "own_staff": cred["cn_staff"],
            "coordinator": cred["coordinator"]}.get(role)
    if user is not None:
        client.force_login(user)
    url = f"/frameworks/programmes/{programme.pk}/placement/"
    assert client.get(url).status_code == status
    level = services.level_by_key("cn-vet:associate")
    response = client.post(url, _form(level.pk))
    placed = ProgrammeProfile.objects.filter(programme=programme).first()
    if status == 200:
        assert response.status_code == 302 and placed is not None
        assert [o.skill_id for o in placed.outcomes.all()] == [cred["skills"][0].pk, None]
    else:
        assert response.status_code == status and placed is None
    page = client.get(f"/programmes/{programme.pk}/")
    if role not in ("anonymous", "trainee"):
        html = page.content.decode()
        assert ('id="edit-placement"' in html) == (status == 200)
        assert 'id="programme-placement"' in html


def test_bad_input_on_the_page_names_the_field_and_writes_nothing(cred, client):
    programme = _new_programme(cred)
    client.force_login(cred["cn_staff"])
    url = f"/frameworks/programmes/{programme.pk}/placement/"
    unknown = client.post(url, _form(999_999))
    assert unknown.status_code == 200 and "999999" in unknown.content.decode()
    bad_skill = client.post(url, _form(services.level_by_key("cn-vet:associate").pk, outcomes="nope; Welds"))
    assert "Line 1" in bad_skill.content.decode()
    no_outcomes = client.post(url, _form(services.level_by_key("cn-vet:associate").pk, outcomes="  \n"))
    assert no_outcomes.status_code == 200
    assert not ProgrammeProfile.objects.filter(programme=programme).exists()
    assert not LearningOutcome.objects.filter(profile__programme=programme).exists()


def test_partner_programmes_compared_from_project_and_programme(cred, client):
    client.force_login(cred["users"]["enterprise"])
    project = cred["project"]
    project_page = client.get(f"/projects/{project.pk}/").content.decode()
    assert f'/frameworks/projects/{project.pk}/programmes/' in project_page
    cn, kz = cred["cn_programme"], cred["kz_programme"]
    picked = client.get(f"/frameworks/projects/{project.pk}/programmes/", {"first": cn.pk, "second": kz.pk})
    assert picked.status_code == 302 and picked["Location"].endswith(f"/frameworks/programmes/{cn.pk}/compare/{kz.pk}/")
    partners = client.get(f"/frameworks/programmes/{cn.pk}/compare/").content.decode()
    assert f"/frameworks/programmes/{cn.pk}/compare/{kz.pk}/" in partners
    page = client.get(f"/kk/frameworks/programmes/{cn.pk}/compare/{kz.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    # CN teaches skills 0–5; KZ 0, 1, 3, 4, 5: five matches, CN's "operate forklift" only in the first.
    assert html.count('class="cmp-match"') == 5 and html.count('class="cmp-only_first"') == 1
    assert "EQF 5" in html
    itself = client.get(f"/frameworks/programmes/{cn.pk}/compare/{cn.pk}/")
    assert itself.status_code == 302 and itself["Location"].endswith(f"/frameworks/programmes/{cn.pk}/compare/")


def test_comparison_is_for_members_only(cred, client):
    cn, kz = cred["cn_programme"], cred["kz_programme"]
    url = f"/frameworks/programmes/{cn.pk}/compare/{kz.pk}/"
    assert client.get(url).status_code == 302
    client.force_login(cred["trainee_user"])
    assert client.get(url).status_code == 403


def test_suggest_proposes_esco_skills_and_saves_nothing(cred, client):
    from tvetbridge.taxonomy import services as taxonomy

    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    programme = _new_programme(cred, key="prog-weld")
    programme.name, programme.description = "Welding technology", "Welders join metal parts by arc welding."
    programme.save()
    client.force_login(cred["cn_staff"])
    url = f"/frameworks/programmes/{programme.pk}/placement/"
    level = services.level_by_key("cn-vet:associate")
    response = client.post(url, _form(level.pk, outcomes="Welds steel parts with arc welding equipment", suggest="1"))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="skill-suggestions"' in html
    # The best suggestion is written in front of the line for the user to check; nothing is saved yet.
    textarea = html.split('name="outcomes"', 1)[1].split("</textarea>", 1)[0]
    assert "; Welds steel parts with arc welding equipment" in textarea
    assert not ProgrammeProfile.objects.filter(programme=programme).exists()
