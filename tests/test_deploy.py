"""Production settings pass Django's deployment checklist, and fail loudly when misconfigured."""

import os
import secrets
import subprocess
import sys

import pytest

pytestmark = pytest.mark.engine  # no database; run once


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    # Start from the machine's environment minus our settings and test-only Django switches
    # (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TVETBRIDGE_", "DJANGO_"))}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "tvetbridge.cli", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_with_production_settings_gives_no_warning():
    result = _check({"TVETBRIDGE_ENV": "production", "TVETBRIDGE_SECRET_KEY": secrets.token_urlsafe(50),
                     "TVETBRIDGE_IDENTITY_KEY": secrets.token_urlsafe(32),
                     "TVETBRIDGE_CREDENTIALS_KEY": secrets.token_urlsafe(32),
                     "TVETBRIDGE_PUBLIC_URL": "https://tvet.example.org",
                     "TVETBRIDGE_ALLOWED_HOSTS": "tvet.example.org"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = _check({"TVETBRIDGE_ENV": "production"})
    assert result.returncode != 0
    assert "TVETBRIDGE_SECRET_KEY is required" in result.stderr


def test_malformed_boolean_is_an_error_not_a_default():
    result = _check({"TVETBRIDGE_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "TVETBRIDGE_DEBUG='maybe' is not a boolean" in result.stderr
