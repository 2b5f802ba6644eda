"""Trend charts of yearly series as small server-rendered SVG line charts (no script, no web font):
pure functions of years and values; a missing or withheld year is a gap in the line, never a zero."""

from __future__ import annotations

from html import escape


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    out: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for p in points:
        if p is None:
            if run:
                out.append(run)
            run = []
        else:
            run.append(p)
    if run:
        out.append(run)
    return out


def line_svg(years: list[int], values: list[float | None], *, title: str, width: int = 320, height: int = 120,
             colour: str = "#0072B2", axis: bool = True) -> str:
    """A line chart of ``values`` over ``years`` with the first and last year and the range labelled."""
    known = [v for v in values if v is not None]
    pad_l, pad_r, pad_t, pad_b = (44, 18, 10, 20) if axis else (2, 2, 2, 2)
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    if not years or not known:
        parts.append("</svg>")
        return "".join(parts)
    lo, hi = min(0.0, min(known)), max(known)
    span = (hi - lo) or 1.0
    n = len(years)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad_l + (w * i / (n - 1) if n > 1 else w / 2)
        return round(x, 1), round(pad_t + h - (v - lo) / span * h, 1)

    if axis:
        parts.append(f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="#888" '
                     f'stroke-width="1"/>')
        for value, ty in ((hi, pad_t), (lo, pad_t + h)):
            parts.append(f'<text x="{pad_l - 4}" y="{ty + 4}" font-size="10" text-anchor="end" '
                         f'fill="#555">{value:,.0f}</text>')
        for i in sorted({0, n - 1}):
            x, _y = xy(i, lo)
            parts.append(f'<text x="{x}" y="{height - 5}" font-size="10" text-anchor="middle" '
                         f'fill="#555">{years[i]}</text>')
    pts = [xy(i, v) if v is not None else None for i, v in enumerate(values)]
    for run in _segments(pts):
        if len(run) == 1:
            x, y = run[0]
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
        else:
            coords = " ".join(f"{x},{y}" for x, y in run)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)
