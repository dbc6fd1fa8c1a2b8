"""``park_from_frames``: a park validated from GeoDataFrames in memory, exactly as ``load_park``
validates a file (which reads the file into frames and calls it)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from conftest import CRS, b, square_park_layers, write_park

import eipgis
from eipgis.criteria import check
from eipgis.synth import build_park, synthetic_park


def test_square_park_in_memory_is_the_park_load_park_reads(tmp_path, square_layers):
    direct = eipgis.park_from_frames(**square_layers)
    read = eipgis.load_park(write_park(tmp_path / "square.gpkg", square_layers))
    assert direct.area_ha == pytest.approx(100.0)
    assert direct.name == read.name == "Khu công nghiệp Thử nghiệm"
    assert direct.source == "<memory>"
    assert list(direct.landuse["parcel_id"]) == ["G1", "T1", "P1", "P2", "P3", "E1", "G2"]
    assert list(direct.landuse["landuse_class"]) == list(read.landuse["landuse_class"])
    assert direct.unassigned_m2 == read.unassigned_m2 == 0.0
    assert direct.notes == read.notes == ()
    # the same figures: green 1 ha (G1) + 8.9 ha (G2) of 100 ha; P2 over its 60 % tall limit
    a, c = check(direct), check(read)
    assert a["VN21-LU-GREEN"].value == pytest.approx(0.099) == c["VN21-LU-GREEN"].value
    assert a["VN21-PLOT-DENSITY"].features == c["VN21-PLOT-DENSITY"].features == ["P2"]


def test_frames_passed_in_are_not_changed():
    layers = square_park_layers()
    layers["landuse"].index = [f"row{i}" for i in range(len(layers["landuse"]))]
    before = {k: v.copy() for k, v in layers.items()}
    park = eipgis.park_from_frames(**layers)
    assert "landuse_class" in park.landuse.columns
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_missing_layer_is_named_with_what_to_pass(square_layers):
    with pytest.raises(eipgis.LayerError) as err:
        eipgis.park_from_frames(boundary=square_layers["boundary"])
    assert err.value.problems == [
        ("layer 'landuse': missing (layers found: boundary). Fix: pass landuse= (a GeoDataFrame) "
        "as the data contract in the README describes.")
    ]
    assert str(err.value).startswith("<memory>: 1 problem found")


def test_every_problem_of_every_frame_reported_together(square_layers):
    layers = dict(square_layers)
    landuse = layers["landuse"].copy()
    landuse.loc[2, "landuse"] = "KHU-LẠ"
    layers["landuse"] = landuse
    facilities = layers["facilities"].copy()
    facilities.loc[1, "hazard_class"] = "VI"
    layers["facilities"] = facilities
    layers["plot_green"] = pd.DataFrame({"parcel_id": ["P1"]})  # no geometry
    with pytest.raises(eipgis.LayerError) as err:
        eipgis.park_from_frames(**layers, source="trial frames")
    assert err.value.problems[0].startswith(
        "layer 'plot_green': is a table without geometry (attribute-only)."
    )
    with pytest.raises(eipgis.LayerError) as err:
        eipgis.park_from_frames(**dict(layers, plot_green=None), source="trial frames")
    assert str(err.value).startswith("trial frames: 2 problems found")
    assert err.value.problems[0].startswith(
        "layer 'landuse': unknown land-use value(s): 'KHU-LẠ' in P1. Fix: use a known code"
    )
    assert err.value.problems[1] == (
        "layer 'facilities': hazard_class not one of I–V (or 1–5) in F2. "
        "Fix: set each facility's hazard class (TCVN 4449-1987 Appendix III)."
    )


def test_feature_without_id_is_numbered_by_row_whatever_the_index():
    layers = square_park_layers()
    buildings = layers["buildings"][["floors", "geometry"]].copy()
    buildings.index = [10, 20, 30, 40]
    buildings.loc[30, "floors"] = 250
    layers["buildings"] = buildings
    with pytest.raises(eipgis.LayerError) as err:
        eipgis.park_from_frames(**layers)
    assert err.value.problems == [
        ("layer 'buildings': floors outside 0–200 in feature 3 (250). Fix: write the number of "
        "floors above ground as a whole number from 0 to 200.")
    ]


def test_extras_carried_in_the_park_crs(square_layers):
    roads = gpd.GeoDataFrame({"name": ["Đường D1"]}, geometry=[b(10, 0, 1000, 100)], crs=CRS)
    roads_4326 = roads.to_crs(4326)
    park = eipgis.park_from_frames(**square_layers, extras={"roads": roads_4326,
                                                            "contacts": pd.DataFrame({"a": [1]})})
    assert list(park.extras) == ["roads"]
    assert park.extras["roads"].crs == park.crs
    assert park.extras["roads"].geometry.iloc[0].area == pytest.approx(99_000, rel=1e-6)
    # (an `enterprises` table is read as the park's enterprises, not as an extra: test_data_criteria)
    assert park.notes == ("contacts: a table without geometry, not carried among the park's layers",)


def test_synthetic_park_built_in_memory():
    layers = synthetic_park(1_000, seed=7)
    park = build_park(1_000, seed=7)
    assert len(park.landuse) == len(layers["landuse"]) == 997
    assert len(park.buildings) == len(layers["buildings"])
    assert park.unassigned_m2 == pytest.approx(0.0, abs=1e-3)  # the parcels tile the boundary
    assert park.notes == ()
    assert park.source == "synthetic park (1,000 parcels, seed 7)"
