"""Shared fixtures: a small park whose every figure can be checked by hand.

The park (EPSG:3405, VN-2000 / UTM 48N, origin at X0, Y0) is a 1,000 m × 1,000 m square:

    y 900–1000  E1 technical (XLNT) x 10–110 | G2 green x 110–1000
    y 600–900   P3 industrial x 10–1000
    y 100–600   P1 industrial x 10–510 | P2 industrial x 510–1000
    y 0–100     T1 traffic x 10–1000
    G1 green: the west strip x 0–10, y 0–1000

Areas (ha): G1 1, T1 9.9, P1 25, P2 24.5, P3 29.7, E1 1, G2 8.9 = 100.
Neighbourhood N1 is the square x 1300–1500, y 300–500 outside the east side.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from _postgres import pg_cluster  # noqa: F401 - the session's PostgreSQL cluster, for every test
from shapely.geometry import Point, box

X0, Y0 = 400_000.0, 2_480_000.0
CRS = "EPSG:3405"


def b(x1: float, y1: float, x2: float, y2: float):
    """A box in park coordinates (metres from the park's south-west corner)."""
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def p(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def square_park_layers() -> dict[str, gpd.GeoDataFrame]:
    """The layers of the hand-checkable square park (see the module docstring)."""
    boundary = gpd.GeoDataFrame({"name": ["Khu công nghiệp Thử nghiệm"]}, geometry=[b(0, 0, 1000, 1000)], crs=CRS)
    landuse = gpd.GeoDataFrame(
        {
            "parcel_id": ["G1", "T1", "P1", "P2", "P3", "E1", "G2"],
            "landuse": ["CXCL", "GT", "CN", "CN", "KHO", "XLNT", "CX"],
            "tenant": [None, None, "Công ty A", "Công ty B", "Công ty C", None, None],
        },
        geometry=[
            b(0, 0, 10, 1000),
            b(10, 0, 1000, 100),
            b(10, 100, 510, 600),
            b(510, 100, 1000, 600),
            b(10, 600, 1000, 900),
            b(10, 900, 110, 1000),
            b(110, 900, 1000, 1000),
        ],
        crs=CRS,
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": ["B1", "B2", "B3", "B3a"], "floors": [2, 6, 1, 1], "main": [True, True, True, False]},
        geometry=[
            b(100, 200, 400, 500),  # 9 ha in P1 → 0.36
            b(550, 150, 950, 550),  # 16 ha in P2, 6 floors → 0.653 > 0.60
            b(100, 620, 800, 870),  # 17.5 ha in P3 → 0.589
            b(850, 620, 900, 670),  # auxiliary, not counted
        ],
        crs=CRS,
    )
    plot_green = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2", "P3"]},
        geometry=[
            b(10, 100, 110, 600),  # 5 ha in P1 → 0.20
            b(510, 500, 1000, 600),  # 4.9 ha in P2 → 0.20
            b(900, 600, 1000, 900),  # 3 ha in P3 → 0.101 < 0.20
        ],
        crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2"], "hazard_class": ["I", "2"], "sector": ["phốt pho vàng", "kho hoá chất"]},
        geometry=[p(260, 350), p(900, 400)],
        crs=CRS,
    )
    neighbourhoods = gpd.GeoDataFrame(
        {"name": ["Thôn Làng Mới"], "kind": ["residential"], "population": [1200]},
        geometry=[b(1300, 300, 1500, 500)],
        crs=CRS,
    )
    return {
        "boundary": boundary,
        "landuse": landuse,
        "buildings": buildings,
        "plot_green": plot_green,
        "facilities": facilities,
        "neighbourhoods": neighbourhoods,
    }


def write_park(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write layers as a GeoPackage (the way a planner's QGIS export looks)."""
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture
def square_layers() -> dict[str, gpd.GeoDataFrame]:
    return square_park_layers()


@pytest.fixture
def square_gpkg(tmp_path: Path) -> Path:
    return write_park(tmp_path / "square.gpkg", square_park_layers())

