"""The upload form of the HSK centres' imports."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.forms import bounded_upload

from . import io


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("records"), choices=[(io.SITTINGS_KIND, _("test sittings")),
                                                          (io.CENTRES_KIND, _("Chinese test centres"))])
    file = forms.FileField(label=_("XLSX or CSV file"))
    dry_run = forms.BooleanField(label=_("only check, do not import"), required=False)

    def clean_file(self):
        # The size before a byte is read; rows and expansion are bounded when the importer reads it.
        return bounded_upload(self.cleaned_data["file"])
