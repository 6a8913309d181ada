"""Maps drawn as plain filled polygons, with no geo or tile traces.

plotly's geo traces download topojson from plotly's CDN even when `geojson=` is given and
the base layers are hidden, and offline the whole plot then fails. So each prefecture is a
`scatter` trace with `fill="toself"` on equal-aspect x/y axes (longitude scaled by the cosine
of the mean latitude), coloured in Python from the colour scale.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..geo import CHINA_FILE, PREFECTURE_FILE, load_geojson, projector
from ..i18n import english
from ..status import Rag
from .theme import NO_DATA_COLOUR, STATUS_COLOURS, apply_theme

DEFAULT_SCALE = "Blues"


def _rings(geometry: dict[str, Any]) -> Iterator[Sequence[Sequence[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield from polygon


def _ring_xy(
    geometry: dict[str, Any], scale_x: float
) -> tuple[list[float | None], list[float | None]]:
    """All rings of a (multi)polygon as one path, separated by None (plotly's gap marker)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in _rings(geometry):
        xs.extend([pt[0] * scale_x for pt in ring] + [None])
        ys.extend([pt[1] for pt in ring] + [None])
    return xs, ys


@dataclass(frozen=True)
class _Area:
    """One row of the values frame: the value, and the optional label and detail columns."""

    value: float | None
    label: Any  # what the hover shows instead of the formatted value, if set
    detail: Any  # extra hover lines (e.g. the prefecture's projects), if a string


def _areas(values: pd.DataFrame) -> dict[str, _Area]:
    blank = [None] * len(values)
    labels = values.get("label", blank)
    details = values.get("detail", blank)
    rows = zip(values["adcode"], values["value"], labels, details, strict=True)
    return {
        str(code): _Area(None if pd.isna(value) else float(value), label, detail)
        for code, value, label, detail in rows
    }


def _detail(area: _Area | None) -> str:
    detail = area.detail if area is not None else None
    return f"<br>{detail}" if isinstance(detail, str) and detail else ""


def _colour_for(value: float | None, low: float, high: float, scale: str) -> str:
    if value is None or pd.isna(value):
        return NO_DATA_COLOUR
    position = 0.5 if high == low else (value - low) / (high - low)
    return str(sample_colorscale(scale, [0.15 + 0.85 * position])[0])


def _axes(fig: go.Figure) -> None:
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1)
    fig.update_yaxes(visible=False)
    fig.update_layout(
        showlegend=False,
        dragmode="pan",
        hovermode="closest",
        margin={"l": 4, "r": 4, "t": 8, "b": 4},
    )


def prefecture_choropleth(
    values: pd.DataFrame,
    *,
    metric_label: str,
    points: pd.DataFrame | None = None,
    geojson: dict[str, Any] | None = None,
    colorscale: str = DEFAULT_SCALE,
    value_format: str = ",.0f",
    show_scale: bool = True,
) -> go.Figure:
    """Sichuan's 21 prefectures coloured by `values` (adcode, value, optional label, detail).

    Prefectures without a value are grey and say so on hover. `points` (lon, lat, name, status
    in green/amber/red/grey, url, hover) are drawn on top; each point's url is in customdata,
    which static/policy/js/charts.js follows on click. Each prefecture trace has `meta` set to
    its adcode, so a browser test can count the drawn prefectures.
    """
    geojson = geojson or load_geojson(PREFECTURE_FILE)
    by_code = _areas(values)
    known = [a.value for a in by_code.values() if a.value is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if low == high:  # one value everywhere: a scale from zero, not a 0.8-wide band around it
        low = 0.0 if high > 0 else high - 1.0
    scale_x, _ = projector(30.5)
    no_data = "no data" if english() else "暂无数据"
    fig = go.Figure()
    for feature in geojson["features"]:
        props = feature["properties"]
        row = by_code.get(props["adcode"])
        value = row.value if row is not None else None
        name = props["name_en"] if english() else props["name_zh"]
        label = row.label if row is not None else None
        shown = label or (no_data if value is None else format(value, value_format))
        xs, ys = _ring_xy(feature["geometry"], scale_x)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                name=name,
                meta=props["adcode"],
                fillcolor=_colour_for(value, low, high, colorscale),
                line={"color": "#ffffff", "width": 0.8},
                hoveron="fills",
                text=f"{name}<br>{metric_label}: {shown}" + _detail(row),
                hoverinfo="text",
            )
        )
    if show_scale:
        _colourbar(fig, low, high, colorscale, metric_label, scale_x)
    if points is not None and len(points):
        _add_points(fig, points, scale_x)
    _axes(fig)
    if show_scale:
        fig.update_layout(margin={"b": 64})  # room for the colour bar under the map
    return apply_theme(fig)


def _colourbar(
    fig: go.Figure, low: float, high: float, scale: str, title: str, scale_x: float
) -> None:
    """An invisible marker carrying the colour bar (filled scatter traces have none)."""
    fig.add_trace(
        go.Scatter(
            x=[104 * scale_x],
            y=[30.5],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "size": 0.1,
                "opacity": 0,
                "color": [low, high],
                "cmin": low,
                "cmax": high,
                "colorscale": [
                    [0, sample_colorscale(scale, [0.15])[0]],
                    [1, sample_colorscale(scale, [1.0])[0]],
                ],
                "showscale": True,
                # Horizontal under the map, so a phone gives the map its full width.
                "colorbar": {
                    "title": {"text": title, "side": "top"},
                    "thickness": 10,
                    "orientation": "h",
                    "len": 0.6,
                    "x": 0.5,
                    "xanchor": "center",
                    "y": -0.02,
                    "yanchor": "top",
                },
            },
        )
    )


def _add_points(fig: go.Figure, points: pd.DataFrame, scale_x: float) -> None:
    fig.add_trace(
        go.Scatter(
            x=[lon * scale_x for lon in points["lon"]],
            y=list(points["lat"]),
            mode="markers",
            name="projects",
            meta="projects",
            marker={
                "size": 11,
                "color": [
                    STATUS_COLOURS.get(s, STATUS_COLOURS[Rag.GREY]) for s in points["status"]
                ],
                "line": {"color": "#ffffff", "width": 1.5},
            },
            text=list(points.get("hover", points["name"])),
            hoverinfo="text",
            customdata=list(points["url"]) if "url" in points else None,
        )
    )


def hubs_map(
    clusters: pd.DataFrame,
    *,
    highlight: str = "CL-TIANFU",
    geojson_china: dict[str, Any] | None = None,
) -> go.Figure:
    """The 10 national data-center clusters (code, name, hub, lon, lat) on China's outline."""
    outline = geojson_china or load_geojson(CHINA_FILE)
    scale_x, _ = projector(33.0)
    fig = go.Figure()
    for feature in outline["features"]:
        xs, ys = _ring_xy(feature["geometry"], scale_x)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                hoverinfo="skip",
                fillcolor="#eef1f5",
                line={"color": "#9aa5b1", "width": 0.8},
            )
        )
    is_hot = clusters["code"] == highlight
    for hot, frame in ((False, clusters[~is_hot]), (True, clusters[is_hot])):
        if not len(frame):
            continue
        fig.add_trace(
            go.Scatter(
                x=[lon * scale_x for lon in frame["lon"]],
                y=list(frame["lat"]),
                mode="markers+text" if hot else "markers",  # others are named on hover
                text=list(frame["name"]),
                textposition="top center",
                meta="clusters-highlight" if hot else "clusters",
                hovertext=[
                    f"{n}<br>{h}" for n, h in zip(frame["name"], frame["hub"], strict=True)
                ],
                hoverinfo="text",
                textfont={"size": 13 if hot else 11, "color": "#b3261e" if hot else "#1d2733"},
                marker={
                    "size": 16 if hot else 10,
                    "color": "#b3261e" if hot else "#1f5fa8",
                    "symbol": "star" if hot else "circle",
                    "line": {"color": "#fff", "width": 1},
                },
            )
        )
    _axes(fig)
    return apply_theme(fig)
