"""Skill demand: enterprise training orders and vacancies — the first link of the results chain."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import CURRENCIES, Country, Record, Region, Source
from tvetbridge.core.validators import normalize_language_code, validate_monthly_amount
from tvetbridge.taxonomy.models import Occupation, Skill

from . import rules as perms

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
# HSK 3.0 (2021) has nine levels; "Chinese + vocational skills" programmes name their target by it.
HSK_LEVELS = tuple(f"HSK{n}" for n in range(1, 10))
LANGUAGE_LEVELS = (*CEFR_LEVELS, *HSK_LEVELS, "native")
CHINESE = "zh"
_LEVEL_RE = re.compile(r"^hsk\s*-?\s*([1-9])$", re.IGNORECASE)


def normalise_level(level: str) -> str:
    """'hsk 4', 'HSK-4', 'b2', 'Native' → 'HSK4', 'B2', 'native'; unknown text is returned as given."""
    text = (level or "").strip()
    match = _LEVEL_RE.match(text)
    if match:
        return f"HSK{match.group(1)}"
    if text.upper() in CEFR_LEVELS:
        return text.upper()
    if text.lower() == "native":
        return "native"
    return text


def validate_languages(value) -> None:
    """``[{"language": "zh", "level": "HSK4"}, ...]``: known levels, HSK only for Chinese, no repeats."""
    if not isinstance(value, list):
        raise ValidationError(_("Give the languages as a list of language and level."), code="invalid")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, dict) or set(item) != {"language", "level"}:
            raise ValidationError(_("Each language needs a language code and a level."), code="invalid")
        code, level = item["language"], item["level"]
        if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}", code):
            raise ValidationError(_("“%(code)s” is not a language code (use ISO 639-1, e.g. ru)."),
                                  params={"code": code}, code="invalid")
        if level not in LANGUAGE_LEVELS:
            raise ValidationError(_("“%(level)s” is not a level; use A1–C2, HSK1–HSK9 or native."),
                                  params={"level": level}, code="invalid")
        if level.startswith("HSK") and code != CHINESE:
            raise ValidationError(_("HSK levels apply to Chinese only (language code zh)."), code="invalid")
        if code in seen:
            raise ValidationError(_("The language %(code)s is listed twice."), params={"code": code},
                                  code="invalid")
        seen.add(code)


class SkillDemand(Record):
    class Kind(models.TextChoices):
        ORDER = "order", _("training order")
        VACANCY = "vacancy", _("vacancy")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FILLED = "filled", _("filled")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="demands",
                                   verbose_name=_("enterprise"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VACANCY)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("The job or training need in your own words, in any language."))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="demands", verbose_name=_("country"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="demands",
                               verbose_name=_("region"))
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="demands",
                                   verbose_name=_("occupation"))
    occupation_confirmed = models.BooleanField(
        _("occupation confirmed"), default=True,
        help_text=_("False when the occupation was proposed by the coder and nobody has confirmed it yet."))
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="demands",
                                             verbose_name=_("required skills"))
    languages = models.JSONField(_("languages required"), default=list, blank=True,
                                 validators=[validate_languages],
                                 help_text=_("Language and level, e.g. zh HSK4, ru B2."))
    count = models.PositiveIntegerField(_("number of people"), validators=[MinValueValidator(1)])
    offered_wage = models.DecimalField(_("offered monthly wage"), max_digits=14, decimal_places=2, null=True,
                                       blank=True, validators=[validate_monthly_amount])
    wage_currency = models.CharField(_("wage currency"), max_length=3, choices=CURRENCIES, blank=True)
    deadline = models.DateField(_("deadline"), help_text=_("When the people are needed."))
    order_commitment = models.BooleanField(
        _("pays per hired graduate"), default=False,
        help_text=_("The enterprise commits to pay an amount for each graduate it hires."))
    commitment_amount = models.DecimalField(_("amount per hired graduate"), max_digits=14, decimal_places=2,
                                            null=True, blank=True, validators=[validate_monthly_amount])
    commitment_currency = models.CharField(_("commitment currency"), max_length=3, choices=CURRENCIES,
                                           blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, db_index=True,
                                       help_text=_("Generated demo data, not a real record."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[required_skills])

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("skill demand")
        verbose_name_plural = _("skill demand")
        rules_permissions = perms.demand_permissions
        indexes = [models.Index(fields=["country", "status"]), models.Index(fields=["occupation", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1), name="demand_count_positive"),
            models.CheckConstraint(condition=~models.Q(order_commitment=True) | models.Q(commitment_amount__gt=0),
                                   name="demand_commitment_has_amount"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self._state.adding and self.deadline and self.deadline < timezone.localdate():
            errors.setdefault("deadline", []).append(_("The deadline is in the past."))
        if self.offered_wage is not None and not self.wage_currency:
            errors.setdefault("wage_currency", []).append(_("Give the currency of the wage."))
        if self.order_commitment:
            if not self.commitment_amount:
                errors.setdefault("commitment_amount", []).append(
                    _("Give the amount paid per hired graduate, or untick the commitment."))
            if not self.commitment_currency:
                errors.setdefault("commitment_currency", []).append(_("Give the currency of the amount."))
        errors.update(Region.outside_country(self, "region", "country"))
        if errors:
            raise ValidationError(errors)

    @property
    def chinese_level(self) -> str | None:
        return next((item["level"] for item in self.languages or [] if item["language"] == CHINESE), None)

    @property
    def languages_display(self) -> str:
        return ", ".join(f"{item['language']} {item['level']}" for item in self.languages or [])


def parse_languages(text: str) -> list[dict]:
    """'zh HSK4; ru B2' (or 'zh:HSK4, ru:B2') → [{"language": "zh", "level": "HSK4"}, ...].

    Raises ValidationError naming the part it cannot read; levels are normalised (``normalise_level``)."""
    out = []
    for part in re.split(r"[;,\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*[: ]\s*(.+)", part)
        if not match:
            raise ValidationError(_("“%(part)s” is not a language and level, e.g. “zh HSK4” or “ru B2”."),
                                  params={"part": part}, code="invalid")
        out.append({"language": match.group(1), "level": normalise_level(match.group(2))})
    out = normalise_language_codes(out)
    validate_languages(out)
    return out


def normalise_language_codes(items) -> list:
    """Language tags as the UI and other systems write them (zh-hans, ru-RU, kaz) → ISO 639-1."""
    if not isinstance(items, list):
        return items
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("language"), str):
            try:
                item = {**item, "language": normalize_language_code(item["language"])}
            except ValidationError:
                pass  # left as written: validate_languages names it
        out.append(item)
    return out


def format_languages(value) -> str:
    return "; ".join(f"{item['language']} {item['level']}" for item in value or [])
