"""Identity numbers are never stored: only a keyed hash (HMAC-SHA256 under IDENTITY_HASH_KEY).

A keyed hash, unlike a plain SHA-256, cannot be reversed by hashing every possible number (national
identity numbers have few enough digits for that); without the key a leaked table reveals nothing.
Numbers are normalised first so that "850101 300 123" and "850101300123" are the same person.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_SEPARATORS = re.compile(r"[\s\-./_]+")


def normalise(number: str) -> str:
    return _SEPARATORS.sub("", str(number)).upper()


def identity_hash(number: str) -> str:
    text = normalise(number)
    if not text:
        raise ValueError("empty identity number")
    key = settings.IDENTITY_HASH_KEY.encode("utf-8")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
