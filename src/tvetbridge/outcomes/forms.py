"""Forms for the pages. Validation beyond field types lives in the models and services."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field, bounded_upload, describe_choices, follow_country

from .io.records import KINDS
from .models import (
    Assessment,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    LearningProgress,
    ProjectTarget,
    QualityFlag,
    Trainee,
)
from .money import CURRENCY_ORDER


class TraineeForm(forms.ModelForm):
    identity_number = forms.CharField(
        label=_("identity number"), required=False, max_length=40,
        help_text=_("Stored only as a keyed hash; it cannot be shown again. Leave blank to keep the stored one."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}))

    class Meta:
        model = Trainee
        fields = ["external_key", "gender", "birth_year", "home_region", "prior_education", "baseline_employment",
                  "baseline_income", "baseline_currency", "languages", "consent_matching", "consent_follow_up",
                  "consent_date", "is_synthetic"]
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        describe_choices(self)
        add_version_field(self, self.instance)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("records"), choices=[
        ("trainees", _("trainees")), ("enrolments", _("enrolments")), ("employment", _("employment")),
        ("incomes", _("income observations"))])
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("only check, do not import"), required=False)

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind not in KINDS:
            raise forms.ValidationError(_("Unknown kind."))
        return kind

    def clean_file(self):
        return bounded_upload(self.cleaned_data["file"])


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=QualityFlag.Status.choices)
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))


class BasisForm(forms.Form):
    currency = forms.ChoiceField(label=_("currency"), choices=[(c, c) for c in CURRENCY_ORDER], required=False)
    prices = forms.ChoiceField(label=_("prices"), required=False,
                               choices=[("real", _("real (constant prices)")), ("nominal", _("nominal"))])
    base_year = forms.IntegerField(label=_("base year"), required=False, min_value=2000, max_value=2035)


# --- the results chain of one trainee -------------------------------------------------------------
# The trainee is fixed by the page; enrolment choices are that trainee's own. The services validate
# again (permissions, employment before enrolment, currencies), exactly as for the API and imports.

class _TraineeRecordForm(forms.ModelForm):
    def __init__(self, *args, trainee: Trainee, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.trainee = trainee
        if "enrolment" in self.fields:
            self.fields["enrolment"].queryset = trainee.enrolments.select_related("project", "programme")
        profile = getattr(user, "profile", None)
        if profile is not None and profile.role == "institution" and profile.institution_id:
            # Institution staff enrol only in their own institution's programmes and projects.
            own = profile.institution_id
            if "programme" in self.fields:
                self.fields["programme"].queryset = self.fields["programme"].queryset.filter(institution_id=own)
            if "project" in self.fields:
                self.fields["project"].queryset = self.fields["project"].queryset.filter(
                    Q(chinese_institutions=own) | Q(partner_institutions=own)).distinct()
        describe_choices(self)
        follow_country(self)


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnrolmentForm(_TraineeRecordForm):
    class Meta:
        model = Enrolment
        fields = ["external_key", "project", "programme", "status", "start_date", "end_date", "occupation_code"]
        widgets = {"start_date": _DATE, "end_date": _DATE}


class LearningProgressForm(_TraineeRecordForm):
    class Meta:
        model = LearningProgress
        fields = ["enrolment", "as_of", "hours", "modules_completed", "modules_total"]
        widgets = {"as_of": _DATE}


class AssessmentForm(_TraineeRecordForm):
    class Meta:
        model = Assessment
        fields = ["enrolment", "name", "date", "score", "max_score", "passed"]
        widgets = {"date": _DATE}


class CredentialForm(_TraineeRecordForm):
    class Meta:
        model = Credential
        fields = ["enrolment", "kind", "name", "level", "issuer", "awarded"]
        widgets = {"awarded": _DATE}


class EmploymentForm(_TraineeRecordForm):
    class Meta:
        model = Employment
        fields = ["external_key", "enrolment", "employer", "employer_name", "occupation_code", "country", "region",
                  "start_date", "end_date", "formal"]
        widgets = {"start_date": _DATE, "end_date": _DATE}


class IncomeForm(_TraineeRecordForm):
    period = forms.DateField(label=_("month"), input_formats=["%Y-%m", "%Y-%m-%d"],
                             widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    reason = forms.CharField(label=_("Reason for a correction"), required=False, max_length=100,
                             help_text=_("Needed when this changes an income already recorded; the old value is "
                                         "kept with the reason."))

    class Meta:
        model = IncomeObservation
        fields = ["period", "amount", "currency", "source", "verified"]

    def validate_unique(self):
        # The service decides: a new observation for a month and source already recorded replaces it.
        pass


class TargetForm(forms.ModelForm):
    """A results target of one project; the region list is the host country's own."""

    class Meta:
        model = ProjectTarget
        fields = ["region", "indicator", "value", "currency", "base_year", "due", "note"]
        widgets = {"due": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = project.host_country.regions.order_by("name") if project.host_country_id \
            else self.fields["region"].queryset.none()
        self.fields["region"].empty_label = _("whole project")
        add_version_field(self, self.instance)

    def validate_unique(self):
        # The service decides, with the blank region counted too.
        pass
