"""The demand form. Occupation and skills arrive prefilled from the coder's suggestions; the user keeps,
changes or replaces them."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field, describe_choices, follow_country
from tvetbridge.core.models import Country, Region
from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.models import Enterprise
from tvetbridge.taxonomy.models import ESCO_OCCUPATION_PREFIX, Occupation, Skill

from .models import SkillDemand, format_languages, parse_languages


class OccupationField(forms.CharField):
    """An occupation typed as its ESCO code (7212.3), identifier or URI."""

    def __init__(self, **kwargs):
        super().__init__(max_length=120, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Occupation):
            return value.code
        if isinstance(value, int):
            return Occupation.objects.filter(pk=value).values_list("code", flat=True).first() or ""
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        key = value.strip().removeprefix(ESCO_OCCUPATION_PREFIX)
        occupation = Occupation.objects.filter(code=key).first() or Occupation.objects.filter(esco_id=key).first()
        if occupation is None:
            raise ValidationError(_("Unknown occupation “%(value)s” (give its ESCO code, e.g. 7212.3)."),
                                  params={"value": value}, code="unknown")
        return occupation


class LanguagesField(forms.CharField):
    def prepare_value(self, value):
        return format_languages(value) if isinstance(value, list) else value

    def clean(self, value):
        return parse_languages(super().clean(value) or "")


class DemandForm(forms.ModelForm):
    occupation = OccupationField(
        label=_("Occupation (ESCO code)"), required=False,
        help_text=_("Leave empty to let the platform propose one from the title and description."))
    languages = LanguagesField(label=_("Languages required"), required=False,
                               help_text=_("Language code and level, e.g. “zh HSK4; ru B2” (HSK 1–9, CEFR A1–C2)."))
    required_skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"), queryset=Skill.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = SkillDemand
        fields = ["enterprise", "kind", "title", "description", "country", "region", "occupation",
                  "required_skills", "languages", "count", "offered_wage", "wage_currency", "deadline",
                  "order_commitment", "commitment_amount", "commitment_currency", "status"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user=None, suggested_skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if role_of(user) == Role.ENTERPRISE_STAFF:
            self.fields["enterprise"].queryset = Enterprise.objects.filter(pk=user.profile.enterprise_id)
            self.fields["enterprise"].initial = user.profile.enterprise_id
            self.fields["enterprise"].empty_label = None
        self.fields["country"].queryset = Country.objects.filter(is_focus=True) | Country.objects.filter(
            pk=getattr(self.instance, "country_id", None))
        self.fields["region"].queryset = Region.objects.filter(level=Region.Level.REGION).select_related("country")
        describe_choices(self)
        follow_country(self)
        # Checkboxes for the suggestions, the current skills and whatever was posted — never all 13,896.
        ids = {s.pk for s in suggested_skills}
        if self.instance.pk:
            ids |= set(self.instance.required_skills.values_list("pk", flat=True))
        if self.is_bound:
            ids |= {int(v) for v in self.data.getlist(self.add_prefix("required_skills")) if str(v).isdigit()}
        self.fields["required_skills"].queryset = Skill.objects.filter(pk__in=ids).order_by("label")
        if not self.instance.pk:
            del self.fields["status"]
        add_version_field(self, self.instance)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["required_skills"] = list(data.get("required_skills") or [])
        if data.get("occupation") is None:
            data.pop("occupation", None)
        return data


class DemandImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
