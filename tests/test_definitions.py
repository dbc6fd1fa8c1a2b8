"""Corrected definitions (issue 10), each on a hand-checked variant of the square park.

Safety distance from the source (QCVN 01:2021/BXD §1.4.26), the tall-building limit for main
buildings only (§2.5.3), and the isolation strip that keeps water unless told otherwise.
Figures: see the park in conftest.py; neighbourhood N1 is x 1300–1500, y 300–500.
"""

from __future__ import annotations

import math

import pytest
from conftest import b, square_park_layers, write_park
from shapely.geometry import Polygon

import eipgis
from eipgis import indicators
from eipgis.criteria import check
from eipgis.errors import LayerError
from eipgis.plans.scenario import Scenario, ScenarioError, strip_by_class
from eipgis.present._mapdata import layer_geojson

LIMITS = {"I": 1000.0, "II": 500.0, "III": 300.0, "IV": 100.0, "V": 50.0}


def load(tmp_path, layers):
    return eipgis.load_park(write_park(tmp_path / "park.gpkg", layers))


def distances(park):
    return indicators.safety_distance(park, limits=LIMITS).per_feature


# --- safety distance measured from the source -------------------------------------------------


def test_facility_polygon_is_measured_from_its_edge(tmp_path):
    layers = square_park_layers()
    # F2 (class II, 500 m) drawn as its plant x 850–950: its east edge is 350 m from N1 (x 1300),
    # where its point (x 900) was 400 m away.
    layers["facilities"].loc[1, "geometry"] = b(850, 350, 950, 450)
    frame = distances(load(tmp_path, layers))
    assert frame.loc["F2", "value"] == pytest.approx(350.0)
    assert frame.loc["F2", "measured_from"] == "polygon"
    assert frame.loc["F2", "buildings"] == []
    assert frame.loc["F1", "measured_from"] == "point"
    assert frame.loc["F1", "value"] == pytest.approx(1300.0 - 260.0)


def test_facility_with_two_buildings_is_measured_from_the_nearer_building(tmp_path):
    layers = square_park_layers()
    # F1 (class I, 1,000 m) is a point at x 260, 1,040 m from N1: it would pass. Its buildings
    # are B1 (x 100–400) and B2 (x 550–950); B2's east edge is 350 m from N1, so it fails by 650 m.
    layers["buildings"]["facility_id"] = ["F1", "F1", None, None]
    park = load(tmp_path, layers)
    frame = distances(park)
    assert frame.loc["F1", "value"] == pytest.approx(350.0)
    assert frame.loc["F1", "measured_from"] == "buildings"
    assert frame.loc["F1", "buildings"] == ["B1", "B2"]
    # F2 has neither polygon nor buildings: its point, and the result says so.
    assert frame.loc["F2", "measured_from"] == "point"
    assert frame.loc["F2", "value"] == pytest.approx(400.0)

    r = check(park, "vn-qcvn-01-2021")["VN-HAZ-DIST"]
    assert r.features == ["F1", "F2"]
    assert r.gap == {"distance_m": pytest.approx(650.0)}
    by = r.details["by_feature"]
    assert (by["F1"]["measured_from"], by["F1"]["buildings"]) == ("buildings", ["B1", "B2"])
    assert by["F2"]["measured_from"] == "point"


def test_a_facility_polygon_wins_over_its_buildings(tmp_path):
    layers = square_park_layers()
    layers["buildings"]["facility_id"] = [None, "F2", None, None]
    layers["facilities"].loc[1, "geometry"] = b(850, 350, 950, 450)
    frame = distances(load(tmp_path, layers))
    assert frame.loc["F2", "measured_from"] == "polygon"
    assert frame.loc["F2", "value"] == pytest.approx(350.0)


def test_map_zone_is_the_buffer_of_the_buildings(tmp_path):
    import geopandas as gpd

    from eipgis.present.webmap import park_map

    layers = square_park_layers()
    layers["buildings"]["facility_id"] = [None, "F2", None, None]  # B2: x 550–950, y 150–550
    park = load(tmp_path, layers)
    m = park_map(park, report=check(park, "vn-qcvn-01-2021"), lang="en", tiles=None)
    failing = next(c for c in m._children.values() if type(c).__name__ == "GeoLayer"
                   and c.layer_name.startswith("Safety distance not met"))
    data = layer_geojson(failing.data)
    props = data["features"][0]["properties"]
    assert (props["id"], props["d"], props["src"]) == ("F2", "350 m", "1 building(s): B2")
    # 500 m around a 400 m × 400 m building: 400² + 4·400·500 + π·500² m².
    zone = gpd.GeoSeries([Polygon(data["features"][0]["geometry"]["coordinates"][0])],
                         crs=4326).to_crs(3405)
    expected = 400**2 + 4 * 400 * 500 + math.pi * 500**2
    assert zone.area.iloc[0] == pytest.approx(expected, rel=0.01)


def test_building_naming_an_unknown_facility_is_refused(tmp_path):
    layers = square_park_layers()
    layers["buildings"]["facility_id"] = ["F1", "F9", None, None]
    with pytest.raises(LayerError) as err:
        load(tmp_path, layers)
    text = str(err.value)
    assert "layer 'buildings'" in text and "B2 ('F9')" in text and "F1, F2" in text
    assert "Fix: use a facility_id of the facilities layer" in text


# --- the 60 % limit: only a tall main building lowers it --------------------------------------


@pytest.mark.parametrize(("tall", "limit", "passes"), [("B3a", None, True), ("B3", 0.60, False)])
def test_tall_auxiliary_building_does_not_lower_the_limit(tmp_path, tall, limit, passes):
    layers = square_park_layers()
    bld = layers["buildings"]
    # P3 (29.7 ha) gets main building B3 of 20 ha (x 100–900, y 620–870): 67.3 %, under 70 %
    # but over 60 %. The auxiliary B3a moves into P3's green corner.
    bld.loc[bld.building_id == "B3", "geometry"] = b(100, 620, 900, 870)
    bld.loc[bld.building_id == "B3a", "geometry"] = b(920, 620, 960, 660)
    bld.loc[bld.building_id == tall, "floors"] = 7
    park = load(tmp_path, layers)
    frame = indicators.plot_building_density(park, tall_limit=0.60).per_feature
    assert frame.loc["P3", "value"] == pytest.approx(20.0 / 29.7)
    assert bool(frame.loc["P3", "over_5_floors"]) is (limit is not None)
    if limit is None:
        assert math.isnan(frame.loc["P3", "limit"])
    else:
        assert frame.loc["P3", "limit"] == limit
    failing = check(park, "vn-qcvn-01-2021")["VN21-PLOT-DENSITY"].features
    assert ("P3" not in failing) is passes
    assert "P2" in failing  # B2, main, 6 floors: 65.3 % > 60 % either way


# --- the isolation strip keeps water unless told otherwise ------------------------------------


@pytest.fixture
def river_park(tmp_path):
    """The square park whose west strip G1 (x 0–10, 1 ha) is a river."""
    layers = square_park_layers()
    layers["landuse"].loc[layers["landuse"].parcel_id == "G1", "landuse"] = "MN"
    return load(tmp_path, layers)


def strip(**extra):
    return Scenario.from_dict({"schema_version": 1, "name": "Strip", "operations": [
        {"op": "green_strip", "width_m": 10, **extra}]})


def by_class(log):
    frame = strip_by_class(log).set_index("class")
    return {c: (round(t, 3), round(k, 3)) for c, t, k in
            zip(frame.index, frame["taken_m2"], frame["kept_m2"], strict=True)}


def test_strip_keeps_a_river_on_the_boundary_by_default(river_park):
    new, log = strip().apply_with_log(river_park)
    # The band is 1000² − 980² = 39,600 m²: the river keeps its 10,000 m², the rest turns green.
    assert by_class(log) == {"traffic": (10_800.0, 0.0), "industrial": (8_000.0, 0.0),
                             "technical": (1_000.0, 0.0), "water": (0.0, 10_000.0)}
    assert "G1" not in set(log["from_feature"])
    lu = new.landuse.set_index("parcel_id")
    assert lu.loc["G1", "landuse_class"] == "water"
    assert check(new)["VN21-BUF-STRIP"].value == pytest.approx(29_600 / 39_600)
    md = strip().run(river_park).changes_markdown()
    assert "| operations[0] | water | 0.0000 | 1.0000 | G1 |" in md
    assert "| operations[0] | traffic | 1.0800 | 0.0000 | T1 |" in md


def test_strip_takes_the_river_when_keep_is_empty(river_park):
    new, log = strip(keep=[]).apply_with_log(river_park)
    assert by_class(log)["water"] == (10_000.0, 0.0)
    assert log.loc[log["from_feature"] == "G1", ["from", "to"]].values.tolist() == [
        ["water", "green"]]
    assert check(new)["VN21-BUF-STRIP"].value == pytest.approx(1.0)


def test_strip_keeps_any_listed_class(river_park):
    _, log = strip(keep=["water", "GT"]).apply_with_log(river_park)  # a plan code works too
    assert by_class(log)["traffic"] == (0.0, 10_800.0)
    assert by_class(log)["industrial"] == (8_000.0, 0.0)


def test_strip_keep_of_an_unknown_class_names_its_key():
    with pytest.raises(ScenarioError) as err:
        strip(keep=["hồ bơi"])
    assert "operations[0].keep" in str(err.value) and "unknown land use 'hồ bơi'" in str(err.value)


def test_sample_facilities_measured_from_their_buildings():
    park = eipgis.load_park(eipgis.sample_path())
    r = check(park, "vn-qcvn-01-2021")["VN-HAZ-DIST"]
    assert r.features == ["F01", "F09", "F11", "F12", "F13", "F14", "F15", "F17"]
    assert {v["measured_from"] for v in r.details["by_feature"].values()} == {"buildings"}
    # F09 Đức Giang (class I): its nearest building is 186 m from the Tằng Loỏng township.
    assert r.details["by_feature"]["F09"]["value"] == pytest.approx(185.6, abs=0.1)
    assert r.gap["distance_m"] == pytest.approx(1000 - 185.6, abs=0.1)
