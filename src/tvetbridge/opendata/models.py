"""What the platform publishes as open data: IATI publishers, published activities, generated files."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import CURRENCIES, Record
from tvetbridge.registry.models import CooperationProject, Institution

from . import rules as perms
from .engine.iati import ID_FORBIDDEN_RE, ORG_ID_RE

org_identifier_validator = RegexValidator(
    ORG_ID_RE, _("An IATI organisation identifier is a registration agency code, a hyphen and the number the "
                 "agency gave (e.g. CN-USC-12100000400000123X), without spaces or / & | ?."))


def validate_activity_id(value: str) -> None:
    if ID_FORBIDDEN_RE.search(value):
        raise ValidationError(_("An activity id may not contain spaces or / & | ?."))


class Publisher(Record):
    """An institution that publishes to IATI under its registered organisation identifier."""

    class OrgType(models.TextChoices):  # IATI OrganisationType codes that fit the registry
        GOVERNMENT = "10", _("government")
        LOCAL_GOVERNMENT = "11", _("local government")
        OTHER_PUBLIC = "15", _("other public sector")
        NGO_NATIONAL = "22", _("national NGO")
        PRIVATE = "70", _("private sector")
        ACADEMIC = "80", _("academic, training and research")

    institution = models.OneToOneField(Institution, on_delete=models.PROTECT, related_name="iati_publisher",
                                       verbose_name=_("institution"))
    identifier = models.CharField(_("IATI organisation identifier"), max_length=100, unique=True,
                                  validators=[org_identifier_validator])
    org_type = models.CharField(_("organisation type"), max_length=3, choices=OrgType.choices,
                                default=OrgType.ACADEMIC)
    default_currency = models.CharField(_("default currency"), max_length=3, choices=CURRENCIES, default="USD")
    history = HistoricalRecords()

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("IATI publisher")
        verbose_name_plural = _("IATI publishers")
        rules_permissions = perms.publisher_permissions

    def __str__(self) -> str:
        return self.identifier


class ActivityPublication(Record):
    """A cooperation project published as an IATI activity by one publisher."""

    project = models.OneToOneField(CooperationProject, on_delete=models.CASCADE, related_name="iati_publication",
                                   verbose_name=_("project"))
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="activities",
                                  verbose_name=_("publisher"))
    activity_id = models.CharField(_("activity id"), max_length=80, validators=[validate_activity_id],
                                   help_text=_("The publisher's own id of the activity; the IATI identifier is "
                                               "the organisation identifier, a hyphen and this id."))
    sectors = models.CharField(_("DAC sectors"), max_length=200, blank=True,
                               help_text=_("DAC 5-digit codes with percentages, e.g. \"11330:70, 11130:30\"; "
                                           "blank: 11330 vocational training, or 11130 teacher training for "
                                           "teacher-training projects."))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["publisher", "activity_id"]
        verbose_name = _("published activity")
        verbose_name_plural = _("published activities")
        rules_permissions = perms.publication_permissions
        constraints = [models.UniqueConstraint(fields=["publisher", "activity_id"], name="uniq_iati_activity_id")]

    def __str__(self) -> str:
        return self.identifier

    @property
    def identifier(self) -> str:
        return f"{self.publisher.identifier}-{self.activity_id}"


class IatiFile(models.Model):
    """The latest generated file of each kind, as published at its stable address."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("activity file")
        ORGANISATION = "organisation", _("organisation file")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, unique=True)
    # None until a file passes the checks (or the valid rest is written by choice).
    content = models.BinaryField(_("content"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    n_records = models.PositiveIntegerField(_("records"), default=0)
    # The last run, written or refused: its findings as codes and parameters (rendered in the
    # reader's language), and how many activities it left out.
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    left_out = models.PositiveIntegerField(_("activities left out"), default=0)
    refused = models.BooleanField(_("refused"), default=False)

    class Meta:
        verbose_name = _("IATI file")
        verbose_name_plural = _("IATI files")

    def __str__(self) -> str:
        return self.get_kind_display()


def _case_upload_to(instance, filename: str) -> str:
    # The stored name never comes from the uploader: a random name keeps paths unguessable.
    import uuid

    ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(instance.content_type, "bin")
    return f"opendata/cases/{uuid.uuid4().hex}.{ext}"


class ExemplaryCase(Record):
    """A project told as a story: what the industry lacked, what the trainees learned, how much income
    rose. Only the narrative is stored (in each language); every figure is read live from outcomes and
    finance when the case is shown, so a case can never drift from the project's results."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    project = models.ForeignKey(CooperationProject, on_delete=models.PROTECT, related_name="exemplary_cases",
                                verbose_name=_("project"))
    slug = models.SlugField(_("address"), max_length=80, unique=True,
                            help_text=_("The last part of the case's public address, e.g. luban-almaty-logistics."))
    title = models.CharField(_("title"), max_length=200)
    industry_gap = models.TextField(_("what the industry lacked"))
    learning = models.TextField(_("what the trainees learned"))
    story = models.TextField(_("what changed for the graduates"), blank=True)
    comparison = models.CharField(_("comparison group of the impact estimate"), max_length=20, default="applicants")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "slug"]
        verbose_name = _("exemplary case")
        verbose_name_plural = _("exemplary cases")
        rules_permissions = perms.case_permissions

    def __str__(self) -> str:
        return self.title or self.slug

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CaseMaterial(Record):
    """A quote or a photo the institution contributes to a case, with the consent of the people in it."""

    class Kind(models.TextChoices):
        QUOTE = "quote", _("quote")
        PHOTO = "photo", _("photo")

    case = models.ForeignKey(ExemplaryCase, on_delete=models.CASCADE, related_name="materials",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("quote or caption"), max_length=1000)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    attribution = models.CharField(_("attribution"), max_length=200, blank=True,
                                   help_text=_("How the person is named in public, e.g. “graduate, warehouse "
                                               "operator”. A name only if they agreed to it."))
    image = models.FileField(_("photo"), upload_to=_case_upload_to, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    consent_recorded = models.BooleanField(_("consent recorded"), default=False)
    consent_date = models.DateField(_("date of consent"))
    consent_note = models.CharField(_("how consent was given"), max_length=300,
                                    help_text=_("e.g. “signed release form kept by the college, ref. 2025/14”."))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("added by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "kind", "pk"]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        rules_permissions = perms.material_permissions

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class EnterpriseListing(Record):
    """An enterprise's consent to appear in the public directory, downloads and IATI files.

    One row per enterprise holds the current decision; its history keeps every decision (given,
    withdrawn, given again) with who took it, when and why. Given by the enterprise's own staff, or by
    a coordinator on its behalf with a reason (e.g. the letter the enterprise sent)."""

    enterprise = models.OneToOneField("registry.Enterprise", on_delete=models.CASCADE, related_name="listing",
                                      verbose_name=_("enterprise"))
    listed = models.BooleanField(_("listed in public"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"))
    on_behalf = models.BooleanField(_("recorded on the enterprise's behalf"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public listing of an enterprise")
        verbose_name_plural = _("public listings of enterprises")
        rules_permissions = perms.listing_permissions

    def __str__(self) -> str:
        return f"{self.enterprise}: {'listed' if self.listed else 'not listed'}"
