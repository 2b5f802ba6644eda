"""The one page-level permission gate that the apps' views share."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def need(request, perm: str, obj=None):
    """A login redirect for a visitor who is not signed in (returned, for the view to return), a 403
    for a member without ``perm`` on ``obj``, else None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
    return None
