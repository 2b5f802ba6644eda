"""Reporting periods: a year ("2026") or a quarter ("2026-Q3").

One parser for forms, API, CSV uploads, the scheduler and reports, so a period means the same
thing everywhere. Pure Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*-?\s*[Qq]([1-4]))?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int | None = None  # None = the whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(str(text or ""))
        if not match:
            raise ValueError(f"{text!r} is not a period: write a year (2026) or a quarter (2026-Q3)")
        year = int(match.group(1))
        if not 1900 <= year <= 2200:
            raise ValueError(f"{text!r}: year out of range")
        return cls(year, int(match.group(2)) if match.group(2) else None)

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def last_quarter(self) -> Period:
        """The quarter that closes this period (itself for a quarter)."""
        return self if self.quarter is not None else Period(self.year, 4)

    def quarters(self) -> list[Period]:
        return [self] if self.quarter is not None else [Period(self.year, q) for q in (1, 2, 3, 4)]

    def is_future(self, today: dt.date) -> bool:
        """A period that has not begun yet cannot have an observed value."""
        return self.start > today
