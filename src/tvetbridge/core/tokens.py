"""API tokens: issue, authenticate, revoke.

The key is shown to its owner once and never stored: the database keeps its SHA-256 and an
8-character prefix, so a leaked database does not leak working keys. A plain (unsalted, fast) hash
is enough because keys carry 256 random bits; there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken
from .roles import is_member

# Marks the string as ours so secret scanners and people recognise a leaked key.
KEY_MARKER = "tvb_"
PREFIX_LENGTH = 8
# Writing last_used on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _split(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    if not key.startswith(KEY_MARKER) or len(key) < len(KEY_MARKER) + PREFIX_LENGTH:
        return None
    return key[len(KEY_MARKER):len(KEY_MARKER) + PREFIX_LENGTH]


@transaction.atomic
def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the plaintext key, which cannot be recovered later."""
    if not is_member(user):
        raise PermissionDenied(_("Only platform members can create API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name so you can recognise it later.")]})
    random_part = secrets.token_urlsafe(32)
    key = KEY_MARKER + random_part
    token = ApiToken(user=user, name=name, prefix=random_part[:PREFIX_LENGTH], digest=digest_of(key))
    token.full_clean()
    token.save()
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
        token.save(update_fields=["revoked"])
    return token


def authenticate_token(key: str):
    """Return the active user a key belongs to, or None."""
    prefix = _split(key)
    if prefix is None:
        return None
    wanted = digest_of(key)
    candidates = ApiToken.objects.filter(prefix=prefix, revoked=False).select_related("user", "user__profile")
    for token in candidates:
        if hmac.compare_digest(token.digest, wanted):
            user = token.user
            if not user.is_active:
                return None
            now = timezone.now()
            if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
                # An UPDATE rather than save(): concurrent requests must not overwrite each other's fields.
                ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            return user
    return None


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("revoked", "-created")
