"""Forms: the fund designer (cohort assumptions + instrument terms), funds, instruments, flows.

The designer's fields are declared once in ``DESIGNER_FIELDS`` (section, engine name, kind, label);
the form, its spec (engine units) and the mapping of engine errors back onto inputs all derive from it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.models import CURRENCIES
from tvetbridge.registry.models import CooperationProject

from . import engine, services
from .models import INSTRUMENT_MODELS, Fund, Party, Transaction

PERCENT, MONEY, INT, NUMBER, CURRENCY, CHOICE = "percent", "money", "int", "number", "currency", "choice"

DESIGNER_FIELDS: list[tuple[str, str, str, Any]] = [
    ("cohort", "cohort_size", INT, _("Trainees per cohort")),
    ("cohort", "training_months", INT, _("Training length (months)")),
    ("cohort", "horizon_months", INT, _("Simulation horizon (months)")),
    ("cohort", "monthly_dropout", PERCENT, _("Monthly dropout during training (%)")),
    ("cohort", "monthly_employment_hazard", PERCENT, _("Monthly chance of finding a job (%)")),
    ("cohort", "monthly_default_hazard", PERCENT, _("Monthly migration or default (%)")),
    ("cohort", "baseline_income", MONEY, _("Baseline monthly income (local currency)")),
    ("cohort", "expected_gain", MONEY, _("Expected monthly income gain (local currency)")),
    ("cohort", "gain_uncertainty", MONEY, _("Uncertainty of that gain (standard error, local currency)")),
    ("cohort", "gain_dispersion", NUMBER, _("Spread of gains across trainees (log s.d.)")),
    ("cohort", "income_volatility", NUMBER, _("Month-to-month income noise (log s.d.)")),
    ("cohort", "wage_drift", PERCENT, _("Wage growth per year (%)")),
    ("cohort", "wage_volatility", PERCENT, _("Wage volatility per year (%)")),
    ("cohort", "local_currency", CURRENCY, _("Trainees' currency")),
    ("cohort", "fund_currency", CURRENCY, _("Fund currency")),
    ("cohort", "fx_rate", NUMBER, _("Local units per unit of fund currency")),
    ("cohort", "fx_drift", PERCENT, _("Exchange-rate drift per year (%)")),
    ("cohort", "fx_volatility", PERCENT, _("Exchange-rate volatility per year (%)")),
    ("cohort", "disruption_probability", PERCENT, _("Monthly chance of a country disruption (%)")),
    ("cohort", "disruption_months", INT, _("Months a disruption lasts")),
    ("cohort", "discount_rate", PERCENT, _("Discount rate per year (%)")),
    ("sponsors", "initial_capital", MONEY, _("Fund's own capital")),
    ("sponsors", "grant", MONEY, _("Government grant")),
    ("sponsors", "trainee_fee", MONEY, _("Fee per trainee (local currency)")),
    ("sponsors", "training_cost", MONEY, _("Training cost per trainee")),
    ("loan", "principal", MONEY, _("Concessional loan principal")),
    ("loan", "annual_rate", PERCENT, _("Loan interest rate per year (%)")),
    ("loan", "grace_months", INT, _("Grace period (months)")),
    ("loan", "term_months", INT, _("Loan term (months)")),
    ("floor", "refund_amount", MONEY, _("Refund if not employed (local currency)")),
    ("floor", "refund_after_months", INT, _("Refund after months without a job")),
    ("floor", "floor_income", MONEY, _("Monthly income floor (local currency)")),
    ("floor", "topup_months", INT, _("Months the top-up covers")),
    ("share", "rate", PERCENT, _("Share of income gain (%)")),
    ("share", "threshold", MONEY, _("Gain threshold per month (local currency)")),
    ("share", "months", INT, _("Months of sharing")),
    ("share", "cap_multiple", NUMBER, _("Cap (multiple of training cost)")),
    ("order", "price_per_hire", MONEY, _("Payment per graduate hired")),
    ("order", "hire_probability", PERCENT, _("Share of employed graduates the enterprise hires (%)")),
    ("order", "upfront_share", PERCENT, _("Share paid up front (%)")),
    ("order", "committed_hires", INT, _("Hires committed per cohort")),
    ("order", "value_per_hire", MONEY, _("Value of a hire to the enterprise")),
    ("option", "kind", CHOICE, _("Option kind")),
    ("option", "strike", MONEY, _("Strike (average monthly gain, fund currency)")),
    ("option", "start_month", INT, _("Start month")),
    ("option", "maturity_month", INT, _("Maturity month")),
    ("option", "cap", MONEY, _("Cap on the payoff per unit (optional)")),
    ("option", "notional", NUMBER, _("Notional (units)")),
    ("option", "premium", MONEY, _("Premium paid to the fund")),
]
OPTIONAL_SECTIONS = {"floor": _("Income floor"), "share": _("Profit sharing"),
                     "order": _("Order-based training commitment"), "option": _("Skill appreciation option")}
SECTION_LEGENDS = {"cohort": _("Cohort assumptions"), "sponsors": _("Sponsors and costs"),
                   "loan": _("Concessional loan"), **OPTIONAL_SECTIONS}
ASSUMPTION_LABELS = {name: label for section, name, _k, label in DESIGNER_FIELDS if section == "cohort"}
ENGINE_DEFAULTS = {"order": asdict(engine.OrderCommitment()), "option": asdict(engine.SkillOption())}


def field_name(section: str, name: str) -> str:
    return f"{section}_{name}"


def _section_values(spec: dict, section: str) -> dict | None:
    if section == "loan":
        return (spec.get("sponsors") or {}).get("loan")
    return spec.get(section)


def initial_from_spec(spec: dict) -> dict:
    base = services.default_spec()
    initial: dict[str, Any] = {}
    for section in OPTIONAL_SECTIONS:
        initial[f"use_{section}"] = spec.get(section) is not None
    for section, name, kind, _label in DESIGNER_FIELDS:
        values = _section_values(spec, section) or _section_values(base, section) or ENGINE_DEFAULTS.get(section, {})
        # Specs saved before a field existed lack it: show the default rather than an empty input.
        value = values.get(name, (_section_values(base, section) or ENGINE_DEFAULTS.get(section, {})).get(name))
        if kind == PERCENT and value is not None:
            value = round(value * 100, 6)
        initial[field_name(section, name)] = value
    return initial


class DesignerForm(forms.Form):
    n_paths = forms.IntegerField(label=_("Trainee paths to simulate"), min_value=1, initial=50_000,
                                 help_text=_("More paths, smaller Monte Carlo error, longer run."))
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, initial=2026,
                              help_text=_("The same seed and terms give the same figures."))
    project = forms.ModelChoiceField(CooperationProject.objects.all(), required=False, label=_("Project"))

    def __init__(self, *args, field_notes: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # "section.name" → sentences shown under that input (e.g. where a default came from)
        self.field_notes = {field_name(*key.split(".", 1)): v for key, v in (field_notes or {}).items()}
        for section in OPTIONAL_SECTIONS:
            self.fields[f"use_{section}"] = forms.BooleanField(
                required=False, label=_("Include: %(name)s") % {"name": OPTIONAL_SECTIONS[section]})
        for section, name, kind, label in DESIGNER_FIELDS:
            required = section not in OPTIONAL_SECTIONS and not (section, name) == ("option", "cap")
            attrs = {"inputmode": "decimal"}
            if kind == INT:
                field = forms.IntegerField(label=label, required=required, widget=forms.NumberInput(attrs={"step": 1}))
            elif kind == CURRENCY:
                field = forms.ChoiceField(label=label, required=required, choices=CURRENCIES)
            elif kind == CHOICE:
                field = forms.ChoiceField(label=label, required=False,
                                          choices=[("call", _("call (gain above strike)")),
                                                   ("put", _("put (gain below strike)"))])
            else:
                field = forms.FloatField(label=label, required=required,
                                         widget=forms.NumberInput(attrs={**attrs, "step": "any"}))
            self.fields[field_name(section, name)] = field
        self.spec: dict | None = None

    def fieldsets(self):
        sections = list(dict.fromkeys(section for section, *_rest in DESIGNER_FIELDS))
        return [{"key": s, "legend": SECTION_LEGENDS[s],
                 "toggle": self[f"use_{s}"] if s in OPTIONAL_SECTIONS else None,
                 "fields": [{"field": self[field_name(s, n)], "notes": self.field_notes.get(field_name(s, n), [])}
                            for sec, n, *_r in DESIGNER_FIELDS if sec == s]}
                for s in sections]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        spec: dict[str, Any] = {"sponsors": {}}
        missing = {}
        for section, name, kind, _label in DESIGNER_FIELDS:
            if section in OPTIONAL_SECTIONS and not data.get(f"use_{section}"):
                spec[section] = None
                continue
            value = data.get(field_name(section, name))
            if value is None and not (section, name) == ("option", "cap"):
                missing[field_name(section, name)] = _("Required when this instrument is included.")
                continue
            if kind == PERCENT:
                value = value / 100.0
            target = spec["sponsors"].setdefault("loan", {}) if section == "loan" else \
                spec["sponsors"] if section == "sponsors" else spec.setdefault(section, {})
            target[name] = value
        if missing:
            raise ValidationError(missing)
        try:
            services.design_from_spec(spec)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = key.replace("sponsors.loan.", "loan.").replace(".", "_")
                self.add_error(name if name in self.fields else None, messages)
            return data
        self.spec = spec
        return data


class SaveDesignForm(forms.Form):
    name = forms.CharField(label=_("Name of the design"), max_length=200)
    project = forms.ModelChoiceField(CooperationProject.objects.all(), required=False, label=_("Attach to project"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachDesignForm(forms.Form):
    project = forms.ModelChoiceField(CooperationProject.objects.all(), required=False, label=_("Project"))


class CompareForm(forms.Form):
    a = forms.ModelChoiceField(queryset=None, label=_("Design A"))
    b = forms.ModelChoiceField(queryset=None, label=_("Design B"))

    def __init__(self, *args, designs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = designs
        self.fields["b"].queryset = designs


class FundForm(forms.ModelForm):
    class Meta:
        model = Fund
        fields = ["name_en", "name_zh_hans", "name_ru", "name_kk", "description_en", "currency", "sponsors",
                  "projects"]


class DemandChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} · {obj.enterprise} · {obj.external_key}"


def instrument_form_class(kind: str) -> type[forms.ModelForm]:
    """A ModelForm for one instrument kind; terms are validated by the model (hence the engine)."""
    # Pricing fields are the engine's output, not the user's input.
    form_class = forms.modelform_factory(INSTRUMENT_MODELS[kind], exclude=["fund", "fair_value", "fair_value_se",
                                                                           "priced_at"])
    if kind != "order":
        return form_class
    from tvetbridge.demand.models import SkillDemand

    class OrderCommitmentForm(form_class):
        # Cancelled demands cannot be answered; the model says so if one is posted anyway.
        demand = DemandChoiceField(
            SkillDemand.objects.exclude(status=SkillDemand.Status.CANCELLED).select_related("enterprise")
            .order_by("enterprise__name", "deadline", "pk"),
            label=_("Skill demand"), help_text=_("The enterprise's skill demand this order answers."))

    return OrderCommitmentForm


class FlowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, Transaction.Kind(k).label)
                                                       for k in services.FLOW_ACCOUNTS])
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0.01)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    party = forms.ModelChoiceField(Party.objects.all(), required=False, label=_("Party"))
    project = forms.ModelChoiceField(CooperationProject.objects.none(), required=False, label=_("Project"))

    def __init__(self, *args, fund: Fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = fund.projects.all()


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    party = forms.ModelChoiceField(Party.objects.all(), required=False, label=_("Party"))
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("pdf", "PDF")])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end must not be before the start."))
        return data
