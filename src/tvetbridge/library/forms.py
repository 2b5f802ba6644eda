"""Forms of the library pages. Validation that API and imports share lives in services
(``validate_upload``, ``save_resource``); forms only collect and present."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.models import Country, FieldOfStudy, Language

from .models import LrsClient, Resource


class ResourceForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Resource
        fields = ["kind", "title_en", "title_zh_hans", "title_ru", "title_kk", "description_en",
                  "description_zh_hans", "description_ru", "description_kk", "content_languages",
                  "partner_institutions", "authors", "licence", "isced_level", "framework_level", "field", "parent",
                  "programmes", "projects", "hours", "url", "file"]
        widgets = {f"description_{s}": forms.Textarea(attrs={"rows": 3}) for s in ("en", "zh_hans", "ru", "kk")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from tvetbridge.registry.models import CooperationProject, Institution, Programme

        self.fields["content_languages"].queryset = Language.objects.filter(code__in=["en", "zh", "ru", "kk", "uz",
                                                                                        "ky", "tg", "tk"])
        self.fields["content_languages"].required = True
        self.fields["partner_institutions"].queryset = Institution.objects.order_by("name")
        self.fields["programmes"].queryset = Programme.objects.select_related("institution").order_by("name")
        self.fields["projects"].queryset = CooperationProject.objects.order_by("name")
        self.fields["parent"].queryset = Resource.objects.filter(kind=Resource.Kind.COURSE).order_by("title")
        self.fields["field"].queryset = FieldOfStudy.objects.order_by("code")
        for name in ("partner_institutions", "programmes", "projects"):
            self.fields[name].widget.attrs["size"] = 6
        self.fields["title_en"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if not any(data.get(f"title_{s}") for s in ("en", "zh_hans", "ru", "kk")):
            raise forms.ValidationError(_("Give the title in at least one language."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all"))] + Resource.Kind.choices)
    language = forms.ModelChoiceField(label=_("Language of the content"), required=False, empty_label=_("all"),
                                      queryset=Language.objects.filter(code__in=["en", "zh", "ru", "kk", "uz", "ky",
                                                                                 "tg", "tk"]))
    level = forms.TypedChoiceField(label=_("Level"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("all"))] + [(i, f"ISCED {i}") for i in range(2, 8)])
    field = forms.ModelChoiceField(label=_("Field"), required=False, empty_label=_("all"),
                                   queryset=FieldOfStudy.objects.filter(code__regex=r"^\d\d$").order_by("code"))
    country = forms.ModelChoiceField(label=_("Country"), required=False, empty_label=_("all"),
                                     queryset=Country.objects.filter(is_focus=True))
    licence = forms.ChoiceField(label=_("Licence"), required=False, choices=[("", _("all"))] + Resource.Licence.choices)


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("Which system will use it, for example the college's Moodle."))
    scope = forms.ChoiceField(label=_("Permissions"), choices=LrsClient.Scope.choices, initial=LrsClient.Scope.WRITE)
