"""Criteria on the hand-checkable square park: values, gaps and pass/fail flips a planner relies on.

The square park (tests/conftest.py) is 1,000 m × 1,000 m = 100 ha. Every expected figure below
is worked out by hand in a comment beside it.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import b, p, square_park_layers, write_park

import eipgis
from eipgis import indicators
from eipgis.criteria import check, load_criteria
from eipgis.errors import CriteriaError
from eipgis.park import load_park

QCVN = "vn-qcvn-01-2021"
DECREE = "vn-eip-decree-35"
_counter = itertools.count()


def load(tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]):
    """Write the layers as a GeoPackage (as a planner's export) and load them back."""
    return load_park(write_park(tmp_path / f"park{next(_counter)}.gpkg", layers))


def set_parcel(layers, parcel_id, **values):
    lu = layers["landuse"]
    row = lu.index[lu["parcel_id"] == parcel_id][0]
    for column, value in values.items():
        if column == "geometry":
            geoms = list(lu.geometry)
            geoms[row] = value
            lu = lu.set_geometry(gpd.GeoSeries(geoms, crs=lu.crs, index=lu.index))
        else:
            lu.loc[row, column] = value
    layers["landuse"] = lu
    return layers


@pytest.fixture
def square_park(square_gpkg):
    return load_park(square_gpkg)


@pytest.fixture
def qcvn(square_park):
    return check(square_park, QCVN)


# --- vn-qcvn-01-2021 on the square park -------------------------------------------------------


def test_park_area_and_crs(square_park):
    # 1,000 m × 1,000 m = 1,000,000 m² = 100 ha, kept in its projected CRS.
    assert square_park.area_ha == pytest.approx(100.0)
    assert square_park.crs_label == "EPSG:3405"
    assert square_park.unassigned_m2 == pytest.approx(0.0, abs=1e-6)
    assert square_park.notes == ()


def test_green_share_fails_by_a_tenth_of_a_hectare(qcvn):
    r = qcvn["VN21-LU-GREEN"]
    # green = G1 (10 m × 1,000 m = 1 ha) + G2 (890 m × 100 m = 8.9 ha) = 9.9 ha of 100 ha
    assert r.value == pytest.approx(0.099)
    assert not r.passed
    # gap = (0.10 − 0.099) × 100 ha = 0.10 ha to convert to green
    assert r.gap["area_ha"] == pytest.approx(0.10)
    assert r.features == []
    assert r.details["area_ha"] == pytest.approx(9.9)


def test_traffic_share_fails_by_a_tenth_of_a_hectare(qcvn):
    r = qcvn["VN21-LU-TRAFFIC"]
    # traffic = T1 (990 m × 100 m) = 9.9 ha of 100 ha
    assert r.value == pytest.approx(0.099)
    assert not r.passed
    assert r.gap["area_ha"] == pytest.approx(0.10)  # (0.10 − 0.099) × 100 ha


def test_technical_share_exactly_at_threshold_passes(qcvn):
    r = qcvn["VN21-LU-TECH"]
    # technical = E1 (100 m × 100 m) = 1 ha of 100 ha = 0.01 exactly: ≥ 0.01 passes
    assert r.value == pytest.approx(0.01)
    assert r.passed
    assert r.gap["area_ha"] == pytest.approx(0.0)


def test_plot_density_tall_building_lowers_the_limit(qcvn):
    r = qcvn["VN21-PLOT-DENSITY"]
    # P1: B1 300 × 300 = 9 ha / 25 ha = 0.36 ≤ 0.70
    # P2: B2 400 × 400 = 16 ha / 24.5 ha = 0.653; B2 has 6 floors (> 5) → limit 0.60 → fails
    # P3: B3 700 × 250 = 17.5 ha / 29.7 ha = 0.589 ≤ 0.70 (B3a is auxiliary)
    assert not r.passed
    assert r.features == ["P2"]
    assert r.value == 1  # one failing plot
    assert r.details["checked"] == 3
    p2 = r.details["by_feature"]["P2"]
    assert p2["value"] == pytest.approx(16 / 24.5)
    assert p2["limit"] == pytest.approx(0.60)
    assert bool(p2["over_5_floors"]) is True
    # gap = 16 ha − 0.60 × 24.5 ha = 16 − 14.7 = 1.30 ha of footprint too much
    assert r.gap["area_ha"] == pytest.approx(1.30)


def test_plot_density_counts_main_buildings_only(square_park, tmp_path):
    frame = indicators.plot_building_density(square_park, tall_limit=0.6).per_feature
    # P3 holds B3 (700 × 250 = 175,000 m²) and the auxiliary B3a (50 × 50 = 2,500 m²)
    assert frame.loc["P3", "footprint_m2"] == pytest.approx(175_000.0)
    assert frame.loc["P3", "value"] == pytest.approx(175_000 / 297_000)
    assert frame.loc["P1", "value"] == pytest.approx(0.36)  # 90,000 / 250,000
    # Marking B3a as a main building adds its 2,500 m².
    layers = square_park_layers()
    layers["buildings"].loc[3, "main"] = True
    frame = indicators.plot_building_density(load(tmp_path, layers), tall_limit=0.6).per_feature
    assert frame.loc["P3", "footprint_m2"] == pytest.approx(177_500.0)


@pytest.mark.parametrize(
    ("edit", "passes"),
    [
        ("five_floors", True),  # B2 at 5 floors: limit 0.70, 0.653 passes
        ("auxiliary", True),  # B2 marked auxiliary: P2 footprint 0
        ("shrink", True),  # B2 380 × 380 = 14.44 ha / 24.5 = 0.589 ≤ 0.60
        ("p1_tall", False),  # P1 gets 6 floors too: 0.36 ≤ 0.60 still passes, P2 still fails
    ],
)
def test_plot_density_flips(tmp_path, edit, passes):
    layers = square_park_layers()
    bld = layers["buildings"]
    if edit == "five_floors":
        bld.loc[1, "floors"] = 5
    elif edit == "auxiliary":
        bld.loc[1, "main"] = False
    elif edit == "shrink":
        geoms = list(bld.geometry)
        geoms[1] = b(550, 150, 930, 530)
        layers["buildings"] = bld.set_geometry(gpd.GeoSeries(geoms, crs=bld.crs))
    elif edit == "p1_tall":
        bld.loc[0, "floors"] = 6
    r = check(load(tmp_path, layers), QCVN)["VN21-PLOT-DENSITY"]
    assert r.passed is passes
    if edit == "p1_tall":
        assert r.features == ["P2"]  # P1: 0.36 ≤ 0.60
    if passes:
        assert r.gap["area_ha"] == pytest.approx(0.0)


def test_tall_building_next_door_does_not_lower_the_limit(tmp_path):
    layers = square_park_layers()
    bld = layers["buildings"]
    geoms = list(bld.geometry)
    geoms[1] = b(550, 150, 950, 600)  # B2 (6 floors) now touches P3's south edge at y = 600
    geoms[2] = b(100, 620, 880, 870)  # B3: 780 × 250 = 195,000 m² / 297,000 m² = 0.657 in P3
    layers["buildings"] = bld.set_geometry(gpd.GeoSeries(geoms, crs=bld.crs))
    r = check(load(tmp_path, layers), QCVN)["VN21-PLOT-DENSITY"]
    # P2: 400 × 450 = 180,000 / 245,000 = 0.735 > 0.60 fails; P3 keeps its 0.70 limit: passes
    assert r.features == ["P2"]
    frame = r.measure.per_feature
    assert not frame.loc["P3", "over_5_floors"]
    assert frame.loc["P3", "value"] == pytest.approx(195_000 / 297_000)


def test_plot_green_fails_on_p3(qcvn):
    r = qcvn["VN21-PLOT-GREEN"]
    # P1: 100 × 500 = 5 ha / 25 ha = 0.20 (exactly at the threshold: passes)
    # P2: 490 × 100 = 4.9 ha / 24.5 ha = 0.20 (passes)
    # P3: 100 × 300 = 3 ha / 29.7 ha = 0.101 < 0.20
    assert not r.passed
    assert r.features == ["P3"]
    assert r.details["by_feature"]["P3"]["value"] == pytest.approx(3 / 29.7)
    # gap = 0.20 × 29.7 ha − 3 ha = 5.94 − 3 = 2.94 ha of green to plant in P3
    assert r.gap["area_ha"] == pytest.approx(2.94)


def test_plot_green_gap_closes_exactly(tmp_path):
    layers = square_park_layers()
    # Plant the 2.94 ha gap in P3: 98 m × 300 m = 29,400 m² → (30,000 + 29,400) / 297,000 = 0.20
    extra = gpd.GeoDataFrame(
        {"parcel_id": ["P3"]}, geometry=[b(10, 600, 108, 900)], crs=layers["plot_green"].crs
    )
    layers["plot_green"] = pd.concat([layers["plot_green"], extra], ignore_index=True)
    r = check(load(tmp_path, layers), QCVN)["VN21-PLOT-GREEN"]
    assert r.passed
    assert r.gap["area_ha"] == pytest.approx(0.0)


def test_plot_green_overlapping_polygons_count_once(tmp_path):
    layers = square_park_layers()
    # The P3 green (3 ha) digitised twice must still be 3 ha, not 6 ha (6 / 29.7 would pass).
    pg = layers["plot_green"]
    layers["plot_green"] = pd.concat([pg, pg.iloc[[2]]], ignore_index=True)
    park = load(tmp_path, layers)
    r = check(park, QCVN)["VN21-PLOT-GREEN"]
    assert r.features == ["P3"]
    assert r.details["by_feature"]["P3"]["green_m2"] == pytest.approx(30_000.0)
    # green cover: 9.9 ha green parcels + 12.9 ha plot green = 22.8 %, unchanged by the duplicate
    assert indicators.green_cover_share(park).value == pytest.approx(0.228)


def test_isolation_strip_half_green(qcvn):
    r = qcvn["VN21-BUF-STRIP"]
    # band = 1,000² − 980² = 1,000,000 − 960,400 = 39,600 m²
    # green in band: G1 10 × 1,000 = 10,000 (all of it) + G2 top 890 × 10 = 8,900
    #               + G2 east 10 × 90 = 900 → 19,800 m² → 19,800 / 39,600 = 0.5
    assert r.value == pytest.approx(0.5)
    assert not r.passed
    assert r.details["band_ha"] == pytest.approx(3.96)
    assert r.details["green_ha"] == pytest.approx(1.98)
    # gap = 39,600 − 19,800 = 19,800 m² = 1.98 ha; as a 10 m strip: 19,800 / 10 = 1,980 m
    assert r.gap["area_ha"] == pytest.approx(1.98)
    assert r.gap["length_m"] == pytest.approx(1980.0)


def test_isolation_strip_ungreen_geometry(square_park):
    m = indicators.isolation_strip(square_park, width_m=10)
    # the ungreen part of the band is 19,800 m², all of it on T1, P1, P2, P3 and E1
    assert isinstance(m.detail, indicators.StripDetail)
    assert m.detail.ungreen_geometry.area == pytest.approx(19_800.0)
    assert m.detail.ungreen_length_m == pytest.approx(1980.0)
    assert "ungreen_geometry" not in m.detail.to_dict()  # geometry stays out of the JSON


def test_isolation_strip_all_green_passes(tmp_path):
    layers = square_park_layers()
    layers["landuse"]["landuse"] = "CX"  # every parcel green: the whole band is green
    r = check(load(tmp_path, layers), QCVN)["VN21-BUF-STRIP"]
    assert r.value == pytest.approx(1.0)
    assert r.passed
    assert r.gap == {"area_ha": pytest.approx(0.0), "length_m": pytest.approx(0.0)}


def test_safety_distance(qcvn):
    r = qcvn["VN-HAZ-DIST"]
    # N1 starts at x = 1,300. F1 (class I) at x = 260: 1,040 m ≥ 1,000 m passes.
    # F2 (class "2" → II) at x = 900: 400 m < 500 m fails by 100 m.
    assert not r.passed
    assert r.features == ["F2"]
    f2 = r.details["by_feature"]["F2"]
    assert f2["value"] == pytest.approx(400.0)
    assert f2["limit"] == pytest.approx(500.0)
    assert f2["hazard_class"] == "II"
    assert f2["nearest"] == "Thôn Làng Mới"
    assert f2["within"] == ["Thôn Làng Mới"]
    assert "F1" not in r.details["by_feature"]
    assert r.gap["distance_m"] == pytest.approx(100.0)


def test_safety_distance_per_facility(square_park):
    frame = indicators.safety_distance(
        square_park, limits={"I": 1000, "II": 500, "III": 300, "IV": 100, "V": 50}
    ).per_feature
    assert frame.loc["F1", "value"] == pytest.approx(1040.0)  # 1,300 − 260
    assert frame.loc["F1", "limit"] == pytest.approx(1000.0)
    assert frame.loc["F2", "value"] == pytest.approx(400.0)  # 1,300 − 900


@pytest.mark.parametrize(
    ("f1_x", "f2_x", "failing", "gap_m"),
    [
        (260, 800, [], 0.0),  # F2 at 1,300 − 800 = 500 m: exactly at its distance, passes
        (260, 700, [], 0.0),  # F2 moved west to 600 m
        (400, 700, ["F1"], 100.0),  # F1 at 900 m < 1,000 m: 100 m short
        (400, 900, ["F1", "F2"], 100.0),  # both 100 m short; the gap is the largest shortfall
        (100, 990, ["F2"], 190.0),  # F2 at 310 m: 500 − 310 = 190 m short
    ],
)
def test_safety_distance_flips_when_facilities_move(tmp_path, f1_x, f2_x, failing, gap_m):
    layers = square_park_layers()
    fac = layers["facilities"]
    layers["facilities"] = fac.set_geometry(
        gpd.GeoSeries([p(f1_x, 350), p(f2_x, 400)], crs=fac.crs, index=fac.index)
    )
    r = check(load(tmp_path, layers), QCVN)["VN-HAZ-DIST"]
    assert r.features == failing
    assert r.passed is (not failing)
    assert r.gap["distance_m"] == pytest.approx(gap_m)


def test_safety_distance_without_neighbourhoods_passes(tmp_path):
    layers = square_park_layers()
    del layers["neighbourhoods"]
    r = check(load(tmp_path, layers), QCVN)["VN-HAZ-DIST"]
    assert r.passed
    assert r.features == []


def test_green_and_technical_flip_when_e1_is_replanted(tmp_path):
    # E1 (1 ha) from XLNT to CX: green 9.9 + 1 = 10.9 % passes; technical 0 % fails by 1 ha.
    layers = set_parcel(square_park_layers(), "E1", landuse="CX")
    report = check(load(tmp_path, layers), QCVN)
    assert report["VN21-LU-GREEN"].passed
    assert report["VN21-LU-GREEN"].value == pytest.approx(0.109)
    assert report["VN21-LU-TECH"].value == pytest.approx(0.0)
    assert not report["VN21-LU-TECH"].passed
    assert report["VN21-LU-TECH"].gap["area_ha"] == pytest.approx(1.0)  # 0.01 × 100 ha


def test_traffic_flips_when_g2_becomes_road(tmp_path):
    # G2 (8.9 ha) from CX to GT: traffic 9.9 + 8.9 = 18.8 % passes, green 1 % fails by 9 ha.
    layers = set_parcel(square_park_layers(), "G2", landuse="GT")
    report = check(load(tmp_path, layers), QCVN)
    assert report["VN21-LU-TRAFFIC"].passed
    assert report["VN21-LU-TRAFFIC"].value == pytest.approx(0.188)
    assert report["VN21-LU-GREEN"].gap["area_ha"] == pytest.approx(9.0)  # (0.10 − 0.01) × 100


def test_green_gap_closes_when_a_strip_of_p3_becomes_green(tmp_path):
    # Cut 10 m × 100 m = 0.1 ha off P3 (x 10–110 → now y 600–890) and plant it: green 10.0 %.
    layers = square_park_layers()
    layers = set_parcel(
        layers, "P3", geometry=b(10, 600, 1000, 900).difference(b(10, 890, 110, 900))
    )
    extra = gpd.GeoDataFrame(
        {"parcel_id": ["G3"], "landuse": ["Đất cây xanh"], "tenant": [None]},
        geometry=[b(10, 890, 110, 900)],
        crs=layers["landuse"].crs,
    )
    layers["landuse"] = pd.concat([layers["landuse"], extra], ignore_index=True)
    r = check(load(tmp_path, layers), QCVN)["VN21-LU-GREEN"]
    assert r.value == pytest.approx(0.10)
    assert r.passed
    assert r.gap["area_ha"] == pytest.approx(0.0)


def test_report_overall(qcvn):
    assert qcvn.passed is False
    assert [r.id for r in qcvn.failing] == [
        "VN21-LU-GREEN",
        "VN21-LU-TRAFFIC",
        "VN21-PLOT-DENSITY",
        "VN21-PLOT-GREEN",
        "VN21-BUF-STRIP",
        "VN-HAZ-DIST",
    ]
    assert qcvn.criteria_set == QCVN
    assert qcvn.area_ha == pytest.approx(100.0)
    # class areas (ha): industrial 25 + 24.5 + 29.7 = 79.2; green 9.9; traffic 9.9; technical 1
    assert qcvn.class_area_ha["industrial"] == pytest.approx(79.2)
    assert qcvn.class_area_ha["green"] == pytest.approx(9.9)
    assert qcvn.class_area_ha["traffic"] == pytest.approx(9.9)
    assert qcvn.class_area_ha["technical"] == pytest.approx(1.0)
    assert qcvn.class_area_ha["unassigned"] == pytest.approx(0.0)
    with pytest.raises(KeyError):
        qcvn["NO-SUCH-ID"]


def test_check_does_not_modify_the_park(square_park):
    before = square_park.landuse.copy()
    check(square_park, DECREE)
    pd.testing.assert_frame_equal(square_park.landuse, before)


# --- vn-eip-decree-35 ------------------------------------------------------------------------


def test_decree_35_extends_qcvn(square_park):
    report = check(square_park, DECREE)
    ids = [r.id for r in report.results]
    # the seven QCVN criteria first (inherited), then the decree set's own; the dated predecessors
    # it extends (QCVN 01:2019, Decree 82) are not in force today and listed as such
    assert ids[:7] == [r.id for r in load_criteria(QCVN).criteria]
    assert ids[7:10] == ["VN35-EIP-WWTP", "VN82-EIP-25", "VN-ENV-GRN10"]
    assert set(report.not_in_force) == {r.id for name in ("vn-qcvn-01-2019", "vn-eip-decree-82")
                                        for r in load_criteria(name).criteria}
    assert report.criteria_set == DECREE


def test_decree_35_wwtp_by_code(square_park):
    r = check(square_park, DECREE)["VN35-EIP-WWTP"]
    # E1 is coded XLNT (trạm xử lý nước thải)
    assert r.value == 1
    assert r.passed
    assert r.details["parcels"] == ["E1"]


@pytest.mark.parametrize(
    "name",
    [
        "Trạm xử lý nước thải",
        "TRẠM XỬ LÝ NƯỚC THẢI tập trung",
        unicodedata.normalize("NFD", "Trạm xử lý nước thải"),  # typed with Unikey "Unicode tổ hợp"
        "Central WWTP",
    ],
)
def test_decree_35_wwtp_by_name(tmp_path, name):
    layers = set_parcel(square_park_layers(), "E1", landuse="HTKT")
    layers["landuse"]["name"] = None
    layers = set_parcel(layers, "E1", name=name)
    r = check(load(tmp_path, layers), DECREE)["VN35-EIP-WWTP"]
    assert r.value == 1
    assert r.passed


def test_decree_35_no_wwtp_fails(tmp_path):
    # E1 is technical (HTKT, a substation) but nothing says wastewater; an industrial plot
    # named after its own treatment plant does not count either.
    layers = set_parcel(square_park_layers(), "E1", landuse="HTKT")
    layers["landuse"]["name"] = None
    layers = set_parcel(layers, "E1", name="Trạm biến áp 110 kV")
    layers = set_parcel(layers, "P1", name="Nhà máy xử lý nước thải của Công ty A")
    r = check(load(tmp_path, layers), DECREE)["VN35-EIP-WWTP"]
    assert r.value == 0
    assert not r.passed
    assert r.gap["count"] == pytest.approx(1.0)


def test_decree_35_quarter_share(square_park, tmp_path):
    r = check(square_park, DECREE)["VN82-EIP-25"]
    # green 9.9 + traffic 9.9 + technical 1 = 20.8 ha of 100 ha
    assert r.value == pytest.approx(0.208)
    assert not r.passed
    assert r.gap["area_ha"] == pytest.approx(4.2)  # (0.25 − 0.208) × 100 ha
    assert r.status == "unconfirmed"
    # P3 (29.7 ha) turned into green: 20.8 + 29.7 = 50.5 % passes
    layers = set_parcel(square_park_layers(), "P3", landuse="CX")
    r = check(load(tmp_path, layers), DECREE)["VN82-EIP-25"]
    assert r.value == pytest.approx(0.505)
    assert r.passed


def test_decree_35_green_cover_counts_plot_green_once(square_park, tmp_path):
    r = check(square_park, DECREE)["VN-ENV-GRN10"]
    # green parcels 9.9 ha + plot green 5 + 4.9 + 3 = 12.9 ha → 22.8 ha of 100 ha
    assert r.value == pytest.approx(0.228)
    assert r.passed
    assert r.details["green_land_ha"] == pytest.approx(9.9)
    assert r.details["plot_green_ha"] == pytest.approx(12.9)
    # A plot-green polygon drawn on top of the green parcel G2 adds nothing: G2 counts once.
    layers = square_park_layers()
    extra = gpd.GeoDataFrame(
        {"parcel_id": ["G2"]}, geometry=[b(200, 920, 600, 980)], crs=layers["plot_green"].crs
    )
    layers["plot_green"] = pd.concat([layers["plot_green"], extra], ignore_index=True)
    r = check(load(tmp_path, layers), DECREE)["VN-ENV-GRN10"]
    assert r.value == pytest.approx(0.228)


def test_decree_35_green_cover_fails_without_green(tmp_path):
    layers = square_park_layers()
    # No green parcels (G1, G2 → reserve) and no plot green: 0 % → gap 10 ha
    layers = set_parcel(layers, "G1", landuse="DPT")
    layers = set_parcel(layers, "G2", landuse="DPT")
    del layers["plot_green"]
    r = check(load(tmp_path, layers), DECREE)["VN-ENV-GRN10"]
    assert r.value == pytest.approx(0.0)
    assert r.gap["area_ha"] == pytest.approx(10.0)


# --- a planner's own criteria file -----------------------------------------------------------

OWN = """\
schema_version: 1
id: tang-loong-own
title: {en: Our park's rules, vi: Quy định riêng của khu}
extends: [vn-qcvn-01-2021]
criteria:
  - id: VN21-LU-GREEN
    title: {en: Green land share (relaxed), vi: Tỷ lệ đất cây xanh (nới lỏng)}
    indicator: landuse_share
    params: {classes: [green]}
    op: ">="
    threshold: 0.05
    unit: share
    source: Ban quản lý KKT Lào Cai, working rule
    status: unconfirmed
  - id: OWN-TECH-MAX
    title: {en: Technical land at most 2 %, vi: Đất hạ tầng kỹ thuật không quá 2 %}
    indicator: landuse_share
    params: {classes: [technical]}
    op: "<="
    threshold: 0.02
    unit: share
    source: our own target
    status: confirmed
  - id: OWN-STRIP-5
    title: {en: Green strip 5 m, vi: Dải cây xanh 5 m}
    indicator: isolation_strip
    params: {width_m: 5}
    op: ">="
    threshold: 1.0
    unit: share
    source: our own target
    status: confirmed
"""


def test_own_criteria_file_extends_a_builtin_set(tmp_path, square_park):
    path = tmp_path / "own.yaml"
    path.write_text(OWN, encoding="utf-8")
    report = check(square_park, path)
    ids = [r.id for r in report.results]
    assert len(ids) == 9  # 7 inherited (one overridden in place) + 2 new
    assert ids[0] == "VN21-LU-GREEN"
    assert ids[-2:] == ["OWN-TECH-MAX", "OWN-STRIP-5"]
    green = report["VN21-LU-GREEN"]
    assert green.threshold == pytest.approx(0.05)
    assert green.passed  # 9.9 % ≥ 5 %
    assert green.title["vi"] == "Tỷ lệ đất cây xanh (nới lỏng)"
    assert report["OWN-TECH-MAX"].passed  # 1 % ≤ 2 %
    strip = report["OWN-STRIP-5"]
    # 5 m band = 1,000² − 990² = 19,900 m². Green in it:
    #   G1 (x 0–10, all y) minus its inner part x 5–10, y 5–995: 10,000 − 4,950 = 5,050
    #   G2 (x 110–1000, y 900–1000) minus x 110–995, y 900–995: 89,000 − 84,075 = 4,925
    #   → 9,975 m² / 19,900 m² = 0.50126
    assert strip.value == pytest.approx(9_975 / 19_900)
    # ungreen 19,900 − 9,975 = 9,925 m² as a 5 m strip = 1,985 m
    assert strip.gap["length_m"] == pytest.approx(1985.0)
    assert report.criteria_set == "tang-loong-own"


def test_own_criteria_file_extends_another_file(tmp_path, square_park):
    (tmp_path / "own.yaml").write_text(OWN, encoding="utf-8")
    child = """\
schema_version: 1
id: child
title: {en: Child, vi: Con}
extends: [own.yaml]
criteria:
  - id: OWN-TECH-MAX
    title: {en: Technical land at most 0.5 %, vi: "Đất hạ tầng kỹ thuật không quá 0,5 %"}
    indicator: landuse_share
    params: {classes: [technical]}
    op: "<="
    threshold: 0.005
    unit: share
    source: stricter
    status: confirmed
"""
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "child.yaml"
    path.write_text(child.replace("[own.yaml]", "[../own.yaml]"), encoding="utf-8")
    report = check(square_park, path)
    assert len(report.results) == 9
    assert not report["OWN-TECH-MAX"].passed  # 1 % > 0.5 %
    assert report["OWN-TECH-MAX"].gap["area_ha"] == pytest.approx(0.5)  # (0.01 − 0.005) × 100 ha


def test_own_criteria_extends_cycle_is_an_error(tmp_path):
    (tmp_path / "a.yaml").write_text(OWN.replace("[vn-qcvn-01-2021]", "[b.yaml]"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        OWN.replace("[vn-qcvn-01-2021]", "[a.yaml]").replace("tang-loong-own", "b"),
        encoding="utf-8",
    )
    with pytest.raises(CriteriaError, match="cycle"):
        load_criteria(tmp_path / "a.yaml")


def test_unknown_set_name_lists_the_builtin_sets():
    with pytest.raises(CriteriaError) as info:
        load_criteria("vn-qcvn-01-2099")
    assert QCVN in str(info.value) and DECREE in str(info.value)


# --- output forms ----------------------------------------------------------------------------

RESULT_KEYS = {
    "id": str,
    "title": str,
    "indicator": str,
    "value": (float, int),
    "op": str,
    "threshold": (float, int, dict),
    "unit": str,
    "passed": bool,
    "gap": dict,
    "features": list,
    "details": dict,
    "source": str,
    "status": str,
}


def test_json_matches_the_architecture(square_park):
    data = json.loads(check(square_park, DECREE).to_json())
    top = {
        "eipgis_version": str,
        "park": str,
        "criteria_set": str,
        "crs": str,
        "area_ha": (float, int),
        "passed": bool,
        "results": list,
    }
    for key, kind in top.items():
        assert isinstance(data[key], kind), key
    assert data["eipgis_version"] == eipgis.__version__
    assert data["park"] == "Khu công nghiệp Thử nghiệm"
    assert data["criteria_set"] == DECREE
    assert data["crs"] == "EPSG:3405"
    assert data["area_ha"] == pytest.approx(100.0)
    assert data["passed"] is False
    # 7 QCVN 01:2021 + 3 spatial EIP + 23 Art. 37 / Circular 05 criteria in force today; the 10 of
    # QCVN 01:2019 and Decree 82 are not
    assert len(data["results"]) == 33
    for result in data["results"]:
        for key, kind in RESULT_KEYS.items():
            if key in ("value", "passed") and result["assessed"] is False:
                assert result[key] is None, (result["id"], key)  # not assessed: no enterprises
                continue
            assert isinstance(result[key], kind), (result["id"], key)
        assert result["op"] in (">=", "<=", ">", "<", "==")
        assert result["status"] in ("confirmed", "unconfirmed")
        assert all(isinstance(f, str) for f in result["features"])
        assert all(isinstance(v, float | int) for v in result["gap"].values())
    by_id = {r["id"]: r for r in data["results"]}
    assert by_id["VN21-LU-GREEN"]["value"] == pytest.approx(0.099)
    assert by_id["VN21-LU-GREEN"]["gap"] == {"area_ha": pytest.approx(0.1)}
    assert by_id["VN21-LU-GREEN"]["threshold"] == pytest.approx(0.1)
    assert by_id["VN-HAZ-DIST"]["threshold"] == {
        "I": 1000,
        "II": 500,
        "III": 300,
        "IV": 100,
        "V": 50,
    }
    assert by_id["VN-HAZ-DIST"]["features"] == ["F2"]
    assert by_id["VN-HAZ-DIST"]["gap"] == {"distance_m": pytest.approx(100.0)}
    assert by_id["VN21-BUF-STRIP"]["gap"]["length_m"] == pytest.approx(1980.0)
    assert by_id["VN35-EIP-WWTP"]["gap"] == {"count": 0}


def test_json_keeps_vietnamese_text(square_park):
    text = check(square_park, QCVN).to_json()
    # ensure_ascii=False: the letters themselves, not \\u escapes
    assert "Khu công nghiệp Thử nghiệm" in text
    assert "Thôn Làng Mới" in text
    assert "\\u" not in text
    data = json.loads(text)
    assert data["results"][0]["title_vi"] == "Tỷ lệ đất cây xanh toàn khu"


def test_json_has_no_infinity(tmp_path):
    # Without neighbourhoods the distances are infinite: JSON must stay valid (no Infinity).
    layers = square_park_layers()
    del layers["neighbourhoods"]
    text = check(load(tmp_path, layers), QCVN).to_json()
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text)


def test_to_frame(qcvn):
    frame = qcvn.to_frame()
    assert list(frame.index) == [r.id for r in qcvn.results]
    assert frame.loc["VN21-LU-GREEN", "gap_area_ha"] == pytest.approx(0.1)
    assert frame.loc["VN21-BUF-STRIP", "gap_length_m"] == pytest.approx(1980.0)
    assert frame.loc["VN-HAZ-DIST", "gap_distance_m"] == pytest.approx(100.0)
    assert frame.loc["VN-HAZ-DIST", "features"] == ["F2"]
    assert bool(frame.loc["VN21-LU-TECH", "passed"]) is True
    assert frame["passed"].sum() == 1
    assert frame.loc["VN21-LU-GREEN", "title_vi"] == "Tỷ lệ đất cây xanh toàn khu"


def test_to_markdown(qcvn):
    md = qcvn.to_markdown()
    assert md.startswith("# Khu công nghiệp Thử nghiệm\n")
    row = next(line for line in md.splitlines() if line.startswith("| VN21-LU-GREEN |"))
    assert "9.9 %" in row and "FAIL" in row and "0.10 ha" in row and "QCVN 01:2021/BXD" in row
    assert "- **VN21-PLOT-DENSITY**: P2" in md
    assert "- **VN21-PLOT-GREEN**: P3" in md
    assert "- **VN-HAZ-DIST**: F2" in md
    md_vi = qcvn.to_markdown(lang="vi")
    assert "| mã | tiêu chí |" in md_vi
    assert "Tỷ lệ đất cây xanh toàn khu" in md_vi


def test_to_table_in_vietnamese(qcvn):
    table = qcvn.to_table(lang="vi")
    assert "Khu công nghiệp: Khu công nghiệp Thử nghiệm" in table
    assert "Tổng thể: KHÔNG ĐẠT (6/7)" in table
    tech = next(line for line in table.splitlines() if line.startswith("VN21-LU-TECH"))
    assert "ĐẠT" in tech and "KHÔNG ĐẠT" not in tech
    green = next(line for line in table.splitlines() if line.startswith("VN21-LU-GREEN"))
    assert "Tỷ lệ đất cây xanh toàn khu" in green and "KHÔNG ĐẠT" in green
    strip = next(line for line in table.splitlines() if line.startswith("VN21-BUF-STRIP"))
    # Vietnamese number format (issue 14): 1 980 m grouped with a dot, 50.0 % with a decimal comma.
    assert "1.980 m dải cây xanh" in strip and "50,0 %" in strip and "1,98 ha" in strip
    assert "1,980 m" not in table
    haz = next(line for line in table.splitlines() if line.startswith("VN-HAZ-DIST"))
    assert "100 m còn thiếu" in haz and "chưa xác nhận" in haz


def test_to_table_in_english(qcvn):
    table = qcvn.to_table()
    assert "Overall: FAIL (6/7)" in table
    density = next(line for line in table.splitlines() if line.startswith("VN21-PLOT-DENSITY"))
    assert "1 of 3 fail" in density and "60.0 % if > 5 floors" in density and "1.30 ha" in density
    # the columns line up: the result column starts at the same place on every row
    lines = table.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("id "))
    column = lines[head].index("result")
    rows = [line for line in lines[head + 2 : head + 9]]
    assert all(line[column:].startswith(("PASS", "FAIL")) for line in rows)
