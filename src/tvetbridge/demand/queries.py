"""Read paths of skill demand: what a user may see, filtered."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum

from tvetbridge.core.roles import Role, role_of

from .models import SkillDemand


def visible_to(user) -> QuerySet:
    """The demand a user may see: all for coordinators, admins and institution staff, their own
    enterprise's for enterprise staff, none for the public."""
    qs = SkillDemand.objects.select_related("enterprise", "country", "region", "occupation__isco_group")
    role = role_of(user)
    if role in (Role.ADMIN, Role.COORDINATOR, Role.INSTITUTION_STAFF):
        return qs
    if role == Role.ENTERPRISE_STAFF:
        return qs.filter(enterprise_id=user.profile.enterprise_id)
    return qs.none()


def filtered(user, *, q: str = "", country: str = "", region: str = "", kind: str = "", status: str = "",
             occupation: str = "", isco: str = "", enterprise: int | None = None,
             is_synthetic: bool | None = None) -> QuerySet:
    qs = visible_to(user)
    if q:
        qs = qs.filter(Q(title_en__icontains=q) | Q(title_zh_hans__icontains=q) | Q(title_ru__icontains=q)
                       | Q(title_kk__icontains=q) | Q(external_key=q))
    if country:
        qs = qs.filter(country_id=country.upper())
    if region:
        qs = qs.filter(Q(region__code=region) | Q(region__parent__code=region))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if occupation:
        qs = qs.filter(Q(occupation__code=occupation) | Q(occupation__esco_id=occupation))
    if isco:
        qs = qs.filter(occupation__isco_group__code__startswith=isco)
    if enterprise:
        qs = qs.filter(enterprise_id=enterprise)
    if is_synthetic is not None:
        qs = qs.filter(is_synthetic=is_synthetic)
    return qs


def totals(qs: QuerySet) -> dict:
    return qs.aggregate(people=Sum("count"))
