# Over 500 lines: the app's models, in one module by Django's convention (a models package would scatter them).
"""The shared registry: who teaches what, with which faculty, facilities and partners.

Object-level permissions are declared on each model (``rules_permissions``) and enforced by the
same predicates in pages, API and admin; see ``registry/rules.py``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import CURRENCIES, Country, FieldOfStudy, Language, Record, Region, Source

from . import rules as perms


class RegistryRecord(Record):
    """Common columns: a stable external key for idempotent imports, provenance, synthetic label."""

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False, db_index=True,
                                       help_text=_("Generated demo data, not a real record."))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Qualifier(models.TextChoices):
    EXACT = "", _("exactly")
    APPROX = "approx", _("about")
    MORE_THAN = "more", _("more than")
    LESS_THAN = "less", _("less than")


class PlacedInCountry:
    """An institution or an enterprise: its region is one of its country's, and a list of them names the
    country, to tell two of one name apart."""

    choice_related = ("country",)

    def choice_label(self) -> str:
        return f"{self} · {self.country}"

    def clean(self) -> None:
        super().clean()
        if errors := Region.outside_country(self, "region", "country"):
            raise ValidationError(errors)


class Institution(PlacedInCountry, RegistryRecord):
    class Kind(models.TextChoices):
        VOCATIONAL_SCHOOL = "vocational_school", _("vocational school")
        COLLEGE = "college", _("vocational college")
        TECHNICAL_SCHOOL = "technical_school", _("technical school")
        UNIVERSITY = "university", _("university")
        VOCATIONAL_UNIVERSITY = "vocational_university", _("vocational university")
        ENTERPRISE_CENTRE = "enterprise_centre", _("enterprise training centre")
        CONFUCIUS_INSTITUTE = "confucius_institute", _("Confucius Institute")
        ADULT_CENTRE = "adult_centre", _("adult learning centre")
        RESEARCH = "research", _("research institute")

    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    aliases = models.CharField(_("also known as"), max_length=400, blank=True,
                               help_text=_("Other names the sources use, separated by semicolons."))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="institutions",
                                verbose_name=_("country"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="institutions", verbose_name=_("region"))
    languages = models.ManyToManyField(Language, blank=True, related_name="institutions",
                                       verbose_name=_("languages of instruction"))
    fields = models.ManyToManyField(FieldOfStudy, blank=True, related_name="institutions",
                                    verbose_name=_("fields of strength"))
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["country", "kind"])]
        rules_permissions = perms.institution_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return {self.pk}


class InstitutionChild(RegistryRecord):
    """A record that belongs to one institution and is edited by that institution's staff."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, verbose_name=_("institution"))

    class Meta:
        abstract = True

    def owner_institution_ids(self) -> set[int]:
        return {self.institution_id}


class Programme(InstitutionChild):
    class IscedLevel(models.IntegerChoices):
        L2 = 2, _("ISCED 2 — lower secondary")
        L3 = 3, _("ISCED 3 — upper secondary")
        L4 = 4, _("ISCED 4 — post-secondary non-tertiary")
        L5 = 5, _("ISCED 5 — short-cycle tertiary")
        L6 = 6, _("ISCED 6 — bachelor or equivalent")
        L7 = 7, _("ISCED 7 — master or equivalent")

    name = models.CharField(_("name"), max_length=300)
    field = models.ForeignKey(FieldOfStudy, on_delete=models.PROTECT, related_name="programmes",
                              verbose_name=_("field"))
    isced_level = models.PositiveSmallIntegerField(_("ISCED level"), choices=IscedLevel.choices)
    national_level = models.CharField(_("national qualification level"), max_length=60, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"),
                                                       validators=[MinValueValidator(1), MaxValueValidator(120)])
    languages = models.ManyToManyField(Language, blank=True, related_name="programmes",
                                       verbose_name=_("languages of instruction"))
    intake_capacity = models.PositiveIntegerField(_("yearly intake capacity"))
    expected_graduates = models.PositiveIntegerField(_("expected graduates per year"))
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        rules_permissions = perms.institution_child_permissions
        constraints = [models.CheckConstraint(condition=models.Q(expected_graduates__lte=models.F("intake_capacity")),
                                              name="graduates_within_capacity")]

    def __str__(self) -> str:
        return self.name

    choice_related = ("institution",)

    def choice_label(self) -> str:
        return f"{self} · {self.institution}"


class FacultyMember(InstitutionChild):
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    fields = models.ManyToManyField(FieldOfStudy, blank=True, related_name="faculty", verbose_name=_("fields"))
    willing_to_dispatch = models.BooleanField(_("willing to be dispatched abroad"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("faculty member")
        verbose_name_plural = _("faculty members")
        rules_permissions = perms.faculty_permissions

    def __str__(self) -> str:
        return self.full_name


class LanguageLevel(models.TextChoices):
    NATIVE = "native", _("native")
    C2 = "C2", "C2"
    C1 = "C1", "C1"
    B2 = "B2", "B2"
    B1 = "B1", "B1"
    A2 = "A2", "A2"
    A1 = "A1", "A1"


class FacultyLanguage(models.Model):
    faculty = models.ForeignKey(FacultyMember, on_delete=models.CASCADE, related_name="language_skills")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, verbose_name=_("language"))
    level = models.CharField(_("level"), max_length=8, choices=LanguageLevel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["faculty", "language"], name="uniq_faculty_language")]
        verbose_name = _("language spoken")
        verbose_name_plural = _("languages spoken")

    def __str__(self) -> str:
        return f"{self.language_id}:{self.level}"


class Facility(InstitutionChild):
    class Kind(models.TextChoices):
        TRAINING_BASE = "training_base", _("training base")
        LAB = "lab", _("laboratory")
        SIMULATION = "simulation", _("simulation centre")
        WORKSHOP = "workshop", _("workshop")
        TEST_CENTRE = "test_centre", _("testing centre")

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("capacity (trainees at once)"), null=True, blank=True)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    fields = models.ManyToManyField(FieldOfStudy, blank=True, related_name="facilities", verbose_name=_("fields"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        rules_permissions = perms.institution_child_permissions

    def __str__(self) -> str:
        return self.name


class Enterprise(PlacedInCountry, RegistryRecord):
    class Sector(models.TextChoices):
        # ISIC Rev.4 sections most present in the cooperation.
        A = "A", _("agriculture, forestry and fishing")
        B = "B", _("mining and quarrying")
        C = "C", _("manufacturing")
        D = "D", _("electricity, gas and steam")
        F = "F", _("construction")
        G = "G", _("wholesale and retail trade")
        H = "H", _("transportation and storage")
        J = "J", _("information and communication")
        M = "M", _("professional, scientific and technical")
        P = "P", _("education")
        OTHER = "X", _("other services")

    name = models.CharField(_("name"), max_length=300)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="enterprises",
                                verbose_name=_("country"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="enterprises", verbose_name=_("region"))
    sector = models.CharField(_("sector"), max_length=2, choices=Sector.choices)
    chinese_funded = models.BooleanField(_("Chinese-funded"), default=False)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        rules_permissions = perms.enterprise_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return set()


class Alliance(RegistryRecord):
    name = models.CharField(_("name"), max_length=300)
    founded = models.DateField(_("founded"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    institutions = models.ManyToManyField(Institution, blank=True, related_name="alliances",
                                          verbose_name=_("member institutions"))
    enterprises = models.ManyToManyField(Enterprise, blank=True, related_name="alliances",
                                         verbose_name=_("member enterprises"))
    lead_institutions = models.ManyToManyField(Institution, blank=True, related_name="led_alliances",
                                               verbose_name=_("lead institutions"))
    reported_members = models.PositiveIntegerField(_("members reported"), null=True, blank=True,
                                                   help_text=_("As stated by the source, e.g. 'more than 70'."))
    description = models.TextField(_("description"), blank=True)
    # Membership is history too: each historical row keeps the member lists as they stood, so the
    # members page can say who joined or left, when, and who recorded it.
    history = HistoricalRecords(m2m_fields=[institutions, enterprises, lead_institutions])

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        rules_permissions = perms.coordinated_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return set()


class SectorCommittee(models.Model):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="committees")
    name = models.CharField(_("name"), max_length=200)
    field = models.ForeignKey(FieldOfStudy, on_delete=models.PROTECT, null=True, blank=True,
                              verbose_name=_("field"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector committee")
        verbose_name_plural = _("sector committees")

    def __str__(self) -> str:
        return self.name


class CooperationProject(RegistryRecord):
    class Kind(models.TextChoices):
        LUBAN_WORKSHOP = "luban_workshop", _("Luban Workshop")
        JOINT_PROGRAMME = "joint_programme", _("joint programme")
        CHINESE_PLUS_SKILLS = "chinese_plus", _("Chinese + vocational skills")
        TEACHER_TRAINING = "teacher_training", _("teacher training")
        ORDER_CLASS = "order_class", _("order-based class")
        OVERSEAS_CAMPUS = "overseas_campus", _("overseas campus or teaching base")
        TRAINING_CENTRE = "training_centre", _("training centre")
        EXCHANGE = "exchange", _("study visit or exchange")
        LANGUAGE_CENTRE = "language_centre", _("language and testing centre")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved")
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")
        CANCELLED = "cancelled", _("cancelled")

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    host_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="projects",
                                     verbose_name=_("host country"))
    host_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="projects", verbose_name=_("host region"))
    chinese_institutions = models.ManyToManyField(Institution, blank=True, related_name="projects_as_chinese",
                                                  verbose_name=_("Chinese institutions"))
    partner_institutions = models.ManyToManyField(Institution, blank=True, related_name="projects_as_partner",
                                                  verbose_name=_("partner institutions"))
    enterprises = models.ManyToManyField(Enterprise, blank=True, related_name="projects",
                                         verbose_name=_("enterprises"))
    alliance = models.ForeignKey(Alliance, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="projects", verbose_name=_("alliance"))
    fields = models.ManyToManyField(FieldOfStudy, blank=True, related_name="projects", verbose_name=_("fields"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    date_precision = models.CharField(_("date precision"), max_length=5, choices=DatePrecision.choices,
                                      default=DatePrecision.DAY,
                                      help_text=_("Sources often give only a month or a year."))
    description = models.TextField(_("description"), blank=True)
    target_trainees = models.PositiveIntegerField(_("target trainees"), null=True, blank=True)
    target_employment_rate = models.DecimalField(_("target employment rate (%)"), max_digits=5, decimal_places=2,
                                                 null=True, blank=True,
                                                 validators=[MinValueValidator(0), MaxValueValidator(100)])
    target_income_gain = models.DecimalField(_("target monthly income gain"), max_digits=14, decimal_places=2,
                                             null=True, blank=True)
    target_currency = models.CharField(_("target currency"), max_length=3, choices=CURRENCIES, blank=True)
    approved_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[chinese_institutions, partner_institutions, enterprises])

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("cooperation project")
        verbose_name_plural = _("cooperation projects")
        indexes = [models.Index(fields=["host_country", "kind"]), models.Index(fields=["status"])]
        rules_permissions = perms.project_permissions
        constraints = [models.CheckConstraint(
            condition=models.Q(end_date__isnull=True) | models.Q(start_date__isnull=True)
            | models.Q(end_date__gte=models.F("start_date")), name="project_dates_ordered")]

    def __str__(self) -> str:
        return self.name

    choice_related = ("host_country",)

    def choice_label(self) -> str:
        return f"{self} · {self.host_country}" if self.host_country_id else str(self)

    def clean(self) -> None:
        super().clean()
        if errors := Region.outside_country(self, "host_region", "host_country"):
            raise ValidationError(errors)

    def owner_institution_ids(self) -> set[int]:
        if self.pk is None:
            return set()
        ids = set(self.chinese_institutions.values_list("pk", flat=True))
        return ids | set(self.partner_institutions.values_list("pk", flat=True))


class ProjectFunding(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government grant")
        POLICY_BANK = "policy_bank", _("policy-bank loan")
        ENTERPRISE = "enterprise", _("enterprise contribution")
        FEES = "fees", _("training fees")
        INSTITUTION = "institution", _("institution's own funds")
        INTERNATIONAL = "international", _("international donor")

    project = models.ForeignKey(CooperationProject, on_delete=models.CASCADE, related_name="funding")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    funder = models.CharField(_("funder"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source"))

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.funder}".strip()


class ReportedResult(models.Model):
    """A result reported publicly (e.g. 349 people trained) by a project, alliance or institution."""

    class Indicator(models.TextChoices):
        ENROLLED = "enrolled", _("students enrolled")
        TRAINED = "trained", _("people trained")
        TARGET_GRADUATES = "target_graduates", _("graduates targeted")
        LANGUAGE_TESTED = "language_tested", _("language tests taken")
        TEACHERS_TRAINED = "teachers_trained", _("teachers trained")
        COURSE_MODULES = "course_modules", _("course modules developed")
        DIGITAL_RESOURCES = "digital_resources", _("digital resources built")
        LEARNING_HOURS = "learning_hours", _("online learning hours")
        AREA = "area_m2", _("training area (m²)")
        PARTICIPANTS = "participants", _("participants")
        STANDARDS = "standards", _("standards exported")
        VISITS = "visits", _("visits to online resources")
        MEMBERS = "members", _("members")

    project = models.ForeignKey(CooperationProject, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reported_results")
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="reported_results")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="reported_results")
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    qualifier = models.CharField(_("qualifier"), max_length=6, choices=Qualifier.choices, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))

    class Meta:
        ordering = ["indicator"]
        verbose_name = _("reported result")
        verbose_name_plural = _("reported results")
        constraints = [models.CheckConstraint(
            condition=(models.Q(project__isnull=False, alliance__isnull=True, institution__isnull=True)
                       | models.Q(project__isnull=True, alliance__isnull=False, institution__isnull=True)
                       | models.Q(project__isnull=True, alliance__isnull=True, institution__isnull=False)),
            name="reported_result_has_one_owner")]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()}: {self.value}"


class CountryStatistic(models.Model):
    """A national (or regional-group) TVET-system figure with its source."""

    class Indicator(models.TextChoices):
        INSTITUTIONS = "institutions", _("TVET institutions")
        BRANCHES = "branches", _("branches")
        STUDENTS = "students", _("TVET students")
        ENTRANTS = "entrants", _("entrants per year")
        GRADUATES = "graduates", _("graduates per year")
        EMPLOYMENT_RATE = "employment_rate", _("graduate employment rate (%)")
        PLANNED_ENROLMENT = "planned_enrolment", _("planned enrolment")
        PLANNED_PLACES_CHANGE = "planned_places_change", _("change in planned places on previous year")
        INSTITUTIONS_CHANGE = "institutions_change_pct", _("change in number of institutions (%)")
        STUDENTS_CHANGE = "students_change_pct", _("change in enrolment (%)")
        TRAINED = "trained", _("people trained in short courses")
        TEACHERS_TRAINED = "teachers_trained", _("teachers trained")
        INSTITUTIONS_REFORMED = "institutions_reformed", _("institutions in curriculum reform")
        OCCUPATIONAL_STANDARDS = "occupational_standards", _("occupations with competency standards")
        ASSESSMENT_TOOLS = "assessment_tools", _("assessment tools developed")
        CERTIFIED_OCCUPATIONS = "certified_occupations", _("occupations with skills certification")
        PROGRAMMES = "programmes", _("educational programmes")
        PROGRAMMES_PLANNED = "programmes_planned", _("programmes planned with employers")
        TEACHER_INTERNSHIPS = "teacher_internships", _("teacher internships in enterprises planned")
        DUAL_COLLEGES = "dual_colleges", _("colleges with dual training")
        DUAL_SPECIALTIES = "dual_specialties", _("specialties in dual training")
        DUAL_QUALIFICATIONS = "dual_qualifications", _("qualifications in dual training")
        DUAL_DEGREES = "dual_degree_programmes", _("dual-degree programmes")
        SPECIALTIES = "specialties", _("specialties offered")
        CURRICULUM_AUTONOMY = "curriculum_autonomy_pct", _("share of curriculum set by schools (%)")
        COOPERATION_PARTNERS = "cooperation_partners", _("international cooperation partners")
        LUBAN_WORKSHOPS = "luban_workshops", _("Luban Workshops")
        CONFUCIUS = "confucius", _("Confucius Institutes")
        CONFUCIUS_CLASSROOMS = "confucius_classrooms", _("Confucius Classrooms")

    country = models.ForeignKey(Country, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="statistics", verbose_name=_("country"))
    scope = models.CharField(_("group of countries"), max_length=60, blank=True,
                             help_text=_("For figures about a group of countries, e.g. Central Asia."))
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    period = models.CharField(_("period"), max_length=20, help_text=_("Year or academic year, e.g. 2025-2026."))
    qualifier = models.CharField(_("qualifier"), max_length=6, choices=Qualifier.choices, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))

    class Meta:
        ordering = ["country", "indicator", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["country", "scope", "indicator", "period", "note"],
                                    name="uniq_country_statistic"),
            models.CheckConstraint(condition=models.Q(country__isnull=False) | ~models.Q(scope=""),
                                   name="statistic_has_country_or_scope"),
        ]
        verbose_name = _("country statistic")
        verbose_name_plural = _("country statistics")

    def __str__(self) -> str:
        return f"{self.country_id or self.scope} {self.get_indicator_display()} {self.period}: {self.value}"


class PolicyMilestone(models.Model):
    """A decree, strategy, summit or agreement that shapes the cooperation, with its source."""

    class Kind(models.TextChoices):
        DECREE = "decree", _("decree or law")
        STRATEGY = "strategy", _("strategy or plan")
        SUMMIT = "summit", _("summit or declaration")
        AGREEMENT = "agreement", _("agreement")
        INSTITUTION = "institution", _("new body or centre")

    date = models.DateField(_("date"))
    date_precision = models.CharField(_("date precision"), max_length=5, choices=DatePrecision.choices,
                                      default=DatePrecision.YEAR)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    countries = models.ManyToManyField(Country, blank=True, related_name="milestones", verbose_name=_("countries"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))

    class Meta:
        ordering = ["-date"]
        verbose_name = _("policy milestone")
        verbose_name_plural = _("policy milestones")

    def __str__(self) -> str:
        return self.title
