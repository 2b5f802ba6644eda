from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tvetbridge.registry.models import Alliance
from tvetbridge.risk.queries import current_period

from .models import Kind


def scope_choices():
    from tvetbridge.core.models import Country

    choices = [("region", _("Whole region (China, Central Asia and Russia)"))]
    choices += [(f"country:{c.code}", c.name) for c in Country.objects.filter(is_focus=True).order_by("name")]
    choices += [(f"alliance:{a.external_key}", a.name) for a in Alliance.objects.order_by("name")[:200]]
    return choices


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=Kind.choices)
    scope = forms.ChoiceField(label=_("Scope"), choices=())
    period = forms.CharField(label=_("Period"), max_length=9, help_text=_("A quarter (2026-Q3) or a year (2026)."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices()
        self.fields["period"].initial = str(current_period())
