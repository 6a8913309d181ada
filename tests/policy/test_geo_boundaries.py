"""The shipped prefecture GeoJSON: complete, valid, borders aligned, reproducible."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from policy import geo

shapely = pytest.importorskip("shapely")
from shapely.geometry import Polygon, shape  # noqa: E402
from shapely.ops import unary_union  # noqa: E402

SHIPPED = geo.STATIC_GEOJSON / geo.PREFECTURE_FILE


def _features() -> list[dict]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))["features"]


def test_it_has_the_21_prefectures_with_their_chinese_names() -> None:
    with (geo.DEMO_DATA / "sichuan_prefectures.csv").open(encoding="utf-8") as fh:
        expected = {r["adcode"]: r["name_zh"] for r in csv.DictReader(fh)}
    got = {f["properties"]["adcode"]: f["properties"]["name_zh"] for f in _features()}
    assert got == expected
    assert len(got) == 21


def test_polygons_are_valid_and_neighbours_share_their_borders() -> None:
    shapes = [shape(f["geometry"]) for f in _features()]
    assert all(s.is_valid for s in shapes)
    overlap = sum(
        shapes[i].intersection(shapes[j]).area
        for i in range(len(shapes))
        for j in range(i + 1, len(shapes))
    )
    union = unary_union(shapes)
    assert overlap < 1e-5  # square degrees: borders coincide, nothing drawn twice
    holes = [Polygon(r).area for p in getattr(union, "geoms", [union]) for r in p.interiors]
    assert sum(holes) < 5e-5  # no slivers opened between neighbours by simplification
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-4)


def test_the_file_stays_small() -> None:
    assert SHIPPED.stat().st_size < 300 * 1024


@pytest.mark.slow
def test_rebuilding_reproduces_the_committed_files(tmp_path: Path) -> None:
    call_command("policy_build_geojson", "--output-dir", str(tmp_path), stdout=None)
    for name in (geo.PREFECTURE_FILE, geo.CHINA_FILE):
        assert (tmp_path / name).read_bytes() == (geo.STATIC_GEOJSON / name).read_bytes(), name
