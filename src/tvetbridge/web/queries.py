"""Read paths of the role home pages ("my work"): what each role has waiting, in a few aggregated
queries per page (never one query per project or per trainee)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tvetbridge.core import jobs
from tvetbridge.core.models import Job
from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import queries as matching_queries
from tvetbridge.matching.models import CandidateList
from tvetbridge.outcomes import flags as flag_rules
from tvetbridge.outcomes.models import Employment, Enrolment, ImportBatch, IncomeObservation, QualityFlag
from tvetbridge.registry.models import CooperationProject, Programme
from tvetbridge.risk.models import Alert

LIST_LIMIT = 20
# Employment and income are followed up six months after training ends (the usual tracer-study
# moment); a cohort that finished more recently is not yet due.
FOLLOW_UP_DAYS = 183


def projects_of_institution(institution_id: int) -> QuerySet:
    return CooperationProject.objects.order_by().filter(
        Q(partner_institutions=institution_id) | Q(chinese_institutions=institution_id)).distinct()


def _recent_jobs(user) -> list:
    recent = list(Job.objects.filter(created_by=user, parent=None).order_by("-created")[:10])
    for job in recent:
        job.title = jobs.title_of(job)
    return recent


def coordinator_home(user, since: dt.datetime | None) -> dict:
    awaiting = CooperationProject.objects.filter(status=CooperationProject.Status.PROPOSED) \
        .select_related("host_country").order_by("updated")
    open_flags = QualityFlag.objects.filter(status__in=(QualityFlag.Status.OPEN, QualityFlag.Status.REVIEWING)) \
        .select_related("project").order_by("-raised")
    alerts = Alert.objects.exclude(status=Alert.Status.RESOLVED).select_related("country").order_by("-created")
    flags = list(open_flags[:LIST_LIMIT])
    for f in flags:  # the rule's title in the reader's language, not the stored English summary
        rule = flag_rules.RULES_BY_CODE.get(f.rule)
        f.rule_title = rule.title if rule else f.rule
    return {
        "awaiting": list(awaiting[:LIST_LIMIT]), "awaiting_total": awaiting.count(),
        "flags": flags, "flags_total": open_flags.count(),
        "flags_new": open_flags.filter(raised__gt=since).count() if since else None,
        "alerts": list(alerts[:10]), "alerts_total": alerts.count(),
        "projects_total": CooperationProject.objects.count(),
        "jobs": _recent_jobs(user),
    }


def completeness(project_ids, today: dt.date) -> list[dict]:
    """Per project: graduates due for follow-up, and how many of them have an employment record and
    an income after training (DHIS2-style reporting rates), in one grouped query."""
    has_job = Exists(Employment.objects.filter(trainee_id=OuterRef("trainee_id")))
    has_income = Exists(IncomeObservation.objects.filter(trainee_id=OuterRef("trainee_id"),
                                                         period__gt=OuterRef("end_date")))
    due = Q(status=Enrolment.Status.COMPLETED, end_date__lte=today - dt.timedelta(days=FOLLOW_UP_DAYS))
    rows = (Enrolment.objects.order_by().filter(project_id__in=list(project_ids))
            .annotate(has_job=has_job, has_income=has_income).values("project_id")
            .annotate(enrolled=Count("pk", filter=~Q(status=Enrolment.Status.APPLIED)),
                      due=Count("pk", filter=due),
                      with_job=Count("pk", filter=due & Q(has_job=True)),
                      with_income=Count("pk", filter=due & Q(has_income=True))))
    out = []
    for row in rows:
        row["job_rate"] = round(100 * row["with_job"] / row["due"]) if row["due"] else None
        row["income_rate"] = round(100 * row["with_income"] / row["due"]) if row["due"] else None
        out.append(row)
    return out


def institution_home(user, today: dt.date) -> dict:
    institution = user.profile.institution
    projects = list(projects_of_institution(institution.pk).select_related("host_country").order_by("name"))
    by_project = {row["project_id"]: row for row in completeness([p.pk for p in projects], today)}
    for p in projects:
        p.completeness = by_project.get(p.pk)
    return {
        "institution": institution,
        "programmes": list(Programme.objects.filter(institution=institution).select_related("field")
                           .order_by("name")[:50]),
        "projects": projects,
        "imports": list(ImportBatch.objects.filter(user=user).order_by("-created")[:10]),
        "jobs": _recent_jobs(user),
        "follow_up_days": FOLLOW_UP_DAYS,
    }


def enterprise_home(user) -> dict:
    enterprise = user.profile.enterprise
    demands = list(SkillDemand.objects.filter(enterprise=enterprise).select_related("country", "region", "occupation")
                   .order_by("status", "deadline", "pk")[:100])
    ids = [d.pk for d in demands]
    lists = dict(CandidateList.objects.filter(kind=CandidateList.Kind.VACANCY, subject_id__in=ids)
                 .values_list("subject_id", "candidate_ids"))
    interests = matching_queries.interest_counts(ids)
    for d in demands:
        d.n_candidates = len(lists.get(d.pk, []))
        d.n_interested = interests.get(d.pk, 0)
    return {
        "enterprise": enterprise, "demands": demands,
        "projects": list(CooperationProject.objects.filter(enterprises=enterprise).select_related("host_country")
                         .order_by("name")),
        "jobs": _recent_jobs(user),
    }
