"""Demand pages: list, detail, post and edit (with coding suggestions), import from CSV/XLSX.

Thin: reads through ``queries``, writes through ``services`` and ``io``; the rules decide who may do what.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import expected_version, show_service_errors
from tvetbridge.core.models import Country
from tvetbridge.core.services import Conflict

from . import io, queries, services
from .forms import DemandForm, DemandImportForm
from .models import SkillDemand

SESSION_KEY = "demand_import_uploads"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024



def _without_page(params) -> str:
    q = params.copy()
    q.pop("page", None)
    return q.urlencode()


def demand_list(request):
    if (resp := _need(request, "demand.view_skilldemand")) is not None:
        return resp
    g = request.GET
    qs = queries.filtered(request.user, q=g.get("q", "").strip()[:100], country=g.get("country", "")[:2],
                          kind=g.get("kind", "") if g.get("kind") in SkillDemand.Kind.values else "",
                          status=g.get("status", "") if g.get("status") in SkillDemand.Status.values else "",
                          isco=g.get("isco", "")[:4] if g.get("isco", "").isdigit() else "")
    page = Paginator(qs, 50).get_page(g.get("page"))
    return render(request, "demand/list.html", {
        "page": page, "total": queries.totals(qs)["people"] or 0, "countries": Country.objects.filter(is_focus=True),
        "kinds": SkillDemand.Kind.choices, "statuses": SkillDemand.Status.choices, "filters": g,
        "page_query": _without_page(g),
        "can_add": request.user.has_perm("demand.add_skilldemand"),
        "can_import": request.user.has_perm("demand.import_skilldemand")})


def demand_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # Demand a user may not see answers 404, like demand that does not exist.
    demand = get_object_or_404(queries.visible_to(request.user), pk=pk)
    return render(request, "demand/detail.html", {
        "demand": demand, "skills": demand.required_skills.order_by("label"),
        "can_change": request.user.has_perm("demand.change_skilldemand", demand)})


def _form_page(request, form, suggestion, demand=None):
    # After "Suggest" the form is bound but not submitted: do not greet the user with errors.
    return render(request, "demand/form.html", {"form": form, "suggestion": suggestion, "demand": demand,
                                                "show_errors": suggestion is None})


def _suggest_into(form, request):
    """Run the coder on the posted title and description and rebind the form with its proposals."""
    text = services.coding_text({k: form.data.get(k, "") for k in ("title", "description")})
    suggestion = services.suggest(text) if text else None
    if suggestion is None:
        return form, None
    data = form.data.copy()
    if not data.get("occupation") and suggestion.occupations:
        data["occupation"] = suggestion.occupations[0].occupation.code
    if not data.getlist("required_skills"):
        data.setlist("required_skills", [str(s.skill.pk) for s in suggestion.skills])
    new_form = DemandForm(data, instance=form.instance, user=request.user,
                          suggested_skills=[s.skill for s in suggestion.skills])
    return new_form, suggestion


def demand_create(request):
    if (resp := _need(request, "demand.add_skilldemand")) is not None:
        return resp
    if request.method != "POST":
        initial = {"description": request.GET.get("text", "")[:5000]}
        return _form_page(request, DemandForm(initial=initial, user=request.user), None)
    form = DemandForm(request.POST, user=request.user)
    if "suggest" in request.POST:
        form, suggestion = _suggest_into(form, request)
        return _form_page(request, form, suggestion)
    if form.is_valid():
        try:
            demand = services.create_demand(request.user, form.service_data())
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            if not demand.occupation_confirmed:
                messages.info(request, _("The occupation and skills were proposed from your text; please check "
                                         "them and confirm."))
            else:
                messages.success(request, _("Demand posted."))
            return redirect("demand_detail", pk=demand.pk)
    return _form_page(request, form, None)


def demand_edit(request, pk: int):
    demand = get_object_or_404(SkillDemand, pk=pk)
    if (resp := _need(request, "demand.change_skilldemand", demand)) is not None:
        return resp
    if request.method != "POST":
        return _form_page(request, DemandForm(instance=demand, user=request.user), None, demand)
    form = DemandForm(request.POST, instance=demand, user=request.user)
    if "suggest" in request.POST:
        form, suggestion = _suggest_into(form, request)
        return _form_page(request, form, suggestion, demand)
    if form.is_valid():
        try:
            services.update_demand(request.user, demand, {**form.service_data(), "occupation_confirmed": True},
                                   expected_version=expected_version(form))
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Demand saved."))
            return redirect("demand_detail", pk=demand.pk)
    return _form_page(request, form, None, demand)


def _upload_dir() -> Path:
    root = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _preview(request, result, token):
    return render(request, "demand/import_preview.html", {"result": result, "counts": result.counts,
                                                          "outcomes": result.outcomes[:1000], "token": token})


def demand_import(request):
    if (resp := _need(request, "demand.import_skilldemand")) is not None:
        return resp
    form = DemandImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // 2**20})
        else:
            data = upload.read()
            result = io.import_demand(request.user, data, upload.name, dry_run=True)
            token = None
            if result.ok:
                # Kept until confirmed so the user does not upload twice; confirming validates it again.
                token = secrets.token_urlsafe(16)
                (_upload_dir() / f"demand-{token}").write_bytes(data)
                uploads = request.session.get(SESSION_KEY, {})
                uploads[token] = upload.name
                request.session[SESSION_KEY] = uploads
            return _preview(request, result, token)
    return render(request, "demand/import.html", {"form": form})


@require_POST
def demand_import_confirm(request):
    if (resp := _need(request, "demand.import_skilldemand")) is not None:
        return resp
    token = request.POST.get("token", "")
    uploads = request.session.get(SESSION_KEY, {})
    filename = uploads.pop(token, None)
    path = _upload_dir() / f"demand-{token}"
    if filename is None or not token.replace("-", "").replace("_", "").isalnum() or not path.exists():
        messages.error(request, _("That upload has expired; please upload the file again."))
        return redirect("demand_import")
    request.session[SESSION_KEY] = uploads
    try:
        result = io.import_demand(request.user, path.read_bytes(), filename)
    finally:
        path.unlink(missing_ok=True)
    return _preview(request, result, None)


def demand_import_template(request):
    if (resp := _need(request, "demand.import_skilldemand")) is not None:
        return resp
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = io.template_file(fmt)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8" if fmt == "csv" else
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="demand-template.{fmt}"'
    return response
