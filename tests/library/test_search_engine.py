"""Tokens and ranking of cross-language search (engine/search.py)."""

import pytest

from tvetbridge.library.engine.search import coverage, precision_at, query_terms, rank, tokens

pytestmark = pytest.mark.engine


def test_chinese_is_segmented():
    assert {"焊接", "技术", "自动化"} <= set(tokens("焊接技术与自动化"))


def test_russian_forms_meet_by_stem():
    assert set(query_terms("сварщики")) & set(tokens("Сварщик"))


def test_kazakh_forms_meet_by_root_prefix():
    assert set(query_terms("дәнекерлеушілерге")) & set(tokens("Дәнекерлеу технологиясы"))


def test_english_stems_and_stop_words():
    assert tokens("The welding of pipes") == ["weld", "pipe"]


def test_rank_blends_text_score_and_coverage_deterministically():
    ranked = rank([3, 1, 2], [2.0, 2.0, 1.8], [0.5, 0.5, 1.0])
    assert ranked.ids.tolist() == [2, 1, 3]  # full coverage wins; ties go to the lower id
    with pytest.raises(ValueError):
        rank([1], [1.0, 2.0], [0.5])


def test_coverage_and_precision():
    assert coverage(["a", "b"], "a c") == 0.5
    assert precision_at([1, 2, 3], {1, 3}, k=10) == 0.2
