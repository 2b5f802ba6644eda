"""Read paths for language levels: the best level each faculty member holds, and who qualifies.

A faculty member's level in a language is the highest of their structured proficiencies
(``LanguageProficiency``); where there is none, the registry's self-declared CEFR level
(``registry.FacultyLanguage``, read as CEFR or native) stands in, so records written by older paths
(registry forms, API, generator) still count at the level they state — never above it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from tvetbridge.registry.models import FacultyLanguage, FacultyMember

from .engine import scales
from .models import LanguageProficiency, rank_expression

# Teaching in a language takes at least CEFR B2 ("can interact with a degree of fluency and
# spontaneity", CEFR 2001 §3.3; the level most national rules set for teaching in a second
# language). The platform's stated norm, applied when a requirement names a lower level or none.
TEACHING_FLOOR = scales.Level(scales.CEFR, "B2")


def declared_rank(level: str) -> int | None:
    try:
        return scales.from_short(level).rank
    except scales.ScaleError:
        return None


def best_ranks(faculty_ids: Iterable[int] | None = None, languages: Iterable[str] | None = None,
               *, institution_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """faculty id → {language: highest rank}, for the faculty (or institutions) and languages given."""
    structured = LanguageProficiency.objects.filter(faculty__isnull=False)
    declared = FacultyLanguage.objects.all()
    if faculty_ids is not None:
        ids = list(faculty_ids)
        structured, declared = structured.filter(faculty_id__in=ids), declared.filter(faculty_id__in=ids)
    if institution_ids is not None:
        inst = list(institution_ids)
        structured = structured.filter(faculty__institution_id__in=inst)
        declared = declared.filter(faculty__institution_id__in=inst)
    if languages is not None:
        langs = list(languages)
        structured, declared = structured.filter(language_id__in=langs), declared.filter(language_id__in=langs)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for fid, lang, rank in (structured.values("faculty_id", "language_id").annotate(r=Max(rank_expression()))
                            .values_list("faculty_id", "language_id", "r")):
        out[fid][lang] = rank
    for fid, lang, level in declared.values_list("faculty_id", "language_id", "level"):
        rank = declared_rank(level)
        if rank is not None and lang not in out[fid]:
            out[fid][lang] = rank
    return dict(out)


def teaching_level(required: scales.Level | None) -> scales.Level:
    """The level a teacher needs to teach in a language whose learners must reach ``required``."""
    if required is None or required.rank < TEACHING_FLOOR.rank:
        return TEACHING_FLOOR
    return required


def demand_requirements(demand_ids: Iterable[int]) -> dict[str, scales.Level]:
    """The demand records' language requirements ("zh HSK4", "ru B2") as structured levels, the
    highest per language across the records."""
    from tvetbridge.demand.models import SkillDemand

    out: dict[str, scales.Level] = {}
    for languages in SkillDemand.objects.filter(pk__in=list(demand_ids)).values_list("languages", flat=True):
        for item in languages or []:
            try:
                level = scales.from_short(item["level"])
            except scales.ScaleError:
                continue  # validate_languages keeps these out; an old row is not a reason to fail a page
            if item["language"] not in out or level.rank > out[item["language"]].rank:
                out[item["language"]] = level
    return out


def bilingual_counts(institution_ids: Iterable[int], *, required: dict[str, scales.Level],
                     any_of: dict[str, scales.Level]) -> dict[int, int]:
    """institution id → faculty meeting every level in ``required`` and at least one in ``any_of``."""
    inst = list(institution_ids)
    langs = set(required) | set(any_of)
    faculty = dict(FacultyMember.objects.filter(institution_id__in=inst).values_list("pk", "institution_id"))
    counts: dict[int, int] = defaultdict(int)
    for fid, ranks in best_ranks(institution_ids=inst, languages=langs).items():
        if fid not in faculty:
            continue
        if all(ranks.get(lang, 0) >= level.rank for lang, level in required.items()) and any(
                ranks.get(lang, 0) >= level.rank for lang, level in any_of.items()):
            counts[faculty[fid]] += 1
    return dict(counts)


def proficiencies_of_faculty(faculty_id: int):
    return LanguageProficiency.objects.filter(faculty_id=faculty_id).select_related("language")


def assignments():
    from .models import Assignment

    return (Assignment.objects.select_related("faculty", "from_institution", "partner", "project", "country",
                                              "field", "language").order_by("-start_date")[:200])


def teacher_record(faculty) -> dict:
    """A teacher's languages, development and dispatches, newest first."""
    from .models import Assignment, Participation

    return {
        "proficiencies": list(LanguageProficiency.objects.filter(faculty=faculty).select_related("language")),
        "declared": list(FacultyLanguage.objects.filter(faculty=faculty).select_related("language")),
        "development": list(Participation.objects.filter(faculty=faculty)
                            .select_related("session__programme").order_by("-session__start_date")),
        "assignments": list(Assignment.objects.filter(faculty=faculty).select_related(
            "partner", "project", "country", "field", "language").order_by("-start_date")),
    }


def dispatches_between(start, end, *, country: str = "", project: int | None = None):
    """Dispatches abroad (not cancelled) whose period overlaps ``start``–``end``, for calendars."""
    from .models import Assignment

    qs = (Assignment.objects.filter(start_date__lte=end, end_date__gte=start)
          .exclude(status=Assignment.Status.CANCELLED)
          .select_related("faculty", "from_institution", "partner", "project", "country"))
    if country:
        qs = qs.filter(country_id=country.upper())
    if project:
        qs = qs.filter(project_id=project)
    return qs.order_by("start_date", "pk")
