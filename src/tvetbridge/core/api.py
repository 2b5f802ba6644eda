"""REST pieces of the shared kernel: authentication, API tokens, reference data, common schemas.

Registry and later apps import the helpers here (auth, error schemas, request language, safe text
types) so that every router behaves the same way.
"""

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PaginationBase, paginate
from ninja.security import HttpBearer, django_auth
from pydantic import AfterValidator

from . import tokens
from .models import ApiToken, Country, FieldOfStudy, Language, Region, Source
from .roles import role_of

# ---------------------------------------------------------------------------------------------------
# Authentication


def client_address(request: HttpRequest) -> str:
    """The caller's address as the login lockout sees it (behind a proxy: the forwarded one)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        # Raises tokens.Throttled (429) after too many bad keys from this address, and ReadOnlyToken
        # (403) when a read-only token is sent with a method that writes.
        key = tokens.authenticate_key(token, client_address(request), method=request.method)
        if key is None:
            return None
        # Permission checks everywhere read request.user; make a token request look like a session one.
        # The token itself is named on every history row the request writes (tokens.remember_token).
        request.user, request.api_token = key.user, key
        return key.user


bearer = BearerToken()
# Token first: scripts send no cookie, and browsers using the docs page send no token.
AUTH = [bearer, django_auth]

# ---------------------------------------------------------------------------------------------------
# Common types and schemas

# Largest id the databases can hold; a bigger number can never name a row and would crash the driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _storable(value: str) -> str:
    # PostgreSQL refuses NUL in text and neither database can store lone surrogates from JSON "\ud800".
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


Text = Annotated[str, AfterValidator(_storable)]


def text(max_length: int, min_length: int = 0):
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_storable)]


Code2 = text(2)
Code4 = text(4)
Code20 = text(20)
Key80 = text(80)
Search = text(100)
TokenName = text(100, 1)


class ErrorOut(Schema):
    detail: str


class ChangeOut(Schema):
    field: str
    label: str
    before: str = Field(description="The value when the caller read the record.")
    now: str = Field(description="The value stored now.")


class ConflictOut(Schema):
    detail: str
    current_version: int | None = Field(None, description="The record's version now; null when it was deleted.")
    changes: list[ChangeOut] = Field([], description="What others changed since the caller's version.")


# ---------------------------------------------------------------------------------------------------
# Optimistic concurrency: ETag / If-Match, or the version in the body


class PreconditionRequired(Exception):
    """A change to a versioned record that names no version to check against (HTTP 428)."""


class PreconditionFailed(Exception):
    """If-Match named another version than the stored one (HTTP 412)."""

    def __init__(self, conflict):
        self.conflict = conflict
        super().__init__(str(conflict))


def etag(obj) -> str:
    return f'W/"{obj.version}"'


def set_etag(response, obj) -> None:
    if getattr(obj, "version", None) is not None:
        response["ETag"] = etag(obj)


def if_match(request: HttpRequest) -> int | None:
    """The version an If-Match header names (``W/"3"``, ``"3"`` or ``*`` for any)."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    value = raw.removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise PreconditionFailed(None)
    return int(value)


def expected_version(request: HttpRequest, body_version: int | None = None) -> tuple[int | None, bool]:
    """The version a write is based on and whether it came from If-Match; a write that names none is
    refused, so a client cannot overwrite someone else's change without having seen it."""
    header = if_match(request)
    if header is not None:
        return header, True
    if body_version is not None:
        return body_version, False
    if request.headers.get("If-Match", "").strip() == "*":
        return None, False
    raise PreconditionRequired


def versioned_write(request: HttpRequest, body_version: int | None, write):
    """Run ``write(expected_version)``; a stale version answers 412 (If-Match) or 409 (body)."""
    from .services import Conflict

    expected, from_header = expected_version(request, body_version)
    try:
        return write(expected)
    except Conflict as conflict:
        if from_header:
            raise PreconditionFailed(conflict) from conflict
        raise


# Documented on every write to a versioned record.
VERSION_ERRORS = {409: ConflictOut, 412: ConflictOut, 428: ErrorOut}


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="Messages per field; '__all__' for the record as a whole.")


# Documented on every authenticated operation, so clients (and schemathesis) know what to expect.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}


def request_language(request: HttpRequest) -> str:
    """?lang= first, then the language cookie and Accept-Language; unknown codes are ignored.

    LocaleMiddleware cannot be relied on here: with i18n_patterns and an unprefixed default language it
    pins every unprefixed URL, /api/v1/ included, to English."""
    cached = getattr(request, "_api_language", None)
    if cached:
        return cached
    codes = {code for code, _name in settings.LANGUAGES}
    wanted = request.GET.get("lang", "")
    language = wanted if wanted in codes else translation.get_language_from_request(request)
    request._api_language = language if language in codes else settings.LANGUAGE_CODE
    return request._api_language


def translated(obj, attr: str, context) -> str:
    request = (context or {}).get("request")
    language = request_language(request) if request is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        return getattr(obj, attr) or ""


class BoundedPagination(PaginationBase):
    """Page-number pagination whose page and size are bounded, so no request can ask for a huge OFFSET."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": list(queryset[offset:offset + pagination.page_size]),
        }


class SourceOut(Schema):
    key: str
    title: str
    publisher: str
    document: str
    locator: str
    url: str
    published: dt.date | None
    is_synthetic: bool


# ---------------------------------------------------------------------------------------------------
# Who am I, and my tokens

router = Router(tags=["account"])


class MeOut(Schema):
    username: str
    role: str | None
    institution: int | None
    enterprise: int | None
    language: str


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, auth=AUTH, summary="The signed-in user and role")
def me(request):
    profile = getattr(request.user, "profile", None)
    return {
        "username": request.user.get_username(),
        "role": role_of(request.user),
        "institution": profile.institution_id if profile else None,
        "enterprise": profile.enterprise_id if profile else None,
        "language": profile.language if profile else settings.LANGUAGE_CODE,
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: dt.datetime
    expires: dt.datetime
    last_used: dt.datetime | None
    read_only: bool
    revoked: bool


class NewTokenOut(TokenOut):
    key: str = Field(description="The secret. Shown only in this response; store it now.")


class TokenIn(Schema):
    name: TokenName
    expires_in_days: int = Field(tokens.DEFAULT_EXPIRY_DAYS, description="Days until the token stops working: "
                                 + ", ".join(str(d) for d, _label in tokens.EXPIRY_CHOICES) + ".")
    read_only: bool = Field(False, description="A read-only token may only read (GET); writes answer 403.")


@router.get("/tokens", response={200: list[TokenOut], **AUTH_ERRORS}, auth=AUTH, summary="My API tokens")
def list_tokens(request):
    return tokens.tokens_of(request.user)


@router.post("/tokens", response={201: NewTokenOut, **AUTH_ERRORS, 422: ValidationErrorOut}, auth=AUTH,
             summary="Create an API token")
def create_token(request, payload: TokenIn):
    token, key = tokens.issue_token(request.user, payload.name, expires_in_days=payload.expires_in_days,
                                    read_only=payload.read_only)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "key": key})


@router.delete("/tokens/{token_id}", response={204: None, **AUTH_ERRORS, 404: ErrorOut}, auth=AUTH,
               summary="Revoke an API token")
def revoke_token(request, token_id: Id):
    # Someone else's token is reported as missing: its existence is not the caller's business.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    tokens.revoke_token(request.user, token)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------------
# Reference data: public, read-only

reference = Router(tags=["reference"])


class CountryOut(Schema):
    code: str
    iso3: str
    numeric: int
    name: str
    name_en: str | None
    name_zh_hans: str | None
    name_ru: str | None
    name_kk: str | None
    currency: str
    is_focus: bool
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)


class RegionOut(Schema):
    code: str
    country: str
    parent: str | None
    level: int
    name: str
    name_en: str | None
    name_zh_hans: str | None
    name_ru: str | None
    name_kk: str | None
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)

    @staticmethod
    def resolve_country(obj):
        return obj.country_id

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.code if obj.parent_id else None


class LanguageOut(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)


class FieldOut(Schema):
    code: str
    name: str
    name_en: str | None
    name_zh_hans: str | None
    name_ru: str | None
    name_kk: str | None
    parent: str | None

    @staticmethod
    def resolve_name(obj, context):
        return translated(obj, "name", context)

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


@reference.get("/countries", response=list[CountryOut], auth=None, summary="Countries")
def list_countries(request, focus: bool | None = None):
    qs = Country.objects.all()
    if focus is not None:
        qs = qs.filter(is_focus=focus)
    return qs


@reference.get("/countries/{code}", response={200: CountryOut, 404: ErrorOut}, auth=None, summary="One country")
def get_country(request, code: Code2):
    return get_object_or_404(Country, code=code.upper())


class RegionFilter(Schema):
    country: Code2 | None = None
    parent: Code20 | None = Field(None, description="Code of the enclosing region.")
    level: int | None = Field(None, ge=1, le=3)
    q: Search | None = None


@reference.get("/regions", response=list[RegionOut], auth=None, summary="Regions, districts and cities")
@paginate(BoundedPagination)
def list_regions(request, filters: Query[RegionFilter]):
    qs = Region.objects.select_related("parent").order_by("country_id", "level", "code")
    if filters.country:
        qs = qs.filter(country_id=filters.country.upper())
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name_query(filters.q, "name") | Q(code__icontains=filters.q))
    return qs


@reference.get("/languages", response=list[LanguageOut], auth=None, summary="Languages")
def list_languages(request):
    return Language.objects.all()


@reference.get("/fields", response=list[FieldOut], auth=None, summary="ISCED-F 2013 fields of study")
def list_fields(request, parent: Code4 | None = None):
    qs = FieldOfStudy.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs


@reference.get("/sources", response=list[SourceOut], auth=None, summary="Sources that figures cite")
@paginate(BoundedPagination)
def list_sources(request, is_synthetic: bool | None = None, q: Search | None = None):
    qs = Source.objects.order_by("key")
    if is_synthetic is not None:
        qs = qs.filter(is_synthetic=is_synthetic)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(publisher__icontains=q) | Q(key__icontains=q))
    return qs


@reference.get("/sources/{key}", response={200: SourceOut, 404: ErrorOut}, auth=None, summary="One source")
def get_source(request, key: Key80):
    return get_object_or_404(Source, key=key)


def name_query(q: str, base: str) -> Q:
    """Match `q` in any language's version of a translated field."""
    query = Q()
    for code, _name in settings.LANGUAGES:
        query |= Q(**{f"{base}_{code.replace('-', '_')}__icontains": q})
    return query
