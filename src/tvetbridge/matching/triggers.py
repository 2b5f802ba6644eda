"""What brings candidate lists up to date: any change to a vacancy or to a trainee's matching facts
(skills, regions, languages, consent), by whatever write path (pages, API, imports, admin).

Vacancies and trainees live in apps below this one, which must not call it; so this app listens to
their saves. The update is scheduled once the change commits (never for a rolled-back change), and
one waiting update serves every change made before it starts (``schedule_candidate_update`` dedupes).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from tvetbridge.demand.models import SkillDemand
from tvetbridge.outcomes.models import Trainee, TraineeSkill

# Fields of a trainee that the candidate scores read (the rest of the record does not move a list).
TRAINEE_FACTS = {"consent_matching", "home_region", "willing_to_relocate"}


def _later(*, vacancy_ids=(), trainee_ids=()) -> None:
    from .services import schedule_candidate_update  # services import much; resolve when it fires

    vacancy_ids, trainee_ids = list(vacancy_ids), list(trainee_ids)
    transaction.on_commit(lambda: schedule_candidate_update(vacancy_ids=vacancy_ids, trainee_ids=trainee_ids))


def _vacancy_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.kind == SkillDemand.Kind.VACANCY:
        _later(vacancy_ids=[instance.pk])


def _trainee_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not TRAINEE_FACTS & set(update_fields)):
        return
    _later(trainee_ids=[instance.pk])


def _skill_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _later(trainee_ids=[instance.trainee_id])


def _vacancy_skills_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, SkillDemand):
        _later(vacancy_ids=[instance.pk])


def _trainee_m2m_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Trainee):
        _later(trainee_ids=[instance.pk])


def connect() -> None:
    uid = "matching.candidates"
    post_save.connect(_vacancy_saved, sender=SkillDemand, dispatch_uid=f"{uid}.vacancy")
    post_delete.connect(_vacancy_saved, sender=SkillDemand, dispatch_uid=f"{uid}.vacancy_deleted")
    m2m_changed.connect(_vacancy_skills_changed, sender=SkillDemand.required_skills.through,
                        dispatch_uid=f"{uid}.vacancy_skills")
    post_save.connect(_trainee_saved, sender=Trainee, dispatch_uid=f"{uid}.trainee")
    post_save.connect(_skill_changed, sender=TraineeSkill, dispatch_uid=f"{uid}.skill")
    post_delete.connect(_skill_changed, sender=TraineeSkill, dispatch_uid=f"{uid}.skill_deleted")
    for through in (Trainee.languages.through, Trainee.relocation_regions.through):
        m2m_changed.connect(_trainee_m2m_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}")
