"""The shipped province outlines (src/eipgis/data/vn_provinces.geojson) that place a WGS84 park."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point

from eipgis import _provinces
from eipgis import crs as eipcrs

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "src" / "eipgis" / "data" / "vn_provinces.geojson"
SCRIPT = REPO / "layers" / "build_vn_provinces.py"


def _features() -> list[dict]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))["features"]


def _build_module():
    spec = importlib.util.spec_from_file_location("build_vn_provinces", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_file_equals_a_fresh_build():
    build = _build_module()
    if not build.SOURCE.exists():
        pytest.skip("the geoBoundaries data (../shared/data) is not beside this checkout")
    fresh = json.loads(build.build())["features"]
    shipped = _features()
    assert [f["properties"] for f in fresh] == [f["properties"] for f in shipped]
    # the same vertices, to the 1e-6° the file keeps (a GEOS update may round a last digit apart)
    a, b = (shapely.normalize(shapely.from_geojson([json.dumps(f["geometry"]) for f in fs]))
            for fs in (fresh, shipped))
    assert shapely.equals_exact(a, b, tolerance=2e-6).all()


def test_shipped_file_keeps_two_properties_and_64_shapes():
    features = _features()
    assert len(features) == 64  # 63 provinces and Côn Đảo
    assert all(set(f["properties"]) == {"shapeName", "shapeISO"} for f in features)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    assert shapely.is_valid(geoms).all()
    assert tuple(shapely.total_bounds(geoms).round(6)) == _provinces.BOUNDS


def test_every_shape_name_is_one_of_the_63_provinces():
    resolved = {}
    for feature in _features():
        name = feature["properties"]["shapeName"]
        resolved[name] = eipcrs.vn2000_tm(name).to_epsg()  # raises CRSError if unknown
    assert resolved["Côn Đảo"] == resolved["Bà Rịa - Vũng Tàu"] == 5899
    assert resolved["Lào Cai"] == 9208
    slugs = {eipcrs._ALIASES.get(s, s) for s in map(eipcrs._slug, resolved)}
    assert slugs == set(eipcrs.PROVINCES)  # every province of the Circular has an outline


@pytest.mark.parametrize(
    ("lon", "lat", "province"),
    [
        (103.97, 22.49, "Lào Cai"),  # Tằng Loỏng
        (105.85, 21.03, "Hà Nội"),
        (108.20, 16.05, "Đà Nẵng"),
        (106.70, 10.78, "TP. Hồ Chí Minh"),
        (105.78, 10.03, "Cần Thơ"),
        (106.60, 8.69, "Bà Rịa – Vũng Tàu"),  # Côn Đảo
        (108.26, 16.05, "Đà Nẵng"),  # 0.007° off the coarse coastline: still Đà Nẵng
        (108.40, 16.05, None),  # 0.1° out at sea
        (102.60, 17.97, None),  # Vientiane
        (104.92, 11.56, None),  # Phnom Penh
        (102.71, 25.04, None),  # Kunming
    ],
)
def test_province_of_known_places(lon, lat, province):
    assert eipcrs.province_of(Point(lon, lat)) == province


def test_outlines_are_read_only_when_a_wgs84_park_near_vietnam_needs_them():
    code = (
        "import eipgis.crs as c, eipgis._provinces as p\n"
        "c.metric_crs('EPSG:9208', None); c.metric_crs('EPSG:4326', (10.5, 51.0))\n"
        "print(p._layer.cache_info().currsize)\n"
        "c.metric_crs('EPSG:4326', (103.97, 22.49))\n"
        "print(p._layer.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"]
