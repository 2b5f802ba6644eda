"""The resource library and the Learning Record Store.

LRS tables follow the xAPI resources: statements (the stored JSON plus the columns and side tables
its queries filter on), attachments by their SHA-256, the three document resources in one table, and
the activities' canonical definitions. Statements are immutable once stored; voiding flips
``voided`` on the target and nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin
from simple_history.models import HistoricalRecords

from . import rules as perms

IRI_LENGTH = 1000


class LrsClient(RulesModelMixin, models.Model, metaclass=RulesModelBase):
    """A credential an xAPI client sends as HTTP basic auth. Only the SHA-256 of the secret is kept:
    secrets are 32 random bytes, so a slow password hash would add cost without adding safety."""

    class Scope(models.TextChoices):
        ALL = "all", _("read and write all records")
        WRITE = "write", _("write statements and documents, read its own statements")
        READ = "read", _("read all records")

    name = models.CharField(_("name"), max_length=120)
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="lrs_clients", verbose_name=_("institution"))
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_digest = models.CharField(max_length=64)
    scope = models.CharField(_("permissions"), max_length=10, choices=Scope.choices, default=Scope.WRITE)
    # The version the LRS answers in when a request omits X-Experience-API-Version (and so cannot
    # be told apart): a 1.0.3 client expects its errors in 1.0.3.
    xapi_version = models.CharField(_("xAPI version"), max_length=3, choices=[("2.0", "2.0"), ("1.0", "1.0.3")],
                                    default="2.0")
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    # The platform's own pages record statements under one built-in client per installation.
    is_platform = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords(excluded_fields=["secret_digest", "last_used"])

    class Meta:
        rules_permissions = perms.lrs_client_permissions
        ordering = ["name"]
        verbose_name = _("LRS client")
        verbose_name_plural = _("LRS clients")

    def __str__(self) -> str:
        return self.name


class Statement(models.Model):
    statement_id = models.UUIDField(unique=True)
    payload = models.JSONField()
    stored = models.DateTimeField(db_index=True)
    timestamp = models.DateTimeField()
    verb = models.CharField(max_length=IRI_LENGTH)
    # StatementRef objects name their target here: voiding and the query rule that returns a
    # statement referring to a match.
    ref_target = models.UUIDField(null=True, blank=True, db_index=True)
    registration = models.UUIDField(null=True, blank=True, db_index=True)
    voided = models.BooleanField(default=False)
    is_voiding = models.BooleanField(default=False)
    client = models.ForeignKey(LrsClient, on_delete=models.PROTECT, related_name="statements")
    attachment_hashes = models.JSONField(default=list, blank=True)
    # For learning records and usage: the actor's identifier and what the statement measured.
    actor_ifi = models.CharField(max_length=IRI_LENGTH + 100, db_index=True)
    object_activity = models.CharField(max_length=IRI_LENGTH, blank=True, db_index=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    completion = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-stored", "-id"]
        indexes = [models.Index(fields=["verb", "stored"], name="lrs_stmt_verb_stored")]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementAgent(models.Model):
    """An Agent or identified Group a statement relates to. ``direct``: actor or object."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="agents")
    ifi = models.CharField(max_length=IRI_LENGTH + 100)
    direct = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["ifi", "direct", "statement"], name="lrs_agent_ifi")]

    def __str__(self) -> str:
        return self.ifi


class StatementActivity(models.Model):
    """An Activity a statement names. ``direct``: its object."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="activities")
    activity_id = models.CharField(max_length=IRI_LENGTH)
    direct = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["activity_id", "direct", "statement"], name="lrs_activity_iri")]

    def __str__(self) -> str:
        return self.activity_id


class Attachment(models.Model):
    """Raw attachment content, stored once per SHA-256 however many statements carry it."""

    sha2 = models.CharField(max_length=128, unique=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    length = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """An Activity's canonical definition, merged from the statements that carried it."""

    activity_id = models.CharField(max_length=IRI_LENGTH, unique=True)
    definition = models.JSONField(default=dict, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document. Empty strings stand for the keys a
    kind does not use, so one unique constraint covers all three."""

    class Kind(models.TextChoices):
        STATE = "state", "state"
        ACTIVITY_PROFILE = "activity_profile", "activity profile"
        AGENT_PROFILE = "agent_profile", "agent profile"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    activity_id = models.CharField(max_length=IRI_LENGTH, blank=True)
    agent_ifi = models.CharField(max_length=IRI_LENGTH + 100, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    document_id = models.CharField(max_length=IRI_LENGTH)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "activity_id", "agent_ifi", "registration",
                                                       "document_id"], name="lrs_document_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


# ------------------------------------------------------------------------------------- catalogue
class Resource(RulesModelMixin, models.Model, metaclass=RulesModelBase):
    """A teaching resource: a course or one of its modules, a textbook, a video, a virtual
    simulation, a teaching or curriculum standard, an assessment. Title and description are stored
    in the four interface languages (those it exists in); ``content_languages`` says which languages
    the content itself is in."""

    class Kind(models.TextChoices):
        COURSE = "course", _("course")
        MODULE = "module", _("course module")
        TEXTBOOK = "textbook", _("textbook")
        VIDEO = "video", _("video")
        SIMULATION = "simulation", _("virtual simulation")
        TEACHING_STANDARD = "teaching_standard", _("teaching standard")
        CURRICULUM_STANDARD = "curriculum_standard", _("curriculum standard")
        ASSESSMENT = "assessment", _("assessment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Licence(models.TextChoices):
        CC_BY = "CC-BY-4.0", "CC BY 4.0"
        CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
        CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
        CC_BY_NC_SA = "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"
        CC_BY_ND = "CC-BY-ND-4.0", "CC BY-ND 4.0"
        CC0 = "CC0-1.0", "CC0 1.0"
        RESERVED = "reserved", _("all rights reserved")

    external_key = models.CharField(_("external key"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    content_languages = models.ManyToManyField("core.Language", related_name="+",
                                               verbose_name=_("languages of the content"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="resources",
                                    verbose_name=_("owning institution"))
    partner_institutions = models.ManyToManyField(
        "registry.Institution", blank=True, related_name="coauthored_resources",
        verbose_name=_("co-authoring institutions"), help_text=_("Partners across borders who wrote it too."))
    authors = models.CharField(_("authors"), max_length=400, blank=True)
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY)
    isced_level = models.PositiveSmallIntegerField(_("ISCED level"), null=True, blank=True,
                                                   choices=[(i, f"ISCED {i}") for i in range(2, 8)])
    framework_level = models.CharField(_("qualification framework level"), max_length=60, blank=True,
                                       help_text=_("For example NQF Kazakhstan level 4."))
    field = models.ForeignKey("core.FieldOfStudy", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("field"))
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="parts",
                               verbose_name=_("part of"))
    occupations = models.ManyToManyField("taxonomy.Occupation", through="ResourceOccupation", blank=True,
                                         related_name="resources", verbose_name=_("occupations"))
    skills = models.ManyToManyField("taxonomy.Skill", through="ResourceSkill", blank=True,
                                    related_name="resources", verbose_name=_("skills"))
    programmes = models.ManyToManyField("registry.Programme", blank=True, related_name="resources",
                                        verbose_name=_("programmes using it"))
    projects = models.ManyToManyField("registry.CooperationProject", blank=True, related_name="resources",
                                      verbose_name=_("projects using it"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to="library/%Y/%m/", blank=True)
    hours = models.DecimalField(_("study hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.ForeignKey("core.Source", on_delete=models.PROTECT, null=True, blank=True,
                               verbose_name=_("source"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    # What search matches: the titles and descriptions in every language and the labels of the
    # resource's confirmed occupations and skills in every language, as normalised tokens
    # (engine.search.index_tokens). Rewritten whenever any of them changes.
    search_tokens = models.TextField(editable=False, blank=True)
    history = HistoricalRecords(excluded_fields=["search_tokens"], m2m_fields=[content_languages])

    class Meta:
        ordering = ["title"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        rules_permissions = perms.resource_permissions
        indexes = [models.Index(fields=["status", "kind"], name="lib_res_status_kind")]

    def __str__(self) -> str:
        return self.title

    def owner_institution_ids(self) -> set[int]:
        ids = {self.institution_id}
        if self.pk:
            ids |= set(self.partner_institutions.values_list("pk", flat=True))
        return ids

    @property
    def activity_iri(self) -> str:
        """The xAPI Activity id of this resource: statements about it name this IRI."""
        return f"{settings.LRS_ACTIVITY_BASE.rstrip('/')}/{self.external_key}"


class ResourceSkill(models.Model):
    """An ESCO skill a resource teaches: proposed by the coder, confirmed by the owner."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey("taxonomy.Skill", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("coder score"), null=True, blank=True)
    confirmed = models.BooleanField(_("confirmed by the owner"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "skill"], name="uniq_resource_skill")]

    def __str__(self) -> str:
        return f"{self.resource_id}→{self.skill_id}"


class ResourceOccupation(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="occupation_links")
    occupation = models.ForeignKey("taxonomy.Occupation", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("coder score"), null=True, blank=True)
    confirmed = models.BooleanField(_("confirmed by the owner"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "occupation"], name="uniq_resource_occupation")]

    def __str__(self) -> str:
        return f"{self.resource_id}→{self.occupation_id}"


# --------------------------------------------------------------------------------- learning records
class Learner(models.Model):
    """The xAPI identity of a platform trainee: an account on this platform whose name is a keyed
    hash, so statements (and clients that read them) never carry the trainee's identity."""

    trainee = models.OneToOneField("outcomes.Trainee", on_delete=models.CASCADE, related_name="learner")
    account_name = models.CharField(max_length=40, unique=True)
    ifi = models.CharField(max_length=IRI_LENGTH + 100, unique=True)

    def __str__(self) -> str:
        return self.account_name


class EnrolmentRecord(models.Model):
    """The learning progress of an enrolment as derived from its statements: the figures written into
    outcomes' LearningProgress, and which progress row holds them, so that a recomputation updates
    that row instead of adding one per statement."""

    enrolment = models.OneToOneField("outcomes.Enrolment", on_delete=models.CASCADE, related_name="learning_record")
    progress = models.ForeignKey("outcomes.LearningProgress", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    seconds = models.FloatField(default=0)
    modules_completed = models.PositiveIntegerField(default=0)
    statements = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.seconds / 3600:.1f} h"
