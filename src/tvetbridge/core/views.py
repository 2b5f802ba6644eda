"""Account pages of the shared kernel: the user's API tokens and background jobs, and the operations
page (workers, queue, schedules) for coordinators."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import jobs, queries, tokens
from .models import ApiToken, Job
from .roles import is_manager, is_member


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


# ---------------------------------------------------------------------------------------------------
# Background jobs: follow, cancel; and the operations page for coordinators


@login_required
def job_list(request):
    page = Paginator(queries.jobs_for(request.user), 50).get_page(request.GET.get("page"))
    for job in page:
        job.title = jobs.title_of(job)
        job.step_text = jobs.step_of(job)
    return render(request, "core/job_list.html", {"page": page})


def _job(request, pk: int) -> Job:
    job = get_object_or_404(Job, pk=pk)
    # Someone else's job is reported as missing: its existence is not the caller's business.
    if not jobs.may_see(request.user, job):
        raise Http404
    return job


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "core/job_detail.html", {"job": job, "status": queries.job_status(job),
                                                    "result_template": jobs.result_template_of(job)})


@login_required
def job_status(request, pk: int):
    return JsonResponse(queries.job_status(_job(request, pk)))


@login_required
@require_POST
def job_cancel(request, pk: int):
    job = jobs.cancel(request.user, _job(request, pk))
    if job.status == Job.Status.CANCELLED:
        messages.success(request, _("The job is cancelled."))
    elif job.is_active:
        messages.info(request, _("The job will stop at its next step."))
    return redirect("job_detail", pk=job.pk)


@login_required
def operations(request):
    if not is_manager(request.user):
        raise PermissionDenied
    return render(request, "core/operations.html", queries.operations())
