# Over 500 lines: the app's models, in one module by Django's convention (a models package would scatter them).
"""Governance of cooperation: agreements with their continuity clauses, and the approval and
supervision of operations run abroad (application, exit plan, assets, supervision reports).

Models hold data and invariants only; every change goes through ``governance.services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import CURRENCIES, Country, Record
from tvetbridge.registry.models import CooperationProject, Institution

from . import rules as perms

DOCUMENT_LANGUAGES = [("en", _("English")), ("zh-hans", _("Chinese")), ("ru", _("Russian")), ("kk", _("Kazakh")),
                      ("uz", _("Uzbek")), ("tg", _("Tajik")), ("ky", _("Kyrgyz")), ("tk", _("Turkmen"))]


class Agreement(Record):
    class Level(models.TextChoices):
        INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental")
        MINISTERIAL = "ministerial", _("ministerial")
        ALLIANCE = "alliance", _("alliance")
        INSTITUTIONAL = "institutional", _("institutional")

    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("memorandum of understanding")
        FRAMEWORK = "framework", _("framework agreement")
        ORDER_TRAINING = "order_training", _("order-based training contract")
        CREDIT_TRANSFER = "credit_transfer", _("credit-transfer agreement")
        RECOGNITION = "recognition", _("recognition agreement")
        OTHER = "other", _("other agreement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        TERMINATED = "terminated", _("terminated")

    class Renewal(models.TextChoices):
        NONE = "none", _("ends at term")
        AUTOMATIC = "automatic", _("renews automatically unless notice is given")
        BY_AGREEMENT = "by_agreement", _("renewed by a new decision of the parties")

    # The key a file or another system knows the agreement by; imports match rows on it.
    external_key = models.CharField(_("external key"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    institutions = models.ManyToManyField(Institution, blank=True, related_name="agreements",
                                          verbose_name=_("institutional parties"))
    other_parties = models.CharField(_("other parties"), max_length=500, blank=True,
                                     help_text=_("Governments, ministries or alliances that are parties, "
                                                 "separated by semicolons."))
    countries = models.ManyToManyField(Country, blank=True, related_name="agreements", verbose_name=_("countries"))
    projects = models.ManyToManyField(CooperationProject, blank=True, related_name="agreements",
                                      verbose_name=_("projects covered"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True,
                                  help_text=_("Leave empty for an agreement without a fixed term."))
    renewal = models.CharField(_("renewal"), max_length=20, choices=Renewal.choices, default=Renewal.NONE)
    renewal_notice_days = models.PositiveIntegerField(
        _("notice before renewal (days)"), default=90,
        help_text=_("How long before expiry the parties must decide on renewal or give notice."))
    confidential = models.BooleanField(_("confidential"), default=False,
                                       help_text=_("A confidential agreement is not listed publicly even when signed."))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[institutions, projects])

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        rules_permissions = perms.agreement_permissions
        indexes = [models.Index(fields=["status", "expires_on"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(expires_on__isnull=True) | models.Q(effective_from__isnull=True)
            | models.Q(expires_on__gt=models.F("effective_from")), name="agreement_term_ordered")]

    def __str__(self) -> str:
        return self.title

    def owner_institution_ids(self) -> set[int]:
        if self.pk is None:
            return set()
        return set(self.institutions.values_list("pk", flat=True))

    def in_force(self, on: dt.date | None = None) -> bool:
        on = on or dt.date.today()
        return (self.status == self.Status.SIGNED and (self.effective_from is None or self.effective_from <= on)
                and (self.expires_on is None or self.expires_on >= on))

    def party_names(self) -> list[str]:
        names = [str(i) for i in self.institutions.all()]
        names += [p.strip() for p in self.other_parties.split(";") if p.strip()]
        return names


class Signatory(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories",
                                  verbose_name=_("agreement"))
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "pk"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class ContinuityClause(Record):
    """What keeps an agreement's projects going when a government or its policy changes."""

    class Kind(models.TextChoices):
        NOTICE = "notice_period", _("notice period")
        STEP_IN = "step_in", _("step-in right")
        STUDENT_TRANSFER = "student_transfer", _("transfer of students")
        GUARANTEE = "guarantee", _("guarantee")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="clauses",
                                  verbose_name=_("agreement"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("article"), max_length=40, blank=True, help_text=_("e.g. Art. 12.3"))
    text = models.TextField(_("what the clause provides"))
    notice_days = models.PositiveIntegerField(_("notice (days)"), null=True, blank=True,
                                              validators=[MinValueValidator(1)])
    guarantor = models.CharField(_("guarantor"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "kind", "pk"]
        verbose_name = _("continuity clause")
        verbose_name_plural = _("continuity clauses")
        rules_permissions = perms.clause_permissions

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}".strip()

    def owner_institution_ids(self) -> set[int]:
        return self.agreement.owner_institution_ids()


class Document(Record):
    """A file kept for a governance record; the type and size limits are checked in the services
    before anything is written."""

    language = models.CharField(_("language"), max_length=8, choices=DOCUMENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="governance/%Y/%m/")
    content_type = models.CharField(_("file type"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)
    uploaded = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class AgreementDocument(Document):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents",
                                  verbose_name=_("agreement"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "language", "pk"]
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        rules_permissions = perms.document_permissions

    def owner_institution_ids(self) -> set[int]:
        return self.agreement.owner_institution_ids()


# ---------------------------------------------------------------------------------------------------
# Overseas operations


class OverseasOperation(Record):
    """An institution's application to run a project abroad and, once approved, the operation itself."""

    class Kind(models.TextChoices):
        LUBAN_WORKSHOP = "luban_workshop", _("Luban Workshop")
        CAMPUS = "overseas_campus", _("overseas campus")
        TEACHING_BASE = "teaching_base", _("teaching base")
        TRAINING_CENTRE = "training_centre", _("training centre")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned for changes")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        SUSPENDED = "suspended", _("suspended")
        EXITING = "exiting", _("exit under way")
        CLOSED = "closed", _("closed")

    OPEN = (Status.DRAFT, Status.RETURNED)
    ENDED = (Status.REJECTED, Status.WITHDRAWN, Status.CLOSED)

    project = models.ForeignKey(CooperationProject, on_delete=models.PROTECT, related_name="overseas_operations",
                                verbose_name=_("project"))
    operator = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="overseas_operations",
                                 verbose_name=_("operator"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    host_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="overseas_operations",
                                     verbose_name=_("host country"), editable=False)
    site = models.CharField(_("site"), max_length=300, help_text=_("Host institution and town."))
    qualifications = models.TextField(_("operator's qualifications"),
                                      help_text=_("Licences, accreditation and experience that qualify the "
                                                  "operator to run this abroad."))
    teachers_dispatched = models.PositiveIntegerField(_("teachers dispatched"), default=0)
    students_planned = models.PositiveIntegerField(_("students planned"), default=0)
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decision_note = models.TextField(_("decision note"), blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("overseas operation")
        verbose_name_plural = _("overseas operations")
        rules_permissions = perms.operation_permissions
        indexes = [models.Index(fields=["status", "host_country"])]

    def __str__(self) -> str:
        return f"{self.project} — {self.operator}"

    def owner_institution_ids(self) -> set[int]:
        return {self.operator_id} if self.operator_id else set()

    def application_open(self) -> bool:
        return self.status in self.OPEN

    def is_live(self) -> bool:
        return self.status not in self.ENDED


class ExitPlan(Record):
    """How an operation ends in order: students finish or move, teachers come home, assets are
    disposed of. It must exist before approval; a coordinator triggers it from an alert or a decision."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        TRIGGERED = "triggered", _("triggered")
        COMPLETED = "completed", _("completed")

    operation = models.OneToOneField(OverseasOperation, on_delete=models.CASCADE, related_name="exit_plan",
                                     verbose_name=_("operation"))
    students = models.TextField(_("students: completion or transfer"))
    receiving_institution = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                              related_name="+", verbose_name=_("institution receiving students"))
    teachers = models.TextField(_("teachers' return"))
    assets = models.TextField(_("disposal of assets"))
    notice_days = models.PositiveIntegerField(_("days needed to wind down"), default=90)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED,
                              editable=False)
    triggered_at = models.DateTimeField(_("triggered"), null=True, blank=True, editable=False)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", editable=False, verbose_name=_("triggered by"))
    trigger_alert = models.ForeignKey("risk.Alert", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="exit_plans", editable=False, verbose_name=_("risk alert"))
    trigger_reason = models.TextField(_("reason"), blank=True, editable=False)
    progress_note = models.TextField(_("progress"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exit plan")
        verbose_name_plural = _("exit plans")
        rules_permissions = perms.exit_plan_permissions

    def __str__(self) -> str:
        return str(self.operation)

    def owner_institution_ids(self) -> set[int]:
        return self.operation.owner_institution_ids()

    def application_open(self) -> bool:
        return self.operation.application_open()

    def is_live(self) -> bool:
        return self.operation.is_live()


class OperationDocument(Document):
    class Kind(models.TextChoices):
        LICENCE = "licence", _("licence or accreditation")
        HOST_CONSENT = "host_consent", _("host authority's consent")
        CONTRACT = "contract", _("contract with the host")
        OTHER = "other", _("other")

    operation = models.ForeignKey(OverseasOperation, on_delete=models.CASCADE, related_name="documents",
                                  verbose_name=_("operation"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    history = HistoricalRecords()

    class Meta:
        ordering = ["operation", "kind", "pk"]
        verbose_name = _("operation document")
        verbose_name_plural = _("operation documents")
        rules_permissions = perms.operation_child_permissions

    def owner_institution_ids(self) -> set[int]:
        return self.operation.owner_institution_ids()

    def is_live(self) -> bool:
        return self.operation.is_live()


class Asset(Record):
    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", _("equipment")
        PREMISES = "premises", _("premises")
        FUNDS = "funds", _("funds placed abroad")
        OTHER = "other", _("other")

    # The key the operator's own inventory knows the asset by; imports match rows on it.
    external_key = models.CharField(_("external key"), max_length=100, unique=True, null=True, blank=True)
    operation = models.ForeignKey(OverseasOperation, on_delete=models.CASCADE, related_name="assets",
                                  verbose_name=_("operation"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    custodian = models.CharField(_("custodian"), max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    ledger_reference = models.CharField(_("ledger entry"), max_length=100, blank=True,
                                        help_text=_("The entry in the fund ledger that records this asset."))
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    disposed_on = models.DateField(_("disposed of on"), null=True, blank=True)
    disposal_note = models.CharField(_("how it was disposed of"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["operation", "kind", "pk"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        rules_permissions = perms.operation_child_permissions
        constraints = [models.CheckConstraint(
            condition=models.Q(disposed_on__isnull=True) | models.Q(acquired_on__isnull=True)
            | models.Q(disposed_on__gte=models.F("acquired_on")), name="asset_disposed_after_acquired")]

    def __str__(self) -> str:
        return self.description

    def owner_institution_ids(self) -> set[int]:
        return self.operation.owner_institution_ids()

    def is_live(self) -> bool:
        return self.operation.is_live()


class SupervisionReport(Record):
    class Rating(models.TextChoices):
        SATISFACTORY = "satisfactory", _("satisfactory")
        CONCERNS = "concerns", _("concerns")
        SERIOUS = "serious", _("serious problems")

    operation = models.ForeignKey(OverseasOperation, on_delete=models.CASCADE, related_name="reports",
                                  verbose_name=_("operation"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    students_enrolled = models.PositiveIntegerField(_("students enrolled"))
    teachers_on_site = models.PositiveIntegerField(_("teachers on site"))
    findings = models.TextField(_("findings"))
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False, verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("review note"), blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["operation", "-period_end"]
        verbose_name = _("supervision report")
        verbose_name_plural = _("supervision reports")
        rules_permissions = perms.report_permissions
        constraints = [models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                              name="supervision_period_ordered")]

    def __str__(self) -> str:
        return f"{self.operation} {self.period_start}–{self.period_end}"

    def owner_institution_ids(self) -> set[int]:
        return self.operation.owner_institution_ids()

    def is_open(self) -> bool:
        return self.reviewed_at is None


# ---------------------------------------------------------------------------------------------------
# Coordination bodies and events


class Committee(Record):
    """A standing body that coordinates cooperation: an alliance's sector committee, a bilateral
    coordination committee, a project's steering committee."""

    class Kind(models.TextChoices):
        ALLIANCE_SECTOR = "alliance_sector", _("alliance sector committee")
        BILATERAL = "bilateral", _("bilateral coordination committee")
        STEERING = "steering", _("steering committee")
        OTHER = "other", _("other body")

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Alliances (and their member pages) are the registry's; a committee only points at one.
    alliance = models.ForeignKey("registry.Alliance", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="governance_committees", verbose_name=_("alliance"))
    countries = models.ManyToManyField(Country, blank=True, related_name="committees", verbose_name=_("countries"))
    mandate = models.TextField(_("mandate"), blank=True)
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(_("dissolved"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    history = HistoricalRecords(m2m_fields=[countries])

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        rules_permissions = perms.committee_permissions
        constraints = [models.CheckConstraint(
            condition=models.Q(dissolved__isnull=True) | models.Q(established__isnull=True)
            | models.Q(dissolved__gte=models.F("established")), name="committee_dates_ordered")]

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        """The member institutions' staff keep the committee's records."""
        if self.pk is None:
            return set()
        return set(self.members.exclude(institution=None).values_list("institution_id", flat=True))


class CommitteeMember(Record):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        VICE_CHAIR = "vice_chair", _("vice-chair")
        SECRETARY = "secretary", _("secretary")
        MEMBER = "member", _("member")
        OBSERVER = "observer", _("observer")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("committee"))
    name = models.CharField(_("name"), max_length=200, help_text=_("The person who sits on the committee."))
    institution = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="committee_seats", verbose_name=_("institution"))
    organisation = models.CharField(_("organisation"), max_length=300, blank=True,
                                    help_text=_("A ministry, enterprise or body that is not a registered institution."))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["committee", "role", "name"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        rules_permissions = perms.committee_child_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return self.committee.owner_institution_ids()


class Event(Record):
    """A meeting, forum, competition or visit that binds the network, with its participants,
    results and decisions."""

    class Kind(models.TextChoices):
        MINISTERIAL = "ministerial_meeting", _("ministerial meeting")
        FORUM = "forum", _("forum")
        COMMITTEE_MEETING = "committee_meeting", _("committee meeting")
        COMPETITION = "skills_competition", _("skills competition")
        EXCHANGE_VISIT = "exchange_visit", _("exchange visit")
        STUDY_TOUR = "study_tour", _("study tour")
        OTHER = "other", _("other event")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    external_key = models.CharField(_("external key"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    committee = models.ForeignKey(Committee, on_delete=models.SET_NULL, null=True, blank=True, related_name="events",
                                  verbose_name=_("committee"))
    alliance = models.ForeignKey("registry.Alliance", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="governance_events", verbose_name=_("alliance"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="governance_events",
                                verbose_name=_("country"))
    city = models.CharField(_("city"), max_length=200, blank=True)
    organiser = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="organised_events", verbose_name=_("organising institution"))
    other_organisers = models.CharField(_("other organisers"), max_length=500, blank=True,
                                        help_text=_("Ministries or bodies that organise it, separated by semicolons."))
    projects = models.ManyToManyField(CooperationProject, blank=True, related_name="governance_events",
                                      verbose_name=_("projects"))
    agreements = models.ManyToManyField(Agreement, blank=True, related_name="events", verbose_name=_("agreements"))
    summary = models.TextField(_("summary"), blank=True)
    outputs = models.TextField(_("outputs"), blank=True,
                               help_text=_("What the event produced: declarations, reports, exhibitions."))
    published = models.BooleanField(_("published"), default=True,
                                    help_text=_("A published event is listed on the public calendar."))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[projects, agreements])

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        rules_permissions = perms.event_permissions
        indexes = [models.Index(fields=["country", "starts_on"])]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="event_dates_ordered")]

    def __str__(self) -> str:
        return self.title

    def owner_institution_ids(self) -> set[int]:
        """The organiser, and for a committee meeting the committee's member institutions."""
        ids = {self.organiser_id} if self.organiser_id else set()
        if self.committee_id:
            ids |= self.committee.owner_institution_ids()
        return ids


class Participant(Record):
    """Someone who took part in an event: a faculty member or a trainee (linked to their records, a
    trainee never by name), or another delegate by name; with their result when there is one."""

    class Role(models.TextChoices):
        DELEGATE = "delegate", _("delegate")
        SPEAKER = "speaker", _("speaker")
        COMPETITOR = "competitor", _("competitor")
        EXPERT = "expert", _("expert")
        JUDGE = "judge", _("judge")
        VISITOR = "visitor", _("visitor")
        OBSERVER = "observer", _("observer")

    class Award(models.TextChoices):
        GOLD = "gold", _("gold medal")
        SILVER = "silver", _("silver medal")
        BRONZE = "bronze", _("bronze medal")
        EXCELLENCE = "excellence", _("medallion for excellence")
        PARTICIPATION = "participation", _("certificate of participation")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants", verbose_name=_("event"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.DELEGATE)
    institution = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="event_participations", verbose_name=_("institution"))
    faculty = models.ForeignKey("registry.FacultyMember", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="event_participations", verbose_name=_("faculty member"))
    trainee = models.ForeignKey("outcomes.Trainee", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="event_participations", verbose_name=_("trainee"))
    name = models.CharField(_("name"), max_length=200, blank=True,
                            help_text=_("Only for a participant who is neither a faculty member nor a trainee."))
    country = models.ForeignKey(Country, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("country"))
    placing = models.PositiveSmallIntegerField(_("placing"), null=True, blank=True, validators=[MinValueValidator(1)])
    award = models.CharField(_("award"), max_length=14, choices=Award.choices, blank=True)
    certificate = models.CharField(_("certificate"), max_length=200, blank=True,
                                   help_text=_("The certificate's title as issued, e.g. the skill and level."))
    # The trainee's credential this result became (outcomes), so it is not fed twice.
    credential = models.OneToOneField("outcomes.Credential", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="event_result", editable=False, verbose_name=_("credential"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["event", "placing", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        rules_permissions = perms.participant_permissions
        constraints = [models.CheckConstraint(condition=models.Q(faculty__isnull=True) | models.Q(trainee__isnull=True),
                                              name="participant_one_person")]

    def __str__(self) -> str:
        if self.faculty_id:
            return str(self.faculty)
        if self.trainee_id:
            return str(self.trainee)
        return self.name

    def owner_institution_ids(self) -> set[int]:
        ids = self.event.owner_institution_ids()
        return ids | {self.institution_id} if self.institution_id else ids

    def has_result(self) -> bool:
        return bool(self.placing or self.award or self.certificate)


class Decision(Record):
    """A decision or resolution taken at a meeting, tied to the projects and agreements it concerns."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("event"))
    reference = models.CharField(_("reference"), max_length=40, blank=True, help_text=_("e.g. Resolution 3"))
    text = models.TextField(_("decision"))
    projects = models.ManyToManyField(CooperationProject, blank=True, related_name="governance_decisions",
                                      verbose_name=_("projects"))
    agreements = models.ManyToManyField(Agreement, blank=True, related_name="decisions",
                                        verbose_name=_("agreements"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[projects, agreements])

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        rules_permissions = perms.event_child_permissions

    def __str__(self) -> str:
        return self.reference or self.text[:60]

    def owner_institution_ids(self) -> set[int]:
        return self.event.owner_institution_ids()


class FollowUpAction(Record):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="actions",
                                 verbose_name=_("decision"))
    description = models.CharField(_("action"), max_length=500)
    responsible = models.ForeignKey(Institution, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="governance_actions", verbose_name=_("responsible institution"))
    responsible_other = models.CharField(_("other responsible party"), max_length=300, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "due_on", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        rules_permissions = perms.action_permissions

    def __str__(self) -> str:
        return self.description

    def owner_institution_ids(self) -> set[int]:
        ids = self.decision.owner_institution_ids()
        return ids | {self.responsible_id} if self.responsible_id else ids
