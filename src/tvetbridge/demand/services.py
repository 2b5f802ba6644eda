"""Every state change of skill demand. Views, API, imports and the CLI call these.

Each function is atomic, checks the actor with the same rules the pages use, and leaves an audit row
(django-simple-history: who, when, before/after, why). A demand without an occupation is coded from its
title and description by the taxonomy coder — the occupation is then marked unconfirmed until a person
confirms it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tvetbridge.core.models import Language, Region
from tvetbridge.core.roles import Role, role_of
from tvetbridge.core.services import check_version, require, retry_when_busy
from tvetbridge.taxonomy import services as taxonomy

from .models import SkillDemand

N_SKILLS = 10


def coding_text(data: Mapping[str, Any] | SkillDemand) -> str:
    """The words the coder reads: every title translation, then the description."""
    get = (lambda k: getattr(data, k, "")) if isinstance(data, SkillDemand) else (lambda k: data.get(k, ""))
    parts = [get(k) or "" for k in ("title", "title_en", "title_zh_hans", "title_ru", "title_kk", "description")]
    return ". ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def suggest(text: str) -> taxonomy.CodingResult:
    return taxonomy.code_text(text, n_occupations=5, n_skills=N_SKILLS)


def _check_scope(user, demand: SkillDemand) -> None:
    """Enterprise staff post demand for their own enterprise only."""
    if role_of(user) != Role.ENTERPRISE_STAFF:
        return
    if demand.enterprise_id != user.profile.enterprise_id:
        raise ValidationError({"enterprise": _("You can only post demand for your own enterprise.")})


def _check_references(demand: SkillDemand) -> None:
    errors: dict[str, list[str]] = {}
    if demand.region_id and demand.country_id:
        country = Region.objects.filter(pk=demand.region_id).values_list("country_id", flat=True).first()
        if country is not None and country != demand.country_id:
            errors["region"] = [_("This region is not in the chosen country.")]
    codes = {item.get("language") for item in demand.languages or [] if isinstance(item, dict)}
    if codes:
        missing = codes - set(Language.objects.filter(code__in=codes).values_list("code", flat=True))
        if missing:
            errors["languages"] = [_("Unknown language code “%(value)s” (use ISO 639-1, e.g. ru).")
                                   % {"value": ", ".join(sorted(missing))}]
    if errors:
        raise ValidationError(errors)


def _assign(demand: SkillDemand, data: Mapping[str, Any]) -> list | None:
    skills = None
    for name, value in data.items():
        if name == "required_skills":
            skills = list(value)
            continue
        field = SkillDemand._meta.get_field(name)
        if field.is_relation and value is not None and not hasattr(value, "_meta"):
            setattr(demand, field.attname, value)
        else:
            setattr(demand, name, value)
    return skills


def _code_missing(demand: SkillDemand, skills: list | None) -> list | None:
    if demand.occupation_id is not None:
        return skills
    result = suggest(coding_text(demand))
    if not result.occupations:
        raise ValidationError({"occupation": _("Choose an occupation: none could be proposed for this text.")})
    demand.occupation = result.occupations[0].occupation
    demand.occupation_confirmed = False
    if not skills:
        skills = [s.skill for s in result.skills]
    return skills


def _save(user, demand: SkillDemand, skills: list | None, reason: str,
          expected_version: int | None = None) -> SkillDemand:
    _check_scope(user, demand)
    demand.full_clean()
    _check_references(demand)
    demand._history_user = user if getattr(user, "is_authenticated", False) else None
    # Read by simple-history for the save's audit row and for the skills' (m2m) audit row alike.
    demand._change_reason = reason
    check_version(demand, expected_version)
    demand.save()
    if skills is not None:
        demand.required_skills.set(skills)
    return demand


@transaction.atomic
def create_demand(user, data: Mapping[str, Any], *, reason: str = "") -> SkillDemand:
    """Post a demand. ``data`` holds model field names (``required_skills`` a list of skills or ids).

    Without ``occupation`` the demand is coded from its title and description; without
    ``required_skills`` it gets the coder's skills too. ``user`` None is the platform itself."""
    if user is not None:
        require(user, "add", SkillDemand)
    demand = SkillDemand()
    skills = _assign(demand, data)
    if not demand.external_key:
        demand.external_key = f"demand-{uuid.uuid4().hex[:16]}"
    if getattr(user, "is_authenticated", False):
        demand.created_by = user
    skills = _code_missing(demand, skills)
    return _save(user, demand, skills, reason or "created")


@retry_when_busy
def update_demand(user, demand: SkillDemand, data: Mapping[str, Any], *, reason: str = "",
                  expected_version: int | None = None) -> SkillDemand:
    if user is not None:
        require(user, "change", SkillDemand, demand)
    skills = _assign(demand, data)
    if "occupation" in data and data["occupation"] is not None and "occupation_confirmed" not in data:
        demand.occupation_confirmed = True  # a person chose or kept it
    skills = _code_missing(demand, skills)
    return _save(user, demand, skills, reason or "updated", expected_version)


@retry_when_busy
def delete_demand(user, demand: SkillDemand, *, expected_version: int | None = None) -> None:
    if user is not None:
        require(user, "delete", SkillDemand, demand)
    check_version(demand, expected_version)
    demand._history_user = user if getattr(user, "is_authenticated", False) else None
    demand.delete()


def ensure_may_view(user, demand: SkillDemand) -> None:
    if not user.has_perm("demand.view_skilldemand", demand):
        raise PermissionDenied(_("You may not see this demand."))
