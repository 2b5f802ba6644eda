"""Pages: dispatches (for coordinators and institution staff) and a teacher's record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.registry.models import FacultyMember

from . import queries, services
from .models import Assignment


def dispatches(request):
    if (resp := _need(request, "teachers.view_shortage")) is not None:
        return resp
    return render(request, "teachers/dispatches.html", {"assignments": queries.assignments()})


def teacher_record(request, pk: int):
    faculty = get_object_or_404(FacultyMember.objects.select_related("institution"), pk=pk)
    if (resp := _need(request, "registry.view_facultymember", faculty)) is not None:
        return resp
    return render(request, "teachers/teacher_record.html", {"faculty": faculty, **_record(request, faculty)})


@require_POST
def move_assignment(request, pk: int):
    assignment = get_object_or_404(Assignment, pk=pk)
    if (resp := _need(request, "teachers.view_assignment", assignment)) is not None:
        return resp
    try:
        services.transition_assignment(request.user, assignment, request.POST.get("to", ""),
                                       expected_version=int(request.POST.get("version") or assignment.version))
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
