"""Read paths: the gap table (by place and occupation, or by place and skill), its drill-down and the
latest allocation. The computation is the engine's (``engine_gap.gap_analysis``) on columns from
``arrays``; this module only names the cells.

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

from tvetbridge.core.models import Country, Region
from tvetbridge.core.roles import is_enterprise_staff
from tvetbridge.demand import queries as demand_queries
from tvetbridge.demand.models import SkillDemand
from tvetbridge.taxonomy.models import Occupation, Skill

from . import arrays
from .engine_gap import gap_analysis
from .models import AllocationRun, CandidateList

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


def trainee_ids_for_enterprise(user) -> set[int]:
    """The trainees an enterprise's staff may see: those on the candidate lists of its own vacancies.
    (``outcomes`` asks this through ``set_enterprise_scope``; see ``apps.py``.)"""
    if not is_enterprise_staff(user):
        return set()
    vacancies = SkillDemand.objects.filter(enterprise_id=user.profile.enterprise_id).values("pk")
    ids: set[int] = set()
    for candidate_ids in CandidateList.objects.filter(kind=CandidateList.Kind.VACANCY,
                                                      subject_id__in=vacancies).values_list("candidate_ids",
                                                                                             flat=True):
        ids.update(candidate_ids)
    return ids
