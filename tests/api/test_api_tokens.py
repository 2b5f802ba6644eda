import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tvetbridge.core import tokens
from tvetbridge.core.models import ApiToken


def test_token_lifecycle_issue_use_revoke(users, keyed):
    user = users["coordinator"]
    token, key = tokens.issue_token(user, "nightly export")

    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.digest, stored.prefix, stored.name)
    assert stored.digest == tokens.digest_of(key) and len(stored.prefix) == 8
    assert key.startswith("tvb_" + stored.prefix)

    client = keyed(key)
    me = client.get("/me")
    assert me.status_code == 200
    assert me.json()["username"] == user.username and me.json()["role"] == "coordinator"
    assert client.get("/institutions").status_code == 200

    tokens.revoke_token(user, token)
    assert client.get("/me").status_code == 401
    assert client.get("/institutions").status_code == 401


def test_wrong_or_malformed_keys_are_rejected(users, keyed):
    _token, key = tokens.issue_token(users["admin"], "x")
    for bad in (key[:-1] + ("A" if key[-1] != "A" else "B"), "tvb_", "nonsense", key + "x", ""):
        assert keyed(bad).get("/institutions").status_code == 401
    # Basic auth or an unknown scheme is not a bearer token.
    response = keyed().get("/institutions", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 401


def test_inactive_user_token_stops_working(users, keyed):
    user = users["institution"]
    _token, key = tokens.issue_token(user, "x")
    user.is_active = False
    user.save()
    assert keyed(key).get("/institutions").status_code == 401


def test_last_used_is_recorded_but_not_on_every_request(users, keyed):
    token, key = tokens.issue_token(users["coordinator"], "x")
    client = keyed(key)
    client.get("/me")
    token.refresh_from_db()
    first = token.last_used
    assert first is not None
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used == first
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now() - dt.timedelta(minutes=5))
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used > first - dt.timedelta(minutes=1)
    assert timezone.now() - token.last_used < dt.timedelta(minutes=1)


def test_tokens_through_the_api_show_the_key_once(users, api_as, keyed):
    client = api_as("institution")
    created = client.post("/tokens", {"name": "ci"})
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/tokens").json()
    assert {t["name"] for t in listed} == {"institution test", "ci"}
    assert all("key" not in t for t in listed)

    assert keyed(key).get("/me").status_code == 200
    assert client.delete(f"/tokens/{created.json()['id']}").status_code == 204
    assert keyed(key).get("/me").status_code == 401


def test_cannot_revoke_someone_elses_token(users, api_as):
    other, _key = tokens.issue_token(users["coordinator"], "theirs")
    assert api_as("institution").delete(f"/tokens/{other.pk}").status_code == 404
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(users["institution"], other)
    other.refresh_from_db()
    assert not other.revoked


def test_empty_token_name_is_a_field_error(api_as):
    response = api_as("coordinator").post("/tokens", {"name": ""})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_public_cannot_have_tokens(make_user, db):
    from django.contrib.auth.models import User

    roleless = User.objects.create_user("nobody", password="x-Y-z-123!")
    with pytest.raises(PermissionDenied):
        tokens.issue_token(roleless, "x")


def test_tokens_page_creates_shows_key_once_and_revokes(client, users, keyed):
    user = users["enterprise"]
    client.force_login(user)
    url = reverse("api_tokens")
    page = client.get(url)
    assert page.status_code == 200

    created = client.post(url, {"name": "ERP sync"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user, name="ERP sync")
    key = created.context["new_key"]
    assert key.startswith("tvb_" + token.prefix)
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert keyed(key).get("/me").json()["role"] == "enterprise"

    again = client.get(url)
    assert key not in again.content.decode()
    assert "ERP sync" in again.content.decode()

    revoked = client.post(url, {"revoke": str(token.pk)})
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert keyed(key).get("/me").status_code == 401


def test_tokens_page_needs_sign_in_and_cannot_touch_others(client, users):
    url = reverse("api_tokens")
    assert client.get(url).status_code == 302
    theirs, _key = tokens.issue_token(users["coordinator"], "theirs")
    client.force_login(users["institution"])
    assert client.post(url, {"revoke": str(theirs.pk)}).status_code == 404
    assert client.post(url, {"revoke": "99999999999999999999999"}).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.revoked


def test_history_names_the_token_that_made_a_change(api_as, client, world, users):
    """Part 4 of issue 11: a change made through the API names its token in the history and the audit
    log; a change made on a page names none."""
    from django.urls import reverse

    from tvetbridge.core.models import HistoryToken
    from tvetbridge.registry.models import Institution

    alt = world["alt"]
    api = api_as("coordinator")
    assert api.patch(f"/institutions/{alt.pk}", {"short_name": "ALT"}, current=True).status_code == 200
    row = Institution.history.filter(id=alt.pk).latest("history_id")
    trail = HistoryToken.objects.get(history_model=row._meta.label_lower, history_id=row.history_id)
    assert trail.token.user == users["coordinator"] and trail.label.startswith("coordinator test (")
    assert row.history_user == users["coordinator"]
    client.force_login(users["coordinator"])
    page = client.get(reverse("audit_log"), {"model": "institution"}).content.decode()
    assert f"with API token {trail.label}" in page
    # The same user's session changes are not put down to the token.
    from tvetbridge.core.services import update_record

    update_record(users["coordinator"], Institution.objects.get(pk=alt.pk), {"short_name": "ALT U"})
    assert HistoryToken.objects.count() == 1
