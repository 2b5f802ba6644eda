"""The demo's matching step: derived trainee skills, vacancies near the trainees, real candidate lists."""

import datetime as dt

from tvetbridge.demand.models import SkillDemand
from tvetbridge.demo import matching_demo
from tvetbridge.demo import outcomes as demo_outcomes
from tvetbridge.matching.models import CandidateList
from tvetbridge.outcomes.models import Trainee, TraineeSkill
from tvetbridge.taxonomy import services as taxonomy


def test_demo_matching_builds_lists_from_derived_skills(world):
    taxonomy.load_taxonomy(isco_prefixes=["7233"], csco=False)  # the Luban workshop's trade
    demo_outcomes.generate([world["project"]], seed=3, per_project=60, today=dt.date(2025, 11, 1))
    lines = matching_demo.build(seed=3)
    assert any(line.startswith("candidates: lists stored") for line in lines)
    assert TraineeSkill.objects.filter(source="programme").exists()
    assert TraineeSkill.objects.filter(source="declared", weight=0.3).exists()
    vacancies = SkillDemand.objects.filter(external_key__startswith=matching_demo.VACANCY_PREFIX)
    assert vacancies.exists() and all(v.required_skills.exists() for v in vacancies)
    full = CandidateList.objects.filter(kind="vacancy").exclude(candidate_ids=[])
    assert full.count() == vacancies.count()
    trainee = matching_demo.demo_trainee()
    assert trainee is not None and trainee.consent_matching
    assert CandidateList.objects.get(kind="trainee", subject_id=trainee.pk).candidate_ids
    # Every listed candidate consented.
    listed = {pk for ids in full.values_list("candidate_ids", flat=True) for pk in ids}
    assert not Trainee.objects.filter(pk__in=listed, consent_matching=False).exists()
    # Re-running replaces the demo vacancies instead of adding to them.
    n = vacancies.count()
    matching_demo.build(seed=3)
    assert SkillDemand.objects.filter(external_key__startswith=matching_demo.VACANCY_PREFIX).count() == n
