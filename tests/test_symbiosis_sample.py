"""The Tằng Loỏng road extract, flow inventory and symbiosis network as committed in layers/."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import eipgis
from eipgis.assess import tang_loong_symbiosis
from eipgis.symbiosis import load_network, read_flows

LAYERS = Path(__file__).resolve().parents[1] / "layers"
OSM = LAYERS / "lao_cai_roads.osm"


def test_road_extract_is_valid_osm_xml():
    text = OSM.read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in text.split("<node", 1)[0]  # the attribution travels with the file
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "osm" and root.get("version") == "0.6"
    node_ids = {n.get("id") for n in root.iter("node")}
    assert all(n.get("lat") and n.get("lon") for n in root.iter("node"))
    kinds = {"road": 0, "rail": 0, "illustrative": 0}
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        assert {nd.get("ref") for nd in way.iter("nd")} <= node_ids
        assert "source" in tags
        if "highway" in tags:
            kinds["road"] += 1
            assert tags.get("name")
            kinds["illustrative"] += tags["source"] == "eipgis-illustrative"
        else:
            assert tags.get("railway") == "rail"  # rail is kept for reference only, never as a road
            kinds["rail"] += 1
    assert kinds["road"] > 50 and kinds["rail"] >= 2 and kinds["illustrative"] >= 5


def test_sample_symbiosis_routes_on_the_road_network():
    park = eipgis.load_park(LAYERS / "tang_loong.gpkg")
    network = load_network(OSM, crs=park.crs)
    assert network.dropped_ways >= 2  # the railways
    flows = read_flows(LAYERS / "tang_loong_flows.csv", park)
    assert set(flows["node"]) <= set(park.facilities["facility_id"]) | {"XLNT-01"}
    result = tang_loong_symbiosis(park)
    links = result.links
    assert len(links) >= 8
    assert links["network"].all()  # every Tằng Loỏng link is routed, none straight-line
    assert set(links.loc[links["receiver"].eq("F16"), "material"]) == {"blast_furnace_slag",
                                                                       "yellow_phosphorus_slag"}
    assert links.loc[links["receiver"].eq("F16"), "quantity"].sum() <= 1_000_000  # Lao Kay's capacity
    assert (links["distance_m"] >= links["straight_m"] - 1e-6).all()


def test_road_extract_equals_a_fresh_build():
    spec = importlib.util.spec_from_file_location("build_lao_cai_roads", LAYERS / "build_lao_cai_roads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not module.TRANSPORT.exists():
        pytest.skip("the open transport data (../shared/data) is not beside this checkout")
    text, _ = module.build(LAYERS / "tang_loong.gpkg")
    assert text == OSM.read_text(encoding="utf-8")


def test_assess_writes_the_symbiosis_network(tmp_path):
    from eipgis.assess import assess

    outputs = assess(tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in outputs.files}
    assert {"symbiosis/symbiosis.gpkg", "symbiosis/links.csv", "symbiosis/totals.csv",
            "symbiosis/symbiosis.json"} <= names
    assert "Symbiosis:" in outputs.table
