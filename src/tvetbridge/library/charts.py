"""Usage charts as static SVG (altair → vl-convert), drawn on the server like the other apps' charts:
learning hours per row of the usage table, withheld cells left out and said so."""

from __future__ import annotations

import altair as alt
import vl_convert
from django.utils.translation import gettext as _

BLUE = "#0072B2"
FONT = "Noto Sans, Noto Sans CJK SC, DejaVu Sans, Arial, sans-serif"


def usage_chart(table, *, top: int = 15) -> str:
    rows = [{"label": str(r["name"])[:60], "hours": round(r["hours"], 1)} for r in table.rows
            if not r["withheld"] and r["hours"] is not None][:top]
    if not rows:
        return ""
    order = [r["label"] for r in rows] if table.dimension != "month" else sorted(r["label"] for r in rows)
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300, labelFontSize=12)),
        x=alt.X("hours:Q", title=_("learning hours")))
    chart = (base.mark_bar(height=18, color=BLUE) + base.mark_text(align="left", dx=4, fontSize=11).encode(
        text="hours:Q")).properties(width=460, height=26 * len(rows)).configure(font=FONT).configure_view(stroke=None)
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg.split("?>", 1)[1].strip() if svg.startswith("<?xml") else svg.strip()
