"""Routing on a small hand-written OSM file: shortest paths by length, roads only, bad files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from _symbiosis import (
    CRS,
    NODES,
    great_circle_m,
    node_xy,
    path_m,
    write_flows,
    write_network_park,
    write_osm,
)
from shapely.geometry import Point

import eipgis
from eipgis.symbiosis import NetworkError, load_network, match, read_flows, route_trees


@pytest.fixture
def osm(tmp_path):
    return write_osm(tmp_path / "roads.osm")


@pytest.fixture
def network(osm):
    return load_network(osm, crs=CRS)


def _pos(network, osm_id):
    return int(np.flatnonzero(network.nodes == osm_id)[0])


def test_only_highway_ways_are_kept(network):
    assert network.dropped_ways == 1  # the railway
    assert sorted(network.nodes.tolist()) == [1, 2, 3, 4, 5, 6, 7]
    # 1-2, 2-3, 2-4, 4-5, 6-7 in both directions: no edge from the rail shortcut 1-5
    assert network.graph.number_of_edges() == 10
    assert not network.graph.has_edge(1, 5)


@pytest.mark.parametrize("engine", ["scipy", "networkx"])
def test_shortest_path_lengths_match_hand_computation(network, engine):
    n1, n3, n5, n6 = (_pos(network, i) for i in (1, 3, 5, 6))
    trees = route_trees(network, [n1, n3, n1], engine=engine)  # one tree per distinct source
    assert trees.sources.tolist() == sorted([n1, n3])
    # 1 → 5: the road route 1-2-4-5 (3,167.7 m), not the 1,514 m railway
    assert trees.length(n1, n5) == pytest.approx(path_m(1, 2, 4, 5), abs=0.01)
    assert trees.length(n1, n5) == pytest.approx(3167.68, abs=0.05)
    assert trees.length(n3, n5) == pytest.approx(path_m(3, 2, 4, 5), abs=0.01)
    assert [int(network.nodes[i]) for i in trees.path(n1, n5)] == [1, 2, 4, 5]
    # node 6 is on an isolated road: unreachable
    assert trees.length(n1, n6) == np.inf
    assert trees.path(n1, n6) == []


def test_snap_to_nearest_node(network):
    x, y = node_xy(4)
    pos, dist = network.snap(gpd.GeoSeries([Point(x + 30, y - 40)], crs=CRS))
    assert int(network.nodes[pos[0]]) == 4
    assert dist[0] == pytest.approx(50.0, abs=0.01)


def test_link_geometry_follows_the_route(tmp_path, network):
    park = eipgis.load_park(write_network_park(tmp_path / "park.gpkg"))
    flows = read_flows(write_flows(tmp_path / "f.csv", [("F1", "supply", "blast_furnace_slag", 100, "t/yr"),
                                                        ("F2", "demand", "cement_additive", 100, "t/yr")]), park)
    result = match(park, flows, network=network, estimate=False)
    link = result.links.iloc[0]
    assert bool(link["network"]) is True
    assert link["distance_m"] == pytest.approx(path_m(1, 2, 4, 5), abs=0.1)
    coords = [tuple(round(c, 3) for c in xy) for xy in link.geometry.coords]
    for nid in (1, 2, 4, 5):
        assert tuple(round(c, 3) for c in node_xy(nid)) in coords
    assert link["straight_m"] < link["distance_m"]


def test_not_xml(tmp_path):
    bad = tmp_path / "roads.osm"
    bad.write_text("this is not XML <osm", encoding="utf-8")
    with pytest.raises(NetworkError, match="is not XML"):
        load_network(bad, crs=CRS)


def test_xml_but_not_osm(tmp_path):
    bad = tmp_path / "roads.osm"
    bad.write_text("<gpx></gpx>", encoding="utf-8")
    with pytest.raises(NetworkError, match="not OSM XML"):
        load_network(bad, crs=CRS)


def test_osm_without_roads(tmp_path):
    rail_only = write_osm(tmp_path / "rail.osm", roads=False)
    with pytest.raises(NetworkError, match="holds no roads"):
        load_network(rail_only, crs=CRS)


def test_missing_osm(tmp_path):
    with pytest.raises(NetworkError, match="no such OSM file"):
        load_network(tmp_path / "nope.osm", crs=CRS)


def test_hand_formula_sanity():
    # 0.01° of latitude is R·0.01·π/180 = 1,111.95 m
    assert great_circle_m(2, 4) == pytest.approx(1111.95, abs=0.01)
    assert NODES[2][1] == NODES[4][1]
