"""Forms collect and shape input; ``services`` validates the substance and writes."""

from __future__ import annotations

import csv
import io

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.models import Country
from tvetbridge.registry.models import CooperationProject

from .models import Indicator, RiskEvent

LANG_SUFFIXES = [code.replace("-", "_") for code, _name in settings.LANGUAGES]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CSV_COLUMNS = ("country", "indicator", "period", "value")


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["code", *[f"name_{s}" for s in LANG_SUFFIXES], "unit", "min_value", "max_value", "direction",
                  "source", *[f"description_{s}" for s in LANG_SUFFIXES]]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"name_{s}") for s in LANG_SUFFIXES):
            self.add_error("name_en", _("Give the indicator a name in at least one language."))
        return data


class ObservationForm(forms.Form):
    country = forms.CharField(label=_("Country (ISO code)"), max_length=3)
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none(), to_field_name="code")
    period = forms.CharField(label=_("Period"), max_length=9, help_text=_("A year (2026) or a quarter (2026-Q3)."))
    value = forms.CharField(label=_("Value"), max_length=40)
    source_note = forms.CharField(label=_("Source"), max_length=300,
                                  help_text=_("Document, table or address the value comes from."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.exclude(
            is_reference=True, inform_name__in=_aggregated_names())

    def rows(self) -> list[dict]:
        d = self.cleaned_data
        return [{"country": d["country"], "indicator": d["indicator"].code, "period": d["period"],
                 "value": d["value"], "source_note": d["source_note"]}]


def _aggregated_names() -> tuple[str, ...]:
    from .engine.inform import INFORM_2021

    return INFORM_2021.order


class ObservationUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_(
        "Columns: country, indicator, period, value, and optionally source (a source key) and source_note. "
        "UTF-8, comma-separated, one header row."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in CSV_COLUMNS if c not in header]
        if missing:
            raise forms.ValidationError(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
        reader.fieldnames = header
        self.csv_rows = [row for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]
        if not self.csv_rows:
            raise forms.ValidationError(_("The file has no data rows."))
        return upload


class EventForm(forms.ModelForm):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all(),
                                     error_messages={"invalid_choice": _("Unknown country.")})
    affected_projects = forms.ModelMultipleChoiceField(
        label=_("Affected projects"), required=False, queryset=CooperationProject.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = RiskEvent
        fields = ["country", "date", "kind", "severity", *[f"title_{s}" for s in LANG_SUFFIXES], "source",
                  *[f"description_{s}" for s in LANG_SUFFIXES], "affected_projects"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}),
                   **{f"description_{s}": forms.Textarea(attrs={"rows": 3}) for s in LANG_SUFFIXES}}

    def __init__(self, *args, country: Country | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.order_by("-is_focus", "name")
        projects = CooperationProject.objects.order_by("name")
        code = (self.data.get("country") if self.is_bound else None) or (country.code if country else None)
        if code:
            projects = projects.filter(host_country_id=code)
        self.fields["affected_projects"].queryset = projects
        if country is not None:
            self.fields["country"].initial = country

    def clean(self):
        data = super().clean()
        if not any(data.get(f"title_{s}") for s in LANG_SUFFIXES):
            self.add_error("title_en", _("Give the event a title in at least one language."))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        titles = {f"title_{s}": d.get(f"title_{s}") or "" for s in LANG_SUFFIXES}
        descriptions = {f"description_{s}": d.get(f"description_{s}") or "" for s in LANG_SUFFIXES}
        title = next((t for t in titles.values() if t), "")
        return {"country": d["country"], "date": d["date"], "kind": d["kind"], "severity": d["severity"],
                "title": title, "source": d["source"], "description": next((t for t in descriptions.values() if t), ""),
                "affected_projects": list(d.get("affected_projects") or []), **titles, **descriptions}


class AlertActionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
