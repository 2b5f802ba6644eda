"""Finance engines: funding instruments, the fund's Monte Carlo simulation and closed forms to check it.

Pure NumPy/SciPy; no Django (import-linter keeps it so). The public names are re-exported here;
the modules are:

- ``instruments``: the terms of a fund (cohort assumptions, floor, profit share, orders, option,
  loan, sponsors) as validated frozen records;
- ``montecarlo``: ``simulate_fund``, the cohort and fund simulation, streamed block by block;
- ``draws``: the block plan and the random numbers each block draws;
- ``accumulators``: streaming VaR/ES and per-month histograms;
- ``results``: the result records;
- ``analysis``: option price, break-even profit share, tornado;
- ``closedform``: Black–Scholes, ruin probabilities and other closed forms the tests check against.
"""

from .analysis import METRICS, TORNADO_ASSUMPTIONS, break_even_share_rate, price_option, tornado
from .instruments import (
    CURRENCY_CODES,
    CohortAssumptions,
    ConcessionalLoan,
    FundDesign,
    IncomeFloor,
    OrderCommitment,
    ProfitShare,
    SkillOption,
    Sponsors,
)
from .montecarlo import PARTIES, simulate_fund
from .results import BreakEven, FundResult, PartyReturn, TailRisk, Tornado, TornadoRow

__all__ = [
    "CURRENCY_CODES",
    "METRICS",
    "PARTIES",
    "TORNADO_ASSUMPTIONS",
    "BreakEven",
    "CohortAssumptions",
    "ConcessionalLoan",
    "FundDesign",
    "FundResult",
    "IncomeFloor",
    "OrderCommitment",
    "PartyReturn",
    "ProfitShare",
    "SkillOption",
    "Sponsors",
    "TailRisk",
    "Tornado",
    "TornadoRow",
    "break_even_share_rate",
    "price_option",
    "simulate_fund",
    "tornado",
]
