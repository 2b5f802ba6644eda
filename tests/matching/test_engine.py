import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from tvetbridge.matching import engine

pytestmark = pytest.mark.engine


def _random_csr(rng, n, d, per_row):
    rows = np.repeat(np.arange(n), per_row)
    cols = np.concatenate([rng.choice(d, per_row, replace=False) for _ in range(n)])
    # continuous weights make exact ties improbable, so the comparison with scikit-learn is well posed
    return sp.csr_matrix((rng.uniform(0.1, 1.0, len(rows)), (rows, cols)), shape=(n, d))


def test_topk_matches_sklearn_bruteforce_both_ways():
    rng = np.random.default_rng(0)
    A, B = _random_csr(rng, 400, 60, 8), _random_csr(rng, 300, 60, 8)
    fwd, rev = engine.candidates_both_ways(A, B, k=10, block_rows=97)
    for X, Y, res in ((A, B, fwd), (B, A, rev)):
        nn = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(Y)
        dist, idx = nn.kneighbors(X)
        assert all(set(a) == set(b) for a, b in zip(res.indices, idx, strict=False))
        np.testing.assert_allclose(res.scores, 1 - dist, atol=1e-12)


def test_ties_break_by_lower_index_even_beyond_kernel_cut():
    A = sp.csr_matrix(np.ones((1, 3)))
    B = sp.csr_matrix(np.ones((20, 3)))  # 20 identical vacancies: all tie
    res = engine.topk_cosine(A, B, k=5, tie_margin=1)
    assert res.indices[0].tolist() == [0, 1, 2, 3, 4]
    assert res.exact_fallback_rows == 1


def test_rows_without_overlap_are_padded():
    A = sp.csr_matrix(np.array([[1.0, 0, 0], [0, 0, 0]]))
    B = sp.csr_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    res = engine.topk_cosine(A, B, k=2)
    assert res.indices.tolist() == [[0, -1], [-1, -1]]


def test_region_bonus_and_hard_mask():
    A = sp.csr_matrix(np.array([[1.0, 1.0]]))
    B = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.9]]))
    plain = engine.topk_cosine(A, B, k=2)
    assert plain.indices[0].tolist() == [0, 1]
    # same region (code 1) for the trainee and vacancy 1 adds 0.2 and reorders
    ra, rb = np.array([1]), np.array([0, 1])
    bonus = engine.topk_cosine(A, B, k=2, a_extra=engine.compat_features(ra, 2, 0.2),
                               b_extra=engine.compat_features(rb, 2, 0.2))
    assert bonus.indices[0].tolist() == [1, 0]
    assert bonus.scores[0, 0] == pytest.approx(plain.scores[0, 1] + 0.2)
    masked = engine.topk_cosine(A, B, k=2, groups_a=ra, groups_b=rb)
    assert masked.indices[0].tolist() == [1, -1]


def test_topk_rejects_bad_input():
    with pytest.raises(TypeError):
        engine.topk_cosine(np.ones((2, 2)), sp.csr_matrix(np.ones((2, 2))))
    with pytest.raises(ValueError, match="columns"):
        engine.topk_cosine(sp.csr_matrix(np.ones((2, 2))), sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(ValueError, match="non-negative"):
        engine.topk_cosine(sp.csr_matrix(-np.ones((2, 2))), sp.csr_matrix(np.ones((2, 2))))


def test_allocation_hand_computed():
    # two demand cells (5 and 4 people), two programmes (capacity 6 and 2)
    # costs: d0→p0 1, d0→p1 3, d1→p0 2, d1→p1 1; penalty 100
    # optimum: d1 takes all of p1 (2 @1), d0 takes 5 of p0 (@1), d1 takes the last 1 of p0 (@2), 1 unmet
    res = engine.allocate([5, 4], [6, 2], [0, 0, 1, 1], [0, 1, 0, 1], [1, 3, 2, 1], unmet_penalty=100)
    flows = {(int(d), int(p)): int(f) for d, p, f in zip(res.arc_demand, res.arc_programme, res.flow, strict=False)}
    assert flows == {(0, 0): 5, (1, 0): 1, (1, 1): 2}
    assert res.unmet.tolist() == [0, 1]
    assert res.total_cost == 5 * 1 + 1 * 2 + 2 * 1 + 100
    assert res.used_capacity.tolist() == [6, 2]
    assert engine.allocation_lp([5, 4], [6, 2], [0, 0, 1, 1], [0, 1, 0, 1], [1, 3, 2, 1], 100) == pytest.approx(res.total_cost)


def test_allocation_random_matches_lp():
    rng = np.random.default_rng(3)
    nd, npg = 30, 12
    dist = rng.uniform(0, 2000, (nd, npg))
    d, p, c = engine.allocation_cost(dist, rng.uniform(0, 1, (nd, npg)), rng.uniform(0, 1, (nd, npg)), max_km=1200)
    dem, cap = rng.integers(0, 50, nd), rng.integers(0, 80, npg)
    res = engine.allocate(dem, cap, d, p, c)
    assert res.total_cost == pytest.approx(engine.allocation_lp(dem, cap, d, p, c))
    assert (res.served + res.unmet == dem).all() and (res.used_capacity <= cap).all()


def test_allocation_cost_formula_and_errors():
    d, p, c = engine.allocation_cost([[500.0]], [[0.5]], [[0.75]])
    assert c.tolist() == [round(1000 * (0.5 + 0.5 + 2 * 0.25))]
    with pytest.raises(ValueError, match="within"):
        engine.allocation_cost([[1.0]], [[1.5]], [[1.0]])
    with pytest.raises(ValueError, match=">= 0"):
        engine.allocate([-1], [1], [0], [0], [1])
    with pytest.raises(ValueError, match="unknown programme"):
        engine.allocate([1], [1], [0], [3], [1])


def test_gap_hand_computed():
    # regions: 0 Almaty, 1 Taldykorgan (~230 km), 2 Aktau (~2,000 km)
    lat, lon = [43.24, 45.02, 43.65], [76.89, 78.37, 51.16]
    g = engine.gap_analysis(
        demand_region=[0, 0, 2, 0], demand_key=[7, 7, 7, 3], demand_count=[30, 10, 20, 5],
        demand_deadline=[100, 500, 50, 60],  # the second row is beyond the 365-day horizon
        supply_region=[1, 2, 0], supply_key=[7, 7, 3], supply_graduates=[12, 25, 9], supply_ready=[200, 30, 400],
        region_lat=lat, region_lon=lon, horizon=365, radius_km=300)
    cells = {(int(r), int(k)): (d, s, gp) for r, k, d, s, gp in zip(g.region, g.key, g.demand, g.supply, g.gap, strict=False)}
    # Almaty welders: 30 demanded, 12 from Taldykorgan in range; Aktau's 25 too far. Programme of
    # key 3 graduates after the horizon.
    assert cells == {(0, 7): (30, 12, 18), (2, 7): (20, 25, 0), (0, 3): (5, 0, 5)}
    assert g.key[0] == 7 and g.region[0] == 0  # largest gap first
    assert g.demand_rows[0].tolist() == [0]
    dem, gap = g.by_region(3)
    assert gap.tolist() == [23, 0, 0]
    assert g.by_group(np.array([0, 0, 0])) == {0: (55.0, 23.0)}


def test_proposals_hand_computed_and_explained():
    props = engine.score_proposals(
        gap=40, demand_lat=43.24, demand_lon=76.89,
        host_lat=[43.24, 45.02], host_lon=[76.89, 78.37], host_capacity=[20, 60], host_field_match=[1.0, 0.5],
        partner_field_strength=[0.9, 0.6], partner_bilingual_faculty=[2, 8], partner_facilities=[0.8, 0.4],
        cost_per_trainee=1000, income_gain_per_trainee=4000, country_risk=0.3, top=4)
    assert len(props) == 4
    best = props[0]
    comp = {c.name: c for c in best.components}
    # host 0: distance 0 → proximity 1; capacity 20/40
    assert best.host == 0 and best.partner == 0
    assert comp["proximity"].value == pytest.approx(1.0)
    assert comp["capacity"].value == pytest.approx(0.5)
    assert comp["field_strength"].value == pytest.approx(0.9)
    assert comp["bilingual"].value == pytest.approx(0.5)
    assert comp["value"].value == pytest.approx(0.75)
    assert comp["risk"].value == pytest.approx(0.7)
    expected = 0.2 * 1 + 0.2 * 0.5 + 0.2 * 0.9 + 0.1 * 0.5 + 0.1 * 0.8 + 0.1 * 0.75 + 0.1 * 0.7
    assert best.score == pytest.approx(expected)
    assert best.expected_trainees == 20 and best.cost == 20000 and best.income_gain == 80000
    assert "km" in best.explain()
    assert engine.score_proposals(gap=0, demand_lat=0, demand_lon=0, host_lat=[0], host_lon=[0], host_capacity=[1],
                                  host_field_match=[1], partner_field_strength=[1], partner_bilingual_faculty=[1],
                                  partner_facilities=[1], cost_per_trainee=1, income_gain_per_trainee=2,
                                  country_risk=0.1) == []
