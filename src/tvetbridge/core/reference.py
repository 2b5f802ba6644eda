"""Reference data every installation needs: countries, regions, languages, ISCED-F 2013 fields.

``load_reference()`` is an idempotent upsert: running it again changes no row unless the shipped
data changed. Sources:
- countries: ISO 3166-1 via pycountry, names in zh/ru/kk from pycountry's gettext catalogues
  (iso-codes project); the focus countries' names, currencies and centroids are curated here;
- regions: ISO 3166-2 via pycountry; names in four languages for every subdivision of the
  cooperation countries (and approximate centroids for those the demo and generator use) are curated
  in ``data/regions.csv``, each row with its source (``data/REGION_SOURCES.md``); districts,
  prefectures and cities below ISO 3166-2 carry platform codes (``<ISO 3166-2>-<NAME>``);
- fields of study: UNESCO Institute for Statistics, *International Standard Classification of
  Education: Fields of Education and Training 2013 (ISCED-F 2013)*. English names are UNESCO's; the
  Chinese, Russian and Kazakh names are the platform's own curated translations.
"""

from __future__ import annotations

import csv
import gettext
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pycountry
from django.db import models, transaction
from django.utils import timezone, translation

from .models import Country, FieldOfStudy, Language, Region

LANG_SUFFIXES = ("en", "zh_hans", "ru", "kk")

# name_en, name_zh_hans, name_ru, name_kk, currency, centroid (lat, lon)
FOCUS_COUNTRIES: dict[str, tuple[str, str, str, str, str, float, float]] = {
    "CN": ("China", "中国", "Китай", "Қытай", "CNY", 35.0, 103.0),
    "KZ": ("Kazakhstan", "哈萨克斯坦", "Казахстан", "Қазақстан", "KZT", 48.0, 67.0),
    "UZ": ("Uzbekistan", "乌兹别克斯坦", "Узбекистан", "Өзбекстан", "UZS", 41.4, 64.6),
    "TJ": ("Tajikistan", "塔吉克斯坦", "Таджикистан", "Тәжікстан", "TJS", 38.9, 71.3),
    "KG": ("Kyrgyzstan", "吉尔吉斯斯坦", "Кыргызстан", "Қырғызстан", "KGS", 41.2, 74.8),
    "TM": ("Turkmenistan", "土库曼斯坦", "Туркменистан", "Түрікменстан", "TMT", 39.0, 59.6),
    "RU": ("Russia", "俄罗斯", "Россия", "Ресей", "RUB", 61.5, 105.3),
}
# Regions loaded from ISO 3166-2 in full (the cooperation countries); other countries' subdivisions
# are not needed by any page and would only bloat pickers.
REGION_COUNTRIES = ("CN", "KZ", "UZ", "TJ", "KG", "TM", "RU")

LANGUAGES: dict[str, tuple[str, str, str, str]] = {
    "zh": ("Chinese", "中文", "китайский", "қытай тілі"),
    "ru": ("Russian", "俄语", "русский", "орыс тілі"),
    "kk": ("Kazakh", "哈萨克语", "казахский", "қазақ тілі"),
    "uz": ("Uzbek", "乌兹别克语", "узбекский", "өзбек тілі"),
    "tg": ("Tajik", "塔吉克语", "таджикский", "тәжік тілі"),
    "ky": ("Kyrgyz", "吉尔吉斯语", "киргизский", "қырғыз тілі"),
    "tk": ("Turkmen", "土库曼语", "туркменский", "түрікмен тілі"),
    "en": ("English", "英语", "английский", "ағылшын тілі"),
}


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _names(values: Iterable[str], base: str = "name") -> dict[str, str]:
    values = list(values)
    out = {f"{base}_{suffix}": value for suffix, value in zip(LANG_SUFFIXES, values, strict=True)}
    # The untranslated column mirrors English so raw SQL, exports and fallbacks see a value.
    out[base] = values[0]
    return out


def sync_rows(model: type[models.Model], key: str, rows: Iterable[Mapping[str, Any]], *,
              bulk_create=None, bulk_update=None, batch_size: int = 500) -> tuple[SyncResult, dict]:
    """Upsert ``rows`` (dicts of attribute → value) keyed by ``key``; write only what differs.

    Comparing before writing is what makes a second run a no-op (no UPDATE, no history row).
    Returns the counts and a mapping key → instance for wiring relations.
    """
    rows = list(rows)
    keys = [row[key] for row in rows]
    existing = {getattr(obj, key): obj for obj in model._default_manager.filter(**{f"{key}__in": keys})}
    to_create, to_update, changed_fields = [], [], set()
    result = SyncResult()
    # English active so translation descriptors resolve the untranslated column to English.
    with translation.override("en"):
        for row in rows:
            obj = existing.get(row[key])
            if obj is None:
                obj = model()
                for attr, value in row.items():
                    obj.__dict__[attr] = value  # bypass translation descriptors: set columns as given
                to_create.append(obj)
                existing[row[key]] = obj
                continue
            diff = [attr for attr, value in row.items() if obj.__dict__.get(attr) != value]
            if diff:
                for attr in diff:
                    obj.__dict__[attr] = row[attr]
                changed_fields.update(diff)
                to_update.append(obj)
            else:
                result.unchanged += 1
        _write(model, to_create, to_update, changed_fields, result, bulk_create, bulk_update, batch_size)
    return result, existing


def _write(model, to_create, to_update, changed_fields, result, bulk_create, bulk_update, batch_size) -> None:
    if to_create:
        (bulk_create or model._default_manager.bulk_create)(to_create, batch_size=batch_size)
        result.created = len(to_create)
    if to_update:
        fields = sorted(changed_fields)
        if any(f.name == "updated" for f in model._meta.fields):
            now = timezone.now()
            for obj in to_update:
                obj.updated = now
            fields.append("updated")
        (bulk_update or model._default_manager.bulk_update)(to_update, fields, batch_size=batch_size)
        result.updated = len(to_update)


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("tvetbridge.core.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _catalogue(domain: str, lang: str):
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return gettext.NullTranslations()


def country_rows() -> list[dict[str, Any]]:
    zh, ru, kk = (_catalogue("iso3166-1", lang) for lang in ("zh_CN", "ru", "kk"))
    rows = []
    for c in pycountry.countries:
        if c.alpha_2 in FOCUS_COUNTRIES:
            en, n_zh, n_ru, n_kk, currency, lat, lon = FOCUS_COUNTRIES[c.alpha_2]
            focus = True
        else:
            en = getattr(c, "common_name", None) or c.name
            n_zh, n_ru, n_kk = (cat.gettext(c.name) for cat in (zh, ru, kk))
            currency, lat, lon, focus = "USD", None, None, False
        rows.append({"code": c.alpha_2, "iso3": c.alpha_3, "numeric": int(c.numeric),
                     **_names([en, n_zh, n_ru, n_kk]), "currency": currency, "is_focus": focus,
                     "latitude": lat, "longitude": lon})
    return rows


def region_rows() -> list[dict[str, Any]]:
    """ISO 3166-2 subdivisions of the cooperation countries, overlaid with the curated table."""
    curated = {row["code"]: row for row in _read_csv("regions.csv")}
    ru_cat = _catalogue("iso3166-2", "ru")
    rows: dict[str, dict[str, Any]] = {}
    for country in REGION_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=country):
            # pycountry names are romanised local names; Russian ones have a Russian catalogue entry
            # for some; the others repeat the romanised name until someone curates them.
            local = sub.name
            ru_name = ru_cat.gettext(local)
            rows[sub.code] = {"code": sub.code, "country_id": country, "parent_code": None, "level": 1,
                              **_names([local, local, ru_name, ru_name]), "latitude": None,
                              "longitude": None}
    for code, row in curated.items():
        rows[code] = {"code": code, "country_id": code[:2], "parent_code": row["parent"] or None,
                      "level": int(row["level"]),
                      **_names([row["en"], row["zh_hans"], row["ru"], row["kk"]]),
                      "latitude": float(row["lat"]) if row["lat"] else None,
                      "longitude": float(row["lon"]) if row["lon"] else None}
    return list(rows.values())


def field_rows() -> list[dict[str, Any]]:
    rows = []
    for row in _read_csv("isced_f_2013.csv"):
        code = row["code"]
        parent = code[:-1] if len(code) > 2 else None
        rows.append({"code": code, **_names([row["en"], row["zh_hans"], row["ru"], row["kk"]]),
                     "parent_id": parent})
    return rows


@transaction.atomic
def load_reference() -> dict[str, SyncResult]:
    results: dict[str, SyncResult] = {}
    results["languages"], _ = sync_rows(
        Language, "code", [{"code": code, **_names(names)} for code, names in LANGUAGES.items()])
    results["countries"], _ = sync_rows(Country, "code", country_rows())

    # Parents first so every foreign key points at an existing row; sorted by code length.
    fields = sorted(field_rows(), key=lambda r: len(r["code"]))
    results["fields"] = SyncResult()
    for depth in (2, 3, 4):
        part, _ = sync_rows(FieldOfStudy, "code", [r for r in fields if len(r["code"]) == depth])
        for attr in ("created", "updated", "unchanged"):
            setattr(results["fields"], attr, getattr(results["fields"], attr) + getattr(part, attr))

    regions = region_rows()
    results["regions"] = SyncResult()
    by_code: dict[str, Region] = dict(Region.objects.in_bulk([r["code"] for r in regions], field_name="code"))
    pending = regions
    while pending:
        ready = [r for r in pending if r["parent_code"] is None or r["parent_code"] in by_code]
        if not ready:
            raise ValueError(f"Regions with unknown parents: {[r['code'] for r in pending]}")
        batch = [{k: v for k, v in r.items() if k != "parent_code"}
                 | {"parent_id": by_code[r["parent_code"]].pk if r["parent_code"] else None} for r in ready]
        part, mapping = sync_rows(Region, "code", batch)
        by_code.update(mapping)
        for attr in ("created", "updated", "unchanged"):
            setattr(results["regions"], attr, getattr(results["regions"], attr) + getattr(part, attr))
        done = {r["code"] for r in ready}
        pending = [r for r in pending if r["code"] not in done]
    return results
