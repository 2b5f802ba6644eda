"""Static SVG charts for dashboards: Vega-Lite specs built with altair, rendered by vl-convert.

Rendering happens on the server so pages work without JavaScript, print cleanly and can be reused
in PDF reports. Colours come from the Okabe–Ito palette, which stays distinguishable under the common
colour-vision deficiencies; marks also differ by shape so colour is never the only cue.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import altair as alt
import vl_convert

WORLD_TOPOJSON = Path(__file__).resolve().parent / "data" / "countries-110m.json"

# Okabe–Ito
BLUE = "#0072B2"
VERMILION = "#D55E00"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREY_LAND = "#e4e4e0"
GREY_BORDER = "#9a9a94"
INK = "#222222"
FONT = "Noto Sans, Noto Sans CJK SC, DejaVu Sans, Arial, sans-serif"


@lru_cache(maxsize=1)
def world_topology() -> dict:
    return json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8"))


def _decode_arc(topology: dict, index: int) -> list[tuple[float, float]]:
    """One TopoJSON arc as lon/lat points (delta-decoded, then un-quantized)."""
    arc = topology["arcs"][index if index >= 0 else ~index]
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    x = y = 0
    points = []
    for dx, dy in arc:
        x += dx
        y += dy
        points.append((x * sx + tx, y * sy + ty))
    return points if index >= 0 else points[::-1]


@lru_cache(maxsize=256)
def country_feature(numeric: int) -> dict | None:
    """The GeoJSON feature of one country, used to fit the map projection to it."""
    topology = world_topology()
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") is None or int(geometry["id"]) != numeric:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        coordinates = []
        for polygon in polygons:
            rings = []
            for ring in polygon:
                points: list[tuple[float, float]] = []
                for index in ring:
                    arc = _decode_arc(topology, index)
                    points.extend(arc[1:] if points else arc)
                rings.append([list(p) for p in points])
            coordinates.append(rings)
        return {"type": "Feature", "id": geometry["id"], "properties": {},
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates}}
    return None


def _main_polygon_feature(feature: dict) -> dict:
    """The country's largest polygon: fitting on all of Russia or the US would span the antimeridian."""
    polygons = feature["geometry"]["coordinates"]
    if len(polygons) == 1:
        return feature

    def extent(polygon):
        xs = [p[0] for p in polygon[0]]
        ys = [p[1] for p in polygon[0]]
        return (max(xs) - min(xs)) * (max(ys) - min(ys))

    largest = max(polygons, key=extent)
    return {**feature, "geometry": {"type": "MultiPolygon", "coordinates": [largest]}}


def _bbox(polygons) -> tuple[float, float, float, float]:
    xs = [p[0] for polygon in polygons for p in polygon[0]]
    ys = [p[1] for polygon in polygons for p in polygon[0]]
    if max(xs) - min(xs) > 180:
        # Crosses the antimeridian (Russia's Chukotka): measure eastward past 180° instead.
        xs = [x + 360 if x < 0 else x for x in xs]
    return min(xs), min(ys), max(xs), max(ys)


def _padded_frame(feature: dict, pad: float = 0.25) -> tuple[dict, tuple[float, float, float, float]]:
    """Corner points around the country with some margin, so its neighbours show for context.

    Points rather than a rectangle polygon: a spherical polygon's meaning depends on its winding."""
    x0, y0, x1, y1 = _bbox(feature["geometry"]["coordinates"])
    dx, dy = (x1 - x0) * pad + 1, (y1 - y0) * pad + 1
    box = (x0 - dx, max(y0 - dy, -85), x1 + dx, min(y1 + dy, 85))
    corners = [[box[0], box[1]], [box[2], box[1]], [box[0], box[3]], [box[2], box[3]],
               [(box[0] + box[2]) / 2, box[1]], [(box[0] + box[2]) / 2, box[3]]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": corners}}, box


@lru_cache(maxsize=1)
def _geometry_boxes() -> dict[int, tuple[float, float, float, float]]:
    topology = world_topology()
    boxes = {}
    for index, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        xs: list[float] = []
        ys: list[float] = []
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                for arc in ring:
                    for x, y in _decode_arc(topology, arc):
                        xs.append(x)
                        ys.append(y)
        boxes[index] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def _topology_near(box: tuple[float, float, float, float]) -> dict:
    """The world topology with only the countries whose extent meets the frame; keeps the SVG small."""
    topology = world_topology()
    keep = []
    for index, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        x0, y0, x1, y1 = _geometry_boxes()[index]
        if x1 >= box[0] - 20 and x0 <= box[2] + 20 and y1 >= box[1] - 10 and y0 <= box[3] + 10:
            keep.append(geometry)
    objects = {"countries": {**topology["objects"]["countries"], "geometries": keep}}
    return {**topology, "objects": objects}


def _to_svg(chart: alt.TopLevelMixin) -> str:
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    # The XML prolog is invalid inside an HTML document.
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return svg.strip()


def country_map_svg(*, numeric: int, points: list[dict], centre: tuple[float, float] | None,
                    labels: dict[str, str], width: int = 560, height: int = 360) -> str:
    """A map of the country highlighted among its neighbours, with institutions and projects at region
    centroids (circle = institutions, triangle = projects; size = count)."""
    topology = world_topology()
    feature = country_feature(numeric)
    if feature is not None:
        fit_target, box = _padded_frame(_main_polygon_feature(feature))
        topology = _topology_near(box)
        lon = (box[0] + box[2]) / 2
    else:
        fit_target = None
        lon = centre[1] if centre else 0
    countries = alt.Data(values=topology, format=alt.DataFormat(type="topojson", feature="countries"))
    projection = {"type": "equalEarth"}
    if lon is not None:
        projection["rotate"] = [-lon, 0, 0]
    if fit_target is not None:
        projection["fit"] = fit_target
    elif centre is not None:
        projection.update(center=[0, centre[0]], scale=600)
    base = alt.Chart(countries).mark_geoshape(fill=GREY_LAND, stroke=GREY_BORDER, strokeWidth=0.5, clip=True)
    highlight = (
        alt.Chart(countries)
        .mark_geoshape(fill=ORANGE, fillOpacity=0.45, stroke=INK, strokeWidth=1.2, clip=True)
        .transform_filter(f"toNumber(datum.id) == {int(numeric)}")
    )
    layers = [base, highlight]
    rows = []
    for point in points:
        if point["institutions"]:
            rows.append({"lon": point["longitude"], "lat": point["latitude"], "n": point["institutions"],
                         "what": labels["institutions"], "region": point["region"]})
        if point["projects"]:
            rows.append({"lon": point["longitude"], "lat": point["latitude"], "n": point["projects"],
                         "what": labels["projects"], "region": point["region"]})
    if rows:
        # No label limit: Vega's default (160 px) cut "Ынтымақтастық жобалары" to "Ынтымақтастық жобал…".
        legend = alt.Legend(title=None, orient="bottom", direction="horizontal", labelFontSize=12, labelLimit=0)
        marks = alt.Chart(alt.Data(values=rows)).mark_point(filled=True, opacity=0.85, stroke="white",
                                                              strokeWidth=0.8, clip=True).encode(
            longitude="lon:Q", latitude="lat:Q",
            size=alt.Size("n:Q", scale=alt.Scale(range=[40, 700]),
                          legend=alt.Legend(title=labels["count"], orient="bottom", labelFontSize=11,
                                            format="d", tickMinStep=1)),
            color=alt.Color("what:N", scale=alt.Scale(domain=[labels["institutions"], labels["projects"]],
                                                      range=[BLUE, VERMILION]), legend=legend),
            shape=alt.Shape("what:N", scale=alt.Scale(domain=[labels["institutions"], labels["projects"]],
                                                      range=["circle", "triangle-up"]), legend=legend),
        )
        layers.append(marks)
    chart = (
        alt.layer(*layers)
        .project(**projection)
        .properties(width=width, height=height)
        .configure_view(stroke=None, fill="#f3f7fa")
        .configure(font=FONT)
    )
    return _to_svg(chart)


def bar_chart_svg(rows: list[dict], *, label_title: str, value_title: str, width: int = 420) -> str:
    """Horizontal bars with the value printed at each bar's end, readable in greyscale too."""
    if not rows:
        return ""
    data = alt.Data(values=[{"label": r["label"], "value": r["value"]} for r in rows])
    height = max(60, 26 * len(rows))
    order = [r["label"] for r in rows]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=12))
    top = max(int(r["value"]) for r in rows)
    step = max(1, -(-top // 5))
    # Explicit integer ticks: counts have no halves, and a "d" format alone prints 0, 1, 1.
    ticks = list(range(0, top + step, step))
    bars = alt.Chart(data).mark_bar(color=BLUE, height=18).encode(
        x=alt.X("value:Q", title=value_title, scale=alt.Scale(domain=[0, ticks[-1]]),
                axis=alt.Axis(values=ticks, format="d", labelFontSize=11)), y=y)
    text = alt.Chart(data).mark_text(align="left", dx=4, color=INK, fontSize=12).encode(
        x="value:Q", y=y, text="value:Q")
    chart = (alt.layer(bars, text).properties(width=width, height=height, title=label_title)
             .configure_view(stroke=None).configure(font=FONT)
             .configure_title(fontSize=13, anchor="start"))
    return _to_svg(chart)
