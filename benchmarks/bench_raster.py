"""Time and peak memory of the observed-green zonal statistics (``eipgis.raster.observed_green``).

Usage::

    python benchmarks/bench_raster.py --sizes 10000 [--out benchmarks/results_raster.json]

For each size a synthetic park (:func:`eipgis.synth.synthetic_park`) is written to a temporary
GeoPackage and its land use is drawn as a 10 m land-cover raster of ESA WorldCover codes covering
the park (green parcels tree cover 10, plot green grassland 30, everything else built-up 50):
once in the park's CRS (EPSG:3405) and once warped (nearest) to EPSG:4326 on WorldCover's
1/12000° grid, which makes eipgis transform the parcels into the raster's CRS. Each measurement
runs in a fresh Python process: the park is loaded (not timed), the peak-RSS mark is reset
(``/proc/self/clear_refs``), then ``observed_green(park, raster)`` is timed: reading the raster
window, densifying and transforming the polygons, exactextract's pixel fractions for every parcel
and the boundary, and the per-class composition. Memory is the peak RSS during that call and its
rise above the RSS before it. Both pixel-fraction engines are timed: exactextract (the default)
and the shapely engine that eipgis uses inside QGIS, where exactextract cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _memory import peak_kb, reset_peak, rss_kb

WORLDCOVER_BY_CLASS = {1: 50, 2: 10, 3: 80, 4: 50, 5: 50, 6: 50, 7: 50, 8: 60}


def _child(park_path: str, raster_path: str, engine: str) -> None:
    import eipgis
    from eipgis.raster import observed_green

    park = eipgis.load_park(park_path)
    import exactextract  # noqa: F401  (imports are not what is measured)
    import rasterio  # noqa: F401

    before = rss_kb()
    reset_peak()
    start = time.perf_counter()
    obs = observed_green(park, raster_path, engine=engine)
    seconds = time.perf_counter() - start
    hwm = peak_kb()
    print(json.dumps({"seconds": seconds, "peak_mb": hwm / 1024, "rise_mb": (hwm - before) / 1024,
                      "parcels": len(park.landuse), "green_share": obs.green_share,
                      "coverage": obs.coverage}))


def _make_inputs(n: int, folder: Path) -> tuple[Path, Path, Path, dict]:
    import numpy as np
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    import eipgis
    from eipgis.raster import rasterize_landuse
    from eipgis.synth import write_synthetic_park

    gpkg = folder / f"park_{n}.gpkg"
    write_synthetic_park(gpkg, n)
    park = eipgis.load_park(gpkg)
    lu = rasterize_landuse(park, folder / f"lu_{n}.tif", resolution_m=10)
    with rasterio.open(lu) as src:
        codes = src.read(1)
        lc = np.zeros_like(codes)
        for k, v in WORLDCOVER_BY_CLASS.items():
            lc[codes == k] = v
        profile = src.profile
    # Plot green as grassland.
    from rasterio.features import rasterize

    if not park.plot_green.empty:
        pg = rasterize([(g, 30) for g in park.plot_green.geometry], out_shape=lc.shape,
                       transform=profile["transform"], fill=0, dtype="uint8")
        lc[(pg > 0) & (lc != 0)] = 30
    same = folder / f"lc_{n}_3405.tif"
    profile.update(nodata=0)
    with rasterio.open(same, "w", **profile) as dst:
        dst.write(lc, 1)
    lonlat = folder / f"lc_{n}_4326.tif"
    with rasterio.open(same) as src:
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds, resolution=1 / 12000)
        prof = src.profile | {"crs": "EPSG:4326", "transform": transform, "width": width,
                              "height": height}
        with rasterio.open(lonlat, "w", **prof) as dst:
            reproject(rasterio.band(src, 1), rasterio.band(dst, 1), resampling=Resampling.nearest)
        info = {"pixels_3405": src.width * src.height, "pixels_4326": width * height,
                "area_ha": park.area_ha}
    return gpkg, same, lonlat, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (best time kept)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--engines", nargs="+", default=["exactextract", "shapely"],
                        help="pixel-fraction engines to time (eipgis.raster.cell_fractions)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    import exactextract
    import rasterio

    results = {"python": platform.python_version(), "rasterio": rasterio.__version__,
               "exactextract": getattr(exactextract, "__version__", "?"),
               "cpus": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="eipgis-bench-raster-") as tmp:
        for n in args.sizes:
            gpkg, same, lonlat, info = _make_inputs(n, Path(tmp))
            cases = [(label, raster, engine)
                     for label, raster in (("EPSG:3405 (park CRS)", same),
                                           ("EPSG:4326 (WorldCover grid)", lonlat))
                     for engine in args.engines]
            for label, raster, engine in cases:
                runs = []
                for _ in range(args.repeat):
                    done = subprocess.run([sys.executable, __file__, "--child", str(gpkg), str(raster),
                                           engine], capture_output=True, text=True, check=True)
                    runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                best = min(runs, key=lambda r: r["seconds"])
                row = {"size": n, "raster": label, "engine": engine, **info, **best,
                       "seconds_all": [round(r["seconds"], 3) for r in runs]}
                results["runs"].append(row)
                print(f"{best['parcels']:>8,} parcels  {label:<28} {engine:<12} {best['seconds']:6.2f} s  "
                      f"peak {best['peak_mb']:6.0f} MB (+{best['rise_mb']:.0f})  "
                      f"green {best['green_share']:.3f}  pixels "
                      f"{info['pixels_3405'] if '3405' in label else info['pixels_4326']:,}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
