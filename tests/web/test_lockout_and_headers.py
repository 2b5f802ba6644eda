"""Issue 11, part 6: sign-in lockout per account *and* address, with a page and an admin reset;
security headers on every page."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse


@pytest.fixture
def limit(settings):
    settings.AXES_ENABLED = True  # scripts/test.sh turns lockout off for the rest of the suite
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def _login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_lockout_is_per_account_and_address_pair(client, users, limit):
    victim = users["coordinator"].username
    for _ in range(limit):
        _login(client, victim, "wrong", "203.0.113.7")
    locked = _login(client, victim, "pw-coordinator-123!", "203.0.113.7")
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    # a colleague behind the same address signs in; the same account from elsewhere too
    assert _login(client, users["institution"].username, "pw-institution-123!", "203.0.113.7").status_code == 302
    client.logout()
    assert _login(client, victim, "pw-coordinator-123!", "198.51.100.2").status_code == 302


def test_an_admin_lifts_the_pause(client, users, limit):
    victim = users["coordinator"].username
    for _ in range(limit):
        _login(client, victim, "wrong", "203.0.113.7")
    assert _login(client, victim, "pw-coordinator-123!", "203.0.113.7").status_code == 429
    admin = users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    attempt = AccessAttempt.objects.get(username=victim)
    response = client.post(reverse("admin:axes_accessattempt_changelist"),
                           {"action": "lift_pause", "_selected_action": [attempt.pk]})
    assert response.status_code == 302 and not AccessAttempt.objects.filter(username=victim).exists()
    client.logout()
    assert _login(client, victim, "pw-coordinator-123!", "203.0.113.7").status_code == 302


def test_pages_carry_csp_without_inline_script_and_other_headers(client, users):
    client.force_login(users["coordinator"])
    for url in ("/", reverse("api_tokens"), reverse("audit_log")):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert response["Referrer-Policy"] == "same-origin" and response["X-Content-Type-Options"] == "nosniff"
        body = response.content.decode()
        assert "<script>" not in body and " onclick=" not in body
