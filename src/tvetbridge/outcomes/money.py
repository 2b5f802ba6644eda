"""Money on a common basis: local-currency incomes and costs converted through the editable
exchange-rate table (``core.ExchangeRate``, units per USD) and consumer-price table
(``outcomes.CpiIndex``), always with a statement of the basis.

Two bases:

* **nominal** — the amount converted at the average rate of its own year;
* **real, prices of base year B** — the amount is first deflated with its own country's CPI to B
  prices, then converted at B's rate. Deflating in local currency before converting keeps exchange
  rate swings (e.g. the 2015–2017 devaluations in Kazakhstan and Uzbekistan) from being read as
  income changes. Currencies without a CPI series (TMT, EUR) are converted to USD at their own
  year's rate and deflated with the US CPI instead; the basis note says so.

Conversion is vectorised: a (currency × year) factor table is built once and looked up with NumPy,
so a million incomes convert in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_YEAR, LAST_YEAR = 1995, 2035
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)
CURRENCY_COUNTRY = {"CNY": "CN", "KZT": "KZ", "UZS": "UZ", "TJS": "TJ", "KGS": "KG", "TMT": "TM",
                    "RUB": "RU", "USD": "US"}
CURRENCY_ORDER = ("CNY", "KZT", "UZS", "TJS", "KGS", "TMT", "RUB", "USD", "EUR")
FX_SOURCE_KEY = "tvetbridge-fx-annual"
CPI_SOURCE_KEY = "wdi-cpi-inflation"


class ConversionError(ValueError):
    pass


@dataclass(frozen=True)
class Basis:
    currency: str = "USD"
    real: bool = True
    base_year: int = 2024

    def label(self) -> str:
        if self.real:
            return _("%(currency)s at %(year)s prices (real)") % {"currency": self.currency, "year": self.base_year}
        return _("%(currency)s, nominal (each year at its own average rate)") % {"currency": self.currency}

    @property
    def key(self) -> str:
        return f"{self.currency}-{'real' if self.real else 'nominal'}-{self.base_year}"

    @classmethod
    def from_params(cls, params, default_year: int | None = None) -> Basis:
        currency = str(params.get("currency") or "USD").upper()
        if currency not in CURRENCY_ORDER:
            currency = "USD"
        real = str(params.get("prices") or "real") != "nominal"
        try:
            year = int(params.get("base_year") or default_year or 2024)
        except (TypeError, ValueError):
            year = default_year or 2024
        year = min(max(year, 2000), LAST_YEAR)
        return cls(currency, real, year)


@dataclass
class PriceTables:
    """Rates per USD and CPI levels on the year grid, with gaps filled from the nearest year."""

    per_usd: dict[str, np.ndarray]
    cpi_level: dict[str, np.ndarray]  # country code -> price level (arbitrary base)
    extended: dict[str, set[int]] = field(default_factory=dict)  # currency -> years filled in

    @classmethod
    def from_rows(cls, rate_rows, cpi_rows) -> PriceTables:
        sums: dict[str, dict[int, list[float]]] = {}
        for currency, date, per_usd in rate_rows:
            sums.setdefault(currency, {}).setdefault(date.year, []).append(float(per_usd))
        per_usd, extended = {}, {}
        for currency, years in sums.items():
            known = {y: float(np.mean(v)) for y, v in years.items()}
            per_usd[currency], extended[currency] = _fill(known)
        per_usd["USD"] = np.ones(YEARS.size)
        extended["USD"] = set()
        inflation: dict[str, dict[int, float]] = {}
        for country, year, pct in cpi_rows:
            inflation.setdefault(country, {})[int(year)] = float(pct)
        cpi_level = {}
        for country, known in inflation.items():
            rates, filled = _fill(known)
            level = np.cumprod(1.0 + rates / 100.0)
            cpi_level[country] = level
            for currency, c in CURRENCY_COUNTRY.items():
                if c == country:
                    extended.setdefault(currency, set()).update(filled)
        return cls(per_usd, cpi_level, extended)

    @classmethod
    def load(cls) -> PriceTables:
        from tvetbridge.core.models import ExchangeRate

        from .models import CpiIndex

        return cls.from_rows(ExchangeRate.objects.values_list("currency", "date", "per_usd"),
                             CpiIndex.objects.values_list("country_code", "year", "inflation_pct"))

    # --- lookups -------------------------------------------------------------------------------
    def _idx(self, year: int) -> int:
        return int(min(max(year, FIRST_YEAR), LAST_YEAR) - FIRST_YEAR)

    def rate(self, currency: str, year: int) -> float:
        if currency not in self.per_usd:
            raise ConversionError(_("No exchange rate for %(currency)s.") % {"currency": currency})
        return float(self.per_usd[currency][self._idx(year)])

    def has_cpi(self, currency: str) -> bool:
        return CURRENCY_COUNTRY.get(currency) in self.cpi_level

    def factors(self, basis: Basis) -> tuple[np.ndarray, list[dict]]:
        """Multiplier table (currency index × year index) from local amount to the basis, and
        notes on fallbacks used (as facts: ``impact_text.money_note`` words them)."""
        table = np.full((len(CURRENCY_ORDER), YEARS.size), np.nan)
        notes: list[dict] = []
        if basis.currency not in self.per_usd:
            raise ConversionError(_("No exchange rate for %(currency)s.") % {"currency": basis.currency})
        target = self.per_usd[basis.currency]
        b = self._idx(basis.base_year)
        us = self.cpi_level.get("US")
        for i, currency in enumerate(CURRENCY_ORDER):
            if currency not in self.per_usd:
                continue
            local = self.per_usd[currency]
            if not basis.real:
                table[i] = target / local
                continue
            country = CURRENCY_COUNTRY.get(currency)
            if country in self.cpi_level:
                level = self.cpi_level[country]
                table[i] = (level[b] / level) * (target[b] / local[b])
            elif us is not None:
                table[i] = (1.0 / local) * (us[b] / us) * target[b]
                notes.append({"code": "no_cpi", "currency": currency})
        return table, notes

    def convert(self, amounts, currencies, years, basis: Basis) -> np.ndarray:
        """Vectorised conversion. ``currencies`` are codes; unknown codes raise ConversionError."""
        amounts = np.asarray(amounts, dtype=np.float64)
        codes = np.asarray(currencies)
        if amounts.size == 0:
            return amounts
        table, _notes = self.factors(basis)
        lookup = {c: i for i, c in enumerate(CURRENCY_ORDER)}
        uniq, inverse = np.unique(codes, return_inverse=True)
        missing = [str(c) for c in uniq if c not in lookup or np.isnan(table[lookup[c]]).all()]
        if missing:
            raise ConversionError(_("No exchange rate for %(currency)s.") % {"currency": ", ".join(missing)})
        cur_idx = np.array([lookup[c] for c in uniq])[inverse]
        year_idx = np.clip(np.asarray(years, dtype=np.int64), FIRST_YEAR, LAST_YEAR) - FIRST_YEAR
        return amounts * table[cur_idx, year_idx]

    def convert_one(self, amount, currency: str, year: int, basis: Basis) -> float:
        return float(self.convert([float(amount)], [currency], [year], basis)[0])

    def notes(self, basis: Basis, currencies) -> list[dict]:
        wanted = set(currencies)
        _table, fallbacks = self.factors(basis)
        out = [n for n in fallbacks if n["currency"] in wanted]
        for currency in sorted(wanted):
            years = sorted(self.extended.get(currency, ()))
            if basis.real and years and currency in self.per_usd:
                out.append({"code": "carried_over", "currency": currency})
        return out


def _fill(known: dict[int, float]) -> tuple[np.ndarray, set[int]]:
    years = np.array(sorted(known))
    values = np.array([known[y] for y in years])
    idx = np.searchsorted(years, YEARS).clip(0, years.size - 1)
    left = (idx - 1).clip(0)
    nearest = np.where(np.abs(years[left] - YEARS) <= np.abs(years[idx] - YEARS), left, idx)
    out = values[nearest]
    filled = {int(y) for y in YEARS if int(y) not in known}
    return out, filled


def load_tables() -> PriceTables:
    return PriceTables.load()


def money_text(value: float | None, basis: Basis) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:,.0f} {basis.currency}"
