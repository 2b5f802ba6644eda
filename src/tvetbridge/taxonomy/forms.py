from django import forms
from django.utils.translation import gettext_lazy as _

from .queries import SEARCH_KINDS, SEARCH_SCOPES


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Look in"), required=False, initial="occupations",
                             choices=[("occupations", _("occupations")), ("skills", _("skills"))])
    scope = forms.ChoiceField(label=_("Languages"), required=False, initial="any",
                              choices=[("any", _("labels in any language")),
                                       ("active", _("labels in the page language only"))])

    def clean_kind(self):
        return self.cleaned_data.get("kind") if self.cleaned_data.get("kind") in SEARCH_KINDS else "occupations"

    def clean_scope(self):
        return self.cleaned_data.get("scope") if self.cleaned_data.get("scope") in SEARCH_SCOPES else "any"


class CodeTextForm(forms.Form):
    text = forms.CharField(
        label=_("Job or programme description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Write in English, Chinese, Russian or Kazakh: a job title, a vacancy or a programme outline."))
