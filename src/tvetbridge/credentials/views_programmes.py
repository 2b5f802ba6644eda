"""Pages placing programmes on the frameworks and comparing partner programmes outcome by outcome.

Institution staff place their own programmes, coordinators any; every member may read a placement and
compare programmes. Thin: reads through ``queries``, writes through ``services``; the rules decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import show_service_errors
from tvetbridge.registry.models import CooperationProject, Programme

from . import queries, services
from .forms import CompareForm, PlacementForm, outcome_lines
from .models import ProgrammeProfile

VIEW_PERM = "credentials.view_programmeprofile"


def _initial(profile: ProgrammeProfile | None) -> dict:
    if profile is None:
        return {"credit_system": "ECTS"}
    return {"levels": list(profile.levels.all()), "hours": profile.hours, "credits": profile.credits,
            "credit_system": profile.credit_system, "language": profile.language,
            "outcomes": outcome_lines(profile.outcomes.all()), "version": profile.version}


def _with_suggestions(form: PlacementForm, programme: Programme) -> tuple[PlacementForm, list]:
    """Prefix each uncoded line with the coder's best skill; the alternatives are listed beside the form.
    Nothing is saved: the user checks the codes, then saves."""
    lines = [line.strip() for line in form.data.get("outcomes", "").splitlines() if line.strip()]
    uncoded = [line for line in lines if ";" not in line]
    proposals = services.suggest_outcome_skills(programme, uncoded) if uncoded else []
    best = {text: found[0].skill.esco_id for text, found in proposals if found}
    data = form.data.copy()
    data["outcomes"] = "\n".join(f"{best[line]}; {line}" if line in best else line for line in lines)
    return PlacementForm(data), proposals


def placement_edit(request, pk: int):
    programme = get_object_or_404(Programme.objects.select_related("institution"), pk=pk)
    profile = queries.placement(programme)
    target = profile or ProgrammeProfile(programme=programme)
    if (resp := _need(request, "credentials.change_programmeprofile", target)):
        return resp
    form = PlacementForm(request.POST or None, initial=_initial(profile))
    proposals = None
    if request.method == "POST" and "suggest" in request.POST:
        form, proposals = _with_suggestions(form, programme)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_programme_profile(
                request.user, programme, levels=list(data["levels"]), hours=data["hours"], credits=data["credits"],
                credit_system=data["credit_system"], language=data["language"], outcomes=data["outcomes"],
                expected_version=data.get("version") if profile else None, reason=data["reason"])
        except (ValidationError, services.Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The programme's placement is saved."))
            return redirect("programme_detail", pk=programme.pk)
    return render(request, "credentials/placement_form.html", {
        "programme": programme, "profile": profile, "form": form, "proposals": proposals})


def _comparable(request, pk: int) -> Programme:
    programme = get_object_or_404(Programme.objects.select_related("institution__country"), pk=pk)
    if not request.user.has_perm(VIEW_PERM, ProgrammeProfile(programme=programme)):
        raise PermissionDenied(_("You do not have permission to do this."))
    return programme


def partners(request, pk: int):
    """The programmes a programme can be compared with: those of its institution's project partners."""
    if (resp := _need(request, "credentials.use_credit_transfer")):
        return resp
    programme = _comparable(request, pk)
    return render(request, "credentials/programme_partners.html", {
        "programme": programme, "partners": queries.partner_programmes(programme)})


def project_programmes(request, pk: int):
    if (resp := _need(request, "credentials.use_credit_transfer")):
        return resp
    project = get_object_or_404(CooperationProject, pk=pk)
    if not request.user.has_perm("registry.view_cooperationproject", project):
        raise PermissionDenied(_("You do not have permission to do this."))
    programmes = queries.project_programmes(project)
    form = CompareForm(request.GET or None, programmes=programmes)
    if request.GET and form.is_valid():
        first, second = form.cleaned_data["first"], form.cleaned_data["second"]
        if first == second:
            form.add_error("second", _("Choose two different programmes."))
        else:
            return redirect("credentials_programme_compare", pk=first.pk, other=second.pk)
    return render(request, "credentials/project_programmes.html", {
        "project": project, "programmes": programmes, "form": form})


def compare(request, pk: int, other: int):
    if (resp := _need(request, "credentials.use_credit_transfer")):
        return resp
    first, second = _comparable(request, pk), _comparable(request, other)
    if first.pk == second.pk:  # a typed URL: offer the programmes it can be compared with
        return redirect("credentials_programme_partners", pk=first.pk)
    cmp = queries.comparison(first, second)
    labels = cmp["labels"]
    rows = [{"status": r.status, "first": r.first, "second": r.second,
             "first_label": labels.get(r.first.skill, r.first.skill) if r.first and r.first.skill else "",
             "second_label": labels.get(r.second.skill, r.second.skill) if r.second and r.second.skill else "",
             "via_label": labels.get(r.via, r.via) if r.via else ""} for r in cmp["rows"]]
    sides = [{"programme": side["programme"], "levels": list(zip(side["levels"], side["eqf"], strict=True))}
             for side in (cmp["first"], cmp["second"])]
    return render(request, "credentials/programme_compare.html", {"cmp": cmp, "rows": rows, "sides": sides})
