"""Forms of the recognition pages. They parse and bound input; the services decide and validate, so the
pages, the API and the imports refuse the same things with the same messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tvetbridge.core.models import Country, Language
from tvetbridge.registry.models import Programme
from tvetbridge.taxonomy.models import Skill

from .engine.verify import MAX_DOCUMENT_BYTES
from .models import (
    CredentialType,
    FrameworkLevel,
    IssuedCredential,
    LevelLink,
    QualificationFramework,
    RecognitionApplication,
)

LANG_FIELDS = (("en", _("English")), ("zh_hans", _("Chinese")), ("ru", _("Russian")), ("kk", _("Kazakh")))


class LevelChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.framework.name} — {obj.name}"


def _levels():
    return FrameworkLevel.objects.select_related("framework").order_by("framework__order", "rank")


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LinkForm(VersionedForm):
    source = LevelChoice(queryset=_levels(), label=_("Level"))
    target = LevelChoice(queryset=_levels(), label=_("Corresponds to"))
    relation = forms.ChoiceField(choices=LevelLink.Relation.choices, label=_("Relation"))
    status = forms.ChoiceField(choices=LevelLink.Status.choices, label=_("Status"))
    source_citation = forms.CharField(max_length=500, required=False, label=_("Source"),
                                      help_text=_("The referencing report or agreement; required for official links."))
    basis_en = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Basis (English)"))
    basis_zh_hans = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Basis (Chinese)"))
    basis_ru = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Basis (Russian)"))
    basis_kk = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Basis (Kazakh)"))
    reason = forms.CharField(max_length=100, required=False, label=_("Reason for the change"))

    def service_data(self) -> dict:
        keys = ("source", "target", "relation", "status", "source_citation", "basis_en", "basis_zh_hans", "basis_ru",
                "basis_kk")
        return {k: self.cleaned_data[k] for k in keys}


class DeleteForm(VersionedForm):
    reason = forms.CharField(max_length=100, label=_("Reason"))


class VerifyForm(forms.Form):
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}), required=False,
                               label=_("Paste the credential (JSON-LD)"))
    upload = forms.FileField(required=False, label=_("…or upload the file"))

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The file is %(size)s bytes; at most %(limit)s are accepted.")
                                        % {"size": upload.size, "limit": MAX_DOCUMENT_BYTES})
        return upload

    def text(self) -> str:
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            return upload.read(MAX_DOCUMENT_BYTES + 1).decode("utf-8", errors="replace")
        return self.cleaned_data.get("document") or ""


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=IssuedCredential.Status.choices, label=_("New status"))
    reason = forms.CharField(max_length=500, label=_("Reason"))


class IssueForm(forms.Form):
    award = forms.ModelChoiceField(queryset=None, label=_("Credential awarded"))
    credential_type = forms.ModelChoiceField(queryset=None, label=_("Credential type"))

    def __init__(self, *args, awards, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award"].queryset = awards
        self.fields["award"].label_from_instance = lambda a: f"{a.trainee.external_key} · {a.name} ({a.awarded:%Y-%m-%d})"
        self.fields["credential_type"].queryset = types


class CohortForm(forms.Form):
    credential_type = forms.ModelChoiceField(queryset=None, label=_("Credential type"))

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential_type"].queryset = types.exclude(programme=None)


class CredentialTypeForm(forms.Form):
    name_en = forms.CharField(max_length=300, label=_("Name (English)"))
    name_zh_hans = forms.CharField(max_length=300, required=False, label=_("Name (Chinese)"))
    name_ru = forms.CharField(max_length=300, required=False, label=_("Name (Russian)"))
    name_kk = forms.CharField(max_length=300, required=False, label=_("Name (Kazakh)"))
    description_en = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Description (English)"))
    criteria_en = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Award criteria (English)"))
    kind = forms.ChoiceField(choices=CredentialType.Kind.choices, label=_("Kind"))
    programme = forms.ModelChoiceField(queryset=None, required=False, label=_("Programme"))
    levels = forms.ModelMultipleChoiceField(queryset=_levels(), label=_("Framework levels"))
    language = forms.ModelChoiceField(queryset=Language.objects.all(), label=_("Language"))
    hours = forms.IntegerField(min_value=1, required=False, label=_("Workload (hours)"))
    credits = forms.DecimalField(min_value=0, max_digits=6, decimal_places=1, required=False,
                                 label=pgettext_lazy("academic", "Credits"))
    outcomes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("Learning outcomes"),
                               help_text=_("One per line. Start a line with an ESCO skill identifier and a "
                                           "semicolon to code it, e.g. “abc123…; Plans warehouse operations”."))

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(institution=institution)
        self.fields["levels"].label_from_instance = lambda obj: f"{obj.framework.name} — {obj.name}"

    def clean_outcomes(self):
        return parse_outcomes(self.cleaned_data["outcomes"])


def parse_outcomes(text: str) -> list[dict]:
    """Lines “ESCO skill id; outcome” (or just the outcome) to the services' outcome rows; an unknown
    skill identifier or an over-long line is an error naming its line."""
    rows, errors = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        code, sep, outcome = line.partition(";")
        skill = None
        if sep:
            skill = Skill.objects.filter(esco_id=code.strip()).first()
            if skill is None:
                errors.append(_("Line %(n)s: “%(code)s” is not an ESCO skill identifier.")
                              % {"n": n, "code": code.strip()[:60]})
                continue
        else:
            outcome = line
        if len(outcome.strip()) > 500:
            errors.append(_("Line %(n)s: a learning outcome has at most 500 characters.") % {"n": n})
            continue
        rows.append({"text": {"en": outcome.strip()}, "skill": skill})
    if errors:
        raise forms.ValidationError(errors)
    if not rows:
        raise forms.ValidationError(_("Give at least one learning outcome."))
    return rows


def outcome_lines(outcomes) -> str:
    """Stored outcomes back to the lines ``parse_outcomes`` reads."""
    return "\n".join(f"{o.skill.esco_id}; {o.text}" if o.skill_id else o.text for o in outcomes)


class PlacementForm(VersionedForm):
    """A programme's place on the frameworks: levels, workload, language and programme learning outcomes."""

    levels = forms.ModelMultipleChoiceField(queryset=_levels(), label=_("Framework levels"),
                                            widget=forms.SelectMultiple(attrs={"size": 10}),
                                            error_messages={"invalid_choice": _("“%(value)s” is not a level of any "
                                                                                "framework on the platform.")})
    hours = forms.IntegerField(min_value=1, max_value=100_000, label=_("Workload (hours)"))
    credits = forms.DecimalField(min_value=0, max_digits=6, decimal_places=1, label=pgettext_lazy("academic", "Credits"))
    credit_system = forms.CharField(max_length=60, initial="ECTS", label=_("Credit system"),
                                    help_text=_("For example ECTS, or the national credit unit."))
    language = forms.ModelChoiceField(queryset=Language.objects.all(), label=_("Main language of instruction"))
    outcomes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label=_("Programme learning outcomes"),
                               max_length=20_000,
                               help_text=_("One per line. Start a line with an ESCO skill identifier and a "
                                           "semicolon to code it; “Suggest skills” proposes codes for the lines "
                                           "without one, which you check before saving."))
    reason = forms.CharField(max_length=100, required=False, label=_("Reason for the change"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].label_from_instance = lambda obj: f"{obj.framework.name} — {obj.name}"

    def clean_outcomes(self):
        return parse_outcomes(self.cleaned_data["outcomes"])


class CompareForm(forms.Form):
    first = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    second = forms.ModelChoiceField(queryset=None, label=_("Compared with"))

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = programmes
            self.fields[name].label_from_instance = lambda p: f"{p.name} · {p.institution}"


class ProposeTransferForm(forms.Form):
    source = forms.ModelChoiceField(queryset=None, label=_("Programme the modules were passed in"))
    target = forms.ModelChoiceField(queryset=None, label=_("Programme they count towards"))

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = programmes
        self.fields["target"].queryset = programmes
        for name in ("source", "target"):
            self.fields[name].label_from_instance = lambda p: f"{p.name} · {p.institution}"


class RejectForm(VersionedForm):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why"))


class ApplyForm(forms.Form):
    award = forms.ModelChoiceField(queryset=None, label=_("Credential"))
    host_country = forms.ModelChoiceField(queryset=Country.objects.filter(is_focus=True), label=_("Country of recognition"))
    purpose = forms.ChoiceField(choices=RecognitionApplication.Purpose.choices, label=_("Purpose"))
    target_programme = forms.ModelChoiceField(queryset=Programme.objects.select_related("institution"),
                                              required=False, label=_("Programme applied to (for further study)"))

    def __init__(self, *args, awards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award"].queryset = awards
        self.fields["award"].label_from_instance = lambda a: f"{a.name} ({a.awarded:%Y-%m-%d}) · {a.trainee.external_key}"


class DecideForm(VersionedForm):
    outcome = forms.ChoiceField(choices=RecognitionApplication.Outcome.choices, label=_("Decision"))
    recognised_level = LevelChoice(queryset=_levels(), required=False, label=_("Recognised as"))
    compensation = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                   label=_("Compensation measures"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note to the applicant"))

    def __init__(self, *args, framework: QualificationFramework | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if framework is not None:
            self.fields["recognised_level"].queryset = _levels().filter(framework=framework)


class AppealForm(VersionedForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Grounds of appeal"))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, label=_("Reason"))
