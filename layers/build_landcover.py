"""Build the illustrative land-cover raster of Tằng Loỏng (``layers/tang_loong_landcover.tif``).

Usage::

    python layers/build_landcover.py [--park layers/tang_loong.gpkg] [-o PATH] [--overwrite]

**Illustrative, not observed.** No satellite imagery is available offline, so this raster is
drawn from the sample park itself: it imitates an ESA WorldCover 10 m tile (EPSG:4326, pixels of
1/12000°, WorldCover class codes and colours) so that ``eipgis check --landcover`` can be shown
and tested on the sample. Factory plots, roads and buildings are built-up (50); plot green is
grassland (30); green parcels are tree cover (10) with some grassland, except three parcels that
are drawn as *not* planted, to show "green on paper only" (``PAPER_ONLY``); water is 80; the
reserve (an old dump) is bare (60); outside the park, villages are built-up and the rest a
pattern of tree cover and cropland (40). The build is deterministic (no randomness, no network).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.features import rasterize
from rasterio.transform import from_origin

HERE = Path(__file__).resolve().parent
DEFAULT_PARK = HERE / "tang_loong.gpkg"
DEFAULT_OUTPUT = HERE / "tang_loong_landcover.tif"

PIXEL_DEG = 1 / 12000  # ESA WorldCover's pixel: 0.3 arc-seconds, about 10 m at 22° N
MARGIN_DEG = 0.003  # land drawn around the park (about 300 m)

# WorldCover class codes (v200 product user manual, Table 1) and their legend colours.
TREES, SHRUBS, GRASS, CROPS, BUILT, BARE, WATER = 10, 20, 30, 40, 50, 60, 80
COLOURS = {
    10: "#006400", 20: "#ffbb22", 30: "#ffff4c", 40: "#f096ff", 50: "#fa0000", 60: "#b4b4b4",
    70: "#f0f0f0", 80: "#0064c8", 90: "#0096a0", 95: "#00cf75", 100: "#fae6a0",
}

# Land-use class → land cover on the ground.
BY_CLASS = {
    "industrial": BUILT, "traffic": BUILT, "technical": BUILT, "services": BUILT,
    "residential": BUILT, "water": WATER, "reserve": BARE, "green": TREES,
}

# Green parcels drawn as not green on the ground (illustrative "green on paper only").
PAPER_ONLY = {
    "CX-02": BARE,  # southern green: levelled ground, not yet planted
    "CX-08": BUILT,  # green along road D3: used as a truck yard
    "CXCL-07": BARE,  # one stretch of the isolation strip: bare fence-side ground
}


def _texture(rows: np.ndarray, cols: np.ndarray, percent: int, salt: int) -> np.ndarray:
    """A fixed pseudo-random pattern: true on about ``percent`` % of pixels (no RNG state)."""
    h = (rows.astype(np.int64) * 73_856_093) ^ (cols.astype(np.int64) * 19_349_663) ^ salt
    return (h % 100) < percent


def build(park_path: Path) -> tuple[np.ndarray, object, str]:
    """The land-cover grid, its transform and CRS."""
    import eipgis

    park = eipgis.load_park(park_path)
    wgs = "EPSG:4326"
    lon0, lat0, lon1, lat1 = park.boundary.to_crs(wgs).total_bounds
    west = math.floor((lon0 - MARGIN_DEG) / PIXEL_DEG) * PIXEL_DEG
    north = math.ceil((lat1 + MARGIN_DEG) / PIXEL_DEG) * PIXEL_DEG
    width = math.ceil((lon1 + MARGIN_DEG - west) / PIXEL_DEG)
    height = math.ceil((north - (lat0 - MARGIN_DEG)) / PIXEL_DEG)
    transform = from_origin(west, north, PIXEL_DEG, PIXEL_DEG)
    rows, cols = np.indices((height, width))

    # Outside: large blocks of forest and fields (about 40 × 40 pixels), villages built-up.
    grid = np.where(_texture(rows // 40, cols // 40, 45, 7), CROPS, TREES).astype(np.uint8)

    def burn(frame: gpd.GeoDataFrame, values: object) -> None:
        if frame.empty:
            return
        geoms = frame.to_crs(wgs).geometry.values
        vals = values if not np.isscalar(values) else [values] * len(geoms)
        shapes = [(g, int(v)) for g, v in zip(geoms, vals, strict=True) if g is not None]
        burnt = rasterize(shapes, out_shape=grid.shape, transform=transform, fill=0, dtype="uint8")
        np.copyto(grid, burnt, where=burnt > 0)

    burn(park.neighbourhoods, BUILT)
    lu = park.landuse
    burn(lu, lu["landuse_class"].map(BY_CLASS).to_numpy())
    # Planted green: mostly trees, some grass.
    green_now = grid == TREES
    inside = rasterize([(g, 1) for g in park.boundary.to_crs(wgs).geometry], out_shape=grid.shape,
                       transform=transform, fill=0, dtype="uint8").astype(bool)
    grid[green_now & inside & _texture(rows, cols, 20, 11)] = GRASS
    burn(park.plot_green, GRASS)
    burn(park.buildings, BUILT)
    paper = lu[lu["parcel_id"].isin(list(PAPER_ONLY))]
    burn(paper, paper["parcel_id"].map(PAPER_ONLY).to_numpy())
    # A few weeds on bare ground (grass), as a real classification would show.
    grid[(grid == BARE) & _texture(rows, cols, 8, 5)] = GRASS
    return grid, transform, wgs


def write(grid: np.ndarray, transform: object, crs: str, path: Path, *, overwrite: bool) -> Path:
    from eipgis import io

    colormap = {0: (0, 0, 0, 0)}
    for code, hex_colour in COLOURS.items():
        h = hex_colour.lstrip("#")
        colormap[code] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)
    profile = {"driver": "GTiff", "width": grid.shape[1], "height": grid.shape[0], "count": 1,
               "dtype": "uint8", "crs": crs, "transform": transform, "nodata": 0,
               "compress": "deflate", "tiled": True, "blockxsize": 256, "blockysize": 256}
    with io.atomic_path(path, overwrite=overwrite) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.write_colormap(1, colormap)
        dst.set_band_description(1, "Map")
        dst.update_tags(
            NOTE="ILLUSTRATIVE land cover drawn from the eipgis sample park, not observed imagery",
            LEGEND="ESA WorldCover codes: 10 tree cover, 20 shrubland, 30 grassland, 40 cropland, "
                   "50 built-up, 60 bare/sparse, 80 water",
            SOURCE="layers/build_landcover.py from layers/tang_loong.gpkg",
        )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--park", type=Path, default=DEFAULT_PARK)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    args = parser.parse_args(argv)
    grid, transform, crs = build(args.park)
    write(grid, transform, crs, args.output, overwrite=args.overwrite)
    codes, counts = np.unique(grid, return_counts=True)
    print(f"wrote {args.output} ({grid.shape[1]} × {grid.shape[0]} pixels); pixels per code: "
          + ", ".join(f"{c}: {n}" for c, n in zip(codes, counts, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
