"""Account pages of the shared kernel: the user's API tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import tokens
from .models import ApiToken
from .roles import is_member


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100,
                           help_text=gettext_lazy("For example the script or system that will use it."))
    expires_in_days = forms.TypedChoiceField(label=gettext_lazy("Expires after"), choices=tokens.EXPIRY_CHOICES,
                                             coerce=int, initial=tokens.DEFAULT_EXPIRY_DAYS, required=False,
                                             empty_value=tokens.DEFAULT_EXPIRY_DAYS)
    read_only = forms.BooleanField(label=gettext_lazy("Read-only"), required=False,
                                   help_text=gettext_lazy("The token may read through the API but never change "
                                                          "anything."))


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    if not is_member(request.user):
        raise PermissionDenied
    form = TokenForm()
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(ApiToken, pk=_int_or_none(request.POST["revoke"]) or 0, user=request.user)
            tokens.revoke_token(request.user, token)
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
            return redirect("api_tokens")
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, new_key = tokens.issue_token(request.user, form.cleaned_data["name"],
                                                     expires_in_days=form.cleaned_data["expires_in_days"],
                                                     read_only=form.cleaned_data["read_only"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # Rendered, not redirected: the key must not pass through the session or a URL.
                form = TokenForm()
    response = render(request, "core/api_tokens.html", {
        "form": form, "new_key": new_key, "tokens": tokens.tokens_of(request.user), "now": timezone.now(),
    })
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None
