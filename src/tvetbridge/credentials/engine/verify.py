"""Verifying a credential as a person wants it checked: one named check per question, each passed,
failed, warned or skipped with a reason code and its parameters (rendered in the reader's language by
the web layer). The credential is verified when no check failed.

Checks, in order: ``format`` (the data model), ``signature`` (every Data Integrity proof), ``issuer``
(the key that signed is the issuer's, and whether the platform knows that issuer), ``validity``
(validFrom/validUntil against now), ``status`` (Bitstring Status List: revoked, suspended) and
``schema`` (the VC 2.0 and Open Badges 3.0 JSON Schemas that apply).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import statuslist
from .dataintegrity import KeyResolver, ProofResult, parse_datetime, verify_proofs
from .errors import CredentialError
from .validate import as_list, check_credential, check_presentation, schema_errors, schemas_applied

PASSED, FAILED, WARNING, SKIPPED = "passed", "failed", "warning", "skipped"
CHECKS = ("format", "signature", "issuer", "validity", "status", "schema")
MAX_DOCUMENT_BYTES = 256 * 1024

StatusFetcher = Callable[[str], dict[str, Any]]
IssuerDescriber = Callable[[str], dict[str, Any] | None]


@dataclass
class Check:
    name: str
    status: str
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "code": self.code, "params": self.params,
                "message": self.message}


@dataclass
class Report:
    verified: bool
    checks: list[Check]
    proofs: list[ProofResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    credentials: list[Report] = field(default_factory=list)  # a presentation's credentials

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAILED]

    def as_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": [c.as_dict() for c in self.checks],
                "proofs": [p.as_dict() for p in self.proofs], "summary": self.summary,
                "credentials": [c.as_dict() for c in self.credentials]}


def _failed(name: str, error: CredentialError) -> Check:
    return Check(name, FAILED, error.code, dict(error.params), str(error))


def parse_document(raw: str | bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """JSON text (pasted or uploaded) to a document, bounded in size."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise CredentialError("too_large", f"The document is {len(data):,} bytes; at most {max_bytes:,} are accepted.",
                              size=len(data), limit=max_bytes)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CredentialError("not_json", f"The document is not valid JSON: {exc}", detail=str(exc)[:200]) from exc


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def summary_of(document: dict[str, Any]) -> dict[str, Any]:
    subject: Any = next(iter(as_list(document.get("credentialSubject") or [{}])), {})
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return {
        "id": document.get("id") if isinstance(document.get("id"), str) else None,
        "types": [t for t in as_list(document.get("type", [])) if isinstance(t, str)],
        "issuer": issuer_id(document),
        "issuer_name": document["issuer"].get("name") if isinstance(document.get("issuer"), dict) else None,
        "name": document.get("name"),
        "achievement": achievement.get("name") if isinstance(achievement, dict) else None,
        # Language map (tag → name) when the issuer gave one, so a page can name it in the reader's language.
        "achievement_names": (achievement.get("nameMap") if isinstance(achievement, dict)
                              and isinstance(achievement.get("nameMap"), dict) else None),
        "valid_from": document.get("validFrom") or document.get("issuanceDate"),
        "valid_until": document.get("validUntil") or document.get("expirationDate"),
    }


def _signature_check(proofs: list[ProofResult]) -> Check:
    if not proofs:
        return Check("signature", FAILED, "no_proof", {}, "The credential carries no proof.")
    bad = [p for p in proofs if not p.ok]
    if bad:
        err = bad[0].error or CredentialError("bad_signature", "A proof does not verify.")
        return Check("signature", FAILED, err.code, {**err.params, "proof": bad[0].index + 1}, str(err))
    return Check("signature", PASSED, "signature_valid", {"proofs": len(proofs)})


def _issuer_check(document: dict[str, Any], proofs: list[ProofResult],
                  describe_issuer: IssuerDescriber | None) -> Check:
    issuer = issuer_id(document)
    signed_by = [p.controller for p in proofs if p.ok and p.purpose == "assertionMethod"]
    if not signed_by:
        return Check("issuer", FAILED, "issuer_not_signed", {"issuer": issuer or ""},
                     "No valid proof was made by a key of the issuer.")
    if issuer not in signed_by:
        return Check("issuer", FAILED, "issuer_mismatch", {"issuer": issuer or "", "signer": signed_by[0] or ""},
                     f"The credential names {issuer} as issuer but was signed by {signed_by[0]}.")
    known = describe_issuer(issuer) if describe_issuer and issuer is not None else None
    if known is None:
        return Check("issuer", WARNING, "issuer_unknown", {"issuer": issuer},
                     "The signature is the issuer's, but the issuer is not registered on this platform.")
    return Check("issuer", PASSED, "issuer_known", {"issuer": issuer, **known})


def _validity_check(document: dict[str, Any], now: datetime) -> Check:
    start = document.get("validFrom") or document.get("issuanceDate")
    end = document.get("validUntil") or document.get("expirationDate")
    try:
        if start and parse_datetime(start, name="validFrom") > now:
            return Check("validity", FAILED, "not_yet_valid", {"date": start}, f"Not valid before {start}.")
        if end and parse_datetime(end, name="validUntil") < now:
            return Check("validity", FAILED, "expired", {"date": end}, f"Expired on {end}.")
    except CredentialError as exc:
        return _failed("validity", exc)
    if end:
        return Check("validity", PASSED, "valid_until", {"date": end})
    return Check("validity", PASSED, "no_expiry", {})


def _status_check(document: dict[str, Any], resolve_key: KeyResolver, fetch: StatusFetcher | None,
                  now: datetime) -> Check:
    entries = as_list(document.get("credentialStatus")) if "credentialStatus" in document else []
    if not entries:
        return Check("status", SKIPPED, "no_status", {}, "The credential has no status to check.")
    checked = 0
    for status in entries:
        if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
            continue
        try:
            url, index, purpose, size = statuslist.read_entry(status)
            if fetch is None:
                raise CredentialError("status_unavailable", "Status lists cannot be fetched here.", url=url)
            list_vc = fetch(url)
            list_report = verify_credential(list_vc, resolve_key=resolve_key, now=now, check_status=False)
            if not list_report.verified:
                raise CredentialError("status_list_invalid", "The status list credential does not verify.", url=url)
            if issuer_id(list_vc) != issuer_id(document):
                raise CredentialError("status_list_foreign", "The status list was not issued by the credential's "
                                      "issuer.", url=url)
            subject = list_vc.get("credentialSubject") or {}
            if subject.get("statusPurpose") != purpose:
                raise CredentialError("status_purpose_mismatch", "The status list is for another purpose.", url=url)
            value = statuslist.get_value(statuslist.decode(subject.get("encodedList")), index, size)
            if value:
                if purpose == "message":
                    message = statuslist.message_of(status, value) or hex(value)
                    code = message if message in ("revoked", "suspended") else "flagged"
                else:
                    message, code = purpose, {"revocation": "revoked", "suspension": "suspended"}.get(purpose, "flagged")
                return Check("status", FAILED, code, {"purpose": purpose, "message": message},
                             f"The issuer has set this credential's status: {message}.")
            checked += 1
        except CredentialError as exc:
            return _failed("status", exc)
    if not checked:
        return Check("status", WARNING, "status_type_unsupported", {},
                     "The credential's status is of a kind this verifier does not check.")
    return Check("status", PASSED, "not_revoked", {"lists": checked})


def _schema_check(document: dict[str, Any]) -> Check:
    applied = schemas_applied(document)
    if not applied:
        return Check("schema", SKIPPED, "no_schema", {}, "No shipped schema applies to this credential.")
    errors = schema_errors(document)
    if errors:
        first = errors[0]
        return Check("schema", FAILED, "schema_invalid",
                     {"schema": first["schema"], "path": first["path"], "detail": first["message"], "count": len(errors)},
                     first["message"])
    return Check("schema", PASSED, "schema_valid", {"schemas": applied})


def verify_credential(document: Any, *, resolve_key: KeyResolver, fetch_status_list: StatusFetcher | None = None,
                      describe_issuer: IssuerDescriber | None = None, now: datetime | None = None,
                      check_status: bool = True) -> Report:
    now = now or datetime.now(UTC)
    try:
        check_credential(document)
    except CredentialError as exc:
        checks = [_failed("format", exc)] + [Check(name, SKIPPED, "not_checked") for name in CHECKS[1:]]
        return Report(False, checks, summary=summary_of(document) if isinstance(document, dict) else {})
    checks = [Check("format", PASSED, "format_valid")]
    try:
        proofs = verify_proofs(document, resolve_key, now=now)
    except CredentialError as exc:
        proofs = []
        checks.append(_failed("signature", exc))
    else:
        checks.append(_signature_check(proofs))
    checks.append(_issuer_check(document, proofs, describe_issuer))
    checks.append(_validity_check(document, now))
    if check_status:
        checks.append(_status_check(document, resolve_key, fetch_status_list, now))
    checks.append(_schema_check(document))
    verified = not any(c.status == FAILED for c in checks)
    return Report(verified, checks, proofs, summary_of(document))


def verify_presentation(document: Any, *, resolve_key: KeyResolver, challenge: str | None = None,
                        domain: str | None = None, fetch_status_list: StatusFetcher | None = None,
                        describe_issuer: IssuerDescriber | None = None, now: datetime | None = None) -> Report:
    """A presentation verifies when its own proofs (purpose authentication, with the verifier's
    challenge and domain) verify, its holder made them, and every credential in it verifies. A
    credential without a proof is accepted only when self-asserted: issued by the holder itself."""
    now = now or datetime.now(UTC)
    try:
        check_presentation(document)
    except CredentialError as exc:
        return Report(False, [_failed("format", exc)])
    checks = [Check("format", PASSED, "format_valid")]
    try:
        proofs = verify_proofs(document, resolve_key, expected_purpose="authentication", challenge=challenge,
                               domain=domain, now=now)
    except CredentialError as exc:
        proofs = []
        checks.append(_failed("signature", exc))
    else:
        checks.append(_signature_check(proofs))
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    signers = {p.controller for p in proofs if p.ok}
    if holder and signers and holder not in signers:
        checks.append(Check("issuer", FAILED, "holder_mismatch", {"holder": holder},
                            "The presentation was not signed by its holder."))
    reports = []
    for vc in as_list(document.get("verifiableCredential", [])):
        if "proof" not in vc:
            self_asserted = holder is not None and issuer_id(vc) == holder and holder in signers
            try:
                check_credential(vc)
            except CredentialError as exc:
                reports.append(Report(False, [_failed("format", exc)], summary=summary_of(vc)))
                continue
            status = PASSED if self_asserted else FAILED
            code = "self_asserted" if self_asserted else "no_proof"
            reports.append(Report(self_asserted, [Check("signature", status, code)], summary=summary_of(vc)))
            continue
        reports.append(verify_credential(vc, resolve_key=resolve_key, fetch_status_list=fetch_status_list,
                                         describe_issuer=describe_issuer, now=now))
    if any(not r.verified for r in reports):
        checks.append(Check("credentials", FAILED, "credential_failed", {"count": sum(not r.verified for r in reports)},
                            "A credential in the presentation does not verify."))
    verified = not any(c.status == FAILED for c in checks)
    return Report(verified, checks, proofs, {"holder": holder}, reports)
