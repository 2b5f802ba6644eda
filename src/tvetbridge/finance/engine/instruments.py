"""Terms of the funding instruments, as validated frozen dataclasses (pure Python, no Django).

Units: amounts that the trainee earns or pays (income, fees, floor, threshold) are in the *local*
currency per month; amounts the fund, enterprises, investors and sponsors deal in are in the *fund*
currency. Rates are annual and continuously compounded unless named ``monthly_*``. Months are counted
from the cohort's start (month 0 = enrolment; month t = end of the t-th month).

Every constructor raises ``ValueError`` naming the offending field, so forms and imports can attach
the message to the right input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Kept here rather than imported from core.models: the engine must stay importable without Django.
CURRENCY_CODES = frozenset({"CNY", "KZT", "UZS", "TJS", "KGS", "TMT", "RUB", "USD", "EUR"})


def _fail(name: str, message: str) -> None:
    raise ValueError(f"{name}: {message}")


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(name, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        _fail(name, f"must be finite, got {value!r}")
    return float(value)


def _nonneg(name: str, value: float) -> float:
    v = _finite(name, value)
    if v < 0:
        _fail(name, f"must not be negative, got {value!r}")
    return v


def _positive(name: str, value: float) -> float:
    v = _finite(name, value)
    if v <= 0:
        _fail(name, f"must be positive, got {value!r}")
    return v


def _probability(name: str, value: float) -> float:
    v = _finite(name, value)
    if not 0.0 <= v <= 1.0:
        _fail(name, f"must be between 0 and 1 (0% and 100%), got {value!r}")
    return v


def _months(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, f"must be a whole number of months, got {value!r}")
    if value < minimum:
        _fail(name, f"must be at least {minimum}, got {value!r}")
    return value


def _currency(name: str, value: str) -> str:
    if not isinstance(value, str) or value not in CURRENCY_CODES:
        _fail(name, f"unknown currency {value!r}; expected one of {', '.join(sorted(CURRENCY_CODES))}")
    return value


@dataclass(frozen=True)
class CohortAssumptions:
    """What we believe about the trainees and their environment (the tornado varies these)."""

    cohort_size: int = 500
    training_months: int = 6
    monthly_dropout: float = 0.01
    monthly_employment_hazard: float = 0.25
    # Migration abroad or plain default: the trainee stops paying (and stops being topped up).
    monthly_default_hazard: float = 0.005
    baseline_income: float = 150_000.0
    expected_gain: float = 60_000.0
    # Standard error of expected_gain (local): how unsure we are of the *average* gain itself, e.g. an
    # impact estimate's. Each scenario draws its own average gain; 0 = the average is known.
    gain_uncertainty: float = 0.0
    gain_dispersion: float = 0.4
    income_volatility: float = 0.15
    wage_drift: float = 0.05
    wage_volatility: float = 0.05
    local_currency: str = "KZT"
    fund_currency: str = "CNY"
    fx_rate: float = 70.0
    fx_drift: float = 0.0
    fx_volatility: float = 0.10
    disruption_probability: float = 0.005
    disruption_months: int = 3
    discount_rate: float = 0.05
    horizon_months: int = 60

    def __post_init__(self) -> None:
        _months("cohort_size", self.cohort_size, minimum=1)
        _months("training_months", self.training_months)
        _months("horizon_months", self.horizon_months, minimum=1)
        if self.training_months >= self.horizon_months:
            _fail("training_months", "training must end before the horizon")
        for name in ("monthly_dropout", "monthly_employment_hazard", "monthly_default_hazard",
                     "disruption_probability"):
            _probability(name, getattr(self, name))
        for name in ("baseline_income", "gain_uncertainty", "gain_dispersion", "income_volatility",
                     "wage_volatility", "fx_volatility"):
            _nonneg(name, getattr(self, name))
        _positive("expected_gain", self.expected_gain)
        _positive("fx_rate", self.fx_rate)
        for name in ("wage_drift", "fx_drift", "discount_rate"):
            _finite(name, getattr(self, name))
        _months("disruption_months", self.disruption_months, minimum=1)
        _currency("local_currency", self.local_currency)
        _currency("fund_currency", self.fund_currency)


@dataclass(frozen=True)
class IncomeFloor:
    """Risk bottoming-up: a refund if not employed in time, and/or a top-up of low incomes."""

    refund_amount: float = 0.0            # local, paid once to a graduate still jobless after N months
    refund_after_months: int = 6          # N, counted from the end of training
    floor_income: float = 0.0             # local per month; employed income below it is topped up
    topup_months: int = 0                 # how many months of employment the top-up covers

    def __post_init__(self) -> None:
        _nonneg("refund_amount", self.refund_amount)
        _months("refund_after_months", self.refund_after_months, minimum=1)
        _nonneg("floor_income", self.floor_income)
        _months("topup_months", self.topup_months)


@dataclass(frozen=True)
class ProfitShare:
    """A share of the income gain, collected only in months when the gain exceeds the threshold."""

    rate: float = 0.10                    # s, a fraction (0.10 = 10%)
    threshold: float = 0.0                # local monthly gain below (or at) which the month is waived
    months: int = 36                      # M months from the first month of employment
    cap_multiple: float = 2.0             # total paid ≤ cap_multiple × training cost (at the start FX rate)

    def __post_init__(self) -> None:
        _probability("rate", self.rate)
        _nonneg("threshold", self.threshold)
        _months("months", self.months, minimum=1)
        _positive("cap_multiple", self.cap_multiple)


@dataclass(frozen=True)
class OrderCommitment:
    """An enterprise pays the fund per graduate it hires; optionally part of it up front."""

    price_per_hire: float = 3_000.0       # fund currency
    hire_probability: float = 0.5         # chance that an employed graduate is hired by this enterprise
    upfront_share: float = 0.0            # fraction of committed_hires × price paid at month 0
    committed_hires: int = 0              # per cohort
    value_per_hire: float = 5_000.0       # fund currency; what a hire is worth to the enterprise

    def __post_init__(self) -> None:
        _nonneg("price_per_hire", self.price_per_hire)
        _probability("hire_probability", self.hire_probability)
        _probability("upfront_share", self.upfront_share)
        _months("committed_hires", self.committed_hires)
        _nonneg("value_per_hire", self.value_per_hire)


@dataclass(frozen=True)
class SkillOption:
    """An investor's claim on the cohort's average monthly income gain (fund currency) at maturity.

    Payoff = notional × max(A − strike, 0) for a call (× max(strike − A, 0) for a put), at most
    ``cap`` when given, where A is the cohort's average gain per enrolled trainee in the maturity month.
    The fund pays the payoff and receives ``premium`` at ``start_month``.
    """

    strike: float = 800.0
    maturity_month: int = 24
    start_month: int = 0
    kind: str = "call"
    cap: float | None = None
    notional: float = 1.0
    premium: float = 0.0

    def __post_init__(self) -> None:
        _nonneg("strike", self.strike)
        _months("start_month", self.start_month)
        _months("maturity_month", self.maturity_month, minimum=1)
        if self.maturity_month <= self.start_month:
            _fail("maturity_month", f"maturity ({self.maturity_month}) must be after the start "
                                    f"({self.start_month})")
        if self.kind not in ("call", "put"):
            _fail("kind", f"must be 'call' or 'put', got {self.kind!r}")
        if self.cap is not None:
            _positive("cap", self.cap)
        _positive("notional", self.notional)
        _nonneg("premium", self.premium)


@dataclass(frozen=True)
class ConcessionalLoan:
    """A policy-bank loan drawn at month 0: interest-only during the grace period, then an annuity."""

    principal: float = 0.0
    annual_rate: float = 0.02             # nominal, paid monthly (rate / 12 per month)
    grace_months: int = 12
    term_months: int = 120

    def __post_init__(self) -> None:
        _nonneg("principal", self.principal)
        _nonneg("annual_rate", self.annual_rate)
        _months("grace_months", self.grace_months)
        _months("term_months", self.term_months, minimum=1)
        if self.grace_months >= self.term_months:
            _fail("grace_months", "the grace period must be shorter than the term")

    def schedule(self) -> list[float]:
        """Payments in months 1..term (fund currency)."""
        i = self.annual_rate / 12.0
        n = self.term_months - self.grace_months
        interest_only = [self.principal * i] * self.grace_months
        if i == 0.0:
            annuity = self.principal / n
        else:
            annuity = self.principal * i / (1.0 - (1.0 + i) ** (-n))
        return interest_only + [annuity] * n


@dataclass(frozen=True)
class Sponsors:
    """Who puts money in at the start: capital, a grant, a loan; and the fee/cost per trainee."""

    initial_capital: float = 0.0          # the fund's own money (fund currency)
    grant: float = 0.0                    # government grant at month 0 (fund currency)
    loan: ConcessionalLoan = field(default_factory=ConcessionalLoan)
    trainee_fee: float = 0.0              # local, paid by each enrolled trainee at month 0
    training_cost: float = 2_000.0        # fund currency per enrolled trainee, paid at month 0

    def __post_init__(self) -> None:
        _nonneg("initial_capital", self.initial_capital)
        _nonneg("grant", self.grant)
        if not isinstance(self.loan, ConcessionalLoan):
            _fail("loan", "must be a ConcessionalLoan")
        _nonneg("trainee_fee", self.trainee_fee)
        _nonneg("training_cost", self.training_cost)


@dataclass(frozen=True)
class FundDesign:
    """One fund design: the cohort assumptions plus whichever instruments it uses."""

    cohort: CohortAssumptions = field(default_factory=CohortAssumptions)
    sponsors: Sponsors = field(default_factory=Sponsors)
    floor: IncomeFloor | None = None
    share: ProfitShare | None = None
    order: OrderCommitment | None = None
    option: SkillOption | None = None

    def __post_init__(self) -> None:
        checks = (("cohort", CohortAssumptions, False), ("sponsors", Sponsors, False),
                  ("floor", IncomeFloor, True), ("share", ProfitShare, True),
                  ("order", OrderCommitment, True), ("option", SkillOption, True))
        for name, cls, optional in checks:
            value = getattr(self, name)
            if value is None and optional:
                continue
            if not isinstance(value, cls):
                _fail(name, f"must be a {cls.__name__}")
        if self.option is not None and self.option.maturity_month > self.cohort.horizon_months:
            _fail("option.maturity_month", "maturity must fall within the simulation horizon")
