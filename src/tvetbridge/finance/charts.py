"""Designer charts: Vega-Lite specs built with altair, rendered server-side to SVG by vl-convert.

Okabe–Ito colours (safe under the common colour-vision deficiencies); series also differ by dash or
shape, and bands are labelled, so no chart relies on colour alone. Pages need no JavaScript library.
"""

from __future__ import annotations

import altair as alt
import vl_convert
from django.utils.translation import get_language
from django.utils.translation import gettext as _

BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7"
OKABE_ITO = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, "#000000"]
FONT = "Noto Sans, DejaVu Sans, Noto Sans CJK SC, sans-serif"
CJK_FONT = "Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif"
INK = "#1d2329"
WIDTH, HEIGHT = 460, 220


def _svg(chart) -> str:
    font = CJK_FONT if (get_language() or "").startswith("zh") else FONT
    chart = (chart.configure(font=font, background="white")
             .configure_axis(labelColor=INK, titleColor=INK, gridColor="#e3e7eb", labelFontSize=11, titleFontSize=11,
                             labelLimit=260)
             .configure_legend(labelColor=INK, titleColor=INK, labelFontSize=11, titleFontSize=11, orient="bottom",
                               labelLimit=300)
             .configure_view(stroke=None))
    return vl_convert.vegalite_to_svg(chart.to_dict())


def solvency(result: dict) -> str:
    """Fund balance over time: 5–95% and 25–75% bands of scenarios, median and mean."""
    q = result["quantiles"]
    rows = [{"month": m, "q05": q["0.05"][i], "q95": q["0.95"][i], "q25": q["0.25"][i], "q75": q["0.75"][i],
             "median": q["0.5"][i], "mean": result["balance_mean"][i]} for i, m in enumerate(result["months"])]
    data = alt.Data(values=rows)
    x = alt.X("month:Q", title=_("Month"), scale=alt.Scale(nice=False))
    y_title = _("Fund balance (%(currency)s)") % {"currency": result["currency"]}
    outer = alt.Chart(data).mark_area(color=SKY, opacity=0.35).encode(x=x, y=alt.Y("q05:Q", title=y_title), y2="q95:Q")
    inner = alt.Chart(data).mark_area(color=BLUE, opacity=0.35).encode(x=x, y="q25:Q", y2="q75:Q")
    median, mean = _("median"), _("mean")
    series = [{"month": r["month"], "label": label, "value": r[key]}
              for r in rows for key, label in (("median", median), ("mean", mean))]
    lines = alt.Chart(alt.Data(values=series)).mark_line(strokeWidth=2).encode(
        x=x, y="value:Q",
        color=alt.Color("label:N", title=_("Balance"), sort=[median, mean], scale=alt.Scale(range=[BLUE, VERMILION])),
        strokeDash=alt.StrokeDash("label:N", sort=[median, mean], legend=None,
                                  scale=alt.Scale(range=[[1, 0], [5, 3]])))
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color=INK, strokeDash=[2, 2]).encode(y="y:Q")
    return _svg((outer + inner + lines + zero).properties(width=WIDTH, height=HEIGHT))


def ruin(result: dict) -> str:
    """Probability the fund has run out of money by each month, with the named horizons marked."""
    rows = [{"month": m, "p": p} for m, p in zip(result["months"], result["ruin"], strict=True)]
    marks = [{"month": r["months"], "p": r["p"]} for r in result["ruin_by_horizon"]]
    x = alt.X("month:Q", title=_("Month"), scale=alt.Scale(nice=False))
    y = alt.Y("p:Q", title=_("Probability of ruin"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    line = alt.Chart(alt.Data(values=rows)).mark_line(color=VERMILION, strokeWidth=2, interpolate="step-after").encode(x=x, y=y)
    points = alt.Chart(alt.Data(values=marks)).mark_point(filled=True, size=50, color=INK, shape="diamond").encode(x=x, y=y)
    return _svg((line + points).properties(width=WIDTH, height=HEIGHT))


def refunds(result: dict) -> str:
    """Distribution of the number of floor refunds per cohort (share of scenarios)."""
    rows = [{"k": k, "p": p} for k, p in enumerate(result["refund_pmf"]) if p]
    if not rows:
        return ""
    return _svg(alt.Chart(alt.Data(values=rows)).mark_bar(color=GREEN).encode(
        x=alt.X("k:Q", title=_("Refunds paid in a cohort")),
        y=alt.Y("p:Q", title=_("Share of scenarios"), axis=alt.Axis(format="%"))).properties(width=WIDTH, height=HEIGHT))


def tornado(result: dict, labels: dict) -> str:
    """Change of the fund's NPV when each assumption moves by ±10%, widest swing on top."""
    t = result.get("tornado")
    if not t or not t["rows"]:
        return ""
    base = t["base"] or 0.0
    low, high = _("assumption −%(p)s%%") % {"p": round(t["rel_change"] * 100)}, \
        _("assumption +%(p)s%%") % {"p": round(t["rel_change"] * 100)}
    rows = []
    order = []
    for r in t["rows"]:
        label = str(labels.get(r["assumption"], r["assumption"]))
        order.append(label)
        for side, value in ((low, r["low"]), (high, r["high"])):
            if value is not None:
                rows.append({"label": label, "side": side, "base": base, "value": value})
    y = alt.Y("label:N", sort=order, title=None)
    bars = alt.Chart(alt.Data(values=rows)).mark_bar(height=9).encode(
        y=y, yOffset=alt.YOffset("side:N", sort=[low, high]),
        x=alt.X("base:Q", title=_("Fund NPV (%(currency)s)") % {"currency": result["currency"]}), x2="value:Q",
        color=alt.Color("side:N", title=None, sort=[low, high], scale=alt.Scale(range=[ORANGE, BLUE])))
    rule = alt.Chart(alt.Data(values=[{"x": base}])).mark_rule(color=INK).encode(x="x:Q")
    return _svg((bars + rule).properties(width=WIDTH - 120, height=24 * len(order)))


PARTY_LABELS = {"trainee": _("trainees"), "fund": _("fund"), "enterprise": _("enterprise"), "investor": _("investor"),
                "sponsor": _("sponsors")}


def parties(result: dict) -> str:
    rows = [{"party": str(PARTY_LABELS.get(k, k)), "mean": v["mean"]} for k, v in result["parties"].items()
            if v["mean"] is not None]
    return _svg(alt.Chart(alt.Data(values=rows)).mark_bar(color=PURPLE).encode(
        y=alt.Y("party:N", title=None, sort=None),
        x=alt.X("mean:Q", title=_("Expected present value per trainee (%(currency)s)") % {
            "currency": result["currency"]})).properties(width=WIDTH - 100, height=26 * len(rows)))


def compare(results: list[tuple[str, dict]]) -> dict[str, str]:
    """Ruin curves and median balances of several designs on common axes."""
    ruin_rows, bal_rows = [], []
    for name, r in results:
        ruin_rows += [{"design": name, "month": m, "p": p} for m, p in zip(r["months"], r["ruin"], strict=True)]
        bal_rows += [{"design": name, "month": m, "v": v} for m, v in zip(r["months"], r["quantiles"]["0.5"],
                                                                        strict=True)]
    names = [n for n, _r in results]
    color = alt.Color("design:N", title=_("Design"), sort=names, scale=alt.Scale(range=[BLUE, VERMILION, GREEN]))
    dash = alt.StrokeDash("design:N", sort=names, legend=None, scale=alt.Scale(range=[[1, 0], [6, 3], [2, 2]]))
    x = alt.X("month:Q", title=_("Month"), scale=alt.Scale(nice=False))
    ruin_chart = alt.Chart(alt.Data(values=ruin_rows)).mark_line(strokeWidth=2, interpolate="step-after").encode(
        x=x, y=alt.Y("p:Q", title=_("Probability of ruin"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=color, strokeDash=dash)
    bal_chart = alt.Chart(alt.Data(values=bal_rows)).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("v:Q", title=_("Median fund balance")), color=color, strokeDash=dash)
    return {"ruin": _svg(ruin_chart.properties(width=WIDTH, height=HEIGHT)),
            "balance": _svg(bal_chart.properties(width=WIDTH, height=HEIGHT))}


def result_charts(result: dict, labels: dict) -> dict[str, str]:
    return {"solvency": solvency(result), "ruin": ruin(result), "refunds": refunds(result),
            "tornado": tornado(result, labels), "parties": parties(result)}
