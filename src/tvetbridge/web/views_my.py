"""Each role's home page ("my work"), reached on login and from the menu, and the trainee's own
record: consent, downloads of everything held about them, matched vacancies."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import add_version_field, expected_version, show_service_errors
from tvetbridge.core.models import Role
from tvetbridge.core.roles import role_of
from tvetbridge.core.services import Conflict
from tvetbridge.matching import queries as matching_queries
from tvetbridge.matching import services as matching_services
from tvetbridge.outcomes import queries as outcome_queries

from . import queries
from .forms import ConsentForm

PREVIOUS_VISIT = "tvetbridge:previous_visit"


def remember_previous_visit(sender, request, user, **kwargs):
    """On login, keep when the user last came (for "new since your last visit"), then record this one."""
    from django.contrib.auth.models import update_last_login

    if user.last_login is not None:
        request.session[PREVIOUS_VISIT] = user.last_login.isoformat()
    update_last_login(sender, user, **kwargs)


def _own_trainee(request):
    trainee = getattr(request.user, "trainee", None)
    if trainee is None:
        raise PermissionDenied(_("This account is not linked to a trainee record."))
    return trainee


@login_required
def my_work(request):
    role = role_of(request.user)
    today = timezone.localdate()
    if role in (Role.ADMIN, Role.COORDINATOR):
        since = parse_datetime(request.session.get(PREVIOUS_VISIT, "") or "")
        return render(request, "web/my/coordinator.html",
                      {**queries.coordinator_home(request.user, since), "since": since})
    if role == Role.INSTITUTION_STAFF:
        return render(request, "web/my/institution.html", queries.institution_home(request.user, today))
    if role == Role.ENTERPRISE_STAFF:
        return render(request, "web/my/enterprise.html", queries.enterprise_home(request.user))
    if role == Role.TRAINEE and getattr(request.user, "trainee", None) is not None:
        return _trainee_record(request, request.user.trainee)
    return render(request, "web/my/none.html")


def _trainee_record(request, trainee, form=None):
    if form is None:
        form = ConsentForm(initial={"consent_matching": trainee.consent_matching,
                                    "consent_follow_up": trainee.consent_follow_up})
        add_version_field(form, trainee)
    rows, lst = matching_queries.vacancies_of_trainee(trainee.pk)
    return render(request, "web/my/trainee.html", {
        **outcome_queries.own_page(trainee), "trainee": trainee, "form": form, "matches": rows, "list": lst,
        "interested": matching_queries.interested_vacancy_ids(trainee.pk),
        "updating": matching_services.candidates_updating(),
    })


@login_required
@require_POST
def my_consent(request):
    trainee = _own_trainee(request)
    form = ConsentForm(request.POST)
    add_version_field(form, trainee)
    if form.is_valid():
        try:
            matching_services.set_consent(request.user, trainee,
                                          matching=form.cleaned_data["consent_matching"],
                                          follow_up=form.cleaned_data["consent_follow_up"],
                                          expected_version=expected_version(form))
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Your consent was recorded. Candidate lists are brought up to date "
                                        "in the background."))
            return redirect("my_work")
    trainee.refresh_from_db()
    return _trainee_record(request, trainee, form)


def _export_name(ext: str) -> str:
    return f"tvetbridge-my-data-{timezone.localdate():%Y%m%d}.{ext}"


@login_required
def my_data(request, fmt: str):
    """Everything the platform holds about the signed-in trainee (their right of access)."""
    trainee = _own_trainee(request)
    record = outcome_queries.own_record(trainee)
    if fmt == "json":
        response = JsonResponse(record, json_dumps_params={"ensure_ascii": False, "indent": 2})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(["section", "item", "field", "value"])
        writer.writerows(outcome_queries.own_record_rows(record))
    response["Content-Disposition"] = f'attachment; filename="{_export_name(fmt)}"'
    return response

