"""State changes of mutual recognition: referencing links, programme placements and credential types,
credit-transfer agreements and recognition decisions. (Issuing, keys and status are in ``issuing``.)

Each function is atomic, checks the actor with the rules the pages use, and leaves an audit row
(django-simple-history: who, when, before/after, why). Editable records carry a version: a change
made from a stale copy raises ``Conflict`` (a 409 in the API, a message on the page).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tvetbridge.core.models import Country
from tvetbridge.core.services import Conflict, check_version  # noqa: F401 - Conflict: what callers catch
from tvetbridge.outcomes.models import Credential as Award
from tvetbridge.registry.models import Programme
from tvetbridge.taxonomy import services as taxonomy

from .engine import recognition as engine
from .models import (
    CredentialType,
    CreditTransferAgreement,
    CreditTransferItem,
    FrameworkLevel,
    LearningOutcome,
    LevelLink,
    ProgrammeModule,
    ProgrammeProfile,
    QualificationFramework,
    RecognitionApplication,
)
from .queries import engine_links, eqf_rank  # noqa: F401 - engine_links: part of this module's interface

LANGS = ("en", "zh_hans", "ru", "kk")


def _require(user, perm: str, obj=None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def _audit(obj, user, reason: str) -> None:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason[:100]


def level_by_key(key: str) -> FrameworkLevel:
    """``framework:code`` to a level, with a clear error for an unknown one."""
    framework, _sep, code = (key or "").partition(":")
    level = FrameworkLevel.objects.select_related("framework").filter(framework__code=framework, code=code).first()
    if level is None:
        raise ValidationError({"level": _("“%(key)s” is not a level of any framework on the platform; write "
                                          "framework:level, for example kz-nqf:4.") % {"key": key}})
    return level


# --- referencing ----------------------------------------------------------------------------------

@transaction.atomic
def save_link(user, data: Mapping[str, Any], link: LevelLink | None = None, *, expected_version: int | None = None,
              reason: str = "") -> LevelLink:
    """Create or change a referencing link. ``data``: source, target (levels), relation, status,
    source_citation and basis in any of the four languages (``basis_en`` …)."""
    _require(user, "credentials.change_levellink" if link else "credentials.add_levellink", link)
    link = link or LevelLink()
    check_version(link, expected_version)
    for name, value in data.items():
        setattr(link, name, value)
    if not any(getattr(link, f"basis_{lang}", "") for lang in LANGS):
        raise ValidationError({"basis": _("Say on what basis the levels correspond.")})
    link.basis = link.basis or next(getattr(link, f"basis_{lang}") for lang in LANGS if getattr(link, f"basis_{lang}"))
    link.updated_by = user
    link.full_clean()
    duplicate = LevelLink.objects.filter(source=link.target, target=link.source).exclude(pk=link.pk).exists()
    if duplicate:
        raise ValidationError({"target": _("These two levels are already linked the other way round.")})
    _audit(link, user, reason or ("changed" if link.pk else "created"))
    link.save()
    return link


@transaction.atomic
def delete_link(user, link: LevelLink, *, reason: str) -> None:
    _require(user, "credentials.delete_levellink", link)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the link is removed.")})
    _audit(link, user, reason)
    link.delete()


# --- programmes and credential types --------------------------------------------------------------

def _set_translations(obj, field: str, values: Mapping[str, str]) -> None:
    for lang in LANGS:
        if lang in values:
            setattr(obj, f"{field}_{lang}", values[lang] or "")
    setattr(obj, field, getattr(obj, f"{field}_en", "") or next((v for v in values.values() if v), ""))


def _outcomes(owner_field: str, owner, outcomes: Iterable[Mapping[str, Any]], user) -> None:
    LearningOutcome.objects.filter(**{owner_field: owner}).delete()
    rows = []
    for i, item in enumerate(outcomes):
        text = item.get("text") or {}
        if isinstance(text, str):
            text = {"en": text}
        if not any(text.values()):
            raise ValidationError({"outcomes": _("Learning outcome %(n)s has no text.") % {"n": i + 1}})
        row = LearningOutcome(**{owner_field: owner}, skill=item.get("skill"))
        _set_translations(row, "text", text)
        row.full_clean()
        rows.append(row)
    for row in rows:
        _audit(row, user, "outcomes set")
        row.save()


def _resolve_levels(levels: Iterable[FrameworkLevel | str]) -> list[FrameworkLevel]:
    return [level if isinstance(level, FrameworkLevel) else level_by_key(level) for level in levels]


@transaction.atomic
def save_programme_profile(user, programme: Programme, *, levels: Iterable[FrameworkLevel | str], hours: int,
                           credits: Decimal, language, credit_system: str = "ECTS",
                           outcomes: list[Mapping[str, Any]] | None = None,
                           expected_version: int | None = None, reason: str = "") -> ProgrammeProfile:
    """Place a programme on framework levels with its workload, language and programme learning outcomes
    (``outcomes``: [{"text": {language: text}, "skill": Skill | None}], replacing the earlier ones; None
    keeps them). ``levels``: levels or ``framework:code`` keys. A programme is placed only with learning
    outcomes, its own or its modules'; every refusal leaves nothing written."""
    profile = ProgrammeProfile.objects.filter(programme=programme).first() or ProgrammeProfile(programme=programme)
    _require(user, "credentials.change_programmeprofile" if profile.pk else "credentials.add_programmeprofile",
             profile)
    if not user.has_perm("credentials.change_programmeprofile", profile):
        raise PermissionDenied(_("You can only place your own institution's programmes."))
    levels = _resolve_levels(levels)
    if not levels:
        raise ValidationError({"levels": _("Place the programme on at least one framework level.")})
    check_version(profile, expected_version)
    profile.hours, profile.credits, profile.language, profile.credit_system = hours, credits, language, credit_system
    profile.full_clean()
    keys = ", ".join(sorted(level.key for level in levels))
    _audit(profile, user, reason or f"placed on {keys}")
    profile.save()
    profile.levels.set(levels)
    if outcomes is not None:
        _outcomes("profile", profile, outcomes, user)
    has_outcomes = (profile.outcomes.exists()
                    or LearningOutcome.objects.filter(module__programme=programme).exists())
    if not has_outcomes:
        raise ValidationError({"outcomes": _("“%(programme)s” has no learning outcomes; state what its graduates "
                                             "can do before placing it on a level.") % {"programme": programme}})
    return profile


SUGGESTIONS_PER_OUTCOME = 3


def suggest_outcome_skills(programme: Programme, texts: list[str]) -> list[tuple[str, list]]:
    """The platform's skill coder on each uncoded outcome: skills of the occupation the programme's name and
    description point to, ranked by the outcome's words. Proposals only; a person confirms them by saving."""
    about = ". ".join(p for p in (programme.name, programme.description) if p)
    anchor = taxonomy.code_text(about, n_occupations=1, n_skills=1).occupations
    occupation = anchor[0].occupation.esco_id if anchor else None
    return [(text, taxonomy.code_text(text, n_occupations=1, n_skills=SUGGESTIONS_PER_OUTCOME,
                                      occupation=occupation).skills) for text in texts]


@transaction.atomic
def save_module(user, programme: Programme, data: Mapping[str, Any], *, outcomes: list[Mapping[str, Any]],
                module: ProgrammeModule | None = None) -> ProgrammeModule:
    module = module or ProgrammeModule(programme=programme)
    _require(user, "credentials.change_programmemodule", module)
    for name in ("code", "hours", "credits", "level"):
        if name in data:
            setattr(module, name, data[name])
    _set_translations(module, "name", data.get("name") or {})
    module.full_clean()
    _audit(module, user, "saved")
    module.save()
    _outcomes("module", module, outcomes, user)
    return module


@transaction.atomic
def save_credential_type(user, data: Mapping[str, Any], *, levels: list[FrameworkLevel],
                         outcomes: list[Mapping[str, Any]], ctype: CredentialType | None = None,
                         expected_version: int | None = None) -> CredentialType:
    """``data``: institution, programme, kind, field, hours, credits, language, and name / description /
    criteria as {language: text}. Outcomes are required: a credential type states what its holder can do."""
    ctype = ctype or CredentialType(institution=data.get("institution"))
    _require(user, "credentials.change_credentialtype", ctype)
    if not outcomes:
        raise ValidationError({"outcomes": _("A credential type needs at least one learning outcome.")})
    check_version(ctype, expected_version)
    for name in ("institution", "programme", "kind", "field", "hours", "credits", "language"):
        if name in data:
            setattr(ctype, name, data[name])
    for name in ("name", "description", "criteria"):
        _set_translations(ctype, name, data.get(name) or {})
    ctype.full_clean()
    if ctype.programme_id and ctype.programme.institution_id != ctype.institution_id:
        raise ValidationError({"programme": _("The programme belongs to another institution.")})
    _audit(ctype, user, "saved")
    ctype.save()
    ctype.levels.set(levels)
    _outcomes("credential_type", ctype, outcomes, user)
    return ctype


# --- credit transfer ------------------------------------------------------------------------------

def _modules(programme: Programme, links: list[engine.Link]) -> list[engine.Module]:
    out = []
    for module in programme.modules.select_related("level__framework").prefetch_related("outcomes"):
        skills = frozenset(o.skill_id and str(o.skill_id) or "" for o in module.outcomes.all()) - {""}
        rank = eqf_rank(module.level.key, links) if module.level_id else None
        out.append(engine.Module(module.pk, module.code, float(module.credits), module.hours, skills, rank))
    return out


@transaction.atomic
def propose_agreement(user, source: Programme, target: Programme) -> CreditTransferAgreement:
    """The platform's proposal: which modules of ``source`` count towards ``target`` and why."""
    _require(user, "credentials.add_credittransferagreement")
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose two different programmes.")})
    role_ok = user.has_perm("credentials.decide_recognition") or user.profile.institution_id in (
        source.institution_id, target.institution_id)
    if not role_ok:
        raise PermissionDenied(_("Only the two institutions or a coordinator can propose this agreement."))
    open_ = CreditTransferAgreement.objects.filter(source=source, target=target,
                                                  status=CreditTransferAgreement.Status.PROPOSED).first()
    if open_ is not None:
        raise ValidationError({"target": _("An agreement between these programmes is already waiting for "
                                           "approval.")})
    links = engine_links()
    sources, targets = _modules(source, links), _modules(target, links)
    if not sources or not targets:
        raise ValidationError({"source": _("Both programmes need modules with learning outcomes before a transfer "
                                           "can be proposed.")})
    agreement = CreditTransferAgreement(source=source, target=target, created_by=user)
    _audit(agreement, user, "proposed by the platform")
    agreement.save()
    for p in engine.propose_transfer(sources, targets):
        item = CreditTransferItem(agreement=agreement, source_module_id=p.source, target_module_id=p.target,
                                  credits=Decimal(str(p.credits)), coverage=p.coverage, evidence=p.evidence)
        item.save()
    return agreement


@transaction.atomic
def set_item(user, item: CreditTransferItem, *, included: bool, expected_version: int | None = None) -> None:
    agreement = item.agreement
    if not (user.has_perm("credentials.approve_source_credittransferagreement", agreement)
            or user.has_perm("credentials.approve_target_credittransferagreement", agreement)):
        raise PermissionDenied(_("Only the two institutions or a coordinator can amend this agreement."))
    if agreement.status != CreditTransferAgreement.Status.PROPOSED:
        raise ValidationError({"status": _("Only a proposed agreement can be amended.")})
    check_version(agreement, expected_version)
    # An amendment voids approvals given to the earlier text.
    agreement.source_approved_by = agreement.target_approved_by = None
    agreement.source_approved_at = agreement.target_approved_at = None
    _audit(agreement, user, f"item {item.pk} {'included' if included else 'excluded'}")
    agreement.save()
    item.included = included
    item.save(update_fields=["included"])


@transaction.atomic
def approve_agreement(user, agreement: CreditTransferAgreement, *,
                      expected_version: int | None = None) -> CreditTransferAgreement:
    """Approve for the side(s) the user acts for; approved by both, the agreement takes effect."""
    sides = [side for side in ("source", "target")
             if user.has_perm(f"credentials.approve_{side}_credittransferagreement", agreement)]
    if not sides:
        raise PermissionDenied(_("Only the two institutions or a coordinator can approve this agreement."))
    if agreement.status != CreditTransferAgreement.Status.PROPOSED:
        raise ValidationError({"status": _("This agreement is no longer waiting for approval.")})
    if not agreement.items.filter(included=True).exists():
        raise ValidationError({"items": _("The agreement transfers no module; include at least one.")})
    check_version(agreement, expected_version)
    now = timezone.now()
    for side in sides:
        if getattr(agreement, f"{side}_approved_by_id") is None:
            setattr(agreement, f"{side}_approved_by", user)
            setattr(agreement, f"{side}_approved_at", now)
    if agreement.source_approved_by_id and agreement.target_approved_by_id:
        agreement.status = CreditTransferAgreement.Status.APPROVED
    _audit(agreement, user, f"approved ({', '.join(sides)})")
    agreement.save()
    return agreement


@transaction.atomic
def reject_agreement(user, agreement: CreditTransferAgreement, *, note: str,
                     expected_version: int | None = None) -> CreditTransferAgreement:
    if not (user.has_perm("credentials.approve_source_credittransferagreement", agreement)
            or user.has_perm("credentials.approve_target_credittransferagreement", agreement)):
        raise PermissionDenied(_("Only the two institutions or a coordinator can reject this agreement."))
    if agreement.status != CreditTransferAgreement.Status.PROPOSED:
        raise ValidationError({"status": _("This agreement is no longer waiting for approval.")})
    if not note.strip():
        raise ValidationError({"note": _("Say why the agreement is rejected.")})
    check_version(agreement, expected_version)
    agreement.status, agreement.note = CreditTransferAgreement.Status.REJECTED, note.strip()
    _audit(agreement, user, "rejected")
    agreement.save()
    return agreement


def approved_credits(source: Programme, target: Programme) -> Decimal | None:
    """Credits an approved agreement transfers from ``source`` into ``target`` (None without one)."""
    agreement = (CreditTransferAgreement.objects.filter(source=source, target=target,
                                                       status=CreditTransferAgreement.Status.APPROVED)
                 .order_by("-created").first())
    if agreement is None:
        return None
    return agreement.items.filter(included=True).aggregate(total=Sum("credits"))["total"] or Decimal(0)


# --- recognition ----------------------------------------------------------------------------------

def award_levels(award: Award) -> list[FrameworkLevel]:
    """The framework levels of a recorded credential: its issued credential type's, else its programme's."""
    issued = award.issued.select_related("credential_type").first()
    if issued and issued.credential_type_id:
        levels = list(issued.credential_type.levels.select_related("framework"))
        if levels:
            return levels
    programme = award.enrolment.programme if award.enrolment_id and award.enrolment.programme_id else None
    if programme is not None:
        types = CredentialType.objects.filter(programme=programme).prefetch_related("levels")
        for ctype in types:
            levels = list(ctype.levels.select_related("framework"))
            if levels:
                return levels
        profile = ProgrammeProfile.objects.filter(programme=programme).first()
        if profile is not None:
            return list(profile.levels.select_related("framework"))
    return []


def _skills_of_award(award: Award) -> frozenset[str]:
    programme = award.enrolment.programme if award.enrolment_id and award.enrolment.programme_id else None
    ids = set(LearningOutcome.objects.filter(credential_type__issued__award=award).exclude(skill=None)
              .values_list("skill_id", flat=True))
    if programme is not None:
        ids |= set(LearningOutcome.objects.filter(module__programme=programme).exclude(skill=None)
                   .values_list("skill_id", flat=True))
    return frozenset(str(i) for i in ids)


def proposal_for(application: RecognitionApplication) -> dict[str, Any]:
    award = application.award
    required: frozenset[str] = frozenset()
    credits = programme_credits = None
    target = application.target_programme
    if target is not None:
        required = frozenset(str(i) for i in LearningOutcome.objects.filter(module__programme=target)
                             .exclude(skill=None).values_list("skill_id", flat=True))
        source = award.enrolment.programme if award.enrolment_id and award.enrolment.programme_id else None
        if source is not None:
            found = approved_credits(source, target)
            credits = float(found) if found is not None else None
        profile = ProgrammeProfile.objects.filter(programme=target).first()
        programme_credits = float(profile.credits) if profile else None
    proposal = engine.propose_recognition(application.source_level.key, application.target_framework.code,
                                          engine_links(), credential_skills=_skills_of_award(award),
                                          required_skills=required, agreement_credits=credits,
                                          programme_credits=programme_credits)
    return proposal.as_dict()


@transaction.atomic
def apply_for_recognition(user, award: Award, *, host_country: Country, purpose: str,
                          target_programme: Programme | None = None,
                          level: FrameworkLevel | None = None) -> RecognitionApplication:
    """A trainee (or staff of their institution) applies; the platform's proposal is stored with it."""
    application = RecognitionApplication(trainee=award.trainee, award=award, host_country=host_country,
                                         purpose=purpose, target_programme=target_programme, submitted_by=user)
    if not user.has_perm("credentials.add_recognitionapplication"):
        raise PermissionDenied(_("You may not apply for recognition."))
    if not user.has_perm("credentials.view_recognitionapplication", application):
        raise PermissionDenied(_("You can only apply for your own credentials or your institution's trainees."))
    if getattr(user, "profile", None) is not None and user.profile.institution_id:
        application.submitted_by_institution_id = user.profile.institution_id
    levels = [level] if level is not None else award_levels(award)
    if not levels:
        raise ValidationError({"award": _("“%(name)s” is not placed on any qualification framework level, so no "
                                          "recognition can be proposed; ask the awarding institution to place it.")
                                        % {"name": award.name}})
    application.source_level = levels[0]
    framework = host_framework(host_country, purpose)
    if framework is None:
        raise ValidationError({"host_country": _("No qualification framework of %(country)s is on the platform.")
                                               % {"country": host_country.name}})
    application.target_framework = framework
    if purpose not in RecognitionApplication.Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose “%(value)s”.") % {"value": purpose}})
    application.issued_credential = award.issued.filter(status="active").first()
    application.proposal = proposal_for(application)
    application.full_clean()
    _audit(application, user, "submitted")
    application.save()
    return application


# Which of a host country's frameworks a decision is made in: qualification levels for employment,
# education levels for further study, the national qualifications framework before either when it exists.
_PREFERENCE = {"employment": ("nqf", "skill", "education", "certificate"),
               "study": ("nqf", "education", "skill", "certificate")}


def host_framework(country: Country, purpose: str) -> QualificationFramework | None:
    order = _PREFERENCE.get(purpose, _PREFERENCE["employment"])
    frameworks = sorted(QualificationFramework.objects.filter(country=country),
                        key=lambda f: (order.index(f.kind) if f.kind in order else 9, f.order))
    return frameworks[0] if frameworks else None


def _check_outcome(outcome: str, level: FrameworkLevel | None, application, compensation: str) -> None:
    if outcome not in RecognitionApplication.Outcome.values:
        raise ValidationError({"outcome": _("Choose full, partial or refused.")})
    if outcome != "refused" and level is None:
        raise ValidationError({"recognised_level": _("Give the level the credential is recognised as.")})
    if level is not None and level.framework_id != application.target_framework_id:
        raise ValidationError({"recognised_level": _("Choose a level of %(framework)s.")
                                                   % {"framework": application.target_framework.name}})
    if outcome == "partial" and not compensation.strip():
        raise ValidationError({"compensation": _("Partial recognition names its compensation measures.")})


@transaction.atomic
def decide(user, application: RecognitionApplication, *, outcome: str, level: FrameworkLevel | None,
           compensation: str = "", note: str = "", expected_version: int | None = None) -> RecognitionApplication:
    """The recognition authority's decision. The reasons are the platform's proposal's reasons, plus
    ``departs_from_proposal`` when the decision differs from it, plus the authority's note."""
    _require(user, "credentials.decide_recognitionapplication", application)
    if application.status != RecognitionApplication.Status.SUBMITTED:
        raise ValidationError({"status": _("This application has already been decided.")})
    _check_outcome(outcome, level, application, compensation)
    if outcome != application.proposal.get("outcome") and not note.strip():
        raise ValidationError({"decision_note": _("The decision departs from the platform's proposal; explain why "
                                                  "to the applicant.")})
    check_version(application, expected_version)
    reasons = list(application.proposal.get("reasons", []))
    if outcome != application.proposal.get("outcome"):
        reasons.append({"code": "departs_from_proposal", "params": {"proposed": application.proposal.get("outcome")}})
    application.outcome, application.recognised_level = outcome, level
    application.compensation, application.decision_note, application.reasons = compensation.strip(), note.strip(), reasons
    application.status = RecognitionApplication.Status.DECIDED
    application.decided, application.decided_by = timezone.now(), user
    _audit(application, user, f"decided: {outcome}")
    application.save()
    return application


@transaction.atomic
def appeal(user, application: RecognitionApplication, *, text: str,
           expected_version: int | None = None) -> RecognitionApplication:
    _require(user, "credentials.appeal_recognitionapplication", application)
    if application.status != RecognitionApplication.Status.DECIDED:
        raise ValidationError({"status": _("Only a decided application can be appealed, once.")})
    if not text.strip():
        raise ValidationError({"appeal_text": _("State the grounds of the appeal.")})
    check_version(application, expected_version)
    application.appeal_text, application.appealed = text.strip(), timezone.now()
    application.status = RecognitionApplication.Status.APPEALED
    _audit(application, user, "appealed")
    application.save()
    return application


@transaction.atomic
def decide_appeal(user, application: RecognitionApplication, *, outcome: str, note: str,
                  level: FrameworkLevel | None = None, compensation: str = "",
                  expected_version: int | None = None) -> RecognitionApplication:
    _require(user, "credentials.decide_recognitionapplication", application)
    if application.status != RecognitionApplication.Status.APPEALED:
        raise ValidationError({"status": _("This application is not under appeal.")})
    _check_outcome(outcome, level or application.recognised_level, application, compensation or
                   application.compensation)
    if not note.strip():
        raise ValidationError({"appeal_note": _("Give the reasons for the appeal decision.")})
    check_version(application, expected_version)
    application.appeal_outcome, application.appeal_note = outcome, note.strip()
    if level is not None:
        application.recognised_level = level
    if compensation.strip():
        application.compensation = compensation.strip()
    application.appeal_decided, application.appeal_decided_by = timezone.now(), user
    application.status = RecognitionApplication.Status.CLOSED
    _audit(application, user, f"appeal decided: {outcome}")
    application.save()
    return application
