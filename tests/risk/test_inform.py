"""INFORM 2021 reproduced from its 21 lowest-level components (external truth: the JRC's published file)."""

from __future__ import annotations

import numpy as np
import pytest

from tvetbridge.risk.engine.inform import (
    INFORM_2021,
    InformModel,
    InformNode,
    compute_inform,
    load_inform_2021,
    risk_class,
)

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def table():
    return load_inform_2021()


@pytest.fixture(scope="module")
def result(table):
    return compute_inform(table.components(), countries=table.countries)


def test_file_is_the_2021_edition_with_191_countries(table):
    assert len(table.countries) == 191
    assert {"AFG", "KAZ", "KGZ", "TJK", "UZB", "TKM", "RUS", "CHN"} <= set(table.countries)
    assert len(INFORM_2021.leaves) == 21
    assert set(INFORM_2021.leaves) | set(INFORM_2021.order) == set(table.columns)


@pytest.mark.parametrize("level", INFORM_2021.order)
def test_every_level_reproduced_for_every_country_within_a_tenth(table, result, level):
    published, ours = table.column(level), result[level]
    assert not np.isnan(ours).any()
    worst = int(np.argmax(np.abs(ours - published)))
    assert abs(ours[worst] - published[worst]) <= 0.1 + 1e-9, (level, table.countries[worst])


@pytest.mark.parametrize("level", INFORM_2021.order)
def test_rounding_each_level_reproduces_the_file_exactly(table, result, level):
    np.testing.assert_array_equal(result[level], table.column(level))


def test_risk_class_reproduced_exactly(table, result):
    assert result.risk_class == table.risk_class


def test_without_intermediate_rounding_the_top_drifts(table):
    unrounded = compute_inform(table.components(), countries=table.countries, round_each_level=False)
    assert np.abs(unrounded["INFORM RISK"] - table.column("INFORM RISK")).max() > 0.1


def test_class_thresholds_2021():
    assert list(risk_class([0.0, 1.94, 1.96, 3.4, 3.5, 4.9, 5.0, 6.44, 6.5, 10.0])) == [
        "Very Low", "Very Low", "Low", "Low", "Medium", "Medium", "High", "High", "Very High", "Very High"]


def test_tajikistan(table, result):
    i = table.countries.index("TJK")
    assert result["INFORM RISK"][i] == table.column("INFORM RISK")[i]
    assert result.risk_class[i] == table.risk_class[i]


def _one_country(table, iso3, **changes):
    i = table.countries.index(iso3)
    comps = {name: table.column(name)[i:i + 1].copy() for name in INFORM_2021.leaves}
    for name, value in changes.items():
        comps[name.replace("_", " ")] = np.array([value])
    return compute_inform(comps, countries=[iso3])


def test_missing_component_is_dropped_from_its_mean(table):
    # Albania has no DRR score: Institutional is Governance alone.
    r = _one_country(table, "ALB")
    assert r["Institutional"][0] == r["Governance"][0]


def test_all_children_missing_makes_the_parent_missing(table):
    r = _one_country(table, "ALB", Communication=np.nan, **{"Physical infrastructure": np.nan,
                                                           "Access to health care": np.nan})
    assert np.isnan(r["Infrastructure"][0])
    assert r["LACK OF COPING CAPACITY"][0] == r["Institutional"][0]


def _leaves_under(name: str) -> list[str]:
    try:
        node = INFORM_2021.node(name)
    except ValueError:
        return [name]
    return [leaf for child in node.children for leaf in _leaves_under(child)]


def test_a_whole_dimension_missing_marks_the_country_incomplete(table):
    # Issue #19 part 4: the root silently renormalises over the dimensions present; the result says
    # which are missing so that the score is flagged, not passed off as complete.
    gone = dict.fromkeys(_leaves_under("VULNERABILITY"), np.nan)
    r = _one_country(table, "KAZ", **gone)
    assert r.missing_dimensions == (("VULNERABILITY",),) and r.incomplete.tolist() == [True]
    assert np.isnan(r["VULNERABILITY"][0]) and np.isfinite(r["INFORM RISK"][0])
    full = _one_country(table, "KAZ")
    assert full.missing_dimensions == ((),) and full.incomplete.tolist() == [False]
    # a whole category missing is not a missing dimension (its dimension still has the other)
    partial = _one_country(table, "KAZ", **dict.fromkeys(_leaves_under("Human"), np.nan))
    assert partial.missing_dimensions == ((),)


def test_the_2021_file_has_no_incomplete_country(result):
    assert not result.incomplete.any()


@pytest.mark.parametrize("level", [0.0, 10.0])
def test_levels_at_a_bound_stay_on_the_scale_and_never_read_minus_zero(level):
    # All children at 0 put the complement mapping at 10 - 9/0.9 = -1.8e-15, which rounded to -0.0.
    comps = {leaf: np.array([level]) for leaf in INFORM_2021.leaves}
    for rounded in (True, False):
        r = compute_inform(comps, round_each_level=rounded)
        assert ((r.values >= 0.0) & (r.values <= 10.0)).all()
        assert not np.signbit(r.values).any()
    assert f"{compute_inform(comps)['Natural'][0]:.1f}" == f"{level:.1f}"


def test_a_worse_hazard_never_lowers_risk(table):
    base = _one_country(table, "KAZ")
    worse = _one_country(table, "KAZ", Earthquake=10.0)
    for level in ("Natural", "HAZARD & EXPOSURE", "INFORM RISK"):
        assert worse[level][0] >= base[level][0]
    assert worse["Natural"][0] > base["Natural"][0]


def test_current_violent_conflict_overrides_projected_risk(table):
    r = _one_country(table, "KAZ", **{"Current Highly Violent Conflict Intensity": 9.0,
                                      "Projected Conflict Risk": 2.0})
    assert r["Human"][0] == 9.0
    r = _one_country(table, "KAZ", **{"Current Highly Violent Conflict Intensity": 0.0,
                                      "Projected Conflict Risk": 8.0})
    assert r["Human"][0] == pytest.approx(5.6)


def test_value_outside_0_10_names_the_component_and_country(table):
    with pytest.raises(ValueError, match=r"Flood.*KAZ.*0-10"):
        _one_country(table, "KAZ", Flood=10.5)
    with pytest.raises(ValueError, match="Drought"):
        _one_country(table, "KAZ", Drought=-0.1)


def test_unknown_or_aggregated_component_is_refused(table):
    comps = table.components()
    with pytest.raises(ValueError, match="Volcano"):
        compute_inform({**comps, "Volcano": comps["Flood"]})
    with pytest.raises(ValueError, match="Natural"):
        compute_inform({**comps, "Natural": comps["Flood"]})
    partial = dict(comps)
    del partial["Governance"]
    with pytest.raises(ValueError, match="Governance"):
        compute_inform(partial)


def test_unknown_node_is_refused(result):
    with pytest.raises(ValueError, match="Volcanic"):
        INFORM_2021.node("Volcanic")
    with pytest.raises(ValueError, match="Volcanic"):
        result["Volcanic"]


def test_malformed_trees_are_refused():
    with pytest.raises(ValueError, match="aggregation"):
        InformNode("A", ("x",), "median")
    with pytest.raises(ValueError, match="weights"):
        InformNode("A", ("x", "y"), "arithmetic", weights=(1.0, -1.0))
    with pytest.raises(ValueError, match="cycle"):
        InformModel(nodes=(InformNode("A", ("B",), "arithmetic"), InformNode("B", ("A",), "arithmetic")),
                    root="A", classes=((0.0, "Low"),))
    with pytest.raises(ValueError, match="root"):
        InformModel(nodes=(InformNode("A", ("x",), "arithmetic"),), root="Z", classes=((0.0, "Low"),))
