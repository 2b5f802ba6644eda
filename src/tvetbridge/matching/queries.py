"""Read paths: the gap table (by place and occupation, or by place and skill), its drill-down and the
latest allocation; the stored candidate lists of a vacancy or a trainee, each pair's score taken
apart. The computation is the engine's (``engine.gap_analysis``) on columns from
``io.arrays``; this module only names the cells.

Supply of a programme within the horizon = expected graduates per year × horizon / 365 (a steady
yearly output, since programmes record no cohort dates), counted for every occupation its field
trains for (``arrays.ISCO_TO_ISCED_BROAD``). In the skill view a programme is credited with the
essential ESCO skills of those occupations, as programmes list no skills of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tvetbridge.core.models import Country, Region
from tvetbridge.core.roles import is_enterprise_staff, is_manager
from tvetbridge.demand import queries as demand_queries
from tvetbridge.demand.models import SkillDemand
from tvetbridge.outcomes.models import Enrolment, IncomeObservation, Trainee, TraineeSkill
from tvetbridge.outcomes.queries import SUPPRESS_BELOW
from tvetbridge.taxonomy.models import Occupation, Skill

from .engine import gap_analysis
from .engine.candidates import LANGUAGE_WEIGHT, REGION_WEIGHT
from .io import arrays
from .models import AllocationRun, CandidateList, VacancyInterest

DEFAULT_HORIZON_DAYS = 365
DEFAULT_RADIUS_KM = 300.0
SORT_KEYS = ("gap", "demand", "supply", "country", "region", "label")


@dataclass
class GapParams:
    view: str = "occupation"  # or "skill"
    country: str = ""
    horizon: int = DEFAULT_HORIZON_DAYS
    radius_km: float = DEFAULT_RADIUS_KM
    today: dt.date | None = None


@dataclass
class GapRow:
    key: str  # "<place>~O<occupation pk>" or "<place>~S<skill pk>"
    place: str
    country: str
    country_name: str
    region: str
    lat: float | None
    lon: float | None
    label: str
    code: str
    demand: float
    supply: float
    gap: float
    demand_ids: list[int] = field(default_factory=list)

    @property
    def is_occupation(self) -> bool:
        return "~O" in self.key


@dataclass
class GapResult:
    params: GapParams
    rows: list[GapRow]
    by_country: list[dict]
    by_region: list[dict]


def gap_key(place: str, kind: str, pk: int) -> str:
    return f"{place}~{kind}{pk}"


def parse_gap_key(key: str) -> tuple[str, str, int]:
    """'R12~O34' → ('R12', 'O', 34); ValueError on anything else."""
    place, _, rest = key.partition("~")
    if place[:1] not in ("R", "C") or len(place) < 2 or rest[:1] not in ("O", "S") or not rest[1:].isdigit():
        raise ValueError(key)
    return place, rest[0], int(rest[1:])


def gaps(params: GapParams) -> GapResult:
    pl = arrays.places()
    d = arrays.open_demand(pl, country=params.country, today=params.today)
    pr = arrays.programmes(pl)
    occ_ids = np.unique(d.occupation)
    isco = dict(Occupation.objects.filter(pk__in=occ_ids.tolist()).values_list("pk", "isco_group_id"))
    fields = np.unique(pr.field) if len(pr.pk) else np.array([], dtype=object)
    match = arrays.field_match([isco[int(o)] for o in occ_ids], fields)  # occ × field
    prog_field = sp.csr_matrix((np.ones(len(pr.pk)), (np.arange(len(pr.pk)), np.searchsorted(fields, pr.field))),
                               shape=(len(pr.pk), len(fields)))
    prog_occ = sp.csr_matrix(prog_field @ sp.csr_matrix(match).T)  # programme × occupation
    d_occ = np.searchsorted(occ_ids, d.occupation)
    common = dict(demand_region=d.place, demand_count=d.count, demand_deadline=d.days_left,
                  supply_region=pr.place, supply_graduates=pr.graduates * params.horizon / 365.0,
                  supply_ready=np.zeros(len(pr.pk)), region_lat=pl.lat, region_lon=pl.lon,
                  horizon=params.horizon, radius_km=params.radius_km, now=0.0)
    if params.view == "skill":
        prog_skill = sp.csr_matrix((prog_occ @ arrays.essential_skills(occ_ids, d.skill_ids)) > 0, dtype=float)
        table = gap_analysis(demand_key=None, supply_key=None, demand_keys=d.skills, supply_keys=prog_skill, **common)
        ids, kind = d.skill_ids, "S"
        labels = {pk: (lab, esco) for pk, lab, esco in Skill.objects.filter(pk__in=ids.tolist())
                  .values_list("pk", "label", "esco_id")}
    else:
        table = gap_analysis(demand_key=d_occ, supply_key=None,
                             demand_keys=sp.csr_matrix((np.ones(len(d_occ)), (np.arange(len(d_occ)), d_occ)),
                                                       shape=(len(d_occ), len(occ_ids))),
                             supply_keys=prog_occ, **common)
        ids, kind = occ_ids, "O"
        labels = {pk: (lab, code) for pk, lab, code in Occupation.objects.filter(pk__in=ids.tolist())
                  .values_list("pk", "label", "code")}
    region_names = dict(Region.objects.values_list("pk", "name"))
    country_names = dict(Country.objects.values_list("code", "name"))
    rows = []
    for r, k, dem, sup, gap, behind in zip(table.region, table.key, table.demand, table.supply, table.gap,
                                           table.demand_rows, strict=True):
        place = pl.keys[r]
        pk = int(ids[k])
        label, code = labels.get(pk, ("?", ""))
        ctry = pl.country[r]
        rows.append(GapRow(
            key=gap_key(place, kind, pk), place=place, country=ctry, country_name=country_names.get(ctry, ctry),
            region=region_names.get(int(place[1:]), "") if place[0] == "R" else "",
            lat=None if np.isnan(pl.lat[r]) else float(pl.lat[r]), lon=None if np.isnan(pl.lon[r]) else float(pl.lon[r]),
            label=label, code=code, demand=float(dem), supply=float(sup), gap=float(gap),
            demand_ids=[int(x) for x in d.pk[behind]]))
    by_country: dict[str, dict] = {}
    by_region: dict[str, dict] = {}
    for row in rows:
        for agg, key, name in ((by_country, row.country, row.country_name), (by_region, row.place, row.region)):
            cell = agg.setdefault(key, {"key": key, "name": name or row.country_name, "country": row.country,
                                        "lat": row.lat, "lon": row.lon, "demand": 0.0, "gap": 0.0})
            cell["demand"] += row.demand
            cell["gap"] += row.gap
    return GapResult(params, rows, sorted(by_country.values(), key=lambda c: -c["gap"]),
                     sorted(by_region.values(), key=lambda c: -c["gap"]))


def sort_rows(rows: list[GapRow], sort: str) -> list[GapRow]:
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORT_KEYS:
        return rows
    return sorted(rows, key=lambda r: getattr(r, name if name != "country" else "country_name"), reverse=desc)


def find_gap(key: str, params: GapParams) -> GapRow | None:
    _place, kind, _pk = parse_gap_key(key)
    params.view = "skill" if kind == "S" else "occupation"
    return next((r for r in gaps(params).rows if r.key == key), None)


def orders_behind(user, row: GapRow):
    """The demand rows behind one figure that this user may see (others are counted, not listed)."""
    return demand_queries.visible_to(user).filter(pk__in=row.demand_ids)


def latest_run() -> AllocationRun | None:
    return AllocationRun.objects.first()


# --- candidate lists -------------------------------------------------------------------------------

@dataclass
class Explanation:
    score: float
    skill_score: float
    skills: list[Skill]  # shared by trainee and vacancy; pages show their labels in the reader's language
    region_ok: bool
    region_note: str
    language_share: float
    languages: list[str]
    missing_languages: list[str]

    @property
    def shared_skills(self) -> list[str]:
        return [skill.label for skill in self.skills]

    @property
    def region_points(self) -> float:
        return REGION_WEIGHT if self.region_ok else 0.0

    @property
    def language_points(self) -> float:
        return LANGUAGE_WEIGHT * self.language_share


def _trainee_facts(trainee_ids) -> dict[int, dict]:
    facts = {pk: {"skills": {}, "langs": set(), "reloc": set(), "home": home, "willing": willing}
             for pk, home, willing in Trainee.objects.filter(pk__in=trainee_ids)
             .values_list("pk", "home_region_id", "willing_to_relocate")}
    for t, s, w in TraineeSkill.objects.filter(trainee_id__in=trainee_ids).values_list("trainee_id", "skill_id",
                                                                                         "weight"):
        facts[t]["skills"][s] = w
    for t, code in Trainee.languages.through.objects.filter(trainee_id__in=trainee_ids).values_list(
            "trainee_id", "language_id"):
        facts[t]["langs"].add(code)
    for t, r in Trainee.relocation_regions.through.objects.filter(trainee_id__in=trainee_ids).values_list(
            "trainee_id", "region_id"):
        facts[t]["reloc"].add(r)
    return facts


def _vacancy_facts(vacancy_ids) -> dict[int, dict]:
    facts = {pk: {"skills": set(), "region": region, "country": country,
                  "langs": sorted({i["language"] for i in (langs or [])})}
             for pk, region, country, langs in SkillDemand.objects.filter(pk__in=vacancy_ids)
             .values_list("pk", "region_id", "country_id", "languages")}
    for v, s in SkillDemand.required_skills.through.objects.filter(skilldemand_id__in=vacancy_ids).values_list(
            "skilldemand_id", "skill_id"):
        facts[v]["skills"].add(s)
    return facts


def explain_pairs(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Explanation]:
    """(trainee pk, vacancy pk) → the score taken apart: same formula as the stored lists."""
    tf = _trainee_facts({t for t, _v in pairs})
    vf = _vacancy_facts({v for _t, v in pairs})
    region_country = dict(Region.objects.values_list("pk", "country_id"))
    skills = Skill.objects.in_bulk({s for f in vf.values() for s in f["skills"]})
    out = {}
    for t, v in pairs:
        if t not in tf or v not in vf:
            continue
        a, b = tf[t], vf[v]
        norm_t = float(np.sqrt(sum(w * w for w in a["skills"].values())))
        shared = sorted(set(a["skills"]) & b["skills"])
        dot = sum(a["skills"][s] for s in shared)
        cos = dot / (norm_t * np.sqrt(len(b["skills"]))) if shared and norm_t > 0 else 0.0
        anywhere = a["willing"] and not a["reloc"]
        regions = ({a["home"]} - {None}) | (a["reloc"] if a["willing"] else set())
        if anywhere:
            ok, note = True, _("would move anywhere")
        elif b["region"] is not None:
            ok = b["region"] in regions
            note = (_("home region") if b["region"] == a["home"] else _("would move there")) if ok else _("elsewhere")
        else:
            ok = b["country"] in {region_country[r] for r in regions}
            note = _("same country") if ok else _("other country")
        covered = [c for c in b["langs"] if c in a["langs"]]
        share = len(covered) / len(b["langs"]) if b["langs"] else 1.0
        score = cos + (REGION_WEIGHT if ok else 0.0) + LANGUAGE_WEIGHT * share
        out[(t, v)] = Explanation(float(score), float(cos), [skills[s] for s in shared if s in skills], ok, note,
                                  share, covered, [c for c in b["langs"] if c not in a["langs"]])
    return out


def stored(kind: str, subject_id: int) -> CandidateList | None:
    return CandidateList.objects.filter(kind=kind, subject_id=subject_id).first()


@dataclass
class CandidateRow:
    rank: int
    pk: int
    score: float
    explanation: Explanation | None
    obj: object = None


def candidates_of_vacancy(vacancy_pk: int) -> tuple[list[CandidateRow], CandidateList | None]:
    """The stored trainees for a vacancy, best first; those who withdrew consent since are left out."""
    lst = stored(CandidateList.Kind.VACANCY, vacancy_pk)
    if lst is None:
        return [], None
    consenting = Trainee.objects.filter(pk__in=lst.candidate_ids, consent_matching=True).select_related("home_region")
    people = {t.pk: t for t in consenting}
    ex = explain_pairs([(t, vacancy_pk) for t in people])
    rows = [CandidateRow(i + 1, pk, s, ex.get((pk, vacancy_pk)), people[pk])
            for i, (pk, s) in enumerate(zip(lst.candidate_ids, lst.scores, strict=True)) if pk in people]
    return rows, lst


def vacancies_of_trainee(trainee_pk: int) -> tuple[list[CandidateRow], CandidateList | None]:
    lst = stored(CandidateList.Kind.TRAINEE, trainee_pk)
    if lst is None:
        return [], None
    # Vacancies filled or closed since the lists were computed are left out.
    vac = {v.pk: v for v in SkillDemand.objects.filter(pk__in=lst.candidate_ids, status=SkillDemand.Status.OPEN)
           .select_related("enterprise", "region", "country", "occupation")}
    ex = explain_pairs([(trainee_pk, v) for v in vac])
    rows = [CandidateRow(i + 1, pk, s, ex.get((trainee_pk, pk)), vac[pk])
            for i, (pk, s) in enumerate(zip(lst.candidate_ids, lst.scores, strict=True)) if pk in vac]
    return rows, lst


def vacancy_overview(user, limit: int = 200) -> dict | None:
    """The vacancies ``user`` may see candidates for (an enterprise's own; all for coordinators),
    each with its number of listed candidates; None when the role sees no candidate lists."""
    qs = SkillDemand.objects.filter(kind=SkillDemand.Kind.VACANCY).select_related(
        "enterprise", "region", "country", "occupation").order_by("-status", "deadline", "pk")
    if is_enterprise_staff(user):
        qs = qs.filter(enterprise_id=user.profile.enterprise_id)
    elif not is_manager(user):
        return None
    vacancies = list(qs[:limit])
    lists = dict(CandidateList.objects.filter(kind=CandidateList.Kind.VACANCY,
                                              subject_id__in=[v.pk for v in vacancies])
                 .values_list("subject_id", "candidate_ids"))
    for v in vacancies:
        v.n_candidates = len(lists.get(v.pk, []))
    latest = CandidateList.objects.order_by("-computed").values_list("computed", flat=True).first()
    return {"vacancies": vacancies, "computed": latest, "total": qs.count()}


def trainee_ids_for_enterprise(user) -> set[int]:
    """The trainees an enterprise's staff may see: those on the candidate lists of its own vacancies.
    (``outcomes`` asks this through ``set_enterprise_scope``; see ``apps.py``.)"""
    if not is_enterprise_staff(user):
        return set()
    vacancies = SkillDemand.objects.filter(enterprise_id=user.profile.enterprise_id).values("pk")
    ids: set[int] = set(VacancyInterest.objects.filter(vacancy__in=vacancies, trainee__consent_matching=True)
                        .values_list("trainee_id", flat=True))
    for candidate_ids in CandidateList.objects.filter(kind=CandidateList.Kind.VACANCY,
                                                      subject_id__in=vacancies).values_list("candidate_ids",
                                                                                             flat=True):
        ids.update(candidate_ids)
    return ids


def interests_in_vacancy(vacancy_pk: int) -> list:
    """Consenting trainees who said they are interested in the vacancy, newest first."""
    return list(VacancyInterest.objects.filter(vacancy_id=vacancy_pk, trainee__consent_matching=True)
                .select_related("trainee__home_region"))


def interested_vacancy_ids(trainee_pk: int) -> set[int]:
    return set(VacancyInterest.objects.filter(trainee_id=trainee_pk).values_list("vacancy_id", flat=True))


def interest_counts(vacancy_ids) -> dict[int, int]:
    return dict(VacancyInterest.objects.filter(vacancy_id__in=list(vacancy_ids), trainee__consent_matching=True)
                .values("vacancy_id").annotate(n=Count("pk")).values_list("vacancy_id", "n"))


# ---------------------------------------------------------------------------------------------------
# The wage a proposal's cost and income gain are computed from

WAGE_YEARS = 3  # graduates' incomes older than this say little about today's wages


@dataclass(frozen=True)
class WageBasis:
    """A monthly wage and where it comes from: ``kind`` is ``offered`` (the orders behind the gap),
    ``region`` or ``country`` (graduates' incomes recorded on the platform there), or ``none``."""

    kind: str
    amount: float | None = None
    currency: str = ""
    n: int = 0  # orders, or graduates whose incomes were used
    place: str = ""
    first_year: int | None = None
    last_year: int | None = None

    def source(self) -> str:
        """Where the figure comes from, in the reader's language."""
        if self.kind == "offered":
            return ngettext("the wage offered in %(n)s open order behind this gap",
                            "the wage offered in %(n)s open orders behind this gap", self.n) % {"n": self.n}
        if self.kind in ("region", "country"):
            return ngettext("the median monthly income of %(n)s graduate in %(place)s recorded on this platform, "
                            "%(first)s–%(last)s",
                            "the median monthly income of %(n)s graduates in %(place)s recorded on this platform, "
                            "%(first)s–%(last)s", self.n) % {
                "n": self.n, "place": self.place, "first": self.first_year, "last": self.last_year}
        return _("no wage is known for this gap: no order states one and fewer than %(k)s graduates' incomes are "
                 "recorded in its region or country") % {"k": SUPPRESS_BELOW}


def _offered_wage(demand_ids) -> WageBasis | None:
    rows = list(SkillDemand.objects.filter(pk__in=demand_ids, offered_wage__isnull=False)
                .values_list("offered_wage", "wage_currency", "count"))
    if not rows:
        return None
    currencies = [c for _w, c, _n in rows]
    cur = max(sorted(set(currencies)), key=currencies.count)
    wages = [(float(w), n) for w, c, n in rows if c == cur]
    return WageBasis("offered", sum(w * n for w, n in wages) / sum(n for _w, n in wages), cur, len(wages))


def _graduate_wage(kind: str, place_filter: dict, place: str, today: dt.date) -> WageBasis | None:
    """Median of graduates' latest monthly income there, in the currency most of them are paid in;
    only incomes after the end of a finished enrolment count, and at least ``SUPPRESS_BELOW`` people."""
    since = dt.date(today.year - WAGE_YEARS, 1, 1)
    finished = Enrolment.objects.filter(trainee_id=OuterRef("trainee_id"), end_date__lt=OuterRef("period"),
                                        status=Enrolment.Status.COMPLETED)
    rows = list(IncomeObservation.objects.filter(period__gte=since, period__lte=today, **place_filter)
                .filter(Exists(finished)).order_by("trainee_id", "-period")
                .values_list("trainee_id", "amount", "currency", "period"))
    latest: dict[int, tuple] = {}
    for trainee, amount, currency, period in rows:
        latest.setdefault(trainee, (float(amount), currency, period.year))
    if not latest:
        return None
    currencies = [c for _a, c, _y in latest.values()]
    cur = max(sorted(set(currencies)), key=currencies.count)
    chosen = [(a, y) for a, c, y in latest.values() if c == cur]
    if len(chosen) < SUPPRESS_BELOW:
        return None
    years = [y for _a, y in chosen]
    return WageBasis(kind, float(np.median([a for a, _y in chosen])), cur, len(chosen), place, min(years), max(years))


def wage_basis(gap: GapRow, *, today: dt.date | None = None) -> WageBasis:
    """The wage behind a gap: the orders' offered wage, else graduates' incomes in the gap's region,
    else in its country, else none (the page then says the cost and gain are not estimated)."""
    today = today or dt.date.today()
    offered = _offered_wage(gap.demand_ids)
    if offered:
        return offered
    if gap.place.startswith("R"):
        region = _graduate_wage("region", {"trainee__home_region_id": int(gap.place[1:])}, gap.region, today)
        if region:
            return region
    country = _graduate_wage("country", {"trainee__home_region__country_id": gap.country}, gap.country_name, today)
    return country or WageBasis("none")
