"""The national-scale generator of trainees and vacancies with skills, at a tiny size, and the demo step."""

from tvetbridge.demand.models import SkillDemand
from tvetbridge.demo import matching_generator
from tvetbridge.matching import services
from tvetbridge.matching.models import CandidateList
from tvetbridge.outcomes.models import Trainee, TraineeSkill
from tvetbridge.taxonomy import services as taxonomy


def test_generator_writes_skill_sets_and_replaces_its_rows(world):
    taxonomy.load_taxonomy(isco_prefixes=["7212", "8311"], csco=False)
    made = matching_generator.generate(trainees=300, vacancies=60, seed=3)
    assert Trainee.objects.filter(external_key__startswith="syn-mt-").count() == 300
    assert SkillDemand.objects.filter(external_key__startswith="syn-mv-", status="open").count() == 60
    assert made["trainee_skills"] == TraineeSkill.objects.count() > 300
    assert SkillDemand.required_skills.through.objects.count() == made["vacancy_skills"] > 60
    assert 0.7 < Trainee.objects.filter(consent_matching=True).count() / 300 < 0.9
    weights = list(TraineeSkill.objects.values_list("weight", flat=True))
    assert min(weights) >= 0.25 and max(weights) <= 1.0
    matching_generator.generate(trainees=100, vacancies=20, seed=4)
    assert Trainee.objects.count() == 100 and SkillDemand.objects.count() == 20
    report = services.rebuild_candidates()
    assert report.vacancies == 20 and report.lists == CandidateList.objects.count() == 20 + report.trainees
    lst = CandidateList.objects.filter(kind="vacancy").exclude(candidate_ids=[]).first()
    assert lst is not None and lst.scores == sorted(lst.scores, reverse=True) and len(lst.candidate_ids) <= 10
