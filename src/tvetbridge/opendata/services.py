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
from tvetbridge.core.roles import is_enterprise_staff
from tvetbridge.core.services import create_record, delete_record, require, retry_when_busy, update_record

from . import queries
from .engine import iati as engine
from .io import iati as xml
from .models import ActivityPublication, CaseMaterial, EnterpriseListing, ExemplaryCase, IatiFile, Publisher

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


def _own_enterprise(user, obj, _m2m) -> None:
    if not user.has_perm("opendata.change_enterpriselisting", obj):
        raise PermissionDenied(_("You may decide only for your own enterprise."))


@retry_when_busy
def set_enterprise_listing(user, enterprise, *, listed: bool, reason: str = "",
                           expected_version: int | None = None) -> EnterpriseListing:
    """Give or withdraw an enterprise's consent to be listed in public. Its own staff decide; a
    coordinator may record the enterprise's decision on its behalf, and must say why. The files that
    name the enterprise (IATI participating organisations) are regenerated."""
    reason = (reason or "").strip()
    own = is_enterprise_staff(user) and user.profile.enterprise_id == enterprise.pk
    if not own and not reason:
        raise ValidationError({"reason": _("Say why you record this on the enterprise's behalf, e.g. the "
                                           "letter in which it agreed.")})
    data = {"listed": listed, "decided_by": user if user.is_authenticated else None, "decided_at": timezone.now(),
            "on_behalf": not own, "reason": reason}
    audit = "consent to be listed given" if listed else "consent to be listed withdrawn"
    with transaction.atomic():
        listing = EnterpriseListing.objects.select_for_update().filter(enterprise=enterprise).first()
        if listing is None:
            listing = create_record(user, EnterpriseListing, {"enterprise": enterprise, **data}, reason=audit,
                                    check=_own_enterprise)
        else:
            listing = update_record(user, listing, data, reason=audit, expected_version=expected_version)
        if ActivityPublication.objects.filter(project__enterprises=enterprise).exists():
            schedule_regeneration(user)
    return listing


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
        # Codes were checked on the data (``engine.coded_values``: every path ``mapping.xml`` maps for
        # these activities), per project and field, before writing; re-walking the tree for them would
        # cost more than writing it. The schema is still checked on the file itself.
        errors = xml.schema_errors(content, "activity")
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
        errors = xml.schema_errors(org_content, "organisation")  # codes: checked on the data above
        if errors:
            raise RuntimeError("IATI organisation file failed its own checks: " + "; ".join(errors[:5]))
    _store(IatiFile.Kind.ORGANISATION, org_content, n=len(orgs), problems=org_findings, left_out=0,
           refused=bool(org_findings))
    return {"activities": len(valid), "left_out": len(bad) if not refused else 0, "refused": refused,
            "problems": len(problems), "organisations": len(orgs)}


# --- exemplary cases -------------------------------------------------------------------------------

CASE_TEXT_FIELDS = ("title", "industry_gap", "learning")
PHOTO_MAX_BYTES = 5 * 2**20
PHOTO_MAX_PIXELS = 40_000_000  # bounds decompression: a small file may not unpack into a huge bitmap
PHOTO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def _case_data(data: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _valid_comparison(user, obj, _m2m) -> None:
    from tvetbridge.outcomes.queries import COMPARISONS

    if obj.slug == "new":  # the address of the form for a new case
        raise ValidationError({"slug": _("This address is reserved; choose another.")})
    if obj.comparison not in COMPARISONS:
        raise ValidationError({"comparison": _("Unknown comparison group.")})


@retry_when_busy
def create_case(user, data: dict) -> ExemplaryCase:
    """Draft a case (coordinators). Its narrative is written in each language; figures are never typed."""
    with transaction.atomic():
        return create_record(user, ExemplaryCase, {**_case_data(data), "status": ExemplaryCase.Status.DRAFT},
                             reason="exemplary case drafted", check=_valid_comparison)


@retry_when_busy
def update_case(user, case: ExemplaryCase, data: dict, *, expected_version: int | None = None) -> ExemplaryCase:
    data = {k: v for k, v in _case_data(data).items() if k not in ("status", "published_at", "published_by")}
    with transaction.atomic():
        return update_record(user, case, data, reason="exemplary case edited", expected_version=expected_version,
                             check=_valid_comparison)


def case_impact(case: ExemplaryCase) -> dict:
    """The impact engine's analysis of the case's project on the results page's basis (cached by the
    engine per data version, so it is recomputed exactly when the project's data change)."""
    from tvetbridge.outcomes.services import project_impact

    return project_impact(case.project, comparison=case.comparison, basis=queries.case_basis())


def publish_problems(case: ExemplaryCase, impact_payload: dict | None = None) -> list[str]:
    """Why the case cannot be published, in the reader's language (empty: it can)."""
    from django.conf import settings

    problems = []
    for field in CASE_TEXT_FIELDS:
        missing = [name for code, name in settings.LANGUAGES
                   if not (getattr(case, f"{field}_{code.replace('-', '_')}", "") or "").strip()]
        if missing:
            label = ExemplaryCase._meta.get_field(field).verbose_name
            problems.append(_("“%(field)s” is not written in: %(languages)s.")
                            % {"field": label, "languages": ", ".join(str(m) for m in missing)})
    figure = queries.impact_figure(case_impact(case) if impact_payload is None else impact_payload)
    if figure["state"] == "none":
        reason = figure["reason"] or _("the impact engine found no estimate it could stand behind")
        problems.append(_("The project has no impact estimate: %(reason)s. A case tells how much income "
                          "increased, so it needs one.") % {"reason": reason.rstrip(".")})
    elif figure["state"] == "withheld":
        problems.append(_("The impact estimate rests on fewer than %(n)d people in a group and cannot be "
                          "published.") % {"n": queries.SUPPRESS_BELOW})
    return problems


@retry_when_busy
def publish_case(user, case: ExemplaryCase, *, expected_version: int | None = None) -> ExemplaryCase:
    """Publish a case if the evidence supports it; otherwise ValidationError saying why."""
    require(user, "publish", ExemplaryCase, case)
    problems = publish_problems(case)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        return update_record(user, case, {"status": ExemplaryCase.Status.PUBLISHED, "published_at": timezone.now(),
                                          "published_by": user}, reason="exemplary case published",
                             expected_version=expected_version)


@retry_when_busy
def unpublish_case(user, case: ExemplaryCase, *, expected_version: int | None = None) -> ExemplaryCase:
    require(user, "publish", ExemplaryCase, case)
    with transaction.atomic():
        return update_record(user, case, {"status": ExemplaryCase.Status.DRAFT, "published_at": None},
                             reason="exemplary case withdrawn", expected_version=expected_version)


def _checked_photo(upload) -> str:
    """The photo's media type after reading it as an image; ValidationError naming the problem."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20}})
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            if img.width * img.height > PHOTO_MAX_PIXELS:
                raise ValidationError({"image": _("The photo has more than %(n)d million pixels.")
                                       % {"n": PHOTO_MAX_PIXELS // 1_000_000}})
            kind = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError({"image": _("The file is not a readable PNG, JPEG or WebP image.")}) from exc
    if kind not in PHOTO_TYPES:
        raise ValidationError({"image": _("Photos must be PNG, JPEG or WebP.")})
    upload.seek(0)
    return PHOTO_TYPES[kind]


@retry_when_busy
def add_material(user, case: ExemplaryCase, data: dict, *, upload=None) -> CaseMaterial:
    """Add a quote or a photo to a case, with the consent of the people in it recorded. Permission is
    checked before the upload is read."""
    probe = CaseMaterial(case=case)
    if not user.has_perm("opendata.change_casematerial", probe):
        raise PermissionDenied(_("You may add material only to cases about your own institution's projects."))
    data = _case_data(data)
    if not data.get("consent_recorded"):
        raise ValidationError({"consent_recorded": _("Quotes and photos are published only with the consent "
                                                     "of the people in them; record it first.")})
    if data.get("kind") == CaseMaterial.Kind.PHOTO:
        if upload is None:
            raise ValidationError({"image": _("Choose the photo to upload.")})
        data.update(image=upload, content_type=_checked_photo(upload))
    elif upload is not None:
        raise ValidationError({"image": _("A quote has no photo.")})

    def own_case(user, obj, _m2m):
        if not user.has_perm("opendata.change_casematerial", obj):
            raise PermissionDenied(_("You may add material only to cases about your own institution's projects."))

    with transaction.atomic():
        return create_record(user, CaseMaterial, {**data, "case": case, "added_by": user},
                             reason="case material added with consent", check=own_case)


@retry_when_busy
def remove_material(user, material: CaseMaterial, *, expected_version: int | None = None) -> None:
    """Remove a quote or photo (e.g. when consent is withdrawn); the stored file goes with it."""
    with transaction.atomic():
        image = material.image.name if material.image else ""
        storage = material.image.storage if material.image else None
        delete_record(user, material, expected_version=expected_version)
        if image:
            transaction.on_commit(lambda: storage.delete(image))
