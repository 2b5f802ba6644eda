"""Pages: the shortage map and table with ranked candidates, dispatches (for coordinators and
institution staff) and a teacher's record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import posted_version
from tvetbridge.core.maps import circle_map_svg
from tvetbridge.core.roles import is_manager
from tvetbridge.outcomes import queries as outcomes_queries
from tvetbridge.registry.io.files import CONTENT_TYPES
from tvetbridge.registry.models import CooperationProject, FacultyMember

from . import io, queries, services
from .forms import ImportForm
from .models import Assignment, HskCentre


def dispatches(request):
    if (resp := _need(request, "teachers.view_shortage")) is not None:
        return resp
    rows = queries.assignments(request.user)
    return render(request, "teachers/dispatches.html", {
        "assignments": rows, "openable": queries.openable_teachers(request.user, [a.faculty_id for a in rows])})


def teacher_record(request, pk: int):
    faculty = get_object_or_404(FacultyMember.objects.select_related("institution"), pk=pk)
    if (resp := _need(request, "teachers.view_teacher", faculty)) is not None:
        return resp
    return render(request, "teachers/teacher_record.html", {"faculty": faculty, **_record(request, faculty)})


@require_POST
def move_assignment(request, pk: int):
    assignment = get_object_or_404(Assignment, pk=pk)
    if (resp := _need(request, "teachers.view_assignment", assignment)) is not None:
        return resp
    try:
        services.transition_assignment(request.user, assignment, request.POST.get("to", ""),
                                       expected_version=posted_version(request) or assignment.version)
    except ValidationError as exc:
        return render(request, "teachers/teacher_record.html", {
            "faculty": assignment.faculty, **_record(request, assignment.faculty), "error": " ".join(exc.messages)},
            status=400)
    return redirect("teachers_record", pk=assignment.faculty_id)


def _record(request, faculty):
    record = queries.teacher_record(faculty)
    for a in record["assignments"]:
        a.moves = services.available_transitions(request.user, a)
    return record


def _period(request) -> queries.Period:
    today = queries.Period.containing(timezone.localdate())
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        year = today.year
    return queries.Period(year if abs(year - today.year) <= 10 else today.year)


def _years(period: queries.Period) -> list[queries.Period]:
    now = queries.Period.containing(timezone.localdate()).year
    return [queries.Period(y) for y in sorted({*range(now - 1, now + 3), period.year})]


def shortage(request):
    if (resp := _need(request, "teachers.view_shortage")) is not None:
        return resp
    period = _period(request)
    cells = queries.shortage(period)
    map_svg = circle_map_svg(queries.map_points(cells), labels={"gap": _("Teachers missing")}, pad=14)
    return render(request, "teachers/shortage.html", {
        "cells": cells, "period": period, "years": _years(period), "map_svg": map_svg,
        "norm": queries.trainee_norm(), "norm_source": queries.NORM_SOURCE % {"norm": queries.trainee_norm()},
        "floor": queries.TEACHING_FLOOR.level})


def _cell_or_404(key: str, period: queries.Period) -> queries.Cell:
    cell = queries.find_cell(key, period)
    if cell is None:
        raise Http404(_("No such shortage."))
    return cell


@require_http_methods(["GET", "POST"])
def shortage_candidates(request, key: str):
    if (resp := _need(request, "teachers.view_shortage")) is not None:
        return resp
    period = _period(request)
    cell = _cell_or_404(key, period)
    error = ""
    if request.method == "POST":
        faculty = get_object_or_404(FacultyMember, pk=request.POST.get("faculty") or 0)
        project = get_object_or_404(CooperationProject, pk=request.POST.get("project") or 0)
        if not services.may_plan(request.user, faculty):
            raise PermissionDenied(_("You may not plan a dispatch for this teacher."))
        try:
            services.plan_for_shortage(request.user, faculty=faculty, cell=cell, project=project,
                                       start=period.start, end=period.end)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Dispatch planned for %(teacher)s.") % {"teacher": faculty.full_name})
            return redirect(reverse("teachers_shortage") + f"?year={period.year}")
    # Institution staff rank among their own teachers, as the API does: the same pool, the same order.
    groups = queries.candidates(cell, period, among=queries.visible_faculty(request.user))
    for group in groups.values():
        for c in group:
            c.may_plan = services.may_plan(request.user, c.faculty)
    projects = CooperationProject.objects.filter(pk__in=cell.project_ids).order_by("name")
    return render(request, "teachers/shortage_candidates.html", {
        "cell": cell, "period": period, "groups": groups, "projects": projects, "error": error,
        "own_only": not is_manager(request.user)},
        status=400 if error else 200)


def centres(request):
    """Chinese test centres and their pass rates: public, with small counts withheld."""
    public = outcomes_queries.is_public(request.user)
    return render(request, "teachers/centres.html", {
        "centres": queries.centres(public), "public": public, "suppress_below": outcomes_queries.SUPPRESS_BELOW,
        "may_import": request.user.has_perm("teachers.import_hsksitting")})


def centre(request, pk: int):
    obj = get_object_or_404(HskCentre.objects.select_related("institution", "country"), pk=pk)
    public = outcomes_queries.is_public(request.user)
    return render(request, "teachers/centre.html", {"centre": obj, "public": public,
                                                    **queries.centre_results(obj, public)})


IMPORTS = {io.SITTINGS_KIND: io.import_sittings, io.CENTRES_KIND: io.import_centres}


def centre_import(request):
    """Uploading a centre's sitting report (or centres): every row checked before anything is written,
    the bad ones named by row and column."""
    if (resp := _need(request, "teachers.import_hsksitting")) is not None:
        return resp
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    result = None
    if request.method == "POST" and form.is_valid():
        upload, dry_run = form.cleaned_data["file"], form.cleaned_data["dry_run"]
        result = IMPORTS[form.cleaned_data["kind"]](request.user, upload.read(), upload.name, dry_run=dry_run)
        if result.committed:
            messages.success(request, _("%(count)s records imported.") % {"count": len(result.outcomes)})
            return redirect("teachers_centres")
    return render(request, "teachers/import.html", {"form": form, "result": result, "kinds": list(IMPORTS)})


def centre_import_template(request, kind: str):
    if (resp := _need(request, "teachers.import_hsksitting")) is not None:
        return resp
    if kind not in IMPORTS:
        raise Http404
    response = HttpResponse(io.template_file(kind), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response
