"""Helpers shared by the apps' forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .services import Conflict
from .uploads import FileRefused, check_size


def bounded_upload(upload):
    """An uploaded file within the size limit, else a form error saying the limit (a form's
    ``clean_file``); the other bounds are checked when the file is read."""
    try:
        check_size(upload.size, upload.name)
    except FileRefused as exc:
        raise forms.ValidationError(str(exc)) from None
    return upload


def add_version_field(form: forms.BaseForm, instance) -> None:
    """Carry the version of the record the user started editing, so that a save made after someone
    else's is refused as a conflict instead of silently undoing theirs."""
    version = getattr(instance, "version", None)
    if version is None or getattr(instance, "pk", None) is None:
        return
    form.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=version,
                                                min_value=1)


def posted_version(request) -> int | None:
    """The version a plain POST button carries (no form class): a number, or None when absent or not one."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def expected_version(form: forms.BaseForm) -> int | None:
    return form.cleaned_data.get("version") if "version" in form.fields else None


def show_service_errors(form, error: ValidationError | Conflict) -> None:
    """Show a service's ValidationError on the form fields it names; messages for names the form
    has no field for, or without a field at all, go to the form as a whole.

    A conflict is shown at the top of the form with what the other person changed; the form then
    carries the current version, so saving again deliberately replaces their values."""
    if isinstance(error, Conflict):
        form.conflict = error
        form.add_error(None, error.message())
        if error.current is not None and "version" in form.fields:
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = error.current
        return
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class RegionSelect(forms.Select):
    """A region list whose options name their country, so that ``web/site.js`` can offer only the
    regions of the country chosen in the field named by ``data-follows``. The model's ``clean``
    refuses a region of another country whatever the browser sends."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-country"] = instance.country_id
        return option


def follow_country(form: forms.BaseForm, country: str = "country", region: str = "region") -> None:
    """Make the ``region`` list of ``form`` follow its ``country`` choice."""
    if country not in form.fields or region not in form.fields:
        return
    field = form.fields[region]
    field.widget = RegionSelect(attrs={**field.widget.attrs, "data-follows": form[country].auto_id})
    # Setting the queryset hands the choices to the new widget.
    field.queryset = field.queryset.select_related("country")


def describe_choices(form: forms.BaseForm) -> None:
    """Label the options of every record list of ``form`` with what tells two records apart (a
    programme with its institution, a project with its host country): the models that need it say how
    (``choice_label``, and ``choice_related`` to fetch it in the same query)."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None or not hasattr(queryset.model, "choice_label"):
            continue
        field.label_from_instance = queryset.model.choice_label
        field.queryset = queryset.select_related(*queryset.model.choice_related)
