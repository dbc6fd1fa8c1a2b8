"""The Hòa Khánh and Trà Nóc 1 & 2 samples: rebuilt from their scripts, loaded, checked and routed."""

from __future__ import annotations

import csv
import runpy
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _layers import assert_same_gpkg
from shapely import Point

import eipgis
from eipgis.cli import main as cli
from eipgis.crs import province_of, vn2000_tm
from eipgis.symbiosis import read_flows

LAYERS = Path(__file__).resolve().parents[1] / "layers"
PARKS = ["hoa_khanh", "tra_noc"]
PROVINCE = {"hoa_khanh": "Đà Nẵng", "tra_noc": "Cần Thơ"}
# Published areas (hoa-khanh-tra-noc.md §1): Hòa Khánh main park 394 ha (the 132.6 ha extension is not
# drawn); Trà Nóc 1 135 ha + Trà Nóc 2 155 ha = 290 ha (vietrade 2012).
AREA_HA = {"hoa_khanh": {"Hòa Khánh": 394.0}, "tra_noc": {"Trà Nóc 1": 135.0, "Trà Nóc 2": 155.0}}
# Central WWTPs: Hòa Khánh 6,000 m³/day (2022, baodanang.vn); Trà Nóc design 12,000 m³/day (2013).
WWTP_M3_DAY = {"hoa_khanh": 6000.0, "tra_noc": 12000.0}


def script(name: str) -> dict:
    return runpy.run_path(str(LAYERS / f"build_{name}.py"))


@pytest.fixture(scope="module", params=PARKS)
def built(request, tmp_path_factory):
    """(name, the script's namespace, a fresh build of the GeoPackage without the road extract)."""
    name = request.param
    ns = script(name)
    out = tmp_path_factory.mktemp(name) / f"{name}.gpkg"
    assert ns["run"](["-o", str(out), "--no-roads"]) == 0
    return name, ns, out


def test_committed_park_equals_a_fresh_build(built):
    name, _, out = built
    assert_same_gpkg(LAYERS / f"{name}.gpkg", out, f"build_{name}.py")


def test_committed_road_extract_equals_a_fresh_build(built):
    name, ns, _ = built
    roads = ns["roads_build"]
    if not roads.TRANSPORT.exists():
        pytest.skip("the open transport data (../shared/data) is not beside this checkout")
    text, counts = roads.build(LAYERS / f"{name}.gpkg", ns["REGION"])
    assert text == (LAYERS / f"{name}_roads.osm").read_text(encoding="utf-8")
    assert counts["national road pieces"] >= 5 and counts["illustrative links"] >= 1


@pytest.mark.parametrize("name", PARKS)
def test_loads_in_its_provincial_grid_with_the_published_area(name):
    park = eipgis.load_park(LAYERS / f"{name}.gpkg")
    assert park.crs == vn2000_tm(PROVINCE[name])  # EPSG:5899 (Đà Nẵng), EPSG:5897 (Cần Thơ)
    total = sum(AREA_HA[name].values())
    assert park.boundary.area.sum() / 1e4 == pytest.approx(total, rel=0.005)
    # Each published zone: its parcels (which tile the park up to slivers under 10 m²) sum to its area.
    by_zone = park.landuse.assign(ha=park.landuse.area / 1e4).groupby("zone")["ha"].sum()
    for zone, ha in AREA_HA[name].items():
        assert by_zone[zone] == pytest.approx(ha, rel=0.005), zone
    wwtp = park.landuse[park.landuse["landuse"].eq("XLNT")]
    assert list(wwtp["capacity_m3_per_day"]) == [WWTP_M3_DAY[name]]


@pytest.mark.parametrize("name", PARKS)
def test_each_park_lies_in_its_province(name):
    """By eipgis's outlines (geoBoundaries), so a lon/lat copy of the park would get the same grid."""
    park = eipgis.load_park(LAYERS / f"{name}.gpkg")
    assert province_of(park.boundary.to_crs("EPSG:4326").union_all()) == PROVINCE[name]


def test_parks_sit_at_the_researched_places():
    """Hòa Khánh beside Quốc lộ 1A; Trà Nóc 1 about 1 km from Cần Thơ airport (research note §1)."""
    def distance_m(name, lonlat):
        park = eipgis.load_park(LAYERS / f"{name}.gpkg")
        point = gpd.GeoSeries([Point(lonlat)], crs="EPSG:4326").to_crs(park.crs).iloc[0]
        zone = park.landuse[park.landuse["zone"].eq(next(iter(AREA_HA[name])))].union_all()
        return zone.distance(point)

    # The QL1A vertex 108.1497 E, 16.0667 N (LegoCity) is put 150 m off the park's south-east corner.
    assert distance_m("hoa_khanh", (108.1497, 16.0667)) == pytest.approx(150, abs=1)
    # Airport reference point 10°05′02″N 105°42′36″E, put 1.5 km inland of Trà Nóc 1's fence.
    assert distance_m("tra_noc", (105.71, 10.0 + 5 / 60 + 2 / 3600)) == pytest.approx(1500, abs=1)


@pytest.mark.parametrize("name", PARKS)
def test_every_facility_has_a_sector_and_a_source(name):
    fac = gpd.read_file(LAYERS / f"{name}.gpkg", layer="facilities")
    assert fac["source"].str.len().gt(20).all() and fac["sector"].str.len().gt(0).all()
    stand_ins = fac[~fac["named_in_source"]]
    assert stand_ins["source"].str.contains("illustrative").all()
    named = set(fac.loc[fac["named_in_source"], "tenant"])
    if name == "hoa_khanh":  # the four firms VNCPC names in the six Đà Nẵng solutions
        assert len(named) == 4 and any("Heineken" in t for t in named)
        assert set(fac.loc[fac["tenant"].str.contains("Green Energy"), "solutions"]) == {"D1, D3, D6"}
    else:  # no readable source names a Trà Nóc firm
        assert named == set()


@pytest.mark.parametrize("name", PARKS)
def test_check_runs(name, capsys):
    with pytest.raises(SystemExit) as info:
        cli(["check", str(LAYERS / f"{name}.gpkg")])
    out = capsys.readouterr().out
    assert info.value.code in (0, 1)
    total = sum(AREA_HA[name].values())
    epsg = vn2000_tm(PROVINCE[name]).to_epsg()
    assert f"Area: {total:.2f} ha (EPSG:{epsg})" in out


@pytest.mark.parametrize(("name", "pairs"), [
    ("hoa_khanh", {("H02", "H03", "steam")}),  # D3: Green Energy's steam to Tan Long
    ("tra_noc", {("XLNT-01", "MN-01", "treated_wastewater"),  # (i) effluent as fire reserve
                 ("T01", "T05", "treated_wastewater")}),  # (iii) type-A water reused
])
def test_symbiosis_routes_on_the_extract(name, pairs, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli(["symbiosis", str(LAYERS / f"{name}.gpkg"), "--flows", str(LAYERS / f"{name}_flows.csv"),
             "--network", str(LAYERS / f"{name}_roads.osm"), "-o", str(tmp_path / "out")])
    assert info.value.code == 0, capsys.readouterr().err
    links = pd.read_csv(tmp_path / "out" / "links.csv")
    assert pairs <= set(zip(links["supplier"], links["receiver"], links["material"]))
    assert links["network"].all()  # every link is routed on the roads, none straight-line
    assert (links["distance_m"] >= links["straight_m"] - 1e-6).all()


@pytest.mark.parametrize("name", PARKS)
def test_flows_are_readable_and_sourced(name):
    park = eipgis.load_park(LAYERS / f"{name}.gpkg")
    flows = read_flows(LAYERS / f"{name}_flows.csv", park)
    assert len(flows) >= 3
    with (LAYERS / f"{name}_flows.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert all(r["basis"] in {"published", "proxy", "illustrative"} and len(r["source"]) > 20 for r in rows)


@pytest.mark.parametrize("name", PARKS)
def test_road_extract_is_attributed_osm_with_a_link_to_the_park(name):
    path = LAYERS / f"{name}_roads.osm"
    assert path.stat().st_size < 2_000_000
    text = path.read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in text.split("<node", 1)[0]
    root = ET.fromstring(text.encode("utf-8"))
    tags = [{t.get("k"): t.get("v") for t in way.iter("tag")} for way in root.iter("way")]
    assert all("source" in t for t in tags)
    assert any(t.get("name", "").startswith("Đường nối KCN") for t in tags)
    assert any(t.get("ref", "").startswith("QL") for t in tags)
