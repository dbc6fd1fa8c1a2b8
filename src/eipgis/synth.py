"""Synthetic parks of any size (a grid of plot blocks between roads), for tests and benchmarks."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

    from .park import Park

__all__ = ["LAYOUT", "build_park", "mixed_shape_park", "synthetic_park", "write_synthetic_park"]

#: The fixed geometry of a synthetic park (metres). Whole metres keep every shared edge exact.
LAYOUT: dict[str, int] = {
    "plot_width_m": 100,  # a plot's west–east size
    "plot_depth_m": 80,  # a plot's south–north size (a plot is 0.8 ha)
    "plots_x": 4,  # plots per block, west–east
    "plots_y": 4,  # plots per block, south–north
    "road_m": 24,  # road reserve width (traffic parcels)
    "edge_m": 15,  # width of the ring of parcels along the boundary (the isolation strip)
    "setback_m": 3,  # building setback from the plot's north, south and east sides
}

# Block classes and their odds: (class, planner's code, probability).
_BLOCK_CLASSES = (
    ("industrial", "CN", 0.80),
    ("green", "CX", 0.08),
    ("technical", "HTKT", 0.02),
    ("services", "DHDV", 0.04),
    ("reserve", "DPT", 0.06),
)
_HAZARD = (("I", 0.02), ("II", 0.08), ("III", 0.30), ("IV", 0.35), ("V", 0.25))
_SECTORS = ("xi măng", "hoá chất", "luyện kim", "phân bón", "thực phẩm", "cơ khí", "kho vận")
_EDGE_GREEN_P = 0.7  # share of the boundary ring's segments that are green (a partial strip)


def _parcels_per_block() -> int:
    return LAYOUT["plots_x"] * LAYOUT["plots_y"] + 1  # plots + the road segment west of the block


def _grid(n_parcels: int) -> tuple[int, int]:
    """Blocks west–east and south–north for about ``n_parcels`` parcels."""
    blocks = max(1, round(n_parcels / _parcels_per_block()))
    nbx = max(1, math.ceil(math.sqrt(blocks)))
    nby = max(1, round(blocks / nbx))
    return nbx, nby


def _pick(rng: np.random.Generator, options: Any, probabilities: Any, size: int) -> np.ndarray:
    import numpy as np

    p = np.asarray(probabilities, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _ids(prefix: str, count: int) -> np.ndarray:
    """``prefix`` followed by a zero-padded running number (``P0000001``…)."""
    import numpy as np

    width = max(6, len(str(count)))
    numbers = np.char.zfill(np.arange(1, count + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def synthetic_park(
    n_parcels: int,
    *,
    seed: int = 0,
    crs: Any = "EPSG:3405",
    origin: tuple[float, float] = (400_000, 2_480_000),
) -> dict[str, gpd.GeoDataFrame]:
    """The contract layers of a synthetic park with about ``n_parcels`` parcels.

    The park is a rectangle. Inside a ring of 15 m parcels along the boundary (70 % of its
    segments green ``CXCL``, the rest reserve: a partial isolation strip), 24 m roads
    (``GT``, traffic) run between blocks of 4 × 4 plots of 100 m × 80 m. Each block is
    drawn industrial (80 %; codes ``CN``/``KHO``), green, technical, services or reserve; the
    first plot is the wastewater treatment plant (``XLNT``). The parcels tile the boundary
    exactly: no overlap, no gap.

    About 97 % of industrial plots hold one main building (net density 30–60 %; 3 % are
    over 70 %; 3 % have 6–9 floors and 50–68 %) set back 3 m from the plot edges, some an
    auxiliary guard house, and a plot-green strip along their west side (20–26 % of the
    plot, 8 % of plots 5–18 %). One industrial plot in ten holds a facility (a point at its
    building's centre) with a hazard class I–V; three neighbourhoods lie outside the park.

    Everything is drawn from ``numpy.random.default_rng(seed)`` with array operations, so a
    seed gives the same park every time and a million parcels build in seconds.

    Parameters
    ----------
    n_parcels : int
        About how many land-use parcels (plots, roads and ring segments) to draw; the
        count is within a few per cent of this for 1,000 parcels or more (at least one
        block of 16 plots is drawn).
    seed : int
        Seed of the random generator.
    crs : CRS-like
        A projected CRS in metres.
    origin : (float, float)
        The park's south-west corner in ``crs``.

    Returns
    -------
    dict of str to GeoDataFrame
        ``boundary``, ``landuse`` (``parcel_id``, ``landuse``, ``name``), ``buildings``
        (``building_id``, ``floors``, ``main``), ``plot_green`` (``parcel_id``),
        ``facilities`` (``facility_id``, ``hazard_class``, ``sector``) and
        ``neighbourhoods`` (``name``, ``kind``, ``population``).

    Raises
    ------
    InputError
        If ``n_parcels`` is not a positive whole number.

    Examples
    --------
    >>> from eipgis.synth import synthetic_park
    >>> layers = synthetic_park(1_000, seed=1)
    >>> len(layers["landuse"])
    997
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    if isinstance(n_parcels, bool) or not isinstance(n_parcels, int | np.integer) or n_parcels < 1:
        raise InputError(
            f"synthetic_park: n_parcels must be a positive whole number, got {n_parcels!r}. "
            "Fix: pass e.g. 1000."
        )
    rng = np.random.default_rng(seed)
    w, d = LAYOUT["plot_width_m"], LAYOUT["plot_depth_m"]
    px, py = LAYOUT["plots_x"], LAYOUT["plots_y"]
    road, edge, setback = LAYOUT["road_m"], LAYOUT["edge_m"], LAYOUT["setback_m"]
    nbx, nby = _grid(int(n_parcels))
    x0, y0 = float(origin[0]), float(origin[1])
    # West edge of each road column / south edge of each road row (nbx + 1, nby + 1 of them).
    road_x = x0 + edge + np.arange(nbx + 1) * (road + px * w)
    road_y = y0 + edge + np.arange(nby + 1) * (road + py * d)
    x1, y1 = road_x[-1] + road + edge, road_y[-1] + road + edge

    # --- Plots: block (bx, by), plot (i, j) inside it; block-major order.
    bx, by, j, i = (a.ravel() for a in np.meshgrid(
        np.arange(nbx), np.arange(nby), np.arange(py), np.arange(px), indexing="ij"))
    block = bx * nby + by
    plot_x = road_x[bx] + road + i * w
    plot_y = road_y[by] + road + j * d
    n_blocks = nbx * nby
    block_pick = rng.choice(len(_BLOCK_CLASSES), size=n_blocks,
                            p=[c[2] for c in _BLOCK_CLASSES])
    block_pick[0] = 0  # the first block is industrial, with the WWTP in its first plot
    plot_class = np.asarray([c[0] for c in _BLOCK_CLASSES], dtype=object)[block_pick[block]]
    plot_code = np.asarray([c[1] for c in _BLOCK_CLASSES], dtype=object)[block_pick[block]]
    n_plots = len(plot_x)
    industrial = plot_class == "industrial"
    warehouse = industrial & (rng.random(n_plots) < 0.15)
    plot_code[warehouse] = "KHO"
    substation = (plot_class == "technical") & (rng.random(n_plots) < 0.3)
    plot_code[substation] = "TBA"
    vacant = industrial & (rng.random(n_plots) < 0.05)  # unleased plots within industrial blocks
    plot_class[vacant], plot_code[vacant] = "reserve", "DPT"
    plot_class[0], plot_code[0] = "technical", "XLNT"
    industrial = plot_class == "industrial"
    plot_name = np.full(n_plots, None, dtype=object)
    plot_name[0] = "Trạm xử lý nước thải tập trung"

    # --- Roads: full-width rows, and one column segment beside each block row.
    col, row = (a.ravel() for a in np.meshgrid(np.arange(nbx + 1), np.arange(nby), indexing="ij"))
    road_geoms = np.concatenate([
        shapely.box(road_x[col], road_y[row] + road, road_x[col] + road, road_y[row + 1]),
        shapely.box(x0 + edge, road_y, x1 - edge, road_y + road),
    ])

    # --- The boundary ring, cut at the block lines: south and north rows, west and east columns.
    cut_x = np.concatenate([[x0], road_x[1:-1], [x1]])
    cut_y = np.concatenate([[y0 + edge], road_y[1:-1], [y1 - edge]])
    ring = np.concatenate([
        shapely.box(cut_x[:-1], y0, cut_x[1:], y0 + edge),
        shapely.box(cut_x[:-1], y1 - edge, cut_x[1:], y1),
        shapely.box(x0, cut_y[:-1], x0 + edge, cut_y[1:]),
        shapely.box(x1 - edge, cut_y[:-1], x1, cut_y[1:]),
    ])
    ring_green = rng.random(len(ring)) < _EDGE_GREEN_P
    ring_green[0] = True  # at least one green and one ungreen segment whatever the seed
    ring_green[-1] = False

    plots = shapely.box(plot_x, plot_y, plot_x + w, plot_y + d)
    geometry = np.concatenate([plots, road_geoms, ring])
    n_all = len(geometry)
    landuse = gpd.GeoDataFrame(
        {
            "parcel_id": _ids("P", n_all),
            "landuse": np.concatenate([
                plot_code, np.full(len(road_geoms), "GT", dtype=object),
                np.where(ring_green, "CXCL", "DPT").astype(object),
            ]),
            "name": np.concatenate([plot_name, np.full(len(road_geoms) + len(ring), None)]),
        },
        geometry=geometry,
        crs=crs,
    )

    # --- Buildings and plot green in industrial plots.
    ind = np.flatnonzero(industrial)
    built = ind[rng.random(len(ind)) < 0.97]
    nb = len(built)
    kind = rng.random(nb)
    over, tall = kind < 0.03, (kind >= 0.03) & (kind < 0.06)
    density = rng.uniform(0.30, 0.60, nb)
    density[over] = rng.uniform(0.72, 0.80, int(over.sum()))
    density[tall] = rng.uniform(0.50, 0.68, int(tall.sum()))
    floors = rng.integers(1, 4, nb)
    floors[tall] = rng.integers(6, 10, int(tall.sum()))
    height = d - 2 * setback
    width = density * (w * d) / height
    bx_max = plot_x[built] + w - setback
    main = shapely.box(bx_max - width, plot_y[built] + setback, bx_max, plot_y[built] + d - setback)

    green_share = rng.uniform(0.20, 0.26, len(ind))
    low = rng.random(len(ind)) < 0.08
    green_share[low] = rng.uniform(0.05, 0.18, int(low.sum()))
    green_w = green_share * w
    room = np.full(len(ind), float(w - setback))  # keep the green strip off the building
    room[np.searchsorted(ind, built)] = w - setback - width
    green_w = np.minimum(green_w, room - 1.0)
    plot_green = gpd.GeoDataFrame(
        {"parcel_id": landuse["parcel_id"].to_numpy()[ind]},
        geometry=shapely.box(plot_x[ind], plot_y[ind], plot_x[ind] + green_w, plot_y[ind] + d),
        crs=crs,
    )

    guard = built[rng.random(nb) < 0.2]  # a 4 m × 4 m guard house on the plot's south-west corner
    guards = shapely.box(plot_x[guard] + 1, plot_y[guard] + 1, plot_x[guard] + 5, plot_y[guard] + 5)
    buildings = gpd.GeoDataFrame(
        {
            "building_id": _ids("B", nb + len(guard)),
            "floors": np.concatenate([floors, np.ones(len(guard), dtype=np.int64)]),
            "main": np.concatenate([np.ones(nb, dtype=bool), np.zeros(len(guard), dtype=bool)]),
        },
        geometry=np.concatenate([main, guards]),
        crs=crs,
    )

    # --- Facilities: one built plot in ten (at least three), plus the WWTP.
    n_fac = min(nb, max(3, nb // 10))
    chosen = np.sort(rng.choice(nb, size=n_fac, replace=False))
    centre = shapely.centroid(main[chosen])
    wwtp = shapely.points([plot_x[0] + w / 2], [plot_y[0] + d / 2])
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": _ids("F", n_fac + 1),
            "hazard_class": np.concatenate([
                _pick(rng, [h for h, _ in _HAZARD], [p for _, p in _HAZARD], n_fac), ["IV"]]),
            "sector": np.concatenate([
                _pick(rng, _SECTORS, np.ones(len(_SECTORS)), n_fac), ["xử lý nước thải"]]),
        },
        geometry=np.concatenate([centre, wwtp]),
        crs=crs,
    )

    # --- Neighbourhoods outside the park: west and south villages, a school to the east.
    ym, xm = (y0 + y1) / 2, (x0 + x1) / 2
    neighbourhoods = gpd.GeoDataFrame(
        {
            "name": ["Thôn Đông Sơn", "Thôn Phú Hải", "Trường Tiểu học Bắc Hà"],
            "kind": ["residential", "residential", "school"],
            "population": [2400, 3100, 650],
        },
        geometry=shapely.box(
            [x0 - 700, xm - 400, x1 + 120], [ym - 300, y0 - 1200, ym - 60],
            [x0 - 250, xm + 400, x1 + 240], [ym + 300, y0 - 700, ym + 60],
        ),
        crs=crs,
    )
    boundary = gpd.GeoDataFrame(
        {"name": [f"Khu công nghiệp tổng hợp {n_all:,} lô (synthetic)"]},
        geometry=[shapely.box(x0, y0, x1, y1)],
        crs=crs,
    )
    return {
        "boundary": boundary,
        "landuse": landuse,
        "buildings": buildings,
        "plot_green": plot_green,
        "facilities": facilities,
        "neighbourhoods": neighbourhoods,
    }


def write_synthetic_park(
    path: str | os.PathLike[str],
    n_parcels: int,
    *,
    seed: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a synthetic park (see :func:`synthetic_park`) as a GeoPackage.

    Parameters
    ----------
    path : path
        The GeoPackage to write (atomically, through :func:`eipgis.io.write_gpkg`).
    n_parcels : int
        About how many parcels.
    seed : int
        Seed of the random generator.
    overwrite : bool
        Replace ``path`` if it exists.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If ``path`` exists and ``overwrite`` is false, or cannot be written.

    Examples
    --------
    >>> from eipgis.synth import write_synthetic_park
    >>> write_synthetic_park("/tmp/synthetic_1000.gpkg", 1_000, overwrite=True)
    PosixPath('/tmp/synthetic_1000.gpkg')
    """
    from .io import write_gpkg

    return write_gpkg(path, synthetic_park(n_parcels, seed=seed), overwrite=overwrite)


def mixed_shape_park(
    n_parcels: int, *, seed: int = 0, angle_deg: float = 23.0
) -> dict[str, gpd.GeoDataFrame]:
    """A synthetic park of mixed shapes: :func:`synthetic_park` turned by ``angle_deg`` about
    its south-west corner and cut by a diagonal across its north-east corner.

    The plots, roads and ring parcels that the diagonal crosses become trapezoids and
    triangles, the boundary gains a slanted side that no
    green ring follows (the isolation strip fails there), and nothing is axis-aligned.
    Buildings, plot green and facilities not wholly inside the cut boundary are dropped.

    Examples
    --------
    >>> from eipgis.synth import mixed_shape_park
    >>> layers = mixed_shape_park(1_000, seed=1)
    >>> layers["boundary"].geometry.iloc[0].geom_type
    'Polygon'
    """
    import numpy as np
    import shapely
    from shapely import affinity

    layers = synthetic_park(n_parcels, seed=seed)
    box = layers["boundary"].geometry.iloc[0]
    x0, y0, x1, y1 = box.bounds
    cut = shapely.Polygon(
        [(x0, y0), (x1, y0), (x1, y0 + 0.55 * (y1 - y0)), (x0 + 0.6 * (x1 - x0), y1), (x0, y1)]
    )
    outline = affinity.rotate(cut, angle_deg, origin=(x0, y0))
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in layers.items():
        geoms = np.asarray(
            affinity.rotate(shapely.GeometryCollection(list(frame.geometry.values)), angle_deg,
                            origin=(x0, y0)).geoms,
            dtype=object,
        ) if len(frame) else np.asarray(frame.geometry.values)
        frame = frame.set_geometry(geoms, crs=frame.crs)
        if name == "boundary":
            frame = frame.set_geometry([outline], crs=frame.crs)
        elif name == "landuse":
            clipped = shapely.intersection(geoms, outline)
            parts = [
                shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                for g in clipped
            ]
            frame = frame.set_geometry(parts, crs=frame.crs)
            frame = frame[shapely.area(np.asarray(frame.geometry.values)) > 0.0]
        elif name != "neighbourhoods":
            frame = frame[shapely.within(geoms, outline)]
        out[name] = frame.reset_index(drop=True)
    return out


def build_park(n_parcels: int, *, seed: int = 0, mixed_shapes: bool = False) -> Park:
    """A validated :class:`~eipgis.park.Park` of about ``n_parcels`` parcels, built in memory.

    The layers of :func:`synthetic_park` (or :func:`mixed_shape_park` with ``mixed_shapes``)
    go through :func:`eipgis.park_from_frames`, the one validation of the data contract, with
    no GeoPackage written.

    Examples
    --------
    >>> from eipgis.synth import build_park
    >>> park = build_park(1_000, seed=1)
    >>> len(park.landuse) > 900
    True
    """
    from .park import park_from_frames

    layers = mixed_shape_park(n_parcels, seed=seed) if mixed_shapes else synthetic_park(
        n_parcels, seed=seed
    )
    return park_from_frames(**layers, source=f"synthetic park ({n_parcels:,} parcels, seed {seed})")
