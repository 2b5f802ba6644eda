"""Closed-form references the Monte Carlo engine is checked against (pure NumPy/SciPy).

These are textbook results; they live in the package (not only in tests) so the fund designer can
show the analytic figure next to the simulated one when a design reduces to a matching case.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

BGK_BETA = 0.5825971579390106  # −ζ(1/2)/√(2π): Broadie–Glasserman–Kou continuity-correction constant


def _check(name: str, ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"{name}: {message}")


def _check_option_inputs(S: float, K: float, sigma: float, T: float, kind: str) -> None:
    _check("S", S > 0, "must be positive")
    _check("K", K > 0, "must be positive")
    _check("sigma", sigma > 0, "must be positive")
    _check("T", T > 0, "must be positive")
    _check("kind", kind in ("call", "put"), "must be 'call' or 'put'")


def black_scholes(S: float, K: float, r: float, sigma: float, T: float, kind: str = "call",
                  q: float = 0.0) -> float:
    """European option on a lognormal underlying with spot S, dividend/leak yield q."""
    _check_option_inputs(S, K, sigma, T, kind)
    sd = sigma * math.sqrt(T)
    d1 = (math.log(S / K) + (r - q + 0.5 * sigma**2) * T) / sd
    d2 = d1 - sd
    if kind == "call":
        return float(S * math.exp(-q * T) * stats.norm.cdf(d1) - K * math.exp(-r * T) * stats.norm.cdf(d2))
    return float(K * math.exp(-r * T) * stats.norm.cdf(-d2) - S * math.exp(-q * T) * stats.norm.cdf(-d1))


def black76(F: float, K: float, r: float, sigma: float, T: float, kind: str = "call") -> float:
    """European option on a forward F (driftless lognormal under the pricing measure)."""
    _check_option_inputs(F, K, sigma, T, kind)
    sd = sigma * math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * sd**2) / sd
    d2 = d1 - sd
    disc = math.exp(-r * T)
    if kind == "call":
        return float(disc * (F * stats.norm.cdf(d1) - K * stats.norm.cdf(d2)))
    return float(disc * (K * stats.norm.cdf(-d2) - F * stats.norm.cdf(-d1)))


def cramer_lundberg_ruin_exponential(u: float, theta: float, mean_claim: float) -> float:
    """Infinite-horizon ruin probability ψ(u) of a compound-Poisson surplus with exponential claims.

    Premium rate c = (1 + θ) λ μ; the result does not depend on λ.
    """
    _check("u", u >= 0, "must not be negative")
    _check("theta", theta > 0, "safety loading must be positive (otherwise ruin is certain)")
    _check("mean_claim", mean_claim > 0, "must be positive")
    return math.exp(-theta * u / ((1.0 + theta) * mean_claim)) / (1.0 + theta)


def brownian_ruin_probability(u: float, drift: float, sigma: float, T: float) -> float:
    """P(min_{t≤T} u + drift·t + σW_t < 0): first passage of Brownian motion with drift."""
    _check("u", u >= 0, "must not be negative")
    _check("sigma", sigma > 0, "must be positive")
    _check("T", T > 0, "must be positive")
    sd = sigma * math.sqrt(T)
    # log-space for the reflection term keeps large u·drift/σ² from overflowing
    a = stats.norm.cdf((-u - drift * T) / sd)
    log_b = -2.0 * drift * u / sigma**2 + stats.norm.logcdf((-u + drift * T) / sd)
    return float(a + math.exp(log_b))


def discrete_brownian_ruin_probability(u: float, drift: float, sigma: float, T: float, dt: float) -> float:
    """Ruin when the surplus is only looked at every dt: shift the barrier by β σ √dt (BGK 1997)."""
    _check("dt", 0 < dt <= T, "must be in (0, T]")
    return brownian_ruin_probability(u + BGK_BETA * sigma * math.sqrt(dt), drift, sigma, T)


def refund_probability(monthly_employment_hazard: float, months: int) -> float:
    """Chance a graduate is still jobless after `months` months: (1 − h)^N."""
    _check("monthly_employment_hazard", 0 <= monthly_employment_hazard <= 1, "must be in [0, 1]")
    _check("months", months >= 0, "must not be negative")
    return (1.0 - monthly_employment_hazard) ** months


def refund_count_pmf(n: int, p: float) -> np.ndarray:
    """Exact distribution of the number of refunds in a pool of n independent graduates."""
    _check("n", n >= 0, "must not be negative")
    _check("p", 0 <= p <= 1, "must be in [0, 1]")
    return np.asarray(stats.binom.pmf(np.arange(n + 1), n, p))


def normal_var(mu: float, sigma: float, alpha: float) -> float:
    """Value at risk at level alpha of a normal loss N(mu, sigma²): its alpha-quantile."""
    _check("sigma", sigma > 0, "must be positive")
    _check("alpha", 0 < alpha < 1, "must be in (0, 1)")
    return float(mu + sigma * stats.norm.ppf(alpha))


def normal_es(mu: float, sigma: float, alpha: float) -> float:
    """Expected shortfall E[L | L ≥ VaR_alpha] of a normal loss."""
    _check("sigma", sigma > 0, "must be positive")
    _check("alpha", 0 < alpha < 1, "must be in (0, 1)")
    return float(mu + sigma * stats.norm.pdf(stats.norm.ppf(alpha)) / (1.0 - alpha))
