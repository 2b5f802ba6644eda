"""Report charts: Vega-Lite specs built with altair, rendered to static SVG by vl-convert.

Okabe–Ito colours (distinguishable under the common colour-vision deficiencies), and in line charts a
different point shape per series, so no chart relies on colour alone. Dark text on white with light
grid lines prints legibly in greyscale. Text stays text in the SVG, so WeasyPrint sets it with the
report's fonts (CJK and Kazakh Cyrillic included).
"""

from __future__ import annotations

import altair as alt
import vl_convert

# Okabe–Ito without its yellow, which fades to nothing on white paper; black takes its place.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#999999"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "stroke"]
FONT = "DejaVu Sans, Noto Sans CJK SC, sans-serif"
CJK_FONT = "Noto Sans CJK SC, DejaVu Sans, sans-serif"
INK = "#222222"
WIDTH = 440


def _config(chart: alt.TopLevelMixin, font: str) -> alt.TopLevelMixin:
    return (chart.configure(font=font, background="white")
            .configure_axis(labelColor=INK, titleColor=INK, gridColor="#dddddd", labelFontSize=10, titleFontSize=10,
                            labelLimit=220)
            .configure_legend(labelColor=INK, titleColor=INK, labelFontSize=10, titleFontSize=10, orient="bottom",
                              labelLimit=260)
            .configure_view(stroke=None))


def _svg(chart, language: str) -> str:
    spec = _config(chart, CJK_FONT if language.startswith("zh") else FONT).to_dict()
    return vl_convert.vegalite_to_svg(spec)


def interval_chart(rows: list[dict], *, title_x: str, language: str) -> str:
    """One row per country: a point at the score and a bar over its 5-95 % interval (0-10 scale)."""
    if not rows:
        return ""
    data = alt.Data(values=rows)
    order = [r["label"] for r in sorted(rows, key=lambda r: -(r["score"] or 0))]
    y = alt.Y("label:N", sort=order, title=None)
    x_scale = alt.Scale(domain=[0, 10])
    band = alt.Chart(data).mark_rule(strokeWidth=7, color="#9ecae1").encode(
        y=y, x=alt.X("low:Q", scale=x_scale, title=title_x), x2="high:Q")
    point = alt.Chart(data).mark_point(filled=True, size=70, shape="diamond", color=OKABE_ITO[0]).encode(
        y=y, x=alt.X("score:Q", scale=x_scale))
    text = alt.Chart(data).mark_text(align="left", dx=6, dy=-9, fontSize=9, color=INK).encode(
        y=y, x="score:Q", text="text:N")
    return _svg((band + point + text).properties(width=WIDTH, height=max(60, 26 * len(rows))), language)


def grouped_bars(rows: list[dict], *, series_title: str, value_title: str, language: str,
                 domain: tuple[float, float] | None = None) -> str:
    """rows: {label, series, value}; bars grouped by label, one Okabe–Ito colour per series."""
    if not rows:
        return ""
    series = list(dict.fromkeys(r["series"] for r in rows))
    scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(r["label"] for r in rows))),
        yOffset=alt.YOffset("series:N", sort=series),
        x=alt.X("value:Q", title=value_title, scale=scale),
        color=alt.Color("series:N", sort=series, title=series_title,
                        scale=alt.Scale(domain=series, range=OKABE_ITO[:len(series)])),
    ).properties(width=WIDTH, height=alt.Step(9))
    return _svg(chart, language)


def integer_ticks(top: float, count: int = 5) -> list[int]:
    """At most ``count`` + 1 whole-number ticks from 0 past ``top``: counts have no halves, and a "d"
    format alone labels an axis of 0, 0.5, 1 as "0 1 1"."""
    step = max(1, -(-int(top) // count))
    return list(range(0, int(top) + step, step))


def bars(rows: list[dict], *, value_title: str, language: str) -> str:
    """rows: {label, value, optional text}; horizontal bars, largest first, the text (by default the
    value) printed at the bar's end."""
    rows = [{**r, "text": r.get("text") or f"{r['value']:,}"} for r in rows if r["value"]]
    if not rows:
        return ""
    order = [r["label"] for r in sorted(rows, key=lambda r: -r["value"])]
    ticks = integer_ticks(max(r["value"] for r in rows))
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("label:N", sort=order, title=None),
                                                   x=alt.X("value:Q", title=value_title,
                                                           scale=alt.Scale(domain=[0, ticks[-1]]),
                                                           # Each bar prints its value: a sparse axis
                                                           # without grid reads as well and is half the
                                                           # SVG for the PDF to typeset.
                                                           axis=alt.Axis(values=ticks, format="d", grid=False)))
    chart = base.mark_bar(color=OKABE_ITO[0]) + base.mark_text(align="left", dx=3, fontSize=9, color=INK).encode(
        text="text:N")
    return _svg(chart.properties(width=WIDTH, height=max(50, 18 * len(rows))), language)


def trend_lines(rows: list[dict], *, value_title: str, series_title: str, language: str) -> str:
    """rows: {period, series, value}; one line per series with its own colour and point shape."""
    if not rows:
        return ""
    series = list(dict.fromkeys(r["series"] for r in rows))
    n = len(series)
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(domain=[0, 10])),
        color=alt.Color("series:N", title=series_title, sort=series,
                        scale=alt.Scale(domain=series, range=(OKABE_ITO * 2)[:n])),
    )
    chart = base.mark_line(strokeWidth=1.6) + base.mark_point(size=45, filled=True).encode(
        shape=alt.Shape("series:N", sort=series, title=series_title,
                        scale=alt.Scale(domain=series, range=(SHAPES * 2)[:n])))
    return _svg(chart.properties(width=WIDTH, height=200), language)
