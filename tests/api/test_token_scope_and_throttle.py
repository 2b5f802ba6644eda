"""Issue 11, part 6: tokens expire and may be read-only; guessing keys is throttled per address."""

import datetime as dt

from django.utils import timezone

from tvetbridge.core import tokens
from tvetbridge.core.models import ApiToken


def test_a_token_stops_working_when_it_expires(users, keyed):
    token, key = tokens.issue_token(users["coordinator"], "short", expires_in_days=7)
    assert dt.timedelta(days=6, hours=23) < token.expires - timezone.now() <= dt.timedelta(days=7)
    assert keyed(key).get("/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert keyed(key).get("/me").status_code == 401


def test_expiry_is_chosen_from_the_offered_terms(api_as):
    client = api_as("coordinator")
    refused = client.post("/tokens", {"name": "forever", "expires_in_days": 100000})
    assert refused.status_code == 422 and "expires_in_days" in refused.json()["errors"]
    made = client.post("/tokens", {"name": "a year", "expires_in_days": 365, "read_only": True})
    assert made.status_code == 201 and made.json()["read_only"] is True


def test_a_read_only_token_reads_but_never_writes(users, keyed):
    _token, key = tokens.issue_token(users["coordinator"], "reader", read_only=True)
    client = keyed(key)
    assert client.get("/institutions").status_code == 200
    refused = client.post("/institutions", {"external_key": "x", "name_en": "X", "kind": "college",
                                            "country": "KZ"})
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert client.post("/tokens", {"name": "escalate"}).status_code == 403


def test_bad_keys_are_throttled_per_address_with_retry_after(users, keyed, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    _token, key = tokens.issue_token(users["coordinator"], "good")
    guesser = keyed("tvb_" + "A" * 43)
    for _ in range(3):
        assert guesser.get("/me", REMOTE_ADDR="203.0.113.7").status_code == 401
    # the address is paused, even with a good key, until the window ends
    paused = keyed(key).get("/me", REMOTE_ADDR="203.0.113.7")
    assert paused.status_code == 429 and 0 < int(paused["Retry-After"]) <= 600
    # other addresses are not affected
    assert keyed(key).get("/me", REMOTE_ADDR="198.51.100.2").status_code == 200
