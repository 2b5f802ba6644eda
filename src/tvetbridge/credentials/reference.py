"""Reference data: the qualification frameworks, their levels and the referencing links shipped in
``data/frameworks.json`` (each framework citing its legal act, each link official with its citation or
proposed with its basis).

``load_frameworks()`` is an idempotent upsert of frameworks and levels. Links are added when missing
and never overwritten: once a coordinator has edited a link, the edit (with its history) stands.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources
from typing import Any

from django.db import transaction

from tvetbridge.core.models import Country

from .engine.compare import Hierarchy
from .models import FrameworkLevel, LevelLink, QualificationFramework

LANGS = ("en", "zh_hans", "ru", "kk")


def shipped() -> dict[str, Any]:
    path = resources.files("tvetbridge.credentials") / "data" / "frameworks.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def skill_hierarchy() -> Hierarchy:
    """ESCO v1.1.1's skill hierarchy (``data/esco_skill_broader.tsv.gz``, made by
    ``scripts/esco_skill_hierarchy.py``), read once per process."""
    path = resources.files("tvetbridge.credentials") / "data" / "esco_skill_broader.tsv.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return Hierarchy.from_lines(lines)


def _translated(field: str, values: dict[str, str] | None) -> dict[str, str]:
    values = values or {}
    out = {f"{field}_{lang}": values.get(lang, "") for lang in LANGS}
    out[field] = values.get("en", "")
    return out


@transaction.atomic
def load_frameworks() -> dict[str, int]:
    data = shipped()
    countries = set(Country.objects.values_list("code", flat=True))
    counts = {"frameworks": 0, "levels": 0, "links_added": 0}
    levels: dict[str, FrameworkLevel] = {}
    for item in data["frameworks"]:
        if item["country"] and item["country"] not in countries:
            continue  # the reference countries are not loaded (a test world); skip that framework
        fields = {"country_id": item["country"], "kind": item["kind"], "legal_source": item["legal_source"],
                  "legal_url": item.get("legal_url", ""), "is_reference": item["is_reference"],
                  "order": item["order"], **_translated("name", item["name"]),
                  **_translated("description", item["description"])}
        framework, _created = QualificationFramework.objects.update_or_create(code=item["code"], defaults=fields)
        counts["frameworks"] += 1
        for level in item["levels"]:
            values = {"rank": level["rank"], "isced_level": level.get("isced"),
                      **_translated("name", level["name"]), **_translated("summary", level.get("summary")),
                      **_translated("knowledge", level.get("knowledge")), **_translated("skills", level.get("skills")),
                      **_translated("competence", level.get("competence"))}
            row, _created = FrameworkLevel.objects.update_or_create(framework=framework, code=level["code"],
                                                                    defaults=values)
            levels[f"{item['code']}:{level['code']}"] = row
            counts["levels"] += 1
    existing = set(LevelLink.objects.values_list("source_id", "target_id"))
    for link in data["links"]:
        source, target = levels.get(link["source"]), levels.get(link["target"])
        if source is None or target is None:
            continue
        if (source.pk, target.pk) in existing or (target.pk, source.pk) in existing:
            continue
        row = LevelLink(source=source, target=target, relation=link["relation"], status=link["status"],
                        source_citation=link.get("citation", ""), **_translated("basis", link["basis"]))
        row._change_reason = "shipped reference data"
        row.save()
        existing.add((source.pk, target.pk))
        counts["links_added"] += 1
    return counts
