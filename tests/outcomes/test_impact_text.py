"""The cached impact payload is read in every language: its labels, assumptions, notes and refusals
are worded for the reader, not as they were when it was computed."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tvetbridge.outcomes.engine.impact import ASSUMPTIONS
from tvetbridge.outcomes.impact_text import assumptions, localised

PAYLOAD = {
    "comparison": "applicants", "comparison_label": "applicants to this project who were not enrolled",
    "basis": "KZT at 2024 prices (real)", "basis_key": "KZT-real-2024",
    "notes": [{"code": "no_cpi", "currency": "TMT"}, {"code": "carried_over", "currency": "KZT"}],
    "window": "mean monthly income 6–18 months after the end of training",
    "n_treated_observed": 120, "n_control_observed": 80, "error": "",
    "estimates": [
        {"method": "aipw", "label": "doubly robust (AIPW)", "assumptions": ASSUMPTIONS["aipw"],
         "se_method": "bootstrap (498 of 499 resamples estimable, percentile CI)", "estimate": 1234.5},
        {"method": "matching", "label": "propensity-score matching", "assumptions": ASSUMPTIONS["matching"],
         "se_method": "Abadie-Imbens", "estimate": 1000.0},
        {"method": "ipw", "label": "inverse probability weighting", "error": "X has no columns"},
    ],
    "did": [{"method": "did:simple", "label": "difference-in-differences", "assumptions": ASSUMPTIONS["did:simple"],
             "se_method": "influence function"}],
}
# Proper names and codes that stay in Latin script in every language.
ALLOWED = {"AIPW", "KZT", "TMT", "USD", "Abadie", "Imbens"}


def _english_words(value) -> list[str]:
    texts = [value] if isinstance(value, str) else (
        [t for v in value.values() for t in _english_words(v)] if isinstance(value, dict) else
        [t for v in value for t in _english_words(v)] if isinstance(value, list) else [])
    return [w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t) if w not in ALLOWED]


@pytest.mark.parametrize("lang", ["zh-hans", "ru", "kk"])
def test_every_text_of_the_payload_is_in_the_reader_language(lang):
    with translation.override(lang):
        shown = localised(PAYLOAD)
    texts = {k: shown[k] for k in ("comparison_label", "basis", "notes", "window")}
    texts["estimates"] = [{k: e.get(k) for k in ("label", "assumptions", "se_method", "error") if e.get(k)}
                          for e in shown["estimates"] + shown["did"]]
    assert _english_words(texts) == []
    assert shown["estimates"][0]["estimate"] == 1234.5  # numbers untouched
    assert PAYLOAD["estimates"][0]["label"] == "doubly robust (AIPW)"  # the cache is not changed


def test_every_method_of_the_engine_has_its_assumptions_worded():
    for method in ASSUMPTIONS:
        assert assumptions(method), method
    with translation.override("ru"):
        assert assumptions("aipw").startswith("Нет неизмеренных искажающих факторов")


def test_a_reliable_verdict_says_what_its_checks_cannot_see():
    # benchmarks/impact_verdict.py: on LaLonde's one-year earnings history, estimates that pass every
    # check missed the experiment; the reader is told so, in their language, with the verdict itself.
    from tvetbridge.outcomes.reliability import verdict

    reliable = {"verdict": "reliable", "reasons": [], "facts": {"e_value": 1.6, "e_value_ci": 1.1}}
    fragile = {"verdict": "fragile", "reasons": [{"code": "few_comparisons", "ess": 9, "n_control": 980,
                                                  "minimum": 30}], "facts": {}}
    with translation.override("en"):
        assert any("earlier years" in d for d in verdict(reliable)["details"])
        assert not any("earlier years" in d for d in verdict(fragile)["details"])
    with translation.override("ru"):
        assert not any("earlier years" in d for d in verdict(reliable)["details"])
