"""The embedded Tằng Loỏng sample: rebuilt from its script, checked, and equal to the committed file.

Needs only geopandas/shapely/pyogrio (not eipgis), so it runs while the package is being written.
"""

from __future__ import annotations

import runpy
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _gpkg import assert_same_gpkg

LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers"
SCRIPT = LAYERS_DIR / "build_tang_loong.py"
COMMITTED = LAYERS_DIR / "tang_loong.gpkg"

# layer: (geometry type, required columns), as in the data contract (ARCHITECTURE.md)
CONTRACT = {
    "boundary": ("Polygon", []),
    "landuse": ("Polygon", ["parcel_id", "landuse"]),
    "buildings": ("Polygon", []),
    "plot_green": ("Polygon", []),
    "facilities": ("Point", ["facility_id", "hazard_class"]),
    "neighbourhoods": ("Polygon", ["name"]),
    "roads": ("LineString", ["name", "highway"]),
}
GREEN, TRAFFIC, TECHNICAL, INDUSTRIAL = ("CX", "CXCL"), ("GT", "BX"), ("HTKT", "XLNT"), ("CN", "KHO")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """The sample, built afresh by the committed script into a temporary folder."""
    out = tmp_path_factory.mktemp("sample") / "tang_loong.gpkg"
    build = runpy.run_path(str(SCRIPT))
    assert build["main"](["-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def layers(rebuilt) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(rebuilt, layer=name, engine="pyogrio") for name in CONTRACT}


@pytest.fixture(scope="module")
def boundary(layers):
    return layers["boundary"].geometry.iloc[0]


def ha(frame: gpd.GeoDataFrame) -> float:
    return frame.area.sum() / 1e4


def share(layers, boundary, codes) -> float:
    landuse = layers["landuse"]
    return landuse[landuse.landuse.isin(codes)].area.sum() / boundary.area


def test_contract_layers_exist_in_epsg_9208(rebuilt, layers):
    names = {name for name, _ in pyogrio.list_layers(rebuilt)}
    assert set(CONTRACT) <= names
    for name, (geom_type, columns) in CONTRACT.items():
        frame = layers[name]
        assert len(frame) > 0, name
        assert frame.crs.to_epsg() == 9208, name
        assert set(frame.geom_type) == {geom_type}, name
        assert set(columns) <= set(frame.columns), name


def test_geopackage_version_1_2(rebuilt):
    meta = pyogrio.read_info(rebuilt, layer="boundary")
    assert meta["crs"] == "EPSG:9208"
    with open(rebuilt, "rb") as f:
        header = f.read(100)
    assert header[68:72] == b"GPKG"  # application_id
    assert int.from_bytes(header[60:64], "big") == 10200  # user_version: GeoPackage 1.2


def test_boundary_is_the_22_vertex_plan_boundary(layers, boundary):
    assert len(layers["boundary"]) == 1
    ring = np.asarray(boundary.exterior.coords)
    assert np.allclose(ring[0], ring[-1])
    assert len(np.unique(ring[:-1].round(3), axis=0)) == 22
    assert boundary.area / 1e4 == pytest.approx(1097.7, abs=1.0)


@pytest.mark.parametrize(("facility", "area_ha"), [("F13", 70.85), ("F14", 70.0), ("F16", 7.2)])
def test_published_plot_areas(layers, facility, area_ha):
    landuse = layers["landuse"]
    plot = landuse[landuse.facility_id.eq(facility) & landuse.landuse.isin(INDUSTRIAL)]
    assert len(plot) == 1
    assert ha(plot) == pytest.approx(area_ha, abs=0.5)


def test_industrial_land_matches_published_range(layers):
    landuse = layers["landuse"]
    assert 833 <= ha(landuse[landuse.landuse.isin(INDUSTRIAL)]) <= 918


def test_land_balance_shows_the_intended_gaps(layers, boundary):
    """QCVN 01:2021 Table 2.6: green and traffic fall short of 10 %, technical passes 1 %."""
    assert 0.06 <= share(layers, boundary, GREEN) <= 0.08
    assert 0.08 <= share(layers, boundary, TRAFFIC) <= 0.095
    assert 0.012 <= share(layers, boundary, TECHNICAL) <= 0.016
    band = boundary.difference(boundary.buffer(-10))
    landuse = layers["landuse"]
    green = shapely.union_all(landuse[landuse.landuse.isin(GREEN)].geometry.values)
    assert 0.4 <= band.intersection(green).area / band.area <= 0.7


def test_seventeen_facilities_inside_their_plots(layers):
    facilities, landuse = layers["facilities"], layers["landuse"]
    assert sorted(facilities.facility_id) == [f"F{i:02d}" for i in range(1, 18)]
    assert set(facilities.hazard_class) <= {"I", "II", "III", "IV", "V"}
    plots = landuse.set_index("parcel_id").geometry
    assert all(plots[pid].contains(p) for pid, p in zip(facilities.plot_id, facilities.geometry))


def test_main_buildings_carry_their_facility_and_eight_facilities_fall_short(layers):
    """QCVN 01:2021 §1.4.26: distances run from the source, here the main buildings of the plot."""
    buildings, facilities = layers["buildings"], layers["facilities"]
    landuse, homes = layers["landuse"], layers["neighbourhoods"].union_all()
    assert buildings.loc[~buildings["main"].astype(bool), "facility_id"].isna().all()
    linked = buildings.dropna(subset=["facility_id"])
    assert sorted(linked.facility_id.unique()) == sorted(facilities.facility_id)
    plots = landuse.set_index("parcel_id").geometry
    # Independently: the main buildings inside each facility's plot, their nearest edge to homes.
    short = []
    for fid, pid, need in zip(facilities.facility_id, facilities.plot_id,
                              facilities.safety_distance_m, strict=True):
        mains = buildings[buildings["main"].astype(bool)
                          & buildings.within(plots[pid].buffer(0.01))]
        assert set(mains.building_id) == set(linked.building_id[linked.facility_id == fid])
        if mains.union_all().distance(homes) < need:
            short.append(fid)
    assert short == ["F01", "F09", "F11", "F12", "F13", "F14", "F15", "F17"]


def test_parcels_tile_the_park(layers, boundary):
    landuse = layers["landuse"]
    geoms = landuse.geometry.values
    assert landuse.parcel_id.is_unique
    assert shapely.is_valid(geoms).all()
    assert (landuse.geom_type == "Polygon").all()
    assert (shapely.area(shapely.difference(geoms, boundary)) <= 1.0).all()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert (overlaps <= 1.0).all()
    assert boundary.area - shapely.union_all(geoms).area <= 1e4  # at most 1 ha unassigned


def test_neighbourhoods_lie_outside_the_park(layers, boundary):
    places = layers["neighbourhoods"]
    assert (places.intersection(boundary).area == 0).all()
    assert "school" in set(places["kind"])


def test_vietnamese_names_round_trip(layers):
    def nfc(text):
        return unicodedata.normalize("NFC", text)

    assert layers["boundary"]["name"].iloc[0] == nfc("Khu công nghiệp Tằng Loỏng")
    names = set(layers["neighbourhoods"]["name"])
    assert {nfc(n) for n in ("Tằng Loỏng", "Phố Lu", "Xuân Giao", "Gia Phú", "Lào Cai")} <= names
    landuse = layers["landuse"]
    wwtp = landuse[landuse.landuse.eq("XLNT")]
    assert list(wwtp["name"]) == [nfc("Trạm xử lý nước thải tập trung 3.000 m³/ngày")]
    assert {"T2", "T12", "T19"} <= set(layers["roads"]["name"])


def test_committed_file_equals_the_script_output(rebuilt):
    """The committed GeoPackage is exactly what the script builds: rebuild it after any change."""
    assert_same_gpkg(COMMITTED, rebuilt, SCRIPT.name)
