"""Governance forms. Validation beyond a field's own lives in the services, shared with imports."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import add_version_field
from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry.models import CooperationProject, FacultyMember, Institution

from .models import (
    DOCUMENT_LANGUAGES,
    Agreement,
    Asset,
    Committee,
    CommitteeMember,
    ContinuityClause,
    Decision,
    Event,
    ExitPlan,
    FollowUpAction,
    OperationDocument,
    OverseasOperation,
    Participant,
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
        fields = ["external_key", "kind", "description", "value", "currency", "custodian", "location",
                  "ledger_reference", "acquired_on", "disposed_on", "disposal_note"]
        widgets = {"acquired_on": DATE, "disposed_on": DATE}


class ReportForm(forms.ModelForm):
    class Meta:
        model = SupervisionReport
        fields = ["period_start", "period_end", "students_enrolled", "teachers_on_site", "rating", "findings"]
        widgets = {"period_start": DATE, "period_end": DATE, "findings": forms.Textarea(attrs={"rows": 4})}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommitteeForm(VersionedForm):
    class Meta:
        model = Committee
        fields = ["name", "kind", "alliance", "countries", "mandate", "established", "dissolved"]
        widgets = {"established": DATE, "dissolved": DATE, "mandate": forms.Textarea(attrs={"rows": 3})}


class MemberForm(VersionedForm):
    class Meta:
        model = CommitteeMember
        fields = ["name", "role", "institution", "organisation", "since", "until"]
        widgets = {"since": DATE, "until": DATE}


class EventForm(VersionedForm):
    class Meta:
        model = Event
        fields = ["title", "kind", "status", "committee", "alliance", "starts_on", "ends_on", "country", "city",
                  "organiser", "other_organisers", "projects", "agreements", "summary", "outputs", "published"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "summary": forms.Textarea(attrs={"rows": 3}),
                   "outputs": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The event cannot end before it starts."))
        return data


class ParticipantForm(VersionedForm):
    # A trainee is named by their external key (there may be many thousands), never by name.
    trainee = forms.ModelChoiceField(queryset=None, required=False, to_field_name="external_key",
                                     widget=forms.TextInput, label=_("trainee (external key)"))

    class Meta:
        model = Participant
        fields = ["role", "faculty", "trainee", "name", "institution", "country", "placing", "award", "certificate"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from tvetbridge.outcomes.queries.results import trainees_for

        self.fields["trainee"].queryset = trainees_for(user)
        if role_of(user) == Role.INSTITUTION_STAFF:
            own = user.profile.institution_id
            self.fields["faculty"].queryset = FacultyMember.objects.filter(institution_id=own)
            self.fields["institution"].queryset = Institution.objects.filter(pk=own)
        else:
            self.fields["faculty"].queryset = FacultyMember.objects.select_related("institution")


class DecisionForm(VersionedForm):
    class Meta:
        model = Decision
        fields = ["reference", "text", "projects", "agreements"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ActionForm(VersionedForm):
    class Meta:
        model = FollowUpAction
        fields = ["description", "responsible", "responsible_other", "due_on", "status", "completed_on", "note"]
        widgets = {"due_on": DATE, "completed_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class PlaceFilterForm(forms.Form):
    """Country and project, the filters the events list and the calendar share; both optional."""

    country = forms.ModelChoiceField(queryset=None, required=False, label=_("country"), to_field_name="code")
    project = forms.ModelChoiceField(queryset=CooperationProject.objects.order_by("name"), required=False,
                                     label=_("project"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tvetbridge.core.models import Country

        self.fields["country"].queryset = Country.objects.filter(
            Q(is_focus=True) | Q(governance_events__isnull=False)).distinct()

    def place(self) -> dict:
        """The chosen filters as ``queries.calendar`` takes them (empty when the form is not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"country": data["country"].code if data.get("country") else "",
                "project": data["project"].pk if data.get("project") else None}


class CalendarForm(PlaceFilterForm):
    """The events list's filters; every one optional."""

    kind = forms.ChoiceField(choices=[("", "—")] + Event.Kind.choices, required=False, label=_("kind"))
    year = forms.IntegerField(min_value=1990, max_value=2100, required=False, label=_("year"))


class MonthForm(PlaceFilterForm):
    month = forms.RegexField(regex=r"^(19|20)\d\d-(0[1-9]|1[0-2])$", required=False, label=_("month"),
                             widget=forms.TextInput(attrs={"type": "month"}))

    def first_day(self, today: dt.date) -> dt.date:
        value = self.cleaned_data.get("month") if self.is_valid() else ""
        if not value:
            return today.replace(day=1)
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)
