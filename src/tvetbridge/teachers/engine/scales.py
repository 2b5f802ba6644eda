"""Language proficiency scales and one common rank to compare them.

Each recognised scale keeps its own level names; a level is comparable with a level of another scale
only through :data:`RANK`, a number on the CEFR's six reference levels (A1 = 10 … C2 = 60, native
speaker 70). Within one scale, levels are compared in their own order, which the rank never
contradicts. The mapping of each scale, and where it comes from (also in ``docs/language-scales.md``):

* **CEFR** A1–C2 — the reference itself (Council of Europe, *Common European Framework of Reference
  for Languages*, 2001; Companion Volume, 2020).
* **TORFL / ТРКИ** — elementary (ТЭУ) = A1, basic (ТБУ) = A2, ТРКИ-1 = B1, ТРКИ-2 = B2, ТРКИ-3 = C1,
  ТРКИ-4 = C2. Official: the Russian State System of Testing in Russian as a Foreign Language was built
  on the CEFR's six levels and is audited by ALTE (Association of Language Testers in Europe), whose
  framework lists TORFL at these CEFR levels.
* **KAZTEST** A1–C1 — the National Testing Centre of Kazakhstan's test of Kazakh reports its levels
  with the CEFR's names (A1 elementary, A2 basic, B1 intermediate, B2 upper intermediate, C1 advanced);
  the platform takes the names at their word. KAZTEST has no C2.
* **HSK (2.0, levels 1–6, 2010–2025)** — 1 = A1, 2 = A2, 3 = B1, 4 = B2, 5 = C1, 6 = C2: the table
  Hanban published with the test in 2010. It is contested (the German association of Chinese
  teachers, FaCh, 2010, placed HSK 6 near B2); the platform uses the publisher's table and says so.
* **HSK 3.0 (levels 1–9, GF 0025-2021 "Chinese Proficiency Grading Standards for International Chinese
  Language Education")** — no official CEFR mapping exists. The standard's three stages (elementary
  1–3, intermediate 4–6, advanced 7–9) are read as A1–A2, B1–B2 and C1–C2: **the platform's stated
  approximation** 1 = A1, 2 = between A1 and A2, 3 = A2, 4 = B1, 5 = between B1 and B2, 6 = B2,
  7 = C1, 8 = between C1 and C2, 9 = C2.
* **native** — a native speaker, above C2.

A requirement is met by a proficiency of the same language whose level is at least the required one:
on the same scale by the scale's order, across scales by rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CEFR = "cefr"
HSK3 = "hsk3"  # HSK 3.0, levels 1–9
HSK2 = "hsk2"  # the older HSK, levels 1–6
TORFL = "torfl"
KAZTEST = "kaztest"
NATIVE = "native"

# Which language each test scale measures (CEFR and native apply to every language).
SCALE_LANGUAGE = {HSK3: "zh", HSK2: "zh", TORFL: "ru", KAZTEST: "kk"}

# scale → ((level code, rank), ...) in the scale's own order, lowest first.
LEVELS: dict[str, tuple[tuple[str, int], ...]] = {
    CEFR: (("A1", 10), ("A2", 20), ("B1", 30), ("B2", 40), ("C1", 50), ("C2", 60)),
    HSK3: (("1", 10), ("2", 15), ("3", 20), ("4", 30), ("5", 35), ("6", 40), ("7", 50), ("8", 55), ("9", 60)),
    HSK2: (("1", 10), ("2", 20), ("3", 30), ("4", 40), ("5", 50), ("6", 60)),
    TORFL: (("TEU", 10), ("TBU", 20), ("1", 30), ("2", 40), ("3", 50), ("4", 60)),
    KAZTEST: (("A1", 10), ("A2", 20), ("B1", 30), ("B2", 40), ("C1", 50)),
    NATIVE: (("native", 70),),
}
RANK: dict[tuple[str, str], int] = {(scale, level): rank for scale, levels in LEVELS.items()
                                    for level, rank in levels}
# Whether the mapping to the rank is the publisher's own (True) or the platform's approximation.
OFFICIAL = {CEFR: True, TORFL: True, KAZTEST: True, HSK2: True, HSK3: False, NATIVE: True}
CEFR_BY_RANK = {rank: level for level, rank in LEVELS[CEFR]}


class ScaleError(ValueError):
    """A level that is not on its scale, or a scale that does not measure the language."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Level:
    scale: str
    level: str

    @property
    def rank(self) -> int:
        return RANK[(self.scale, self.level)]

    @property
    def cefr(self) -> str:
        """The CEFR level at or below the rank (``native`` above C2)."""
        return cefr_at(self.rank)


def cefr_at(rank: int) -> str:
    if rank >= LEVELS[NATIVE][0][1]:
        return NATIVE
    below = [r for r in CEFR_BY_RANK if r <= rank]
    return CEFR_BY_RANK[max(below)] if below else ""


def level_codes(scale: str) -> tuple[str, ...]:
    return tuple(code for code, _rank in LEVELS.get(scale, ()))


# How people write the levels of each test (ТРКИ-2, TORFL 2, Б1, 基础级 …) → the scale's code.
_TORFL_WORDS = {"teu": "TEU", "тэу": "TEU", "elementary": "TEU", "a1": "TEU", "tbu": "TBU", "тбу": "TBU",
                "basic": "TBU", "a2": "TBU"}
_CYRILLIC_CEFR = str.maketrans({"А": "A", "В": "B", "С": "C", "а": "A", "в": "B", "с": "C", "Б": "B",
                                "б": "B"})


def normalise(scale: str, written: str) -> str:
    """A level as people write it on the given scale → the scale's level code; ScaleError if none."""
    text = (written or "").strip()
    if scale not in LEVELS:
        raise ScaleError("unknown_scale", scale=scale)
    if scale in (CEFR, KAZTEST):
        code = re.sub(r"\s+", "", text.translate(_CYRILLIC_CEFR)).upper()
    elif scale in (HSK3, HSK2):
        code = re.sub(r"^(?:hsk|新hsk|汉语水平考试)?\s*(?:3\.0)?\s*[-级]?\s*", "", text, flags=re.IGNORECASE)
        code = code.rstrip("级 ")
    elif scale == TORFL:
        lowered = re.sub(r"^(?:torfl|трки|тркі)\s*[-–]?\s*", "", text.lower())
        code = _TORFL_WORDS.get(lowered, lowered)
    else:
        code = text.lower()
    if (scale, code) not in RANK:
        raise ScaleError("unknown_level", scale=scale, level=written, levels=", ".join(level_codes(scale)))
    return code


def check(language: str, scale: str, level: str) -> Level:
    """A validated level of ``language`` (ISO 639-1): the scale exists, measures it, and has the level."""
    if scale not in LEVELS:
        raise ScaleError("unknown_scale", scale=scale)
    measured = SCALE_LANGUAGE.get(scale)
    if measured is not None and measured != language:
        raise ScaleError("wrong_language", scale=scale, language=language, measured=measured)
    return Level(scale, normalise(scale, level))


def from_short(text: str) -> Level:
    """The short form demand records use ('HSK4', 'B2', 'native') → a structured level.

    'HSKn' is read on HSK 3.0, the scale in force since 2021 (demand.models names it so)."""
    text = (text or "").strip()
    match = re.fullmatch(r"hsk\s*-?\s*([1-9])", text, flags=re.IGNORECASE)
    if match:
        return Level(HSK3, match.group(1))
    if text.lower() == NATIVE:
        return Level(NATIVE, NATIVE)
    return Level(CEFR, normalise(CEFR, text))


def meets(held: Level, required: Level) -> bool:
    """Whether a held level satisfies a required one (same scale: its order; otherwise: the rank)."""
    if held.scale == required.scale:
        codes = level_codes(held.scale)
        return codes.index(held.level) >= codes.index(required.level)
    return held.rank >= required.rank
