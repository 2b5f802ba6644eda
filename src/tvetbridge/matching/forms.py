from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.models import Country

from .queries import DEFAULT_HORIZON_DAYS, DEFAULT_RADIUS_KM


class GapFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("View"), required=False,
                             choices=[("occupation", _("by occupation")), ("skill", _("by skill"))])
    country = forms.ModelChoiceField(label=_("Country"), required=False, to_field_name="code",
                                     queryset=Country.objects.filter(is_focus=True), empty_label=_("all"))
    horizon = forms.IntegerField(label=_("Horizon (days)"), required=False, min_value=1, max_value=3650,
                                 initial=DEFAULT_HORIZON_DAYS)
    radius = forms.FloatField(label=_("Radius (km)"), required=False, min_value=0, max_value=5000,
                              initial=DEFAULT_RADIUS_KM)


class AllocationForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), required=False, to_field_name="code",
                                     queryset=Country.objects.filter(is_focus=True), empty_label=_("all"))
    max_km = forms.FloatField(label=_("Farthest distance (km)"), min_value=0, max_value=20000, initial=1500)
