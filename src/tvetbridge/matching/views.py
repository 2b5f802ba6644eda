"""Pages: gap table and map, drill-down, proposals (accept → draft project), allocation, and the
trainee ↔ vacancy candidate lists.
Thin: figures come from ``queries`` and ``services``; the rules in ``rules.py`` decide access."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tvetbridge.core.access import need as _need

from . import charts, queries, services
from .engine.candidates import LANGUAGE_WEIGHT, REGION_WEIGHT, K
from .forms import AllocationForm, GapFilterForm


def _params(data) -> tuple[GapFilterForm, queries.GapParams]:
    # Unbound filters would render empty boxes: show the defaults the figures actually use.
    data = data.copy()
    for name in ("horizon", "radius", "view"):
        if not data.get(name):
            data[name] = GapFilterForm.base_fields[name].initial or "occupation"
    form = GapFilterForm(data)
    p = queries.GapParams()
    if form.is_valid():
        c = form.cleaned_data
        p.view = c.get("view") or "occupation"
        p.country = c["country"].code if c.get("country") else ""
        p.horizon = c.get("horizon") or p.horizon
        p.radius_km = c["radius"] if c.get("radius") is not None else p.radius_km
    return form, p


def _carry(p: queries.GapParams) -> str:
    return urlencode({"horizon": p.horizon, "radius": f"{p.radius_km:g}"})


def gap_list(request):
    if (resp := _need(request, "matching.view_gaps")) is not None:
        return resp
    form, params = _params(request.GET)
    result = queries.gaps(params)
    sort = request.GET.get("sort", "-gap")
    rows = queries.sort_rows(result.rows, sort)
    map_svg = charts.gap_map_svg(
        [{"name": c["name"], "lat": c["lat"], "lon": c["lon"], "gap": c["gap"], "demand": c["demand"]}
         for c in result.by_region if c["gap"] > 0 or c["demand"] > 0],
        labels={"gap": _("People missing")})
    base = request.GET.copy()
    base.pop("sort", None)
    return render(request, "matching/gaps.html", {
        "form": form, "result": result, "rows": rows, "sort": sort, "map_svg": map_svg,
        "query": base.urlencode(), "carry": _carry(params), "params": params})


def _gap_or_404(key: str, params: queries.GapParams) -> queries.GapRow:
    try:
        row = queries.find_gap(key, params)
    except ValueError:
        row = None
    if row is None:
        raise Http404(_("No such gap."))
    return row


def gap_detail(request, key: str):
    if (resp := _need(request, "matching.view_gaps")) is not None:
        return resp
    _form, params = _params(request.GET)
    row = _gap_or_404(key, params)
    orders = queries.orders_behind(request.user, row)
    return render(request, "matching/gap_detail.html", {
        "row": row, "orders": orders, "hidden": len(row.demand_ids) - orders.count(), "carry": _carry(params),
        "params": params})


@require_http_methods(["GET", "POST"])
def gap_proposals(request, key: str):
    if (resp := _need(request, "matching.view_gaps")) is not None:
        return resp
    _form, params = _params(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        try:
            proposal = services.accept_proposal(request.user, key, int(request.POST.get("host", 0)),
                                                int(request.POST.get("partner", 0)), params=params)
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(reverse("matching_gap_proposals", args=[key]) + "?" + _carry(params))
        messages.success(request, _("A draft project was created from the proposal."))
        return redirect("cooperationproject_detail", pk=proposal.project_id)
    row = _gap_or_404(key, params)
    if not row.is_occupation:
        raise Http404(_("Proposals are made for occupation gaps."))
    ps = services.proposals_for(row)
    for p in ps.proposals:
        p.may_accept = services.may_accept(request.user, p)
    return render(request, "matching/proposals.html", {
        "row": row, "ps": ps, "params": params, "carry": _carry(params), "tie_rule": services.TIE_RULE,
        "assumptions": {"cost_months": services.COST_MONTHS_OF_WAGE, "gain_share": int(services.INCOME_GAIN_SHARE * 100),
                        "default_risk": services.DEFAULT_RISK, "employment": services.TARGET_EMPLOYMENT_RATE}})


@require_http_methods(["GET", "POST"])
def allocation(request):
    if (resp := _need(request, "matching.view_gaps")) is not None:
        return resp
    can_run = request.user.has_perm("matching.run_allocation")
    form = AllocationForm(request.POST or None)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied(_("Only coordinators and admins may run the allocation."))
        if form.is_valid():
            c = form.cleaned_data
            services.run_allocation(request.user, services.AllocationParams(
                country=c["country"].code if c.get("country") else "", max_km=c["max_km"]))
            messages.success(request, _("The allocation was computed."))
            return redirect("matching_allocation")
    return render(request, "matching/allocation.html", {"form": form, "run": queries.latest_run(),
                                                        "can_run": can_run})


# --- trainee ↔ vacancy candidates ---------------------------------------------------------------

def _vacancy_or_404(pk: int):
    from tvetbridge.demand.models import SkillDemand

    vacancy = SkillDemand.objects.select_related("enterprise", "region", "country", "occupation").filter(
        pk=pk, kind=SkillDemand.Kind.VACANCY).first()
    if vacancy is None:
        raise Http404(_("No such vacancy."))
    return vacancy


def vacancy_candidates(request, pk: int):
    """A vacancy's best trainees: consenting people only, without identity or income."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    vacancy = _vacancy_or_404(pk)
    if not request.user.has_perm("matching.view_vacancy_candidates", vacancy):
        raise PermissionDenied(_("You do not have permission to do this."))
    rows, lst = queries.candidates_of_vacancy(vacancy.pk)
    return render(request, "matching/vacancy_candidates.html", {
        "vacancy": vacancy, "rows": rows, "list": lst, "weights": _weights(),
        "interests": queries.interests_in_vacancy(vacancy.pk), "updating": services.candidates_updating(),
        "show_keys": request.user.has_perm("matching.rebuild_candidates")})


def _trainee_page(request, trainee):
    rows, lst = queries.vacancies_of_trainee(trainee.pk)
    return render(request, "matching/trainee_matches.html", {
        "trainee": trainee, "rows": rows, "list": lst, "weights": _weights()})


def my_matches(request):
    """The signed-in trainee's own best vacancies."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    trainee = getattr(request.user, "trainee", None)
    if trainee is None or not request.user.has_perm("matching.view_trainee_matches", trainee):
        raise PermissionDenied(_("This account is not linked to a trainee record."))
    return _trainee_page(request, trainee)


def trainee_matches(request, pk: int):
    from tvetbridge.outcomes.models import Trainee

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    trainee = Trainee.objects.filter(pk=pk).first()
    if trainee is None:
        raise Http404(_("No such trainee."))
    if not request.user.has_perm("matching.view_trainee_matches", trainee):
        raise PermissionDenied(_("You do not have permission to do this."))
    return _trainee_page(request, trainee)


def candidate_vacancies(request):
    """Vacancies with their candidate lists: an enterprise's own, or all for coordinators."""
    denied = _need(request, "matching.view_gaps")
    if denied:
        return denied
    overview = queries.vacancy_overview(request.user)
    if overview is None:
        raise PermissionDenied(_("You do not have permission to do this."))
    return render(request, "matching/candidate_vacancies.html",
                  {**overview, "updating": services.candidates_updating()})


@require_POST
def interest(request, pk: int, action: str):
    """The signed-in trainee says they are interested in a vacancy, or takes it back."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    trainee = getattr(request.user, "trainee", None)
    if trainee is None:
        raise PermissionDenied(_("This account is not linked to a trainee record."))
    vacancy = _vacancy_or_404(pk)
    try:
        if action == "express":
            services.express_interest(request.user, trainee, vacancy)
            messages.success(request, _("The enterprise can now see that you are interested."))
        else:
            services.withdraw_interest(request.user, trainee, vacancy)
            messages.success(request, _("Your interest was withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("my_work") + "#matches")


def _weights() -> dict:
    return {"region": REGION_WEIGHT, "language": LANGUAGE_WEIGHT, "k": K}
