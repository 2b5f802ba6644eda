from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import show_service_errors

from . import queries, services
from .forms import PreferencesForm


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(queries.notifications_for(request.user, unread_only=unread_only), 30) \
        .get_page(request.GET.get("page"))
    items = queries.rendered(page.object_list)
    return render(request, "notifications/list.html", {"page": page, "items": items, "unread_only": unread_only,
                                                       "unread": queries.unread_count(request.user)})


@login_required
@require_POST
def mark(request):
    if request.POST.get("all"):
        n = services.mark_all_read(request.user)
        messages.success(request, _("%(count)s notification(s) marked as read.") % {"count": n})
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        services.mark_read(request.user, ids, read=request.POST.get("read", "1") == "1")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications")


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, rows=queries.preferences(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(request.user, form.choices())
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})
