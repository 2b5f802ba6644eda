"""Read paths of the recognition pages, API and reports: what each role may list, and the report of
recognition decisions per country pair."""

from __future__ import annotations

from statistics import median

from django.db.models import Prefetch, Q, QuerySet

from tvetbridge.core.roles import role_of
from tvetbridge.outcomes.models import Credential as Award
from tvetbridge.outcomes.queries import trainees_for

from .models import (
    CredentialType,
    CreditTransferAgreement,
    FrameworkLevel,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    LevelLink,
    QualificationFramework,
    RecognitionApplication,
)

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
