"""Forms of the exemplary cases. Rules live in the services (what may be published, which uploads
are accepted); forms only collect."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field
from tvetbridge.outcomes.queries import COMPARISONS, projects_with_outcomes

from .models import CaseMaterial, ExemplaryCase

SUFFIXES = ("en", "zh_hans", "ru", "kk")
NARRATIVE = ("title", "industry_gap", "learning", "story")


class CaseForm(forms.ModelForm):
    comparison = forms.ChoiceField(label=_("comparison group of the impact estimate"), choices=())

    class Meta:
        model = ExemplaryCase
        fields = ["project", "slug", *[f"{n}_{s}" for n in NARRATIVE for s in SUFFIXES], "comparison"]
        widgets = {f"{n}_{s}": forms.Textarea(attrs={"rows": 3}) for n in NARRATIVE[1:] for s in SUFFIXES}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only projects with trainee records can have the figures a case tells.
        self.fields["project"].queryset = projects_with_outcomes()
        self.fields["comparison"].choices = [(k, v) for k, v in COMPARISONS.items()]
        for name in self.fields:
            if name.startswith(NARRATIVE) and name not in ("title_en", "industry_gap_en", "learning_en"):
                self.fields[name].required = False
        if self.instance.pk:
            self.fields["project"].disabled = True
        add_version_field(self, self.instance)


class MaterialForm(forms.ModelForm):
    image = forms.FileField(label=_("photo"), required=False,
                            help_text=_("PNG, JPEG or WebP; at most 5 MB. Only for photos."))

    class Meta:
        model = CaseMaterial
        fields = ["kind", "text", "language", "attribution", "consent_recorded", "consent_date", "consent_note"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "consent_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"consent_recorded": _("The people quoted or shown agreed to publication, and their consent "
                                        "is kept on record")}


class ListingForm(forms.Form):
    """Give or withdraw an enterprise's consent to be listed; a coordinator gives the reason."""

    listed = forms.TypedChoiceField(
        label=_("Public listing"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", _("List our enterprise in the public directory, downloads and IATI files")),
                 ("0", _("Do not list our enterprise in public"))])
    reason = forms.CharField(label=_("reason"), max_length=300, required=False,
                             help_text=_("Required when you record the decision on the enterprise's behalf, "
                                         "e.g. “letter of 3 March 2026 from the HR director”."))

    def __init__(self, *args, listing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if listing is not None:
            self.fields["listed"].initial = "1" if listing.listed else "0"
            add_version_field(self, listing)
