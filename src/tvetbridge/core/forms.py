"""Helpers shared by the apps' forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def show_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names; messages for names the form
    has no field for, or without a field at all, go to the form as a whole."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
