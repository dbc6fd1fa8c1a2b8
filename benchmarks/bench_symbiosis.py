"""Time ``eipgis symbiosis`` matching: 200 facilities × 50 neighbourhoods on a synthetic 50k-edge network.

Usage::

    python benchmarks/bench_symbiosis.py [--side 159] [--facilities 200] [--neighbourhoods 50]
                                         [--engine scipy|networkx] [--out benchmarks/results_symbiosis.json]

The network is a square grid of ``side × side`` OSM nodes 100 m apart (159 × 159 gives
2 × 159 × 158 = 50,244 road segments, i.e. 100,488 directed edges), written as OSM XML with one
``highway=residential`` way per grid row and column, plus one railway that routing must drop.
The park is a box around it with ``--facilities`` facility points and ``--neighbourhoods``
neighbourhood squares (population 2,000–20,000) at seeded random positions.

Flows: every facility supplies yellow-phosphorus slag; one facility in ten demands cement
additive and one in twenty demands co-processing fuel; the neighbourhoods' municipal solid waste
is estimated from their population. So all 250 nodes are sources: one shortest-path tree per
source (``scipy.sparse.csgraph.dijkstra`` over all sources at once, or
``networkx.single_source_dijkstra`` per source with ``--engine networkx``), never one query per pair.

Timed separately: writing the OSM file, ``load_network`` (osmnx ``graph_from_xml``, filtering,
projection) and ``match`` (snapping, trees, allocation, link geometry, totals).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry import Point, box

CRS = "EPSG:3405"
ORIGIN = (400_000.0, 2_480_000.0)
SPACING_M = 100.0


def write_grid_osm(path: Path, side: int) -> int:
    """Write the grid network; returns the number of road segments."""
    xs = ORIGIN[0] + SPACING_M * np.arange(side)
    ys = ORIGIN[1] + SPACING_M * np.arange(side)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(gx.ravel(), gy.ravel())
    ids = np.arange(1, side * side + 1).reshape(side, side)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="bench">\n')
        for i, (la, lo) in enumerate(zip(lat, lon), start=1):
            f.write(f'<node id="{i}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>\n')
        way = 1
        for line in list(ids) + list(ids.T):
            f.write(f'<way id="{way}" version="1">' + "".join(f'<nd ref="{n}"/>' for n in line)
                    + '<tag k="highway" v="residential"/></way>\n')
            way += 1
        f.write(f'<way id="{way}" version="1"><nd ref="1"/><nd ref="{side * side}"/>'
                '<tag k="railway" v="rail"/></way>\n</osm>\n')
    return 2 * side * (side - 1)


def write_park(path: Path, side: int, n_fac: int, n_nb: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    extent = SPACING_M * (side - 1)
    x0, y0 = ORIGIN
    outline = box(x0 - 50, y0 - 50, x0 + extent + 50, y0 + extent + 50)
    fx = x0 + rng.uniform(0, extent, n_fac)
    fy = y0 + rng.uniform(0, extent, n_fac)
    nx_ = x0 + rng.uniform(0, extent, n_nb)
    ny_ = y0 + rng.uniform(0, extent, n_nb)
    layers = {
        "boundary": gpd.GeoDataFrame({"name": ["Synthetic park"]}, geometry=[outline], crs=CRS),
        "landuse": gpd.GeoDataFrame({"parcel_id": ["P1"], "landuse": ["CN"]}, geometry=[outline], crs=CRS),
        "facilities": gpd.GeoDataFrame(
            {"facility_id": [f"F{i:03d}" for i in range(n_fac)], "hazard_class": ["IV"] * n_fac},
            geometry=[Point(x, y) for x, y in zip(fx, fy)], crs=CRS),
        "neighbourhoods": gpd.GeoDataFrame(
            {"name": [f"N{i:02d}" for i in range(n_nb)], "kind": ["residential"] * n_nb,
             "population": rng.integers(2_000, 20_000, n_nb)},
            geometry=[box(x - 20, y - 20, x + 20, y + 20) for x, y in zip(nx_, ny_)], crs=CRS),
    }
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def flows_table(n_fac: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    rows = [(f"F{i:03d}", "supply", "yellow_phosphorus_slag", int(rng.integers(1_000, 50_000)), "t/yr")
            for i in range(n_fac)]
    rows += [(f"F{i:03d}", "demand", "cement_additive", int(rng.integers(50_000, 200_000)), "t/yr")
             for i in range(0, n_fac, 10)]
    rows += [(f"F{i:03d}", "demand", "fuel_substitute", int(rng.integers(5_000, 30_000)), "t/yr")
             for i in range(5, n_fac, 20)]
    return pd.DataFrame(rows, columns=["node", "direction", "material", "quantity", "unit"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=159)
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--neighbourhoods", type=int, default=50)
    parser.add_argument("--engine", choices=["scipy", "networkx"], default="scipy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    import eipgis
    from eipgis.symbiosis import check_flows, load_network, match

    with tempfile.TemporaryDirectory() as tmp:
        osm, gpkg = Path(tmp) / "grid.osm", Path(tmp) / "park.gpkg"
        t0 = time.perf_counter()
        segments = write_grid_osm(osm, args.side)
        t_write = time.perf_counter() - t0
        write_park(gpkg, args.side, args.facilities, args.neighbourhoods, args.seed)
        park = eipgis.load_park(gpkg)
        flows = check_flows(flows_table(args.facilities, args.seed), park, source="bench flows")
        t0 = time.perf_counter()
        network = load_network(osm, crs=park.crs)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = match(park, flows, network=network, engine=args.engine)
        t_match = time.perf_counter() - t0
        osm_mb = osm.stat().st_size / 1e6
    s = result.summary
    record = {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "network": {"road_segments": segments, "directed_edges": network.graph.number_of_edges(),
                    "nodes": len(network.nodes), "osm_mb": round(osm_mb, 1)},
        "facilities": args.facilities, "neighbourhoods": args.neighbourhoods, "engine": args.engine,
        "flows": s["flows"], "candidates": s["candidates"], "links": s["links"],
        "links_on_network": s["links_on_network"],
        "seconds": {"write_osm": round(t_write, 2), "load_network": round(t_load, 2),
                    "match": round(t_match, 2), "load_and_match": round(t_load + t_match, 2)},
    }
    text = json.dumps(record, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
