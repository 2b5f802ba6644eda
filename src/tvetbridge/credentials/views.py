"""Pages: qualification frameworks and referencing (public; coordinators edit), issued credentials
(institutions issue, suspend and revoke; trainees download), and the public verification page.

Thin: reads through ``queries``, writes through ``services`` and ``issuing``; the rules decide."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tvetbridge.core.access import need as _need
from tvetbridge.core.forms import show_service_errors

from . import issuing, queries, services, texts
from .certificate import certificate_pdf
from .engine.errors import CredentialError
from .engine.verify import parse_document
from .forms import CohortForm, CredentialTypeForm, DeleteForm, IssueForm, LinkForm, StatusForm, VerifyForm
from .models import CredentialType, IssuedCredential, IssuerProfile, LevelLink, QualificationFramework
from .vcapi import json_download

# --- frameworks and referencing -------------------------------------------------------------------

def framework_list(request):
    return render(request, "credentials/framework_list.html", {
        "frameworks": queries.frameworks(), "can_edit": request.user.has_perm("credentials.edit_frameworks")})


def framework_detail(request, code: str):
    framework = get_object_or_404(queries.frameworks(), code=code)
    links = queries.links_between(framework)
    return render(request, "credentials/framework_detail.html", {
        "framework": framework, "levels": framework.levels.all(), "links": links,
        "can_edit": request.user.has_perm("credentials.edit_frameworks")})


def referencing(request):
    frameworks = list(QualificationFramework.objects.all())
    codes = {f.code: f for f in frameworks}
    first = codes.get(request.GET.get("a", "cn-vet")) or (frameworks[0] if frameworks else None)
    second = codes.get(request.GET.get("b", "kz-nqf"))
    links = queries.links_between(first, second) if first else []
    derived = []
    if first and second:
        all_links = services.engine_links()
        for level in first.levels.order_by("rank"):
            found = services.engine.correspondences(level.key, all_links, second.code)
            derived.append({"level": level, "best": found[0] if found else None,
                            "target": texts.level_name(found[0].target) if found else None})
    return render(request, "credentials/referencing.html", {
        "frameworks": frameworks, "first": first, "second": second, "links": links, "derived": derived,
        "can_edit": request.user.has_perm("credentials.edit_frameworks"), "form": LinkForm()})


def _link_page(request, form, link):
    return render(request, "credentials/link_form.html", {"form": form, "link": link,
                                                          "delete_form": DeleteForm(initial={"version": link.version})
                                                          if link else None})


def link_edit(request, pk: int | None = None):
    link = get_object_or_404(LevelLink, pk=pk) if pk else None
    if (resp := _need(request, "credentials.change_levellink" if link else "credentials.add_levellink", link)):
        return resp
    if request.method != "POST":
        initial = {}
        if link:
            initial = {name: getattr(link, name) for name in ("source", "target", "relation", "status",
                                                              "source_citation", "basis_en", "basis_zh_hans",
                                                              "basis_ru", "basis_kk", "version")}
        else:
            initial = {"status": LevelLink.Status.PROPOSED, "source": request.GET.get("source"),
                       "target": request.GET.get("target")}
        return _link_page(request, LinkForm(initial=initial), link)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            saved = services.save_link(request.user, form.service_data(), link,
                                       expected_version=form.cleaned_data["version"],
                                       reason=form.cleaned_data["reason"])
        except services.Conflict as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Referencing link saved."))
            return redirect(f"{_referencing_url(saved)}")
    return _link_page(request, form, link)


def _referencing_url(link: LevelLink) -> str:
    from django.urls import reverse

    return (f"{reverse('credentials_referencing')}?a={link.source.framework.code}&b={link.target.framework.code}"
            f"#link-{link.pk}")


@require_POST
def link_delete(request, pk: int):
    link = get_object_or_404(LevelLink, pk=pk)
    if (resp := _need(request, "credentials.delete_levellink", link)):
        return resp
    form = DeleteForm(request.POST)
    target = _referencing_url(link)
    if form.is_valid():
        try:
            services.delete_link(request.user, link, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Referencing link removed."))
    else:
        messages.error(request, _("Give the reason for removing the link."))
    return redirect(target)


def link_history(request, pk: int):
    if (resp := _need(request, "credentials.edit_frameworks")):
        return resp
    rows = LevelLink.history.filter(id=pk).select_related("history_user").order_by("-history_date")
    if not rows.exists():
        raise Http404
    return render(request, "credentials/link_history.html", {"rows": rows, "link": LevelLink.objects.filter(pk=pk).first()})


# --- verification (public) ------------------------------------------------------------------------

def _present(report) -> dict:
    checks = [{"name": texts.CHECK_NAMES.get(c.name, c.name), "key": c.name, "status": c.status,
               "status_label": texts.STATUS_NAMES.get(c.status, c.status), "text": texts.check_text(c.code, c.params)}
              for c in report.checks]
    summary = dict(report.summary)
    names = summary.get("achievement_names") or {}
    language = get_language() or "en"
    local = names.get({"zh-hans": "zh-Hans"}.get(language, language))
    if isinstance(local, str) and local.strip():
        summary["achievement"] = local
    return {"verified": report.verified, "checks": checks, "summary": summary}


def verify(request, issued_uuid=None):
    """Paste, upload or scan a credential; or open /verify/<id>/ from a certificate's QR code."""
    result, error, document_text = None, None, ""
    form = VerifyForm()
    if issued_uuid is not None:
        issued = IssuedCredential.objects.filter(uuid=issued_uuid).first()
        if issued is None:
            raise Http404(_("No credential with this identifier was issued on this platform."))
        result = _present(issuing.verify_document(issued.document))
    elif request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            document_text = form.text()
            if not document_text.strip():
                error = _("Paste a credential or choose a file.")
            else:
                try:
                    document = parse_document(document_text)
                except CredentialError as exc:
                    error = texts.check_text(exc.code, exc.params)
                else:
                    result = _present(issuing.verify_document(document))
    elif request.GET.get("id"):
        try:
            return redirect("credentials_verify_id", issued_uuid=uuid.UUID(request.GET["id"].strip().split(":")[-1]))
        except ValueError:
            error = _("“%(value)s” is not a credential identifier.") % {"value": request.GET["id"][:80]}
    return render(request, "credentials/verify.html", {"form": form, "result": result, "error": error,
                                                       "issued_uuid": issued_uuid})


def issuer_list(request):
    """Public: each issuer's identifier and every key it has signed with, with the dates it started,
    retired (still verifies what it signed) or was revoked (no longer verifies anything)."""
    rows = []
    for profile in queries.issuers():
        web = profile.method == IssuerProfile.Method.WEB
        active = next((k for k in profile.keys.all() if k.is_active), None)
        rows.append({"issuer": profile, "keys": profile.keys.all(),
                     "did": issuing.web_did(profile) if web else (active.did if active else None),
                     "did_url": issuing.did_document_url(profile) if web else None})
    return render(request, "credentials/issuer_list.html", {"rows": rows})


# --- issued credentials ---------------------------------------------------------------------------

def my_credentials(request):
    if (resp := _need(request, "credentials.view_own_credentials")):
        return resp
    return render(request, "credentials/my_credentials.html", {"issued": queries.issued_for(request.user)})


def credential_detail(request, issued_uuid):
    issued = get_object_or_404(IssuedCredential.objects.select_related("issuer__institution", "credential_type"),
                               uuid=issued_uuid)
    if (resp := _need(request, "credentials.view_issuedcredential", issued)):
        return resp
    return render(request, "credentials/credential_detail.html", {
        "issued": issued, "result": _present(issuing.verify_document(issued.document)),
        "can_change": request.user.has_perm("credentials.change_issuedcredential", issued),
        "status_form": StatusForm(), "verify_url": issuing.verify_url(issued.uuid),
        "history": IssuedCredential.history.filter(id=issued.pk).select_related("history_user")
        .order_by("-history_date")[:20]})


def credential_json(request, issued_uuid):
    issued = get_object_or_404(IssuedCredential, uuid=issued_uuid)
    if (resp := _need(request, "credentials.view_issuedcredential", issued)):
        return resp
    return json_download(issued.document, f"credential-{issued.uuid}.jsonld")


def credential_pdf(request, issued_uuid):
    issued = get_object_or_404(IssuedCredential.objects.select_related("issuer__institution", "credential_type"),
                               uuid=issued_uuid)
    if (resp := _need(request, "credentials.view_issuedcredential", issued)):
        return resp
    if issued.credential_type_id is None:
        raise Http404(_("Only credentials issued for recorded awards have a printable certificate."))
    response = HttpResponse(certificate_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{issued.uuid}.pdf"'
    return response


@require_POST
def credential_status(request, issued_uuid):
    issued = get_object_or_404(IssuedCredential, uuid=issued_uuid)
    if (resp := _need(request, "credentials.change_issuedcredential", issued)):
        return resp
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            issuing.set_status(request.user, issued, form.cleaned_data["status"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Status changed to “%(status)s”.")
                             % {"status": IssuedCredential.Status(form.cleaned_data["status"]).label})
    else:
        messages.error(request, _("Choose the new status and give the reason."))
    return redirect("credentials_detail", issued_uuid=issued.uuid)


def _institution_of(request):
    profile = getattr(request.user, "profile", None)
    return profile.institution if profile is not None and profile.institution_id else None


def manage(request):
    """An institution's issuing desk: credential types, issue one or a cohort, issued list, keys."""
    if (resp := _need(request, "credentials.manage_credentials")):
        return resp
    institution = _institution_of(request)
    types = CredentialType.objects.select_related("institution", "programme")
    if institution is not None:
        types = types.filter(institution=institution)
    awards = queries.awards_for(request.user).order_by("-awarded")[:500]
    issue_form, cohort_form = IssueForm(awards=queries.awards_for(request.user), types=types), CohortForm(types=types)
    if request.method == "POST":
        try:
            if "cohort" in request.POST:
                cohort_form = CohortForm(request.POST, types=types)
                if cohort_form.is_valid():
                    job = issuing.start_cohort(request.user, cohort_form.cleaned_data["credential_type"])
                    return redirect("job_detail", pk=job.pk)
            else:
                issue_form = IssueForm(request.POST, awards=queries.awards_for(request.user), types=types)
                if issue_form.is_valid():
                    issued = issuing.issue_award(request.user, issue_form.cleaned_data["award"],
                                                 issue_form.cleaned_data["credential_type"])
                    messages.success(request, _("Credential issued."))
                    return redirect("credentials_detail", issued_uuid=issued.uuid)
        except ValidationError as exc:
            show_service_errors(cohort_form if "cohort" in request.POST else issue_form, exc)
        except CredentialError as exc:
            messages.error(request, texts.check_text(exc.code, exc.params))
    issuer = IssuerProfile.objects.filter(institution=institution).first() if institution else None
    return render(request, "credentials/manage.html", {
        "types": types, "issue_form": issue_form, "cohort_form": cohort_form, "awards_count": len(awards),
        "issued": queries.issued_for(request.user)[:200], "issuer": issuer, "institution": institution,
        "keys": issuer.keys.order_by("-created") if issuer else [],
        "current_did": issuing.current_did(issuer) if issuer else None,
        "did_url": issuing.did_document_url(issuer) if issuer and issuer.method == "web" else None})


@require_POST
def rotate_key(request):
    if (resp := _need(request, "credentials.manage_credentials")):
        return resp
    institution = _institution_of(request)
    issuer = get_object_or_404(IssuerProfile, institution=institution) if institution else None
    if issuer is None:
        raise Http404
    issuing.rotate_key(request.user, issuer, reason=request.POST.get("reason", "")[:100])
    messages.success(request, _("A new signing key was created; the previous one still verifies the credentials "
                                "it signed."))
    return redirect("credentials_manage")


def credential_type_new(request):
    if (resp := _need(request, "credentials.add_credentialtype")):
        return resp
    institution = _institution_of(request)
    if institution is None:
        messages.info(request, _("Credential types are created by the staff of the institution that awards them."))
        return redirect("credentials_manage")
    form = CredentialTypeForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_credential_type(request.user, {
                "institution": institution, "programme": data["programme"], "kind": data["kind"],
                "hours": data["hours"], "credits": data["credits"], "language": data["language"],
                "name": {k: data[f"name_{k}"] for k in ("en", "zh_hans", "ru", "kk")},
                "description": {"en": data["description_en"]}, "criteria": {"en": data["criteria_en"]}},
                levels=list(data["levels"]), outcomes=data["outcomes"])
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Credential type saved."))
            return redirect("credentials_manage")
    return render(request, "credentials/credential_type_form.html", {"form": form})
