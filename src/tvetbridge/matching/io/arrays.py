"""Database → NumPy columns for the matching engines. Values are read with ``values_list`` in bulk;
no model instance is built per row, so the same code serves a demo and a national dataset.

Programmes carry a field of study (ISCED-F 2013), not skills, so an occupation is linked to the
programmes that train for it through :data:`ISCO_TO_ISCED_BROAD`: ISCO-08 sub-major group (two digits)
→ the ISCED-F broad fields (two digits) whose graduates usually enter it. The table is our own
reading of both classifications' definitions (ILO ISCO-08 vol. 1; UNESCO-UIS ISCED-F 2013 §3), kept
coarse on purpose: a programme "near" an occupation is one of its broad field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from tvetbridge.core.models import Country, Region
from tvetbridge.demand.models import SkillDemand
from tvetbridge.registry.models import Programme
from tvetbridge.taxonomy.models import OccupationSkill

# ISCED-F broad fields: 01 education, 02 arts & humanities, 03 social sciences, 04 business & law,
# 05 natural sciences, 06 ICT, 07 engineering, manufacturing & construction, 08 agriculture,
# 09 health & welfare, 10 services.
ISCO_TO_ISCED_BROAD: dict[str, tuple[str, ...]] = {
    "11": ("04",), "12": ("04",), "13": ("04", "07"), "14": ("04", "10"),
    "21": ("05", "07"), "22": ("09",), "23": ("01",), "24": ("04",), "25": ("06",), "26": ("02", "03", "04"),
    "31": ("07", "05"), "32": ("09",), "33": ("04",), "34": ("02", "03", "10"), "35": ("06",),
    "41": ("04",), "42": ("04",), "43": ("04",), "44": ("04",),
    "51": ("10",), "52": ("04",), "53": ("09",), "54": ("10",),
    "61": ("08",), "62": ("08",), "63": ("08",),
    "71": ("07",), "72": ("07",), "73": ("02", "07"), "74": ("07",), "75": ("07",),
    "81": ("07",), "82": ("07",), "83": ("10", "07"),
    "91": ("10",), "92": ("08",), "93": ("07", "10"), "94": ("10",), "95": ("04",), "96": ("10",),
}


def broad_fields(isco_code: str) -> tuple[str, ...]:
    return ISCO_TO_ISCED_BROAD.get((isco_code or "")[:2], ())


def field_match(isco_codes, field_codes) -> np.ndarray:
    """occupations × fields matrix of 1.0 where the field's broad group trains for the occupation."""
    isco_codes, field_codes = list(isco_codes), list(field_codes)
    broad = np.array([str(f)[:2] for f in field_codes])
    out = np.zeros((len(isco_codes), len(field_codes)))
    for i, code in enumerate(isco_codes):  # one row per distinct occupation, not per record
        out[i] = np.isin(broad, broad_fields(code))
    return out


@dataclass
class Places:
    """Regions and country-level pseudo-regions (for rows without a region) with coordinates."""

    keys: list[str]  # "R<pk>" or "C<country code>"
    country: np.ndarray  # country code per place
    lat: np.ndarray
    lon: np.ndarray
    index: dict[str, int]

    def of(self, region_ids, country_ids) -> np.ndarray:
        return np.array([self.index[f"R{r}"] if r is not None else self.index[f"C{c}"]
                         for r, c in zip(region_ids, country_ids, strict=True)], dtype=np.int64)


def places() -> Places:
    countries = {c: (la, lo) for c, la, lo in Country.objects.values_list("code", "latitude", "longitude")}
    keys, ctry, lat, lon = [], [], [], []
    for code, (la, lo) in countries.items():
        keys.append(f"C{code}"), ctry.append(code), lat.append(la), lon.append(lo)
    for pk, code, la, lo in Region.objects.values_list("pk", "country_id", "latitude", "longitude"):
        # A region without coordinates stands at its country's centre: better than nowhere.
        if la is None:
            la, lo = countries.get(code, (None, None))
        keys.append(f"R{pk}"), ctry.append(code), lat.append(la), lon.append(lo)
    return Places(keys, np.array(ctry, dtype=object), np.array(lat, dtype=float), np.array(lon, dtype=float),
                  {k: i for i, k in enumerate(keys)})


@dataclass
class DemandColumns:
    pk: np.ndarray
    place: np.ndarray
    country: np.ndarray
    occupation: np.ndarray  # occupation pk
    count: np.ndarray
    days_left: np.ndarray  # deadline − today, in days
    wage: np.ndarray  # NaN when not offered
    currency: np.ndarray
    languages: list[set[str]]
    skills: sp.csr_matrix  # rows × skill index
    skill_ids: np.ndarray  # skill pk per column


def open_demand(pl: Places, *, country: str = "", today: dt.date | None = None) -> DemandColumns:
    today = today or dt.date.today()
    qs = SkillDemand.objects.filter(status=SkillDemand.Status.OPEN)
    if country:
        qs = qs.filter(country_id=country)
    rows = list(qs.order_by("pk").values_list("pk", "region_id", "country_id", "occupation_id", "count", "deadline",
                                              "offered_wage", "wage_currency", "languages"))
    pk = np.array([r[0] for r in rows], dtype=np.int64)
    through = SkillDemand.required_skills.through.objects.filter(skilldemand_id__in=qs.values("pk"))
    links = np.array(list(through.values_list("skilldemand_id", "skill_id")), dtype=np.int64).reshape(-1, 2)
    skill_ids, col = np.unique(links[:, 1], return_inverse=True)
    row = np.searchsorted(pk, links[:, 0])
    return DemandColumns(
        pk=pk,
        place=pl.of([r[1] for r in rows], [r[2] for r in rows]),
        country=np.array([r[2] for r in rows], dtype=object),
        occupation=np.array([r[3] for r in rows], dtype=np.int64),
        count=np.array([r[4] for r in rows], dtype=np.int64),
        days_left=np.array([(r[5] - today).days for r in rows], dtype=np.float64),
        wage=np.array([float(r[6]) if r[6] is not None else np.nan for r in rows]),
        currency=np.array([r[7] for r in rows], dtype=object),
        languages=[{i["language"] for i in (r[8] or [])} for r in rows],
        skills=sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(pk), len(skill_ids))),
        skill_ids=skill_ids,
    )


@dataclass
class ProgrammeColumns:
    pk: np.ndarray
    institution: np.ndarray
    place: np.ndarray
    country: np.ndarray
    field: np.ndarray  # ISCED-F code
    graduates: np.ndarray  # expected graduates per year
    capacity: np.ndarray  # yearly intake
    languages: list[set[str]]


def programmes(pl: Places, *, country: str = "") -> ProgrammeColumns:
    qs = Programme.objects.all()
    if country:
        qs = qs.filter(institution__country_id=country)
    rows = list(qs.order_by("pk").values_list("pk", "institution_id", "institution__region_id",
                                              "institution__country_id", "field_id", "expected_graduates",
                                              "intake_capacity"))
    pk = np.array([r[0] for r in rows], dtype=np.int64)
    langs: dict[int, set[str]] = {}
    for p, code in Programme.languages.through.objects.filter(programme_id__in=qs.values("pk")).values_list(
            "programme_id", "language_id"):
        langs.setdefault(p, set()).add(code)
    return ProgrammeColumns(
        pk=pk,
        institution=np.array([r[1] for r in rows], dtype=np.int64),
        place=pl.of([r[2] for r in rows], [r[3] for r in rows]),
        country=np.array([r[3] for r in rows], dtype=object),
        field=np.array([r[4] for r in rows], dtype=object),
        graduates=np.array([r[5] for r in rows], dtype=np.float64),
        capacity=np.array([r[6] for r in rows], dtype=np.int64),
        languages=[langs.get(int(p), set()) for p in pk],
    )


def essential_skills(occupation_ids, skill_ids) -> sp.csr_matrix:
    """occupations × skills incidence of essential ESCO relations, on the given skill columns."""
    occupation_ids, skill_ids = np.asarray(occupation_ids), np.asarray(skill_ids)
    links = np.array(list(OccupationSkill.objects.filter(
        occupation_id__in=occupation_ids.tolist(), skill_id__in=skill_ids.tolist(), essential=True)
        .values_list("occupation_id", "skill_id")), dtype=np.int64).reshape(-1, 2)
    r = np.searchsorted(occupation_ids, links[:, 0])
    c = np.searchsorted(skill_ids, links[:, 1])
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(occupation_ids), len(skill_ids)))
