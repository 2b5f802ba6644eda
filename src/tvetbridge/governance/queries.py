"""Read paths for governance pages, the risk panel and the public list. Who sees what is decided
here as querysets, the same decisions ``rules.py`` makes for one record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.models import CooperationProject

from .models import Agreement, ContinuityClause, ExitPlan, OverseasOperation

LIVE_PROJECT_STATUSES = ("approved", "active", "suspended")


def _institution(user) -> int | None:
    profile = getattr(user, "profile", None)
    return profile.institution_id if profile is not None else None


def visible_agreements(user) -> QuerySet[Agreement]:
    if role_of(user) in (None, Role.TRAINEE):
        return Agreement.objects.none()
    return Agreement.objects.all()


def public_agreements() -> QuerySet[Agreement]:
    """What the public may read: signed, non-confidential agreements (title, parties, dates)."""
    return (Agreement.objects.filter(status=Agreement.Status.SIGNED, confidential=False)
            .prefetch_related("institutions").order_by("-signed_on", "title"))


def visible_operations(user) -> QuerySet[OverseasOperation]:
    role = role_of(user)
    qs = OverseasOperation.objects.select_related("project", "operator", "host_country")
    if role in (Role.ADMIN, Role.COORDINATOR):
        return qs
    if role == Role.INSTITUTION_STAFF:
        return qs.filter(operator_id=_institution(user))
    return qs.none()


def in_force(on: dt.date) -> Q:
    return (Q(status=Agreement.Status.SIGNED) & (Q(effective_from__isnull=True) | Q(effective_from__lte=on))
            & (Q(expires_on__isnull=True) | Q(expires_on__gte=on)))


def renewals_due(on: dt.date, horizon_days: int = 180) -> QuerySet[Agreement]:
    """Signed agreements ending within the horizon (or whose notice window has already opened)."""
    return (Agreement.objects.filter(in_force(on), expires_on__isnull=False,
                                     expires_on__lte=on + dt.timedelta(days=horizon_days))
            .order_by("expires_on"))


def without_clauses(on: dt.date) -> QuerySet[Agreement]:
    return (Agreement.objects.filter(in_force(on)).annotate(n_clauses=Count("clauses"))
            .filter(n_clauses=0).order_by("title"))


def days_left(agreement: Agreement, on: dt.date) -> int | None:
    return (agreement.expires_on - on).days if agreement.expires_on else None


@dataclass
class ProjectProtection:
    project: CooperationProject
    agreements: list[Agreement] = field(default_factory=list)
    clauses: list[ContinuityClause] = field(default_factory=list)
    operations: list[OverseasOperation] = field(default_factory=list)

    @property
    def protected(self) -> bool:
        return bool(self.clauses)


def protection(projects: QuerySet[CooperationProject], on: dt.date, user=None) -> list[ProjectProtection]:
    """For each project: the agreements in force that cover it, their continuity clauses, and the
    operations abroad it runs (those the user may see, with their exit plans)."""
    projects = list(projects.order_by("name"))
    rows = {p.pk: ProjectProtection(p) for p in projects}
    agreements = (Agreement.objects.filter(in_force(on), projects__in=rows).distinct()
                  .prefetch_related("clauses", "projects"))
    for agreement in agreements:
        for project in agreement.projects.all():
            if project.pk in rows:
                rows[project.pk].agreements.append(agreement)
                rows[project.pk].clauses.extend(agreement.clauses.all())
    operations = visible_operations(user) if user is not None else OverseasOperation.objects.none()
    for op in operations.filter(project__in=rows).exclude(status__in=OverseasOperation.ENDED):
        op.plan = ExitPlan.objects.filter(operation=op).first()
        rows[op.project_id].operations.append(op)
    return list(rows.values())


def country_protection(country_code: str, on: dt.date, user=None, alert_project_ids=()) -> list[ProjectProtection]:
    """The live projects a country hosts (and any others an alert names), with their protection."""
    projects = CooperationProject.objects.filter(
        Q(host_country_id=country_code, status__in=LIVE_PROJECT_STATUSES) | Q(pk__in=list(alert_project_ids)))
    return protection(projects, on, user)


def operation_counts() -> dict[str, int]:
    return dict(OverseasOperation.objects.values_list("status").annotate(n=Count("pk")).order_by())
