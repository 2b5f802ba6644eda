"""Governance forms. Validation beyond a field's own lives in the services, shared with imports."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field
from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.models import CooperationProject, Institution

from .models import (
    DOCUMENT_LANGUAGES,
    Agreement,
    Asset,
    ContinuityClause,
    ExitPlan,
    OperationDocument,
    OverseasOperation,
    Signatory,
    SupervisionReport,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_version_field(self, self.instance)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AgreementForm(VersionedForm):
    class Meta:
        model = Agreement
        fields = ["title", "summary", "level", "kind", "status", "institutions", "other_parties", "countries",
                  "projects", "signed_on", "effective_from", "expires_on", "renewal", "renewal_notice_days",
                  "confidential"]
        widgets = {"signed_on": DATE, "effective_from": DATE, "expires_on": DATE,
                   "summary": forms.Textarea(attrs={"rows": 3})}


class ClauseForm(VersionedForm):
    class Meta:
        model = ContinuityClause
        fields = ["kind", "reference", "text", "notice_days", "guarantor"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class SignatoryForm(forms.ModelForm):
    class Meta:
        model = Signatory
        fields = ["name", "position", "organisation", "signed_on"]
        widgets = {"signed_on": DATE}


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    language = forms.ChoiceField(label=_("language"), choices=DOCUMENT_LANGUAGES)
    file = forms.FileField(label=_("file"), help_text=_("PDF, DOCX, ODT, PNG or JPEG; at most 10 MB."))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("XLSX or CSV file"), help_text=_("At most 5 MB; the first row holds the "
                                                                    "column names."))


class OperationDocumentForm(DocumentForm):
    kind = forms.ChoiceField(label=_("kind"), choices=OperationDocument.Kind.choices)


class OperationForm(VersionedForm):
    class Meta:
        model = OverseasOperation
        fields = ["project", "operator", "kind", "site", "qualifications", "teachers_dispatched",
                  "students_planned"]
        widgets = {"qualifications": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.INSTITUTION_STAFF:
            own = user.profile.institution_id
            # The operator is the user's institution; the projects are those it takes part in.
            del self.fields["operator"]
            self.fields["project"].queryset = CooperationProject.objects.filter(
                Q(chinese_institutions=own) | Q(partner_institutions=own)).distinct()
        else:
            self.fields["operator"].queryset = Institution.objects.order_by("name")


class ExitPlanForm(VersionedForm):
    class Meta:
        model = ExitPlan
        fields = ["students", "receiving_institution", "teachers", "assets", "notice_days"]
        widgets = {k: forms.Textarea(attrs={"rows": 3}) for k in ("students", "teachers", "assets")}


class AssetForm(VersionedForm):
    class Meta:
        model = Asset
        fields = ["kind", "description", "value", "currency", "custodian", "location", "ledger_reference",
                  "acquired_on", "disposed_on", "disposal_note"]
        widgets = {"acquired_on": DATE, "disposed_on": DATE}


class ReportForm(forms.ModelForm):
    class Meta:
        model = SupervisionReport
        fields = ["period_start", "period_end", "students_enrolled", "teachers_on_site", "rating", "findings"]
        widgets = {"period_start": DATE, "period_end": DATE, "findings": forms.Textarea(attrs={"rows": 4})}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
