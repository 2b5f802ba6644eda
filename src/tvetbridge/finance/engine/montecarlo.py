"""Monte Carlo simulation of a TVET fund (pure NumPy/SciPy — no Django import).

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
from typing import cast

import numpy as np

from .accumulators import MonthlyHistogram, TailAccumulator
from .draws import Blocks, Plan, Seeds, chunk_draws, chunks, gain_level_draws, gain_level_shift, plan_blocks
from .instruments import CohortAssumptions, FundDesign
from .results import FundResult, PartyReturn, frozen

PARTIES = ("trainee", "fund", "enterprise", "investor", "sponsor")
# trainee paths per slice of the monthly loop (at most one block's): measured on 200k paths, smaller
# slices lost more to per-call overhead than they gained in cache
SLICE_PATHS = 65_536


def _geometric(u: np.ndarray, hazard: float, cap: int) -> np.ndarray:
    """Failures before the first success (monthly hazard), by inversion; capped at ``cap``."""
    if hazard <= 0.0:
        return np.full(u.shape, cap, dtype=np.int32)
    if hazard >= 1.0:
        return np.zeros(u.shape, dtype=np.int32)
    k = np.log1p(-u)
    k *= np.float32(1.0 / math.log1p(-hazard))
    np.minimum(k, np.float32(cap), out=k)
    return np.asarray(k, dtype=np.int32)  # truncation = floor, as k ≥ 0


def _buckets(month: np.ndarray, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Group trainee indices by event month (months > H never fire, so are left out)."""
    fires = np.flatnonzero(month <= H)
    m = month[fires].astype(np.int16)
    order = np.argsort(m, kind="stable")
    bounds = np.searchsorted(m[order], np.arange(H + 2), side="left")
    return fires[order], bounds


def _simulate_chunk(design: FundDesign, blocks: Blocks, seqs: Seeds) -> dict[str, np.ndarray]:
    """Per-scenario monthly sums for one chunk: arrays of shape (scenarios, H + 1)."""
    c = design.cohort
    H, cs, Ttr = c.horizon_months, c.cohort_size, c.training_months
    rngs = [np.random.default_rng(s) for s in seqs]
    d = chunk_draws(rngs, blocks, cs, H)
    ns = sum(nsb for _, nsb in blocks)
    sizes = [nsb * cs for _, nsb in blocks]
    offs = np.concatenate([[0], np.cumsum(sizes)])

    log_w, log_x, disrupted = _world(c, d, ns)
    dropped, emp, employed, leave = _event_months(c, d, disrupted, ns)
    out: dict[str, np.ndarray] = {
        "log_w": log_w, "log_x": log_x,
        "dropped": dropped.reshape(ns, cs).sum(1), "employed": employed.reshape(ns, cs).sum(1),
        "defaulted": (leave <= H).reshape(ns, cs).sum(1),
    }

    floor, order = design.floor, design.order
    refunds = np.zeros(ns, dtype=np.int64)
    if floor is not None:
        m_ref = Ttr + floor.refund_after_months
        if m_ref <= H:
            refunds = ((~dropped) & (emp > m_ref)).reshape(ns, cs).sum(1)
    out["refunds"] = refunds
    hires: np.ndarray = np.zeros((ns, H + 1))
    if order is not None:
        hired = employed & (d["u_hire"] < order.hire_probability)
        sidx = np.repeat(np.arange(ns), cs)[hired]
        hires = np.bincount(sidx * (H + 1) + emp[hired], minlength=ns * (H + 1)).reshape(ns, H + 1)
    out["hires"] = hires

    log_gain = d["z_gain"] * np.float32(c.gain_dispersion)
    log_gain += np.float32(math.log(c.expected_gain) - 0.5 * c.gain_dispersion**2 - 0.5 * c.income_volatility**2)
    if c.gain_uncertainty > 0:
        log_gain += np.repeat(gain_level_shift(c, gain_level_draws(seqs, blocks)), cs)
    gsum, capsum, topsum = _monthly_sums(design, rngs, offs, log_gain, log_w, disrupted, emp, leave)
    out.update(gsum=gsum, capsum=capsum, topsum=topsum)
    return out


def _world(c: CohortAssumptions, d: dict[str, np.ndarray], ns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The common world per scenario (column t = month t): log wage index, log FX rate, disrupted months."""
    H = c.horizon_months
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
    return log_w, log_x, (ce - lagged) > 0


def _event_months(c: CohortAssumptions, d: dict[str, np.ndarray], disrupted: np.ndarray,
                  ns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each trainee's events: dropped out (bool), month hired, employed (bool), month left (H + 1 = never)."""
    H, cs, Ttr = c.horizon_months, c.cohort_size, c.training_months
    NEVER = H + 1
    dropped = np.zeros(ns * cs, dtype=bool)
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
    return dropped, emp, employed, np.minimum(leave, NEVER).astype(np.int32)


def _slices(offs: np.ndarray, cs: int) -> list[tuple[int, int, int]]:
    """Runs of whole scenarios within each block, in draw order: (block, first trainee,
    last trainee + 1). A block's generator fills its slices one after the other, which yields
    exactly the numbers one call over the whole block would."""
    step = max(1, SLICE_PATHS // cs) * cs
    return [(b, lo, min(lo + step, int(offs[b + 1])))
            for b in range(offs.size - 1) for lo in range(int(offs[b]), int(offs[b + 1]), step)]


def _shifted(bounds: np.ndarray, months: int) -> np.ndarray:
    """Bucket bounds of ``month + months`` from those of ``month`` (same order, no second sort)."""
    return bounds[np.clip(np.arange(bounds.size) - months, 0, bounds.size - 1)]


def _monthly_sums(design: FundDesign, rngs: list[np.random.Generator], offs: np.ndarray, log_gain: np.ndarray, log_w: np.ndarray,
                  disrupted: np.ndarray, emp: np.ndarray,
                  leave: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per scenario and month: the sum of incomes, of capped shareable gains and of floor top-ups.

    Each trainee's state (log gain while employed, share threshold, floor, cumulative shared gain)
    lives in float32 arrays updated only at event months. The monthly work runs slice by slice
    (``_slices``) through scratch buffers of one slice, reused every month; the three sums of a
    slice come from one reduction. Disruptions are folded into per-scenario ±inf offsets so they
    cost nothing per trainee.
    """
    c, floor, share = design.cohort, design.floor, design.share
    H, cs, Ttr = c.horizon_months, c.cohort_size, c.training_months
    n = emp.size
    ns = n // cs
    do_share = share is not None and share.rate > 0
    do_topup = floor is not None and floor.floor_income > 0 and floor.topup_months > 0
    sig_e = np.float32(c.income_volatility)
    lw32 = log_w.astype(np.float32)
    lw32[disrupted] = -np.inf                     # no income, no payments while disrupted
    bw32 = (c.baseline_income * np.exp(log_w)).astype(np.float32)
    bw32[disrupted] = np.inf                      # ... and no top-ups either

    a_emp = np.full(n, -np.inf, dtype=np.float32)
    thr = np.full(n, np.inf, dtype=np.float32)
    fl = np.zeros(n, dtype=np.float32)
    cum = np.zeros(n, dtype=np.float32)
    gsum = np.zeros((ns, H + 1))
    capsum = np.zeros((ns, H + 1))
    topsum = np.zeros((ns, H + 1))

    start_o, start_b = _buckets(emp, H)
    leave_o, leave_b = _buckets(leave, H)
    if do_share:
        assert share is not None  # for the type checker: do_share implies it
        log_thr = np.float32(math.log(share.threshold)) if share.threshold > 0 else np.float32(-np.inf)
        cap_gain = np.float32(share.cap_multiple * design.sponsors.training_cost * c.fx_rate / share.rate)
        cap_bits = cap_gain.view(np.int32)
        send_o, send_b = start_o, _shifted(start_b, share.months)
    if do_topup:
        assert floor is not None  # for the type checker: do_topup implies it
        fend_o, fend_b = start_o, _shifted(start_b, floor.topup_months)
        floor_income = np.float32(floor.floor_income)

    width = max(hi - lo for _, lo, hi in _slices(offs, cs))
    z_buf, mask_buf = np.empty(width, np.float32), np.empty(width, bool)
    # incomes, capped shareable gains and top-ups of one slice side by side: one call sums all three
    parts_buf = np.zeros((3, width), np.float32)
    sums = np.zeros((3, ns, H + 1))
    # per slice, made once: its generator, rows, scratch views and views of the trainees' state
    slices = []
    for b, lo, hi in _slices(offs, cs):
        m = hi - lo
        z, parts = z_buf[:m], parts_buf[:, :m]
        slices.append((rngs[b], slice(lo // cs, hi // cs), z, z.reshape(-1, cs), mask_buf[:m], parts,
                       parts.reshape(3, -1, cs), a_emp[lo:hi], thr[lo:hi], fl[lo:hi], cum[lo:hi]))
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

        for rng, rows, z, z2, mask, (g, capped, top), parts3, a_s, thr_s, fl_s, cum_s in slices:
            if sig_e > 0:
                rng.standard_normal(dtype=np.float32, out=z)
                np.multiply(z, sig_e, out=z)
                np.add(z, a_s, out=z)
            else:
                np.copyto(z, a_s)
            np.add(z2, lw32[rows, t, None], out=z2)
            if do_share:
                np.greater(z, thr_s, out=mask)
            np.exp(z, out=g)
            if do_share:
                np.multiply(g, mask, out=capped)
                np.add(cum_s, capped, out=cum_s)
                # on non-negative floats the order of the bit patterns as integers is the order of
                # the values, and integer min/max are several times faster than float min/max
                np.minimum(cum_s.view(np.int32), cap_bits, out=capped.view(np.int32))
            if do_topup:
                np.subtract(fl_s, g, out=top)
                np.subtract(parts3[2], bw32[rows, t, None], out=parts3[2])
                # negative floats (sign bit set) are negative as integers: max with 0 keeps x ≥ 0, else +0.0
                np.maximum(top.view(np.int32), 0, out=top.view(np.int32))
            sums[:, rows, t] = parts3.sum(axis=2)

    gsum, capsum, topsum = sums
    return gsum, capsum, topsum


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
        op = design.option
        m = op.maturity_month
        avg_gain = sim["gsum"][:, m] / x[:, m] / cs
        payoff = avg_gain - op.strike if op.kind == "call" else op.strike - avg_gain
        payoff = np.maximum(payoff, 0.0)
        if op.cap is not None:
            payoff = np.minimum(payoff, op.cap)
        opt[:, m] -= op.notional * payoff
        opt[:, op.start_month] += op.premium
    f["option"] = opt
    return f


class _Stats:
    """Everything the result needs, added block by block in a fixed order."""

    def __init__(self, design: FundDesign, plan: Plan, alpha: float, n_bins: int) -> None:
        c = design.cohort
        self.design, self.H, self.cs = design, c.horizon_months, c.cohort_size
        m = self.H + 1
        self.n = 0
        self.bal_sum, self.bal_sq = np.zeros(m), np.zeros(m)
        self.ruined = np.zeros(m, dtype=np.int64)
        self.hist = MonthlyHistogram(m, n_bins)
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
        cf = cast(np.ndarray, sum(flows.values()))  # never the empty sum's 0: there are always flows
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

    def result(self, plan: Plan, seed: int | None, levels: tuple[float, ...]) -> FundResult:
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
            months=frozen(np.arange(self.H + 1)), balance_mean=frozen(mean), balance_std=frozen(std),
            quantile_levels=levels, balance_quantiles=frozen(self.hist.quantiles(levels)),
            ruin_probability=frozen(ruin), ruin_se=frozen(np.sqrt(ruin * (1 - ruin) / n)),
            reserve=self.tail.result(), fund_npv=parties["fund"].mean * self.cs,
            fund_npv_se=parties["fund"].se * self.cs, party_returns=parties,
            option_value=opt_v, option_se=opt_se,
            refund_count_pmf=frozen(self.refund_counts / n),
            mean_flows={k: frozen(v / n) for k, v in self.flow_sum.items()},
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
    plan = plan_blocks(design.cohort.cohort_size, n_paths, chunk_size)
    stats = _Stats(design, plan, alpha, n_bins)
    done = 0
    for blocks, seqs in chunks(plan, seed):
        sim = _simulate_chunk(design, blocks, seqs)
        start = 0
        for _, nsb in blocks:  # reduce per block so sums do not depend on the chunking
            stats.add(sim, slice(start, start + nsb))
            start += nsb
        done += start
        if progress is not None:
            progress(done / plan.n_scenarios)
    return stats.result(plan, seed, levels)
