"""State changes of the open-data app: publishers, published activities, and the IATI files.

Publishing or withdrawing an activity regenerates the files in a background job; a daily schedule
regenerates them too (``tasks.py``), so ledger postings and new results reach the files without anyone
remembering to press a button.
"""

from __future__ import annotations

import dataclasses
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tvetbridge.core.jobs import enqueue
from tvetbridge.core.services import create_record, delete_record, require, retry_when_busy, update_record

from . import queries
from .engine import iati as engine
from .io import iati as xml
from .models import ActivityPublication, IatiFile, Publisher

STEP_READ = gettext_noop("Reading the published projects")
STEP_WRITE = gettext_noop("Writing the activity file")
STEP_ORGS = gettext_noop("Writing the organisation file")


def register_publisher(user, *, institution, identifier: str, org_type: str = Publisher.OrgType.ACADEMIC,
                       default_currency: str = "USD") -> Publisher:
    def own_institution(user, obj, _m2m):
        if not user.has_perm("opendata.change_publisher", obj):
            raise PermissionDenied(_("You may register only your own institution as a publisher."))

    return create_record(user, Publisher, {"institution": institution, "identifier": identifier.strip(),
                                           "org_type": org_type, "default_currency": default_currency},
                         reason="registered as IATI publisher", check=own_institution)


def _can_publish(user, obj, _m2m) -> None:
    if obj.project.status not in queries.PUBLISHABLE:
        raise ValidationError({"project": _("Only approved projects can be published.")})
    if not user.has_perm("opendata.change_activitypublication", obj):
        raise PermissionDenied(_("You may publish only projects of your own institution, as its publisher."))


@retry_when_busy
def publish_project(user, *, project, publisher: Publisher, activity_id: str = "", sectors: str = "") -> ActivityPublication:
    """Publish a project as an IATI activity and queue the regeneration of the files."""
    with transaction.atomic():
        pub = create_record(user, ActivityPublication, {
            "project": project, "publisher": publisher, "activity_id": (activity_id or project.external_key).strip(),
            "sectors": sectors, "published_by": user if user.is_authenticated else None,
        }, reason="published to IATI", check=_can_publish)
        schedule_regeneration(user)
    return pub


@retry_when_busy
def update_publication(user, pub: ActivityPublication, *, sectors: str, expected_version: int | None = None):
    with transaction.atomic():
        pub = update_record(user, pub, {"sectors": sectors}, reason="IATI sectors changed",
                            expected_version=expected_version)
        schedule_regeneration(user)
    return pub


@retry_when_busy
def withdraw_publication(user, pub: ActivityPublication, *, expected_version: int | None = None) -> None:
    with transaction.atomic():
        delete_record(user, pub, expected_version=expected_version)
        schedule_regeneration(user)


def schedule_regeneration(user, *, skip_invalid: bool = False):
    """Queue one regeneration (a waiting one is reused). Leaving out activities with problems is a
    coordinator's choice; publishing alone never does it."""
    if skip_invalid:
        require(user, "regenerate", IatiFile)
    from .tasks import regenerate_iati

    return enqueue(regenerate_iati, user=user, dedupe_key=f"iati:{int(skip_invalid)}", skip_invalid=skip_invalid)


def regenerate_now(user, *, skip_invalid: bool = False):
    require(user, "regenerate", IatiFile)
    return schedule_regeneration(user, skip_invalid=skip_invalid)


def _as_json(findings) -> list[dict]:
    return [{**dataclasses.asdict(f), "params": dict(f.params)} for f in findings]


def _store(kind: str, content: bytes | None, *, n: int, problems: list[dict], left_out: int, refused: bool) -> IatiFile:
    now = timezone.now()
    row, _created = IatiFile.objects.get_or_create(kind=kind, defaults={"n_records": 0})
    row.checked_at, row.problems, row.left_out, row.refused = now, problems, left_out, refused
    if content is not None:
        row.content, row.sha256, row.generated_at, row.n_records = content, hashlib.sha256(content).hexdigest(), now, n
    row.save()
    return row


def generate_files(*, skip_invalid: bool = False, today=None, progress=lambda pct, step: None) -> dict:
    """Build, check and store both files. With problems, the activity file is refused (the previous
    one stays published) unless ``skip_invalid``, which writes the valid rest. A file that fails the
    schema or the codelists is never stored: that would be a bug here, not bad input."""
    today = today or timezone.localdate()
    progress(10, STEP_READ)
    activities, findings = queries.activities(today=today)
    codes = xml.codelists()
    findings += engine.check_activities(activities, today, codes)
    valid, bad = engine.split_valid(activities, findings)
    problems = _as_json(findings)
    refused = bool(bad) and not skip_invalid
    progress(60, STEP_WRITE)
    content = None if (refused or not valid) else xml.write_activities(valid)
    if content is not None:
        errors = xml.schema_errors(content, "activity") + xml.code_errors(content)
        if errors:
            raise RuntimeError("IATI activity file failed its own checks: " + "; ".join(errors[:5]))
    _store(IatiFile.Kind.ACTIVITY, content, n=len(valid), problems=problems,
           left_out=len(bad) if not refused else 0, refused=refused)
    progress(80, STEP_ORGS)
    orgs = queries.organisations(today=today)
    org_findings = _as_json(engine.check_organisations(orgs, codes))
    org_content = None
    if not org_findings and orgs:
        org_content = xml.write_organisations(orgs)
        errors = xml.schema_errors(org_content, "organisation") + xml.code_errors(org_content)
        if errors:
            raise RuntimeError("IATI organisation file failed its own checks: " + "; ".join(errors[:5]))
    _store(IatiFile.Kind.ORGANISATION, org_content, n=len(orgs), problems=org_findings, left_out=0,
           refused=bool(org_findings))
    return {"activities": len(valid), "left_out": len(bad) if not refused else 0, "refused": refused,
            "problems": len(problems), "organisations": len(orgs)}
