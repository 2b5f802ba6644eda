# Over 500 lines: thin views for agreements, operations, events, committees and the calendar, one short function each.
"""Governance pages. Thin: reads through ``queries``, writes through ``services``; the rules decide
who may do what, and a record a user may not see answers 404 like one that does not exist."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import expected_version, show_service_errors
from tvetbridge.core.services import Conflict
from tvetbridge.registry import queries as registry_queries
from tvetbridge.registry.io.files import CONTENT_TYPES
from tvetbridge.registry.models import CooperationProject, FacultyMember
from tvetbridge.risk.models import Alert

from . import queries, services
from .forms import (
    ActionForm,
    AgreementForm,
    AssetForm,
    CalendarForm,
    ClauseForm,
    CommitteeForm,
    DecisionForm,
    DocumentForm,
    EventForm,
    ExitPlanForm,
    ImportForm,
    MemberForm,
    MonthForm,
    NoteForm,
    OperationDocumentForm,
    OperationForm,
    ParticipantForm,
    ReportForm,
    SignatoryForm,
)
from .io import agreements as agreements_io
from .io import assets as assets_io
from .io import events as events_io
from .io import ical
from .io import meetings as meetings_io
from .io.common import MAX_IMPORT_BYTES
from .models import (
    Agreement,
    AgreementDocument,
    Asset,
    Committee,
    Decision,
    Event,
    ExitPlan,
    FollowUpAction,
    OperationDocument,
    OverseasOperation,
    Participant,
    SupervisionReport,
)


def _form(request, form, title: str, cancel_url: str):
    return render(request, "governance/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def _save(request, form, write, success: str, target):
    """Run a service write for a valid form; on success redirect, otherwise show its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = write(form)
        except (ValidationError, Conflict) as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(target(obj))
    return None


def _edit(request, obj, form, update, success: str, back: str):
    """The edit page of one record: permission, the versioned form, the service's update."""
    if (resp := _need(request, f"governance.change_{obj._meta.model_name}", obj)) is not None:
        return resp
    return _save(request, form, lambda f: update(request.user, obj, f.service_data(),
                                                 expected_version=expected_version(f)),
                 success, lambda o: back) or _form(request, form, str(obj), back)


# ---------------------------------------------------------------------------------------------------
# Home and agreements


def home(request):
    if (resp := _need(request, "governance.view_governance")) is not None:
        return resp
    today = dt.date.today()
    user = request.user
    context = {"today": today, "operations": queries.visible_operations(user)[:20],
               "can_add_agreement": user.has_perm("governance.add_agreement"),
               "can_add_operation": user.has_perm("governance.add_overseasoperation"),
               "is_coordinator": user.has_perm("governance.view_coverage")}
    if context["is_coordinator"]:
        due = list(queries.renewals_due(today))
        for a in due:
            a.days_left = queries.days_left(a, today)
        context.update(renewals=due, unprotected=queries.without_clauses(today),
                       counts=queries.operation_counts(), open_actions=queries.open_actions()[:20])
    context["upcoming"] = queries.visible_events(user).filter(ends_on__gte=today).order_by("starts_on")[:5]
    return render(request, "governance/home.html", context)


def agreement_list(request):
    if (resp := _need(request, "governance.view_agreement")) is not None:
        return resp
    qs = queries.visible_agreements(request.user).prefetch_related("institutions", "countries")
    return render(request, "governance/agreement_list.html", {
        "agreements": qs, "can_add": request.user.has_perm("governance.add_agreement")})


def public_agreements(request):
    return render(request, "governance/public_agreements.html", {"agreements": queries.public_agreements()})


def _agreement(request, pk: int) -> Agreement:
    return get_object_or_404(queries.visible_agreements(request.user), pk=pk)


def agreement_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agreement = _agreement(request, pk)
    user = request.user
    return render(request, "governance/agreement_detail.html", {
        "agreement": agreement, "clauses": agreement.clauses.all(), "signatories": agreement.signatories.all(),
        "documents": agreement.documents.all() if user.has_perm("governance.view_agreementdocument",
                                                                AgreementDocument(agreement=agreement)) else None,
        "projects": agreement.projects.all(), "in_force": agreement.in_force(),
        "can_change": user.has_perm("governance.change_agreement", agreement)})


def agreement_create(request):
    if (resp := _need(request, "governance.add_agreement")) is not None:
        return resp
    form = AgreementForm(request.POST or None)
    return _save(request, form, lambda f: services.create_agreement(request.user, f.service_data()),
                 _("Agreement saved."), lambda a: reverse("governance_agreement", args=[a.pk])) \
        or _form(request, form, _("New agreement"), reverse("governance_agreements"))


def agreement_edit(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = AgreementForm(request.POST or None, instance=agreement)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.update_agreement(
        request.user, agreement, f.service_data(), expected_version=expected_version(f)),
        _("Agreement saved."), lambda a: back) or _form(request, form, str(agreement), back)


def clause_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = ClauseForm(request.POST or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.add_clause(request.user, agreement, f.service_data()),
                 _("Clause added."), lambda c: back) or _form(request, form, _("Add a continuity clause"), back)


def signatory_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = SignatoryForm(request.POST or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.add_signatory(request.user, agreement, f.cleaned_data),
                 _("Signatory added."), lambda s: back) or _form(request, form, _("Add a signatory"), back)


def agreement_document_add(request, pk: int):
    agreement = _agreement(request, pk)
    if (resp := _need(request, "governance.change_agreement", agreement)) is not None:
        return resp
    form = DocumentForm(request.POST or None, request.FILES or None)
    back = reverse("governance_agreement", args=[pk])
    return _save(request, form, lambda f: services.upload_agreement_document(request.user, agreement,
                                                                             **f.cleaned_data),
                 _("Document uploaded."), lambda d: back) or _form(request, form, _("Upload a document"), back)


def _download(request, doc):
    if (resp := _need(request, f"governance.view_{doc._meta.model_name}", doc)) is not None:
        return resp
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                        filename=doc.file.name.rsplit("/", 1)[-1])


def agreement_document(request, pk: int):
    return _download(request, get_object_or_404(AgreementDocument, pk=pk))


# ---------------------------------------------------------------------------------------------------
# Overseas operations


def _operation(request, pk: int) -> OverseasOperation:
    return get_object_or_404(queries.visible_operations(request.user), pk=pk)


def operation_list(request):
    if (resp := _need(request, "governance.view_governance")) is not None:
        return resp
    return render(request, "governance/operation_list.html", {
        "operations": queries.visible_operations(request.user),
        "can_add": request.user.has_perm("governance.add_overseasoperation")})


def operation_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    op = _operation(request, pk)
    user = request.user
    plan = ExitPlan.objects.filter(operation=op).select_related("trigger_alert", "receiving_institution").first()
    today = dt.date.today()
    protection = queries.protection(CooperationProject.objects.filter(pk=op.project_id), today)[0]
    return render(request, "governance/operation_detail.html", {
        "op": op, "plan": plan, "protection": protection,
        "transitions": services.available_transitions(user, op),
        "assets": op.assets.all(), "reports": op.reports.all(), "documents": op.documents.all(),
        "history": op.history.select_related("history_user").order_by("-history_date")[:20],
        "can_change": user.has_perm("governance.change_overseasoperation", op),
        "can_plan": user.has_perm("governance.change_exitplan", plan or ExitPlan(operation=op)),
        "can_trigger": plan is not None and op.status in services.EXIT_SOURCES
        and user.has_perm("governance.trigger_exitplan", plan),
        "can_add_child": user.has_perm("governance.change_asset", op.assets.model(operation=op)),
        "can_report": op.status in ("approved", "suspended", "exiting")
        and user.has_perm("governance.change_supervisionreport", SupervisionReport(operation=op)),
        "can_review": user.has_perm("governance.review_supervisionreport", SupervisionReport(operation=op)),
        "open_alerts": Alert.objects.filter(country_id=op.host_country_id).exclude(status="resolved")[:5],
        "note_form": NoteForm()})


def operation_create(request):
    if (resp := _need(request, "governance.add_overseasoperation")) is not None:
        return resp
    form = OperationForm(request.POST or None, user=request.user)
    return _save(request, form, lambda f: services.create_operation(request.user, f.service_data()),
                 _("Application saved. Write its exit plan before you submit it."),
                 lambda o: reverse("governance_exit_plan", args=[o.pk])) \
        or _form(request, form, _("Apply to operate abroad"), reverse("governance_operations"))


def operation_edit(request, pk: int):
    op = _operation(request, pk)
    if (resp := _need(request, "governance.change_overseasoperation", op)) is not None:
        return resp
    form = OperationForm(request.POST or None, instance=op, user=request.user)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: services.update_operation(
        request.user, op, f.service_data(), expected_version=expected_version(f)),
        _("Application saved."), lambda o: back) or _form(request, form, str(op), back)


def exit_plan_edit(request, pk: int):
    op = _operation(request, pk)
    plan = ExitPlan.objects.filter(operation=op).first()
    if (resp := _need(request, "governance.change_exitplan", plan or ExitPlan(operation=op))) is not None:
        return resp
    form = ExitPlanForm(request.POST or None, instance=plan)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: services.save_exit_plan(
        request.user, op, f.service_data(), expected_version=expected_version(f)),
        _("Exit plan saved."), lambda p: back) or _form(request, form, _("Exit plan"), back)


@require_POST
def operation_transition(request, pk: int, name: str):
    op = _operation(request, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.transition_operation(request.user, op, name, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The operation is now %(status)s.") % {"status": op.get_status_display()})
    return redirect("governance_operation", pk=pk)


@require_POST
def exit_trigger(request, pk: int):
    op = _operation(request, pk)
    alert_id = request.POST.get("alert") or ""
    alert = get_object_or_404(Alert, pk=int(alert_id)) if alert_id.isdigit() else None
    form = NoteForm(request.POST)
    try:
        services.trigger_exit(request.user, op, reason=form.cleaned_data["note"] if form.is_valid() else "",
                              alert=alert)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.warning(request, _("The exit plan is open: the operation winds down as it says."))
    return redirect("governance_operation", pk=pk)


def _child_form(request, pk: int, form_class, write, title: str, success: str, perm_model):
    op = _operation(request, pk)
    if (resp := _need(request, f"governance.change_{perm_model._meta.model_name}", perm_model(operation=op))) \
            is not None:
        return resp
    files = request.FILES or None
    form = form_class(request.POST or None, files) if files is not None else form_class(request.POST or None)
    back = reverse("governance_operation", args=[pk])
    return _save(request, form, lambda f: write(request.user, op, f), success, lambda o: back) \
        or _form(request, form, title, back)


def asset_add(request, pk: int):
    return _child_form(request, pk, AssetForm, lambda u, op, f: services.add_asset(u, op, f.service_data()),
                       _("Register an asset"), _("Asset registered."), Asset)


def report_add(request, pk: int):
    return _child_form(request, pk, ReportForm, lambda u, op, f: services.add_report(u, op, f.cleaned_data),
                       _("Supervision report"), _("Report saved."), SupervisionReport)


def operation_document_add(request, pk: int):
    return _child_form(request, pk, OperationDocumentForm,
                       lambda u, op, f: services.upload_operation_document(u, op, **f.cleaned_data),
                       _("Upload a document"), _("Document uploaded."), OperationDocument)


def operation_document(request, pk: int):
    return _download(request, get_object_or_404(OperationDocument, pk=pk))


@require_POST
def report_review(request, pk: int):
    report = get_object_or_404(SupervisionReport, pk=pk)
    if (resp := _need(request, "governance.review_supervisionreport", report)) is not None:
        return resp
    form = NoteForm(request.POST)
    try:
        services.review_report(request.user, report, note=form.cleaned_data["note"] if form.is_valid() else "")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report reviewed."))
    return redirect("governance_operation", pk=report.operation_id)


# What each import reads and where a successful one leads.
IMPORTS = {
    "agreements": (agreements_io.import_agreements, agreements_io.template_file, "governance_agreements",
                   gettext_lazy("Import agreements"), gettext_lazy("Agreements"), "governance_agreement_import_template"),
    "assets": (assets_io.import_assets, assets_io.template_file, "governance_operations",
               gettext_lazy("Import assets"), gettext_lazy("Operations abroad"), "governance_asset_import_template"),
    "events": (events_io.import_events, events_io.template_file, "governance_events",
               gettext_lazy("Import events"), gettext_lazy("Calendar of cooperation events"),
               "governance_event_import_template"),
}


def _import_page(request, run, *, title: str, back_url: str, back_title: str, template_href: str):
    """The upload page every governance import shares: size checked before the file is read, errors
    listed by row and column, nothing written unless every row is good."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Checked before the file is read; the importer checks the bytes it is given again.
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is %(size)s MB; imports may be at most %(max)s MB.")
                           % {"size": round(upload.size / 1048576, 1), "max": MAX_IMPORT_BYTES // 1048576})
        else:
            result = run(request.user, upload.read(), upload.name)
            if result.ok:
                messages.success(request, _("%(count)s records imported.") % {"count": len(result.outcomes)})
                return redirect(back_url)
    return render(request, "governance/import.html", {"form": form, "result": result, "title": title,
                                                      "back_url": back_url, "back_title": back_title,
                                                      "template_href": template_href})


def _import(request, kind: str):
    if (resp := _need(request, "governance.import_records")) is not None:
        return resp
    run, _template, done, title, back_title, template_url = IMPORTS[kind]
    # Coming from an operation's page, the template is filled in with that operation's number.
    operation = request.GET.get("operation", "")
    return _import_page(request, run, title=title, back_url=reverse(done), back_title=back_title,
                        template_href=reverse(template_url) + (f"?operation={operation}" if operation.isdigit()
                                                               else ""))


def _xlsx(content: bytes, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


def _import_template(request, kind: str, **options):
    if (resp := _need(request, "governance.import_records")) is not None:
        return resp
    return _xlsx(IMPORTS[kind][1](**options), kind)


def agreement_import(request):
    return _import(request, "agreements")


def agreement_import_template(request):
    return _import_template(request, "agreements")


def asset_import(request):
    return _import(request, "assets")


def asset_import_template(request):
    operation = request.GET.get("operation", "")
    return _import_template(request, "assets", operation=int(operation) if operation.isdigit() else None)


def event_import(request):
    return _import(request, "events")


def event_import_template(request):
    return _import_template(request, "events")


# ---------------------------------------------------------------------------------------------------
# Committees


def committee_list(request):
    if (resp := _need(request, "governance.view_committee")) is not None:
        return resp
    return render(request, "governance/committee_list.html", {
        "committees": queries.visible_committees(request.user).prefetch_related("countries")
        .annotate(n_members=Count("members", distinct=True), n_events=Count("events", distinct=True)),
        "can_add": request.user.has_perm("governance.add_committee")})


def _committee(request, pk: int) -> Committee:
    return get_object_or_404(queries.visible_committees(request.user), pk=pk)


def committee_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    committee = _committee(request, pk)
    events = committee.events.select_related("country").prefetch_related("decisions__actions")
    return render(request, "governance/committee_detail.html", {
        "committee": committee, "members": committee.members.select_related("institution"), "events": events,
        "can_change": request.user.has_perm("governance.change_committee", committee),
        "can_add_event": request.user.has_perm("governance.change_event", Event(committee=committee))})


def committee_create(request):
    if (resp := _need(request, "governance.add_committee")) is not None:
        return resp
    form = CommitteeForm(request.POST or None)
    return _save(request, form, lambda f: services.create_committee(request.user, f.service_data()),
                 _("Committee saved."), lambda c: reverse("governance_committee", args=[c.pk])) \
        or _form(request, form, _("New committee"), reverse("governance_committees"))


def committee_edit(request, pk: int):
    committee = _committee(request, pk)
    return _edit(request, committee, CommitteeForm(request.POST or None, instance=committee),
                 services.update_committee, _("Committee saved."), reverse("governance_committee", args=[pk]))


def _meetings_allowed(request, committee: Committee):
    if (resp := _need(request, "governance.import_records")) is not None:
        return resp
    return _need(request, "governance.change_event", Event(committee=committee))


def meeting_import(request, pk: int):
    committee = _committee(request, pk)
    if (resp := _meetings_allowed(request, committee)) is not None:
        return resp
    return _import_page(request, lambda user, data, name: meetings_io.import_meetings(user, committee, data, name),
                        title=_("Import meetings"), back_url=reverse("governance_committee", args=[pk]),
                        back_title=str(committee),
                        template_href=reverse("governance_meeting_import_template", args=[pk]))


def meeting_import_template(request, pk: int):
    committee = _committee(request, pk)
    if (resp := _meetings_allowed(request, committee)) is not None:
        return resp
    return _xlsx(meetings_io.template_file(), meetings_io.KIND)


def member_add(request, pk: int):
    committee = _committee(request, pk)
    if (resp := _need(request, "governance.change_committee", committee)) is not None:
        return resp
    form = MemberForm(request.POST or None)
    back = reverse("governance_committee", args=[pk])
    return _save(request, form, lambda f: services.add_member(request.user, committee, f.service_data()),
                 _("Member seated."), lambda m: back) or _form(request, form, _("Seat a member"), back)


# ---------------------------------------------------------------------------------------------------
# Events: the calendar, one event, its participants, decisions and follow-up actions


def event_list(request):
    """Events by year and kind. Members see every event; anyone else the published ones."""
    user = request.user
    form = CalendarForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    events = queries.calendar(queries.visible_events(user), **form.place(), kind=f.get("kind") or "",
                              year=f.get("year"))
    events = list(events[:500])
    counts = queries.participation(Event.objects.filter(pk__in=[e.pk for e in events]))
    members = user.has_perm("governance.view_event")
    for e in events:
        e.n_participants = queries.shown_count(counts.get(e.pk, {}).get("n", 0), members)
    return render(request, "governance/event_list.html", {
        "events": events, "form": form, "today": dt.date.today(), "members": members,
        "can_add": user.has_perm("governance.add_event")})


def _month_url(request, first: dt.date) -> str:
    query = request.GET.copy()
    query["month"] = f"{first:%Y-%m}"
    return f"{request.path}?{query.urlencode()}"


def calendar(request):
    """One month of events, committee meetings and teachers' dispatches, by the day each begins (an entry
    begun the month before shows on the first). The public sees published events only."""
    form = MonthForm(request.GET or None)
    today = dt.date.today()
    first = form.first_day(today)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    items = queries.calendar_items(request.user, first, last, **form.place())
    days: dict[dt.date, list] = {}
    for item in items:
        days.setdefault(max(item.starts, first), []).append(item)
    # An empty month points to the next one with an entry, so nobody pages forward month by month.
    upcoming = None
    if not days:
        later = queries.calendar_items(request.user, last + dt.timedelta(days=1),
                                       today + dt.timedelta(days=FEED_FUTURE_DAYS), limit=1, **form.place())
        if later:
            upcoming = {"item": later[0], "url": _month_url(request, later[0].starts.replace(day=1))}
    feed_query = request.GET.copy()
    feed_query.pop("month", None)
    return render(request, "governance/calendar.html", {
        "form": form, "first": first, "today": today, "days": sorted(days.items()), "upcoming": upcoming,
        "previous": _month_url(request, (first - dt.timedelta(days=1)).replace(day=1)),
        "next": _month_url(request, last + dt.timedelta(days=1)),
        "feed_query": feed_query.urlencode(), "members": request.user.has_perm("governance.view_event")})


# The feed spans a year back and two ahead: what a subscribed calendar shows without growing forever.
FEED_PAST_DAYS, FEED_FUTURE_DAYS = 365, 730


def calendar_feed(request):
    """The calendar as an iCalendar feed at a stable address, with the page's country and project
    filters; what it holds is what the requester may see (signed out: the public calendar)."""
    form = MonthForm(request.GET or None)
    today = dt.date.today()
    items = queries.calendar_items(request.user, today - dt.timedelta(days=FEED_PAST_DAYS),
                                   today + dt.timedelta(days=FEED_FUTURE_DAYS), **form.place())
    body = ical.feed(items, name=_("TVET Bridge: cooperation calendar"), base_url=request.build_absolute_uri("/")[:-1],
                     host=request.get_host().split(":")[0], language=translation.get_language(),
                     stamp=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tvetbridge-calendar.ics"'
    return response


def _event(request, pk: int) -> Event:
    return get_object_or_404(queries.visible_events(request.user), pk=pk)


def event_detail(request, pk: int):
    user = request.user
    event = _event(request, pk)
    members = user.has_perm("governance.view_event", event)
    counts = queries.participation(Event.objects.filter(pk=pk)).get(pk, {})
    participants = list(queries.visible_participants(user, event))
    # An organiser sees every participant, but opens only the teachers whose records it may read.
    openable = registry_queries.openable_faculty(user, [p.faculty_id for p in participants if p.faculty_id])
    for p in participants:
        p.may_open = p.faculty_id in openable
        p.can_change = user.has_perm("governance.change_participant", p)
        p.can_feed = p.can_change and p.trainee_id and not p.credential_id and p.certificate \
            and event.status == Event.Status.HELD
    context = {"event": event, "members": members, "participants": participants,
               "n_participants": queries.shown_count(counts.get("n", 0), members),
               "n_countries": counts.get("countries", 0),
               "can_change": user.has_perm("governance.change_event", event),
               "can_add_participant": user.has_perm("governance.add_participant")}
    if members:
        context["decisions"] = event.decisions.prefetch_related("projects", "agreements", "actions__responsible")
        context["projects"] = event.projects.all()
        context["agreements"] = event.agreements.all()
    return render(request, "governance/event_detail.html", context)


def event_create(request):
    if (resp := _need(request, "governance.add_event")) is not None:
        return resp
    initial = {"committee": request.GET.get("committee")} if request.GET.get("committee", "").isdigit() else None
    form = EventForm(request.POST or None, initial=initial)
    return _save(request, form, lambda f: services.create_event(request.user, f.service_data()),
                 _("Event saved."), lambda e: reverse("governance_event", args=[e.pk])) \
        or _form(request, form, _("New event"), reverse("governance_events"))


def event_edit(request, pk: int):
    event = _event(request, pk)
    return _edit(request, event, EventForm(request.POST or None, instance=event), services.update_event,
                 _("Event saved."), reverse("governance_event", args=[pk]))


def participant_add(request, pk: int):
    event = _event(request, pk)
    if (resp := _need(request, "governance.add_participant")) is not None:
        return resp
    form = ParticipantForm(request.POST or None, user=request.user)
    back = reverse("governance_event", args=[pk])
    return _save(request, form, lambda f: services.add_participant(request.user, event, f.service_data()),
                 _("Participant registered."), lambda p: back) \
        or _form(request, form, _("Register a participant"), back)


def participant_edit(request, pk: int):
    p = get_object_or_404(Participant.objects.select_related("event"), pk=pk)
    return _edit(request, p, ParticipantForm(request.POST or None, instance=p, user=request.user),
                 services.update_participant, _("Participant saved."), reverse("governance_event", args=[p.event_id]))


@require_POST
def participant_feed(request, pk: int):
    p = get_object_or_404(Participant.objects.select_related("event"), pk=pk)
    if (resp := _need(request, "governance.change_participant", p)) is not None:
        return resp
    try:
        services.feed_result(request.user, p)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The result is now a credential in the trainee's record."))
    return redirect("governance_event", pk=p.event_id)


def decision_add(request, pk: int):
    event = _event(request, pk)
    if (resp := _need(request, "governance.change_event", event)) is not None:
        return resp
    form = DecisionForm(request.POST or None)
    back = reverse("governance_event", args=[pk])
    return _save(request, form, lambda f: services.add_decision(request.user, event, f.service_data()),
                 _("Decision recorded."), lambda d: back) or _form(request, form, _("Record a decision"), back)


def action_add(request, pk: int):
    decision = get_object_or_404(Decision.objects.select_related("event"), pk=pk)
    if (resp := _need(request, "governance.change_decision", decision)) is not None:
        return resp
    form = ActionForm(request.POST or None)
    back = reverse("governance_event", args=[decision.event_id])
    return _save(request, form, lambda f: services.add_action(request.user, decision, f.service_data()),
                 _("Action assigned."), lambda a: back) or _form(request, form, _("Assign a follow-up action"), back)


def action_edit(request, pk: int):
    action = get_object_or_404(FollowUpAction.objects.select_related("decision__event"), pk=pk)
    return _edit(request, action, ActionForm(request.POST or None, instance=action), services.update_action,
                 _("Action saved."), reverse("governance_event", args=[action.decision.event_id]))


def faculty_development(request, pk: int):
    """A faculty member's events: the governance part of their development record."""
    faculty = get_object_or_404(FacultyMember.objects.select_related("institution"), pk=pk)
    if (resp := _need(request, "registry.view_facultymember", faculty)) is not None:
        return resp
    return render(request, "governance/development.html", {
        "faculty": faculty, "participations": queries.development_record(faculty.pk)})
