"""Forms for the pages. Validation beyond field types lives in the models and services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .bulk_import import KINDS
from .models import QualityFlag, Trainee
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


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=QualityFlag.Status.choices)
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))


class BasisForm(forms.Form):
    currency = forms.ChoiceField(label=_("currency"), choices=[(c, c) for c in CURRENCY_ORDER], required=False)
    prices = forms.ChoiceField(label=_("prices"), required=False,
                               choices=[("real", _("real (constant prices)")), ("nominal", _("nominal"))])
    base_year = forms.IntegerField(label=_("base year"), required=False, min_value=2000, max_value=2035)
