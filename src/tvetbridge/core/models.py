"""Shared kernel: places, languages, fields of study, money, provenance and roles."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel
from simple_history.models import HistoricalRecords

from .audit import audited

CURRENCIES = [
    ("CNY", "CNY"), ("KZT", "KZT"), ("UZS", "UZS"), ("TJS", "TJS"), ("KGS", "KGS"),
    ("TMT", "TMT"), ("RUB", "RUB"), ("USD", "USD"), ("EUR", "EUR"),
]
CURRENCY_CODES = frozenset(code for code, _label in CURRENCIES)


class Source(models.Model):
    """Where a figure comes from. Every real figure the platform shows cites one."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=400)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    document = models.CharField(_("document"), max_length=200, blank=True,
                                help_text=_("File or citation of the document the figure was read from."))
    locator = models.CharField(_("locator"), max_length=200, blank=True,
                               help_text=_("Section, table or page within the document."))
    url = models.URLField(_("address"), blank=True)
    published = models.DateField(_("published"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.title} ({self.locator})" if self.locator else self.title


class Country(models.Model):
    code = models.CharField(_("ISO 3166-1 code"), max_length=2, primary_key=True)
    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric = models.PositiveSmallIntegerField(_("ISO numeric"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="USD")
    is_focus = models.BooleanField(_("cooperation country"), default=False,
                                   help_text=_("China, the five Central Asian countries and Russia."))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["-is_focus", "name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    class Level(models.IntegerChoices):
        REGION = 1, _("region / province / oblast")
        DISTRICT = 2, _("district / county")
        CITY = 3, _("city")

    code = models.CharField(_("code"), max_length=20, unique=True,
                            help_text=_("ISO 3166-2 where it exists; otherwise a platform code."))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="regions", verbose_name=_("country"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("part of"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.REGION)
    name = models.CharField(_("name"), max_length=160)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["country", "level", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def outside_country(obj, region_field: str, country_field: str) -> dict[str, list]:
        """The error for a region that is not in the record's country (forms, API and imports alike: the
        models' ``clean`` asks), or none."""
        region_id = getattr(obj, f"{region_field}_id")
        country_id = getattr(obj, f"{country_field}_id")
        if not region_id or not country_id or getattr(obj, region_field).country_id == country_id:
            return {}
        return {region_field: [_("This region is not in the chosen country.")]}


class Language(models.Model):
    code = models.CharField(_("ISO 639-1 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name


class FieldOfStudy(models.Model):
    """ISCED-F 2013: broad (2 digits), narrow (3) and detailed (4) fields."""

    code = models.CharField(_("ISCED-F 2013 code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("field of study")
        verbose_name_plural = _("fields of study")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@audited
class ExchangeRate(models.Model):
    """Units of `currency` per one US dollar on `date`; editable, each row with its source."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    date = models.DateField(_("date"))
    per_usd = models.DecimalField(_("units per USD"), max_digits=18, decimal_places=6,
                                  validators=[MinValueValidator(0)])
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [models.UniqueConstraint(fields=["currency", "date"], name="uniq_rate_currency_date")]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.per_usd}"


class Role(models.TextChoices):
    ADMIN = "admin", _("platform admin")
    COORDINATOR = "coordinator", _("coordinator")
    INSTITUTION_STAFF = "institution", _("institution staff")
    ENTERPRISE_STAFF = "enterprise", _("enterprise staff")
    # A trainee signed in to see their own vacancy matches; linked through outcomes.Trainee.user.
    TRAINEE = "trainee", _("trainee")


@audited
class Profile(models.Model):
    """A user's role and, for staff roles, the one organisation they act for."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    institution = models.ForeignKey("registry.Institution", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="staff", verbose_name=_("institution"))
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="staff", verbose_name=_("enterprise"))
    language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="institution") | models.Q(institution__isnull=False),
                name="institution_staff_has_institution"),
            models.CheckConstraint(
                condition=~models.Q(role="enterprise") | models.Q(enterprise__isnull=False),
                name="enterprise_staff_has_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


@audited
class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the key is shown once.

    History rows record its issue and revocation; its last use is kept on the row itself (written at
    most once a minute, not a history row per request)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))
    read_only = models.BooleanField(_("read-only"), default=False,
                                    help_text=_("A read-only token may read but never change anything."))
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["digest", "last_used"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class HistoryToken(models.Model):
    """Which API token made a change: one row per history row written while a request authenticated by
    a token was served (``core.tokens.remember_token``). Beside the history tables rather than a column
    of each, so every audited model of every app has it without a migration of its own."""

    history_model = models.CharField(max_length=100)  # the historical model's label, e.g. registry.historicalinstitution
    history_id = models.BigIntegerField()
    # Tokens are revoked, not deleted; if its user is deleted the row keeps the token's name and prefix.
    token = models.ForeignKey(ApiToken, null=True, on_delete=models.SET_NULL, related_name="changes")
    label = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["history_model", "history_id"], name="history_token_once")]

    def __str__(self) -> str:
        return self.label


class TokenFailure(models.Model):
    """Failed bearer-token attempts from one client address in the current window (see tokens.py)."""

    address = models.CharField(max_length=45, unique=True)
    window_start = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.address}: {self.failures}"


# Reusable validators for percentages stored as 0–100.
percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


# ---------------------------------------------------------------------------------------------------
# Optimistic concurrency


class Versioned(models.Model):
    """A record two people may edit at once. Every save through the services raises `version` by one
    and refuses a save based on an older version (see `core.services.save`), so the second of two
    concurrent edits becomes a conflict the user sees instead of silently reverting the first."""

    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True


# ---------------------------------------------------------------------------------------------------
# Background work (see core/jobs.py and core/worker.py)


class Job(models.Model):
    """One piece of background work as users see it: what, for whom, how far, and how it ended.

    Execution itself is a django-tasks database task (`task_id`); a job outlives its attempts: a retry
    or a requeue after a lost worker enqueues a new task for the same job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("finished")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # The step is a message id with its placeholders, rendered in the reader's language.
    step = models.CharField(_("step"), max_length=200, blank=True)
    step_params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("most attempts"), default=3)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    task_id = models.CharField(max_length=36, blank=True, db_index=True)
    worker = models.CharField(_("worker"), max_length=64, blank=True)
    # Chunked work: a parent job waits for its chunks; the last chunk to finish enqueues the parent's
    # final step (see jobs.enqueue_chunks).
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="chunks")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # Coalesces repeated requests for the same work (e.g. one candidate update per vacancy at a time).
    dedupe_key = models.CharField(max_length=200, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="jobs", verbose_name=_("requested by"))
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class WorkerProcess(models.Model):
    """A running `tvetbridge worker`, on any machine sharing the database. Its heartbeat tells the
    other workers whether the tasks it claimed are still being worked on."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)
    current_task = models.CharField(max_length=36, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} ({self.pid})"


class ScheduledRun(models.Model):
    """One due time of a periodic job. The unique key lets every worker try to start it while only
    one succeeds."""

    name = models.CharField(max_length=80)
    due = models.DateTimeField()
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "due"], name="uniq_scheduled_run")]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.due:%Y-%m-%d %H:%M}"


class Record(Versioned, RulesModel):
    """Base of the platform's editable records: object-level permissions declared in
    ``Meta.rules_permissions`` (django-rules) and a version for conflict detection."""

    class Meta:
        abstract = True
