"""The REST API root: each app contributes a router; see `<app>/api.py`.

Errors have one shape everywhere: `{"detail": message}`, plus `errors: {field: [messages]}` for 422,
whether the request failed schema validation or a model rule in the services.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from tvetbridge.core import tokens
from tvetbridge.core.api import PreconditionFailed, PreconditionRequired, reference
from tvetbridge.core.api import router as account
from tvetbridge.core.constraints import from_integrity_error
from tvetbridge.core.services import Conflict, is_database_busy
from tvetbridge.credentials.api import router as credentials
from tvetbridge.demand.api import router as demand
from tvetbridge.finance.api import router as finance
from tvetbridge.governance.api import router as governance
from tvetbridge.matching.api import router as matching
from tvetbridge.opendata.api import router as opendata
from tvetbridge.outcomes.api import router as outcomes
from tvetbridge.registry.api import public
from tvetbridge.registry.api import router as registry
from tvetbridge.risk.api import router as risk
from tvetbridge.taxonomy.api import router as taxonomy
from tvetbridge.teachers.api import router as teachers

DESCRIPTION = """
Read and maintain the TVET Bridge registry.

**Authentication.** Send `Authorization: Bearer <key>` with a key created on the *API tokens* page of
your account (or `POST /api/v1/tokens`). In a browser where you are signed in, the session cookie works
too. Anonymous callers may use only the `public` and `reference` endpoints.

**Permissions** are those of the pages: institution staff change their own institution's records,
enterprise staff their own enterprise, coordinators everything, and only coordinators approve projects.

**Language.** `name` and `description` follow `?lang=` (en, zh-hans, ru, kk) or `Accept-Language`;
every translation of the name is also given as `name_en`, `name_zh_hans`, `name_ru` and `name_kk`.

**Synthetic data.** Records with `is_synthetic: true` are generated demo data, not real ones.
"""

api = NinjaAPI(title="TVET Bridge API", version="1", urls_namespace="api", description=DESCRIPTION)

api.add_router("/", account)
api.add_router("/", reference)
api.add_router("/public", public)
api.add_router("/open", opendata)
api.add_router("/", registry)
api.add_router("/taxonomy", taxonomy)
api.add_router("/demand", demand)
api.add_router("/", outcomes)
api.add_router("/risk", risk)
api.add_router("/matching", matching)
api.add_router("/finance", finance)
api.add_router("/credentials", credentials)
api.add_router("/governance", governance)
api.add_router("/teachers", teachers)


def _field_name(loc) -> str:
    # ninja reports ("body", "payload", "name_en") or ("query", "page"); clients know fields, not params.
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] or parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def invalid_request(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg", "")))
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def invalid_record(request, exc: DjangoValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": _("The record is not valid."), "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc: AuthenticationError):
    return api.create_response(request, {"detail": _("Sign in or send a valid API token.")}, status=401)


@api.exception_handler(tokens.Throttled)
def throttled(request, exc: tokens.Throttled):
    response = api.create_response(request, {"detail": _(
        "Too many requests with an unknown API token from your address. Try again in %(seconds)d seconds.")
        % {"seconds": exc.retry_after}}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(ObjectDoesNotExist)
def missing(request, exc: ObjectDoesNotExist):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(IntegrityError)
def conflict(request, exc: IntegrityError):
    # Reached when a rule only the database knows fails, e.g. deleting an institution that staff act for,
    # or two requests racing for one external key.
    refusal = from_integrity_error(exc)
    return api.create_response(
        request, {"detail": _("The change conflicts with other records and was not made."),
                  "errors": {field: [str(m) for m in messages] for field, messages in refusal.message_dict.items()}},
        status=409)


@api.exception_handler(Conflict)
def stale(request, exc: Conflict):
    return api.create_response(request, exc.as_dict(), status=409)


@api.exception_handler(PreconditionFailed)
def precondition_failed(request, exc: PreconditionFailed):
    body = exc.conflict.as_dict() if exc.conflict is not None else {
        "detail": _("If-Match must name a version, e.g. W/\"3\"."), "current_version": None, "changes": []}
    return api.create_response(request, body, status=412)


@api.exception_handler(PreconditionRequired)
def precondition_required(request, exc: PreconditionRequired):
    return api.create_response(request, {"detail": _(
        "Say which version you are changing: send the record's ETag as If-Match (or its version in the "
        "body), so that a change made since you read it is not overwritten.")}, status=428)


@api.exception_handler(OperationalError)
def busy(request, exc: OperationalError):
    if not is_database_busy(exc):
        raise exc
    response = api.create_response(request, {"detail": _("The platform is busy; try again in a moment.")},
                                   status=503)
    response["Retry-After"] = "2"
    return response
