"""Pages that add or correct one step of a trainee's results chain: enrolment, learning progress,
assessment, credential, employment and income observation.

Who may: whoever may change the trainee (coordinators and admins; institution staff for trainees
of their institution), and for incomes only those who may see them (``rules.sees_incomes``). The
services check again and validate exactly as for the API and imports; their errors are shown on the
form's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.forms import show_service_errors

from . import services
from .forms import (
    AssessmentForm,
    CredentialForm,
    EmploymentForm,
    EnrolmentForm,
    IncomeForm,
    LearningProgressForm,
)
from .models import (
    Assessment,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    LearningProgress,
    Trainee,
)
from .rules import sees_incomes


@dataclass(frozen=True)
class RecordKind:
    model: type[models.Model]
    form: type
    save: Callable
    title_new: object
    title_edit: object
    # records that point at the trainee directly (the others reach it through their enrolment)
    direct: bool = True
    private: bool = False


KINDS: dict[str, RecordKind] = {
    "enrolment": RecordKind(Enrolment, EnrolmentForm, services.record_enrolment,
                            gettext_lazy("Add an enrolment"), gettext_lazy("Edit enrolment")),
    "progress": RecordKind(LearningProgress, LearningProgressForm, services.record_progress,
                           gettext_lazy("Record learning progress"), gettext_lazy("Edit learning progress"),
                           direct=False),
    "assessment": RecordKind(Assessment, AssessmentForm, services.record_assessment,
                             gettext_lazy("Record an assessment"), gettext_lazy("Edit assessment"), direct=False),
    "credential": RecordKind(Credential, CredentialForm, services.award_credential,
                             gettext_lazy("Record a credential"), gettext_lazy("Edit credential")),
    "employment": RecordKind(Employment, EmploymentForm, services.record_employment,
                             gettext_lazy("Record employment"), gettext_lazy("Edit employment")),
    "income": RecordKind(IncomeObservation, IncomeForm, services.record_income,
                         gettext_lazy("Record an income"), gettext_lazy("Edit income"), private=True),
}


def _record_of(kind: RecordKind, trainee: Trainee, record_pk: int) -> models.Model:
    owner = {"trainee": trainee} if kind.direct else {"enrolment__trainee": trainee}
    return get_object_or_404(kind.model, pk=record_pk, **owner)


def _suggested_key(trainee: Trainee, kind_name: str, model: type[models.Model]) -> str:
    prefix = {"enrolment": "E", "employment": "J"}[kind_name]
    n = model.objects.filter(trainee=trainee).count() + 1
    while model.objects.filter(external_key=f"{trainee.external_key}-{prefix}{n}").exists():
        n += 1
    return f"{trainee.external_key}-{prefix}{n}"


@login_required
def trainee_record(request, pk: int, kind: str, record_pk: int | None = None):
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    trainee = get_object_or_404(Trainee, pk=pk)
    if not request.user.has_perm("outcomes.change_trainee", trainee):
        raise PermissionDenied
    if spec.private and not sees_incomes(request.user, trainee):
        raise PermissionDenied
    instance = _record_of(spec, trainee, record_pk) if record_pk else (
        spec.model(trainee=trainee) if spec.direct else spec.model())
    initial = {}
    if record_pk is None and kind in ("enrolment", "employment"):
        initial["external_key"] = _suggested_key(trainee, kind, spec.model)
    form = spec.form(request.POST or None, instance=instance, trainee=trainee, initial=initial,
                     user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if spec.direct:
            data["trainee"] = trainee
        try:
            spec.save(request.user, data, instance=instance if record_pk else None)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("outcomes_trainee", pk=trainee.pk)
    return render(request, "outcomes/trainee_record_form.html", {
        "trainee": trainee, "form": form, "title": spec.title_edit if record_pk else spec.title_new})
