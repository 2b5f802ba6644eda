"""The closed-form references themselves, checked against published figures and identities."""

import math

import pytest

from tvetbridge.finance.engine import closedform as cf

pytestmark = pytest.mark.engine


def test_black_scholes_matches_the_textbook_example():
    # Hull, Options, Futures and Other Derivatives: S=42, K=40, r=10%, σ=20%, T=0.5
    assert cf.black_scholes(42, 40, 0.10, 0.20, 0.5, "call") == pytest.approx(4.7594, abs=5e-5)
    assert cf.black_scholes(42, 40, 0.10, 0.20, 0.5, "put") == pytest.approx(0.8086, abs=5e-5)


def test_put_call_parity_holds_for_both_formulas():
    S, K, r, sig, T = 42.0, 40.0, 0.1, 0.2, 0.5
    c, p = cf.black_scholes(S, K, r, sig, T, "call"), cf.black_scholes(S, K, r, sig, T, "put")
    assert c - p == pytest.approx(S - K * math.exp(-r * T), abs=1e-12)
    c76, p76 = cf.black76(S, K, r, sig, T, "call"), cf.black76(S, K, r, sig, T, "put")
    assert c76 - p76 == pytest.approx(math.exp(-r * T) * (S - K), abs=1e-12)


def test_black76_is_black_scholes_on_the_discounted_forward():
    F, K, r, sig, T = 42.0, 40.0, 0.1, 0.2, 0.5
    assert cf.black76(F, K, r, sig, T) == pytest.approx(
        cf.black_scholes(F * math.exp(-r * T), K, r, sig, T), abs=1e-12)


def test_cramer_lundberg_exponential_claims_value_from_the_issue():
    assert cf.cramer_lundberg_ruin_exponential(5, 0.2, 1.0) == pytest.approx(0.36217, abs=5e-6)
    assert cf.cramer_lundberg_ruin_exponential(0, 0.2, 1.0) == pytest.approx(1 / 1.2)


def test_brownian_first_passage_tends_to_the_infinite_horizon_ruin():
    u, mu, sig = 3.0, 0.4, 1.5
    assert cf.brownian_ruin_probability(u, mu, sig, 1e6) == pytest.approx(math.exp(-2 * mu * u / sig**2))
    # and is increasing in the horizon, and lower when watched only now and then
    assert cf.brownian_ruin_probability(u, mu, sig, 1) < cf.brownian_ruin_probability(u, mu, sig, 2)
    assert cf.discrete_brownian_ruin_probability(u, mu, sig, 2, 1 / 12) < cf.brownian_ruin_probability(u, mu, sig, 2)


def test_normal_var_and_es_standard_values():
    assert cf.normal_var(0, 1, 0.99) == pytest.approx(2.326348, abs=1e-6)
    assert cf.normal_es(0, 1, 0.99) == pytest.approx(2.665214, abs=1e-6)
    assert cf.normal_es(10, 3, 0.975) == pytest.approx(10 + 3 * 2.337803, abs=1e-5)


def test_refund_pmf_is_the_binomial_distribution():
    p = cf.refund_probability(0.2, 3)
    assert p == pytest.approx(0.512)
    pmf = cf.refund_count_pmf(4, p)
    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[4] == pytest.approx(p**4)


@pytest.mark.parametrize("call, field", [
    (lambda: cf.black_scholes(-1, 40, 0.1, 0.2, 0.5), "S"),
    (lambda: cf.black_scholes(42, 40, 0.1, 0.0, 0.5), "sigma"),
    (lambda: cf.black76(42, 40, 0.1, 0.2, 0.5, "straddle"), "kind"),
    (lambda: cf.cramer_lundberg_ruin_exponential(5, 0.0, 1), "theta"),
    (lambda: cf.brownian_ruin_probability(-1, 0.1, 1, 1), "u"),
    (lambda: cf.normal_var(0, 1, 1.0), "alpha"),
    (lambda: cf.refund_count_pmf(10, 1.5), "p"),
])
def test_bad_inputs_name_the_field(call, field):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        call()
