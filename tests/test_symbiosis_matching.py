"""Matching: quantities respected, ranking, unreachable and off-network links, outputs and CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from _symbiosis import path_m, write_flows, write_network_park, write_osm

import eipgis
from eipgis.cli import main
from eipgis.symbiosis import load_network, match, read_flows, run_symbiosis


@pytest.fixture
def park_file(tmp_path):
    return write_network_park(tmp_path / "park.gpkg")


@pytest.fixture
def park(park_file):
    return eipgis.load_park(park_file)


@pytest.fixture
def network(tmp_path, park):
    return load_network(write_osm(tmp_path / "roads.osm"), crs=park.crs)


def _flows(tmp_path, park, supply_t):
    rows = [("F1", "supply", "blast_furnace_slag", supply_t, "t/yr"),
            ("F2", "demand", "cement_additive", 60, "t/yr"),
            ("F3", "demand", "cement_additive", 30, "t/yr"),
            ("F4", "demand", "cement_additive", 50, "t/yr")]
    return read_flows(write_flows(tmp_path / "flows.csv", rows), park)


def test_a_supply_is_not_promised_twice(tmp_path, park, network):
    result = match(park, _flows(tmp_path, park, 100), network=network, estimate=False)
    links = result.links.set_index("receiver")
    # ranked by benefit per tonne (same factor, so by distance): F2 3.17 km, F4 4.0 km, F3 7.3 km
    assert list(links.index) == ["F2", "F4"]
    assert links.loc["F2", "quantity"] == 60
    assert links.loc["F4", "quantity"] == 40       # what is left of the 100 t
    assert links["quantity"].sum() == 100          # never more than the supply
    flows = result.flows.set_index("node")
    assert flows.loc["F1", "left"] == 0
    assert flows.loc["F4", "left"] == 10
    assert flows.loc["F3", "left"] == 30
    # benefits: 0.52 t CO2 avoided per t of slag; transport 0.107 kg CO2 per t·km
    assert links.loc["F2", "avoided_co2_t"] == pytest.approx(60 * 0.52)
    d_km = path_m(1, 2, 4, 5) / 1000
    assert links.loc["F2", "transport_t_km"] == pytest.approx(60 * d_km, abs=0.1)
    assert links.loc["F2", "transport_co2_t"] == pytest.approx(60 * d_km * 0.107 / 1000, abs=1e-3)
    assert links.loc["F2", "transport_cost_vnd"] == pytest.approx(60 * d_km * 2000, abs=200)


def test_a_demand_is_not_served_twice(tmp_path, park, network):
    rows = [("F1", "supply", "blast_furnace_slag", 50, "t/yr"),
            ("F3", "supply", "yellow_phosphorus_slag", 50, "t/yr"),
            ("F2", "demand", "cement_additive", 70, "t/yr")]
    result = match(park, read_flows(write_flows(tmp_path / "f.csv", rows), park), network=network,
                   estimate=False)
    assert result.links["quantity"].sum() == 70
    assert result.links.set_index("supplier")["quantity"].to_dict() == {"F1": 50, "F3": 20}


def test_unreachable_and_outside_extent_are_flagged(tmp_path, park, network):
    result = match(park, _flows(tmp_path, park, 500), network=network, estimate=False)
    links = result.links.set_index("receiver")
    assert bool(links.loc["F2", "network"]) is True
    for receiver in ("F3", "F4"):
        assert bool(links.loc[receiver, "network"]) is False
        assert links.loc[receiver, "distance_m"] == pytest.approx(links.loc[receiver, "straight_m"])
        assert len(links.loc[receiver, "geometry"].coords) == 2  # a straight line
    assert links.loc["F3", "reason"] == "no route between them on the network"
    assert "F4 outside the network's extent" in links.loc["F4", "reason"]
    assert any(note.startswith("F4:") and "outside the network's extent" in note for note in result.notes)
    assert result.summary["links_off_network"] == 2


def test_without_network_every_link_is_straight(tmp_path, park):
    result = match(park, _flows(tmp_path, park, 100), estimate=False)
    assert not result.links["network"].any()
    assert set(result.links["reason"]) == {"no network file given"}


def test_outputs_and_totals(tmp_path, park_file):
    out = tmp_path / "out"
    flows = write_flows(tmp_path / "flows.csv", [("F1", "supply", "blast_furnace_slag", 100, "t/yr"),
                                                 ("F2", "demand", "cement_additive", 60, "t/yr")])
    roads = write_osm(tmp_path / "roads.osm")
    result = run_symbiosis(park_file, flows, network=roads, out_dir=out)
    links = gpd.read_file(out / "symbiosis.gpkg", layer="links")
    assert list(links.geometry.geom_type.unique()) == ["LineString"]
    for col in ("supplier", "receiver", "material", "quantity", "unit", "distance_m", "network",
                "transport_cost_vnd", "transport_co2_t", "avoided_co2_t"):
        assert col in links.columns
    summary = json.loads((out / "symbiosis.json").read_text(encoding="utf-8"))
    assert summary["links"] == 1 and summary["links_table"][0]["network"] is True
    assert (out / "links.csv").read_text(encoding="utf-8").startswith("link_id,supplier")
    totals = result.totals.set_index("node")
    assert totals.loc["F1", "links_out"] == 1 and totals.loc["F2", "links_in"] == 1
    assert totals.loc["F1", "avoided_co2_t"] == pytest.approx(60 * 0.52)
    assert "Thôn Làng Mới" in totals.index  # the neighbourhood, from its estimated flows


def test_cli_symbiosis_and_bad_inputs(tmp_path, park_file, capsys):
    roads = write_osm(tmp_path / "roads.osm")
    flows = write_flows(tmp_path / "flows.csv", [("F1", "supply", "GBFS", 100, "t/yr"),
                                                 ("F2", "demand", "cement additive", 60, "t/yr")])
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["symbiosis", str(park_file), "--flows", str(flows), "--network", str(roads), "-o", str(out)])
    assert done.value.code == 0
    assert "1 links (1 on the road network" in capsys.readouterr().out
    # the same again without --overwrite: refused, exit 2
    with pytest.raises(SystemExit) as done:
        main(["symbiosis", str(park_file), "--flows", str(flows), "--network", str(roads), "-o", str(out)])
    assert done.value.code == 2
    assert "--overwrite" in capsys.readouterr().err
    # bad flows and a bad OSM file: exit 2, one message, no output folder
    bad = write_flows(tmp_path / "bad.csv", [("F9", "supply", "GBFS", -1, "t/yr")])
    not_xml = tmp_path / "bad.osm"
    not_xml.write_text("nope", encoding="utf-8")
    for args, words in (((str(bad), str(roads)), "unknown node 'F9'"),
                        ((str(flows), str(not_xml)), "is not XML")):
        target = tmp_path / f"out-{words[:4]}"
        with pytest.raises(SystemExit) as done:
            main(["symbiosis", str(park_file), "--flows", args[0], "--network", args[1], "-o", str(target)])
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert not target.exists()
