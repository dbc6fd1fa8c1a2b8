"""Build the road extract ``layers/lao_cai_roads.osm`` (OSM XML) that ``eipgis symbiosis`` routes on.

Usage::

    python layers/build_lao_cai_roads.py [--park layers/tang_loong.gpkg] [-o layers/lao_cai_roads.osm]

Three kinds of ways go in, each tagged with its ``source``:

1. National roads and railways near the park from the open LegoCity transport layer
   (``../shared/data/vn_transport_legocity/giaothong.geojson``, CC BY-SA 4.0). Roads get a
   ``highway`` tag (``Quốc Gia`` → ``trunk``, otherwise ``primary``); railways get
   ``railway=rail`` and **no** ``highway`` tag, so routing (which keeps only ``highway`` ways)
   never sends a truck along a track. Rail nodes are never shared with road nodes.
2. The park's internal roads (layer ``roads`` of the sample GeoPackage; an illustrative layout).
3. Short straight link roads, tagged ``source=eipgis-illustrative``, where the open data has no
   road: from each neighbourhood centre to the nearest road, and one from Phố Lu to Quốc lộ 70
   (standing in for the Phố Lu crossing and Quốc lộ 4E, which the open data lacks).

The result is a derivative of CC BY-SA 4.0 data and is shared under the same licence
(see ``layers/README.md``). The build is deterministic: same inputs, same file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely import LineString

HERE = Path(__file__).resolve().parent
DEFAULT_PARK = HERE / "tang_loong.gpkg"
DEFAULT_OUTPUT = HERE / "lao_cai_roads.osm"
# The open data is in ../shared beside the checkout (or beside a parent of it, for a git worktree).
SHARED_DATA = next((p / "shared" / "data" for p in HERE.parents if (p / "shared" / "data").is_dir()),
                   HERE.parent.parent / "shared" / "data")
TRANSPORT = SHARED_DATA / "vn_transport_legocity" / "giaothong.geojson"

CRS = "EPSG:9208"  # VN-2000 / TM-3 104-45, the Lào Cai provincial grid: all noding happens in metres
WGS84 = "EPSG:4326"
#: Window around the park and Lào Cai city (lon min, lat min, lon max, lat max).
BBOX = (103.85, 22.15, 104.35, 22.60)
#: Road vertices closer than this (m) are merged, so that touching roads share a node.
SNAP_M = 25.0
#: Longest straight piece of a way (m): extra vertices let facilities snap near their true position.
MAX_SEGMENT_M = 100.0
#: A neighbourhood centre farther than this (m) from every road gets an illustrative link road.
LINK_IF_FARTHER_M = 150.0

SOURCE_NATIONAL = "LegoCity giaothong.geojson (CTU-SematX/LegoCity a1aabc7, CC BY-SA 4.0)"
SOURCE_PARK = "eipgis layers/tang_loong.gpkg roads (illustrative park layout)"
SOURCE_LINK = "eipgis-illustrative"


class Region(NamedTuple):
    """Where one park's extract is cut and how it is tied to the national roads.

    ``place_links``: (neighbourhood, national road ``ref``, way name) drawn as straight
    illustrative roads; ``park_links``: (``ref``, way name) from the nearest park road to that
    national road, for parks the coarse national layer passes at a distance.
    """

    label: str
    crs: str
    bbox: tuple[float, float, float, float]
    source_park: str
    place_links: tuple[tuple[str, str, str], ...] = ()
    park_links: tuple[tuple[str, str], ...] = ()


LAO_CAI = Region("eipgis Tằng Loỏng sample", CRS, BBOX, SOURCE_PARK,
                 place_links=(("Phố Lu", "QL70", "Đường nối Phố Lu – QL70 (minh họa, thay cho QL4E)"),))


def national_lines(region: Region = LAO_CAI) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Roads and railways of the open national layer inside the region's window, in its CRS."""
    crs = region.crs
    data = gpd.read_file(TRANSPORT, engine="pyogrio").clip(region.bbox)
    data = data[data.geom_type.isin(["LineString", "MultiLineString"])]
    data = data.explode(index_parts=False).reset_index(drop=True).to_crs(crs)
    is_rail = data["loai_duong"].eq("Đường sắt")
    names = data["ten"].astype(str)
    refs = names.str.replace("Quốc lộ ", "QL", regex=False).where(names.str.startswith("Quốc lộ"), "")
    roads = gpd.GeoDataFrame({
        "name": names[~is_rail].to_numpy(),
        "ref": refs[~is_rail].to_numpy(),
        "highway": np.where(data.loc[~is_rail, "cap_duong"].eq("Quốc Gia"), "trunk", "primary"),
        "source": SOURCE_NATIONAL,
    }, geometry=data.geometry[~is_rail].to_numpy(), crs=crs)
    rails = gpd.GeoDataFrame({"name": names[is_rail].to_numpy(), "source": SOURCE_NATIONAL},
                             geometry=data.geometry[is_rail].to_numpy(), crs=crs)
    return roads, rails


def park_lines(park: Path, region: Region = LAO_CAI) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The park's internal roads and its neighbourhoods (for the link roads), in the region's CRS."""
    roads = gpd.read_file(park, layer="roads", engine="pyogrio").to_crs(region.crs)
    roads = roads.explode(index_parts=False).reset_index(drop=True)
    roads = gpd.GeoDataFrame({
        "name": roads["name"].astype(str), "ref": "", "highway": roads["highway"].astype(str),
        "source": region.source_park}, geometry=roads.geometry, crs=region.crs)
    places = gpd.read_file(park, layer="neighbourhoods", engine="pyogrio").to_crs(region.crs)
    return roads, places


def link_roads(roads: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
               region: Region = LAO_CAI) -> gpd.GeoDataFrame:
    """Straight illustrative links: the park to far national roads, neighbourhood centres to the
    nearest road, and the region's named place links (Phố Lu to QL70).

    The centre is the polygon's ``representative_point``, the point eipgis routes from.
    Links are added nearest place first, so a later place may connect through an earlier link.
    """
    centres = places.geometry.representative_point()
    park_roads = roads[roads["source"].eq(region.source_park)]
    rows = []
    for ref, label in region.park_links:
        target = roads[roads["ref"].eq(ref)].union_all()
        on_park, on_road = shapely.ops.nearest_points(park_roads.union_all(), target)
        rows.append((label, "primary", LineString([on_park, on_road])))
    order = np.argsort(centres.distance(park_roads.union_all()).to_numpy())
    lines = list(roads.geometry) + [r[2] for r in rows]
    for i in order:
        name, centre = places["name"].iloc[i], centres.iloc[i]
        network = shapely.union_all(lines)
        if centre.distance(network) <= LINK_IF_FARTHER_M:
            continue
        _, on_road = shapely.ops.nearest_points(centre, network)
        link = LineString([centre, on_road])
        lines.append(link)
        rows.append((f"Đường nối {name} (minh họa)", "unclassified", link))
    for place, ref, label in region.place_links:
        target = roads[roads["ref"].eq(ref)].union_all()
        centre = centres[places["name"].eq(place).to_numpy()]
        if len(centre) and not target.is_empty:
            _, on_road = shapely.ops.nearest_points(centre.iloc[0], target)
            rows.append((label, "primary", LineString([centre.iloc[0], on_road])))
    return gpd.GeoDataFrame({"name": [r[0] for r in rows], "ref": "",
                             "highway": [r[1] for r in rows], "source": SOURCE_LINK},
                            geometry=[r[2] for r in rows], crs=region.crs)


def noded(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split every line where it meets another, keeping each piece's attributes.

    Endpoints within :data:`SNAP_M` of another line are snapped onto it first, so that the
    coarse national layer's near-misses become junctions.
    """
    geoms = list(lines.geometry)
    tree = shapely.STRtree(geoms)
    snapped = []
    for i, geom in enumerate(geoms):
        coords = shapely.get_coordinates(geom)
        for end in (0, -1):
            tip = shapely.Point(coords[end])
            near = [j for j in tree.query(tip, predicate="dwithin", distance=SNAP_M) if j != i]
            if not near:
                continue
            j = min(near, key=lambda k: geoms[k].distance(tip))
            if geoms[j].distance(tip) > 0:
                coords[end] = shapely.get_coordinates(shapely.ops.nearest_points(tip, geoms[j])[1])[0]
        snapped.append(LineString(coords))
    pieces = shapely.union_all(snapped, grid_size=0.01)
    parts = shapely.get_parts(pieces)
    parts = parts[shapely.length(parts) > 0.05]
    mids = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    tree = shapely.STRtree(snapped)
    part_idx, line_idx = tree.query(mids, predicate="dwithin", distance=0.05)
    first = pd.Series(line_idx, index=part_idx).groupby(level=0).min()
    attrs = lines.drop(columns="geometry").iloc[first.to_numpy()].reset_index(drop=True)
    return gpd.GeoDataFrame(attrs, geometry=parts[first.index.to_numpy()], crs=lines.crs)


def to_osm_xml(roads: gpd.GeoDataFrame, rails: gpd.GeoDataFrame, region: Region = LAO_CAI) -> str:
    """OSM XML 0.6: one node per distinct vertex (roads and rails apart), one way per piece."""
    node_ids: dict[tuple[float, float, str], int] = {}
    node_rows: list[str] = []
    way_rows: list[str] = []

    def node(lon: float, lat: float, layer: str) -> int:
        key = (round(lon, 7), round(lat, 7), layer)
        if key not in node_ids:
            node_ids[key] = len(node_ids) + 1
            node_rows.append(f'  <node id="{node_ids[key]}" version="1" lat="{key[1]:.7f}" '
                             f'lon="{key[0]:.7f}"/>')
        return node_ids[key]

    def add_ways(frame: gpd.GeoDataFrame, layer: str, tags: list[str]) -> None:
        dense = shapely.segmentize(frame.geometry.to_numpy(), MAX_SEGMENT_M)
        lonlat = gpd.GeoSeries(dense, crs=region.crs).to_crs(WGS84)
        for row, geom in zip(frame.itertuples(index=False), lonlat):
            refs = [node(x, y, layer) for x, y in shapely.get_coordinates(geom)]
            refs = [r for k, r in enumerate(refs) if k == 0 or r != refs[k - 1]]
            if len(refs) < 2:
                continue
            way_id = len(way_rows) + 1
            body = "".join(f'\n    <nd ref="{r}"/>' for r in refs)
            kv = {t: getattr(row, t) for t in tags if getattr(row, t, "")}
            if layer == "rail":
                kv = {"railway": "rail", **kv}
            kv["source"] = row.source
            body += "".join(f"\n    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>"
                            for k, v in kv.items())
            way_rows.append(f'  <way id="{way_id}" version="1">{body}\n  </way>')

    add_ways(roads, "road", ["highway", "name", "ref"])
    add_ways(rails, "rail", ["name"])
    lon = [k[0] for k in node_ids]
    lat = [k[1] for k in node_ids]
    head = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<osm version="0.6" generator="eipgis layers/build_lao_cai_roads.py">',
            ("  <!-- Derived from LegoCity giaothong.geojson (CTU-SematX/LegoCity, CC BY-SA 4.0) and the "
             f"{region.label}; shared under CC BY-SA 4.0. Ways tagged "
             "source=eipgis-illustrative are drawn links, not surveyed roads. -->"),
            (f'  <bounds minlat="{min(lat):.7f}" minlon="{min(lon):.7f}" maxlat="{max(lat):.7f}" '
             f'maxlon="{max(lon):.7f}"/>')]
    return "\n".join(head + node_rows + way_rows + ["</osm>", ""])


def build(park: Path, region: Region = LAO_CAI) -> tuple[str, dict[str, int]]:
    """The OSM XML text and a count of ways by source."""
    national, rails = national_lines(region)
    internal, places = park_lines(park, region)
    roads = pd.concat([national, internal], ignore_index=True)
    links = link_roads(roads, places, region)
    roads = gpd.GeoDataFrame(pd.concat([roads, links], ignore_index=True), crs=region.crs)
    pieces = noded(roads)
    counts = {"national road pieces": int(pieces["source"].eq(SOURCE_NATIONAL).sum()),
              "park road pieces": int(pieces["source"].eq(region.source_park).sum()),
              "illustrative links": len(links), "railway lines": len(rails)}
    return to_osm_xml(pieces, rails, region), counts


def write_text(text: str, output: Path) -> None:
    """Write ``text`` to ``output`` atomically (a temporary file beside it, then renamed)."""
    fd, tmp = tempfile.mkstemp(dir=output.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--park", type=Path, default=DEFAULT_PARK)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text, counts = build(args.park)
    write_text(text, args.output)
    print(f"wrote {args.output}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
