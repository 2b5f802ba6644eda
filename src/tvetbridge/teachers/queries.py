"""Read paths for language levels: the best level each faculty member holds, and who qualifies.

A faculty member's level in a language is the highest of their structured proficiencies
(``LanguageProficiency``); where there is none, the registry's self-declared CEFR level
(``registry.FacultyLanguage``, read as CEFR or native) stands in, so records written by older paths
(registry forms, API, generator) still count at the level they state — never above it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import Avg, Count, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Country, FieldOfStudy, Language
from tvetbridge.core.roles import Role, is_manager, role_of
from tvetbridge.outcomes import queries as outcomes_queries
from tvetbridge.registry import queries as registry_queries
from tvetbridge.registry.models import CooperationProject, FacultyLanguage, FacultyMember, Programme

from .engine import gain as engine_gain
from .engine import scales
from .engine import shortage as engine_shortage
from .models import (
    ChineseTest,
    HskCentre,
    HskSitting,
    LanguageProficiency,
    ProgrammeLanguageRequirement,
    level_label,
    rank_expression,
)

# Teaching in a language takes at least CEFR B2 ("can interact with a degree of fluency and
# spontaneity", CEFR 2001 §3.3; the level most national rules set for teaching in a second
# language). The platform's stated norm, applied when a requirement names a lower level or none.
TEACHING_FLOOR = scales.Level(scales.CEFR, "B2")


@lru_cache(maxsize=64)
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


# ------------------------------------------------------------------------ who sees which teachers
def _own_institution(user) -> int | None:
    return user.profile.institution_id if role_of(user) == Role.INSTITUTION_STAFF else None


def visible_faculty(user):
    """The teachers ``user`` may read (``teachers.view_teacher``): the registry's one rule."""
    return registry_queries.visible_faculty(user)


openable_teachers = registry_queries.openable_faculty


def visible_assignments(user):
    """Dispatches ``user`` may read: a coordinator all, institution staff those sent from or hosted
    by their institution."""
    from .models import Assignment

    if is_manager(user):
        return Assignment.objects.all()
    institution = _own_institution(user)
    if institution is None:
        return Assignment.objects.none()
    return Assignment.objects.filter(Q(from_institution_id=institution) | Q(partner_id=institution))


def visible_participations(user):
    """Teachers' results in development programmes: a coordinator all, institution staff their own
    teachers' and those in the programmes their institution runs."""
    from .models import Participation

    if is_manager(user):
        return Participation.objects.all()
    institution = _own_institution(user)
    if institution is None:
        return Participation.objects.none()
    return Participation.objects.filter(Q(faculty__institution_id=institution)
                                        | Q(session__programme__provider_id=institution))


def proficiencies_of_faculty(faculty_id: int):
    return LanguageProficiency.objects.filter(faculty_id=faculty_id).select_related("language")


def assignments(user):
    """The latest dispatches ``user`` may read, for the dispatches page."""
    return (visible_assignments(user).select_related("faculty", "from_institution", "partner", "project", "country",
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


def dispatches_between(user, start, end, *, country: str = "", project: int | None = None):
    """Dispatches abroad (not cancelled) that ``user`` may read whose period overlaps ``start``–``end``,
    for calendars."""
    from .models import Assignment

    qs = (visible_assignments(user).filter(start_date__lte=end, end_date__gte=start)
          .exclude(status=Assignment.Status.CANCELLED)
          .select_related("faculty", "from_institution", "partner", "project", "country"))
    if country:
        qs = qs.filter(country_id=country.upper())
    if project:
        qs = qs.filter(project_id=project)
    return qs.order_by("start_date", "pk")


# ------------------------------------------------------------------------------ shortage analysis
ACTIVE_PROJECT_STATUSES = ("approved", "active")


@dataclass(frozen=True)
class Period:
    """An academic year, September to August: the period a shortage and a dispatch are planned for."""

    year: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, 8, 31)

    @property
    def label(self) -> str:
        return f"{self.year}–{self.year + 1}"

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year if day.month >= 9 else day.year - 1)


def trainee_norm() -> int:
    return settings.TEACHER_TRAINEES_PER_TEACHER


NORM_SOURCE = gettext_lazy("China's Ministry of Education, standard for secondary vocational schools (2010): at most "
                "%(norm)s students per teacher. A stated default, not a figure from the seed documents.")


def related_fields(a: str, b: str) -> bool:
    """ISCED-F codes nest by prefix (10 → 104 → 1041): a teacher of a narrow field (3 digits) teaches
    its detailed fields and the other way round; a broad field (2 digits) is too wide to qualify
    anyone for one of its trades."""
    return min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a))


@dataclass
class Cell:
    key: str
    country: str
    field: str
    language: str
    needed: int = 0
    local: int = 0
    dispatched: int = 0
    gap: int = 0
    required: scales.Level = TEACHING_FLOOR
    intake: int = 0
    programme_ids: list[int] = dc_field(default_factory=list)
    project_ids: list[int] = dc_field(default_factory=list)
    country_name: str = ""
    field_name: str = ""
    language_name: str = ""

    @property
    def in_place(self) -> int:
        return self.local + self.dispatched

    @property
    def required_label(self) -> str:
        return level_label(self.required.scale, self.required.level)


@dataclass
class ShortageInputs:
    """The arrays the engine reads, and the codes behind their integer indices."""

    cells: list[Cell]
    countries: list[str]
    fields: list[str]
    languages: list[str]
    teacher_ids: np.ndarray
    arrays: dict


def cell_key(country: str, field: str, language: str) -> str:
    return f"{country}~{field}~{language}"


def _needs(period: Period) -> tuple[dict[str, Cell], list[tuple[str, int, int]]]:
    """Cells from the language requirements of programmes run by the partner institutions of the
    projects approved or active in the period (in the projects' fields); one need row per programme."""
    from tvetbridge.registry.models import CooperationProject

    projects = CooperationProject.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=period.end), Q(end_date__isnull=True) | Q(end_date__gte=period.start),
        status__in=ACTIVE_PROJECT_STATUSES)
    host = dict(projects.values_list("pk", "host_country_id"))
    partners: dict[int, list[int]] = defaultdict(list)
    for pid, inst in CooperationProject.partner_institutions.through.objects.filter(
            cooperationproject_id__in=host).values_list("cooperationproject_id", "institution_id"):
        partners[inst].append(pid)
    project_fields: dict[int, list[str]] = defaultdict(list)
    for pid, fcode in CooperationProject.fields.through.objects.filter(
            cooperationproject_id__in=host).values_list("cooperationproject_id", "fieldofstudy_id"):
        project_fields[pid].append(fcode)
    cells: dict[str, Cell] = {}
    need_rows: list[tuple[str, int, int]] = []
    seen: set[tuple[int, str, str]] = set()
    rows = (ProgrammeLanguageRequirement.objects.filter(programme__institution_id__in=list(partners))
            .values_list("programme_id", "programme__institution_id", "programme__field_id",
                         "programme__intake_capacity", "language_id", "scale", "level"))
    for prog, inst, fcode, intake, lang, scale, level in rows:
        rank = teaching_level(scales.Level(scale, level)).rank
        for pid in partners[inst]:
            wanted = project_fields.get(pid)
            if wanted and not any(related_fields(fcode, w) for w in wanted):
                continue
            key = cell_key(host[pid], fcode, lang)
            cell = cells.setdefault(key, Cell(key, host[pid], fcode, lang))
            if pid not in cell.project_ids:
                cell.project_ids.append(pid)
            if (prog, host[pid], lang) in seen:
                continue
            seen.add((prog, host[pid], lang))
            cell.programme_ids.append(prog)
            cell.intake += intake or 0
            need_rows.append((key, intake or 0, rank))
    return cells, need_rows


def shortage_inputs(period: Period) -> ShortageInputs:
    """Everything the engine needs, read in a handful of queries and coded as integer arrays."""
    cells_by_key, need_rows = _needs(period)
    cells = sorted(cells_by_key.values(), key=lambda c: c.key)
    index = {c.key: i for i, c in enumerate(cells)}
    languages = sorted({c.language for c in cells})
    cell_fields = sorted({c.field for c in cells})
    faculty = list(FacultyMember.objects.values_list("pk", "institution__country_id", "willing_to_dispatch"))
    countries = sorted({c.country for c in cells} | {row[1] for row in faculty if row[1]})
    c_ix, f_ix, l_ix = ({v: i for i, v in enumerate(xs)} for xs in (countries, cell_fields, languages))
    teacher_ids = np.array([row[0] for row in faculty], dtype=np.int64)
    t_ix = {int(t): i for i, t in enumerate(teacher_ids)}
    rank = np.zeros((len(faculty), len(languages)), dtype=np.int64)
    if languages:
        for fid, held in best_ranks(languages=languages).items():
            i = t_ix.get(fid)
            if i is not None:
                for lang, r in held.items():
                    rank[i, l_ix[lang]] = r
    # Teachers' fields → the related cell fields (ISCED-F prefixes), as (teacher, cell field) pairs.
    related = {code: [f_ix[c] for c in cell_fields if related_fields(code, c)]
               for code in FieldOfStudy.objects.values_list("code", flat=True)}
    pair_t: list[int] = []
    pair_f: list[int] = []
    for fid, fcode in FacultyMember.fields.through.objects.values_list("facultymember_id", "fieldofstudy_id"):
        for j in related.get(fcode, ()):
            pair_t.append(t_ix[fid])
            pair_f.append(j)
    busy = np.zeros(len(faculty), dtype=bool)
    by_place: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for c in cells:
        by_place[(c.country, c.language)].append((c.field, index[c.key]))
    a_t: list[int] = []
    a_c: list[int] = []
    for fid, country, fcode, lang in committed_in(period).values_list("faculty_id", "country_id", "field_id",
                                                                       "language_id"):
        busy[t_ix[fid]] = True
        target = next((ci for f, ci in by_place.get((country, lang), ()) if related_fields(fcode, f)), None)
        if target is not None:
            a_t.append(t_ix[fid])
            a_c.append(target)
    need_cell = np.array([index[k] for k, _i, _r in need_rows], dtype=np.int64)
    arrays = {
        "n_cells": len(cells),
        "cell_country": np.array([c_ix[c.country] for c in cells], dtype=np.int64),
        "cell_field": np.array([f_ix[c.field] for c in cells], dtype=np.int64),
        "cell_language": np.array([l_ix[c.language] for c in cells], dtype=np.int64),
        "need_cell": need_cell,
        "need_intake": np.array([i for _k, i, _r in need_rows], dtype=float),
        "need_rank": np.array([r for _k, _i, r in need_rows], dtype=np.int64),
        "teacher_country": np.array([c_ix.get(row[1], len(countries)) for row in faculty], dtype=np.int64),
        "teacher_busy": busy,
        "teacher_rank": rank,
        "pair_teacher": np.array(pair_t, dtype=np.int64),
        "pair_field": np.array(pair_f, dtype=np.int64),
        "assigned_teacher": np.array(a_t, dtype=np.int64),
        "assigned_cell": np.array(a_c, dtype=np.int64),
    }
    return ShortageInputs(cells, countries, cell_fields, languages, teacher_ids, arrays)


def committed_in(period: Period):
    from .models import COMMITTED, Assignment

    return Assignment.objects.filter(status__in=COMMITTED, start_date__lte=period.end, end_date__gte=period.start)


def _rank_level(rank: int) -> scales.Level:
    cefr = scales.cefr_at(rank)
    return scales.Level(scales.NATIVE, scales.NATIVE) if cefr == scales.NATIVE else scales.Level(scales.CEFR, cefr)


def shortage(period: Period) -> list[Cell]:
    """Every cell with its need, supply in place and gap, largest gap first."""
    inputs = shortage_inputs(period)
    result = engine_shortage.shortage(norm=trainee_norm(), **inputs.arrays)
    names = {
        "country": dict(Country.objects.filter(code__in=inputs.countries).values_list("code", "name")),
        "field": dict(FieldOfStudy.objects.filter(code__in=inputs.fields).values_list("code", "name")),
        "language": dict(Language.objects.filter(code__in=inputs.languages).values_list("code", "name")),
    }
    for i, c in enumerate(inputs.cells):
        c.needed, c.local, c.dispatched = int(result.needed[i]), int(result.local[i]), int(result.dispatched[i])
        c.gap = int(result.gap[i])
        c.required = _rank_level(int(result.required_rank[i]))
        c.country_name = names["country"].get(c.country, c.country)
        c.field_name = names["field"].get(c.field, c.field)
        c.language_name = names["language"].get(c.language, c.language)
    return sorted(inputs.cells, key=lambda c: (-c.gap, c.key))


def find_cell(key: str, period: Period) -> Cell | None:
    return next((c for c in shortage(period) if c.key == key), None)


def map_points(cells: list[Cell]) -> list[dict]:
    """Gap and need per country at the country's centroid, for the map."""
    by_country: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in cells:
        by_country[c.country][0] += c.gap
        by_country[c.country][1] += c.needed
    places = Country.objects.filter(code__in=list(by_country)).values_list("code", "name", "latitude", "longitude")
    return [{"name": name, "lat": lat, "lon": lon, "gap": by_country[code][0], "demand": by_country[code][1]}
            for code, name, lat, lon in places if lat is not None and lon is not None]


@dataclass
class Candidate:
    faculty: FacultyMember
    score: float
    ready: bool
    level: scales.Level | None
    components: list[dict]


def candidates(cell: Cell, period: Period, *, top: int = 20, among=None) -> dict[str, list[Candidate]]:
    """Free teachers of the cell's field, not already counted in place, with some level in its
    language: those at the required level to dispatch, the others to train first; ranked and
    explained as project proposals are. ``among`` (a teacher queryset) narrows the pool to the
    teachers a reader may see; each score depends on its teacher alone, so the order is unchanged."""
    from .models import Assignment, DevelopmentProgramme, Participation

    busy = set(committed_in(period).values_list("faculty_id", flat=True))
    codes = [code for code in FieldOfStudy.objects.values_list("code", flat=True) if related_fields(code, cell.field)]
    pool = (FacultyMember.objects.filter(fields__code__in=codes).exclude(pk__in=busy).distinct()
            .select_related("institution", "institution__country"))
    if among is not None:
        pool = pool.filter(pk__in=among.values("pk"))
    ranks = best_ranks(faculty_ids=pool.values_list("pk", flat=True))
    others = sorted(set(Programme.languages.through.objects.filter(programme_id__in=cell.programme_ids)
                        .values_list("language_id", flat=True)) - {cell.language})
    rows = []
    for f in pool:
        held = ranks.get(f.pk, {})
        rank = held.get(cell.language, 0)
        if rank == 0 or (f.institution.country_id == cell.country and rank >= cell.required.rank):
            continue  # no level in the language, or a local teacher already counted in place
        rows.append((f, rank, max((held.get(o, 0) for o in others), default=0)))
    if not rows:
        return {"dispatch": [], "train": []}
    ids = [f.pk for f, _r, _s in rows]
    trained = set(Participation.objects.filter(
        faculty_id__in=ids, result=Participation.Result.COMPLETED,
        session__programme__kind=DevelopmentProgramme.Kind.PRE_DEPARTURE).values_list("faculty_id", flat=True))
    fields_of = defaultdict(set)
    for fid, code in FacultyMember.fields.through.objects.filter(facultymember_id__in=ids).values_list(
            "facultymember_id", "fieldofstudy_id"):
        fields_of[fid].add(code)
    past = {fid: (avg, n) for fid, avg, n in Assignment.objects.filter(
        faculty_id__in=ids, status=Assignment.Status.RETURNED, rating__isnull=False).values("faculty_id")
        .annotate(avg=Avg("rating"), n=Count("pk")).values_list("faculty_id", "avg", "n")}
    ranking = engine_shortage.rank_candidates(
        required_rank=cell.required.rank, floor_rank=TEACHING_FLOOR.rank,
        level_rank=np.array([r for _f, r, _s in rows]),
        exact_field=np.array([cell.field in fields_of[f.pk] for f, _r, _s in rows]),
        second_rank=np.array([s for _f, _r, s in rows]) if others else None,
        pre_departure=np.array([f.pk in trained for f, _r, _s in rows]),
        willing=np.array([f.willing_to_dispatch for f, _r, _s in rows]),
        mean_rating=np.array([float(past[f.pk][0]) if f.pk in past else np.nan for f, _r, _s in rows]),
        teacher_id=np.array(ids))
    out: dict[str, list[Candidate]] = {"dispatch": [], "train": []}
    for i in ranking.order:
        f, rank, second = rows[i]
        facts = {"field": cell.field in fields_of[f.pk], "rank": rank, "second": second if others else None,
                 "others": others, "trained": f.pk in trained, "willing": f.willing_to_dispatch,
                 "past": past.get(f.pk)}
        group = out["dispatch" if ranking.dispatch_ready[i] else "train"]
        if len(group) < top:
            group.append(Candidate(f, float(ranking.score[i]), bool(ranking.dispatch_ready[i]), _rank_level(rank),
                                   explain(cell, ranking.values[i], facts)))
    return out


def explain(cell: Cell, values: np.ndarray, facts: dict) -> list[dict]:
    """The components of a candidate's score, worded in the reader's language from the facts."""
    required = cell.required_label
    held = level_label(*_level_parts(facts["rank"]))
    text = {
        "field": (_("Field"), _("Teaches %(field)s.") if facts["field"] else
                  _("Teaches a broader or narrower field than %(field)s.")),
        "level": (_("Language level"),
                  _("Level in %(language)s: %(held)s; the programmes need %(required)s.") if facts["rank"] >= cell.required.rank
                  else _("Level in %(language)s: %(held)s, below the %(required)s the programmes need: "
                         "a language course first.")),
        "second_language": (_("Second language"),
                            _("Teaches in %(language)s only.") if facts["second"] is None else
                            _("Best level in the programmes' other languages: %(second)s.")),
        "pre_departure": (_("Pre-departure training"),
                          _("Completed the cross-cultural pre-departure training.") if facts["trained"] else
                          _("Has not completed the cross-cultural pre-departure training; needed before approval.")),
        "willing": (_("Willing to be dispatched"),
                    _("Said they are willing to be dispatched abroad.") if facts["willing"] else
                    _("Has not said they are willing to be dispatched abroad.")),
        "past_results": (_("Past dispatches"),
                         _("No returned dispatch yet (neutral).") if facts["past"] is None else
                         _("Mean result %(mean).1f of 5 over %(n)s returned dispatches.")),
    }
    second = facts["second"]
    params = {"field": cell.field_name, "held": held, "language": cell.language_name, "required": required,
              "second": level_label(*_level_parts(second)) if second else _("none"),
              "mean": float(facts["past"][0]) if facts["past"] else 0.0, "n": facts["past"][1] if facts["past"] else 0}
    out = []
    for j, name in enumerate(engine_shortage.COMPONENTS):
        label, sentence = text[name]
        weight = engine_shortage.WEIGHTS[name]
        out.append({"name": name, "label": label, "value": float(values[j]), "weight": weight,
                    "contribution": float(values[j]) * weight, "explanation": str(sentence) % params})
    return out


def _level_parts(rank: int) -> tuple[str, str]:
    level = _rank_level(rank)
    return level.scale, level.level


# ------------------------------------------------------------------ "Chinese + vocational skills" gain
CHINESE = scales.SCALE_LANGUAGE[scales.HSK3]


def chinese_plus_projects(projects):
    return projects.filter(kind=CooperationProject.Kind.CHINESE_PLUS_SKILLS)


def language_gain(projects) -> engine_gain.Gain | None:
    """The Chinese levels at entry and exit of the trainees of the "Chinese + vocational skills"
    projects among ``projects``, with their trade outcomes (rules in ``engine.gain``); None when there
    is no such project. One trainee counts once per project (their first enrolment in it)."""
    projects = chinese_plus_projects(projects)
    if not projects.exists():
        return None
    steps = outcomes_queries.chain_steps(projects)
    first: dict[tuple[int, int], tuple] = {}
    for row in steps["enrolled"].order_by("start_date", "pk").values_list(
            "pk", "trainee_id", "project_id", "start_date", "end_date", "status"):
        first.setdefault((row[1], row[2]), row)
    done = [row for row in first.values() if row[5] == "completed" and row[4] is not None]
    enrolment_ids = {row[0] for row in done}
    certified = set(steps["certified"].filter(enrolment_id__in=enrolment_ids).values_list("enrolment_id", flat=True))
    employed = set(steps["employed"].filter(enrolment_id__in=enrolment_ids).values_list("enrolment_id", flat=True))
    held = np.array(list(LanguageProficiency.objects.filter(
        trainee_id__in={row[1] for row in done}, language_id=CHINESE, certified_on__isnull=False)
        .annotate(rank=rank_expression()).values_list("trainee_id", "certified_on", "rank")), dtype=object)
    person = held[:, 0].astype(np.int64) if held.size else np.zeros(0, dtype=np.int64)
    dated = np.array([d.toordinal() for d in held[:, 1]], dtype=np.int64) if held.size else person
    ranks = held[:, 2].astype(float) if held.size else np.zeros(0)
    people = np.array([row[1] for row in done], dtype=np.int64)
    starts = np.array([row[3].toordinal() for row in done], dtype=np.int64)
    ends = np.array([row[4].toordinal() for row in done], dtype=np.int64) + engine_gain.EXIT_GRACE_DAYS
    return engine_gain.Gain(
        enrolled=len(first),
        entry=engine_gain.hsk3_level(engine_gain.level_at(person, dated, ranks, people, starts)),
        exit=engine_gain.hsk3_level(engine_gain.level_at(person, dated, ranks, people, ends)),
        certified=np.array([row[0] in certified for row in done], dtype=bool),
        employed=np.array([row[0] in employed for row in done], dtype=bool))


def hsk_level_label(level: int) -> str:
    return _("below HSK 1") if level == 0 else f"HSK {level}"


def language_gain_panel(projects, *, public: bool) -> dict | None:
    """The results-chain section on language gain, with counts of 1–4 people withheld in public."""
    gain = language_gain(projects)
    if gain is None:
        return None

    def cell(value, n=None):
        return outcomes_queries.suppress(value, n) if public else outcomes_queries.Cell(value, n, False)

    n = gain.completed
    # Levels nobody held at entry or exit say nothing: the table keeps the rows with people in them.
    rows = [{"level": r["level"], "label": hsk_level_label(r["level"]), "entry": cell(r["entry"]),
             "exit": cell(r["exit"]), "certified": cell(r["certified"]), "employed": cell(r["employed"]),
             "certified_rate": share(r["certified"], r["exit"], public),
             "employed_rate": share(r["employed"], r["exit"], public)}
            for r in gain.by_level() if r["entry"] or r["exit"]]
    return {
        "template": "teachers/_language_gain.html", "enrolled": cell(gain.enrolled), "completed": cell(n),
        "moved_up": cell(gain.moved_up), "moved_up_share": share(gain.moved_up, n, public),
        "medians": [(_("Median HSK level at entry"), cell(gain.median(gain.entry), n)),
                    (_("Median HSK level at exit"), cell(gain.median(gain.exit), n)),
                    (_("Median gain (HSK levels)"), cell(gain.median(gain.exit - gain.entry), n))],
        "rows": rows, "grace_days": engine_gain.EXIT_GRACE_DAYS, "public": public, "suppress_below": outcomes_queries.SUPPRESS_BELOW,
    }


def share(part: int, whole: int, public: bool) -> outcomes_queries.Cell:
    """``part`` of ``whole`` people in per cent. In public it is withheld whenever the part or the whole
    is withheld: a share of a known whole gives the part back."""
    value = 100.0 * part / whole if whole else None
    if public and (outcomes_queries.suppress(part).suppressed or outcomes_queries.suppress(whole).suppressed):
        return outcomes_queries.Cell(None, None, True)
    return outcomes_queries.Cell(value, whole, False)


# ----------------------------------------------------------------------------------------- HSK centres
def _pass_cells(sat: int, passed: int, public: bool) -> dict:
    """Sat, passed and the pass rate, with 1–4 people withheld in public (a rate over fewer than 5
    candidates names them as surely as the count)."""
    if not public:
        return {"sat": outcomes_queries.Cell(sat, sat, False), "passed": outcomes_queries.Cell(passed, passed, False),
                "rate": outcomes_queries.Cell(100.0 * passed / sat if sat else None, sat, False)}
    return {"sat": outcomes_queries.suppress(sat), "passed": outcomes_queries.suppress(passed, max(passed, sat)),
            "rate": outcomes_queries.suppress(100.0 * passed / sat if sat else None, sat)}


def centres(public: bool):
    """Every centre with its totals over all sittings."""
    rows = (HskCentre.objects.select_related("institution", "country")
            .annotate(n_sittings=Count("sittings"), n_sat=Sum("sittings__sat"), n_passed=Sum("sittings__passed"),
                      last=Max("sittings__date")))
    out = []
    for c in rows:
        c.cells = _pass_cells(c.n_sat or 0, c.n_passed or 0, public)
        out.append(c)
    return out


def results_by_level(sittings, public: bool, *, per_centre: bool = False) -> list[dict]:
    """Sittings summed by test and level (lowest first; first by centre when ``per_centre``)."""
    keys = ("centre_id", "test", "scale", "level") if per_centre else ("test", "scale", "level")
    by_level = (sittings.values(*keys)
                .annotate(n=Count("pk"), registered=Sum("registered"), sat=Sum("sat"), passed=Sum("passed")))
    rows = sorted(by_level, key=lambda r: (r.get("centre_id", 0), r["test"],
                                           scales.RANK.get((r["scale"], r["level"]), 0)))
    for r in rows:
        r["label"] = level_label(r["scale"], r["level"])
        r["test_label"] = ChineseTest(r["test"]).label
        r["registered_cell"] = outcomes_queries.suppress(r["registered"]) if public else r["registered"]
        r["cells"] = _pass_cells(r["sat"], r["passed"], public)
    return rows


def centres_in_period(centres_qs, start: dt.date, end: dt.date, *, public: bool) -> dict:
    """What the centres among ``centres_qs`` did between ``start`` and ``end``: each centre with its
    sittings, candidates and pass rate in the period, and its results by test and level."""
    sittings = HskSitting.objects.filter(centre__in=centres_qs, date__range=(start, end))
    by_level = results_by_level(sittings, public, per_centre=True)
    centres_ = list(centres_qs.filter(pk__in={r["centre_id"] for r in by_level}).select_related("country"))
    for c in centres_:
        mine = [r for r in by_level if r["centre_id"] == c.pk]
        c.n_sittings = sum(r["n"] for r in mine)  # as on the centres' page: one test at one level on one date
        c.cells = _pass_cells(sum(r["sat"] for r in mine), sum(r["passed"] for r in mine), public)
    order = {c.pk: i for i, c in enumerate(centres_)}
    return {"centres": centres_, "by_level": sorted(by_level, key=lambda r: order[r["centre_id"]])}


def centre_results(centre, public: bool) -> dict:
    """A centre's results by test and level (lowest first) over all its sittings, and its sittings."""
    rows = results_by_level(centre.sittings.all(), public)
    sittings = list(centre.sittings.all())
    for s in sittings:
        s.cells = _pass_cells(s.sat, s.passed, public)
        s.registered_cell = outcomes_queries.suppress(s.registered) if public else s.registered
    total_sat = sum(r["sat"] for r in rows)
    return {"by_level": rows, "sittings": sittings,
            "total": _pass_cells(total_sat, sum(r["passed"] for r in rows), public),
            "suppress_below": outcomes_queries.SUPPRESS_BELOW}
