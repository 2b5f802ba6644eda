"""Every change to language levels, teacher development and dispatch: permission-checked, validated by
the models' ``full_clean`` (the same validators as forms, API and imports), audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tvetbridge.core import services as core
from tvetbridge.core.roles import Role, role_of

from .models import LanguageProficiency, ProgrammeLanguageRequirement


def check_owner(user, obj, _m2m=None) -> None:
    """Institution staff add records only for their own institution's faculty, trainees and programmes."""
    if role_of(user) == Role.INSTITUTION_STAFF and user.profile.institution_id not in obj.owner_institution_ids():
        raise PermissionDenied(_("You can only record this for your own institution."))


@transaction.atomic
def record_proficiency(user, data: dict, *, reason: str = "language level recorded") -> LanguageProficiency:
    return core.create_record(user, LanguageProficiency, data, reason=reason, check=check_owner)


@transaction.atomic
def update_proficiency(user, obj: LanguageProficiency, data: dict, *, expected_version: int | None = None,
                       reason: str = "language level changed") -> LanguageProficiency:
    return core.update_record(user, obj, data, reason=reason, expected_version=expected_version,
                              check=check_owner)


@transaction.atomic
def set_programme_requirement(user, data: dict, *, reason: str = "language requirement set"
                              ) -> ProgrammeLanguageRequirement:
    """Create or replace the level a programme requires in a language."""
    existing = ProgrammeLanguageRequirement.objects.filter(programme=data["programme"],
                                                           language_id=data["language_id"]).first()
    if existing is None:
        return core.create_record(user, ProgrammeLanguageRequirement, data, reason=reason, check=check_owner)
    return core.update_record(user, existing, data, reason=reason)
