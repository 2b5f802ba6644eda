"""Taxonomy pages: browse by ISCO-08 group, occupation and skill details, search, and free-text coding.

Browsing is public reference data. Coding is offered to signed-in enterprise, institution and
coordinator users (it costs CPU, and its purpose is to fill in their records).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from . import queries, services
from .forms import CodeTextForm, SearchForm
from .models import IscoGroup, Occupation, Skill


def index(request):
    form = SearchForm(request.GET or None)
    coverage = queries.label_coverage() if request.user.has_perm("taxonomy.view_label_coverage") else None
    return render(request, "taxonomy/index.html", {"form": form, "majors": queries.isco_major_groups(),
                                                   "n_occupations": Occupation.objects.count(),
                                                   "n_skills": Skill.objects.count(), "coverage": coverage})


def group(request, code: str):
    obj = get_object_or_404(IscoGroup.objects.select_related("parent__parent__parent"), code=code)
    return render(request, "taxonomy/group.html", queries.isco_group(obj))


def occupation(request, esco_id: str):
    obj = get_object_or_404(Occupation.objects.select_related("isco_group__parent__parent__parent", "csco",
                                                              "source", "translation_source"), esco_id=esco_id)
    return render(request, "taxonomy/occupation.html", queries.occupation_detail(obj))


def skill(request, esco_id: str):
    obj = get_object_or_404(Skill.objects.select_related("source", "translation_source"), esco_id=esco_id)
    return render(request, "taxonomy/skill.html", queries.skill_detail(obj))


def search(request):
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        result = queries.search(data["q"], kind=data["kind"], scope=data["scope"])
    return render(request, "taxonomy/search.html", {"form": form, "result": result})


def code(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("taxonomy.code_text"):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = CodeTextForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.code_text(form.cleaned_data["text"])
    return render(request, "taxonomy/code.html", {"form": form, "result": result,
                                                  "can_post_demand": request.user.has_perm("demand.add_skilldemand")})
