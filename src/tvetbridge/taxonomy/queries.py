"""Read paths of the taxonomy for pages and the API: the ISCO tree, detail pages and label search."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import translation

from .models import IscoGroup, Occupation, OccupationSkill, Skill

SUFFIXES = {code: code.replace("-", "_") for code, _name in settings.LANGUAGES}
SEARCH_SCOPES = ("active", "any")
SEARCH_KINDS = ("occupations", "skills")
# Candidates ranked in Python; beyond this a query is too vague to be worth ranking further.
MAX_CANDIDATES = 1000


def fold(text: str) -> str:
    """The form search compares: NFKC, case-folded, ё as е (Russian writes both for one letter)."""
    return unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")


def suffix(language: str | None = None) -> str:
    return SUFFIXES.get(language or translation.get_language() or settings.LANGUAGE_CODE, "en")


# ----------------------------------------------------------------------------------------- coverage
def label_coverage() -> list[dict]:
    """Per kind of concept (occupations, skills): how many have a label in each language other than
    English — what translators still have to do."""
    languages = [(code, name) for code, name in settings.LANGUAGES if code != "en"]
    rows = []
    for model in (Occupation, Skill):
        counts = model.objects.aggregate(total=Count("pk"), **{
            code: Count("pk", filter=~Q(**{f"label_{SUFFIXES[code]}__isnull": True})
                        & ~Q(**{f"label_{SUFFIXES[code]}": ""})) for code, _name in languages})
        total = counts["total"]
        rows.append({"kind": model._meta.verbose_name_plural, "code": model._meta.model_name, "total": total,
                     "languages": [
            {"code": code, "name": name, "labelled": counts[code],
             "share": 100.0 * counts[code] / total if total else 0.0} for code, name in languages]})
    return rows


# ----------------------------------------------------------------------------------------- browsing
def isco_major_groups() -> list[IscoGroup]:
    """Major groups with their sub-major groups (prefetched) and occupation counts per sub-major group."""
    counts = _occupation_counts(2)
    majors = list(IscoGroup.objects.filter(parent__isnull=True).prefetch_related("children"))
    for major in majors:
        major.subgroups = list(major.children.all())
        for sub in major.subgroups:
            sub.n_occupations = counts.get(sub.code, 0)
        major.n_occupations = sum(s.n_occupations for s in major.subgroups)
    return majors


def _occupation_counts(digits: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, n in Occupation.objects.values_list("isco_group_id").annotate(n=Count("pk")).values_list(
            "isco_group_id", "n"):
        counts[code[:digits]] = counts.get(code[:digits], 0) + n
    return counts


def isco_group(group: IscoGroup) -> dict:
    ancestors = []
    parent = group.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    children = list(group.children.all())
    counts = _occupation_counts(len(group.code) + 1) if children else {}
    for child in children:
        child.n_occupations = counts.get(child.code, 0)
    occupations = Occupation.objects.filter(isco_group__code__startswith=group.code).select_related("isco_group")
    return {"group": group, "ancestors": ancestors, "children": children,
            "occupations": occupations.order_by("isco_group_id", "label") if len(group.code) >= 3 else None,
            "n_occupations": occupations.count()}


def occupation_detail(occupation: Occupation) -> dict:
    links = (OccupationSkill.objects.filter(occupation=occupation).select_related("skill")
             .order_by(f"skill__label_{suffix()}", "skill__label_en"))
    essential = [link.skill for link in links if link.essential]
    optional = [link.skill for link in links if not link.essential]
    group = occupation.isco_group
    ancestors = []
    while group is not None:
        ancestors.insert(0, group)
        group = group.parent
    return {"occupation": occupation, "essential": essential, "optional": optional, "isco_path": ancestors,
            "csco": occupation.csco, "labels": labels_by_language(occupation)}


def skill_detail(skill: Skill) -> dict:
    links = (OccupationSkill.objects.filter(skill=skill).select_related("occupation")
             .order_by(f"occupation__label_{suffix()}", "occupation__label_en"))
    return {"skill": skill, "essential_for": [link.occupation for link in links if link.essential],
            "optional_for": [link.occupation for link in links if not link.essential],
            "labels": labels_by_language(skill)}


def labels_by_language(concept) -> list[dict]:
    """The preferred and alternative labels of a concept in every interface language, without fallback."""
    out = []
    for code, name in settings.LANGUAGES:
        sfx = SUFFIXES[code]
        label = getattr(concept, f"label_{sfx}", "") or ""
        alts = [a for a in (getattr(concept, f"alt_labels_{sfx}", "") or "").splitlines() if a.strip()]
        out.append({"code": code, "name": name, "label": label, "alt_labels": alts})
    return out


# ------------------------------------------------------------------------------------------- search
@dataclass(frozen=True)
class SearchResult:
    kind: str
    query: str
    scope: str
    items: list
    truncated: bool


def _search_columns(scope: str, language: str | None) -> list[str]:
    if scope == "any":
        return [f"search_{s}" for s in dict.fromkeys(SUFFIXES.values())]
    return [f"search_{suffix(language)}"]


def search_queryset(model, query: str, *, scope: str = "any", language: str | None = None) -> QuerySet:
    """Concepts whose labels (preferred or alternative) contain every word of ``query``."""
    words = fold(query).split()
    if not words:
        return model.objects.none()
    columns = _search_columns(scope, language)
    condition = Q()
    for word in words:
        condition &= Q(*[Q(**{f"{column}__contains": word}) for column in columns], _connector=Q.OR)
    return model.objects.filter(condition)


def _rank(obj, phrase: str, columns: list[str]) -> tuple:
    # Exact preferred label first, then a label that starts with the query, then shorter labels.
    best = (3, 0)
    for column in columns:
        lines = (getattr(obj, column) or "").splitlines()
        for position, line in enumerate(lines):
            score = 0 if line == phrase else 1 if line.startswith(phrase) else 2 if phrase in line else 3
            best = min(best, (score, 0 if position == 0 else 1))
    return (*best, len(obj.label or ""), obj.pk)


def search(query: str, *, kind: str = "occupations", scope: str = "any", language: str | None = None,
           limit: int = 50) -> SearchResult:
    model = Occupation if kind == "occupations" else Skill
    qs = search_queryset(model, query, scope=scope, language=language)
    if model is Occupation:
        qs = qs.select_related("isco_group")
    candidates = list(qs[:MAX_CANDIDATES + 1])
    truncated = len(candidates) > MAX_CANDIDATES
    phrase = " ".join(fold(query).split())
    columns = _search_columns(scope, language)
    candidates.sort(key=lambda obj: _rank(obj, phrase, columns))
    return SearchResult(kind, query, scope, candidates[:limit], truncated or len(candidates) > limit)


def occupation_choices(query: str = "", limit: int = 30) -> list[Occupation]:
    """Occupations for a picker: the search hits, or nothing for an empty query."""
    return search(query, kind="occupations", scope="any", limit=limit).items if query.strip() else []


# ------------------------------------------------------------------------------------------- labels
def label_proposals(language: str = "", status: str = "", kind: str = "") -> QuerySet:
    from .models import LabelProposal

    qs = LabelProposal.objects.select_related("occupation", "skill", "isco_group", "proposed_by", "decided_by")
    if language:
        qs = qs.filter(language=language)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs
