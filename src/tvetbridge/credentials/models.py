# Over 500 lines: the app's models, in one module by Django's convention (a models package would scatter them).
"""Mutual recognition: qualification frameworks and their referencing, programmes and credential types
placed on them, credit-transfer agreements, recognition decisions, and the verifiable credentials the
platform issues (issuer identities, their keys, status lists).

Private keys: an ``IssuerKey`` row holds its Ed25519 seed only sealed (AES-256-GCM) under the
platform's key-encryption key (``TVETBRIDGE_CREDENTIALS_KEY``), which never sits in the database; the
sealed column is excluded from the audit history, the admin and every API schema.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import Country, FieldOfStudy, Language, Versioned

from . import rules as perms

# --- frameworks and referencing ------------------------------------------------------------------

class QualificationFramework(RulesModel):
    class Kind(models.TextChoices):
        NQF = "nqf", _("national qualifications framework")
        EDUCATION = "education", _("levels of education")
        SKILL = "skill", _("occupational skill levels")
        CERTIFICATE = "certificate", _("vocational certificate levels")
        META = "meta", _("regional reference framework")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True, related_name="frameworks",
                                verbose_name=_("country"), help_text=_("Blank for a regional framework (EQF)."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    legal_source = models.CharField(_("legal source"), max_length=500,
                                    help_text=_("The act that establishes the framework: title, number, date."))
    legal_url = models.URLField(_("address of the act"), blank=True)
    is_reference = models.BooleanField(_("common reference framework"), default=False)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("qualification framework")
        verbose_name_plural = _("qualification frameworks")
        rules_permissions = perms.framework_permissions

    def __str__(self) -> str:
        return self.name


class FrameworkLevel(RulesModel):
    framework = models.ForeignKey(QualificationFramework, on_delete=models.CASCADE, related_name="levels",
                                  verbose_name=_("framework"))
    code = models.CharField(_("level code"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher is more advanced within the framework."))
    name = models.CharField(_("name"), max_length=300)
    summary = models.TextField(_("descriptor"), blank=True,
                               help_text=_("What a holder of this level can do, and the usual way of reaching it."))
    knowledge = models.TextField(_("knowledge"), blank=True)
    skills = models.TextField(_("skills"), blank=True)
    competence = models.TextField(_("responsibility and autonomy"), blank=True)
    isced_level = models.PositiveSmallIntegerField(_("ISCED 2011 level"), null=True, blank=True)
    legal_source = models.CharField(_("legal source"), max_length=500, blank=True,
                                    help_text=_("Where it differs from the framework's act."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework__order", "framework__code", "rank"]
        verbose_name = _("framework level")
        verbose_name_plural = _("framework levels")
        rules_permissions = perms.framework_permissions
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="uniq_framework_level_code")]

    def __str__(self) -> str:
        return f"{self.framework.code} {self.code}"

    @property
    def key(self) -> str:
        return f"{self.framework.code}:{self.code}"


class LevelLink(RulesModel, Versioned):
    """One row of a referencing table: level ``source`` corresponds to level ``target``."""

    class Relation(models.TextChoices):
        EQUIVALENT = "equivalent", _("equivalent")
        PARTIAL = "partial", _("partly comparable")

    class Status(models.TextChoices):
        OFFICIAL = "official", _("official")
        PROPOSED = "proposed", _("proposed")

    source = models.ForeignKey(FrameworkLevel, on_delete=models.CASCADE, related_name="links_out",
                               verbose_name=_("level"))
    target = models.ForeignKey(FrameworkLevel, on_delete=models.CASCADE, related_name="links_in",
                               verbose_name=_("corresponds to"))
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices, default=Relation.EQUIVALENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    basis = models.TextField(_("basis"), help_text=_("Why the levels correspond: descriptors, duration, "
                                                     "entry requirements, an agreement."))
    source_citation = models.CharField(_("source"), max_length=500, blank=True,
                                       help_text=_("The referencing report or agreement; required for official links."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("last edited by"))
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["source__framework__order", "source__rank", "target__framework__order"]
        verbose_name = _("referencing link")
        verbose_name_plural = _("referencing links")
        rules_permissions = perms.framework_permissions
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="uniq_level_link"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="level_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} ↔ {self.target}"

    def clean(self) -> None:
        if self.source_id and self.target_id:
            if self.source.framework_id == self.target.framework_id:
                raise ValidationError({"target": _("Link levels of two different frameworks.")})
        if self.status == self.Status.OFFICIAL and not self.source_citation.strip():
            raise ValidationError({"source_citation": _("An official link must cite its source.")})


# --- programmes and credential types on frameworks ------------------------------------------------

class ProgrammeProfile(RulesModel, Versioned):
    """Where a registry programme sits: framework levels, workload and language of instruction."""

    programme = models.OneToOneField("registry.Programme", on_delete=models.CASCADE, related_name="recognition_profile",
                                     verbose_name=_("programme"))
    levels = models.ManyToManyField(FrameworkLevel, related_name="programmes", verbose_name=_("framework levels"))
    hours = models.PositiveIntegerField(_("workload (hours)"), validators=[MinValueValidator(1)])
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    credit_system = models.CharField(_("credit system"), max_length=60, default="ECTS",
                                     help_text=_("For example ECTS, or the national credit unit."))
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("main language of instruction"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme placement")
        verbose_name_plural = _("programme placements")
        rules_permissions = perms.programme_part_permissions

    def __str__(self) -> str:
        return str(self.programme)

    def owner_institution_ids(self) -> set[int]:
        return {self.programme.institution_id}


class ProgrammeModule(RulesModel):
    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="modules",
                                  verbose_name=_("programme"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    hours = models.PositiveIntegerField(_("hours"), validators=[MinValueValidator(1)])
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    level = models.ForeignKey(FrameworkLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("framework level"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("programme module")
        verbose_name_plural = _("programme modules")
        rules_permissions = perms.programme_part_permissions
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="uniq_module_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def owner_institution_ids(self) -> set[int]:
        return {self.programme.institution_id}


class CredentialType(RulesModel, Versioned):
    """What an institution awards (an Open Badges 3.0 Achievement): levels, outcomes, workload."""

    class Kind(models.TextChoices):
        DIPLOMA = "Diploma", _("diploma")
        CERTIFICATE = "Certificate", _("certificate")
        CERTIFICATION = "Certification", _("occupational certification")
        LICENSE = "License", _("licence")
        COURSE = "Course", _("course")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="credential_types",
                                    verbose_name=_("institution"))
    programme = models.ForeignKey("registry.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="credential_types", verbose_name=_("programme"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"))
    criteria = models.TextField(_("award criteria"), help_text=_("What the holder did to earn it."))
    levels = models.ManyToManyField(FrameworkLevel, blank=True, related_name="credential_types",
                                    verbose_name=_("framework levels"))
    field = models.ForeignKey(FieldOfStudy, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("field of study"))
    hours = models.PositiveIntegerField(_("workload (hours)"), null=True, blank=True)
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=1, null=True, blank=True)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("credential type")
        verbose_name_plural = _("credential types")
        rules_permissions = perms.programme_part_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return {self.institution_id}


class LearningOutcome(models.Model):
    """A learning outcome statement, coded to an ESCO skill, of a programme (its placement), a module or
    a credential type."""

    profile = models.ForeignKey(ProgrammeProfile, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="outcomes", verbose_name=_("programme placement"))
    module = models.ForeignKey(ProgrammeModule, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="outcomes", verbose_name=_("module"))
    credential_type = models.ForeignKey(CredentialType, on_delete=models.CASCADE, null=True, blank=True,
                                        related_name="outcomes", verbose_name=_("credential type"))
    text = models.CharField(_("learning outcome"), max_length=500)
    skill = models.ForeignKey("taxonomy.Skill", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("ESCO skill"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("learning outcome")
        verbose_name_plural = _("learning outcomes")
        constraints = [models.CheckConstraint(
            condition=models.Q(profile__isnull=False, module__isnull=True, credential_type__isnull=True)
            | models.Q(profile__isnull=True, module__isnull=False, credential_type__isnull=True)
            | models.Q(profile__isnull=True, module__isnull=True, credential_type__isnull=False),
            name="outcome_has_one_owner")]

    def __str__(self) -> str:
        return self.text


# --- credit transfer -------------------------------------------------------------------------------

class CreditTransferAgreement(RulesModel, Versioned):
    """Modules of ``source`` that count towards ``target``. Proposed by the platform from the overlap
    of outcomes and levels; each side's institution (or a coordinator for both) approves."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved by both")
        REJECTED = "rejected", _("rejected")

    source = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="transfers_out",
                               verbose_name=_("from programme"))
    target = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="transfers_in",
                               verbose_name=_("to programme"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    source_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+", verbose_name=_("approved for the sending side by"))
    source_approved_at = models.DateTimeField(_("sending side approved on"), null=True, blank=True)
    target_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+", verbose_name=_("approved for the receiving side by"))
    target_approved_at = models.DateTimeField(_("receiving side approved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("proposed by"))
    created = models.DateTimeField(_("proposed on"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("credit transfer agreement")
        verbose_name_plural = _("credit transfer agreements")
        rules_permissions = perms.agreement_permissions
        constraints = [models.CheckConstraint(condition=~models.Q(source=models.F("target")),
                                              name="transfer_not_self")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"

    def owner_institution_ids(self) -> set[int]:
        return {self.source.institution_id, self.target.institution_id}


class CreditTransferItem(models.Model):
    agreement = models.ForeignKey(CreditTransferAgreement, on_delete=models.CASCADE, related_name="items",
                                  verbose_name=_("agreement"))
    source_module = models.ForeignKey(ProgrammeModule, on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("module passed"))
    target_module = models.ForeignKey(ProgrammeModule, on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("module credited"))
    credits = models.DecimalField(_("credits transferred"), max_digits=5, decimal_places=1)
    coverage = models.FloatField(_("outcome coverage"), help_text=_("Share of the credited module's outcomes the "
                                                                    "passed module covers (0–1)."))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    included = models.BooleanField(_("included"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target_module__code"]
        verbose_name = _("credit transfer item")
        verbose_name_plural = _("credit transfer items")
        constraints = [models.UniqueConstraint(fields=["agreement", "target_module"], name="uniq_item_target")]

    def __str__(self) -> str:
        return f"{self.source_module} → {self.target_module}"


# --- issuers, keys, status lists, issued credentials ----------------------------------------------

class IssuerProfile(RulesModel):
    """An institution as a credential issuer: its DID method and its keys."""

    class Method(models.TextChoices):
        KEY = "key", _("did:key (the key is the identifier)")
        WEB = "web", _("did:web (a document published on the web)")

    institution = models.OneToOneField("registry.Institution", on_delete=models.CASCADE, related_name="issuer",
                                       verbose_name=_("institution"))
    slug = models.SlugField(_("identifier in addresses"), max_length=80, unique=True)
    method = models.CharField(_("DID method"), max_length=4, choices=Method.choices, default=Method.KEY)
    web_domain = models.CharField(_("own web domain"), max_length=200, blank=True,
                                  help_text=_("For did:web on the institution's own site (it publishes "
                                              "/.well-known/did.json there); blank: hosted by the platform."))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("credential issuer")
        verbose_name_plural = _("credential issuers")
        rules_permissions = perms.issuer_permissions

    def __str__(self) -> str:
        return str(self.institution)

    def owner_institution_ids(self) -> set[int]:
        return {self.institution_id}


class IssuerKey(models.Model):
    issuer = models.ForeignKey(IssuerProfile, on_delete=models.CASCADE, related_name="keys", verbose_name=_("issuer"))
    did = models.CharField(_("DID"), max_length=300, db_index=True)
    verification_method = models.CharField(_("verification method"), max_length=400, unique=True)
    public_key_multibase = models.CharField(_("public key (Multikey)"), max_length=80, unique=True)
    # AES-256-GCM under TVETBRIDGE_CREDENTIALS_KEY, bound to the verification method id; never shown.
    sealed_private_key = models.TextField(editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    retired = models.DateTimeField(_("retired"), null=True, blank=True,
                                   help_text=_("No longer signs; credentials it signed still verify."))
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True,
                                   help_text=_("Compromised: credentials it signed no longer verify."))
    history = HistoricalRecords(excluded_fields=["sealed_private_key"])

    class Meta:
        ordering = ["issuer", "-created"]
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")

    def __str__(self) -> str:
        return self.verification_method

    @property
    def is_active(self) -> bool:
        return self.retired is None and self.revoked is None


class StatusList(models.Model):
    """One Bitstring Status List of an issuer for one purpose. Positions are handed out through a
    fixed affine permutation (``a`` odd, the size a power of two), so neighbouring indexes do not
    reveal the order in which credentials were issued."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(IssuerProfile, on_delete=models.CASCADE, related_name="status_lists")
    # The DID the list speaks for: constant for did:web issuers; for did:key issuers each key is its own
    # DID, and its lists stay signed by that key after it retires, so earlier credentials keep a status.
    did = models.CharField(max_length=300)
    purpose = models.CharField(_("purpose"), max_length=12)
    size = models.PositiveIntegerField(default=131_072, help_text="Entries, each status_size bits.")
    status_size = models.PositiveSmallIntegerField(default=2)
    bits = models.BinaryField()
    allocated = models.PositiveIntegerField(default=0)
    perm_a = models.PositiveIntegerField()
    perm_b = models.PositiveIntegerField()
    version = models.PositiveIntegerField(default=1)
    signed = models.JSONField(null=True, blank=True, editable=False)
    signed_version = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["issuer", "purpose", "pk"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return f"{self.issuer} {self.purpose} {self.uuid}"


class IssuedCredential(RulesModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("valid")
        SUSPENDED = "suspended", _("suspended")
        REVOKED = "revoked", _("revoked")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.ForeignKey("outcomes.Credential", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="issued", verbose_name=_("credential awarded"))
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="issued", verbose_name=_("credential type"))
    trainee = models.ForeignKey("outcomes.Trainee", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="issued_credentials", verbose_name=_("trainee"))
    issuer = models.ForeignKey(IssuerProfile, on_delete=models.PROTECT, related_name="issued",
                               verbose_name=_("issuer"))
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("signing key"))
    cryptosuite = models.CharField(_("cryptosuite"), max_length=20)
    document = models.JSONField(_("signed credential"))
    issued = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status_index = models.PositiveIntegerField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["document"])

    class Meta:
        ordering = ["-issued"]
        verbose_name = _("issued credential")
        verbose_name_plural = _("issued credentials")
        rules_permissions = perms.issued_permissions
        indexes = [models.Index(fields=["issuer", "status"])]
        constraints = [models.UniqueConstraint(fields=["status_list", "status_index"], name="uniq_status_slot")]

    def __str__(self) -> str:
        return f"urn:uuid:{self.uuid}"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.uuid}"

    def owner_institution_ids(self) -> set[int]:
        return {self.issuer.institution_id}


# --- recognition ----------------------------------------------------------------------------------

class RecognitionApplication(RulesModel, Versioned):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        DECIDED = "decided", _("decided")
        APPEALED = "appealed", _("under appeal")
        CLOSED = "closed", _("appeal decided")

    class Outcome(models.TextChoices):
        FULL = "full", _("full recognition")
        PARTIAL = "partial", _("partial recognition with compensation measures")
        REFUSED = "refused", _("recognition refused")

    class Purpose(models.TextChoices):
        EMPLOYMENT = "employment", _("employment")
        STUDY = "study", _("further study")

    trainee = models.ForeignKey("outcomes.Trainee", on_delete=models.CASCADE, related_name="recognition_applications",
                                verbose_name=_("applicant"))
    submitted_by_institution = models.ForeignKey("registry.Institution", on_delete=models.SET_NULL, null=True,
                                                 blank=True, related_name="+",
                                                 verbose_name=_("submitted on behalf by"))
    issued_credential = models.ForeignKey(IssuedCredential, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("verifiable credential"))
    award = models.ForeignKey("outcomes.Credential", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("credential"))
    source_level = models.ForeignKey(FrameworkLevel, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("level of the credential"))
    host_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("country of recognition"))
    target_framework = models.ForeignKey(QualificationFramework, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("framework of the host country"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.EMPLOYMENT)
    target_programme = models.ForeignKey("registry.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("programme applied to"),
                                         help_text=_("For further study: credit transfer agreements into it apply."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    # The platform's proposal and the decision's reasons are stored as codes with parameters and
    # rendered in the reader's language, never as English sentences.
    proposal = models.JSONField(_("proposal"), default=dict, blank=True)
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices, blank=True)
    recognised_level = models.ForeignKey(FrameworkLevel, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("recognised as"))
    compensation = models.TextField(_("compensation measures"), blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    decision_note = models.TextField(_("note to the applicant"), blank=True)
    submitted = models.DateTimeField(_("submitted"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    decided = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    appeal_text = models.TextField(_("grounds of appeal"), blank=True)
    appealed = models.DateTimeField(_("appealed"), null=True, blank=True)
    appeal_outcome = models.CharField(_("appeal decision"), max_length=10, choices=Outcome.choices, blank=True)
    appeal_note = models.TextField(_("appeal decision note"), blank=True)
    appeal_decided = models.DateTimeField(_("appeal decided"), null=True, blank=True)
    appeal_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", verbose_name=_("appeal decided by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted"]
        verbose_name = _("recognition application")
        verbose_name_plural = _("recognition applications")
        rules_permissions = perms.application_permissions
        indexes = [models.Index(fields=["status", "host_country"])]

    def __str__(self) -> str:
        return f"{self.award} → {self.host_country_id}"

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()
