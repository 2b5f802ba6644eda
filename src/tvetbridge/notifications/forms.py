from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    """Two check boxes per kind the user's role may receive: in the app, by e-mail."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            code = row["kind"].code
            self.fields[f"{code}:in_app"] = forms.BooleanField(label=_("in the app"), required=False,
                                                                initial=row["in_app"])
            self.fields[f"{code}:email"] = forms.BooleanField(label=_("by e-mail"), required=False,
                                                               initial=row["email"])

    def table(self):
        return [{"kind": row["kind"], "in_app": self[f"{row['kind'].code}:in_app"],
                 "email": self[f"{row['kind'].code}:email"]} for row in self.rows]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {row["kind"].code: (self.cleaned_data[f"{row['kind'].code}:in_app"],
                                   self.cleaned_data[f"{row['kind'].code}:email"]) for row in self.rows}
