"""Create/edit forms for registry records.

Forms only validate and collect data; saving goes through ``registry.services`` so pages, API and
imports share one path with the same permission checks and audit trail.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field, describe_choices, follow_country, show_service_errors
from tvetbridge.core.roles import is_manager
from tvetbridge.core.services import Conflict

from .models import (
    Alliance,
    CooperationProject,
    Enterprise,
    Facility,
    FacultyMember,
    Institution,
    Programme,
)
from .services import status_change_error

LANG_SUFFIXES = [code.replace("-", "_") for code, _name in settings.LANGUAGES]
COMMON_TAIL = ["source", "is_synthetic"]


def per_language(*names: str) -> list[str]:
    return [f"{name}_{suffix}" for name in names for suffix in LANG_SUFFIXES]


FORM_FIELDS: dict[type, list[str]] = {
    Institution: ["external_key", *per_language("name"), "short_name", "kind", "country", "region", "languages",
                  "fields", "website", "email", "phone", "address", *per_language("description"), *COMMON_TAIL],
    Programme: ["external_key", "institution", *per_language("name"), "field", "isced_level", "national_level",
                "duration_months", "languages", "intake_capacity", "expected_graduates",
                *per_language("description"), *COMMON_TAIL],
    FacultyMember: ["external_key", "institution", "full_name", "position", "fields", "willing_to_dispatch",
                    *COMMON_TAIL],
    Facility: ["external_key", "institution", *per_language("name"), "kind", "capacity", "area_m2", "fields",
               *COMMON_TAIL],
    Enterprise: ["external_key", *per_language("name"), "country", "region", "sector", "chinese_funded", "website",
                 *per_language("description"), *COMMON_TAIL],
    Alliance: ["external_key", *per_language("name"), "founded", "scope", "institutions", "lead_institutions",
               "enterprises", "reported_members", *per_language("description"), *COMMON_TAIL],
    CooperationProject: ["external_key", *per_language("name"), "kind", "status", "host_country", "host_region",
                         "chinese_institutions", "partner_institutions", "enterprises", "alliance", "fields",
                         "start_date", "end_date", *per_language("description"), "target_trainees",
                         "target_employment_rate", "target_income_gain", "target_currency", *COMMON_TAIL],
}

# Statuses a project's own staff may set; approval and later stages are a coordinator's decision.


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RegistryForm(forms.ModelForm):
    """Base form: needs the acting user to scope choices to what that user may write."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        key = self.fields.get("external_key")
        if key is not None:
            key.required = False
            key.help_text = _("Stable identifier used to match rows on re-import. Left empty, one is generated.")
            if editing:
                # Re-imports match on this key; changing it from a page would fork the record.
                key.disabled = True
        for name in ("name_en",):
            if name in self.fields:
                self.fields[name].required = True
        for name, field in self.fields.items():
            if name.startswith("description_"):
                field.widget = forms.Textarea(attrs={"rows": 3})
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.widget.attrs.setdefault("size", 6)
        describe_choices(self)
        follow_country(self)
        follow_country(self, "host_country", "host_region")
        if user is not None:
            self._scope_to_user(user)
        add_version_field(self, self.instance)

    def _scope_to_user(self, user) -> None:
        if isinstance(self.instance, CooperationProject) and "status" in self.fields:
            # Offer only the statuses this user may move the project to (registry.services.TRANSITIONS).
            source = self.instance.status if self.instance.pk else None
            self.fields["status"].choices = [
                c for c in self.fields["status"].choices
                if c[0] == source or status_change_error(user, self.instance, source, c[0]) is None]
        profile = getattr(user, "profile", None)
        if is_manager(user) or profile is None:
            return
        if profile.role == "institution" and "institution" in self.fields:
            field = self.fields["institution"]
            field.queryset = Institution.objects.filter(pk=profile.institution_id)
            field.initial = profile.institution_id
            field.empty_label = None
        if isinstance(self.instance, CooperationProject) and not self.instance.pk and profile.role == "institution":
            self.fields["partner_institutions"].initial = [profile.institution_id]

    def clean_external_key(self):
        if self.instance.pk is not None:
            return self.instance.external_key
        value = (self.cleaned_data.get("external_key") or "").strip()
        if not value:
            value = f"{self._meta.model._meta.model_name}-{uuid.uuid4().hex[:12]}"
        return value

    def service_data(self) -> dict:
        """The cleaned values to pass to ``services.create_record`` / ``update_record``."""
        return {name: self.cleaned_data[name] for name in self.fields
                if name in self.cleaned_data and not self.fields[name].disabled and name != "version"}

    def add_service_error(self, error: ValidationError | Conflict) -> None:
        """Show a service's ValidationError on the fields it names, or on the form as a whole."""
        show_service_errors(self, error)


def _formfield(db_field, **kwargs):
    # Addresses typed without a scheme are taken as https (Django 6's default, chosen now).
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


def form_class_for(model: type) -> type[RegistryForm]:
    return forms.modelform_factory(model, form=RegistryForm, fields=FORM_FIELDS[model],
                                   formfield_callback=_formfield)


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, max_length=200)


class AllianceMemberForm(forms.Form):
    """One membership change: add an institution or an enterprise, or remove one (the remove buttons
    post the member's id). The choices offered are the ones that make sense: non-members to add."""

    institution = forms.ModelChoiceField(Institution.objects.none(), required=False, label=_("Add an institution"))
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), required=False, label=_("Add an enterprise"))
    remove_institution = forms.ModelChoiceField(Institution.objects.none(), required=False,
                                                widget=forms.HiddenInput)
    remove_enterprise = forms.ModelChoiceField(Enterprise.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, alliance: Alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (Institution.objects.exclude(alliances=alliance)
                                               .select_related("country").order_by("name"))
        self.fields["institution"].label_from_instance = lambda i: f"{i} · {i.country}"
        self.fields["enterprise"].queryset = (Enterprise.objects.exclude(alliances=alliance)
                                              .select_related("country").order_by("name"))
        self.fields["enterprise"].label_from_instance = lambda e: f"{e} · {e.country}"
        self.fields["remove_institution"].queryset = alliance.institutions.all()
        self.fields["remove_enterprise"].queryset = alliance.enterprises.all()
        add_version_field(self, alliance)

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("institution", "enterprise", "remove_institution", "remove_enterprise")
                  if data.get(name)]
        if len(chosen) != 1:
            raise ValidationError(_("Choose one institution or one enterprise."))
        return data
