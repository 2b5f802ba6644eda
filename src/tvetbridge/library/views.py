"""Library pages: the catalogue (search, a resource, editing, coding its skills, publishing), a
trainee's own learning record, usage statistics with export, and the LRS client credentials."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import show_service_errors
from tvetbridge.core.roles import role_of

from . import queries, services
from .forms import ClientForm, ResourceForm, SearchForm
from .models import Resource, ResourceOccupation, ResourceSkill


def _resource(request, pk: int) -> Resource:
    resource = get_object_or_404(Resource.objects.select_related("institution", "field", "parent"), pk=pk)
    if not request.user.has_perm("library.view_resource", resource):
        raise Http404
    return resource


def catalogue(request):
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = queries.SearchFilters(
        kind=data.get("kind") or "", language=data["language"].code if data.get("language") else "",
        level=data.get("level"), field=data["field"].code if data.get("field") else "",
        country=data["country"].code if data.get("country") else "", licence=data.get("licence") or "")
    result = queries.search(request.user, data.get("q") or "", filters, limit=100)
    page = Paginator(result.resources, 20).get_page(request.GET.get("page"))
    return render(request, "library/catalogue.html", {
        "form": form, "page": page, "query": data.get("q") or "", "scores": result.scores,
        "can_add": request.user.has_perm("library.add_resource"), "total": len(result.resources)})


def resource_detail(request, pk: int):
    resource = _resource(request, pk)
    user = request.user
    history = None
    if user.has_perm("library.change_resource", resource):
        history = resource.history.select_related("history_user").order_by("-history_date")[:20]
    skills = ResourceSkill.objects.filter(resource=resource, confirmed=True).select_related("skill")
    occupations = ResourceOccupation.objects.filter(resource=resource, confirmed=True).select_related("occupation")
    return render(request, "library/resource.html", {
        "resource": resource, "skills": skills, "occupations": occupations, "history": history,
        "can_change": user.has_perm("library.change_resource", resource),
        "can_publish": user.has_perm("library.publish_resource", resource),
        "is_trainee": role_of(user) == "trainee",
        "languages": resource.content_languages.all(), "partners": resource.partner_institutions.all(),
        "programmes": resource.programmes.all(), "projects": resource.projects.all(),
        "parts": resource.parts.filter(status=Resource.Status.PUBLISHED)})


def resource_open(request, pk: int):
    """Open a resource: a trainee's visit is recorded as an xAPI statement first."""
    resource = _resource(request, pk)
    services.record_event(request.user, resource, "launched")
    if resource.file:
        return FileResponse(resource.file.open("rb"), as_attachment=False,
                            filename=resource.file.name.rsplit("/", 1)[-1])
    if resource.url:
        return HttpResponseRedirect(resource.url)
    raise Http404


@login_required
@require_POST
def resource_complete(request, pk: int):
    resource = _resource(request, pk)
    if services.record_event(request.user, resource, "completed") is None:
        raise PermissionDenied(_("Only a trainee's own account records learning."))
    messages.success(request, _("Recorded: you completed “%(title)s”.") % {"title": resource.title})
    return redirect("library_resource", pk=resource.pk)


def _save(request, form, resource=None):
    data = {k: v for k, v in form.cleaned_data.items()
            if k not in ("content_languages", "partner_institutions", "programmes", "projects", "version")}
    if not data.get("file"):
        data.pop("file", None)
    m2m = {k: form.cleaned_data[k] for k in ("content_languages", "partner_institutions", "programmes", "projects")}
    return services.save_resource(request.user, data, instance=resource, version=form.cleaned_data.get("version"),
                                  m2m=m2m)


@login_required
def resource_create(request):
    if not request.user.has_perm("library.add_resource"):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = ResourceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resource = _save(request, form)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Saved. Now code the skills it teaches, then publish it."))
            return redirect("library_skills", pk=resource.pk)
    return render(request, "library/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def resource_edit(request, pk: int):
    resource = _resource(request, pk)
    if not request.user.has_perm("library.change_resource", resource):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = ResourceForm(request.POST or None, request.FILES or None, instance=resource, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            resource = _save(request, form, resource)
        except services.Conflict as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("library_resource", pk=resource.pk)
    if form.errors and status == 200:
        status = 400
    return render(request, "library/form.html", {"form": form, "resource": resource}, status=status)


@login_required
def resource_skills(request, pk: int):
    """Code the skills and occupations a resource teaches: the coder proposes, the owner confirms."""
    resource = _resource(request, pk)
    if not request.user.has_perm("library.change_resource", resource):
        raise PermissionDenied(_("You do not have permission to do this."))
    if request.method == "POST" and "suggest" in request.POST:
        services.suggest_concepts(resource)
        return redirect("library_skills", pk=resource.pk)
    if request.method == "POST":
        services.confirm_concepts(request.user, resource, skill_ids=request.POST.getlist("skill"),
                                  occupation_ids=request.POST.getlist("occupation"))
        messages.success(request, _("Skills and occupations saved."))
        return redirect("library_resource", pk=resource.pk)
    if not ResourceSkill.objects.filter(resource=resource).exists():
        services.suggest_concepts(resource)
    return render(request, "library/skills.html", {
        "resource": resource,
        "skills": ResourceSkill.objects.filter(resource=resource).select_related("skill").order_by("-confirmed",
                                                                                                   "-score"),
        "occupations": ResourceOccupation.objects.filter(resource=resource).select_related("occupation")
        .order_by("-confirmed", "-score")})


@login_required
@require_POST
def resource_status(request, pk: int):
    resource = _resource(request, pk)
    try:
        services.set_status(request.user, resource, request.POST.get("status", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Status changed."))
    return redirect("library_resource", pk=resource.pk)


# ------------------------------------------------------------------------------- learning record
@login_required
def my_learning(request):
    trainee = getattr(request.user, "trainee", None)
    if trainee is None:
        raise PermissionDenied(_("This page shows a trainee's own learning record."))
    return render(request, "library/my_learning.html", queries.learning_record(trainee))


# ------------------------------------------------------------------------------------------- usage
def _usage_scope(request) -> tuple[int | None, bool]:
    """Institution staff see their own institution's figures in full; coordinators and admins all
    figures in full; everyone else the public table, small cells withheld."""
    role = role_of(request.user)
    if role in ("admin", "coordinator"):
        return None, False
    if role == "institution" and request.GET.get("scope") == "mine":
        return request.user.profile.institution_id, False
    return None, True


def usage(request):
    dimension = request.GET.get("by", "resource")
    if dimension not in queries.DIMENSIONS:
        dimension = "resource"
    institution_id, public = _usage_scope(request)
    project = request.GET.get("project")
    project_id = int(project) if project and project.isdigit() else None
    table = queries.usage_table(dimension, institution_id=institution_id, project_id=project_id, public=public)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(table, fmt)
    from .charts import usage_chart

    return render(request, "library/usage.html", {
        "table": table, "dimension": dimension, "dimensions": _dimension_labels(), "public": public,
        "dimension_label": dict(_dimension_labels())[dimension],
        "chart": usage_chart(table), "mine": institution_id is not None,
        "can_mine": role_of(request.user) == "institution"})


def _dimension_labels():
    return [("resource", _("resource")), ("institution", _("institution")), ("country", _("country")),
            ("language", _("language")), ("month", _("month"))]


def _export(table, fmt: str) -> HttpResponse:
    header = [table.dimension, _("name"), _("visits"), _("learners"), _("learning hours")]
    rows = [[r["key"], r["name"], r["visits"], r["learners"], None if r["hours"] is None else round(r["hours"], 1)]
            for r in table.rows]
    name = f"library-usage-by-{table.dimension}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "usage"
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# ------------------------------------------------------------------------------------ LRS clients
@login_required
def clients(request):
    if not request.user.has_perm("library.view_lrsclient"):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = ClientForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            client, secret = services.create_client(request.user, name=form.cleaned_data["name"],
                                                    scope=form.cleaned_data["scope"])
        messages.success(request, _("Credential created. Copy the secret now: it is not shown again."))
        form = ClientForm()
        secret = {"key": client.key, "secret": secret}
    return render(request, "library/clients.html", {
        "clients": queries.clients_for(request.user).select_related("institution"), "form": form,
        "secret": secret, "endpoint": request.build_absolute_uri(reverse("xapi_about")).rsplit("/about", 1)[0]})


@login_required
@require_POST
def client_action(request, pk: int):
    client = get_object_or_404(queries.clients_for(request.user), pk=pk)
    action = request.POST.get("action")
    secret = None
    if action == "revoke":
        services.set_client_active(request.user, client, False)
    elif action == "activate":
        services.set_client_active(request.user, client, True)
    elif action == "rotate":
        client, secret = services.rotate_client_secret(request.user, client)
    if secret:
        messages.success(request, _("New secret for %(key)s: %(secret)s — copy it now, it is not shown again.")
                         % {"key": client.key, "secret": secret})
    return redirect("library_clients")


