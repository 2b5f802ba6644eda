# Over 500 lines: issuer keys, status lists and issuing share private helpers that must not leak out of the module.
"""Issuing, securing and checking verifiable credentials: issuer identities and keys, status lists,
Open Badges 3.0 credentials for recorded awards, the VC-API's generic issuing, revocation and
suspension, and the verification that the public page and the API share.

Every state change here is a function, atomic, permission-checked and audited (simple-history rows
name the user and the reason). Signing keys are unsealed only inside the process that signs.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tvetbridge.core.jobs import enqueue
from tvetbridge.outcomes.models import Credential as Award
from tvetbridge.registry.models import Institution

from .engine import canon, statuslist, validate
from .engine import dataintegrity as di
from .engine import verify as engine_verify
from .engine.errors import CredentialError
from .engine.keys import KeyPair, did_key, did_key_method, public_bytes_from_multibase, seal, unseal
from .models import CredentialType, IssuedCredential, IssuerKey, IssuerProfile, StatusList

LANG_CODES = {"en": "en", "zh_hans": "zh-Hans", "ru": "ru", "kk": "kk"}
LANGUAGE_MAP_CONTEXT = {
    "nameMap": {"@id": "https://schema.org/name", "@container": "@language"},
    "descriptionMap": {"@id": "https://schema.org/description", "@container": "@language"},
}
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _kek() -> bytes:
    return settings.CREDENTIALS_KEY.encode("utf-8")


def _audit(obj, user, reason: str) -> None:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason


def _require(user, perm: str, obj=None) -> None:
    if user is not None and not user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


# --- issuer identities ----------------------------------------------------------------------------

def platform_host() -> str:
    return urlsplit(settings.PUBLIC_URL).netloc


def web_did(profile: IssuerProfile) -> str:
    if profile.web_domain:
        return f"did:web:{quote(profile.web_domain.strip('/'), safe='.-')}"
    return f"did:web:{quote(platform_host(), safe='.-')}:credentials:issuers:{profile.slug}"


def did_document_url(profile: IssuerProfile) -> str:
    if profile.web_domain:
        return f"https://{profile.web_domain}/.well-known/did.json"
    return f"{settings.PUBLIC_URL}/credentials/issuers/{profile.slug}/did.json"


def _new_key(profile: IssuerProfile) -> IssuerKey:
    pair = KeyPair.generate()
    mb = pair.public_multibase
    if profile.method == IssuerProfile.Method.WEB:
        did = web_did(profile)
        vm = f"{did}#{mb}"
    else:
        did, vm = did_key(mb), did_key_method(mb)
    key = IssuerKey(issuer=profile, did=did, verification_method=vm, public_key_multibase=mb,
                    sealed_private_key=seal(pair.seed, _kek(), vm))
    key.save()
    return key


def active_key(profile: IssuerProfile) -> IssuerKey | None:
    return profile.keys.filter(retired__isnull=True, revoked__isnull=True).order_by("-created").first()


def current_did(profile: IssuerProfile) -> str | None:
    if profile.method == IssuerProfile.Method.WEB:
        return web_did(profile)
    key = active_key(profile)
    return key.did if key else None


@transaction.atomic
def ensure_issuer(user, institution: Institution, *, method: str = IssuerProfile.Method.KEY,
                  web_domain: str = "") -> IssuerProfile:
    """The institution's issuer identity, created with a first key when it has none."""
    profile = IssuerProfile.objects.filter(institution=institution).first()
    if profile is not None:
        return profile
    probe = IssuerProfile(institution=institution)
    _require(user, "credentials.add_issuerprofile")
    _require(user, "credentials.change_issuerprofile", probe)
    if method not in IssuerProfile.Method.values:
        raise ValidationError({"method": _("Unknown DID method “%(value)s”.") % {"value": method}})
    base = slugify(institution.short_name or institution.external_key or institution.name)[:60] or "issuer"
    slug = base
    while IssuerProfile.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    profile = IssuerProfile(institution=institution, slug=slug, method=method, web_domain=web_domain.strip())
    profile.full_clean()
    _audit(profile, user, "created")
    profile.save()
    _new_key(profile)
    return profile


@transaction.atomic
def rotate_key(user, profile: IssuerProfile, *, reason: str = "") -> IssuerKey:
    """Retire the signing key and create a new one. Retired keys stay resolvable (and keep signing their
    own status lists), so every credential issued before still verifies."""
    _require(user, "credentials.change_issuerprofile", profile)
    profile = IssuerProfile.objects.select_for_update().get(pk=profile.pk)
    now = timezone.now()
    for key in profile.keys.filter(retired__isnull=True, revoked__isnull=True):
        key.retired = now
        _audit(key, user, reason or "rotated")
        key.save(update_fields=["retired"])
    key = _new_key(profile)
    return key


@transaction.atomic
def revoke_key(user, key: IssuerKey, *, reason: str) -> IssuerKey:
    """A compromised key: credentials it signed stop verifying. A new key is created if it was the
    signing key."""
    _require(user, "credentials.change_issuerprofile", key.issuer)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the key is revoked.")})
    key = IssuerKey.objects.select_for_update().get(pk=key.pk)
    was_active = key.is_active
    key.revoked = timezone.now()
    key.retired = key.retired or key.revoked
    _audit(key, user, reason)
    key.save(update_fields=["revoked", "retired"])
    if was_active:
        _new_key(key.issuer)
    return key


def did_document(profile: IssuerProfile) -> dict[str, Any]:
    """The did:web document: every key not revoked, retired ones included (they verify old credentials)."""
    did = web_did(profile)
    keys = list(profile.keys.filter(revoked__isnull=True, did=did).order_by("created"))
    methods = [{"id": k.verification_method, "type": "Multikey", "controller": did,
                "publicKeyMultibase": k.public_key_multibase} for k in keys]
    ids = [k.verification_method for k in keys]
    return {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"], "id": did,
            "verificationMethod": methods, "assertionMethod": ids, "authentication": ids}


def _keypair(key: IssuerKey) -> KeyPair:
    pair = KeyPair.from_seed(unseal(key.sealed_private_key, _kek(), key.verification_method))
    if pair.public_multibase != key.public_key_multibase:
        raise CredentialError("key_mismatch", "The sealed key does not match its public key.")
    return pair


# --- resolving keys and issuers ---------------------------------------------------------------------

def resolve_key(verification_method: str) -> di.ResolvedKey:
    """Keys this platform holds (with their retirement and revocation), and did:key from the identifier.
    Nothing is fetched from the network: other did:web or http verification methods do not resolve."""
    key = IssuerKey.objects.filter(verification_method=verification_method).first()
    if key is not None:
        return di.ResolvedKey(id=key.verification_method, public=public_bytes_from_multibase(key.public_key_multibase),
                              controller=key.did, revoked=key.revoked is not None)
    return di.resolve_did_key(verification_method)


def describe_issuer(did: str) -> dict[str, Any] | None:
    key = IssuerKey.objects.filter(did=did).select_related("issuer__institution").first()
    if key is None:
        return None
    institution = key.issuer.institution
    return {"institution": institution.name, "institution_id": institution.pk, "country": institution.country_id,
            "slug": key.issuer.slug}


def _status_uuid(url: str) -> str | None:
    prefix = f"{settings.PUBLIC_URL}/credentials/status/"
    if not url.startswith(prefix):
        return None
    tail = url[len(prefix):].strip("/")
    try:
        return str(uuid.UUID(tail))
    except ValueError:
        return None


def fetch_status_list(url: str) -> dict[str, Any]:
    """The signed status list credential at ``url``, for lists this platform publishes."""
    list_uuid = _status_uuid(url)
    lst = StatusList.objects.filter(uuid=list_uuid).first() if list_uuid else None
    if lst is None:
        raise CredentialError("status_unavailable", "The status list is not published by this platform and is "
                              "not fetched from the network.", url=url[:200])
    return signed_status_list(lst)


def verify_document(document: Any) -> engine_verify.Report:
    return engine_verify.verify_credential(document, resolve_key=resolve_key, fetch_status_list=fetch_status_list,
                                           describe_issuer=describe_issuer)


def verify_presentation(document: Any, *, challenge: str | None, domain: str | None) -> engine_verify.Report:
    return engine_verify.verify_presentation(document, resolve_key=resolve_key, challenge=challenge, domain=domain,
                                             fetch_status_list=fetch_status_list, describe_issuer=describe_issuer)


# --- status lists ---------------------------------------------------------------------------------

def status_list_url(lst: StatusList) -> str:
    return f"{settings.PUBLIC_URL}/credentials/status/{lst.uuid}"


def _open_list(profile: IssuerProfile, did: str, purpose: str) -> StatusList:
    lst = (StatusList.objects.select_for_update().filter(issuer=profile, did=did, purpose=purpose)
           .order_by("-pk").first())
    if lst is None or lst.allocated >= lst.size:
        size, status_size = statuslist.MIN_BITS, 2 if purpose == "message" else 1
        lst = StatusList.objects.create(issuer=profile, did=did, purpose=purpose, size=size, status_size=status_size,
                                        bits=bytes(statuslist.new_bitstring(size, status_size)),
                                        perm_a=secrets.randbelow(size // 2) * 2 + 1, perm_b=secrets.randbelow(size))
    return lst


def _allocate(profile: IssuerProfile, did: str, purpose: str, count: int) -> list[tuple[StatusList, int]]:
    out = []
    while count > 0:
        lst = _open_list(profile, did, purpose)
        take = min(count, lst.size - lst.allocated)
        for seq in range(lst.allocated, lst.allocated + take):
            out.append((lst, (lst.perm_a * seq + lst.perm_b) % lst.size))
        lst.allocated += take
        lst.save(update_fields=["allocated"])
        count -= take
    return out


def signed_status_list(lst: StatusList) -> dict[str, Any]:
    if lst.signed and lst.signed_version == lst.version:
        return lst.signed
    key = IssuerKey.objects.filter(issuer=lst.issuer, did=lst.did, revoked__isnull=True).order_by("-created")
    key = key.filter(retired__isnull=True).first() or key.first()
    if key is None:
        raise CredentialError("status_unavailable", "No key can sign this status list.")
    # Valid from the list's creation: a verifier that started checking a second before the list was (re)signed
    # must not find it "not yet valid".
    valid_from = lst.created.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    document = statuslist.list_credential(status_list_url(lst), lst.did, lst.purpose, bytes(lst.bits), valid_from)
    signed = di.add_proof(document, _keypair(key), di.ProofOptions(cryptosuite=di.RDFC,
                                                                   verification_method=key.verification_method))
    version = lst.version
    # Another request may have changed the list meanwhile; cache only what matches the version read.
    StatusList.objects.filter(pk=lst.pk, version=version).update(signed=signed, signed_version=version)
    lst.signed, lst.signed_version = signed, version
    return signed


@transaction.atomic
def set_status(user, issued: IssuedCredential, status: str, *, reason: str) -> IssuedCredential:
    """Suspend, reinstate or revoke. Revocation is final; the list bit and the row change together."""
    _require(user, "credentials.change_issuedcredential", issued)
    issued = IssuedCredential.objects.select_for_update().get(pk=issued.pk)
    if status not in IssuedCredential.Status.values:
        raise ValidationError({"status": _("Unknown status “%(value)s”.") % {"value": status}})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the holder and verifiers may be told it.")})
    if issued.status == IssuedCredential.Status.REVOKED:
        raise ValidationError({"status": _("A revoked credential cannot change status again.")})
    if issued.status_list_id is None:
        raise ValidationError({"status": _("This credential was issued without a status list; it cannot be "
                                           "revoked or suspended.")})
    lst = StatusList.objects.select_for_update().get(pk=issued.status_list_id)
    bits = bytearray(lst.bits)
    state = {"active": "valid"}.get(status, status)
    statuslist.set_value(bits, issued.status_index, statuslist.STATES[state], lst.status_size)
    lst.bits = bytes(bits)
    lst.version += 1
    lst.save(update_fields=["bits", "version"])
    issued.status = status
    issued.status_reason = reason.strip()[:500]
    issued.status_changed = timezone.now()
    _audit(issued, user, f"status {status}: {reason.strip()[:80]}")
    issued.save(update_fields=["status", "status_reason", "status_changed"])
    return issued


# --- Open Badges 3.0 credentials for recorded awards ----------------------------------------------

def _language_map(obj, field: str) -> dict[str, str]:
    out = {}
    for suffix, tag in LANG_CODES.items():
        value = getattr(obj, f"{field}_{suffix}", None)
        if value:
            out[tag] = value
    return out


def _plain(obj, field: str) -> str:
    return getattr(obj, f"{field}_en", None) or getattr(obj, field) or ""


def subject_id(award: Award) -> str:
    # The platform stores no names: the subject is a stable identifier derived from the trainee record,
    # which reveals nothing about the person and lets a holder show several credentials are theirs.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.PUBLIC_URL}/trainees/{award.trainee.external_key}')}"


def verify_url(issued_uuid) -> str:
    return f"{settings.PUBLIC_URL}/verify/{issued_uuid}/"


def _alignments(ctype: CredentialType) -> list[dict[str, Any]]:
    out = []
    for level in ctype.levels.select_related("framework").all():
        out.append({"type": ["Alignment"], "targetType": "ext:QualificationFrameworkLevel",
                    "targetName": _plain(level, "name"), "targetCode": level.key,
                    "targetFramework": _plain(level.framework, "name"),
                    "targetUrl": f"{settings.PUBLIC_URL}/frameworks/{level.framework.code}/#level-{level.code}"})
    for outcome in ctype.outcomes.select_related("skill").all():
        if outcome.skill_id:
            out.append({"type": ["Alignment"], "targetType": "ext:ESCOSkill", "targetName": outcome.skill.label,
                        "targetCode": outcome.skill.esco_id, "targetFramework": "ESCO v1.1.1",
                        "targetUrl": f"http://data.europa.eu/esco/skill/{outcome.skill.esco_id}",
                        "targetDescription": _plain(outcome, "text")})
    return out


def check_issuable(ctype: CredentialType) -> None:
    """What a credential type needs before anything is signed: learning outcomes and a level."""
    errors = {}
    if not ctype.outcomes.exists():
        errors["outcomes"] = [_("“%(name)s” has no learning outcomes; add them before issuing.")
                              % {"name": ctype.name}]
    if not ctype.levels.exists():
        errors["levels"] = [_("“%(name)s” is not placed on any framework level.") % {"name": ctype.name}]
    if errors:
        raise ValidationError(errors)


def _issuer_part(ctype: CredentialType, did: str) -> dict[str, Any]:
    institution = ctype.institution
    issuer: dict[str, Any] = {"id": did, "type": ["Profile"], "name": _plain(institution, "name")}
    names = _language_map(institution, "name")
    if names:
        issuer["nameMap"] = names
    if institution.website:
        issuer["url"] = institution.website
    return issuer


def _achievement(ctype: CredentialType) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{ctype.uuid}", "type": ["Achievement"], "achievementType": ctype.kind,
        "name": _plain(ctype, "name"), "nameMap": _language_map(ctype, "name"),
        "description": _plain(ctype, "description"), "descriptionMap": _language_map(ctype, "description"),
        "criteria": {"narrative": _plain(ctype, "criteria")}, "inLanguage": ctype.language_id,
        "alignment": _alignments(ctype),
    }
    if ctype.credits is not None:
        achievement["creditsAvailable"] = float(ctype.credits)
    if ctype.field_id:
        achievement["fieldOfStudy"] = str(ctype.field)
    return achievement


def build_document(award: Award, ctype: CredentialType, did: str, issued_uuid: uuid.UUID,
                   status_entry: dict[str, Any], *, parts: tuple[dict, dict] | None = None) -> dict[str, Any]:
    """One graduate's Open Badges 3.0 credential, to be signed. ``parts`` (issuer, achievement) are the
    same for a whole cohort, so the caller builds them once; documents share them unsigned, and
    ``add_proof`` returns a deep copy."""
    issuer, achievement = parts or (_issuer_part(ctype, did), _achievement(ctype))
    subject: dict[str, Any] = {"id": subject_id(award), "type": ["AchievementSubject"], "achievement": achievement}
    if award.level:
        subject["result"] = [{"type": ["Result"], "value": award.level}]
    enrolment = award.enrolment
    if enrolment is not None:
        subject["activityStartDate"] = f"{enrolment.start_date.isoformat()}T00:00:00Z"
        if enrolment.end_date:
            subject["activityEndDate"] = f"{enrolment.end_date.isoformat()}T00:00:00Z"
    if ctype.credits is not None:
        subject["creditsEarned"] = float(ctype.credits)
    awarded = datetime.combine(award.awarded, time(0, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z")
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT, LANGUAGE_MAP_CONTEXT],
        "id": f"urn:uuid:{issued_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": awarded,
        "awardedDate": awarded,
        "name": _plain(ctype, "name"),
        "nameMap": _language_map(ctype, "name"),
        "credentialSubject": subject,
        "credentialStatus": status_entry,
    }


def _check_trainees(awards: Iterable[Award]) -> None:
    errors = [_("Credential %(id)s has no trainee.") % {"id": award.pk} for award in awards if award.trainee_id is None]
    if errors:
        raise ValidationError({"award": errors})


def _prepare(user, awards: list[Award], ctype: CredentialType) -> tuple[IssuerProfile, IssuerKey, KeyPair]:
    profile = ensure_issuer(user, ctype.institution)
    _require(user, "credentials.issue_issuerprofile", profile)
    check_issuable(ctype)
    _check_trainees(awards)
    key = active_key(profile)
    if key is None:
        key = _new_key(profile)
    return profile, key, _keypair(key)


def issue_many(user, awards: Iterable[Award], ctype: CredentialType, *, cryptosuite: str = di.RDFC,
               progress=None) -> list[IssuedCredential]:
    """Sign one Open Badges 3.0 credential per award, all or nothing. Awards already issued as this
    credential type are skipped. Every document is checked against the shipped schemas before saving.

    Signing (the long part) runs outside any transaction, so a cohort job's progress is visible and no
    lock is held meanwhile. Status-list slots are taken first, in their own transaction: slots of a run
    that fails or is cancelled stay unused (their bits stay 0, no credential points at them)."""
    awards = [a for a in awards]
    with transaction.atomic():
        profile, key, pair = _prepare(user, awards, ctype)
        issued_before = _issued_awards(ctype)
        todo = [a for a in awards if a.pk not in issued_before]
        slots = _allocate(profile, key.did, "message", len(todo))
    rows = []
    # One creation time for the run: the proofs of a cohort are made together (and share one proof
    # configuration, whose canonical form is then computed once).
    options = di.ProofOptions(cryptosuite=cryptosuite, verification_method=key.verification_method,
                              created=di.w3c_now())
    with translation.override("en"):
        parts = (_issuer_part(ctype, key.did), _achievement(ctype))
        for i, award in enumerate(todo):
            if progress and i % 200 == 0:
                progress(i, len(todo))
            issued_uuid = uuid.uuid4()
            lst, index = slots[i]
            document = build_document(award, ctype, key.did, issued_uuid,
                                      statuslist.entry(status_list_url(lst), index), parts=parts)
            signed = di.add_proof(document, pair, options)
            signed["proof"] = [signed["proof"]]  # Open Badges 3.0's schema wants the proof as a set
            problems = validate.schema_errors(signed)
            if problems:
                raise ValidationError({"document": [_("The credential for %(trainee)s does not meet the %(schema)s "
                                                      "schema at %(path)s: %(detail)s")
                                                    % {"trainee": award.trainee.external_key,
                                                       "schema": validate.SCHEMA_NAMES[problems[0]["schema"]],
                                                       "path": problems[0]["path"] or "/",
                                                       "detail": problems[0]["message"]}]})
            rows.append(IssuedCredential(uuid=issued_uuid, award=award, credential_type=ctype, trainee=award.trainee,
                                         issuer=profile, key=key, cryptosuite=cryptosuite, document=signed,
                                         issued_by=user if getattr(user, "is_authenticated", False) else None,
                                         status_list=lst, status_index=index))
    with transaction.atomic():
        # Two runs for the same type may have signed the same award; the type's row lock orders them and
        # the later one drops what the earlier already saved.
        CredentialType.objects.select_for_update().filter(pk=ctype.pk).first()
        done = _issued_awards(ctype)
        rows = [r for r in rows if r.award_id not in done]
        IssuedCredential.objects.bulk_create(rows, batch_size=500)
        # One audit row per credential, written in bulk (a cohort is thousands of rows).
        IssuedCredential.history.bulk_history_create(
            rows, default_user=user if getattr(user, "is_authenticated", False) else None,
            default_change_reason=f"issued as {ctype.uuid}")
    if progress:
        progress(len(todo), len(todo))
    return rows


def _issued_awards(ctype: CredentialType) -> set[int]:
    """The awards already issued as ``ctype``, in one query. Filtered by type alone, not by the cohort's
    ids: a cohort is thousands of awards, too many parameters for one statement on SQLite, and the type's
    credentials are about one cohort's worth of rows."""
    return set(IssuedCredential.objects.filter(credential_type=ctype, award__isnull=False)
               .values_list("award_id", flat=True))


def start_cohort(user, ctype: CredentialType):
    """Issue a programme's whole cohort as a background job (see ``tasks.issue_cohort``). What would
    refuse every credential is checked here, so it reaches the form instead of a failed job."""
    from .queries import cohort_awards
    from .tasks import issue_cohort  # tasks import this module

    profile = IssuerProfile.objects.filter(institution=ctype.institution).first()
    _require(user, "credentials.issue_issuerprofile", profile or IssuerProfile(institution=ctype.institution))
    check_issuable(ctype)
    _check_trainees(cohort_awards(ctype).filter(trainee__isnull=True))
    if not cohort_awards(ctype).exists():
        raise ValidationError({"credential_type": _("Everyone in this programme with an award already holds "
                                                    "this credential.")})
    return enqueue(issue_cohort, user=user, dedupe_key=f"cohort:{ctype.pk}", credential_type_id=ctype.pk)


def issue_award(user, award: Award, ctype: CredentialType, *, cryptosuite: str = di.RDFC) -> IssuedCredential:
    issued = issue_many(user, [award], ctype, cryptosuite=cryptosuite)
    if not issued:
        return IssuedCredential.objects.get(award=award, credential_type=ctype)
    return issued[0]


# --- the VC-API: issuing a credential given by the caller -----------------------------------------

def issuer_for(credential: dict[str, Any]) -> IssuerProfile:
    did = engine_verify.issuer_id(credential)
    key = IssuerKey.objects.filter(did=did).select_related("issuer").first()
    if key is None:
        raise CredentialError("unknown_issuer", f"{did} is not an issuer on this platform.", issuer=str(did)[:200])
    return key.issuer


@transaction.atomic
def issue_api(user, credential: Any, options: dict[str, Any], *, cryptosuite: str) -> dict[str, Any]:
    """VC-API issuing: check the credential, sign it as the issuer it names (which the caller must be
    allowed to issue for) and record it. Raises CredentialError for a credential to refuse."""
    validate.check_credential(credential)
    # Undefined terms are refused whatever the suite: eddsa-jcs-2022 signs JSON, but what it signs is
    # still read as JSON-LD by verifiers.
    canon.expand(di.ensure_di_context(credential))
    if cryptosuite not in di.CRYPTOSUITES:
        raise CredentialError("unsupported_cryptosuite", f"Cryptosuite {cryptosuite!r} is not supported.",
                              cryptosuite=cryptosuite)
    profile = issuer_for(credential)
    if not user.has_perm("credentials.issue_issuerprofile", profile):
        raise PermissionDenied(_("You may not issue credentials as %(issuer)s.") % {"issuer": profile})
    did = engine_verify.issuer_id(credential)
    key = profile.keys.filter(did=did, retired__isnull=True, revoked__isnull=True).order_by("-created").first()
    if key is None:
        raise CredentialError("retired_issuer", f"{did} no longer issues credentials (its key was retired).",
                              issuer=did)
    document = dict(credential)
    issued_uuid = uuid.uuid4()
    status_option = (options or {}).get("credentialStatus")
    slot: tuple[StatusList, int] | None = None
    if isinstance(status_option, dict) and status_option.get("type") == "BitstringStatusListEntry":
        if "credentialStatus" in document:
            raise CredentialError("status_present", "The credential already has a credentialStatus.")
        slot = _allocate(profile, did, "message", 1)[0]
        document["credentialStatus"] = statuslist.entry(status_list_url(slot[0]), slot[1])
    created = options.get("created") if isinstance(options, dict) else None
    signed = di.add_proof(document, _keypair(key), di.ProofOptions(
        cryptosuite=cryptosuite, verification_method=key.verification_method,
        created=created if isinstance(created, str) else None))
    row = IssuedCredential(uuid=issued_uuid, issuer=profile, key=key, cryptosuite=cryptosuite, document=signed,
                           issued_by=user)
    if slot is not None:
        row.status_list, row.status_index = slot
    _audit(row, user, "issued through the VC-API")
    row.save()
    return signed
