"""State changes of the library: LRS client credentials (this module), the catalogue and learning
records (further down as they are added). Each function is atomic, checks permission, and leaves an
audit trail (django-simple-history records who changed what)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from tvetbridge.core.roles import role_of
from tvetbridge.core.services import require

from .models import LrsClient
from .xapi.services import new_credentials, secret_digest


@transaction.atomic
def provision_client(*, name: str, key: str | None = None, secret: str | None = None, scope: str = LrsClient.Scope.ALL,
                     institution=None, xapi_version: str = "2.0") -> tuple[LrsClient, str]:
    """Create or re-key a client without a signed-in user (command line provisioning)."""
    gen_key, gen_secret = new_credentials()
    secret = secret or gen_secret
    client, _created = LrsClient.objects.update_or_create(
        key=key or gen_key,
        defaults={"name": name, "secret_digest": secret_digest(secret), "scope": scope, "institution": institution,
                  "is_active": True, "xapi_version": xapi_version})
    return client, secret


@transaction.atomic
def create_client(user, *, name: str, scope: str, institution=None) -> tuple[LrsClient, str]:
    """A new credential; the secret is returned once and never stored in clear. Institution staff
    create clients for their own institution only."""
    require(user, "add", LrsClient)
    if role_of(user) == "institution":
        institution = user.profile.institution
    if scope not in LrsClient.Scope.values:
        raise PermissionDenied(_("Unknown permission set."))
    key, secret = new_credentials()
    client = LrsClient(name=name, key=key, secret_digest=secret_digest(secret), scope=scope,
                       institution=institution, created_by=user)
    client._change_reason = "created"
    client.save()
    return client, secret


@transaction.atomic
def set_client_active(user, client: LrsClient, active: bool) -> LrsClient:
    require(user, "change", LrsClient, client)
    client.is_active = active
    client.save(update_fields=["is_active"])
    update_change_reason(client, "reactivated" if active else "revoked")
    return client


@transaction.atomic
def rotate_client_secret(user, client: LrsClient) -> tuple[LrsClient, str]:
    require(user, "change", LrsClient, client)
    _key, secret = new_credentials()
    client.secret_digest = secret_digest(secret)
    client.save(update_fields=["secret_digest"])
    update_change_reason(client, "secret rotated")
    return client, secret


def start_statement_ingest(user, client: LrsClient, upload, *, version: str = "2.0"):
    """Queue the bulk ingest of a file of statements (JSON array or NDJSON) for ``client``: a job
    (``library.ingest_statements``) the user follows on their jobs page. Permission is checked before
    the file is read, and at most ``LRS_INGEST_MAX_BYTES`` of it is."""
    import hashlib

    from django.conf import settings
    from django.core.exceptions import ValidationError

    from tvetbridge.core.jobs import enqueue

    from .tasks import ingest_statements

    require(user, "change", LrsClient, client)
    if version not in ("2.0", "1.0"):
        raise ValidationError({"version": _("Unknown xAPI version.")})
    limit = settings.LRS_INGEST_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": _("The statement file is larger than %(limit)s MB.")
                               % {"limit": limit // (1024 * 1024)}})
    if not data.strip():
        raise ValidationError({"file": _("The statement file is empty.")})
    folder = settings.VAR_DIR / "lrs-ingest"
    folder.mkdir(parents=True, exist_ok=True)
    # Named by content: the same file uploaded twice is one file, and its statements one set.
    path = folder / f"{hashlib.sha256(data).hexdigest()}.json"
    path.write_bytes(data)
    return enqueue(ingest_statements, user=user, client_id=client.pk, path=str(path), version=version)


# -------------------------------------------------------------------------------------- catalogue
class Conflict(Exception):
    """A save based on a stale version of the record (someone saved in between): 409 in the API,
    a message on the form, never a silent overwrite."""


ALLOWED_UPLOADS = {
    ".pdf": "application/pdf", ".epub": "application/epub+zip", ".docx": None, ".pptx": None, ".xlsx": None,
    ".odt": None, ".odp": None, ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
    ".zip": "application/zip", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
}
# Office and OpenDocument files are ZIP containers: their first bytes are a ZIP header.
_MAGIC = {".pdf": (b"%PDF",), ".epub": (b"PK",), ".docx": (b"PK",), ".pptx": (b"PK",), ".xlsx": (b"PK",),
          ".odt": (b"PK",), ".odp": (b"PK",), ".zip": (b"PK",), ".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8",),
          ".jpeg": (b"\xff\xd8",), ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3"), ".webm": (b"\x1a\x45\xdf\xa3",)}


def validate_upload(upload) -> None:
    """A resource file: an allowed kind (by extension and by its first bytes) and not larger than
    ``LIBRARY_MAX_UPLOAD_BYTES``. Checked before the file is stored; forms and API call this."""
    import os

    from django.conf import settings
    from django.core.exceptions import ValidationError

    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in ALLOWED_UPLOADS:
        raise ValidationError({"file": _("Files of type “%(ext)s” are not accepted; use one of %(allowed)s.")
                               % {"ext": ext or "?", "allowed": ", ".join(sorted(ALLOWED_UPLOADS))}})
    limit = settings.LIBRARY_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}})
    head = upload.read(16)
    upload.seek(0)
    magic = _MAGIC.get(ext)
    if ext == ".mp4":
        ok = head[4:8] == b"ftyp"
    else:
        ok = magic is None or head.startswith(magic)
    if not ok:
        raise ValidationError({"file": _("The file's content is not a %(ext)s file.") % {"ext": ext}})


def _texts_for_index(resource) -> list[str]:
    from django.conf import settings
    from django.utils import translation

    from tvetbridge.taxonomy.models import Occupation, Skill

    from .models import ResourceOccupation, ResourceSkill

    texts = []
    for code, _name in settings.LANGUAGES:
        suffix = code.replace("-", "_")
        texts += [getattr(resource, f"title_{suffix}", "") or "", getattr(resource, f"description_{suffix}", "") or ""]
        with translation.override(code):
            texts.append(str(resource.get_kind_display()))
    skill_ids = ResourceSkill.objects.filter(resource=resource, confirmed=True).values("skill_id")
    occupation_ids = ResourceOccupation.objects.filter(resource=resource, confirmed=True).values("occupation_id")
    concepts = list(Skill.objects.filter(pk__in=skill_ids)) + list(Occupation.objects.filter(pk__in=occupation_ids))
    for concept in concepts:
        for code, _name in settings.LANGUAGES:
            suffix = code.replace("-", "_")
            texts.append(getattr(concept, f"label_{suffix}", "") or "")
    return texts


def reindex(resource) -> None:
    """Rewrite a resource's search tokens (and, on SQLite, its FTS5 row)."""
    from django.db import connection

    from .engine.search import index_text
    from .models import Resource

    tokens = index_text(_texts_for_index(resource))
    Resource.objects.filter(pk=resource.pk).update(search_tokens=tokens)
    resource.search_tokens = tokens
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM library_resource_fts WHERE rowid = %s", [resource.pk])
            cur.execute("INSERT INTO library_resource_fts(rowid, tokens) VALUES (%s, %s)", [resource.pk, tokens])


def _stamp(resource, user, reason: str) -> None:
    resource._history_user = user if getattr(user, "is_authenticated", False) else None
    resource._change_reason = reason


@transaction.atomic
def save_resource(user, data: dict, *, instance=None, version: int | None = None, m2m: dict | None = None):
    """Create or update a resource. ``version`` is the version the editor started from: a save
    over a newer one raises :class:`Conflict`. Institution staff own what they create."""
    from django.core.exceptions import ValidationError

    from .models import Resource

    if instance is None:
        require(user, "add", Resource)
        resource = Resource()
    else:
        resource = Resource.objects.select_for_update().get(pk=instance.pk)
        require(user, "change", Resource, resource)
        if version is not None and version != resource.version:
            raise Conflict(_("Someone saved this resource (version %(new)s) after you opened it (version %(old)s). "
                             "Reload it and make your changes again.") % {"new": resource.version, "old": version})
        resource.version += 1
    upload = data.get("file")
    if upload and hasattr(upload, "size"):
        validate_upload(upload)
    for name, value in data.items():
        setattr(resource, name, value)
    if role_of(user) == "institution":
        if instance is None:
            resource.institution = user.profile.institution
        elif resource.institution_id != user.profile.institution_id and instance.institution_id != resource.institution_id:
            raise PermissionDenied(_("You may not give the resource to another institution."))
    if not resource.external_key:
        import uuid

        resource.external_key = f"res-{uuid.uuid4().hex[:12]}"
    resource.full_clean(exclude=["search_tokens"])
    if not (resource.url or resource.file) and resource.status == Resource.Status.PUBLISHED:
        raise ValidationError({"url": _("A published resource needs a file or a link.")})
    _stamp(resource, user, "created" if instance is None else "updated")
    resource.save()
    for name, values in (m2m or {}).items():
        getattr(resource, name).set(values)
    reindex(resource)
    return resource


@transaction.atomic
def set_status(user, resource, status: str):
    """Publish, withdraw or return to draft. Publishing needs a file or a link and a title."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from .models import Resource

    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    require(user, "publish", Resource, resource)
    if status not in Resource.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == Resource.Status.PUBLISHED:
        if not (resource.url or resource.file):
            raise ValidationError({"url": _("A published resource needs a file or a link.")})
        if not resource.content_languages.exists():
            raise ValidationError({"content_languages": _("Say which languages the content is in before publishing.")})
        resource.published = resource.published or timezone.now()
    resource.status = status
    _stamp(resource, user, status)
    resource.save(update_fields=["status", "published", "updated"])
    return resource


def suggest_concepts(resource, *, n_skills: int = 12, n_occupations: int = 5) -> None:
    """Ask the platform's coder for the ESCO skills and occupations a resource teaches, from its
    titles and descriptions; proposals are stored unconfirmed, replacing earlier unconfirmed ones."""
    from django.conf import settings

    from tvetbridge.taxonomy import services as taxonomy

    from .models import ResourceOccupation, ResourceSkill

    parts = []
    for code, _name in settings.LANGUAGES:
        suffix = code.replace("-", "_")
        parts += [getattr(resource, f"title_{suffix}", "") or "", getattr(resource, f"description_{suffix}", "") or ""]
    text = "\n".join(p for p in parts if p)
    result = taxonomy.code_text(text, n_occupations=n_occupations, n_skills=n_skills)
    with transaction.atomic():
        ResourceSkill.objects.filter(resource=resource, confirmed=False).delete()
        ResourceOccupation.objects.filter(resource=resource, confirmed=False).delete()
        have_s = set(ResourceSkill.objects.filter(resource=resource).values_list("skill_id", flat=True))
        have_o = set(ResourceOccupation.objects.filter(resource=resource).values_list("occupation_id", flat=True))
        ResourceSkill.objects.bulk_create([ResourceSkill(resource=resource, skill=s.skill, score=s.score)
                                           for s in result.skills if s.skill.pk not in have_s])
        ResourceOccupation.objects.bulk_create([
            ResourceOccupation(resource=resource, occupation=o.occupation, score=o.score)
            for o in result.occupations if o.occupation.pk not in have_o])


@transaction.atomic
def confirm_concepts(user, resource, *, skill_ids, occupation_ids):
    """The owner's choice among the proposals (and earlier confirmations): the chosen are confirmed,
    the rest removed. Search reads confirmed concepts only."""
    from .models import Resource, ResourceOccupation, ResourceSkill

    require(user, "change", Resource, resource)
    skill_ids, occupation_ids = set(map(int, skill_ids)), set(map(int, occupation_ids))
    ResourceSkill.objects.filter(resource=resource).exclude(skill_id__in=skill_ids).delete()
    ResourceOccupation.objects.filter(resource=resource).exclude(occupation_id__in=occupation_ids).delete()
    ResourceSkill.objects.filter(resource=resource).update(confirmed=True)
    ResourceOccupation.objects.filter(resource=resource).update(confirmed=True)
    have_s = set(ResourceSkill.objects.filter(resource=resource).values_list("skill_id", flat=True))
    have_o = set(ResourceOccupation.objects.filter(resource=resource).values_list("occupation_id", flat=True))
    ResourceSkill.objects.bulk_create([ResourceSkill(resource=resource, skill_id=i, confirmed=True)
                                       for i in skill_ids - have_s])
    ResourceOccupation.objects.bulk_create([ResourceOccupation(resource=resource, occupation_id=i, confirmed=True)
                                            for i in occupation_ids - have_o])
    resource._history_user = user
    resource.save(update_fields=["updated"])
    update_change_reason(resource, "skills coded")
    reindex(resource)


# --------------------------------------------------------------------------------- learning events
ADL_VERBS = {
    "launched": {"en": "launched", "zh-Hans": "打开", "ru": "открыл(а)", "kk": "ашты"},
    "completed": {"en": "completed", "zh-Hans": "完成", "ru": "завершил(а)", "kk": "аяқтады"},
}


def platform_client() -> LrsClient:
    from .xapi.services import new_credentials

    client = LrsClient.objects.filter(is_platform=True).first()
    if client is None:
        key, secret = new_credentials()
        client = LrsClient.objects.create(name="TVET Bridge", key=f"platform-{key}", secret_digest=secret_digest(secret),
                                          scope=LrsClient.Scope.WRITE, is_platform=True)
    return client


def record_event(user, resource, verb: str, *, duration_seconds: float | None = None) -> str | None:
    """A statement from the platform's own pages: a signed-in trainee opened (``launched``) or
    completed a resource. Returns the statement id, or None for users who are not trainees (staff
    and visitors are not learners, by the usage rules)."""
    from django.conf import settings
    from django.utils import timezone

    from tvetbridge.outcomes.models import Trainee

    from . import records
    from .engine.xapi import format_timestamp
    from .xapi.services import store_statements

    trainee = Trainee.objects.filter(user=user).first() if getattr(user, "is_authenticated", False) else None
    if trainee is None or verb not in ADL_VERBS:
        return None
    names = {}
    for code, _label in settings.LANGUAGES:
        title = getattr(resource, f"title_{code.replace('-', '_')}", "")
        if title:
            names["zh-Hans" if code == "zh-hans" else code] = title
    statement = {
        "actor": records.actor_for(trainee),
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": ADL_VERBS[verb]},
        "object": {"objectType": "Activity", "id": resource.activity_iri,
                   "definition": {"name": names, "type": "http://adlnet.gov/expapi/activities/"
                                  + ("module" if resource.kind == "module" else "media")}},
        "context": {"platform": "TVET Bridge", "language": user.profile.language if hasattr(user, "profile") else "en"},
        "timestamp": format_timestamp(timezone.now()),
    }
    if verb == "completed" and duration_seconds is None:
        duration_seconds = _since_launch(trainee, resource)
    if duration_seconds is not None:
        secs = max(0.0, float(duration_seconds))
        statement["result"] = {"completion": verb == "completed",
                               "duration": f"PT{secs:.2f}S"}
    elif verb == "completed":
        statement["result"] = {"completion": True}
    return store_statements(platform_client(), [statement])[0]


def _since_launch(trainee, resource) -> float | None:
    """Seconds since the trainee last opened the resource, when that was within the session cut-off
    of the usage rules' longest plausible sitting (4 hours); None otherwise."""
    from django.utils import timezone

    from . import records
    from .models import Statement

    learner = records.learner_for(trainee)
    last = (Statement.objects.filter(actor_ifi=learner.ifi, object_activity=resource.activity_iri,
                                     verb="http://adlnet.gov/expapi/verbs/launched", voided=False)
            .order_by("-timestamp").values_list("timestamp", flat=True).first())
    if last is None:
        return None
    seconds = (timezone.now() - last).total_seconds()
    return seconds if 0 <= seconds <= 4 * 3600 else None
