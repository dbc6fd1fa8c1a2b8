"""Benchmark the portfolio: a synthetic national portfolio of parks checked on Dask distributed.

Usage::

    python benchmarks/bench_portfolio.py --parks 500 --workers 1 2 --out benchmarks/results_portfolio.json

Each park is :func:`eipgis.synth.synthetic_park` with 1,000–5,000 parcels (drawn per park),
placed in a province (the 63 provinces in turn) at the province's centroid, in that province's
VN-2000 TM-3 grid, and written to a temporary GeoPackage (not timed). Then, for each worker
count, ``eipgis.portfolio.run_portfolio`` checks every park against vn-qcvn-01-2021 on a new
LocalCluster (cluster start-up and shut-down included in the wall time). The same checks run
one after the other in this process (``check_entry``, imports warm) give the work itself; the
scheduler's overhead per park is (wall time with 1 worker − in-process time) / parks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def build_parks(folder: Path, count: int, seed: int = 0) -> list[Path]:
    import geopandas as gpd

    from eipgis._provinces import _layer
    from eipgis.crs import vn2000_tm
    from eipgis.io import write_gpkg
    from eipgis.synth import synthetic_park

    names, outlines = _layer()
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        k = i % len(names)
        crs = vn2000_tm(names[k])
        centre = gpd.GeoSeries([outlines[k].representative_point()], crs=4326).to_crs(crs).iloc[0]
        n = int(rng.integers(1000, 5001))
        frames = synthetic_park(n, seed=i, crs=crs, origin=(centre.x - 1500, centre.y - 1500))
        frames["boundary"] = frames["boundary"].assign(name=f"KCN {names[k]} {i:03d}")
        paths.append(write_gpkg(folder / f"park_{i:03d}.gpkg", frames))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parks", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from eipgis.portfolio import ParkEntry, check_entry, run_portfolio

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = build_parks(Path(tmp), args.parks)
        build_s = time.perf_counter() - started
        entries = [ParkEntry(source=str(p)) for p in paths]
        check_entry(entries[0], "vn-qcvn-01-2021")  # imports and the criteria cache warm
        started = time.perf_counter()
        for entry in entries:
            row = check_entry(entry, "vn-qcvn-01-2021")
            assert "error" not in row, row
        inprocess_s = time.perf_counter() - started
        runs = []
        for workers in args.workers:
            started = time.perf_counter()
            result = run_portfolio(entries, "vn-qcvn-01-2021", workers=workers)
            wall = time.perf_counter() - started
            assert len(result.parks) == args.parks and not result.errors
            runs.append({"workers": workers, "wall_s": round(wall, 2),
                         "parks_per_s": round(args.parks / wall, 2)})
            print(f"{workers} worker(s): {wall:.1f} s, {args.parks / wall:.1f} parks/s", flush=True)
    one = next((r for r in runs if r["workers"] == 1), None)
    record = {
        "parks": args.parks, "build_s": round(build_s, 1), "in_process_s": round(inprocess_s, 2),
        "runs": runs,
        "overhead_per_park_ms": round((one["wall_s"] - inprocess_s) / args.parks * 1000, 1) if one else None,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(json.dumps(record, indent=2))
    if args.out:
        args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
