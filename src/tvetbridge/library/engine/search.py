"""Search across languages: one tokeniser for the index and the query, and the ranking.

Text in any of the four languages becomes a bag of normalised tokens:

* **Chinese** runs are segmented with jieba (search mode, which also emits the shorter words inside
  long compounds: 自动化 → 自动, 自动化).
* **Russian** and **English** words are reduced to their Snowball stems (сварщики → сварщик).
* **Kazakh** has no Snowball stemmer and is agglutinative: a word is its root followed by suffixes
  (дәнекерлеу, дәнекерлеуші, дәнекерлеушілер). Every Cyrillic word therefore also yields its
  leading 5 letters (truncation stemming), so inflected forms of one root meet; Russian words get
  the same, which helps where Snowball under-stems.

Cross-language matching does not translate the query: a resource's index holds, besides its own
titles and descriptions in every language it has, the labels of the ESCO occupations and skills it
teaches in all four languages. A Kazakh query thus meets a Chinese textbook through the Kazakh label
of the skill both are about.

Pure Python (jieba and snowballstemmer only); the database's full-text engine (SQLite FTS5 or
PostgreSQL tsvector) matches the tokens, and :func:`rank` orders what it returns.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PREFIX = 5
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[^\W\d_{_CJK}]+|\d+(?:[.,]\d+)?", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[a-z]")
# Words that carry no meaning for search in the four languages (kept short: stemming and ranking
# already discount common words).
STOP = frozenset("""
a an and are as at be by for from in into is of on or the to with
и в во на с со по для из к от до о об или а но не
және мен бен пен үшін мен бойынша да де та те
的 和 与 及 在 了 是 等 或
""".split())

_lock = threading.Lock()
_stemmers: dict[str, Any] = {}  # snowballstemmer objects, untyped
_jieba = None


def _stem(lang: str, word: str) -> str:
    stemmer = _stemmers.get(lang)
    if stemmer is None:
        import snowballstemmer

        with _lock:
            stemmer = _stemmers.setdefault(lang, snowballstemmer.stemmer(lang))
    return str(stemmer.stemWord(word))


def _segment(run: str) -> list[str]:
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        with _lock:
            if _jieba is None:
                jieba.initialize()
                _jieba = jieba
    return [w for w in _jieba.cut_for_search(run) if w.strip()]


def fold(text: str) -> str:
    """NFKC, case-folded, ё as е: the form every token is compared in."""
    return unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")


def tokens(text: str) -> list[str]:
    """The search tokens of a text, in order, duplicates kept (they weigh in BM25)."""
    out: list[str] = []
    for run in _RUN_RE.findall(fold(text)):
        first = run[0]
        if "\u3400" <= first <= "\ufaff":
            out += [w for w in _segment(run) if w not in STOP]
        elif run in STOP:
            continue
        elif _CYRILLIC_RE.match(first):
            stem = _stem("russian", run)
            out.append(stem)
            if len(run) > PREFIX:
                out.append(run[:PREFIX])
        elif _LATIN_RE.match(first):
            out.append(_stem("english", run))
        else:
            out.append(run)
    return out


def index_text(texts: Iterable[str]) -> str:
    """The space-separated token text stored for a resource (its ``search_tokens``)."""
    return " ".join(t for text in texts for t in tokens(text))


def query_terms(query: str) -> list[str]:
    """The distinct tokens of a query, in order."""
    seen: dict[str, None] = {}
    for t in tokens(query):
        seen.setdefault(t, None)
    return list(seen)


@dataclass(frozen=True)
class Ranked:
    ids: np.ndarray
    scores: np.ndarray  # in [0, 1], the best hit 1


def rank(ids: Sequence[int], text_scores: Sequence[float], coverage: Sequence[float], *,
         coverage_weight: float = 0.5) -> Ranked:
    """Order candidates by their full-text score (higher is better; BM25 or ts_rank, any scale)
    blended with their query coverage (the share of the query's terms a candidate holds, which
    keeps a long document matching one frequent term from outranking one matching them all).
    Ties go to the lower id, so the order is deterministic."""
    ids_a = np.asarray(ids, dtype=np.int64)
    text = np.asarray(text_scores, dtype=float)
    cov = np.asarray(coverage, dtype=float)
    if ids_a.size == 0:
        return Ranked(ids_a, text)
    if ids_a.shape != text.shape or ids_a.shape != cov.shape:
        raise ValueError("ids, text_scores and coverage must have one value per candidate")
    top = text.max()
    norm = text / top if top > 0 else np.zeros_like(text)
    score = (1 - coverage_weight) * norm + coverage_weight * np.clip(cov, 0, 1)
    order = np.lexsort((ids_a, -score))
    return Ranked(ids_a[order], score[order])


def coverage(terms: Sequence[str], document_tokens: str) -> float:
    """The share of the query's terms present in a document's token text."""
    if not terms:
        return 0.0
    have = set(document_tokens.split())
    return sum(t in have for t in terms) / len(terms)


def precision_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Precision at k: the share of the first k results that are relevant (fewer than k results
    count as misses, as the standard definition has it)."""
    if k <= 0:
        raise ValueError("k must be positive")
    return sum(1 for r in list(ranked)[:k] if r in relevant) / k
