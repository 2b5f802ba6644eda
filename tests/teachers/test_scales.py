"""Language scales: each level's place on the common rank (the sources are cited in engine/scales.py),
levels as people write them, and the errors for levels a scale does not have."""

import pytest

from tvetbridge.teachers.engine import scales
from tvetbridge.teachers.engine.scales import CEFR, HSK2, HSK3, KAZTEST, TORFL, Level, ScaleError


@pytest.mark.parametrize(("scale", "level", "cefr"), [
    (TORFL, "TEU", "A1"), (TORFL, "TBU", "A2"), (TORFL, "1", "B1"), (TORFL, "2", "B2"), (TORFL, "4", "C2"),
    (HSK2, "3", "B1"), (HSK2, "4", "B2"), (HSK2, "6", "C2"),
    (HSK3, "3", "A2"), (HSK3, "5", "B1"), (HSK3, "6", "B2"), (HSK3, "9", "C2"),
    (KAZTEST, "B2", "B2"), (KAZTEST, "C1", "C1"), (CEFR, "A2", "A2"),
])
def test_each_scale_maps_to_the_cefr(scale, level, cefr):
    assert Level(scale, level).cefr == cefr


def test_ranks_rise_within_every_scale():
    for levels in scales.LEVELS.values():
        ranks = [rank for _code, rank in levels]
        assert ranks == sorted(set(ranks))


@pytest.mark.parametrize(("language", "scale", "written", "code"), [
    ("ru", TORFL, "ТРКИ-2", "2"), ("ru", TORFL, "TORFL 3", "3"), ("ru", TORFL, "тбу", "TBU"),
    ("zh", HSK3, "HSK 4", "4"), ("zh", HSK3, "hsk-7", "7"), ("zh", HSK2, "6级", "6"),
    ("kk", KAZTEST, "в1", "B1"), ("kk", CEFR, " b2 ", "B2"), ("zh", "native", "Native", "native"),
])
def test_levels_as_people_write_them(language, scale, written, code):
    assert scales.check(language, scale, written).level == code


@pytest.mark.parametrize(("language", "scale", "level", "error"), [
    ("zh", HSK2, "7", "unknown_level"),      # the older test stops at 6
    ("kk", KAZTEST, "C2", "unknown_level"),  # KAZTEST has no C2
    ("zh", TORFL, "2", "wrong_language"),
    ("ru", "ielts", "7", "unknown_scale"),
    ("ru", CEFR, "B3", "unknown_level"),
])
def test_levels_off_their_scale_are_refused(language, scale, level, error):
    with pytest.raises(ScaleError) as exc:
        scales.check(language, scale, level)
    assert exc.value.code == error


def test_requirements_compare_across_scales():
    b2 = Level(CEFR, "B2")
    assert scales.meets(Level(TORFL, "2"), b2) and not scales.meets(Level(TORFL, "TBU"), b2)
    # HSK 3.0 level 5 lies between B1 and B2 (the platform's approximation): not enough for B2.
    assert not scales.meets(Level(HSK3, "5"), b2) and scales.meets(Level(HSK2, "4"), b2)
    assert scales.meets(Level(HSK3, "5"), Level(HSK3, "5")) and scales.meets(Level("native", "native"), b2)
    assert scales.from_short("HSK4") == Level(HSK3, "4") and scales.from_short("b1") == Level(CEFR, "B1")
