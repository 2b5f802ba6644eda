"""The proposal engine counts a partner's bilingual teachers at the language levels the gap needs:
Russian-taught orders at B2 count no A2 speaker (conftest: Tianjin's teachers 0 zh+ru, 1 zh+kk, 2 zh,
each declared at B2)."""

from tvetbridge.core.services import system_user
from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import queries, services
from tvetbridge.registry.models import FacultyLanguage, FacultyMember
from tvetbridge.teachers import services as teachers


def bilingual_facts(w):
    gap = queries.find_gap(f"R{w['almaty'].pk}~O{w['welder'].pk}", queries.GapParams())
    top = services.proposals_for(gap).proposals[0]
    return next(c.facts for c in top.components if c.name == "bilingual")


def test_teachers_are_counted_at_the_required_level(gap_world):
    w = gap_world
    assert bilingual_facts(w)["teachers"] == 2  # no language named: any host language at B2
    SkillDemand.objects.filter(pk=w["rows"]["welders"].pk).update(languages=[{"language": "ru", "level": "B2"}])
    assert bilingual_facts(w)["teachers"] == 1  # Russian at B2: the Kazakh speaker no longer counts
    # Teacher 0's Russian is tested at A2 (ТБУ): the certificate stands over the declared B2.
    teachers.record_proficiency(system_user(), {
        "external_key": "t0-ru", "faculty": FacultyMember.objects.get(external_key="fm-0"), "language_id": "ru",
        "scale": "torfl", "level": "TBU", "issuer": "SPbU"})
    assert bilingual_facts(w)["teachers"] == 0
    # Teacher 1 passes ТРКИ-2 (= B2): counted again.
    teachers.record_proficiency(system_user(), {
        "external_key": "t1-ru", "faculty": FacultyMember.objects.get(external_key="fm-1"), "language_id": "ru",
        "scale": "torfl", "level": "2", "issuer": "SPbU"})
    assert bilingual_facts(w)["teachers"] == 1


def test_a_declared_a2_speaker_does_not_teach_at_b2(gap_world):
    w = gap_world
    SkillDemand.objects.filter(pk=w["rows"]["welders"].pk).update(languages=[{"language": "ru", "level": "B2"}])
    FacultyLanguage.objects.filter(faculty__external_key="fm-0", language_id="ru").update(level="A2")
    assert bilingual_facts(w)["teachers"] == 0
    # An order asking for workers at Russian A1 still needs teachers at the teaching floor (B2).
    SkillDemand.objects.filter(pk=w["rows"]["welders"].pk).update(languages=[{"language": "ru", "level": "A1"}])
    assert bilingual_facts(w)["teachers"] == 0
