from django import forms
from django.utils.translation import gettext_lazy as _


class ConsentForm(forms.Form):
    consent_matching = forms.BooleanField(
        label=_("Enterprises may see me as a candidate for their vacancies (job matching)"), required=False)
    consent_follow_up = forms.BooleanField(
        label=_("My employment and income may be collected after training (follow-up)"), required=False)
