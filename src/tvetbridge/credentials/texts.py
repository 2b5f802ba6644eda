"""Sentences for stored codes, in the reader's language: verification checks, recognition reasons and
compensation measures. Records keep codes and parameters; these functions render them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

CHECK_NAMES = {
    "format": gettext_lazy("Format"),
    "signature": gettext_lazy("Signature"),
    "issuer": gettext_lazy("Issuer"),
    "validity": gettext_lazy("Validity period"),
    "status": gettext_lazy("Revocation and suspension"),
    "schema": gettext_lazy("Schema"),
    "credentials": gettext_lazy("Credentials in the presentation"),
}

STATUS_NAMES = {
    "passed": gettext_lazy("passed"),
    "failed": gettext_lazy("failed"),
    "warning": gettext_lazy("warning"),
    "skipped": gettext_lazy("not applicable"),
}


def level_name(key: str | None) -> str:
    from .models import FrameworkLevel

    if not key:
        return "—"
    framework, _sep, code = key.partition(":")
    level = FrameworkLevel.objects.select_related("framework").filter(framework__code=framework, code=code).first()
    return f"{level.framework.name} — {level.name}" if level else key


def check_text(code: str, params: dict[str, Any]) -> str:
    p = dict(params or {})
    texts = {
        "format_valid": lambda: _("The document is a well-formed verifiable credential."),
        "signature_valid": lambda: ngettext("The signature is valid.", "All %(n)s signatures are valid.",
                                            p.get("proofs", 1)) % {"n": p.get("proofs", 1)},
        "issuer_known": lambda: _("Signed by %(institution)s (%(issuer)s), an issuer registered on this platform.")
        % {"institution": p.get("institution", ""), "issuer": p.get("issuer", "")},
        "issuer_unknown": lambda: _("The signature is the issuer's own (%(issuer)s), but this issuer is not "
                                    "registered on this platform.") % {"issuer": p.get("issuer", "")},
        "issuer_mismatch": lambda: _("The credential names %(issuer)s as its issuer, but it was signed by "
                                     "%(signer)s.") % {"issuer": p.get("issuer", ""), "signer": p.get("signer", "")},
        "issuer_not_signed": lambda: _("No valid signature was made by a key of the issuer."),
        "valid_until": lambda: _("Valid until %(date)s.") % {"date": p.get("date", "")},
        "no_expiry": lambda: _("Valid, with no expiry date."),
        "not_yet_valid": lambda: _("Not valid before %(date)s.") % {"date": p.get("date", "")},
        "expired": lambda: _("Expired on %(date)s.") % {"date": p.get("date", "")},
        "no_status": lambda: _("The credential has no status list to check."),
        "not_revoked": lambda: _("Neither revoked nor suspended by the issuer."),
        "revoked": lambda: _("Revoked by the issuer."),
        "suspended": lambda: _("Suspended by the issuer."),
        "flagged": lambda: _("The issuer has flagged this credential."),
        "status_type_unsupported": lambda: _("The credential's status is of a kind this verifier does not check."),
        "status_unavailable": lambda: _("The status list cannot be obtained, so revocation cannot be checked."),
        "status_list_invalid": lambda: _("The issuer's status list does not verify."),
        "schema_valid": lambda: _("Meets the %(schemas)s schema(s).")
        % {"schemas": ", ".join(SCHEMA_LABELS.get(s, s) for s in p.get("schemas", []))},
        "schema_invalid": lambda: _("Does not meet the %(schema)s schema at %(path)s.")
        % {"schema": SCHEMA_LABELS.get(p.get("schema"), p.get("schema", "")), "path": p.get("path") or "/"},
        "no_schema": lambda: _("No schema applies to this credential."),
        "not_checked": lambda: _("Not checked, because the document is not a well-formed credential."),
        "no_proof": lambda: _("The credential carries no signature."),
        "bad_signature": lambda: _("The signature does not match: the credential was changed after it was signed, "
                                   "or signed with another key."),
        "key_revoked": lambda: _("The key that signed has been revoked by its owner."),
        "unresolvable_method": lambda: _("The signing key (%(method)s) cannot be looked up.")
        % {"method": p.get("verification_method", "")},
        "undefined_term": lambda: _("The document contains “%(term)s”, which no context defines, so it would not "
                                    "be covered by the signature.") % {"term": p.get("term", "")},
        "undefined_type": lambda: _("The type “%(value)s” is not defined by any context.") % {"value": p.get("value", "")},
        "context_not_shipped": lambda: _("The context %(url)s is not one this platform knows; documents are never "
                                         "fetched from the internet.") % {"url": p.get("url", "")},
        "too_large": lambda: _("The document is too large (at most %(limit)s bytes).") % {"limit": p.get("limit", "")},
        "not_json": lambda: _("This is not valid JSON."),
        "not_an_object": lambda: _("The document must be a JSON object."),
        "no_context": lambda: _("The document has no @context."),
        "wrong_base_context": lambda: _("The document does not start with the Verifiable Credentials context."),
        "no_issuer": lambda: _("The credential names no issuer."),
        "no_subject": lambda: _("The credential has no subject."),
        "bad_datetime": lambda: _("%(field)s is not a valid date and time.") % {"field": p.get("field", "")},
        "too_deep": lambda: _("The document is nested too deeply."),
        "proof_expired": lambda: _("The signature expired on %(date)s.") % {"date": p.get("date", "")},
        "previous_proof_failed": lambda: _("A proof this one builds on does not verify."),
        "missing_previous_proof": lambda: _("A proof this one builds on is missing."),
        "credential_failed": lambda: ngettext("%(count)s credential in the presentation does not verify.",
                                             "%(count)s credentials in the presentation do not verify.",
                                             p.get("count", 1)) % {"count": p.get("count", 1)},
        "self_asserted": lambda: _("Asserted by the holder, who signed the presentation."),
    }
    render = texts.get(code)
    if render is None:
        return _("The check failed (%(code)s).") % {"code": code}
    return render()


SCHEMA_LABELS = {"vc2": "W3C Verifiable Credentials 2.0", "ob3": "Open Badges 3.0"}


def reason_text(reason: dict[str, Any]) -> str:
    code, p = reason.get("code"), reason.get("params") or {}
    if code == "no_referencing":
        return _("No referencing links lead from %(level)s to a level of the host country's framework.") % {
            "level": level_name(p.get("level"))}
    if code == "official_equivalent":
        return _("%(level)s is officially equivalent to %(target)s.") % {
            "level": level_name(p.get("level")), "target": level_name(p.get("target"))}
    if code == "proposed_equivalent":
        return _("%(level)s corresponds to %(target)s through proposed (not yet official) referencing links "
                 "(%(links)s links, confidence %(confidence)s).") % {
            "level": level_name(p.get("level")), "target": level_name(p.get("target")), "links": p.get("links"),
            "confidence": p.get("confidence")}
    if code == "partial_correspondence":
        return _("%(level)s is only partly comparable with %(target)s.") % {
            "level": level_name(p.get("level")), "target": level_name(p.get("target"))}
    if code == "outcome_coverage":
        return _("The credential's learning outcomes cover %(share)s%% of those the host programme requires "
                 "(%(missing)s missing).") % {"share": round(100 * float(p.get("share", 0))),
                                               "missing": p.get("missing", 0)}
    if code == "agreement":
        return _("An approved credit transfer agreement transfers %(credits)s credits into the programme.") % {
            "credits": p.get("credits")}
    if code == "departs_from_proposal":
        return _("The decision departs from the platform's proposal (%(proposed)s).") % {
            "proposed": OUTCOME_LABELS.get(p.get("proposed"), p.get("proposed", ""))}
    return _("Reason %(code)s.") % {"code": code}


def compensation_text(item: dict[str, Any]) -> str:
    code, p = item.get("code"), item.get("params") or {}
    if code == "assessment":
        return _("An assessment of the holder's competence against %(level)s, because the correspondence is not "
                 "yet official.") % {"level": level_name(p.get("level"))}
    if code == "bridging":
        return _("A bridging course up to %(level)s, because the levels are only partly comparable.") % {
            "level": level_name(p.get("level"))}
    if code == "missing_outcomes":
        return ngettext("Training in %(count)s learning outcome the credential does not cover.",
                        "Training in %(count)s learning outcomes the credential does not cover.",
                        p.get("count", 0)) % {"count": p.get("count", 0)}
    return _("Measure %(code)s.") % {"code": code}


OUTCOME_LABELS = {"full": gettext_lazy("full recognition"),
                  "partial": gettext_lazy("partial recognition with compensation measures"),
                  "refused": gettext_lazy("recognition refused")}
