"""Read paths for governance pages, the risk panel and the public list. Who sees what is decided
here as querysets, the same decisions ``rules.py`` makes for one record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.models import CooperationProject
from tvetbridge.teachers import queries as teachers_queries

from .models import (
    Agreement,
    Committee,
    ContinuityClause,
    Event,
    ExitPlan,
    FollowUpAction,
    OverseasOperation,
    Participant,
)

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



# ---------------------------------------------------------------------------------------------------
# Committees and events


def visible_committees(user) -> QuerySet[Committee]:
    if role_of(user) in (None, Role.TRAINEE):
        return Committee.objects.none()
    return Committee.objects.select_related("alliance")


def visible_events(user) -> QuerySet[Event]:
    if role_of(user) in (None, Role.TRAINEE):
        return public_events()
    return Event.objects.select_related("country", "committee", "organiser")


def public_events() -> QuerySet[Event]:
    """The public calendar: published events that were not cancelled."""
    return (Event.objects.filter(published=True).exclude(status=Event.Status.CANCELLED)
            .select_related("country", "organiser"))


def visible_participants(user, event: Event) -> QuerySet[Participant]:
    """Participants by name or record: all for coordinators and the event's organisers, a member
    institution's own people for its staff, none for others (they see ``participation``)."""
    qs = event.participants.select_related("faculty", "trainee", "institution", "country", "credential")
    role = role_of(user)
    if role in (Role.ADMIN, Role.COORDINATOR):
        return qs
    if role == Role.INSTITUTION_STAFF:
        own = _institution(user)
        return qs if own in event.owner_institution_ids() else qs.filter(institution_id=own)
    return qs.none()


# Counts under this are withheld where the viewer may not see the people themselves.
SMALL_COUNT = 5


def participation(events: QuerySet[Event]) -> dict[int, dict]:
    """Per event: participants, faculty, trainees and countries, and results (counts only)."""
    rows = (Participant.objects.filter(event__in=events).values("event_id")
            .annotate(n=Count("pk"), faculty=Count("faculty"), trainees=Count("trainee"),
                      countries=Count("country", distinct=True),
                      results=Count("pk", filter=Q(placing__isnull=False) | ~Q(award=""))).order_by())
    return {r["event_id"]: r for r in rows}


def shown_count(n: int, may_see_people: bool) -> int | None:
    """A head count as a viewer may see it: small numbers of people are withheld from the public."""
    return n if may_see_people or n == 0 or n >= SMALL_COUNT else None


def calendar(events: QuerySet[Event], *, country: str = "", project: int | None = None, kind: str = "",
             year: int | None = None, committee: int | None = None) -> QuerySet[Event]:
    """Events filtered as the calendar's country, project, committee, kind and year choices ask."""
    if country:
        events = events.filter(country_id=country.upper())
    if project:
        events = events.filter(Q(projects=project) | Q(decisions__projects=project)).distinct()
    if committee:
        events = events.filter(committee_id=committee)
    if kind:
        events = events.filter(kind=kind)
    if year:
        events = events.filter(starts_on__year__lte=year, ends_on__year__gte=year)
    return events.order_by("starts_on", "title")


@dataclass
class CalendarItem:
    """One entry of the calendar and its feed: an event (a committee meeting is one) or a teacher's
    dispatch abroad, with what a reader sees rendered in the reader's language."""

    uid: str  # stable across feeds: a calendar application updates the entry rather than adding one
    kind: str  # event | dispatch
    label: str
    title: str
    starts: dt.date
    ends: dt.date  # inclusive
    place: str
    status: str  # confirmed | tentative | cancelled (RFC 5545 STATUS, lower case)
    path: str
    description: str = ""


EVENT_STATUS = {Event.Status.PLANNED: "confirmed", Event.Status.HELD: "confirmed", Event.Status.CANCELLED: "cancelled"}


def calendar_items(user, start: dt.date, end: dt.date, *, country: str = "", project: int | None = None,
                   limit: int = 2000) -> list[CalendarItem]:
    """What the calendar shows ``user`` between two dates: the events they may see (the public: only
    published ones) and the teachers' dispatches they may read (``teachers.queries.visible_assignments``)."""
    events = calendar(visible_events(user), country=country, project=project).filter(
        starts_on__lte=end, ends_on__gte=start)[:limit]
    items = [CalendarItem(f"event-{e.pk}", "event", e.get_kind_display(), e.title, e.starts_on, e.ends_on,
                          ", ".join(p for p in (e.city, e.country.name) if p), EVENT_STATUS[e.status],
                          reverse("governance_event", args=[e.pk]), e.summary)
             for e in events]
    dispatches = list(teachers_queries.dispatches_between(user, start, end, country=country, project=project)[:limit])
    # A host institution's staff see who comes, not the teacher's record: that is the sender's.
    openable = teachers_queries.openable_teachers(user, {a.faculty_id for a in dispatches})
    for a in dispatches:
        host = a.project.name if a.project_id else a.partner.name
        items.append(CalendarItem(
            f"dispatch-{a.pk}", "dispatch", _("teacher dispatch"),
            _("%(teacher)s (%(role)s) at %(host)s") % {"teacher": a.faculty.full_name,
                                                       "role": a.get_role_display(), "host": host},
            a.start_date, a.end_date, a.country.name,
            "tentative" if a.status == a.Status.PLANNING else "confirmed",
            reverse("teachers_record", args=[a.faculty_id]) if a.faculty_id in openable
            else reverse("teachers_dispatches"),
            _("Sent by %(institution)s; %(status)s.") % {"institution": a.from_institution.name,
                                                         "status": a.get_status_display()}))
    items.sort(key=lambda i: (i.starts, i.title))
    return items[:limit]


def events_between(start: dt.date, end: dt.date, countries: list[str]) -> QuerySet[Event]:
    return (Event.objects.filter(country_id__in=countries, starts_on__lte=end, ends_on__gte=start)
            .exclude(status=Event.Status.CANCELLED).select_related("country").order_by("starts_on"))


def open_actions() -> QuerySet[FollowUpAction]:
    """Follow-up actions still open, the overdue first."""
    return (FollowUpAction.objects.filter(status=FollowUpAction.Status.OPEN)
            .select_related("decision__event", "responsible").order_by("due_on", "pk"))


def development_record(faculty_id: int) -> QuerySet[Participant]:
    """A faculty member's events (forums, visits, competitions judged) for their development record."""
    return (Participant.objects.filter(faculty_id=faculty_id).exclude(event__status=Event.Status.CANCELLED)
            .select_related("event", "event__country").order_by("-event__starts_on"))


# ---------------------------------------------------------------------------------------------------
# The governance section of the periodic report


def agreements_in_scope(countries: list[str]) -> QuerySet[Agreement]:
    """Agreements that name one of the countries, cover a project hosted there or have an institutional
    party from there (confidential ones too: reports are read by members, who see every agreement)."""
    ids = Agreement.objects.filter(Q(countries__in=countries) | Q(projects__host_country__in=countries)
                                   | Q(institutions__country__in=countries)).values("pk")
    return Agreement.objects.filter(pk__in=ids)


def renewed_between(agreements: QuerySet[Agreement], start: dt.date, end: dt.date) -> list[tuple[Agreement, dt.date, dt.date]]:
    """Agreements whose term was extended by a change recorded in the period: (agreement, old end, new end)."""
    by_pk = {a.pk: a for a in agreements}
    renewed = []
    changes = (Agreement.history.filter(id__in=list(by_pk), history_type="~", history_date__date__gte=start,
                                        history_date__date__lte=end).order_by("history_date"))
    for record in changes:
        before = record.prev_record
        if before is not None and before.expires_on and record.expires_on and record.expires_on > before.expires_on:
            renewed.append((by_pk[record.id], before.expires_on, record.expires_on))
    return renewed


def report_data(countries: list[str], start: dt.date, end: dt.date, horizon_days: int = 180) -> dict:
    """What the governance section reports for a scope and period, as records (the section renders them)."""
    agreements = agreements_in_scope(countries)
    signed = agreements.filter(status=Agreement.Status.SIGNED, signed_on__gte=start, signed_on__lte=end)
    expiring = agreements.filter(status=Agreement.Status.SIGNED, expires_on__gte=start,
                                 expires_on__lte=end + dt.timedelta(days=horizon_days)).order_by("expires_on")
    projects = CooperationProject.objects.filter(host_country__in=countries, status__in=LIVE_PROJECT_STATUSES)
    protected = set(ContinuityClause.objects.filter(agreement__in=Agreement.objects.filter(in_force(end)),
                                                    agreement__projects__in=projects)
                    .values_list("agreement__projects", flat=True))
    operations = (OverseasOperation.objects.filter(host_country__in=countries).values("host_country", "status")
                  .annotate(n=Count("pk")).order_by("host_country", "status"))
    events = events_between(start, end, countries)
    return {"signed": list(signed.order_by("signed_on")), "renewed": renewed_between(agreements, start, end),
            "expiring": list(expiring), "projects": list(projects.select_related("host_country")),
            "protected_ids": protected, "operations": list(operations), "events": list(events),
            "participation": participation(events)}
