"""Occupations and skills: ISCO-08 groups, ESCO v1.1.1 occupations and skills, CSCO 2022.

The rows mirror the vendored package data (``data/``) and are written only by ``services.load_taxonomy``.
Each concept keeps two provenances: ``source`` for the English label, description and structure, and
``translation_source`` for the curated Chinese, Russian and Kazakh labels when the concept has them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import Record, Source

from . import rules as perms

ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"


def split_labels(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


class IscoGroup(models.Model):
    """An ISCO-08 group at any of its four levels (major 1 digit … unit 4 digits)."""

    code = models.CharField(_("ISCO-08 code"), max_length=4, primary_key=True)
    label = models.CharField(_("label"), max_length=300)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("part of"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("ISCO-08 group")
        verbose_name_plural = _("ISCO-08 groups")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def level(self) -> int:
        return len(self.code)


class Concept(models.Model):
    """Columns shared by occupations and skills."""

    esco_id = models.CharField(_("ESCO identifier"), max_length=40, unique=True,
                               help_text=_("The last part of the ESCO URI."))
    label = models.CharField(_("preferred label"), max_length=300)
    alt_labels = models.TextField(_("alternative labels"), blank=True, help_text=_("One per line."))
    description = models.TextField(_("description"), blank=True)
    # Case-folded labels of every language, one column per language, so that search works the same on
    # SQLite (whose LIKE folds ASCII only) and PostgreSQL, and "сварщик" finds "Сварщик".
    search_en = models.TextField(editable=False, blank=True)
    search_zh_hans = models.TextField(editable=False, blank=True)
    search_ru = models.TextField(editable=False, blank=True)
    search_kk = models.TextField(editable=False, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))
    translation_source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("source of the translations"),
        help_text=_("Where the Chinese, Russian and Kazakh labels come from; empty when there are none."))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def alt_label_list(self) -> list[str]:
        return split_labels(self.alt_labels)


class CscoOccupation(models.Model):
    """A group of the Chinese Occupational Classification 2022 (中华人民共和国职业分类大典), any level."""

    code = models.CharField(_("CSCO 2022 code"), max_length=12, unique=True)
    name = models.CharField(_("Chinese name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("part of"))
    definition = models.TextField(_("definition"), blank=True)
    isco_group = models.ForeignKey(IscoGroup, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="csco_occupations", verbose_name=_("closest ISCO-08 group"))
    isco_codes = models.CharField(_("linked ISCO-08 groups"), max_length=100, blank=True,
                                  help_text=_("Best match first, separated by spaces."))
    green = models.BooleanField(_("green occupation"), default=False)
    digital = models.BooleanField(_("digital occupation"), default=False)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("CSCO 2022 occupation")
        verbose_name_plural = _("CSCO 2022 occupations")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Skill(Concept):
    class Type(models.TextChoices):
        SKILL = "S", _("skill or competence")
        KNOWLEDGE = "K", _("knowledge")

    class Reuse(models.TextChoices):
        TRANSVERSAL = "transversal", _("transversal")
        CROSS_SECTOR = "cross-sector", _("cross-sector")
        SECTOR = "sector-specific", _("sector-specific")
        OCCUPATION = "occupation-specific", _("occupation-specific")
        NONE = "", _("not stated")

    type = models.CharField(_("type"), max_length=1, choices=Type.choices, blank=True)
    reuse = models.CharField(_("reuse level"), max_length=20, choices=Reuse.choices, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    @property
    def uri(self) -> str:
        return ESCO_SKILL_PREFIX + self.esco_id


class Occupation(Concept):
    code = models.CharField(_("ESCO code"), max_length=30, unique=True)
    isco_group = models.ForeignKey(IscoGroup, on_delete=models.PROTECT, related_name="occupations",
                                   verbose_name=_("ISCO-08 unit group"))
    csco = models.ForeignKey(CscoOccupation, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="esco_occupations", verbose_name=_("closest CSCO 2022 occupation"))
    skills = models.ManyToManyField(Skill, through="OccupationSkill", related_name="occupations",
                                    verbose_name=_("skills"))

    class Meta:
        ordering = ["label"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")

    @property
    def uri(self) -> str:
        return ESCO_OCCUPATION_PREFIX + self.esco_id


class OccupationSkill(models.Model):
    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="occupation_links")
    essential = models.BooleanField(_("essential"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["occupation", "skill"], name="uniq_occupation_skill")]
        verbose_name = _("skill of an occupation")
        verbose_name_plural = _("skills of occupations")

    def __str__(self) -> str:
        return f"{self.occupation_id}→{self.skill_id} ({'E' if self.essential else 'O'})"


# ------------------------------------------------------------------------------------ label workflow
# The languages a label may be proposed in (settings.LANGUAGES codes): English labels are ESCO's own.
LABEL_LANGUAGES = ("zh-hans", "ru", "kk")
LABEL_MAX_LENGTH = 300  # the concepts' own label columns


class LabelProposal(Record):
    """A label for an occupation, skill or ISCO-08 group in Chinese, Russian or Kazakh, with its source.

    Proposed by a member, approved or rejected by a coordinator (``services.decide_label``); approving
    writes the label into the concept's column for that language, so it is the one every page, search,
    export and PDF reads. The proposal keeps the label it replaced, who decided, when and why.
    """

    class Kind(models.TextChoices):
        OCCUPATION = "occupation", _("occupation")
        SKILL = "skill", _("skill")
        ISCO_GROUP = "isco_group", _("ISCO-08 group")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="label_proposals", verbose_name=_("occupation"))
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="label_proposals", verbose_name=_("skill"))
    isco_group = models.ForeignKey(IscoGroup, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="label_proposals", verbose_name=_("ISCO-08 group"))
    language = models.CharField(_("language"), max_length=8,
                                choices=[(code, code) for code in LABEL_LANGUAGES])
    label = models.CharField(_("label"), max_length=LABEL_MAX_LENGTH)
    source = models.CharField(_("source"), max_length=300,
                              help_text=_("Where the label comes from: a classifier (e.g. ОКЗ OK 010-2014, "
                                          "НКЗ 2023), a document or a web address."))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=2000)
    replaced_label = models.CharField(_("label before approval"), max_length=LABEL_MAX_LENGTH, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("label proposal")
        verbose_name_plural = _("label proposals")
        rules_permissions = perms.label_permissions
        indexes = [models.Index(fields=["status", "language", "kind"])]
        constraints = [
            models.CheckConstraint(name="label_proposal_one_concept", condition=(
                models.Q(kind="occupation", occupation__isnull=False, skill__isnull=True, isco_group__isnull=True)
                | models.Q(kind="skill", occupation__isnull=True, skill__isnull=False, isco_group__isnull=True)
                | models.Q(kind="isco_group", occupation__isnull=True, skill__isnull=True,
                           isco_group__isnull=False))),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.language})"

    @property
    def concept(self):
        return {"occupation": self.occupation, "skill": self.skill, "isco_group": self.isco_group}[self.kind]
