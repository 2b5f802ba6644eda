"""Learning records feed outcomes: statements by a platform trainee become the learning progress of
their enrolment (hours and modules completed), replacing hand entry.

Rules (documented on the trainee's record page too):

* A trainee appears in statements as an xAPI account on ``LRS_LEARNER_HOMEPAGE`` named by a keyed
  hash (:func:`actor_for`); statements about anyone else feed no enrolment.
* A statement belongs to the enrolment in force at its timestamp (start date to end date, or open).
  When several are, the one whose programme or project uses the resource wins, then the latest
  started. Statements outside every enrolment count for none.
* Hours: learning time by the usage rules of ``engine.usage`` (explicit durations, else session
  spans with a 30-minute cut-off), robots and staff never being trainees.
* Modules completed: distinct catalogue modules the trainee completed or passed (xAPI verbs
  completed, passed, mastered, or ``result.completion`` true). Modules in the course: the modules
  used by the enrolment's programme or project.
* Voided statements count for nothing: voiding one recomputes the figures.

The figures are written into one ``outcomes.LearningProgress`` row per enrolment (``as_of`` the day
of the latest statement), through the outcomes service, so its history shows each change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tvetbridge.core.services import system_user
from tvetbridge.outcomes import services as outcome_services
from tvetbridge.outcomes.models import Enrolment, Trainee

from .engine import usage as usage_engine
from .models import EnrolmentRecord, Learner, Resource, Statement

ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETION_VERBS = frozenset({ADL + "completed", ADL + "passed", ADL + "mastered"})
# "A resource opened": the verbs content and the platform's own pages send when a learner opens it.
VISIT_VERBS = frozenset({ADL + "launched", ADL + "initialized", ADL + "experienced", ADL + "attempted",
                         "http://id.tincanapi.com/verb/viewed", "https://w3id.org/xapi/adl/verbs/logged-in"})


def account_name(trainee_id: int) -> str:
    key = settings.IDENTITY_HASH_KEY.encode("utf-8")
    return hmac.new(key, f"xapi-learner:{trainee_id}".encode(), hashlib.sha256).hexdigest()[:32]


def actor_for(trainee: Trainee) -> dict:
    """The xAPI Agent of a trainee: an account named by a keyed hash, never the person's identity."""
    return {"objectType": "Agent", "account": {"homePage": settings.LRS_LEARNER_HOMEPAGE,
                                               "name": learner_for(trainee).account_name}}


def learner_for(trainee: Trainee) -> Learner:
    learner = Learner.objects.filter(trainee=trainee).first()
    if learner is None:
        name = account_name(trainee.pk)
        learner, _ = Learner.objects.get_or_create(
            trainee=trainee, defaults={"account_name": name,
                                       "ifi": f"account::{name}@{settings.LRS_LEARNER_HOMEPAGE}"})
    return learner


def resource_key(activity_iri: str) -> str | None:
    """The external key of the catalogue resource an Activity IRI names, or None."""
    base = settings.LRS_ACTIVITY_BASE.rstrip("/") + "/"
    return activity_iri[len(base):] if activity_iri.startswith(base) else None


def apply_statements(rows: Iterable[Statement]) -> None:
    """Recompute the learning progress of every trainee the statements are about (also of the
    actors of statements a voiding statement in ``rows`` voided)."""
    ifis = {r.actor_ifi for r in rows}
    voided = [r.ref_target for r in rows if r.is_voiding and r.ref_target]
    if voided:
        ifis |= set(Statement.objects.filter(statement_id__in=voided).values_list("actor_ifi", flat=True))
    for trainee_id in Learner.objects.filter(ifi__in=ifis).values_list("trainee_id", flat=True):
        recompute(trainee_id)


def _events(learner: Learner):
    return list(Statement.objects.filter(actor_ifi=learner.ifi, voided=False, is_voiding=False)
                .order_by("timestamp").values_list("timestamp", "verb", "object_activity", "duration_seconds",
                                                   "completion"))


def _enrolment_for(enrolments: list[Enrolment], uses: dict[int, set[str]], when: dt.date, key: str | None):
    live = [e for e in enrolments if e.start_date <= when and (e.end_date is None or when <= e.end_date)]
    if not live:
        return None
    live.sort(key=lambda e: (key is not None and key in uses[e.pk], e.start_date, e.pk), reverse=True)
    return live[0]


@transaction.atomic
def recompute(trainee_id: int) -> None:
    learner = Learner.objects.filter(trainee_id=trainee_id).first()
    if learner is None:
        return
    enrolments = list(Enrolment.objects.filter(trainee_id=trainee_id).exclude(status=Enrolment.Status.APPLIED))
    if not enrolments:
        return
    uses: dict[int, set[str]] = {}
    modules_total: dict[int, int | None] = {}
    for e in enrolments:
        used = Resource.objects.filter(Q(programmes=e.programme_id) if e.programme_id else Q(pk__in=[]))
        if e.project_id:
            used = used | Resource.objects.filter(projects=e.project_id)
        keys = dict(used.distinct().values_list("external_key", "kind"))
        uses[e.pk] = set(keys)
        n_modules = sum(1 for kind in keys.values() if kind == Resource.Kind.MODULE)
        modules_total[e.pk] = n_modules or None
    module_keys = set(Resource.objects.filter(kind=Resource.Kind.MODULE).values_list("external_key", flat=True))
    events = _events(learner)
    tz = timezone.get_current_timezone()
    per: dict[int, list[int]] = defaultdict(list)
    keys = [resource_key(a) if a else None for _, _, a, _, _ in events]
    for i, (ts, _verb, _act, _dur, _comp) in enumerate(events):
        enrolment = _enrolment_for(enrolments, uses, ts.astimezone(tz).date(), keys[i])
        if enrolment is not None:
            per[enrolment.pk].append(i)
    existing = {r.enrolment_id: r for r in EnrolmentRecord.objects.filter(enrolment__in=enrolments)
                .select_related("progress")}
    for e in enrolments:
        idx = per.get(e.pk, [])
        if not idx and e.pk not in existing:
            continue
        times = np.array([events[i][0].timestamp() for i in idx], dtype=float)
        durations = np.array([np.nan if events[i][3] is None else events[i][3] for i in idx], dtype=float)
        result = usage_engine.usage(np.zeros(len(idx), np.int64), np.zeros(len(idx), np.int64), times,
                                    np.array([events[i][1] in VISIT_VERBS for i in idx], bool), durations)
        seconds = float(result.seconds.sum())
        done = {keys[i] for i in idx if keys[i] in module_keys
                and (events[i][1] in COMPLETION_VERBS or events[i][4] is True)}
        as_of = events[idx[-1]][0].astimezone(tz).date() if idx else timezone.localdate()
        _write(e, existing.get(e.pk), seconds, len(done), modules_total[e.pk], len(idx), as_of)


def _write(enrolment: Enrolment, record: EnrolmentRecord | None, seconds: float, modules: int,
           modules_total: int | None, n: int, as_of: dt.date) -> None:
    hours = Decimal(str(round(seconds / 3600, 1)))
    data = {"enrolment": enrolment, "as_of": as_of, "hours": hours, "modules_completed": modules,
            "modules_total": modules_total}
    progress = record.progress if record is not None else None
    if progress is None or (progress.as_of, progress.hours, progress.modules_completed, progress.modules_total) != (
            as_of, hours, modules, modules_total):
        # The platform writes it on its own, from the statements: audited as the system user.
        progress = outcome_services.record_progress(system_user(), data, instance=progress)
    EnrolmentRecord.objects.update_or_create(
        enrolment=enrolment, defaults={"progress": progress, "seconds": seconds, "modules_completed": modules,
                                       "statements": n})
