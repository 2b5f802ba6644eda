"""Monte Carlo engine for TVET funding instruments (pure NumPy/SciPy — no Django import).

Model. A *scenario* is one cohort of ``cohort_size`` trainees living in one draw of the common world:
a wage index W (GBM), an exchange rate X (GBM, local units per fund unit) and country disruptions
(each month an event with probability p halts employment and all trainee flows for d months).
Within a scenario each trainee independently drops out during training, waits a geometric number of
*undisrupted* months for a job, earns a lognormal gain (permanent dispersion across trainees ×
monthly transitory noise × W), and may migrate/default (geometric) — after which nothing flows. When
the average gain is itself uncertain (``gain_uncertainty``, e.g. an impact estimate's standard error),
each scenario first draws its own average gain, lognormal with that mean and standard deviation.
``n_paths`` counts trainee paths, so a run has ``n_paths / cohort_size`` scenarios; fund-level
figures (balance, ruin, reserve, NPV, option payoff) are per scenario.

Streaming. Paths are generated in fixed *blocks* (each with its own ``SeedSequence`` child), and a
chunk is just a batch of whole blocks processed together. Every statistic is reduced per block and
added in block order, so results are bit-for-bit identical for any ``chunk_size``; memory depends on
the chunk, never on ``n_paths`` (VaR/ES keep only the exact top ~1% of scenario losses).

Speed. Event times (dropout, hiring, default, end of windows) are drawn once per trainee by inverting
the geometric distribution; the monthly loop then does a dozen in-place float32 operations per
trainee, with disruptions folded into per-scenario ±inf offsets so they cost nothing per trainee.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from .instruments import CohortAssumptions, FundDesign

BLOCK_PATHS = 65_536
PARTIES = ("trainee", "fund", "enterprise", "investor", "sponsor")


# ---------------------------------------------------------------------------------------------
# results


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class TailRisk:
    """VaR and expected shortfall of a loss at level ``alpha``, with Monte Carlo standard errors."""

    alpha: float
    var: float
    var_se: float
    es: float
    es_se: float
    n: int


@dataclass(frozen=True)
class PartyReturn:
    """Expected present value per enrolled trainee (fund currency) for one party, with its SE."""

    mean: float
    se: float


@dataclass(frozen=True, eq=False)
class FundResult:
    n_paths: int
    n_scenarios: int
    cohort_size: int
    horizon_months: int
    seed: int | None
    currency: str
    months: np.ndarray
    balance_mean: np.ndarray
    balance_std: np.ndarray
    quantile_levels: tuple[float, ...]
    balance_quantiles: np.ndarray      # (len(quantile_levels), months); within one histogram bin
    ruin_probability: np.ndarray       # P(balance < 0 at some month ≤ t)
    ruin_se: np.ndarray
    reserve: TailRisk                  # of the largest cumulative net outflow (before initial capital)
    fund_npv: float
    fund_npv_se: float
    party_returns: dict[str, PartyReturn]
    option_value: float | None
    option_se: float | None
    refund_count_pmf: np.ndarray       # share of scenarios with k refunds, k = 0..cohort_size
    mean_flows: dict[str, np.ndarray]  # mean fund-currency flow per scenario and month, by kind
    rates: dict[str, float]            # dropout, employment, refund, default (share of enrolled)


@dataclass(frozen=True)
class RuinResult:
    times: np.ndarray
    probability: np.ndarray
    se: np.ndarray
    n_paths: int


@dataclass(frozen=True)
class BreakEven:
    rate: float
    fund_npv: float
    fund_npv_se: float
    evaluations: int


@dataclass(frozen=True)
class TornadoRow:
    assumption: str
    low_input: float
    high_input: float
    low_value: float
    high_value: float

    @property
    def swing(self) -> float:
        return abs(self.high_value - self.low_value)


@dataclass(frozen=True)
class Tornado:
    metric: str
    base_value: float
    rel_change: float
    rows: tuple[TornadoRow, ...]  # widest swing first


# ---------------------------------------------------------------------------------------------
# streaming accumulators


class TailAccumulator:
    """Exact empirical VaR/ES of a stream, keeping only the largest ~(1−alpha)·n values.

    ``n_total`` must be known up front so the kept tail is the right size; the margin of four
    binomial standard deviations lets the VaR standard error be read off neighbouring order stats.
    """

    def __init__(self, n_total: int, alpha: float) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError("alpha: must be in (0, 1)")
        if n_total < 1:
            raise ValueError("n_total: must be at least 1")
        self.alpha = alpha
        self.n_total = n_total
        margin = math.ceil(4.0 * math.sqrt(n_total * alpha * (1.0 - alpha))) + 2
        self.keep = min(n_total, self._k(n_total) + margin)
        self._buf = np.empty(0)
        self.n = 0

    def _k(self, n: int) -> int:
        # tail size; the tiny epsilon keeps n·(1−α) = 100.0000000001 from rounding up to 101
        return max(1, math.ceil(n * (1.0 - self.alpha) - 1e-9))

    def add(self, values: np.ndarray) -> None:
        x = np.asarray(values, dtype=np.float64).ravel()
        self.n += x.size
        merged = np.concatenate([self._buf, x])
        if merged.size > self.keep:
            merged = np.partition(merged, merged.size - self.keep)[merged.size - self.keep:]
        self._buf = merged

    def result(self) -> TailRisk:
        if self.n == 0:
            raise ValueError("no values were added")
        n, a = self.n, self.alpha
        top = np.sort(self._buf)[::-1]
        k = min(self._k(n), top.size)
        var = float(top[k - 1])
        tail = top[:k]
        es = float(tail.mean())
        d = max(1, round(math.sqrt(n * a * (1.0 - a))))
        hi, lo = top[max(0, k - 1 - d)], top[min(top.size - 1, k - 1 + d)]
        var_se = float(hi - lo) / 2.0
        tail_var = float(tail.var(ddof=1)) if k > 1 else 0.0
        es_se = math.sqrt((tail_var + a * (es - var) ** 2) / (n * (1.0 - a)))
        return TailRisk(alpha=a, var=var, var_se=var_se, es=es, es_se=es_se, n=n)


def tail_risk(values: np.ndarray | Sequence[np.ndarray], alpha: float = 0.99) -> TailRisk:
    """VaR/ES of losses given as one array or a sequence of chunks (the engine's estimator)."""
    chunks = [values] if isinstance(values, np.ndarray) else list(values)
    acc = TailAccumulator(sum(int(np.size(c)) for c in chunks), alpha)
    for c in chunks:
        acc.add(c)
    return acc.result()


class _MonthlyHistogram:
    """Fixed-bin histogram per month; the bin range is set by the first block (chunk-independent)."""

    def __init__(self, n_months: int, n_bins: int) -> None:
        self.m, self.nb = n_months, n_bins
        self.counts = np.zeros(n_months * (n_bins + 2), dtype=np.int64)
        self.lo: np.ndarray | None = None
        self.mn = np.full(n_months, np.inf)
        self.mx = np.full(n_months, -np.inf)

    def add(self, x: np.ndarray) -> None:  # x: (n, months)
        if self.lo is None:
            lo, hi = x.min(0), x.max(0)
            pad = np.maximum((hi - lo) * 0.5, np.maximum(np.abs(lo), 1.0) * 1e-6)
            self.lo, self.width = lo - pad, (hi - lo + 2 * pad) / self.nb
        self.mn = np.minimum(self.mn, x.min(0))
        self.mx = np.maximum(self.mx, x.max(0))
        idx = np.floor((x - self.lo) / self.width)
        np.clip(idx, -1, self.nb, out=idx)
        idx += 1 + np.arange(self.m) * (self.nb + 2)
        self.counts += np.bincount(idx.astype(np.int64).ravel(), minlength=self.counts.size)

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        out = np.empty((len(levels), self.m))
        c = self.counts.reshape(self.m, self.nb + 2)
        total = c[0].sum()
        for j in range(self.m):
            cum = np.cumsum(c[j])
            for i, q in enumerate(levels):
                target = q * total
                b = int(np.searchsorted(cum, target, side="left"))
                if b == 0:
                    v = self.mn[j]
                elif b == self.nb + 1:
                    v = self.mx[j]
                else:
                    before = cum[b - 1]
                    frac = (target - before) / c[j, b] if c[j, b] else 0.0
                    v = self.lo[j] + (b - 1 + frac) * self.width[j]
                out[i, j] = min(max(v, self.mn[j]), self.mx[j])
        return out


# ---------------------------------------------------------------------------------------------
# random numbers (shared by the engine and by the floor the benchmark measures)


@dataclass(frozen=True)
class _Plan:
    n_scenarios: int
    cohort_size: int
    block_scenarios: int
    blocks: tuple[tuple[int, int], ...]   # (first scenario, number of scenarios)
    blocks_per_chunk: int


def _plan(cohort_size: int, n_paths: int, chunk_size: int) -> _Plan:
    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < cohort_size:
        raise ValueError(f"n_paths: must be an integer ≥ cohort_size ({cohort_size}), got {n_paths!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise ValueError(f"chunk_size: must be a positive integer, got {chunk_size!r}")
    ns = math.ceil(n_paths / cohort_size)
    bs = max(1, BLOCK_PATHS // cohort_size)
    blocks = tuple((s, min(bs, ns - s)) for s in range(0, ns, bs))
    return _Plan(ns, cohort_size, bs, blocks, max(1, chunk_size // (bs * cohort_size)))


def _static_draws(rng: np.random.Generator, ns: int, cs: int, months: int) -> dict[str, np.ndarray]:
    # Fixed order and always all of them: common random numbers survive any change of terms.
    n = ns * cs
    return {
        "z_wage": rng.standard_normal((ns, months)),
        "z_fx": rng.standard_normal((ns, months)),
        "u_disruption": rng.random((ns, months)),
        # float32 suffices for event times (2^-24 resolution of a monthly hazard) and is half the work
        "u_dropout": rng.random(n, dtype=np.float32),
        "u_employment": rng.random(n, dtype=np.float32),
        "u_default": rng.random(n, dtype=np.float32),
        "u_hire": rng.random(n, dtype=np.float32),
        "z_gain": rng.standard_normal(n, dtype=np.float32),
    }


def _gain_level_draws(seqs, blocks) -> np.ndarray:
    """One standard normal per scenario for its average gain (estimation uncertainty).

    Drawn from a stream derived from, but independent of, each block's own: turning the uncertainty
    on or off leaves every other random number as it was (common random numbers across designs)."""
    out = []
    for seq, (_, nsb) in zip(seqs, blocks, strict=True):
        side = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0), pool_size=seq.pool_size)
        out.append(np.random.default_rng(side).standard_normal(nsb))
    return np.concatenate(out)


def _gain_level_shift(c: CohortAssumptions, z: np.ndarray) -> np.ndarray:
    """Per-scenario log shift of the gain: lognormal with mean 1 and s.d. gain_uncertainty/expected_gain."""
    s2 = math.log1p((c.gain_uncertainty / c.expected_gain) ** 2)
    return (math.sqrt(s2) * z - 0.5 * s2).astype(np.float32)


def _chunks(plan: _Plan, seed: int | None):
    children = np.random.SeedSequence(seed).spawn(len(plan.blocks))
    step = plan.blocks_per_chunk
    for i in range(0, len(plan.blocks), step):
        yield plan.blocks[i:i + step], children[i:i + step]


def rng_floor(design: FundDesign, n_paths: int, *, seed: int | None = 0,
              chunk_size: int = 262_144) -> float:
    """Draw exactly the random numbers ``simulate_fund`` draws, and nothing else (benchmark floor)."""
    c = design.cohort
    plan = _plan(c.cohort_size, n_paths, chunk_size)
    H, cs = c.horizon_months, c.cohort_size
    acc = 0.0
    for blocks, seqs in _chunks(plan, seed):
        rngs = [np.random.default_rng(s) for s in seqs]
        sizes = [nsb * cs for _, nsb in blocks]
        z = np.empty(sum(sizes), dtype=np.float32)
        for rng, (_, nsb) in zip(rngs, blocks, strict=True):
            acc += float(_static_draws(rng, nsb, cs, H)["z_gain"][0])
        if c.gain_uncertainty > 0:
            acc += float(_gain_level_draws(seqs, blocks)[0])
        if c.income_volatility > 0:
            offs = np.concatenate([[0], np.cumsum(sizes)])
            for _t in range(c.training_months + 1, H + 1):
                for b, rng in enumerate(rngs):
                    rng.standard_normal(dtype=np.float32, out=z[offs[b]:offs[b + 1]])
            acc += float(z[0])
    return acc


# ---------------------------------------------------------------------------------------------
# the cohort simulation


def _geometric(u: np.ndarray, hazard: float, cap: int) -> np.ndarray:
    """Failures before the first success (monthly hazard), by inversion; capped at ``cap``."""
    if hazard <= 0.0:
        return np.full(u.shape, cap, dtype=np.int32)
    if hazard >= 1.0:
        return np.zeros(u.shape, dtype=np.int32)
    k = np.log1p(-u)
    k *= np.float32(1.0 / math.log1p(-hazard))
    np.minimum(k, np.float32(cap), out=k)
    return k.astype(np.int32)  # truncation = floor, as k ≥ 0


def _buckets(month: np.ndarray, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Group trainee indices by event month (months > H never fire, so are left out)."""
    fires = np.flatnonzero(month <= H)
    m = month[fires].astype(np.int16)
    order = np.argsort(m, kind="stable")
    bounds = np.searchsorted(m[order], np.arange(H + 2), side="left")
    return fires[order], bounds


def _simulate_chunk(design: FundDesign, blocks, seqs) -> dict[str, np.ndarray]:
    """Per-scenario monthly sums for one chunk: arrays of shape (scenarios, H + 1)."""
    c = design.cohort
    H, cs, Ttr = c.horizon_months, c.cohort_size, c.training_months
    NEVER = H + 1
    rngs = [np.random.default_rng(s) for s in seqs]
    draws = [_static_draws(rng, nsb, cs, H) for rng, (_, nsb) in zip(rngs, blocks, strict=True)]
    d = {k: np.concatenate([dr[k] for dr in draws]) for k in draws[0]}
    ns = sum(nsb for _, nsb in blocks)
    n = ns * cs
    sizes = [nsb * cs for _, nsb in blocks]
    offs = np.concatenate([[0], np.cumsum(sizes)])

    # common world per scenario: wage index, FX, disruptions (column t = month t)
    dt = 1.0 / 12.0
    log_w = np.zeros((ns, H + 1))
    log_w[:, 1:] = np.cumsum((c.wage_drift - 0.5 * c.wage_volatility**2) * dt
                             + c.wage_volatility * math.sqrt(dt) * d["z_wage"], axis=1)
    log_x = np.full((ns, H + 1), math.log(c.fx_rate))
    log_x[:, 1:] += np.cumsum((c.fx_drift - 0.5 * c.fx_volatility**2) * dt
                              + c.fx_volatility * math.sqrt(dt) * d["z_fx"], axis=1)
    events = np.zeros((ns, H + 1), dtype=np.int32)
    events[:, 1:] = d["u_disruption"] < c.disruption_probability
    ce = np.cumsum(events, axis=1)
    lagged = np.zeros_like(ce)
    lagged[:, c.disruption_months:] = ce[:, :-c.disruption_months]
    disrupted = (ce - lagged) > 0

    # trainee event months
    dropped = np.zeros(n, dtype=bool)
    if Ttr > 0:
        dropped = 1 + _geometric(d["u_dropout"], c.monthly_dropout, NEVER) <= Ttr
    k_emp = _geometric(d["u_employment"], c.monthly_employment_hazard, NEVER).reshape(ns, cs)
    # the job search clock only runs in undisrupted months: map the k-th such month to the calendar
    after = disrupted[:, Ttr + 1:]
    free_months = np.argsort(after, axis=1, kind="stable")
    n_free = (~after).sum(axis=1)
    kc = np.minimum(k_emp, after.shape[1] - 1)
    emp = (Ttr + 1 + np.take_along_axis(free_months, kc, axis=1)).astype(np.int32)
    emp[k_emp >= n_free[:, None]] = NEVER
    emp = emp.ravel()
    emp[dropped] = NEVER
    employed = emp <= H
    leave = np.where(employed, emp + 1 + _geometric(d["u_default"], c.monthly_default_hazard, NEVER), NEVER)
    leave = np.minimum(leave, NEVER).astype(np.int32)

    out: dict[str, np.ndarray] = {
        "log_w": log_w, "log_x": log_x,
        "dropped": dropped.reshape(ns, cs).sum(1), "employed": employed.reshape(ns, cs).sum(1),
        "defaulted": (leave <= H).reshape(ns, cs).sum(1),
    }

    floor, share, order = design.floor, design.share, design.order
    refunds = np.zeros(ns, dtype=np.int64)
    if floor is not None:
        m_ref = Ttr + floor.refund_after_months
        if m_ref <= H:
            refunds = ((~dropped) & (emp > m_ref)).reshape(ns, cs).sum(1)
    out["refunds"] = refunds
    hires = np.zeros((ns, H + 1))
    if order is not None:
        hired = employed & (d["u_hire"] < order.hire_probability)
        sidx = np.repeat(np.arange(ns), cs)[hired]
        hires = np.bincount(sidx * (H + 1) + emp[hired], minlength=ns * (H + 1)).reshape(ns, H + 1)
    out["hires"] = hires

    # monthly loop over float32 trainee arrays
    do_share = share is not None and share.rate > 0
    do_topup = floor is not None and floor.floor_income > 0 and floor.topup_months > 0
    sig_e = c.income_volatility
    log_gain = d["z_gain"] * np.float32(c.gain_dispersion)
    log_gain += np.float32(math.log(c.expected_gain) - 0.5 * c.gain_dispersion**2 - 0.5 * sig_e**2)
    if c.gain_uncertainty > 0:
        log_gain += np.repeat(_gain_level_shift(c, _gain_level_draws(seqs, blocks)), cs)
    lw32 = log_w.astype(np.float32)
    lw32[disrupted] = -np.inf                     # no income, no payments while disrupted
    bw32 = (c.baseline_income * np.exp(log_w)).astype(np.float32)
    bw32[disrupted] = np.inf                      # ... and no top-ups either

    a_emp = np.full(n, -np.inf, dtype=np.float32)
    thr = np.full(n, np.inf, dtype=np.float32)
    fl = np.zeros(n, dtype=np.float32)
    cum = np.zeros(n, dtype=np.float32)
    z = np.zeros(n, dtype=np.float32)
    g = np.empty(n, dtype=np.float32)
    tmp = np.empty(n, dtype=np.float32)
    mask = np.empty(n, dtype=bool)
    gsum = np.zeros((ns, H + 1))
    capsum = np.zeros((ns, H + 1))
    topsum = np.zeros((ns, H + 1))

    start_o, start_b = _buckets(emp, H)
    leave_o, leave_b = _buckets(leave, H)
    if do_share:
        log_thr = np.float32(math.log(share.threshold)) if share.threshold > 0 else np.float32(-np.inf)
        cap_gain = np.float32(share.cap_multiple * design.sponsors.training_cost * c.fx_rate / share.rate)
        send_o, send_b = _buckets(np.where(employed, emp + share.months, NEVER), H)
    if do_topup:
        fend_o, fend_b = _buckets(np.where(employed, emp + floor.topup_months, NEVER), H)
        floor_income = np.float32(floor.floor_income)

    z2, g2, tmp2 = z.reshape(ns, cs), g.reshape(ns, cs), tmp.reshape(ns, cs)
    # nobody can be employed before training ends, so those months carry no income and no draws
    for t in range(Ttr + 1, H + 1):
        idx = start_o[start_b[t]:start_b[t + 1]]
        a_emp[idx] = log_gain[idx]
        if do_share:
            thr[idx] = log_thr
            idx_e = send_o[send_b[t]:send_b[t + 1]]
            thr[idx_e] = np.inf
        if do_topup:
            fl[idx] = floor_income
            idx_e = fend_o[fend_b[t]:fend_b[t + 1]]
            fl[idx_e] = 0.0
        idx = leave_o[leave_b[t]:leave_b[t + 1]]
        a_emp[idx] = -np.inf
        thr[idx] = np.inf
        fl[idx] = 0.0

        if sig_e > 0:
            for b, rng in enumerate(rngs):
                rng.standard_normal(dtype=np.float32, out=z[offs[b]:offs[b + 1]])
            np.multiply(z, np.float32(sig_e), out=z)
            np.add(z, a_emp, out=z)
        else:
            np.copyto(z, a_emp)
        np.add(z2, lw32[:, t, None], out=z2)
        if do_share:
            np.greater(z, thr, out=mask)
        np.exp(z, out=g)
        gsum[:, t] = g2.sum(axis=1)
        if do_share:
            np.multiply(g, mask, out=tmp)
            np.add(cum, tmp, out=cum)
            np.minimum(cum, cap_gain, out=tmp)
            capsum[:, t] = tmp2.sum(axis=1)
        if do_topup:
            np.subtract(fl, g, out=tmp)
            np.subtract(tmp2, bw32[:, t, None], out=tmp2)
            np.maximum(tmp, 0.0, out=tmp)
            topsum[:, t] = tmp2.sum(axis=1)

    out.update(gsum=gsum, capsum=capsum, topsum=topsum)
    return out


def _loan_flows(design: FundDesign) -> tuple[np.ndarray, float, float]:
    """Loan payments in months 1..H, PV of payments after H, PV of all payments."""
    c, loan = design.cohort, design.sponsors.loan
    H = c.horizon_months
    pay = np.zeros(H + 1)
    if loan.principal <= 0:
        return pay, 0.0, 0.0
    sched = np.asarray(loan.schedule())
    m = np.arange(1, sched.size + 1)
    v = np.exp(-c.discount_rate * m / 12.0)
    within = min(H, sched.size)
    pay[1:within + 1] = sched[:within]
    return pay, float((sched * v)[m > H].sum()), float((sched * v).sum())


def _fund_flows(design: FundDesign, sim: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fund-currency flows per scenario and month (positive = into the fund), by kind."""
    c, sp = design.cohort, design.sponsors
    H, cs = c.horizon_months, c.cohort_size
    ns = sim["gsum"].shape[0]
    x = np.exp(sim["log_x"])
    zeros = np.zeros((ns, H + 1))
    f: dict[str, np.ndarray] = {}

    setup = zeros.copy()
    setup[:, 0] = sp.grant + sp.loan.principal + cs * sp.trainee_fee / c.fx_rate - cs * sp.training_cost
    f["setup"] = setup
    f["loan_service"] = np.broadcast_to(-_loan_flows(design)[0], (ns, H + 1))
    shares = zeros.copy()
    if design.share is not None and design.share.rate > 0:
        shares[:, 1:] = design.share.rate * np.diff(sim["capsum"], axis=1) / x[:, 1:]
    f["shares"] = shares
    f["topups"] = -sim["topsum"] / x
    refunds = zeros.copy()
    if design.floor is not None:
        m = c.training_months + design.floor.refund_after_months
        if m <= H:
            refunds[:, m] = -sim["refunds"] * design.floor.refund_amount / x[:, m]
    f["refunds"] = refunds
    ent = zeros.copy()
    if design.order is not None:
        o = design.order
        ent = sim["hires"] * o.price_per_hire * (1.0 - o.upfront_share)
        ent[:, 0] += o.upfront_share * o.committed_hires * o.price_per_hire
    f["enterprise"] = ent
    opt = zeros.copy()
    if design.option is not None:
        o = design.option
        m = o.maturity_month
        avg_gain = sim["gsum"][:, m] / x[:, m] / cs
        payoff = avg_gain - o.strike if o.kind == "call" else o.strike - avg_gain
        payoff = np.maximum(payoff, 0.0)
        if o.cap is not None:
            payoff = np.minimum(payoff, o.cap)
        opt[:, m] -= o.notional * payoff
        opt[:, o.start_month] += o.premium
    f["option"] = opt
    return f


class _Stats:
    """Everything the result needs, added block by block in a fixed order."""

    def __init__(self, design: FundDesign, plan: _Plan, alpha: float, n_bins: int) -> None:
        c = design.cohort
        self.design, self.H, self.cs = design, c.horizon_months, c.cohort_size
        m = self.H + 1
        self.n = 0
        self.bal_sum, self.bal_sq = np.zeros(m), np.zeros(m)
        self.ruined = np.zeros(m, dtype=np.int64)
        self.hist = _MonthlyHistogram(m, n_bins)
        self.tail = TailAccumulator(plan.n_scenarios, alpha)
        self.party_sum = dict.fromkeys(PARTIES, 0.0)
        self.party_sq = dict.fromkeys(PARTIES, 0.0)
        self.opt_sum = self.opt_sq = 0.0
        self.refund_counts = np.zeros(self.cs + 1, dtype=np.int64)
        self.flow_sum: dict[str, np.ndarray] = {}
        self.rate_sum = dict.fromkeys(("dropout", "employment", "refund", "default"), 0)
        self.v = np.exp(-c.discount_rate * np.arange(m) / 12.0)
        _, self.loan_pv_after, self.loan_pv_all = _loan_flows(design)

    def add(self, sim: dict[str, np.ndarray], sl: slice) -> None:
        d, c, sp = self.design, self.design.cohort, self.design.sponsors
        part = {k: v[sl] for k, v in sim.items()}
        flows = _fund_flows(d, part)
        cf = sum(flows.values())
        cf[:, 0] += sp.initial_capital
        bal = np.cumsum(cf, axis=1)
        ns = bal.shape[0]
        self.n += ns
        self.bal_sum += bal.sum(0)
        self.bal_sq += (bal**2).sum(0)
        self.ruined += (np.minimum.accumulate(bal, axis=1) < 0).sum(0)
        self.hist.add(bal)
        self.tail.add(np.maximum(0.0, -(bal - sp.initial_capital).min(axis=1)))
        for k, v in flows.items():
            self.flow_sum[k] = self.flow_sum.get(k, 0.0) + v.sum(0)

        v = self.v
        x = np.exp(part["log_x"])
        npv_fund = (cf * v).sum(1) - sp.initial_capital - self.loan_pv_after
        trainee = ((part["gsum"] / x - flows["shares"] - flows["topups"] - flows["refunds"]) * v).sum(1)
        trainee -= self.cs * sp.trainee_fee / c.fx_rate
        enterprise = np.zeros(ns)
        if d.order is not None:
            enterprise = (part["hires"] * v).sum(1) * d.order.value_per_hire - (flows["enterprise"] * v).sum(1)
        investor = -(flows["option"] * v).sum(1)
        sponsor = np.full(ns, -sp.grant - sp.loan.principal + self.loan_pv_all)
        for name, val in zip(PARTIES, (trainee, npv_fund, enterprise, investor, sponsor), strict=True):
            val = val / self.cs
            self.party_sum[name] += float(val.sum())
            self.party_sq[name] += float((val**2).sum())
        if d.option is not None:
            o = d.option
            pv_payoff = -flows["option"][:, o.maturity_month] * v[o.maturity_month]
            self.opt_sum += float(pv_payoff.sum())
            self.opt_sq += float((pv_payoff**2).sum())
        self.refund_counts += np.bincount(part["refunds"], minlength=self.cs + 1)
        for key, src in (("dropout", "dropped"), ("employment", "employed"), ("default", "defaulted"),
                         ("refund", "refunds")):
            self.rate_sum[key] += int(part[src].sum())

    def result(self, plan: _Plan, seed: int | None, levels: tuple[float, ...]) -> FundResult:
        n = self.n
        mean = self.bal_sum / n
        std = np.sqrt(np.maximum(self.bal_sq / n - mean**2, 0.0) * n / max(n - 1, 1))
        ruin = self.ruined / n

        def mean_se(s: float, sq: float) -> tuple[float, float]:
            m = s / n
            var = max(sq / n - m * m, 0.0) * n / max(n - 1, 1)
            return m, math.sqrt(var / n)

        parties = {p: PartyReturn(*mean_se(self.party_sum[p], self.party_sq[p])) for p in PARTIES}
        opt_v = opt_se = None
        if self.design.option is not None:
            opt_v, opt_se = mean_se(self.opt_sum, self.opt_sq)
        enrolled = n * self.cs
        return FundResult(
            n_paths=enrolled, n_scenarios=n, cohort_size=self.cs, horizon_months=self.H, seed=seed,
            currency=self.design.cohort.fund_currency,
            months=_frozen(np.arange(self.H + 1)), balance_mean=_frozen(mean), balance_std=_frozen(std),
            quantile_levels=levels, balance_quantiles=_frozen(self.hist.quantiles(levels)),
            ruin_probability=_frozen(ruin), ruin_se=_frozen(np.sqrt(ruin * (1 - ruin) / n)),
            reserve=self.tail.result(), fund_npv=parties["fund"].mean * self.cs,
            fund_npv_se=parties["fund"].se * self.cs, party_returns=parties,
            option_value=opt_v, option_se=opt_se,
            refund_count_pmf=_frozen(self.refund_counts / n),
            mean_flows={k: _frozen(v / n) for k, v in self.flow_sum.items()},
            rates={k: v / enrolled for k, v in self.rate_sum.items()},
        )


def simulate_fund(design: FundDesign, n_paths: int, *, seed: int | None = 0, chunk_size: int = 262_144,
                  alpha: float = 0.99, quantile_levels: Sequence[float] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95),
                  n_bins: int = 512, progress: Callable[[float], None] | None = None) -> FundResult:
    """Simulate ``n_paths`` trainee paths under ``design`` and summarise the fund.

    ``seed`` fixes every number; ``chunk_size`` (trainee paths per chunk) only trades speed against
    memory. ``progress`` is called with the fraction done after each chunk.
    """
    if not isinstance(design, FundDesign):
        raise ValueError("design: must be a FundDesign")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha!r}")
    levels = tuple(float(q) for q in quantile_levels)
    if any(not 0.0 <= q <= 1.0 for q in levels):
        raise ValueError("quantile_levels: each level must be in [0, 1]")
    plan = _plan(design.cohort.cohort_size, n_paths, chunk_size)
    stats = _Stats(design, plan, alpha, n_bins)
    done = 0
    for blocks, seqs in _chunks(plan, seed):
        sim = _simulate_chunk(design, blocks, seqs)
        start = 0
        for _, nsb in blocks:  # reduce per block so sums do not depend on the chunking
            stats.add(sim, slice(start, start + nsb))
            start += nsb
        done += start
        if progress is not None:
            progress(done / plan.n_scenarios)
    return stats.result(plan, seed, levels)


# ---------------------------------------------------------------------------------------------
# pricing, break-even, sensitivity


def price_option(design: FundDesign, n_paths: int, *, seed: int | None = 0,
                 chunk_size: int = 262_144) -> tuple[float, float]:
    """Fair value (discounted expected payoff, fund currency) of the design's option, with its SE."""
    if design.option is None:
        raise ValueError("option: the design has no skill appreciation option")
    bare = replace(design, option=replace(design.option, premium=0.0))
    r = simulate_fund(bare, n_paths, seed=seed, chunk_size=chunk_size)
    return float(r.option_value), float(r.option_se)


def break_even_share_rate(design: FundDesign, n_paths: int, *, seed: int | None = 0, lo: float = 0.0,
                          hi: float = 1.0, xtol: float = 1e-5, chunk_size: int = 262_144) -> BreakEven:
    """The profit-share rate at which the fund's expected NPV is zero.

    Every evaluation reuses the same seed (common random numbers), so the simulated NPV is a smooth,
    non-decreasing function of the rate and Brent's method converges as on a deterministic function.
    """
    if design.share is None:
        raise ValueError("share: the design has no profit-sharing terms")
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError("lo/hi: need 0 ≤ lo < hi ≤ 1")
    cache: dict[float, FundResult] = {}

    def npv(rate: float) -> float:
        r = simulate_fund(replace(design, share=replace(design.share, rate=float(rate))), n_paths,
                          seed=seed, chunk_size=chunk_size, n_bins=8)
        cache[float(rate)] = r
        return r.fund_npv

    f_lo, f_hi = npv(lo), npv(hi)
    if f_lo > 0:
        rate = lo
    elif f_hi < 0:
        raise ValueError(f"share.rate: the fund does not break even for any rate in [{lo}, {hi}] "
                         f"(expected NPV {f_lo:,.0f} to {f_hi:,.0f})")
    else:
        rate = optimize.brentq(npv, lo, hi, xtol=xtol)
    res = cache.get(float(rate)) or simulate_fund(
        replace(design, share=replace(design.share, rate=float(rate))), n_paths, seed=seed,
        chunk_size=chunk_size, n_bins=8)
    return BreakEven(rate=float(rate), fund_npv=res.fund_npv, fund_npv_se=res.fund_npv_se,
                     evaluations=len(cache))


TORNADO_ASSUMPTIONS = ("monthly_dropout", "monthly_employment_hazard", "monthly_default_hazard",
                       "baseline_income", "expected_gain", "gain_dispersion", "income_volatility",
                       "wage_drift", "wage_volatility", "fx_volatility", "disruption_probability",
                       "discount_rate")
_PROBABILITIES = {"monthly_dropout", "monthly_employment_hazard", "monthly_default_hazard",
                  "disruption_probability"}
METRICS: dict[str, Callable[[FundResult], float]] = {
    "fund_npv": lambda r: r.fund_npv,
    "ruin_probability": lambda r: float(r.ruin_probability[-1]),
    "reserve_var": lambda r: r.reserve.var,
    "reserve_es": lambda r: r.reserve.es,
    "option_value": lambda r: float("nan") if r.option_value is None else r.option_value,
    "trainee_return": lambda r: r.party_returns["trainee"].mean,
}


def tornado(design: FundDesign, n_paths: int, *, seed: int | None = 0, metric: str = "fund_npv",
            rel_change: float = 0.1, assumptions: Sequence[str] = TORNADO_ASSUMPTIONS,
            chunk_size: int = 262_144) -> Tornado:
    """Move each assumption by ±rel_change (same seed throughout) and record the metric."""
    if metric not in METRICS:
        raise ValueError(f"metric: unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if not 0.0 < rel_change < 1.0:
        raise ValueError("rel_change: must be in (0, 1)")
    valid = set(CohortAssumptions.__dataclass_fields__)
    for a in assumptions:
        if a not in valid or a not in TORNADO_ASSUMPTIONS:
            raise ValueError(f"assumptions: {a!r} is not a numeric cohort assumption")
    get = METRICS[metric]

    def run(cohort: CohortAssumptions) -> float:
        return get(simulate_fund(replace(design, cohort=cohort), n_paths, seed=seed,
                                 chunk_size=chunk_size, n_bins=8))

    base = run(design.cohort)
    rows = []
    for a in assumptions:
        x0 = getattr(design.cohort, a)
        lo_x, hi_x = x0 * (1 - rel_change), x0 * (1 + rel_change)
        if a in _PROBABILITIES:
            lo_x, hi_x = min(max(lo_x, 0.0), 1.0), min(max(hi_x, 0.0), 1.0)
        lo_v = run(replace(design.cohort, **{a: lo_x}))
        hi_v = run(replace(design.cohort, **{a: hi_x}))
        rows.append(TornadoRow(a, lo_x, hi_x, lo_v, hi_v))
    rows.sort(key=lambda r: -r.swing)
    return Tornado(metric=metric, base_value=base, rel_change=rel_change, rows=tuple(rows))


# ---------------------------------------------------------------------------------------------
# generic surplus processes (the ruin machinery on its own, for reference checks and teaching)


def random_walk_ruin(initial: float, drift: float, volatility: float, horizon: float, n_steps: int,
                     n_paths: int, *, seed: int | None = 0, chunk_size: int = 262_144) -> RuinResult:
    """Ruin by each step of a surplus u + drift·t + σW_t looked at every horizon/n_steps."""
    if initial < 0:
        raise ValueError("initial: must not be negative")
    if volatility <= 0:
        raise ValueError("volatility: must be positive")
    if horizon <= 0 or n_steps < 1:
        raise ValueError("horizon/n_steps: must be positive")
    dt = horizon / n_steps
    plan = _plan(1, n_paths, chunk_size)
    ruined = np.zeros(n_steps, dtype=np.int64)
    for blocks, seqs in _chunks(plan, seed):
        for (_, nsb), ss in zip(blocks, seqs, strict=True):
            z = np.random.default_rng(ss).standard_normal((nsb, n_steps))
            path = initial + np.cumsum(drift * dt + volatility * math.sqrt(dt) * z, axis=1)
            ruined += (np.minimum.accumulate(path, axis=1) < 0).sum(0)
    p = ruined / plan.n_scenarios
    return RuinResult(times=_frozen(dt * np.arange(1, n_steps + 1)), probability=_frozen(p),
                      se=_frozen(np.sqrt(p * (1 - p) / plan.n_scenarios)), n_paths=plan.n_scenarios)


def compound_poisson_ruin(u: float, premium_rate: float, claim_rate: float, mean_claim: float,
                          horizon: float, n_paths: int, *, seed: int | None = 0,
                          claims_per_draw: int = 256) -> RuinResult:
    """Ruin before ``horizon`` of u + c·t − (sum of exponential claims arriving at rate λ).

    Ruin can only happen at a claim, so paths are advanced claim by claim, in batches.
    """
    if u < 0:
        raise ValueError("u: must not be negative")
    for name, val in (("premium_rate", premium_rate), ("claim_rate", claim_rate),
                      ("mean_claim", mean_claim), ("horizon", horizon)):
        if not val > 0:
            raise ValueError(f"{name}: must be positive")
    plan = _plan(1, n_paths, BLOCK_PATHS)
    ruined_total = 0
    for blocks, seqs in _chunks(plan, seed):
        for (_, nsb), ss in zip(blocks, seqs, strict=True):
            rng = np.random.default_rng(ss)
            t = np.zeros(nsb)
            s = np.zeros(nsb)
            alive = np.arange(nsb)
            while alive.size:
                m = alive.size
                times = t[alive, None] + np.cumsum(rng.standard_exponential((m, claims_per_draw)), 1) / claim_rate
                claims = s[alive, None] + np.cumsum(rng.standard_exponential((m, claims_per_draw)), 1) * mean_claim
                low = (u + premium_rate * times - claims < 0) & (times <= horizon)
                hit = low.any(axis=1)
                ruined_total += int(hit.sum())
                go_on = ~hit & (times[:, -1] <= horizon)
                t[alive], s[alive] = times[:, -1], claims[:, -1]
                alive = alive[go_on]
    p = ruined_total / plan.n_scenarios
    return RuinResult(times=_frozen(np.array([horizon])), probability=_frozen(np.array([p])),
                      se=_frozen(np.array([math.sqrt(p * (1 - p) / plan.n_scenarios)])),
                      n_paths=plan.n_scenarios)
