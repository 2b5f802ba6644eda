"""Country risk: indicators and their observations, risk events, computed scores and alerts.

Models hold data and invariants only; every change goes through ``risk.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import Country, Record, Source
from tvetbridge.registry.models import CooperationProject

from . import rules as perms


class Indicator(Record):
    class Direction(models.IntegerChoices):
        RISK_UP = 1, _("higher value means more risk")
        RISK_DOWN = -1, _("higher value means less risk")

    code = models.SlugField(_("code"), max_length=80, unique=True,
                            help_text=_("Short stable identifier, e.g. inform-governance or fx-volatility."))
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    min_value = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_value = models.FloatField(_("highest valid value"), null=True, blank=True)
    direction = models.SmallIntegerField(_("direction"), choices=Direction.choices, default=Direction.RISK_UP)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    description = models.TextField(_("description"), blank=True)
    is_reference = models.BooleanField(_("reference data"), default=False, editable=False,
                                       help_text=_("Shipped with the platform (INFORM); not edited by hand."))
    # INFORM column this indicator holds, so the engine can rebuild the index from observations.
    inform_name = models.CharField(_("INFORM component"), max_length=80, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_reference", "code"]
        verbose_name = _("risk indicator")
        verbose_name_plural = _("risk indicators")
        rules_permissions = perms.indicator_permissions
        constraints = [models.CheckConstraint(
            condition=models.Q(min_value__isnull=True) | models.Q(max_value__isnull=True)
            | models.Q(max_value__gt=models.F("min_value")), name="indicator_range_ordered")]

    def __str__(self) -> str:
        return self.name


class Observation(Record):
    """One value of one indicator for one country and period (a year "2021" or a quarter "2026-Q3")."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="risk_observations",
                                verbose_name=_("country"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations",
                                  verbose_name=_("indicator"))
    period = models.CharField(_("period"), max_length=7, help_text=_("A year (2026) or a quarter (2026-Q3)."))
    # The first day of the period: orders observations and finds the latest one at a date.
    period_start = models.DateField(_("period start"), editable=False)
    value = models.FloatField(_("value"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    source_note = models.CharField(_("source note"), max_length=300, blank=True,
                                   help_text=_("Citation or address when no registered source applies."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "indicator", "-period_start"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        rules_permissions = perms.observation_permissions
        constraints = [models.UniqueConstraint(fields=["country", "indicator", "period"],
                                               name="uniq_observation_country_indicator_period")]
        indexes = [models.Index(fields=["indicator", "period_start"])]

    def __str__(self) -> str:
        return f"{self.country_id} {self.indicator.code} {self.period}: {self.value:g}"


class RiskEvent(Record):
    class Kind(models.TextChoices):
        POLICY = "policy_change", _("policy change")
        REGIME = "regime_change", _("regime change")
        EXCHANGE_RATE = "exchange_rate", _("exchange-rate move")
        DISRUPTION = "project_disruption", _("project disruption")
        SECURITY = "security_incident", _("security incident")
        SANCTIONS = "sanctions", _("sanctions")
        DISASTER = "natural_disaster", _("natural disaster")
        OTHER = "other", _("other")

    date = models.DateField(_("date"))
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="risk_events",
                                verbose_name=_("country"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = minor, 5 = severe: stops or threatens cooperation projects."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300,
                              help_text=_("Where this is reported: document, article or address."))
    affected_projects = models.ManyToManyField(CooperationProject, blank=True, related_name="risk_events",
                                               verbose_name=_("affected projects"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("risk event")
        verbose_name_plural = _("risk events")
        rules_permissions = perms.event_permissions
        indexes = [models.Index(fields=["country", "date"])]
        constraints = [models.CheckConstraint(condition=models.Q(severity__gte=1) & models.Q(severity__lte=5),
                                              name="event_severity_1_5")]

    def __str__(self) -> str:
        return f"{self.date} {self.country_id}: {self.title}"


class CountryRiskScore(Record):
    """The computed risk of one country in one quarter: INFORM levels and the cooperation-risk index
    with its Monte Carlo interval. Stored so trends, change rules and reports read one snapshot."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="risk_scores",
                                verbose_name=_("country"))
    period = models.CharField(_("period"), max_length=7)
    inform_risk = models.FloatField(_("INFORM risk"), null=True)
    inform_class = models.CharField(_("INFORM risk class"), max_length=20, blank=True)
    hazard = models.FloatField(_("hazard & exposure"), null=True)
    vulnerability = models.FloatField(_("vulnerability"), null=True)
    coping = models.FloatField(_("lack of coping capacity"), null=True)
    driver = models.CharField(_("main driver"), max_length=80, blank=True)
    driver_detail = models.JSONField(_("driver detail"), default=list)
    base_score = models.FloatField(_("composite before events"), null=True)
    event_uplift = models.FloatField(_("event uplift"), default=0.0)
    score = models.FloatField(_("cooperation risk"), null=True)
    score_low = models.FloatField(_("score, low"), null=True)
    score_high = models.FloatField(_("score, high"), null=True)
    risk_class = models.CharField(_("class"), max_length=20, blank=True)
    rank = models.FloatField(_("rank"), null=True)
    rank_low = models.FloatField(_("rank, best"), null=True)
    rank_high = models.FloatField(_("rank, worst"), null=True)
    n_countries = models.PositiveSmallIntegerField(_("countries ranked"), default=0)
    computed = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        ordering = ["country", "period"]
        verbose_name = _("country risk score")
        verbose_name_plural = _("country risk scores")
        rules_permissions = perms.score_permissions
        constraints = [models.UniqueConstraint(fields=["country", "period"], name="uniq_risk_score_country_period")]
        indexes = [models.Index(fields=["period", "score"])]

    def __str__(self) -> str:
        return f"{self.country_id} {self.period}: {self.score}"

    DIMENSION_FIELDS = (("HAZARD & EXPOSURE", "hazard"), ("VULNERABILITY", "vulnerability"),
                        ("LACK OF COPING CAPACITY", "coping"))

    @property
    def missing_dimensions(self) -> list[str]:
        """INFORM dimensions (engine names) with no value: a score computed without them is incomplete."""
        return [name for name, field in self.DIMENSION_FIELDS if getattr(self, field) is None]


class Alert(Record):
    class Rule(models.TextChoices):
        LEVEL = "level", _("score at or above threshold")
        CHANGE = "change", _("score change")
        EVENT = "event", _("severe event")
        TRANSITION = "transition", _("class transition")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="risk_alerts",
                                verbose_name=_("country"))
    period = models.CharField(_("period"), max_length=7)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    driver = models.CharField(_("driver"), max_length=80, blank=True)
    score = models.FloatField(_("score"), null=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    # Same condition, same period → same key: a recomputation never raises the same alert twice.
    dedup_key = models.CharField(max_length=120, unique=True, editable=False)
    event = models.ForeignKey(RiskEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts",
                              verbose_name=_("event"))
    projects = models.ManyToManyField(CooperationProject, blank=True, related_name="risk_alerts",
                                      verbose_name=_("projects exposed"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+", verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        rules_permissions = perms.alert_permissions
        indexes = [models.Index(fields=["status", "country"])]

    def __str__(self) -> str:
        return f"{self.country_id} {self.get_rule_display()} ({self.period})"
