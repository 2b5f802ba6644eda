"""Streaming statistics: exact empirical VaR/ES from a kept tail, and per-month histograms.

Both take values block by block and give the same answer for any chunking of the blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .results import TailRisk


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


class MonthlyHistogram:
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
                    assert self.lo is not None  # a count above the lowest bin means the bins are set
                    before = cum[b - 1]
                    frac = (target - before) / c[j, b] if c[j, b] else 0.0
                    v = self.lo[j] + (b - 1 + frac) * self.width[j]
                out[i, j] = min(max(v, self.mn[j]), self.mx[j])
        return out
