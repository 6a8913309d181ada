"""Map figures are plain polygons: 21 prefectures, no geo/tile traces, nothing fetched."""

from __future__ import annotations

import json

import pandas as pd
from django.utils import translation

from policy.charts.maps import hubs_map, prefecture_choropleth
from policy.charts.theme import NO_DATA_COLOUR, STATUS_COLOURS

VALUES = pd.DataFrame({"adcode": ["510100", "511800"], "value": [10.0, 2.0]})
POINTS = pd.DataFrame(
    {
        "lon": [104.08],
        "lat": [30.41],
        "name": ["天府智算中心"],
        "status": ["red"],
        "url": ["/projects/1/"],
        "hover": ["天府智算中心"],
    }
)


def _prefecture_traces(fig) -> list:
    return [t for t in fig.data if t.fill == "toself"]


def test_it_draws_21_prefectures_coloured_by_value_and_grey_without_data() -> None:
    fig = prefecture_choropleth(VALUES, metric_label="项目数", points=POINTS)
    traces = {t.meta: t for t in _prefecture_traces(fig)}
    assert len(traces) == 21
    assert traces["510100"].fillcolor != traces["511800"].fillcolor
    assert traces["510300"].fillcolor == NO_DATA_COLOUR
    assert "暂无数据" in traces["510300"].text
    assert "成都市" in traces["510100"].text
    assert "10" in traces["510100"].text


def test_project_points_carry_status_colour_and_link() -> None:
    fig = prefecture_choropleth(VALUES, metric_label="项目数", points=POINTS)
    points = next(t for t in fig.data if t.meta == "projects")
    assert list(points.marker.color) == [STATUS_COLOURS["red"]]
    assert list(points.customdata) == ["/projects/1/"]


def test_english_names_on_request() -> None:
    with translation.override("en"):
        fig = prefecture_choropleth(VALUES, metric_label="Projects")
    assert any("Chengdu" in t.text for t in _prefecture_traces(fig))


def test_no_geo_or_tile_traces_and_no_urls() -> None:
    clusters = pd.DataFrame(
        {
            "code": ["CL-TIANFU", "CL-GUIAN"],
            "name": ["天府数据中心集群", "贵安"],
            "hub": ["成渝枢纽", "贵州枢纽"],
            "lon": [104.07, 106.71],
            "lat": [30.66, 26.58],
        }
    )
    for fig in (prefecture_choropleth(VALUES, metric_label="x"), hubs_map(clusters)):
        payload = json.dumps(fig.to_plotly_json(), default=str)
        assert {t.type for t in fig.data} == {"scatter"}
        assert "http" not in payload


def test_tianfu_is_highlighted_on_the_hubs_map() -> None:
    clusters = pd.DataFrame(
        {
            "code": ["CL-TIANFU", "CL-GUIAN"],
            "name": ["天府数据中心集群", "贵安"],
            "hub": ["成渝枢纽", "贵州枢纽"],
            "lon": [104.07, 106.71],
            "lat": [30.66, 26.58],
        }
    )
    fig = hubs_map(clusters)
    hot = next(t for t in fig.data if t.meta == "clusters-highlight")
    assert list(hot.text) == ["天府数据中心集群"]
    assert hot.marker.symbol == "star"


def test_a_single_value_gets_a_scale_from_zero() -> None:
    fig = prefecture_choropleth(
        pd.DataFrame({"adcode": ["510100"], "value": [860.0]}), metric_label="P"
    )
    bar = next(t for t in fig.data if t.marker and t.marker.showscale)
    assert (bar.marker.cmin, bar.marker.cmax) == (0.0, 860.0)
