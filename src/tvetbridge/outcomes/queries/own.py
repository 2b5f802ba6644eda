"""A trainee's own record, as they see it and as they download it (the right of access).

One function gathers everything the platform holds about one person; the page, the JSON and the CSV
download all read it, so what is shown and what is downloaded cannot drift apart. Keys are field
names (stable across languages); values are plain JSON types.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models

from ..models import (
    Assessment,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    LearningProgress,
    Trainee,
    TraineeSkill,
)

# Never part of a person's export: the keyed hash is a pseudonym for linking files, not their data, and
# the account link and version are bookkeeping.
HIDDEN = {"identity_hash", "user", "version"}


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def _row(obj: models.Model) -> dict:
    out = {}
    for field in obj._meta.concrete_fields:
        if field.name in HIDDEN:
            continue
        # A related record by its name (what the person recognises), everything else by its stored value.
        out[field.name] = _plain(getattr(obj, field.name if field.is_relation else field.attname))
    return out


def own_record(trainee: Trainee) -> dict:
    """Everything held about ``trainee``: the person, enrolments with progress and assessments,
    credentials, skills, jobs and incomes (ordered by date, one query per section)."""
    enrolments = list(Enrolment.objects.filter(trainee=trainee).select_related("project", "programme")
                      .order_by("start_date", "pk"))
    return {
        "trainee": {**_row(trainee), "languages": sorted(trainee.languages.values_list("code", flat=True))},
        "enrolments": [_row(e) for e in enrolments],
        "learning_progress": [_row(p) for p in LearningProgress.objects.filter(enrolment__trainee=trainee)
                              .order_by("as_of", "pk")],
        "assessments": [_row(a) for a in Assessment.objects.filter(enrolment__trainee=trainee)
                        .order_by("date", "pk")],
        "credentials": [_row(c) for c in Credential.objects.filter(trainee=trainee).order_by("awarded", "pk")],
        "skills": [_row(s) for s in TraineeSkill.objects.filter(trainee=trainee).select_related("skill")
                   .order_by("skill__label", "pk")],
        "employment": [_row(j) for j in Employment.objects.filter(trainee=trainee).select_related("employer")
                       .order_by("start_date", "pk")],
        "incomes": [_row(i) for i in IncomeObservation.objects.filter(trainee=trainee).order_by("period", "pk")],
    }


def own_record_rows(record: dict) -> list[tuple[str, int, str, object]]:
    """The same record as long rows (section, item number, field, value) for a CSV file."""
    rows: list[tuple[str, int, str, object]] = []
    for section, content in record.items():
        items = [content] if isinstance(content, dict) else content
        for n, item in enumerate(items, start=1):
            for field, value in item.items():
                rows.append((section, n, field, ";".join(value) if isinstance(value, list) else value))
    return rows


def own_page(trainee: Trainee) -> dict:
    """The objects the trainee's record page shows (with display labels), in a fixed number of queries."""
    enrolments = list(Enrolment.objects.filter(trainee=trainee).select_related("project", "programme__institution")
                      .prefetch_related("progress", "assessments").order_by("-start_date", "pk"))
    for e in enrolments:
        progress = sorted(e.progress.all(), key=lambda p: p.as_of)
        e.latest_progress = progress[-1] if progress else None
        latest = e.latest_progress
        e.progress_percent = (round(100 * latest.modules_completed / latest.modules_total)
                              if latest and latest.modules_total else None)
    return {
        "enrolments": enrolments,
        "credentials": list(Credential.objects.filter(trainee=trainee).order_by("-awarded")),
        "skills": list(TraineeSkill.objects.filter(trainee=trainee).select_related("skill").order_by("skill__label")),
        "jobs": list(Employment.objects.filter(trainee=trainee).select_related("employer", "country", "region")
                     .order_by("-start_date")),
        "incomes": list(IncomeObservation.objects.filter(trainee=trainee).order_by("-period")),
    }
