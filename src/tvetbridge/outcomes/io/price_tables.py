"""The exchange-rate and consumer-price tables shipped with the platform, and their installation.

``money.PriceTables`` reads the editable tables; this module fills them from the files in
``outcomes/data/`` (a migration and the demo call it). Rows people have edited are never overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from ..money import CPI_SOURCE_KEY, DATA_DIR, FX_SOURCE_KEY


def shipped_exchange_rates() -> list[tuple[str, dt.date, Decimal, str]]:
    with open(DATA_DIR / "exchange_rates.csv", encoding="utf-8") as f:
        return [(r["currency"], dt.date(int(r["year"]), 7, 1), Decimal(r["per_usd"]), r["note"])
                for r in csv.DictReader(f)]


def shipped_cpi() -> list[tuple[str, int, Decimal]]:
    with open(DATA_DIR / "cpi_inflation.csv", encoding="utf-8") as f:
        return [(r["country"], int(r["year"]), Decimal(r["inflation_pct"])) for r in csv.DictReader(f)]


def install_shipped_tables(ExchangeRate, CpiIndex, Source) -> tuple[int, int]:
    """Insert shipped rows that are missing; edited rows are never overwritten. Takes the model
    classes so a migration can pass its historical models."""
    fx_source, _c = Source.objects.get_or_create(key=FX_SOURCE_KEY, defaults={
        "title": "Annual average exchange rates per US dollar (IMF IFS / national banks), curated by TVET Bridge",
        "publisher": "TVET Bridge (curated from IMF and national bank publications)",
        "document": "outcomes/data/exchange_rates.csv", "locator": "annual averages 2015–2025"})
    cpi_source, _c = Source.objects.get_or_create(key=CPI_SOURCE_KEY, defaults={
        "title": "Inflation, consumer prices (annual %), FP.CPI.TOTL.ZG",
        "publisher": "World Bank, World Development Indicators",
        "document": "outcomes/data/cpi_inflation.csv", "locator": "CN, KZ, UZ, TJ, KG, RU, US",
        "url": "https://data.worldbank.org/indicator/FP.CPI.TOTL.ZG"})
    have = set(ExchangeRate.objects.values_list("currency", "date"))
    rates = [ExchangeRate(currency=c, date=d, per_usd=v, source=fx_source)
             for c, d, v, _note in shipped_exchange_rates() if (c, d) not in have]
    ExchangeRate.objects.bulk_create(rates)
    have_cpi = set(CpiIndex.objects.values_list("country_code", "year"))
    cpis = [CpiIndex(country_code=c, year=y, inflation_pct=v, source=cpi_source)
            for c, y, v in shipped_cpi() if (c, y) not in have_cpi]
    CpiIndex.objects.bulk_create(cpis)
    return len(rates), len(cpis)
