"""Helpers for the symbiosis tests: a hand-written OSM file and a park whose firms sit on its nodes.

The OSM file (lat, lon in degrees; spacing 0.01°):

    node 4 (22.43, 104.04) ---- node 5 (22.43, 104.05)        node 6 (22.47, 104.08) -- node 7 (22.47, 104.09)
       |                                                      (an isolated road: unreachable)
    node 1 (22.42, 104.03) ---- node 2 (22.42, 104.04) ---- node 3 (22.42, 104.05)

Roads (highway=residential): 1-2-3, 2-4, 4-5 and the isolated 6-7. A railway 1-5 (railway=rail,
no highway tag) would be a shortcut and must be ignored. The only road route 1 → 5 is 1-2-4-5.
Edge lengths are great-circle (osmnx, Earth radius 6,371,009 m), so the hand computation below
uses the same formula.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import geopandas as gpd
from conftest import CRS, square_park_layers, write_park
from pyproj import Transformer
from shapely.geometry import Point

EARTH_RADIUS_M = 6_371_009.0
NODES = {1: (22.42, 104.03), 2: (22.42, 104.04), 3: (22.42, 104.05), 4: (22.43, 104.04),
         5: (22.43, 104.05), 6: (22.47, 104.08), 7: (22.47, 104.09)}
ROADS = [[1, 2, 3], [2, 4], [4, 5], [6, 7]]
RAIL = [1, 5]


def great_circle_m(a: int, b: int) -> float:
    """Haversine distance between two nodes of :data:`NODES`, by hand."""
    (lat1, lon1), (lat2, lon2) = NODES[a], NODES[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def path_m(*nodes: int) -> float:
    return sum(great_circle_m(a, b) for a, b in itertools.pairwise(nodes))


def write_osm(path: Path, *, roads: bool = True) -> Path:
    """Write the OSM XML file described in the module docstring."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lat, lon) in NODES.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    ways = [(w, "highway", "residential") for w in ROADS] if roads else []
    ways.append((RAIL, "railway", "rail"))
    for wid, (nodes, key, value) in enumerate(ways, start=100):
        nds = "".join(f'<nd ref="{n}"/>' for n in nodes)
        lines.append(f'  <way id="{wid}" version="1">{nds}<tag k="{key}" v="{value}"/>'
                     f'<tag k="name" v="Đường {wid}"/></way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def node_xy(nid: int) -> tuple[float, float]:
    """A node's position in the park's CRS (EPSG:3405)."""
    lat, lon = NODES[nid]
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat)


def write_network_park(path: Path) -> Path:
    """The square test park with firms on nodes: F1 at 1, F2 at 5, F3 at 6 (isolated road),
    F4 4 km south of node 1 (outside the network's extent)."""
    layers = square_park_layers()
    lat, lon = NODES[1]
    far = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(lon, lat - 0.036)
    points = [Point(node_xy(1)), Point(node_xy(5)), Point(node_xy(6)), Point(far)]
    layers["facilities"] = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2", "F3", "F4"], "hazard_class": ["III"] * 4,
         "name": ["Nhà máy thép", "Nhà máy nghiền xỉ", "Nhà máy xi măng", "Trạm nghiền"]},
        geometry=points, crs=CRS)
    return write_park(path, layers)


def write_flows(path: Path, rows: list[tuple], header: str = "node,direction,material,quantity,unit") -> Path:
    text = header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
