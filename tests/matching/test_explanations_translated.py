"""Proposal explanations are written from facts in the reader's language, never stored in English."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tvetbridge.matching import explain, queries, services

ENGLISH = re.compile(r"\b(host|from the demand|bilingual|teachers|needed|partner|strength|facilities|score|"
                     r"income gain|cost|per trainee|country risk|field_strength|proximity|capacity)\b", re.I)


def _welder(w):
    return queries.find_gap(f"R{w['almaty'].pk}~O{w['welder'].pk}", queries.GapParams())


@pytest.mark.parametrize("lang", ["ru", "kk", "zh-hans"])
def test_components_are_worded_in_the_reader_language(gap_world, lang):
    top = services.proposals_for(_welder(gap_world)).proposals[0]
    with translation.override(lang):
        rows = top.explained()
    assert [r["name"] for r in rows][:3] == ["proximity", "capacity", "field_strength"]
    for row in rows:
        text = f"{row['label']} {row['explanation']}"
        assert text.strip() and not ENGLISH.search(text), (lang, text)
    value = next(r for r in rows if r["name"] == "value")
    assert "KZT" in value["explanation"]


def test_amounts_carry_currency_and_locale_grouping():
    with translation.override("ru"):
        ru = explain.money(1050000, "KZT")
    with translation.override("en"):
        en = explain.money(1050000, "KZT")
    assert en == "1,050,000 KZT"
    assert ru.replace("\xa0", " ") == "1 050 000 KZT"


def test_proposals_page_in_russian_has_no_english_explanations(gap_world):
    w = gap_world
    client = Client()
    client.force_login(w["users"]["coordinator"])
    with translation.override("ru"):
        url = reverse("matching_gap_proposals", args=[f"R{w['almaty'].pk}~O{w['welder'].pk}"])
    assert url.startswith("/ru/")
    html = client.get(url).content.decode()
    table = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    assert table
    for body in table:
        assert "field_strength" not in body and "from the demand" not in body
        assert "от места спроса" in body


def test_accepted_project_description_exists_in_every_language(gap_world):
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    proposal = services.accept_proposal(w["users"]["coordinator"], key, w["other_institution"].pk, w["tianjin"].pk)
    project = proposal.project
    assert "from the demand" in project.description_en
    assert "от места спроса" in project.description_ru and "from the demand" not in project.description_ru
    assert "from the demand" not in project.description_kk and "from the demand" not in project.description_zh_hans
    assert all(not isinstance(c.get("explanation"), str) for c in proposal.snapshot["components"])
    assert proposal.snapshot["components"][0]["facts"]["km"] >= 0
