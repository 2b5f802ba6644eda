"""Registry pages: list, detail, create, edit, delete and approve.

Views stay thin: reads come from ``queries``, writes go through ``services``; every action checks
``user.has_perm(...)`` with the same rules as the API and admin, and the templates show a button
only when the same check passes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.forms import expected_version, posted_version, show_service_errors
from tvetbridge.core.models import Country, FieldOfStudy, Language, Region
from tvetbridge.core.services import Conflict

from . import queries, services
from .forms import AllianceMemberForm, ApproveForm, form_class_for
from .models import Alliance, CooperationProject, Enterprise, Facility, FacultyMember, Institution, Programme

ACTIONS = ("list", "detail", "create", "edit", "delete")


def url_name(model: type, action: str) -> str:
    return f"{model._meta.model_name}_{action}"


def record_url(obj, action: str = "detail") -> str | None:
    spec = queries.SPEC_BY_MODEL.get(type(obj))
    if spec is None:
        return None
    return reverse(url_name(spec.model, action), args=[obj.pk])


def can(user, action: str, model: type, obj=None) -> bool:
    return user.has_perm(services.perm_name(model, action), obj)


def _spec(key: str) -> queries.ListSpec:
    try:
        return queries.SPECS[key]
    except KeyError as exc:
        raise Http404 from exc


def _get(spec: queries.ListSpec, pk: int):
    try:
        return queries.detail_object(spec, pk)
    except spec.model.DoesNotExist as exc:
        raise Http404 from exc


def _allowed(request, action: str, spec: queries.ListSpec, pk: int | None = None):
    """(the record, or None without a pk; the response that ends the view, or None to go on).

    Anonymous visitors are sent to log in, before the record is looked up so that they cannot tell
    from a 404 which records exist; signed-in users without the right get 403."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    obj = None if pk is None else _get(spec, pk)
    if not can(request.user, action, spec.model, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
    return obj, None


# --- list -------------------------------------------------------------------------------------------

def _display(obj, path: str):
    value = obj
    for part in path.split("__"):
        if value is None:
            return ""
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display else getattr(value, part)
    return "" if value is None else value


COLUMNS: dict[str, list[tuple[str, str, str | None]]] = {
    # (label source field path, value path, sort key)
    "institutions": [("kind", "kind", "kind"), ("country", "country", "country"), ("region", "region", "region"),
                     ("programmes", "programme_count", "programmes")],
    "programmes": [("institution", "institution", "institution"), ("field", "field", "field"),
                   ("isced_level", "isced_level", "level"), ("intake_capacity", "intake_capacity", "capacity"),
                   ("expected_graduates", "expected_graduates", "graduates")],
    "faculty": [("institution", "institution", "institution"), ("position", "position", "position"),
                ("willing_to_dispatch", "willing_to_dispatch", None)],
    "facilities": [("institution", "institution", "institution"), ("kind", "kind", "kind"),
                   ("capacity", "capacity", "capacity")],
    "enterprises": [("country", "country", "country"), ("sector", "sector", "sector"),
                    ("chinese_funded", "chinese_funded", None)],
    "alliances": [("founded", "founded", "founded"), ("scope", "scope", None),
                  ("institutions", "member_count", "members")],
    "projects": [("kind", "kind", "kind"), ("status", "status", "status"), ("host_country", "host_country", "country"),
                 ("host_region", "host_region", None), ("start_date", "start_date", "start")],
}

# Which filter widgets each list shows; "kind" maps to the model's kind-like choice field.
KIND_FIELD = {"institutions": "kind", "programmes": "isced_level", "facilities": "kind",
              "enterprises": "sector", "projects": "kind"}


def _column_label(model: type, field_path: str) -> str:
    try:
        return str(model._meta.get_field(field_path).verbose_name)
    except Exception:
        extra = {"programmes": _("programmes")}
        return extra.get(field_path, field_path)


def _filter_options(spec: queries.ListSpec) -> list[dict]:
    filters = []
    if "country" in spec.filters:
        filters.append({"name": "country", "label": _("Country"),
                        "choices": [(c.code, c.name) for c in Country.objects.all()]})
    if "region" in spec.filters:
        filters.append({"name": "region", "label": _("Region"),
                        "choices": [(str(r.pk), f"{r.name} ({r.country_id})")
                                    for r in Region.objects.filter(level=Region.Level.REGION)
                                    .order_by("country_id", "name")]})
    kind_field = KIND_FIELD.get(spec.key)
    if kind_field:
        field = spec.model._meta.get_field(kind_field)
        filters.append({"name": "kind", "label": str(field.verbose_name).capitalize(),
                        "choices": [(str(v), str(label)) for v, label in field.choices]})
    if "status" in spec.filters:
        filters.append({"name": "status", "label": _("Status"),
                        "choices": [(v, str(label)) for v, label in CooperationProject.Status.choices]})
    if "field" in spec.filters:
        filters.append({"name": "field", "label": _("Field of study"),
                        "choices": [(f.code, str(f)) for f in FieldOfStudy.objects.all()]})
    if "language" in spec.filters:
        filters.append({"name": "language", "label": _("Language"),
                        "choices": [(lang.code, lang.name) for lang in Language.objects.all()]})
    filters.append({"name": "synthetic", "label": _("Synthetic"),
                    "choices": [("no", _("real records only")), ("yes", _("synthetic only"))]})
    return filters


def record_list(request, key: str):
    spec = _spec(key)
    _obj, denied = _allowed(request, "view", spec)
    if denied:
        return denied
    qs, sort = queries.list_queryset(spec, request.GET, user=request.user)
    page = Paginator(qs, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    detail = url_name(spec.model, "detail")
    rows = [
        {"obj": obj, "url": reverse(detail, args=[obj.pk]),
         "title": getattr(obj, spec.title_field),
         "cells": [_display(obj, path) for _label, path, _sort in COLUMNS[key]]}
        for obj in page.object_list
    ]
    keep = {k: v for k, v in request.GET.items() if k not in {"page", "sort"} and v}
    columns = [{"label": _column_label(spec.model, label), "sort": sort_key} for label, _p, sort_key in COLUMNS[key]]
    title_label = str(spec.model._meta.get_field(spec.title_field).verbose_name)
    for column in columns:
        if column["sort"]:
            column.update(_sort_link(keep, sort, column["sort"]))
    name_sort = _sort_link(keep, sort, "name")
    export_url = _export_url(spec)
    context = {
        "spec": spec, "page": page, "rows": rows, "columns": columns, "title_label": title_label,
        "name_sort": name_sort, "filters": _filter_options(spec), "params": request.GET,
        "page_query": urlencode({**keep, "sort": sort}),
        "model_name": spec.model._meta.verbose_name_plural,
        "create_url": reverse(url_name(spec.model, "create")) if can(request.user, "add", spec.model) else None,
        "export_url": export_url if export_url and can(request.user, "export", spec.model) else None,
    }
    return render(request, "registry/record_list.html", context)


def _sort_link(keep: dict, current: str, key: str) -> dict:
    """Clicking the active ascending column sorts it descending; any other click sorts ascending."""
    active = current.lstrip("-") == key
    target = f"-{key}" if current == key else key
    return {"url": "?" + urlencode({**keep, "sort": target}), "active": active,
            "descending": active and current.startswith("-")}


EXPORT_KINDS = {"institutions": "institutions", "programmes": "programmes", "enterprises": "enterprises",
                "projects": "projects"}


def _export_url(spec) -> str | None:
    kind = EXPORT_KINDS.get(spec.key)
    if not kind:
        return None
    try:
        return reverse("io_export", kwargs={"kind": kind})
    except NoReverseMatch:
        return None


# --- detail -----------------------------------------------------------------------------------------

HIDDEN_ON_DETAIL = {"id", "source", "is_synthetic", "created", "updated", "description"}


def _translated_fields(model) -> tuple[str, ...]:
    spec = queries.SPEC_BY_MODEL.get(model)
    return spec.translated if spec else ()


def detail_rows(obj) -> list[dict]:
    """Every concrete and many-to-many field of a record, ready to print, with links to records."""
    model = type(obj)
    spec = queries.SPEC_BY_MODEL[model]
    translated = _translated_fields(model)
    variants = {f"{name}_{s}" for name in translated for s in queries.LANG_SUFFIXES}
    rows = []
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue
        name = field.name
        if name in HIDDEN_ON_DETAIL or name in variants or name == spec.title_field:
            continue
        if model is CooperationProject and name.startswith("target_"):  # shown in the Targets section
            continue
        if field.many_to_many:
            items = list(getattr(obj, name).all())
            links = [{"text": str(item), "url": record_url(item)} for item in items]
            rows.append({"label": field.verbose_name, "links": links, "empty": not links})
            continue
        value = getattr(obj, name)
        if field.choices:
            value = getattr(obj, f"get_{name}_display")() if value not in (None, "") else ""
        if field.is_relation:
            link = {"text": str(value), "url": record_url(value)} if value is not None else None
            rows.append({"label": field.verbose_name, "links": [link] if link else [], "empty": link is None})
            continue
        rows.append({"label": field.verbose_name, "value": value, "empty": value in (None, ""),
                     "is_bool": isinstance(value, bool), "is_url": isinstance(field, models.URLField)})
    return rows


def translations_of(obj) -> list[dict]:
    rows = []
    for name in _translated_fields(type(obj)):
        # (language code, its name, the value): the page marks each value with its language.
        values = [(code, label, getattr(obj, f"{name}_{code.replace('-', '_')}") or "")
                  for code, label in settings.LANGUAGES]
        rows.append({"label": type(obj)._meta.get_field(name).verbose_name, "values": values})
    return rows


def record_detail(request, key: str, pk: int):
    spec = _spec(key)
    obj, denied = _allowed(request, "view", spec, pk)
    if denied:
        return denied
    user = request.user
    model_name = spec.model._meta.model_name
    context = {
        "spec": spec, "obj": obj, "title": getattr(obj, spec.title_field), "rows": detail_rows(obj),
        "translations": translations_of(obj),
        "model_verbose": spec.model._meta.verbose_name,
        "model_verbose_plural": spec.model._meta.verbose_name_plural,
        "list_url": reverse(url_name(spec.model, "list")),
        "edit_url": reverse(url_name(spec.model, "edit"), args=[pk]) if can(user, "change", spec.model, obj) else None,
        "delete_url": (reverse(url_name(spec.model, "delete"), args=[pk])
                       if can(user, "delete", spec.model, obj) else None),
        "history_url": (reverse("audit_log") + "?" + urlencode({"model": model_name, "object": pk})
                        if user.has_perm("registry.view_audit") else None),
        "related": _related(obj, user),
    }
    if isinstance(obj, CooperationProject):
        context["transitions"] = services.available_transitions(user, obj)
        context["transition_url"] = reverse("cooperationproject_transition", args=[pk])
        context["approve_form"] = ApproveForm()
    if isinstance(obj, Alliance):
        context["overview"] = queries.alliance_overview(
            obj, institutions=Institution.objects.all(), enterprises=Enterprise.objects.all(),
            projects=CooperationProject.objects.all())
        if can(user, "change", Alliance, obj):
            context["members_url"] = reverse("alliance_members", args=[pk])
    return render(request, "registry/record_detail.html", context)


def _related(obj, user) -> list[dict]:
    """Short related lists with a link to the full, filtered list."""
    sections = []
    if isinstance(obj, Institution):
        for label, model, count in [(_("Programmes"), Programme, obj.programme_count),
                                    (_("Faculty"), FacultyMember, obj.faculty_count),
                                    (_("Facilities"), Facility, obj.facility_count)]:
            # A reader who may not open this institution's teachers sees their number, not their names.
            readable = queries.visible_records(user, model).filter(institution=obj)
            if model is not FacultyMember or can(user, "view", model, model(institution=obj)):
                items = list(readable.order_by("pk")[:10])
                more_url = reverse(url_name(model, "list")) + "?" + urlencode({"institution": obj.pk})
            else:
                items, more_url = [], None
            sections.append({"label": label, "count": count,
                             "items": [{"text": str(i), "url": record_url(i)} for i in items],
                             "more_url": more_url})
        projects = CooperationProject.objects.filter(
            models.Q(chinese_institutions=obj) | models.Q(partner_institutions=obj)).distinct().order_by("pk")
        items = list(projects[:20])
        sections.append({"label": _("Cooperation projects"), "count": projects.count(),
                         "items": [{"text": str(p), "url": record_url(p)} for p in items], "more_url": None})
    elif isinstance(obj, Enterprise):
        items = list(obj.projects.order_by("pk")[:20])
        sections.append({"label": _("Cooperation projects"), "count": len(items),
                         "items": [{"text": str(p), "url": record_url(p)} for p in items], "more_url": None})
    return sections


# --- create / edit / delete ------------------------------------------------------------------------

def record_create(request, key: str):
    spec = _spec(key)
    _obj, denied = _allowed(request, "add", spec)
    if denied:
        return denied
    form_class = form_class_for(spec.model)
    form = form_class(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.create_record(request.user, spec.model, form.service_data(), reason="created on page")
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect(record_url(obj))
    return render(request, "registry/record_form.html", {
        "spec": spec, "form": form, "model_verbose": spec.model._meta.verbose_name, "creating": True,
        "cancel_url": reverse(url_name(spec.model, "list"))})


def record_edit(request, key: str, pk: int):
    spec = _spec(key)
    obj, denied = _allowed(request, "change", spec, pk)
    if denied:
        return denied
    form_class = form_class_for(spec.model)
    # The form validates against a scratch copy: ModelForm writes cleaned values onto its instance,
    # and the service must see the record as it was to check ownership before the change.
    scratch = spec.model.objects.get(pk=pk)
    form = form_class(request.POST or None, instance=scratch, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_record(request.user, obj, form.service_data(), reason="edited on page",
                                   expected_version=expected_version(form))
        except (ValidationError, Conflict) as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect(record_url(obj))
    return render(request, "registry/record_form.html", {
        "spec": spec, "form": form, "obj": obj, "title": getattr(obj, spec.title_field),
        "model_verbose": spec.model._meta.verbose_name, "creating": False, "cancel_url": record_url(obj)})


def record_delete(request, key: str, pk: int):
    spec = _spec(key)
    obj, denied = _allowed(request, "delete", spec, pk)
    if denied:
        return denied
    if request.method == "POST":
        title = str(getattr(obj, spec.title_field))
        try:
            services.delete_record(request.user, obj)
        except models.ProtectedError:
            messages.error(request, _("This record is still referenced by other records and cannot be deleted."))
            return redirect(record_url(obj))
        messages.success(request, _("Deleted “%(name)s”.") % {"name": title})
        return redirect(url_name(spec.model, "list"))
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "registry/record_confirm_delete.html", {
        "spec": spec, "obj": obj, "title": getattr(obj, spec.title_field),
        "model_verbose": spec.model._meta.verbose_name, "cancel_url": record_url(obj)})


@require_POST
def project_transition(request, pk: int):
    """One step of the project's life cycle (approve, start, suspend …), from the buttons on its page."""
    obj, denied = _allowed(request, "view", queries.SPECS["projects"], pk)
    if denied:
        return denied
    form = ApproveForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    name = request.POST.get("transition", "")
    try:
        services.transition_project(request.user, obj, name, comment=comment,
                                    expected_version=posted_version(request))
    except (ValidationError, Conflict) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(request, _("The project is now %(status)s.") % {"status": obj.get_status_display()})
    return redirect(record_url(obj))


# --- alliance membership ---------------------------------------------------------------------------

def alliance_members(request, pk: int):
    """Coordinators add and remove an alliance's member institutions and enterprises; every change
    goes through the membership services (permission, version, audit reason)."""
    alliance, denied = _allowed(request, "change", queries.SPECS["alliances"], pk)
    if denied:
        return denied
    form = AllianceMemberForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            removed = data["remove_institution"] or data["remove_enterprise"]
            if removed:
                services.remove_alliance_member(request.user, alliance, removed, expected_version=expected_version(form))
                messages.success(request, _("%(member)s is no longer a member.") % {"member": removed})
            else:
                added = data["institution"] or data["enterprise"]
                services.add_alliance_member(request.user, alliance, added, expected_version=expected_version(form))
                messages.success(request, _("%(member)s is now a member.") % {"member": added})
        except (ValidationError, Conflict) as error:
            show_service_errors(form, error)
        else:
            return redirect("alliance_members", pk=pk)
    alliance.refresh_from_db()
    overview = queries.alliance_overview(alliance, institutions=Institution.objects.all(),
                                         enterprises=Enterprise.objects.all(), projects=CooperationProject.objects.none())
    membership = queries.membership_history(alliance)
    for relation, members in (("institutions", overview["members"]), ("enterprises", overview["enterprises"])):
        for member in members:
            member.since = membership["since"].get((relation, member.pk))
    return render(request, "registry/alliance_members.html", {
        "alliance": alliance, "form": form, "members": overview["members"], "enterprises": overview["enterprises"],
        "events": membership["events"], "detail_url": record_url(alliance)})
