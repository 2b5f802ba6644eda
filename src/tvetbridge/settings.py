"""The one settings module. Every deploy-specific value comes from the environment.

Typed helpers fail loudly on malformed values, so a typo in production is an error at start-up,
not a silent default.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TVETBRIDGE_VAR_DIR", Path.cwd() / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return default if raw is None else int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


PRODUCTION = env_str("TVETBRIDGE_ENV", "development") == "production"
DEBUG = env_bool("TVETBRIDGE_DEBUG", not PRODUCTION)
SECRET_KEY = env_str("TVETBRIDGE_SECRET_KEY", None if PRODUCTION else "dev-only-insecure-key-" + "x" * 40)
# Trainee identity numbers are stored as HMACs under this key, never in clear.
IDENTITY_HASH_KEY = env_str("TVETBRIDGE_IDENTITY_KEY", None if PRODUCTION else "dev-only-identity-key")
# Issuer private keys are sealed under this key-encryption key (AES-256-GCM through HKDF); it never
# enters the database. Rotating it means re-sealing the keys (`tvetbridge credentials_keys --reseal`).
CREDENTIALS_KEY = env_str("TVETBRIDGE_CREDENTIALS_KEY", None if PRODUCTION else "dev-only-credentials-key")
# The platform's public address: credential status lists, did:web identifiers and verification links
# in issued credentials are built on it, also by background workers that have no request.
PUBLIC_URL = env_str("TVETBRIDGE_PUBLIC_URL", None if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("TVETBRIDGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("TVETBRIDGE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "modeltranslation",  # must precede admin so translated fields show there
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "ninja",  # serves Swagger UI's assets locally, so /api/v1/docs works offline
    "django_tasks_db",  # the task queue lives in the platform's own database
    "tvetbridge.core",
    "tvetbridge.notifications",
    "tvetbridge.registry",
    "tvetbridge.taxonomy",
    "tvetbridge.demand",
    "tvetbridge.outcomes",
    "tvetbridge.credentials",
    "tvetbridge.risk",
    "tvetbridge.finance",
    "tvetbridge.matching",
    "tvetbridge.library",
    "tvetbridge.teachers",
    "tvetbridge.governance",
    "tvetbridge.reports",
    "tvetbridge.opendata",
    "tvetbridge.portfolio",
    "tvetbridge.web",
    "tvetbridge.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "tvetbridge.core.middleware.DatabaseBusyMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "tvetbridge.urls"
WSGI_APPLICATION = "tvetbridge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tvetbridge.core.context_processors.platform",
                "tvetbridge.notifications.context_processors.badge",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'tvetbridge.sqlite3'}"
DATABASE_URL = os.environ.get("TVETBRIDGE_DATABASE_URL") or os.environ.get("DATABASE_URL") or _default_db
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("TVETBRIDGE_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # WAL lets pages read while a job or an import writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # A writer waits this long for another to finish instead of failing at once ...
        "timeout": env_int("TVETBRIDGE_SQLITE_TIMEOUT_S", 20),
        # ... and takes the write lock when its transaction begins: two transactions that both read
        # and then write would otherwise deadlock, and SQLite resolves that with an immediate
        # "database is locked" that no timeout helps.
        "transaction_mode": "IMMEDIATE",
    })
    # Tests use a file, not memory: background workers and the browser tests' live server are other
    # processes or threads that must see the same database.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", str(VAR_DIR / "test.sqlite3"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Chinese (Simplified)")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "ru", "zh-hans", "kk")
# Our catalogue first (makemessages writes there); then what Django lacks in Kazakh.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]
# Django ships no Kazakh format module; ours lives in tvetbridge.formats.kk.
FORMAT_MODULE_PATH = ["tvetbridge.formats"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env_int("TVETBRIDGE_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("TVETBRIDGE_AXES_ENABLED", True)
# Locked per account *and* address together: wrong passwords for one account do not lock out the
# colleagues behind the same office or campus address, and one address cannot lock anyone else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# Behind the proxy described in docs/deploy.md the client's address is the first X-Forwarded-For hop.
AXES_IPWARE_PROXY_COUNT = env_int("TVETBRIDGE_PROXY_COUNT", 0)
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Bad API keys from one address within ten minutes before it must wait (core.tokens).
API_TOKEN_FAILURE_LIMIT = env_int("TVETBRIDGE_TOKEN_FAILURE_LIMIT", 20)

# Security headers in every environment, not only production. No page runs inline script: every
# script is a static file, so script-src is 'self' alone. Styles allow inline attributes because
# pages position chart marks and intervals with computed style="left: …%" values; style cannot run code.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

EMAIL_BACKEND = env_str("TVETBRIDGE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("TVETBRIDGE_FROM_EMAIL", "tvetbridge@localhost")

# Uploads (core.uploads): bounded in bytes, rows and, for XLSX, in what the archive expands to.
UPLOAD_MAX_BYTES = env_int("TVETBRIDGE_UPLOAD_MAX_MB", 50) * 2**20
IMPORT_MAX_ROWS = env_int("TVETBRIDGE_IMPORT_MAX_ROWS", 2_000_000)
XLSX_MAX_EXPANDED_BYTES = env_int("TVETBRIDGE_XLSX_MAX_EXPANDED_MB", 256) * 2**20
XLSX_MAX_RATIO = env_int("TVETBRIDGE_XLSX_MAX_RATIO", 100)
XLSX_RATIO_FLOOR_BYTES = 2**20
XLSX_MAX_ENTRIES = 1000
# Confirmed imports larger than this run in a worker (registry.tasks), not in the web request.
IMPORT_BACKGROUND_BYTES = env_int("TVETBRIDGE_IMPORT_BACKGROUND_KB", 512) * 2**10
# Django's own cap on a request body that is not a file (forms, JSON): 2.5 MB by default.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
# Background work: Django's tasks API on the platform's own database (django-tasks-db); run by
# `tvetbridge worker` processes (tvetbridge.core.worker).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "heavy"]}}
# A worker silent for this long is presumed dead and its running work is handed to another.
JOBS_STALE_AFTER_S = env_int("TVETBRIDGE_JOBS_STALE_AFTER_S", 30)
# Tests set this to run jobs at once in the calling process.
JOBS_EAGER = env_bool("TVETBRIDGE_JOBS_EAGER", False)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# The Learning Record Store (library/xapi): the largest request body it reads (413 above it), and
# the account home page of the Agents it writes into statements' authority.
LRS_MAX_BODY_BYTES = env_int("TVETBRIDGE_LRS_MAX_BODY_BYTES", 16 * 1024 * 1024)
# A file of statements for the bulk ingest job (lrs_ingest, start_statement_ingest).
LRS_INGEST_MAX_BYTES = env_int("TVETBRIDGE_LRS_INGEST_MAX_BYTES", 512 * 1024 * 1024)
LRS_AUTHORITY_HOMEPAGE = env_str("TVETBRIDGE_LRS_AUTHORITY_HOMEPAGE", "https://tvetbridge.org/xapi/clients")
# Trainees appear in statements as accounts on this home page (named by a keyed hash), resources as
# Activities under this base.
LRS_LEARNER_HOMEPAGE = env_str("TVETBRIDGE_LRS_LEARNER_HOMEPAGE", "https://tvetbridge.org/learners")
LRS_ACTIVITY_BASE = env_str("TVETBRIDGE_LRS_ACTIVITY_BASE", "https://tvetbridge.org/library/resources")
# Uploaded resource files: the largest accepted, and the kinds (by extension) accepted.
LIBRARY_MAX_UPLOAD_BYTES = env_int("TVETBRIDGE_LIBRARY_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)

# Bilingual-teacher shortage (teachers app): trainees per teacher. Default 20, the ceiling on the
# student-teacher ratio in China's Ministry of Education standard for secondary vocational schools
# (中等职业学校设置标准, 教职成〔2010〕12号: 生师比不高于20:1); not from the seed documents, which give
# no ratio. The page states the norm and this source.
TEACHER_TRAINEES_PER_TEACHER = env_int("TVETBRIDGE_TEACHER_TRAINEES_PER_TEACHER", 20)
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TVETBRIDGE_LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("TVETBRIDGE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("TVETBRIDGE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
