"""The results-chain funnel as a static SVG (altair → vl-convert), like the web app's charts.

Okabe–Ito colours stay distinct under common colour-vision deficiencies; each bar is also labelled
with its number, so colour is never the only cue.
"""

from __future__ import annotations

import altair as alt
import vl_convert

BLUE, SKY, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#56B4E9", "#E69F00", "#009E73", "#D55E00", "#999999"
FONT = "Noto Sans, Noto Sans CJK SC, DejaVu Sans, Arial, sans-serif"


def funnel_svg(steps: list[dict], *, title: str, count_label: str) -> str:
    rows = [{"step": s["label"], "count": s["count"] or 0, "order": i,
             "shown": ("<5" if s["suppressed"] else "—" if s["count"] is None else f"{s['count']:,}")}
            for i, s in enumerate(steps)]
    order = [r["step"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("step:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFontSize=12)),
        x=alt.X("count:Q", title=count_label, axis=alt.Axis(format="~s")),
    )
    bars = base.mark_bar(height=22).encode(
        color=alt.Color("step:N", sort=order, legend=None,
                        scale=alt.Scale(domain=order, range=[GREY, BLUE, SKY, GREEN, ORANGE, VERMILION])))
    text = base.mark_text(align="left", dx=4, fontSize=12, color="#222").encode(text="shown:N")
    chart = (bars + text).properties(width=460, height=34 * len(rows), title=title).configure(
        font=FONT).configure_view(stroke=None)
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return svg.strip()
