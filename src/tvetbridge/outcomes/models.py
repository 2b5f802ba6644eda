# Over 500 lines: the app's models, in one module by Django's convention (a models package would scatter them).
"""Trainee records and what became of them: enrolment, learning, credentials, jobs and income;
plus the project targets, price tables, quality flags and cached impact estimates built on them.

Personal data rules live here as invariants: the identity number exists only as a keyed hash
(``identity.py``), and who may read incomes or hashes is decided by ``rules.py`` and applied by
``queries.py`` and the API schemas.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.audit import audited
from tvetbridge.core.models import CURRENCIES, CURRENCY_CODES, Country, Language, Record, Region, Source
from tvetbridge.core.validators import (
    ISCED_LEVEL_MESSAGE,
    employment_before_enrolment,
    validate_birth_year,
    validate_consent_date,
    validate_month_not_future,
    validate_monthly_amount,
    validate_not_future,
)

from . import rules as perms


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("not stated")


class Isced(models.IntegerChoices):
    L0 = 0, _("ISCED 0 — early childhood / none")
    L1 = 1, _("ISCED 1 — primary")
    L2 = 2, _("ISCED 2 — lower secondary")
    L3 = 3, _("ISCED 3 — upper secondary")
    L4 = 4, _("ISCED 4 — post-secondary non-tertiary")
    L5 = 5, _("ISCED 5 — short-cycle tertiary")
    L6 = 6, _("ISCED 6 — bachelor or equivalent")
    L7 = 7, _("ISCED 7 — master or equivalent")
    L8 = 8, _("ISCED 8 — doctoral")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("employed")
    SELF_EMPLOYED = "self_employed", _("self-employed")
    UNEMPLOYED = "unemployed", _("unemployed")
    STUDENT = "student", _("in education")
    INACTIVE = "inactive", _("not in the labour force")


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError(_("“%(code)s” is not a known currency; use one of %(codes)s."),
                              params={"code": value, "codes": ", ".join(sorted(CURRENCY_CODES))},
                              code="unknown_currency")


class Trainee(Record):
    """A person followed from application to income. No name and no clear identity number."""

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    identity_hash = models.CharField(_("identity hash"), max_length=64, unique=True, null=True, blank=True,
                                     editable=False,
                                     help_text=_("Keyed hash (HMAC-SHA256) of the national identity number."))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="trainees", verbose_name=_("registering institution"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True,
                                                  validators=[validate_birth_year])
    home_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="trainees", verbose_name=_("home region or county"))
    prior_education = models.PositiveSmallIntegerField(_("prior education"), choices=Isced.choices,
                                                       null=True, blank=True,
                                                       error_messages={"invalid_choice": ISCED_LEVEL_MESSAGE})
    baseline_employment = models.CharField(_("employment before training"), max_length=20,
                                           choices=EmploymentStatus.choices, blank=True)
    baseline_income = models.DecimalField(_("monthly income before training"), max_digits=14,
                                          decimal_places=2, null=True, blank=True,
                                          validators=[validate_monthly_amount])
    baseline_currency = models.CharField(_("currency of that income"), max_length=3, choices=CURRENCIES,
                                         blank=True, validators=[validate_currency])
    languages = models.ManyToManyField(Language, blank=True, related_name="trainees",
                                       verbose_name=_("languages"))
    consent_matching = models.BooleanField(_("consents to job matching"), default=False,
                                           help_text=_("Enterprises may see this person as a candidate."))
    consent_follow_up = models.BooleanField(_("consents to follow-up"), default=False,
                                            help_text=_("Employment and income may be collected after training."))
    consent_date = models.DateField(_("consent recorded on"), null=True, blank=True,
                                    validators=[validate_consent_date])
    # Job matching: where the person would work. Home region always; plus the listed regions, or
    # anywhere when willing to move and no region is listed.
    willing_to_relocate = models.BooleanField(
        _("willing to move for work"), default=False,
        help_text=_("Without regions listed: anywhere. With regions: only those (and home)."))
    relocation_regions = models.ManyToManyField(Region, blank=True, related_name="+",
                                                verbose_name=_("would move to"))
    # The trainee's own account (role "trainee"): they see their own vacancy matches, nothing else.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="trainee", verbose_name=_("user account"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["identity_hash", "user"])

    class Meta:
        ordering = ["external_key"]
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        rules_permissions = perms.trainee_permissions

    def __str__(self) -> str:
        return self.external_key

    def clean(self) -> None:
        errors = {}
        if self.baseline_income is not None and not self.baseline_currency:
            errors["baseline_currency"] = _("Give the currency of the income.")
        if (self.consent_matching or self.consent_follow_up) and self.consent_date is None:
            errors["consent_date"] = _("Record the date consent was given.")
        if errors:
            raise ValidationError(errors)

    def owner_institution_ids(self) -> set[int]:
        """Institutions whose staff may see and edit this trainee: the registering one and those
        running a project or programme the trainee applied to."""
        ids = {self.institution_id} if self.institution_id else set()
        if self.pk is None:
            return ids
        from tvetbridge.registry.models import CooperationProject

        enrolments = Enrolment.objects.filter(trainee=self)
        ids |= set(enrolments.exclude(programme=None).values_list("programme__institution_id", flat=True))
        project_ids = enrolments.exclude(project=None).values_list("project_id", flat=True)
        through = CooperationProject.partner_institutions.through.objects.filter(
            cooperationproject_id__in=project_ids)
        ids |= set(through.values_list("institution_id", flat=True))
        through = CooperationProject.chinese_institutions.through.objects.filter(
            cooperationproject_id__in=project_ids)
        ids |= set(through.values_list("institution_id", flat=True))
        return ids


class Enrolment(Record):
    """A trainee's place in a project or programme. An applicant who was not admitted keeps an
    ``applied`` record: applicants are the platform's own comparison group."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied, not enrolled")
        ENROLLED = "enrolled", _("enrolled")
        COMPLETED = "completed", _("completed")
        DROPPED = "dropped", _("dropped out")

    external_key = models.CharField(_("external key"), max_length=100, unique=True)
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="enrolments",
                                verbose_name=_("trainee"))
    project = models.ForeignKey("registry.CooperationProject", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="enrolments", verbose_name=_("project"))
    programme = models.ForeignKey("registry.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="enrolments", verbose_name=_("programme"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    start_date = models.DateField(_("start date"), help_text=_("For applicants: the date of application."))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # The taxonomy app's Occupation is not linked yet; ISCO-08 / ESCO codes travel as strings.
    occupation_code = models.CharField(_("occupation trained for"), max_length=30, blank=True,
                                       help_text=_("ISCO-08 unit group or ESCO code."))
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        rules_permissions = perms.trainee_child_permissions
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["programme", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(project__isnull=False) | models.Q(programme__isnull=False),
                                   name="enrolment_has_project_or_programme"),
            models.CheckConstraint(condition=models.Q(end_date__isnull=True)
                                   | models.Q(end_date__gte=models.F("start_date")),
                                   name="enrolment_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.project or self.programme}"

    def clean(self) -> None:
        errors = {}
        if self.project_id is None and self.programme_id is None:
            errors["project"] = _("Give the project or the programme.")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        elif self.status == self.Status.COMPLETED and not self.end_date:
            errors["end_date"] = _("A completed enrolment needs its end date.")
        if errors:
            raise ValidationError(errors)

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()


class LearningProgress(Record):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress",
                                  verbose_name=_("enrolment"))
    as_of = models.DateField(_("as of"), validators=[validate_not_future])
    hours = models.DecimalField(_("hours of learning"), max_digits=7, decimal_places=1,
                                validators=[MinValueValidator(0)])
    modules_completed = models.PositiveSmallIntegerField(_("modules completed"), default=0)
    modules_total = models.PositiveSmallIntegerField(_("modules in the course"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("learning progress")
        verbose_name_plural = _("learning progress")
        rules_permissions = perms.trainee_child_permissions

    def __str__(self) -> str:
        return f"{self.enrolment} {self.as_of}"

    def owner_institution_ids(self) -> set[int]:
        return self.enrolment.trainee.owner_institution_ids()


class Assessment(Record):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessments",
                                  verbose_name=_("enrolment"))
    name = models.CharField(_("assessment"), max_length=200)
    date = models.DateField(_("date"), validators=[validate_not_future])
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        rules_permissions = perms.trainee_child_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return self.enrolment.trainee.owner_institution_ids()


class Credential(Record):
    class Kind(models.TextChoices):
        SKILL = "skill", _("skill certificate")
        QUALIFICATION = "qualification", _("vocational qualification")
        DIPLOMA = "diploma", _("diploma")
        LANGUAGE = "language", _("language level")

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="credentials",
                                verbose_name=_("trainee"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="credentials", verbose_name=_("earned in"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=30, blank=True, help_text=_("For example HSK 4, B2, level 3."))
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    awarded = models.DateField(_("awarded on"), validators=[validate_not_future])
    history = HistoricalRecords()

    class Meta:
        ordering = ["-awarded"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        rules_permissions = perms.trainee_child_permissions

    def __str__(self) -> str:
        return f"{self.name} {self.level}".strip()

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()


class TraineeSkill(Record):
    """An ESCO skill a trainee holds, with how strongly and on what evidence. Job matching reads
    these (weight = the skill's weight in the trainee's skill vector)."""

    class Source(models.TextChoices):
        CREDENTIAL = "credential", _("certified by a credential")
        PROGRAMME = "programme", _("taught in the programme or project completed")
        ASSESSMENT = "assessment", _("assessed")
        DECLARED = "declared", _("declared by the trainee")

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="skills",
                                verbose_name=_("trainee"))
    skill = models.ForeignKey("taxonomy.Skill", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("skill"))
    weight = models.FloatField(_("weight"), default=1.0,
                               validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
                               help_text=_("1 = fully mastered or certified; lower for partial or declared."))
    source = models.CharField(_("evidence"), max_length=12, choices=Source.choices, default=Source.PROGRAMME)
    credential = models.ForeignKey(Credential, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="skills", verbose_name=_("certified by"))

    class Meta:
        ordering = ["trainee", "-weight"]
        verbose_name = _("trainee skill")
        verbose_name_plural = _("trainee skills")
        rules_permissions = perms.trainee_child_permissions
        constraints = [
            models.UniqueConstraint(fields=["trainee", "skill"], name="uniq_trainee_skill"),
            models.CheckConstraint(condition=models.Q(weight__gte=0) & models.Q(weight__lte=1),
                                   name="trainee_skill_weight_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.skill_id}"

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()


class Employment(Record):
    external_key = models.CharField(_("external key"), max_length=100, unique=True)
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("trainee"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="jobs", verbose_name=_("after enrolment"))
    employer = models.ForeignKey("registry.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="employees", verbose_name=_("employer"))
    employer_name = models.CharField(_("employer name"), max_length=300, blank=True)
    occupation_code = models.CharField(_("occupation"), max_length=30, blank=True,
                                       help_text=_("ISCO-08 unit group or ESCO code."))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("region"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    formal = models.BooleanField(_("formal employment"), default=True,
                                 help_text=_("Registered job with a contract and social contributions."))
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("employment")
        verbose_name_plural = _("employment")
        rules_permissions = perms.trainee_child_permissions
        indexes = [models.Index(fields=["trainee", "start_date"])]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.employer or self.employer_name}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        if errors := Region.outside_country(self, "region", "country"):
            raise ValidationError(errors)
        error = employment_before_enrolment(self.start_date,
                                            reference_enrolment_start(self.trainee_id, self.enrolment_id))
        if error is not None:
            raise error

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()


def reference_enrolment_start(trainee_id, enrolment_id):
    """The start an employment must not precede: its own enrolment's, else the trainee's first."""
    if enrolment_id:
        return Enrolment.objects.filter(pk=enrolment_id).values_list("start_date", flat=True).first()
    if trainee_id:
        return (Enrolment.objects.filter(trainee_id=trainee_id).order_by("start_date")
                .values_list("start_date", flat=True).first())
    return None


class ImportBatch(models.Model):
    """One bulk file load. Income files of a million rows are audited per file, not per row."""

    kind = models.CharField(_("kind"), max_length=20)
    filename = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(_("file checksum"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("imported by"))
    created = models.DateTimeField(_("imported at"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    inserted = models.PositiveIntegerField(_("rows added"), default=0)
    updated = models.PositiveIntegerField(_("rows changed"), default=0)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.created:%Y-%m-%d})"


@audited
class IncomeObservation(Record):
    class Source(models.TextChoices):
        PAYROLL = "payroll", _("payroll")
        TAX = "tax", _("tax record")
        SURVEY = "survey", _("survey")
        SELF_REPORT = "self_report", _("self-report")

    # No database constraints on these two links, deliberately (issue 4). Income files are a million
    # rows; a DEFERRABLE foreign key re-checks every row at commit, which cost more than the load itself.
    # Integrity is kept by the code that writes: ``io.incomes.bulk_load_incomes`` resolves every trainee
    # key itself (unknown keys are row errors) and, in the writing transaction, locks those trainees
    # (FOR KEY SHARE, what the FK trigger would take row by row) and rejects the file if one vanished;
    # ORM deletes still cascade (on_delete is applied by Django, not the database). The trainee index
    # is dropped too: the unique (trainee, period, source) index starts with trainee and serves it.
    # Do not delete trainees with raw SQL: their incomes would stay behind.
    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="incomes",
                                verbose_name=_("trainee"), db_constraint=False, db_index=False)
    period = models.DateField(_("month"), help_text=_("The first day of the month the income is for."),
                              validators=[validate_month_not_future])
    amount = models.DecimalField(_("monthly amount"), max_digits=14, decimal_places=2,
                                 validators=[validate_monthly_amount])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, validators=[validate_currency])
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    verified = models.BooleanField(_("verified"), default=False)
    # Informational audit link (which file last wrote the row), set only by the importer right after it
    # creates the batch in the same transaction. Not indexed: every load would maintain an index entry
    # per row for a column nothing looks incomes up by, except the rare deletion of a batch.
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("import batch"), db_constraint=False, db_index=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    # Every correction keeps the old value, who, when and why (services.record_income; files: bulk_import).
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        ordering = ["trainee", "period"]
        verbose_name = _("income observation")
        verbose_name_plural = _("income observations")
        rules_permissions = perms.income_permissions
        constraints = [
            models.UniqueConstraint(fields=["trainee", "period", "source"], name="uniq_income_trainee_period_source"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} {self.period:%Y-%m}"

    def clean(self) -> None:
        if self.period and self.period.day != 1:
            self.period = self.period.replace(day=1)

    def owner_institution_ids(self) -> set[int]:
        return self.trainee.owner_institution_ids()


@audited
class CpiIndex(models.Model):
    """Annual consumer-price inflation of a country; chained into an index by ``money.py``."""

    # A code, not a foreign key: the table ships with rows (e.g. the US deflator) for countries the
    # registry may not hold.
    country_code = models.CharField(_("country (ISO 3166-1)"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"))
    inflation_pct = models.DecimalField(_("inflation (%, annual average)"), max_digits=9, decimal_places=4)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["country_code", "year"]
        constraints = [models.UniqueConstraint(fields=["country_code", "year"], name="uniq_cpi_country_year")]
        verbose_name = _("consumer price inflation")
        verbose_name_plural = _("consumer price inflation")

    def __str__(self) -> str:
        return f"{self.country_code} {self.year}: {self.inflation_pct}%"


@audited
class ProjectTarget(Record):
    """A results target of a project for one county/region (or the whole project when blank)."""

    class Indicator(models.TextChoices):
        TRAINEES = "trainees", _("trainees enrolled")
        COMPLETION = "completion", _("completion rate (%)")
        EMPLOYMENT_6M = "employment_6m", _("employed within 6 months (%)")
        INCOME_GAIN = "income_gain", _("median real monthly income gain")

    project = models.ForeignKey("registry.CooperationProject", on_delete=models.CASCADE, related_name="targets",
                                verbose_name=_("project"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("county or region"),
                               help_text=_("Trainees are counted by home region; blank = the whole project."))
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2,
                                validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency of an income target"), max_length=3, choices=CURRENCIES, blank=True,
                                help_text=_("Income targets are in real terms at the base year."))
    base_year = models.PositiveSmallIntegerField(_("price base year"), null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True, help_text=_("Blank: the project's end date."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "region", "indicator"]
        verbose_name = _("project target")
        verbose_name_plural = _("project targets")
        rules_permissions = perms.target_permissions
        constraints = [models.UniqueConstraint(fields=["project", "region", "indicator"],
                                               name="uniq_target_project_region_indicator")]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.value}"

    def clean(self) -> None:
        if self.indicator == self.Indicator.INCOME_GAIN and not self.currency:
            raise ValidationError({"currency": _("Give the currency of the income target.")})
        if self.indicator in (self.Indicator.COMPLETION, self.Indicator.EMPLOYMENT_6M) and self.value > 100:
            raise ValidationError({"value": _("A rate cannot exceed 100%.")})
        if self.region_id and self.project_id and self.region.country_id != self.project.host_country_id:
            raise ValidationError({"region": _("This region is not in the project's host country.")})

    def owner_institution_ids(self) -> set[int]:
        return self.project.owner_institution_ids()


class QualityFlag(Record):
    """A rule found something wrong with a project's results; coordinators review and resolve it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REVIEWING = "reviewing", _("under review")
        RESOLVED = "resolved", _("resolved")
        DISMISSED = "dismissed", _("dismissed")

    project = models.ForeignKey("registry.CooperationProject", on_delete=models.CASCADE, related_name="flags",
                                verbose_name=_("project"))
    rule = models.CharField(_("rule"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Facts only (numbers, codes, ids); the sentence is worded for the reader (``summary``).
    evidence = models.JSONField(_("evidence"), default=dict)
    data_version = models.CharField(_("data version"), max_length=64, blank=True)
    raised = models.DateTimeField(_("raised"), auto_now_add=True)
    last_checked = models.DateTimeField(_("last checked"), auto_now=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-raised"]
        verbose_name = _("quality flag")
        verbose_name_plural = _("quality flags")
        rules_permissions = perms.flag_permissions
        indexes = [models.Index(fields=["project", "rule", "status"])]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        """The flag's sentence in the active language, from its rule and evidence."""
        from .flag_evidence import summary

        return summary(self.rule, self.evidence)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.REVIEWING)

    def owner_institution_ids(self) -> set[int]:
        return self.project.owner_institution_ids()


class FlagComment(models.Model):
    flag = models.ForeignKey(QualityFlag, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                               verbose_name=_("author"))
    text = models.TextField(_("comment"))
    status_to = models.CharField(_("status set to"), max_length=10, choices=QualityFlag.Status.choices, blank=True)
    created = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]


class ImpactResult(models.Model):
    """A computed impact analysis, kept until the project's data or the price tables change."""

    project = models.ForeignKey("registry.CooperationProject", on_delete=models.CASCADE,
                                related_name="impact_results")
    key = models.CharField(max_length=64, help_text="Hash of the data version and the analysis options.")
    computed = models.DateTimeField(auto_now=True)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="uniq_impact_project_key")]
        verbose_name = _("impact result")
        verbose_name_plural = _("impact results")

    def __str__(self) -> str:
        return f"{self.project_id} {self.key[:8]}"
