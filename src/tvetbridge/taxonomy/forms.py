from django import forms
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import bounded_upload

from .queries import SEARCH_KINDS, SEARCH_SCOPES


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Look in"), required=False, initial="occupations",
                             choices=[("occupations", _("occupations")), ("skills", _("skills"))])
    scope = forms.ChoiceField(label=_("Languages"), required=False, initial="any",
                              choices=[("any", _("labels in any language")),
                                       ("active", _("labels in the page language only"))])

    def clean_kind(self):
        return self.cleaned_data.get("kind") if self.cleaned_data.get("kind") in SEARCH_KINDS else "occupations"

    def clean_scope(self):
        return self.cleaned_data.get("scope") if self.cleaned_data.get("scope") in SEARCH_SCOPES else "any"


class CodeTextForm(forms.Form):
    text = forms.CharField(
        label=_("Job or programme description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Write in English, Chinese, Russian or Kazakh: a job title, a vacancy or a programme outline."))


# --------------------------------------------------------------------------------------------- labels
def label_language_choices():
    from django.conf import settings

    from .models import LABEL_LANGUAGES

    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in LABEL_LANGUAGES]


class LabelFilterForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import LabelProposal

        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        self.fields["language"].choices = every + label_language_choices()
        self.fields["status"].choices = every + list(LabelProposal.Status.choices)
        self.fields["kind"].choices = every + list(LabelProposal.Kind.choices)


class ProposeLabelForm(forms.Form):
    """One proposal; its values are checked by ``services.draft_label``, as the API's and a file's are."""

    kind = forms.ChoiceField(label=_("Kind"))
    key = forms.CharField(label=_("Code"), max_length=60,
                          help_text=_("ESCO code of an occupation (e.g. 7212.1), ESCO identifier of a skill, or "
                                      "ISCO-08 code of a group."))
    language = forms.ChoiceField(label=_("Language"))
    label = forms.CharField(label=_("Label"), max_length=400)
    source = forms.CharField(label=_("Source"), max_length=400,
                             help_text=_("A classifier (e.g. ОКЗ OK 010-2014, НКЗ 2023), a document or a web "
                                         "address."))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from .models import LabelProposal

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = LabelProposal.Kind.choices
        self.fields["language"].choices = label_language_choices()
        self.draft = None

    def clean(self):
        from django.core.exceptions import ValidationError

        from .services import draft_label

        data = super().clean()
        if self.errors:
            return data
        try:
            self.draft = draft_label(data["kind"], data["key"], data["language"], data["label"], data["source"],
                                     data.get("comment", ""))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data


class LabelSheetForm(forms.Form):
    """Download (kind, language) and upload (plus the file and what to do with it) of a label sheet."""

    kind = forms.ChoiceField(label=_("Kind"))
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args, **kwargs):
        from .models import LabelProposal

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = LabelProposal.Kind.choices
        self.fields["language"].choices = label_language_choices()


class LabelUploadForm(LabelSheetForm):
    file = forms.FileField(label=_("XLSX file"))
    source = forms.CharField(label=_("Source of rows that name none"), max_length=300, required=False)
    approve = forms.BooleanField(label=_("Approve on import"), required=False,
                                 help_text=_("The labels become the ones shown everywhere at once."))

    def __init__(self, *args, can_approve: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].help_text = _("For rows whose language column is empty.")
        if not can_approve:
            del self.fields["approve"]

    def clean_file(self):
        return bounded_upload(self.cleaned_data["file"])


class DecideLabelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
