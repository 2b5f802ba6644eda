"""Language proficiency as data: levels on their recognised scales, held by faculty and trainees and
required by programmes; comparable across scales through ``engine.scales`` (sources documented there
and in ``docs/language-scales.md``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import Language, Record
from tvetbridge.core.validators import validate_not_future

from . import rules as perms
from .engine import scales


class Scale(models.TextChoices):
    CEFR = scales.CEFR, _("CEFR (A1–C2)")
    HSK3 = scales.HSK3, _("HSK 3.0 (levels 1–9)")
    HSK2 = scales.HSK2, _("HSK, older test (levels 1–6)")
    TORFL = scales.TORFL, _("TORFL / ТРКИ")
    KAZTEST = scales.KAZTEST, _("KAZTEST")
    NATIVE = scales.NATIVE, _("native speaker")


SCALE_MESSAGES = {
    "unknown_scale": _("“%(scale)s” is not a language scale (use cefr, hsk3, hsk2, torfl, kaztest or native)."),
    "unknown_level": _("“%(level)s” is not a level of this scale; its levels are %(levels)s."),
    "wrong_language": _("This scale measures the language “%(measured)s”, not “%(language)s”."),
}


def checked_level(language: str, scale: str, level: str) -> scales.Level:
    """The one validation of a level that forms, API and imports share (through ``full_clean``)."""
    try:
        return scales.check(language, scale, level)
    except scales.ScaleError as exc:
        raise ValidationError({"level": ValidationError(SCALE_MESSAGES[exc.code], params=exc.params,
                                                        code=exc.code)}) from None


def rank_expression() -> models.Case:
    """The engine's common rank of (scale, level) as a database expression, for filters and maxima."""
    return models.Case(*[models.When(scale=scale, level=level, then=models.Value(rank))
                         for (scale, level), rank in scales.RANK.items()],
                       default=models.Value(0), output_field=models.IntegerField())


def level_label(scale: str, level: str) -> str:
    if scale == scales.TORFL:
        return {"TEU": "ТЭУ (A1)", "TBU": "ТБУ (A2)"}.get(level, f"ТРКИ-{level}")
    if scale in (scales.HSK3, scales.HSK2):
        return f"HSK {level}" + (" (3.0)" if scale == scales.HSK3 else "")
    if scale == scales.NATIVE:
        return str(_("native"))
    return level


class LeveledLanguage(Record):
    """A language at a level of a scale. The common rank is not stored: queries compute it with
    :func:`rank_expression` from the engine's table, so bulk writes (imports) cannot leave it stale."""

    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language"))
    scale = models.CharField(_("scale"), max_length=8, choices=Scale.choices)
    level = models.CharField(_("level"), max_length=8)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.language_id and self.scale and self.level:
            held = checked_level(self.language_id, self.scale, self.level)
            self.level = held.level

    @property
    def held(self) -> scales.Level:
        return scales.Level(self.scale, self.level)

    @property
    def rank(self) -> int:
        return self.held.rank

    @property
    def label(self) -> str:
        return level_label(self.scale, self.level)

    @property
    def cefr(self) -> str:
        return self.held.cefr


class LanguageProficiency(LeveledLanguage):
    """A faculty member's or a trainee's level in one language, with the certificate behind it."""

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    faculty = models.ForeignKey("registry.FacultyMember", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="proficiencies", verbose_name=_("faculty member"))
    trainee = models.ForeignKey("outcomes.Trainee", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="proficiencies", verbose_name=_("trainee"))
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)
    certified_on = models.DateField(_("date"), null=True, blank=True, validators=[validate_not_future],
                                    help_text=_("When the level was tested or certified."))
    issuer = models.CharField(_("issuer"), max_length=200, blank=True,
                              help_text=_("Test centre or body that certified the level; empty when self-declared."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["language", "scale", "level"]
        verbose_name = _("language proficiency")
        verbose_name_plural = _("language proficiencies")
        rules_permissions = perms.proficiency_permissions
        indexes = [models.Index(fields=["language", "scale", "level"])]
        constraints = [models.CheckConstraint(
            condition=(models.Q(faculty__isnull=False, trainee__isnull=True)
                       | models.Q(faculty__isnull=True, trainee__isnull=False)),
            name="proficiency_has_one_holder")]

    def __str__(self) -> str:
        return f"{self.language_id} {self.label}"

    def owner_institution_ids(self) -> set[int]:
        holder = self.faculty if self.faculty_id else self.trainee if self.trainee_id else None
        return {holder.institution_id} if holder is not None and holder.institution_id else set()

    def clean(self) -> None:
        super().clean()
        if (self.faculty_id is None) == (self.trainee_id is None):
            raise ValidationError(_("A language level belongs to one faculty member or one trainee."))

    @property
    def certified(self) -> bool:
        return bool(self.certificate or self.issuer)


class ProgrammeLanguageRequirement(LeveledLanguage):
    """The level a programme requires in a language (of its teachers, for its language of instruction)."""

    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE,
                                  related_name="language_requirements", verbose_name=_("programme"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "language"]
        verbose_name = _("language requirement")
        verbose_name_plural = _("language requirements")
        rules_permissions = perms.institution_owned_permissions
        constraints = [models.UniqueConstraint(fields=["programme", "language"], name="uniq_programme_language")]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.language_id} {self.label}"

    def owner_institution_ids(self) -> set[int]:
        return {self.programme.institution_id}


# ------------------------------------------------------------------------------ teacher development
class DevelopmentProgramme(Record):
    """A programme for teachers (OpenEMIS's staff training course): who runs it, what it is for."""

    class Kind(models.TextChoices):
        INTERNATIONAL = "international", _("special programme for international vocational education teachers")
        SAIL_PLAN = "sail_plan", _("Sail Plan")
        PRE_DEPARTURE = "pre_departure", _("cross-cultural pre-departure training")
        LANGUAGE = "language", _("language course")
        TRADE = "trade", _("trade skills upgrading")

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="teacher_programmes", verbose_name=_("provider"))
    hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic"), default=False,
                                       help_text=_("Generated demo data, not a real record."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("teacher development programme")
        verbose_name_plural = _("teacher development programmes")
        rules_permissions = perms.institution_owned_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return {self.provider_id} if self.provider_id else set()


class DevelopmentSession(Record):
    programme = models.ForeignKey(DevelopmentProgramme, on_delete=models.CASCADE, related_name="sessions",
                                  verbose_name=_("programme"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        rules_permissions = perms.institution_owned_permissions
        constraints = [models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                              name="session_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.programme} {self.start_date:%Y-%m-%d}"

    def owner_institution_ids(self) -> set[int]:
        return self.programme.owner_institution_ids()


class Participation(Record):
    """A teacher in a session, and how it ended for them."""

    class Result(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")
        COMPLETED = "completed", _("completed")
        FAILED = "failed", _("not passed")
        WITHDREW = "withdrew", _("withdrew")

    session = models.ForeignKey(DevelopmentSession, on_delete=models.CASCADE, related_name="participants",
                                verbose_name=_("session"))
    faculty = models.ForeignKey("registry.FacultyMember", on_delete=models.CASCADE, related_name="development",
                                verbose_name=_("faculty member"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.ENROLLED)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, validators=[validate_not_future])
    history = HistoricalRecords()

    class Meta:
        ordering = ["-session__start_date"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        rules_permissions = perms.participation_permissions
        constraints = [models.UniqueConstraint(fields=["session", "faculty"], name="uniq_session_participant")]

    def __str__(self) -> str:
        return f"{self.faculty_id} @ {self.session_id}: {self.result}"

    def owner_institution_ids(self) -> set[int]:
        return {self.faculty.institution_id} | self.session.owner_institution_ids()

    def clean(self) -> None:
        if self.result == self.Result.COMPLETED and not self.completed_on:
            raise ValidationError({"completed_on": _("Give the date the teacher completed the programme.")})


# ------------------------------------------------------------------------------------------- dispatch
class Assignment(Record):
    """A teacher sent abroad (EWP staff mobility: who, where, field, language, when); its status moves
    only through ``services.transition_assignment``."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("vocational teacher")
        LANGUAGE_TEACHER = "language_teacher", _("language teacher")
        TRAINER = "trainer", _("workshop trainer")
        COORDINATOR = "coordinator", _("programme coordinator")

    class Status(models.TextChoices):
        PLANNING = "planning", _("planning")
        APPROVED = "approved", _("approved")
        ABROAD = "abroad", _("abroad")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    class Rating(models.IntegerChoices):
        POOR = 1, _("poor")
        FAIR = 2, _("fair")
        GOOD = 3, _("good")
        VERY_GOOD = 4, _("very good")
        EXCELLENT = 5, _("excellent")

    faculty = models.ForeignKey("registry.FacultyMember", on_delete=models.PROTECT, related_name="assignments",
                                verbose_name=_("teacher"))
    from_institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("from institution"))
    project = models.ForeignKey("registry.CooperationProject", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="assignments", verbose_name=_("project"))
    partner = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="hosted_assignments", verbose_name=_("partner institution"))
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.TEACHER)
    field = models.ForeignKey("core.FieldOfStudy", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("field"))
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("language of instruction"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNING)
    rating = models.PositiveSmallIntegerField(_("result"), choices=Rating.choices, null=True, blank=True,
                                              help_text=_("How the dispatch went, recorded on return."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("dispatch assignment")
        verbose_name_plural = _("dispatch assignments")
        rules_permissions = perms.assignment_permissions
        indexes = [models.Index(fields=["country", "field", "language", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="assignment_dates_ordered"),
            models.CheckConstraint(condition=models.Q(project__isnull=False) | models.Q(partner__isnull=False),
                                   name="assignment_has_destination"),
        ]

    def __str__(self) -> str:
        return f"{self.faculty} → {self.country_id} {self.start_date:%Y-%m}"

    def owner_institution_ids(self) -> set[int]:
        return {self.from_institution_id}


# Statuses in which a teacher is taken for the period (not available for another dispatch).
COMMITTED = (Assignment.Status.PLANNING, Assignment.Status.APPROVED, Assignment.Status.ABROAD)


# ---------------------------------------------------------------------------------------- HSK centres
class ChineseTest(models.TextChoices):
    HSK = "hsk", _("HSK (written)")
    HSKK = "hskk", _("HSKK (speaking)")
    YCT = "yct", _("YCT (young learners)")
    BCT = "bct", _("BCT (business Chinese)")


def validate_tests(value) -> None:
    if not isinstance(value, list) or not value or any(v not in ChineseTest.values for v in value):
        raise ValidationError(_("List the tests the centre runs, from: %(tests)s.")
                              % {"tests": ", ".join(ChineseTest.values)}, code="tests")


class HskCentre(Record):
    """A Chinese test centre (HSK and related tests) at an institution, accredited by a testing body."""

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    name = models.CharField(_("name"), max_length=300)
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="hsk_centres",
                                    verbose_name=_("institution"))
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    city = models.CharField(_("city"), max_length=120)
    tests = models.JSONField(_("tests run"), default=list, validators=[validate_tests])
    accredited_by = models.CharField(_("accredited by"), max_length=200, blank=True,
                                     help_text=_("The testing body that authorised the centre."))
    accredited_on = models.DateField(_("accredited on"), null=True, blank=True, validators=[validate_not_future])
    is_synthetic = models.BooleanField(_("synthetic"), default=False,
                                       help_text=_("Generated demo data, not a real record."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "city", "name"]
        verbose_name = _("Chinese test centre")
        verbose_name_plural = _("Chinese test centres")
        rules_permissions = perms.centre_permissions

    def __str__(self) -> str:
        return self.name

    def owner_institution_ids(self) -> set[int]:
        return {self.institution_id}

    def test_labels(self) -> list[str]:
        return [str(ChineseTest(t).label) for t in self.tests if t in ChineseTest.values]


class HskSitting(LeveledLanguage):
    """One test at one level on one date at a centre: how many registered, sat and passed. Counts,
    not people: a centre reports them so; per-candidate results go to the candidates' proficiencies."""

    external_key = models.CharField(_("external key"), max_length=100, unique=True,
                                    help_text=_("Stable identifier used to match rows on re-import."))
    centre = models.ForeignKey(HskCentre, on_delete=models.CASCADE, related_name="sittings",
                               verbose_name=_("centre"))
    date = models.DateField(_("date"), validators=[validate_not_future])
    test = models.CharField(_("test"), max_length=6, choices=ChineseTest.choices, default=ChineseTest.HSK)
    registered = models.PositiveIntegerField(_("registered"))
    sat = models.PositiveIntegerField(_("sat"))
    passed = models.PositiveIntegerField(_("passed"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "level"]
        verbose_name = _("test sitting")
        verbose_name_plural = _("test sittings")
        rules_permissions = perms.centre_permissions
        constraints = [models.CheckConstraint(
            condition=models.Q(sat__lte=models.F("registered")) & models.Q(passed__lte=models.F("sat")),
            name="sitting_counts_ordered")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.date:%Y-%m-%d} {self.label}"

    def owner_institution_ids(self) -> set[int]:
        return self.centre.owner_institution_ids()

    def clean(self) -> None:
        if not self.language_id:
            self.language_id = scales.SCALE_LANGUAGE[scales.HSK3]
        errors: dict = {}
        for check in (super().clean, lambda: check_sitting_counts(self.registered, self.sat, self.passed)):
            try:
                check()
            except ValidationError as exc:
                for name, messages in exc.update_error_dict({}).items():
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


def check_sitting_counts(registered, sat, passed) -> None:
    """The one check of a sitting's counts, for forms, API and the import."""
    errors = {}
    if None not in (registered, sat) and sat > registered:
        errors["sat"] = _("More sat the test (%(sat)s) than registered (%(registered)s).") % {
            "sat": sat, "registered": registered}
    if None not in (sat, passed) and passed > sat:
        errors["passed"] = _("More passed (%(passed)s) than sat the test (%(sat)s).") % {"passed": passed, "sat": sat}
    if errors:
        raise ValidationError(errors)
