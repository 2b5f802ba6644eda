"""What the matching app keeps: accepted proposals (with the gap they answer) and allocation runs.

Gaps and proposals themselves are computed on demand from current data; only a decision (a proposal
turned into a project) or a run someone asked for is stored, with a snapshot of the figures it saw, so
the project keeps citing the gap even after the demand changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Proposal(models.Model):
    gap_key = models.CharField(_("gap"), max_length=60, db_index=True)
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("region"))
    occupation = models.ForeignKey("taxonomy.Occupation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("occupation"))
    host = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("host institution"))
    partner = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("Chinese partner"))
    demands = models.ManyToManyField("demand.SkillDemand", related_name="proposals", verbose_name=_("demand"))
    project = models.OneToOneField("registry.CooperationProject", on_delete=models.CASCADE,
                                   related_name="gap_proposal", verbose_name=_("project"))
    snapshot = models.JSONField(_("gap and score snapshot"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("accepted by"))
    created = models.DateTimeField(_("accepted"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("accepted proposal")
        verbose_name_plural = _("accepted proposals")

    def __str__(self) -> str:
        return f"{self.gap_key} → {self.project_id}"


class AllocationRun(models.Model):
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("run by"))
    created = models.DateTimeField(_("run at"), auto_now_add=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    total_demand = models.PositiveIntegerField(_("people demanded"))
    served = models.PositiveIntegerField(_("people placed"))
    unmet = models.PositiveIntegerField(_("people left unmet"))
    total_cost = models.BigIntegerField(_("total cost"))
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M}: {self.served}/{self.total_demand}"


class CandidateList(models.Model):
    """The stored top-k of one subject: for a vacancy its best trainees, for a trainee its best
    vacancies. One compact row per subject (ordered ids and scores), rebuilt in one transaction by
    ``services.rebuild_candidates`` so readers see the previous lists or the new ones, never a mix."""

    class Kind(models.TextChoices):
        VACANCY = "vacancy", _("candidates for a vacancy")
        TRAINEE = "trainee", _("vacancies for a trainee")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    subject_id = models.BigIntegerField(_("vacancy or trainee"))
    candidate_ids = models.JSONField(_("candidates, best first"), default=list)
    scores = models.JSONField(_("scores"), default=list)
    computed = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("candidate list")
        verbose_name_plural = _("candidate lists")
        constraints = [models.UniqueConstraint(fields=["kind", "subject_id"], name="uniq_candidate_list")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}: {len(self.candidate_ids)}"


class VacancyInterest(models.Model):
    """A trainee's "I am interested" in a vacancy: seen by the enterprise that posted it. Withdrawing
    deletes the row; the audit history keeps that it was there."""

    trainee = models.ForeignKey("outcomes.Trainee", on_delete=models.CASCADE, related_name="vacancy_interests",
                                verbose_name=_("trainee"))
    vacancy = models.ForeignKey("demand.SkillDemand", on_delete=models.CASCADE, related_name="interests",
                                verbose_name=_("vacancy"))
    created = models.DateTimeField(_("expressed on"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("interest in a vacancy")
        verbose_name_plural = _("interests in vacancies")
        constraints = [models.UniqueConstraint(fields=["trainee", "vacancy"], name="uniq_vacancy_interest")]

    def __str__(self) -> str:
        return f"{self.trainee_id} → {self.vacancy_id}"


class CandidateState(models.Model):
    """Which file holds the exact state the stored candidate lists were computed from (vectors, rank
    keys; see ``io.snapshot``). One row, changed in the same transaction as the lists it describes, so
    the lists and the state an incremental update starts from never disagree."""

    name = models.CharField(_("state file"), max_length=80)
    stamp = models.CharField(_("reference data stamp"), max_length=200)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("candidate list state")
        verbose_name_plural = _("candidate list states")

    def __str__(self) -> str:
        return self.name
