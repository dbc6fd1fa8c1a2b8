"""Shared builder of the smaller sample parks (Hòa Khánh, Trà Nóc): one grid layout from a spec.

Each park script (``build_hoa_khanh.py``, ``build_tra_noc.py``) holds the facts, with their sources,
and an illustrative plan; this module turns them into the layers of the data contract. It reuses the
geometry helpers of ``build_tang_loong.py`` (cutting blocks by bisection, plot green, buildings,
the tiling check, the atomic GeoPackage writer) and the road-extract builder of
``build_lao_cai_roads.py``. Deterministic: no randomness, no network.

The layout is drawn in a local frame (u along the park's long axis, v across it, metres) anchored at
a researched lon/lat point and turned by ``angle`` degrees from east, then placed in the provincial
VN-2000 grid. The boundary is one rectangle per zone (Trà Nóc 1 and 2: two, side by side along u),
each exactly as large as its published area.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import LineString, Point, Polygon

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import build_lao_cai_roads as roads_build
from build_tang_loong import (
    SAFETY_DISTANCE_M,
    Cut,
    Lot,
    bisect,
    check_tiling,
    ellipse,
    green_ring,
    main_buildings,
    parts,
    split_block,
    write_gpkg,
)

__all__ = ["SAFETY_DISTANCE_M", "Cut", "Facility", "Lot", "Place", "Spec", "Zone", "bisect",
           "build_layers", "lot", "main", "roads_build", "tenant"]

WGS84 = "EPSG:4326"
VACANT = "Lô đất công nghiệp (doanh nghiệp khác, minh họa)"
INDUSTRIAL_CODES = ("CN", "KHO")


class Zone(NamedTuple):
    """One published part of the park: a rectangle ``area_ha`` large and ``depth_m`` deep (along v)."""

    name: str
    area_ha: float
    depth_m: float
    source: str


class Facility(NamedTuple):
    """An enterprise of the park: where it sits (block and plot area) and what is known of it."""

    fid: str
    tenant: str
    plant: str
    sector: str
    hazard_class: str  # the project's reading of TCVN 4449-1987 App. III, unconfirmed
    products: str
    solutions: str  # the symbiosis solutions it takes part in ("" if none)
    source: str
    named: bool  # True: the enterprise is named in a source; False: an illustrative stand-in
    floors: int = 2


class Place(NamedTuple):
    """A neighbourhood: centre in the local frame (u, v), ellipse semi-axes (m), rotation (deg)."""

    name: str
    kind: str
    centre_uv: tuple[float, float]
    semi_axes: tuple[float, float]
    rotation: float
    population: int
    population_source: str


class Spec(NamedTuple):
    """Everything a park script gives the builder."""

    name: str  # boundary name
    crs: str  # the provincial VN-2000 TM-3 grid
    anchor_lonlat: tuple[float, float]  # a researched point (lon, lat) …
    anchor_uv: tuple[float, float]  # … and where it lies in the local frame (m)
    angle: float  # direction of the u axis, degrees counter-clockwise from east
    zones: tuple[Zone, ...]
    roads: tuple  # (name, OSM highway, width m, [(u, v), …]) in the local frame
    strip_m: float  # width of the isolation green strip (CXCL) along the whole fence
    block_plan: dict  # (column, row) of a block -> Cut (angle in the local frame)
    plot_ha: float  # size of the plots that blocks without a plan (and the rest of a block) get
    facilities: tuple[Facility, ...]
    places: tuple[Place, ...]
    wwtp_capacity_m3_day: float
    wwtp_capacity_source: str
    density: float = 0.40  # main-building density of a tenant plot (illustrative)
    plot_green: float = 0.20  # green share of every industrial plot (illustrative)


def tenant(fid: str, ha: float | None) -> Lot:
    """The factory plot (CN) of facility ``fid``."""
    return Lot("CN", ha, fid)


def lot(code: str, ha: float | None, name: str | None) -> Lot:
    """A parcel without a tenant (name None on a CN lot: plots for other firms)."""
    return Lot(code, ha, None, name)


# --- frame -----------------------------------------------------------------------------------------

def rotation(spec: Spec) -> np.ndarray:
    a = np.radians(spec.angle)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def origin(spec: Spec) -> np.ndarray:
    """The local origin in the provincial grid: the anchor point minus its turned local offset."""
    pt = gpd.GeoSeries([Point(spec.anchor_lonlat)], crs=WGS84).to_crs(spec.crs).iloc[0]
    return np.array([pt.x, pt.y]) - rotation(spec) @ np.asarray(spec.anchor_uv, dtype=float)


def to_world(spec: Spec, uv) -> np.ndarray:
    """Local (u, v) metres to the provincial grid."""
    return np.asarray(uv, dtype=float) @ rotation(spec).T + origin(spec)


def to_local(spec: Spec, xy) -> np.ndarray:
    return (np.asarray(xy, dtype=float) - origin(spec)) @ rotation(spec)


def zone_rectangles(spec: Spec) -> list[tuple[float, float, float]]:
    """(u0, u1, depth) of each zone, laid one after the other along u from u = 0."""
    out, u0 = [], 0.0
    for zone in spec.zones:
        length = zone.area_ha * 1e4 / zone.depth_m
        out.append((u0, u0 + length, zone.depth_m))
        u0 += length
    return out


def zone_polygons(spec: Spec) -> list[Polygon]:
    return [Polygon(to_world(spec, [(u0, 0), (u1, 0), (u1, d), (u0, d)]))
            for u0, u1, d in zone_rectangles(spec)]


# --- land use --------------------------------------------------------------------------------------

def road_network(spec: Spec, boundary: Polygon):
    """Road centrelines inside the park, noded at junctions, and each road's land."""
    attrs, lines, lands = [], [], []
    for name, highway, width, coords in spec.roads:
        line = LineString(to_world(spec, coords))
        attrs.append((name, highway, width))
        lines.append(line)
        lands.append((name, line.buffer(width / 2, cap_style="flat")))
    clipped = shapely.intersection(np.array(lines), boundary)
    segments = shapely.get_parts(shapely.union_all(clipped))
    middles = shapely.line_interpolate_point(segments, 0.5, normalized=True)
    owner = shapely.distance(middles[:, None], clipped[None, :]).argmin(axis=1)
    roads = gpd.GeoDataFrame([attrs[i] for i in owner], columns=["name", "highway", "width_m"],
                             geometry=segments, crs=spec.crs)
    return roads[roads.length > 1].reset_index(drop=True), lands


def block_key(spec: Spec, block: Polygon) -> tuple[int, int]:
    """(column, row) of a block: how many cross roads lie before it along u, and spine roads along v."""
    u, v = to_local(spec, [block.representative_point().coords[0]])[0]
    cross = sorted({c[0][0] for _, _, _, c in spec.roads if c[0][0] == c[-1][0]})
    along = sorted({c[0][1] for _, _, _, c in spec.roads if c[0][1] == c[-1][1]})
    return sum(x < u for x in cross), sum(y < v for y in along)


def equal_lots(block: Polygon, plot_ha: float, angle: float, name: str = VACANT) -> list:
    n = max(1, round(block.area / (plot_ha * 1e4)))
    return split_block(block, Cut(angle, tuple(Lot("CN", block.area / n / 1e4 if i < n - 1 else None,
                                                   None, name) for i in range(n))))


def landuse_rows(spec: Spec, boundary: Polygon, lands) -> list:
    """GT parcels, the CXCL strip, then every block cut by the plan (or into equal plots)."""
    rows, taken = [], Polygon()
    for name, land in lands:
        piece = land.intersection(boundary).difference(taken)
        taken = taken.union(piece)
        rows += [(Lot("GT", None, None, name), p) for p in parts(piece)]
    strip = boundary.difference(boundary.buffer(-spec.strip_m, join_style="mitre")).difference(taken)
    rows += [(Lot("CXCL", None, None, "Dải cây xanh cách ly"), p) for p in parts(strip, 10.0)]
    taken = taken.union(strip)
    used = set()
    for block in sorted(parts(boundary.difference(taken)), key=lambda b: block_key(spec, b)):
        key = block_key(spec, block)
        if block.area < 5_000:
            rows.append((Lot("CX", None, None, "Cây xanh nút giao"), block))
            continue
        if key in used:
            raise ValueError(f"two blocks have the key {key}; change the roads")
        used.add(key)
        cut = spec.block_plan.get(key)
        if cut is None:
            rows += equal_lots(block, spec.plot_ha, spec.angle)
            continue
        for lot_, geom in split_block(block, Cut(cut.angle + spec.angle, cut.items)):
            if lot_.code == "CN" and lot_.facility is None and geom.area > 1.5 * spec.plot_ha * 1e4:
                rows += equal_lots(geom, spec.plot_ha, cut.angle + spec.angle + 90, lot_.name or VACANT)
            else:
                rows.append((lot_, geom))
    missing = set(spec.block_plan) - used
    if missing:
        raise ValueError(f"block_plan keys {sorted(missing)} match no block")
    return rows


def split_by_zone(rows, zones: list[Polygon]) -> list:
    """Cut parcels that cross a zone border (roads running through both parks) at the border."""
    out = []
    for lot_, geom in rows:
        pieces = [(k, piece) for k, zone in enumerate(zones)
                  for piece in parts(geom.intersection(zone)) if piece.area > 1.0]
        if lot_.facility and len(pieces) != 1:
            raise ValueError(f"the plot of {lot_.facility} crosses a zone border; change the plan")
        out += [(lot_, piece, k) for k, piece in pieces]
    return out


def landuse_layer(spec: Spec, rows, zones: list[Polygon]) -> gpd.GeoDataFrame:
    tenants = {f.fid: f.tenant for f in spec.facilities}
    rows = split_by_zone(rows, zones) if len(zones) > 1 else [(lot_, g, 0) for lot_, g in rows]
    codes = pd.Series([lot_.code for lot_, _, _ in rows])
    ids = codes + "-" + (codes.groupby(codes).cumcount() + 1).astype(str).str.zfill(2)
    geoms = [g for _, g, _ in rows]
    zone_of = [spec.zones[k].name for _, _, k in rows]
    return gpd.GeoDataFrame({
        "parcel_id": ids,
        "landuse": codes,
        "tenant": [tenants.get(lot_.facility) for lot_, _, _ in rows],
        "facility_id": [lot_.facility for lot_, _, _ in rows],
        "name": [lot_.name or tenants.get(lot_.facility) or (VACANT if lot_.code == "CN" else None)
                 for lot_, _, _ in rows],
        "plot_id": ids.where(codes.isin(INDUSTRIAL_CODES), None),
        "zone": zone_of,
        "capacity_m3_per_day": [spec.wwtp_capacity_m3_day if c == "XLNT" else np.nan for c in codes],
        "area_basis": ["illustrative"] * len(rows),
    }, geometry=geoms, crs=spec.crs)


# --- buildings, facilities, neighbourhoods --------------------------------------------------------

def buildings_and_green(spec: Spec, landuse: gpd.GeoDataFrame):
    """Plot green in every industrial plot; main buildings (with their facility) in tenant plots."""
    floors = {f.fid: f.floors for f in spec.facilities}
    b_rows, g_rows = [], []
    plots = landuse[landuse.landuse.isin(INDUSTRIAL_CODES)]
    for pid, fid, plot in zip(plots.parcel_id, plots.facility_id, plots.geometry):
        ring, width = green_ring(plot, spec.plot_green)
        if not isinstance(fid, str):
            g_rows.append((pid, "planned (plot without a listed tenant)", ring))
            continue
        g_rows.append((pid, "existing", ring))
        core = plot.buffer(-(width + 6), join_style="mitre")
        for geom in sorted(main_buildings(plot, core, spec.density, 150, 10), key=lambda g: -g.area):
            b_rows.append((pid, fid, floors[fid], True, geom))
    buildings = gpd.GeoDataFrame(b_rows, columns=["parcel_id", "facility_id", "floors", "main", "geometry"],
                                 crs=spec.crs).astype({"floors": "int32"})
    buildings.insert(0, "building_id", [f"B{i + 1:03d}" for i in range(len(buildings))])
    green = gpd.GeoDataFrame(g_rows, columns=["parcel_id", "status", "geometry"], crs=spec.crs)
    return buildings, green.explode(index_parts=False).reset_index(drop=True)


def facilities_layer(spec: Spec, landuse, buildings) -> gpd.GeoDataFrame:
    """One point per facility, on the largest main building of its plot (an illustrative position)."""
    mains = buildings[buildings["main"]]
    largest = mains.loc[mains.area.groupby(mains.facility_id).idxmax()]
    point_of = dict(zip(largest.facility_id, largest.representative_point()))
    plot_of = landuse.dropna(subset=["facility_id"]).set_index("facility_id")
    fs = spec.facilities
    return gpd.GeoDataFrame({
        "facility_id": [f.fid for f in fs], "name": [f.plant for f in fs],
        "tenant": [f.tenant for f in fs], "sector": [f.sector for f in fs],
        "hazard_class": [f.hazard_class for f in fs],
        "safety_distance_m": [SAFETY_DISTANCE_M[f.hazard_class] for f in fs],
        "products": [f.products for f in fs], "solutions": [f.solutions for f in fs],
        "plot_id": plot_of.parcel_id[[f.fid for f in fs]].to_numpy(),
        "zone": plot_of.zone[[f.fid for f in fs]].to_numpy(),
        "named_in_source": [f.named for f in fs],
        "location": "illustrative",
        "source": [f.source for f in fs],
    }, geometry=[point_of[f.fid] for f in fs], crs=spec.crs)


def neighbourhoods_layer(spec: Spec, boundary: Polygon) -> gpd.GeoDataFrame:
    ps = spec.places
    shapes = [ellipse(Point(to_world(spec, [p.centre_uv])[0]), p.semi_axes, p.rotation + spec.angle)
              for p in ps]
    df = gpd.GeoDataFrame({
        "name": [p.name for p in ps], "kind": [p.kind for p in ps],
        "population": np.array([p.population for p in ps], dtype="int64"),
        "population_source": [p.population_source for p in ps]}, geometry=shapes, crs=spec.crs)
    inside = df.intersection(boundary).area > 0
    if inside.any():
        raise ValueError(f"neighbourhoods {df.name[inside].tolist()} overlap the park")
    return df


def build_layers(spec: Spec) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the contract, in the spec's provincial grid."""
    zones = zone_polygons(spec)
    local = shapely.union_all([shapely.box(u0, 0, u1, d) for u0, u1, d in zone_rectangles(spec)])
    if local.geom_type != "Polygon":
        raise ValueError("the zones do not form one polygon: make them touch along a whole side")
    boundary = shapely.transform(shapely.normalize(local), lambda uv: to_world(spec, uv))
    roads, lands = road_network(spec, boundary)
    landuse = landuse_layer(spec, landuse_rows(spec, boundary, lands), zones)
    check_tiling(boundary, landuse)
    buildings, plot_green = buildings_and_green(spec, landuse)
    return {
        "boundary": gpd.GeoDataFrame({"name": [spec.name]}, geometry=[boundary], crs=spec.crs),
        "landuse": landuse,
        "buildings": buildings,
        "plot_green": plot_green,
        "facilities": facilities_layer(spec, landuse, buildings),
        "neighbourhoods": neighbourhoods_layer(spec, boundary),
        "roads": roads,
    }


def area_summary(layers) -> pd.DataFrame:
    """Area (ha) and share of the boundary per land-use code."""
    lu = layers["landuse"]
    out = lu.assign(ha=lu.area / 1e4).groupby("landuse")["ha"].agg(["count", "sum"]).reset_index()
    out["share_pct"] = 100 * out["sum"] / (layers["boundary"].area.iloc[0] / 1e4)
    return out.rename(columns={"sum": "area_ha"})


def main(spec: Spec, region: roads_build.Region, gpkg: Path, osm: Path, argv=None) -> int:
    """Command line of a park script: write the GeoPackage, then (unless --no-roads) the road extract."""
    import argparse

    parser = argparse.ArgumentParser(description=f"Build the {spec.name} sample ({gpkg.name}, {osm.name}).")
    parser.add_argument("-o", "--output", type=Path, default=gpkg, help=f"GeoPackage (default {gpkg})")
    parser.add_argument("--roads", type=Path, default=osm, help=f"OSM XML road extract (default {osm})")
    parser.add_argument("--no-roads", action="store_true",
                        help="skip the road extract (it needs ../shared/data)")
    args = parser.parse_args(argv)
    layers = build_layers(spec)
    write_gpkg(layers, args.output)
    print(f"wrote {args.output}")
    print(area_summary(layers).to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if not args.no_roads:
        text, counts = roads_build.build(args.output, region)
        roads_build.write_text(text, args.roads)
        print(f"wrote {args.roads}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0
