"""Exact pixel fractions of polygons on a grid: exactextract, or a shapely engine inside QGIS."""

from __future__ import annotations

import os
from typing import Any

from .errors import InputError
from .io import plain_python

__all__ = ["cell_fractions"]


def _exactextract_safe() -> bool:
    """Whether exactextract can run in this process.

    Inside QGIS (the desktop or ``qgis_process``), the application has loaded Debian's GEOS
    3.11 and its symbols take precedence over the GEOS 3.12+ bundled in the exactextract wheel:
    exactextract then crashes (segmentation fault) on any polygon but a rectangle. A plain
    Python interpreter loads the bundled copy and is safe, even after ``import qgis.core``.
    """
    import importlib.util

    if os.environ.get("EIPGIS_ZONAL_ENGINE") == "shapely":
        return False
    if importlib.util.find_spec("exactextract") is None:
        return False
    return plain_python()


def _zonal(shapes: Any, transform: Any, shape: tuple[int, int], mask: Any, green: Any,
           codes: Any, *, srs_wkt: str, engine: str) -> tuple[Any, Any, dict[int, float]]:
    """Per shape: Σ covered fraction of valid pixels, Σ of green ones; class weights of the last.

    exactextract aggregates in C++ (count, sum, unique/frac) without listing every pixel; the
    shapely engine lists (shape, pixel, fraction) triples and sums them.
    """
    import numpy as np

    n_shapes = len(shapes)
    if engine == "auto":
        engine = "exactextract" if _exactextract_safe() else "shapely"
    if engine == "exactextract":
        import geopandas as gpd
        from exactextract import exact_extract
        from exactextract.raster import NumPyRasterSource

        height, width = shape
        extent = (transform.c, transform.f + transform.e * height,
                  transform.c + transform.a * width, transform.f)
        frame = gpd.GeoDataFrame({"k": np.arange(n_shapes)}, geometry=list(shapes), crs=srs_wkt)
        # No data goes to exactextract as a no-data value, not as a numpy mask: exactextract
        # 0.3 ignores the mask of a window one pixel wide (a strip narrower than a pixel).
        invalid = np.asarray(mask, dtype=bool)
        green_grid = np.where(invalid, _NODATA_U8, np.asarray(green, dtype=np.uint8)).astype(np.uint8)
        green_src = NumPyRasterSource(green_grid, *extent, nodata=_NODATA_U8, srs_wkt=srs_wkt)
        stats = exact_extract(green_src, frame, ["count", "sum"], include_cols=["k"], output="pandas")
        stats = stats.set_index("k").reindex(np.arange(n_shapes)).fillna(0.0)
        weights: dict[int, float] = {}
        if codes is not None and not invalid.all():
            # Codes as dense indices 0…k−1 (any dtype), −1 = no data.
            seen, index = np.unique(np.asarray(codes)[~invalid], return_inverse=True)
            index_grid = np.full(invalid.shape, -1, dtype=np.int32)
            index_grid[~invalid] = index
            class_src = NumPyRasterSource(index_grid, *extent, nodata=-1, srs_wkt=srs_wkt)
            comp = exact_extract(class_src, frame.iloc[[n_shapes - 1]], ["unique", "frac"],
                                 output="pandas")
            if len(comp):
                weights = {int(seen[int(i)]): float(f) for i, f in
                           zip(comp["unique"].iloc[0], comp["frac"].iloc[0], strict=True)}
        return stats["count"].to_numpy(dtype=float), stats["sum"].to_numpy(dtype=float), weights
    gid, cell, frac = cell_fractions(shapes, transform, shape, srs_wkt=srs_wkt, engine=engine)
    weight = frac * ~mask.ravel()[cell]
    count = np.bincount(gid, weights=weight, minlength=n_shapes)
    green_sum = np.bincount(gid, weights=weight * green.ravel()[cell], minlength=n_shapes)
    weights = {}
    if codes is not None:
        last = (gid == n_shapes - 1) & (weight > 0)
        if last.any():
            in_park = codes.ravel()[cell[last]].astype(np.int64)
            lowest = int(in_park.min())
            per_code = np.bincount(in_park - lowest, weights=weight[last])
            weights = {lowest + k: float(w) for k, w in enumerate(per_code) if w > 0}
    return count, green_sum, weights


def cell_fractions(
    geoms: Any, transform: Any, shape: tuple[int, int], *, srs_wkt: str | None = None,
    engine: str = "auto",
) -> tuple[Any, Any, Any]:
    """Exact share of every pixel covered by each polygon.

    Parameters
    ----------
    geoms : array of polygons
        In the grid's CRS.
    transform : affine.Affine
        North-up grid transform.
    shape : (rows, cols)
    engine : {"auto", "exactextract", "shapely"}
        ``exactextract`` (fast, C++), or ``shapely``: each pixel of a polygon's bounding box
        is cut with the polygon by GEOS, pixels wholly inside count 1 without cutting.
        ``auto`` takes exactextract unless running inside QGIS (see ``_exactextract_safe``).

    Returns
    -------
    (geometry index, flat pixel index, covered fraction) arrays, one entry per pixel touched.
    """
    import numpy as np

    if engine == "auto":
        engine = "exactextract" if _exactextract_safe() else "shapely"
    if engine == "exactextract":
        return _fractions_exactextract(geoms, transform, shape, srs_wkt)
    if engine != "shapely":
        raise InputError(f"engine {engine!r}: use 'auto', 'exactextract' or 'shapely'.")
    return _fractions_shapely(np.asarray(geoms, dtype=object), transform, shape)


def _fractions_exactextract(geoms: Any, transform: Any, shape: tuple[int, int],
                            srs_wkt: str | None) -> tuple[Any, Any, Any]:
    import geopandas as gpd
    import numpy as np
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    height, width = shape
    xmin, ymax = transform.c, transform.f
    xmax, ymin = xmin + transform.a * width, ymax + transform.e * height
    source = NumPyRasterSource(np.zeros(shape, dtype=np.uint8), xmin, ymin, xmax, ymax,
                               srs_wkt=srs_wkt)
    frame = gpd.GeoDataFrame({"k": np.arange(len(geoms))}, geometry=list(geoms), crs=srs_wkt)
    out = exact_extract(source, frame, ["cell_id", "coverage"], include_cols=["k"], output="pandas")
    sizes = out["cell_id"].map(len).to_numpy()
    if sizes.sum() == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    gid = np.repeat(out["k"].to_numpy(dtype=np.int64), sizes)
    cell = np.concatenate([np.asarray(c, dtype=np.int64) for c in out["cell_id"]])
    frac = np.concatenate([np.asarray(c, dtype=float) for c in out["coverage"]])
    return gid, cell, frac


def _fractions_shapely(geoms: Any, transform: Any, shape: tuple[int, int]) -> tuple[Any, Any, Any]:
    import numpy as np
    import shapely

    height, width = shape
    a, c, e, f = transform.a, transform.c, transform.e, transform.f  # e < 0: north-up
    bounds = shapely.bounds(geoms)
    ok = np.isfinite(bounds).all(axis=1)
    col0 = np.clip(np.floor((bounds[:, 0] - c) / a), 0, width).astype(np.int64)
    col1 = np.clip(np.ceil((bounds[:, 2] - c) / a), 0, width).astype(np.int64)
    row0 = np.clip(np.floor((bounds[:, 3] - f) / e), 0, height).astype(np.int64)
    row1 = np.clip(np.ceil((bounds[:, 1] - f) / e), 0, height).astype(np.int64)
    ncols = np.where(ok, np.maximum(col1 - col0, 0), 0)
    nrows = np.where(ok, np.maximum(row1 - row0, 0), 0)
    sizes = ncols * nrows
    gid = np.repeat(np.arange(len(geoms)), sizes)
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    k = np.arange(sizes.sum()) - start  # position inside each geometry's window
    cols = col0[gid] + k % np.maximum(ncols[gid], 1)
    rows = row0[gid] + k // np.maximum(ncols[gid], 1)
    shapely.prepare(geoms)
    frac = np.zeros(len(gid))
    for lo in range(0, len(gid), _CHUNK_CELLS):  # bounded memory: a chunk of pixel boxes at a time
        sl = slice(lo, lo + _CHUNK_CELLS)
        x0 = c + cols[sl] * a
        y0 = f + rows[sl] * e
        cells = shapely.box(x0, y0 + e, x0 + a, y0)
        owners = geoms[gid[sl]]
        inside = shapely.contains(owners, cells)  # wholly covered, boundary touching allowed
        part = inside.astype(float)
        edge = ~inside & shapely.intersects(owners, cells)
        if edge.any():
            part[edge] = shapely.area(shapely.intersection(owners[edge], cells[edge])) / abs(a * e)
        frac[sl] = part
    keep = frac > 0
    return gid[keep], (rows * width + cols)[keep], frac[keep]


#: The no-data value of the 0/1 green grid handed to exactextract.
_NODATA_U8 = 255

#: Pixel boxes built at once by the shapely engine (about 100 MB).
_CHUNK_CELLS = 200_000
