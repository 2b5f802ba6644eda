"""Read paths of the recognition pages, API and reports: what each role may list, and the report of
recognition decisions per country pair."""

from __future__ import annotations

from statistics import median

from django.db.models import Prefetch, Q, QuerySet

from tvetbridge.core.roles import role_of
from tvetbridge.outcomes.models import Credential as Award
from tvetbridge.outcomes.queries import trainees_for
from tvetbridge.registry.models import CooperationProject, Programme
from tvetbridge.taxonomy.models import Skill

from .engine import compare
from .engine import recognition as engine
from .models import (
    CredentialType,
    CreditTransferAgreement,
    FrameworkLevel,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    LearningOutcome,
    LevelLink,
    ProgrammeProfile,
    QualificationFramework,
    RecognitionApplication,
)
from .reference import skill_hierarchy

SMALL_CELL = 5


def cohort_awards(ctype: CredentialType) -> QuerySet:
    """The awards of a credential type's programme that have not been issued as it yet."""
    return (Award.objects.filter(enrolment__programme=ctype.programme_id).exclude(issued__credential_type=ctype)
            .select_related("trainee", "enrolment").order_by("pk"))


def issuers() -> QuerySet:
    """Every issuer with its keys, newest first: the public record of which key spoke for whom and when
    (only public parts; the sealed private key is never read here)."""
    keys = IssuerKey.objects.only("issuer_id", "did", "verification_method", "public_key_multibase", "created",
                                  "retired", "revoked").order_by("-created")
    return (IssuerProfile.objects.select_related("institution__country")
            .prefetch_related(Prefetch("keys", queryset=keys)).order_by("institution__name"))


def frameworks() -> QuerySet:
    return (QualificationFramework.objects.select_related("country")
            .prefetch_related(Prefetch("levels", queryset=FrameworkLevel.objects.order_by("rank"))))


def links_between(first: QualificationFramework, second: QualificationFramework | None = None) -> QuerySet:
    qs = LevelLink.objects.select_related("source__framework", "target__framework", "updated_by")
    if second is None:
        return qs.filter(Q(source__framework=first) | Q(target__framework=first))
    return qs.filter(Q(source__framework=first, target__framework=second)
                     | Q(source__framework=second, target__framework=first))


def _own_trainee(user):
    return getattr(user, "trainee", None) if role_of(user) == "trainee" else None


def issued_for(user) -> QuerySet:
    qs = IssuedCredential.objects.select_related("issuer__institution", "credential_type", "trainee", "award")
    role = role_of(user)
    if role in ("admin", "coordinator"):
        return qs
    if role == "institution":
        return qs.filter(issuer__institution_id=user.profile.institution_id)
    trainee = _own_trainee(user)
    if trainee is not None:
        return qs.filter(trainee=trainee)
    return qs.none()


def awards_for(user) -> QuerySet:
    """Recorded credentials the user may act on (issue, apply for recognition)."""
    qs = Award.objects.select_related("trainee", "enrolment__programme__institution")
    trainee = _own_trainee(user)
    if trainee is not None:
        return qs.filter(trainee=trainee)
    return qs.filter(trainee__in=trainees_for(user).values("pk"))


def applications_for(user) -> QuerySet:
    qs = RecognitionApplication.objects.select_related("trainee", "award", "host_country", "source_level__framework",
                                                       "target_framework", "recognised_level")
    role = role_of(user)
    if role in ("admin", "coordinator"):
        return qs
    if role == "institution":
        mine = trainees_for(user).values("pk")
        return qs.filter(Q(trainee__in=mine) | Q(submitted_by_institution_id=user.profile.institution_id))
    trainee = _own_trainee(user)
    if trainee is not None:
        return qs.filter(trainee=trainee)
    return qs.none()


def agreements_for(user) -> QuerySet:
    qs = CreditTransferAgreement.objects.select_related("source__institution", "target__institution")
    if role_of(user) in (None, "trainee"):
        return qs.none()
    return qs


def approved_agreements_by_pair(user) -> list[dict]:
    """Approved agreements grouped per institution pair, for the list page."""
    pairs: dict[tuple[int, int], dict] = {}
    for agreement in agreements_for(user).filter(status=CreditTransferAgreement.Status.APPROVED):
        key = (agreement.source.institution_id, agreement.target.institution_id)
        entry = pairs.setdefault(key, {"source": agreement.source.institution, "target": agreement.target.institution,
                                       "agreements": []})
        entry["agreements"].append(agreement)
    return sorted(pairs.values(), key=lambda e: (str(e["source"]), str(e["target"])))


def recognition_report(qs: QuerySet | None = None) -> list[dict]:
    """Per (country of the credential, host country): applications, decisions by outcome and the median
    days from submission to decision. Counts under five are withheld (they could name a person)."""
    qs = qs if qs is not None else RecognitionApplication.objects.all()
    rows: dict[tuple[str, str], dict] = {}
    fields = ("source_level__framework__country_id", "host_country_id", "status", "outcome", "appeal_outcome",
              "submitted", "decided")
    for origin, host, status, outcome, appeal_outcome, submitted, decided in qs.values_list(*fields):
        row = rows.setdefault((origin or "—", host), {"origin": origin or "—", "host": host, "applications": 0,
                                                      "decided": 0, "full": 0, "partial": 0, "refused": 0,
                                                      "appealed": 0, "days": []})
        row["applications"] += 1
        if decided is not None:
            row["decided"] += 1
            final = appeal_outcome or outcome
            if final in ("full", "partial", "refused"):
                row[final] += 1
            row["days"].append((decided - submitted).total_seconds() / 86400)
        if status in (RecognitionApplication.Status.APPEALED, RecognitionApplication.Status.CLOSED):
            row["appealed"] += 1
    out = []
    for row in sorted(rows.values(), key=lambda r: (r["origin"], r["host"])):
        days = row.pop("days")
        row["median_days"] = round(median(days), 1) if days else None
        row["suppressed"] = row["applications"] < SMALL_CELL
        out.append(row)
    return out


# --- referencing paths ----------------------------------------------------------------------------

def engine_links(qs=None) -> list[engine.Link]:
    rows = (qs or LevelLink.objects.all()).values_list(
        "pk", "source__framework__code", "source__code", "target__framework__code", "target__code", "relation", "status")
    return [engine.Link(f"{sf}:{sc}", f"{tf}:{tc}", relation, status, pk)
            for pk, sf, sc, tf, tc, relation, status in rows]


def eqf_rank(level_key: str, links: list[engine.Link]) -> float | None:
    if level_key.startswith("eqf:"):
        return float(level_key.split(":", 1)[1])
    found = engine.correspondences(level_key, links, "eqf")
    return float(found[0].target.split(":", 1)[1]) if found else None


# --- programmes on frameworks ---------------------------------------------------------------------

def placement(programme: Programme) -> ProgrammeProfile | None:
    return (ProgrammeProfile.objects.select_related("language", "programme__institution")
            .prefetch_related(Prefetch("levels", queryset=FrameworkLevel.objects.select_related("framework")),
                              Prefetch("outcomes", queryset=LearningOutcome.objects.select_related("skill")))
            .filter(programme=programme).first())


def project_programmes(project: CooperationProject) -> QuerySet:
    """Programmes of the project's institutions, Chinese and partner side."""
    institutions = (set(project.chinese_institutions.values_list("pk", flat=True))
                    | set(project.partner_institutions.values_list("pk", flat=True)))
    return (Programme.objects.filter(institution__in=institutions)
            .select_related("institution__country", "recognition_profile").order_by("institution__name", "name"))


def partner_programmes(programme: Programme) -> QuerySet:
    """Programmes of the institutions the programme's institution shares a cooperation project with."""
    projects = CooperationProject.objects.filter(Q(chinese_institutions=programme.institution_id)
                                                 | Q(partner_institutions=programme.institution_id))
    partners = (set(projects.values_list("chinese_institutions", flat=True))
                | set(projects.values_list("partner_institutions", flat=True))) - {None, programme.institution_id}
    return (Programme.objects.filter(institution__in=partners)
            .select_related("institution__country", "recognition_profile").order_by("institution__name", "name"))


def _programme_outcomes(programme: Programme, links: list[engine.Link]) -> tuple[list[compare.Outcome], list]:
    """The programme's outcomes (its own, then its modules'), each with the level it is taught at."""
    profile = placement(programme)
    levels = list(profile.levels.all()) if profile else []
    own_level = ", ".join(level.name for level in levels)
    own_eqf = max((rank for level in levels if (rank := eqf_rank(level.key, links)) is not None), default=None)
    out = [compare.Outcome(o.pk, o.text, o.skill.esco_id if o.skill_id else None, own_level, own_eqf)
           for o in (profile.outcomes.all() if profile else [])]
    module_rows = (LearningOutcome.objects.filter(module__programme=programme)
                   .select_related("skill", "module__level__framework").order_by("module__code", "pk"))
    for o in module_rows:
        level = o.module.level
        out.append(compare.Outcome(o.pk, o.text, o.skill.esco_id if o.skill_id else None,
                                   f"{o.module.code} · {level.name}" if level else f"{o.module.code} · {own_level}",
                                   eqf_rank(level.key, links) if level else own_eqf))
    return out, levels


def comparison(first: Programme, second: Programme) -> dict:
    """Outcome-by-outcome comparison of two programmes with both sides' levels (see ``engine.compare``)."""
    links = engine_links()
    first_outcomes, first_levels = _programme_outcomes(first, links)
    second_outcomes, second_levels = _programme_outcomes(second, links)
    rows = compare.compare(first_outcomes, second_outcomes, skill_hierarchy())
    skills = {o.skill for o in first_outcomes + second_outcomes if o.skill}
    hierarchy = skill_hierarchy()
    via = {row.via for row in rows if row.via}
    # Skill groups have English labels only; skills are shown in the reader's language when ESCO has it.
    labels = {c: hierarchy.labels[c] for c in via if c in hierarchy.labels}
    labels.update({s.esco_id: s.label for s in Skill.objects.filter(esco_id__in=skills | via)})
    return {"rows": rows, "summary": compare.summary(rows), "labels": labels,
            "first": {"programme": first, "levels": first_levels,
                      "eqf": [eqf_rank(level.key, links) for level in first_levels]},
            "second": {"programme": second, "levels": second_levels,
                       "eqf": [eqf_rank(level.key, links) for level in second_levels]}}
