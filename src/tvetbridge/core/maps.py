"""Circles on a map: a quantity per place as sized circles (and an open ring for its reference, e.g.
demand) over the Natural Earth 1:110m countries, as a static SVG (altair → vl-convert), the same
approach as the country dashboards. Shared by the apps that map gaps (skills, teachers); it lives in
core so that any layer may use it. The TopoJSON is read from the web app's data file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import altair as alt
import vl_convert

WORLD_TOPOJSON = Path(__file__).resolve().parents[1] / "web" / "data" / "countries-110m.json"
VERMILION, BLUE, GREY_LAND, GREY_BORDER = "#D55E00", "#0072B2", "#e4e4e0", "#9a9a94"
FONT = "Noto Sans, Noto Sans CJK SC, DejaVu Sans, Arial, sans-serif"


@lru_cache(maxsize=1)
def _topology() -> dict:
    return json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8"))


def circle_map_svg(points: list[dict], *, labels: dict[str, str], width: int = 640, height: int = 380,
                   pad: float = 6) -> str:
    """``points``: {"name", "lat", "lon", "gap", "demand"}; circle area ∝ gap, open ring ∝ demand;
    ``pad``: degrees of context around the points (wider for country centroids than for regions)."""
    pts = [p for p in points if p.get("lat") is not None and p.get("lon") is not None]
    if pts:
        lats, lons = [p["lat"] for p in pts], [p["lon"] for p in pts]
        frame = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [
            [min(lons) - pad, min(lats) - pad], [max(lons) + pad, max(lats) + pad],
            [min(lons) - pad, max(lats) + pad], [max(lons) + pad, min(lats) - pad]]}}
        projection = {"type": "equalEarth", "rotate": [-(min(lons) + max(lons)) / 2, 0, 0], "fit": frame}
    else:  # Central Asia by default
        projection = {"type": "equalEarth", "rotate": [-70, 0, 0], "center": [0, 45], "scale": 500}
    countries = alt.Data(values=_topology(), format=alt.DataFormat(type="topojson", feature="countries"))
    layers = [alt.Chart(countries).mark_geoshape(fill=GREY_LAND, stroke=GREY_BORDER, strokeWidth=0.5, clip=True)]
    if pts:
        data = alt.Data(values=[{"lon": p["lon"], "lat": p["lat"], "gap": round(p["gap"]), "demand": round(p["demand"]),
                                 "name": p["name"]} for p in pts])
        top = max(max(p["demand"] for p in pts), 1)
        size = alt.Scale(domain=[0, top], range=[0, 1500])
        layers.append(alt.Chart(data).mark_point(filled=False, color=BLUE, strokeWidth=1.2, clip=True).encode(
            longitude="lon:Q", latitude="lat:Q", size=alt.Size("demand:Q", scale=size, legend=None)))
        layers.append(alt.Chart(data).mark_circle(color=VERMILION, opacity=0.75, clip=True).encode(
            longitude="lon:Q", latitude="lat:Q",
            size=alt.Size("gap:Q", scale=size, legend=alt.Legend(title=labels["gap"], orient="bottom", format="d"))))
        layers.append(alt.Chart(data).mark_text(dy=-14, fontSize=11, clip=True).encode(
            longitude="lon:Q", latitude="lat:Q", text="name:N"))
    chart = (alt.layer(*layers).project(**projection).properties(width=width, height=height)
             .configure_view(stroke=None, fill="#f3f7fa").configure(font=FONT))
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg.split("?>", 1)[1].strip() if svg.startswith("<?xml") else svg.strip()
