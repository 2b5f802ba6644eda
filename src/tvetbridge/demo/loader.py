"""Load the real demo dataset (``data/seed_data.json``): every entity and figure in the seed documents.

Idempotent: rows are matched on ``external_key`` (registry), ``key`` (sources) or their natural keys
(statistics: country, scope, indicator, period, note; results: owner, indicator, note; committees:
alliance, English name; policy milestones: English title); only differences are written, so a second
run writes nothing and adds no audit rows. Registry rows go through simple-history's bulk helpers so
the audit trail shows where real records came from. Runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tvetbridge.core.models import Source
from tvetbridge.core.reference import LANG_SUFFIXES, SyncResult, load_reference, sync_rows
from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    Institution,
    PolicyMilestone,
    ReportedResult,
    SectorCommittee,
)

CHANGE_REASON = "demo dataset (seed documents)"


@dataclass
class DemoLoadReport:
    counts: dict[str, SyncResult] = field(default_factory=dict)
    unplaced: int = 0

    def lines(self) -> list[str]:
        out = [f"{name}: {result}" for name, result in self.counts.items()]
        out.append(f"facts without a home in the models (kept, with the reason, in seed_data.json): {self.unplaced}")
        return out


def seed_data() -> dict[str, Any]:
    with resources.files("tvetbridge.demo.data").joinpath("seed_data.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def note_translations() -> dict[str, dict[str, str]]:
    """Curated translations of the seed notes, keyed by the English note."""
    with resources.files("tvetbridge.demo.data").joinpath("note_translations.json").open(encoding="utf-8") as fh:
        return json.load(fh)["notes"]


def _note(text: str, table: dict[str, dict[str, str]]) -> dict[str, str | None]:
    """A note in four languages; a note without a curated translation falls back to English."""
    found = table.get(text, {}) if text else {}
    return {"note": text, "note_en": text, **{f"note_{s}": found.get(s) or None for s in LANG_SUFFIXES if s != "en"}}


def _names(names: dict[str, str], base: str = "name") -> dict[str, str]:
    out = {f"{base}_{suffix}": names[suffix] for suffix in LANG_SUFFIXES}
    out[base] = names["en"]
    return out


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _description(item: dict[str, Any], *, precision_in_text: bool = False) -> dict[str, str]:
    """English description; aliases and date precision live in their own columns where the model has them."""
    parts = [item.get("description", "")]
    if precision_in_text and item.get("date_precision"):
        parts.append(f"Date known to the {item['date_precision']} only.")
    if item.get("translation_note"):
        parts.append(item["translation_note"])
    text = " ".join(p for p in parts if p).strip()
    # Only English is written; the other languages fall back to it (MODELTRANSLATION_FALLBACK_LANGUAGES).
    return {"description": text, "description_en": text}


def _milestone_description(item: dict[str, Any]) -> dict[str, str]:
    text = item.get("description", "")
    return {"description": text, "description_en": text}


def _history_writers(model: type[models.Model]):
    def create(objs, batch_size):
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_change_reason=CHANGE_REASON)

    def update(objs, fields, batch_size):
        return bulk_update_with_history(objs, model, fields, batch_size=batch_size,
                                        default_change_reason=CHANGE_REASON)

    return {"bulk_create": create, "bulk_update": update}


def _sync_m2m(relation, wanted: dict[int, set], report: SyncResult) -> None:
    """Add the through-table rows in ``wanted`` (owner pk → target pks) that are missing.

    Add-only: links users added to real records through the pages are theirs to keep.
    """
    through = relation.through
    src = relation.field.m2m_field_name() + "_id"
    dst = relation.field.m2m_reverse_field_name() + "_id"
    existing: dict[int, set] = defaultdict(set)
    for owner, target in through.objects.filter(**{f"{src}__in": list(wanted)}).values_list(src, dst):
        existing[owner].add(target)
    add = [through(**{src: owner, dst: t}) for owner, targets in wanted.items() for t in targets - existing[owner]]
    if add:
        through.objects.bulk_create(add)
        report.created += len(add)
    report.unchanged += sum(len(targets & existing[owner]) for owner, targets in wanted.items())


def _sync_keyed(model, rows: list[dict], key_fields: tuple[str, ...]) -> SyncResult:
    """Upsert rows of a model without a single natural key column (key columns may be null)."""
    result = SyncResult()
    existing = {}
    first = key_fields[0]
    values = {row[first] for row in rows}
    candidates = Q(**{f"{first}__in": values - {None}})
    if None in values:
        candidates |= Q(**{f"{first}__isnull": True})
    for obj in model.objects.filter(candidates):
        existing.setdefault(tuple(getattr(obj, k) for k in key_fields), obj)
    to_create, to_update, changed = [], [], set()
    for row in rows:
        obj = existing.get(tuple(row[k] for k in key_fields))
        if obj is None:
            to_create.append(model(**row))
            continue
        diff = [k for k, v in row.items() if getattr(obj, k) != v]
        if diff:
            for k in diff:
                setattr(obj, k, row[k])
            changed.update(diff)
            to_update.append(obj)
        else:
            result.unchanged += 1
    if to_create:
        model.objects.bulk_create(to_create)
        result.created = len(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed))
        result.updated = len(to_update)
    return result


@transaction.atomic
def load_demo(*, ensure_reference: bool = True) -> DemoLoadReport:
    if ensure_reference:
        load_reference()
    data = seed_data()
    report = DemoLoadReport(unplaced=len(data.get("unplaced", [])))
    from tvetbridge.core.models import Region

    region_pk = dict(Region.objects.values_list("code", "pk"))

    def region(code):
        if code is None:
            return None
        if code not in region_pk:
            raise ValueError(f"Unknown region {code!r} in seed_data.json; add it to core/data/regions.csv")
        return region_pk[code]

    with translation.override("en"):
        report.counts["sources"], sources = sync_rows(Source, "key", [
            {"key": s["key"], "title": s["title"], "publisher": s.get("publisher", ""),
             "document": s["document"], "locator": s["locator"], "url": s.get("url", ""),
             "published": _date(s.get("published")), "is_synthetic": False}
            for s in data["sources"]])
        src = {key: obj.pk for key, obj in sources.items()}

        report.counts["institutions"], inst = sync_rows(Institution, "external_key", [
            {"external_key": i["key"], **_names(i["name"]), "short_name": i.get("short_name", ""),
             "aliases": "; ".join(i.get("aliases", [])), "kind": i["kind"], "country_id": i["country"],
             "region_id": region(i.get("region")),
             "source_id": src[i["source"]], "is_synthetic": False, **_description(i)}
            for i in data["institutions"]], **_history_writers(Institution))
        inst_pk = {key: obj.pk for key, obj in inst.items()}

        report.counts["enterprises"], ent = sync_rows(Enterprise, "external_key", [
            {"external_key": e["key"], **_names(e["name"]), "country_id": e["country"],
             "region_id": region(e.get("region")), "sector": e["sector"], "chinese_funded": e["chinese_funded"],
             "source_id": src[e["source"]], "is_synthetic": False, **_description(e)}
            for e in data["enterprises"]], **_history_writers(Enterprise))
        ent_pk = {key: obj.pk for key, obj in ent.items()}

        # Capacity is null where the documents give none (Facility.capacity: null = unknown).
        facility_rows = [{"external_key": f["key"], **_names(f["name"]), "kind": f["kind"],
                          "capacity": f.get("capacity"), "area_m2": f.get("area_m2"),
                          "institution_id": inst_pk[f["institution"]], "source_id": src[f["source"]],
                          "is_synthetic": False} for f in data["facilities"]]
        report.counts["facilities"], fac = sync_rows(Facility, "external_key", facility_rows,
                                                     **_history_writers(Facility))

        report.counts["alliances"], alli = sync_rows(Alliance, "external_key", [
            {"external_key": a["key"], **_names(a["name"]), "founded": _date(a.get("founded")),
             "scope": a.get("scope", ""), "reported_members": a.get("reported_members"),
             "source_id": src[a["source"]], "is_synthetic": False, **_description(a, precision_in_text=True)}
            for a in data["alliances"]], **_history_writers(Alliance))
        alli_pk = {key: obj.pk for key, obj in alli.items()}

        report.counts["projects"], proj = sync_rows(CooperationProject, "external_key", [
            {"external_key": p["key"], **_names(p["name"]), "kind": p["kind"], "status": p["status"],
             "host_country_id": p["host_country"], "host_region_id": region(p.get("host_region")),
             "alliance_id": alli_pk.get(p.get("alliance")), "start_date": _date(p.get("start_date")),
             "end_date": _date(p.get("end_date")), "date_precision": p.get("date_precision", "day"),
             "target_trainees": p.get("target_trainees"),
             "source_id": src[p["source"]], "is_synthetic": False, **_description(p)}
            for p in data["projects"]], **_history_writers(CooperationProject))
        proj_pk = {key: obj.pk for key, obj in proj.items()}

        links = SyncResult()
        _sync_m2m(Institution.languages, {inst_pk[i["key"]]: set(i.get("languages", []))
                                          for i in data["institutions"]}, links)
        _sync_m2m(Institution.fields, {inst_pk[i["key"]]: set(i.get("fields", []))
                                       for i in data["institutions"]}, links)
        fac_pk = {key: obj.pk for key, obj in fac.items()}
        _sync_m2m(Facility.fields, {fac_pk[f["key"]]: set(f.get("fields", []))
                                    for f in data["facilities"]}, links)
        for attr, table in (("institutions", inst_pk), ("lead_institutions", inst_pk), ("enterprises", ent_pk)):
            _sync_m2m(getattr(Alliance, attr), {alli_pk[a["key"]]: {table[k] for k in a.get(attr, [])}
                                                for a in data["alliances"]}, links)
        for attr, table in (("chinese_institutions", inst_pk), ("partner_institutions", inst_pk),
                            ("enterprises", ent_pk)):
            _sync_m2m(getattr(CooperationProject, attr),
                      {proj_pk[p["key"]]: {table[k] for k in p.get(attr, [])} for p in data["projects"]}, links)
        _sync_m2m(CooperationProject.fields, {proj_pk[p["key"]]: set(p.get("fields", []))
                                              for p in data["projects"]}, links)
        report.counts["relations"] = links

        report.counts["sector committees"] = _sync_keyed(SectorCommittee, [
            {"alliance_id": alli_pk[a["key"]], **_names(c["name"]), "field_id": c.get("field")}
            for a in data["alliances"] for c in a.get("committees", [])], ("alliance_id", "name_en"))

        # A result belongs to exactly one owner: a project, an alliance or an institution.
        owners = (("projects", "project_id", proj_pk), ("alliances", "alliance_id", alli_pk),
                  ("institutions", "institution_id", inst_pk))
        notes = note_translations()
        report.counts["reported results"] = _sync_keyed(ReportedResult, [
            {"project_id": None, "alliance_id": None, "institution_id": None, owner_field: table[item["key"]],
             "indicator": r["indicator"], "qualifier": r.get("qualifier", ""), "value": Decimal(str(r["value"])),
             "as_of": _date(r.get("as_of")), **_note(r.get("note", ""), notes), "source_id": src[r["source"]]}
            for group, owner_field, table in owners for item in data[group] for r in item.get("results", [])],
            ("project_id", "alliance_id", "institution_id", "indicator", "note_en"))

        report.counts["country statistics"] = _sync_keyed(CountryStatistic, [
            {"country_id": s["country"], "scope": s.get("scope", ""), "indicator": s["indicator"],
             "period": s["period"], "qualifier": s.get("qualifier", ""), "value": Decimal(str(s["value"])),
             **_note(s.get("note", ""), notes), "source_id": src[s["source"]]}
            for s in data["country_statistics"]], ("country_id", "scope", "indicator", "period", "note_en"))

        report.counts["policy milestones"], milestones = sync_rows(PolicyMilestone, "title_en", [
            {**_names(m["title"], "title"), "date": _date(m["date"]), "date_precision": m["date_precision"],
             "kind": m["kind"], "source_id": src[m["source"]], **_milestone_description(m)}
            for m in data.get("policy_milestones", [])])
        milestone_links = SyncResult()
        _sync_m2m(PolicyMilestone.countries, {milestones[m["title"]["en"]].pk: set(m.get("countries", []))
                                              for m in data.get("policy_milestones", [])}, milestone_links)
        report.counts["milestone countries"] = milestone_links
    return report
