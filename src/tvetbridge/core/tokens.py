"""API tokens: issue, authenticate, revoke.

The key is shown to its owner once and never stored: the database keeps its SHA-256 and an
8-character prefix, so a leaked database does not leak working keys. A plain (unsalted, fast) hash
is enough because keys carry 256 random bits; there is nothing to brute-force.

Every token expires (its owner picks when, ``EXPIRY_CHOICES``; 90 days unless told) and may be
read-only (``read_only``: the API refuses it every method that writes). Issue and revocation are
history rows (``core.audit``); the last use is written on the token at most once a minute.

Guessing is throttled per client address (``TokenFailure``): after ``FAILURE_LIMIT`` bad keys in
``FAILURE_WINDOW`` the address gets 429 with ``Retry-After`` until the window ends, good key or not, so
a stolen-prefix search or a misconfigured script cannot hammer the table. The counter lives in the
database, so every server process and machine shares it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ApiToken, HistoryToken, TokenFailure
from .roles import is_member
from .services import save

# Marks the string as ours so secret scanners and people recognise a leaked key.
KEY_MARKER = "tvb_"
PREFIX_LENGTH = 8
# Writing last_used on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
DEFAULT_EXPIRY_DAYS = 90
EXPIRY_CHOICES = [(7, gettext_lazy("7 days")), (30, gettext_lazy("30 days")), (90, gettext_lazy("90 days")),
                  (365, gettext_lazy("1 year"))]
FAILURE_WINDOW = timedelta(minutes=10)


class Throttled(Exception):
    """Too many bad keys from one address; ``retry_after`` seconds until it may try again."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class ReadOnlyToken(PermissionDenied):
    pass


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _split(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    if not key.startswith(KEY_MARKER) or len(key) < len(KEY_MARKER) + PREFIX_LENGTH:
        return None
    return key[len(KEY_MARKER):len(KEY_MARKER) + PREFIX_LENGTH]


@transaction.atomic
def issue_token(user, name: str, *, expires_in_days: int = DEFAULT_EXPIRY_DAYS,
                read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the plaintext key, which cannot be recovered later."""
    if not is_member(user):
        raise PermissionDenied(_("Only platform members can create API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name so you can recognise it later.")]})
    if expires_in_days not in dict(EXPIRY_CHOICES):
        raise ValidationError({"expires_in_days": [_("Choose one of %(choices)s days.")
                                                   % {"choices": ", ".join(str(d) for d, _l in EXPIRY_CHOICES)}]})
    random_part = secrets.token_urlsafe(32)
    key = KEY_MARKER + random_part
    token = ApiToken(user=user, name=name, prefix=random_part[:PREFIX_LENGTH], digest=digest_of(key),
                     expires=timezone.now() + timedelta(days=expires_in_days), read_only=bool(read_only))
    save(user, token, reason="token.issued")
    return token, key


@transaction.atomic
def revoke_token(user, token: ApiToken | int) -> ApiToken:
    """Revoke one of the user's own tokens (admins may revoke anyone's)."""
    if not isinstance(token, ApiToken):
        token = ApiToken.objects.select_for_update().get(pk=token)
    if token.user_id != user.pk and not user.is_superuser:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if not token.revoked:
        token.revoked = True
        token.revoked_at = timezone.now()
        save(user, token, reason="token.revoked")
    return token


def find_token(key: str) -> ApiToken | None:
    """The live (not revoked, not expired) token of an active user that ``key`` opens, or None."""
    prefix = _split(key)
    if prefix is None:
        return None
    wanted = digest_of(key)
    now = timezone.now()
    candidates = (ApiToken.objects.filter(prefix=prefix, revoked=False, expires__gt=now)
                  .select_related("user", "user__profile"))
    for token in candidates:
        if hmac.compare_digest(token.digest, wanted):
            if not token.user.is_active:
                return None
            if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
                # An UPDATE rather than save(): concurrent requests must not overwrite each other's fields.
                ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            return token
    return None


def authenticate_token(key: str, address: str = "", *, method: str = "GET"):
    """The user a key belongs to, or None. Raises ``Throttled`` while ``address`` is locked out and
    ``ReadOnlyToken`` when a read-only token is used for ``method`` that writes."""
    token = authenticate_key(key, address, method=method)
    return token.user if token is not None else None


def authenticate_key(key: str, address: str = "", *, method: str = "GET") -> ApiToken | None:
    """The token a key opens, or None; raises as ``authenticate_token`` does."""
    if address:
        check_throttle(address)
    token = find_token(key)
    if token is None:
        if address:
            record_failure(address)
        return None
    if token.read_only and method.upper() not in ("GET", "HEAD", "OPTIONS"):
        raise ReadOnlyToken(_("This API token is read-only: it may read, but not create, change or delete "
                              "anything. Create a token without the read-only option to write."))
    return token


def remember_token(sender, history_instance, **kwargs) -> None:
    """``post_create_historical_record``: a history row written while a token-authenticated request is
    served names that token (``HistoryToken``). Pages and jobs write none: their user says it all."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    token = getattr(request, "api_token", None)
    if token is None:
        return
    HistoryToken.objects.create(history_model=history_instance._meta.label_lower, history_id=history_instance.pk,
                                token=token, label=str(token)[:120])


def token_labels(rows) -> dict[tuple[str, int], str]:
    """{(historical model label, history id): token label} for the history ``rows`` a token wrote."""
    by_model: dict[str, list[int]] = {}
    for row in rows:
        by_model.setdefault(row._meta.label_lower, []).append(row.pk)
    out = {}
    for label, ids in by_model.items():
        for history_id, text in HistoryToken.objects.filter(history_model=label, history_id__in=ids).values_list(
                "history_id", "label"):
            out[(label, history_id)] = text
    return out


def check_throttle(address: str) -> None:
    row = TokenFailure.objects.filter(address=address).first()
    if row is None or row.failures < settings.API_TOKEN_FAILURE_LIMIT:
        return
    remaining = row.window_start + FAILURE_WINDOW - timezone.now()
    if remaining.total_seconds() > 0:
        raise Throttled(int(remaining.total_seconds()) + 1)


def record_failure(address: str) -> None:
    """Count one bad key for ``address``; a window that has ended starts again from this one."""
    now = timezone.now()
    with transaction.atomic():
        row, created = TokenFailure.objects.select_for_update().get_or_create(
            address=address, defaults={"window_start": now, "failures": 1})
        if created:
            return
        if now - row.window_start >= FAILURE_WINDOW:
            TokenFailure.objects.filter(pk=row.pk).update(window_start=now, failures=1)
        else:
            TokenFailure.objects.filter(pk=row.pk).update(failures=F("failures") + 1)


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("revoked", "-created")
