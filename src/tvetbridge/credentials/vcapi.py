"""W3C VC-API endpoints: ``POST /credentials/issue`` (authenticated), ``POST /credentials/verify`` and
``POST /presentations/verify`` (public), plus the public documents verifiers fetch: status list
credentials and did:web documents.

Errors are RFC 9457 problem details; a credential that does not verify answers 400 with the failed
checks, one that does answers 200 with every check. ``?cryptosuite=eddsa-jcs-2022`` on the issuing
route selects the JCS suite (the default is eddsa-rdfc-2022).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tvetbridge.core.tokens import authenticate_token

from . import issuing
from .engine import dataintegrity as di
from .engine.errors import CredentialError
from .engine.verify import MAX_DOCUMENT_BYTES, parse_document
from .models import IssuerProfile, StatusList


def _problem(status: int, title: str, detail: str, **extra: Any) -> JsonResponse:
    body = {"type": f"https://www.w3.org/TR/vc-data-integrity/#{extra.pop('code', 'error')}", "title": title,
            "detail": detail, **extra}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _body(request) -> dict[str, Any]:
    if len(request.body) > MAX_DOCUMENT_BYTES:
        raise CredentialError("too_large", "The request body is too large.", limit=MAX_DOCUMENT_BYTES)
    body = parse_document(request.body)
    if not isinstance(body, dict):
        raise CredentialError("not_an_object", "The request body must be a JSON object.")
    return body


def _caller(request):
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return authenticate_token(header[7:].strip())
    return request.user if request.user.is_authenticated else None


@csrf_exempt
@require_POST
def issue(request):
    user = _caller(request)
    if user is None:
        return _problem(401, "Unauthorized", "Send an API token (Authorization: Bearer …) to issue credentials.",
                        code="unauthorized")
    cryptosuite = request.GET.get("cryptosuite", di.RDFC)
    try:
        body = _body(request)
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise CredentialError("bad_options", "options must be an object.")
        secured = issuing.issue_api(user, body.get("credential"), options, cryptosuite=cryptosuite)
    except CredentialError as exc:
        return _problem(400, "Invalid credential", str(exc), code=exc.code, params=exc.params)
    except PermissionDenied as exc:
        return _problem(403, "Forbidden", str(exc), code="forbidden")
    except ValidationError as exc:
        return _problem(400, "Invalid credential", "; ".join(exc.messages), code="invalid")
    return JsonResponse({"verifiableCredential": secured}, status=201)


def _verification_response(report) -> JsonResponse:
    body = report.as_dict()
    body["errors"] = [c.as_dict() for c in report.errors]
    body["warnings"] = [c.as_dict() for c in report.checks if c.status == "warning"]
    return JsonResponse(body, status=200 if report.verified else 400)


@csrf_exempt
@require_POST
def verify_credential(request):
    try:
        body = _body(request)
    except CredentialError as exc:
        return _problem(400, "Invalid request", str(exc), code=exc.code)
    if "verifiableCredential" not in body:
        return _problem(400, "Invalid request", "Send {\"verifiableCredential\": …}.", code="missing_credential")
    return _verification_response(issuing.verify_document(body["verifiableCredential"]))


@csrf_exempt
@require_POST
def verify_presentation(request):
    try:
        body = _body(request)
    except CredentialError as exc:
        return _problem(400, "Invalid request", str(exc), code=exc.code)
    options = body.get("options") if isinstance(body.get("options"), dict) else {}
    challenge, domain = options.get("challenge"), options.get("domain")
    report = issuing.verify_presentation(body.get("verifiablePresentation"),
                                         challenge=challenge if isinstance(challenge, str) else None,
                                         domain=domain if isinstance(domain, str) else None)
    return _verification_response(report)


@require_GET
@cache_control(max_age=60, public=True)
def status_list(request, list_uuid):
    lst = get_object_or_404(StatusList, uuid=list_uuid)
    try:
        document = issuing.signed_status_list(lst)
    except CredentialError as exc:
        raise Http404(str(exc)) from exc
    return JsonResponse(document, content_type="application/vc+ld+json")


@require_GET
@cache_control(max_age=300, public=True)
def did_document(request, slug: str):
    profile = get_object_or_404(IssuerProfile, slug=slug, method=IssuerProfile.Method.WEB)
    return JsonResponse(issuing.did_document(profile), content_type="application/did+ld+json",
                        json_dumps_params={"ensure_ascii": False})


def json_download(document: dict[str, Any], filename: str):
    response = JsonResponse(document, content_type="application/ld+json", json_dumps_params={
        "ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

