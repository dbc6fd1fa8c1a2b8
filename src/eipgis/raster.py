"""Raster evidence: observed green cover from land-cover or NDVI rasters, and rasterised land use.

Which way the reprojection goes, and why
----------------------------------------
The raster's pixels are never resampled. The park's polygons are densified (a vertex every
``DENSIFY_M`` metres, so straight edges in the park's CRS stay true after the transform) and
transformed into the raster's CRS; exactextract then measures, for each polygon, the exact
fraction of every pixel it covers. Those fractions are *shares* of the polygon (green area /
observed area, observed area / polygon area), which a change of CRS leaves unchanged to within
the map projection's scale variation across one parcel (below 1e-4 even for a lon/lat raster).
The shares are then multiplied by each parcel's area measured in the park's own metric CRS,
so every m² and ha eipgis reports is still measured in the park's CRS.

Warping the raster into the park's CRS instead would resample it: nearest-neighbour moves
class edges by up to half a pixel and drops or duplicates pixels, and any other resampling
invents class codes that do not exist. For a 10 m land-cover raster and 1 ha parcels that is
an error of several per cent per parcel; transforming the vectors has none of it.

What counts as observed
-----------------------
A pixel is *valid* unless the file says it holds no data: its band's no-data value, an internal
or sidecar mask (or alpha band) as rasterio reads them, NaN in a float raster, and for the
WorldCover legend the code 0. Invalid pixels are left out of every figure, by every zonal engine:
a parcel's ``coverage`` is its area under valid pixels / its area, and its ``green_share`` is green
area / valid area. A parcel whose coverage is below ``min_coverage`` (default
``MIN_COVERAGE`` = 0.5) is *not assessed*: it gets no green share and is never flagged. A raster
with no valid pixel over the park, or none over it at all, is a :class:`RasterError`.
"""

from __future__ import annotations

import math
import os
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._zonal import _zonal, cell_fractions
from .errors import CRSError, InputError
from .indicators import Detail, Measure, indicator

if TYPE_CHECKING:
    import pandas as pd

    from .criteria import CriteriaSet, Criterion
    from .park import Park

__all__ = [
    "DEFAULT_GREEN_CLASSES",
    "LANDUSE_CODES",
    "MIN_COVERAGE",
    "WORLDCOVER",
    "ObservedGreen",
    "RasterError",
    "cell_fractions",
    "green_parcels_observed",
    "observed_green",
    "observed_green_criteria",
    "observed_green_share",
    "parse_classes",
    "rasterize_landuse",
    "with_observed_green",
]

#: ESA WorldCover 10 m (v100 2020, v200 2021) legend: code → English and Vietnamese name.
WORLDCOVER: dict[int, dict[str, str]] = {
    0: {"en": "No data", "vi": "Không có dữ liệu"},
    10: {"en": "Tree cover", "vi": "Cây thân gỗ"},
    20: {"en": "Shrubland", "vi": "Cây bụi"},
    30: {"en": "Grassland", "vi": "Đồng cỏ"},
    40: {"en": "Cropland", "vi": "Đất trồng trọt"},
    50: {"en": "Built-up", "vi": "Đất xây dựng"},
    60: {"en": "Bare / sparse vegetation", "vi": "Đất trống, thực vật thưa"},
    70: {"en": "Snow and ice", "vi": "Băng tuyết"},
    80: {"en": "Permanent water bodies", "vi": "Mặt nước thường xuyên"},
    90: {"en": "Herbaceous wetland", "vi": "Đất ngập nước"},
    95: {"en": "Mangroves", "vi": "Rừng ngập mặn"},
    100: {"en": "Moss and lichen", "vi": "Rêu, địa y"},
}
#: Codes of a legend that mean "not observed" rather than a land cover.
_NO_DATA_CODES = {0}

#: WorldCover classes counted as green by default: tree cover, shrubland, grassland.
DEFAULT_GREEN_CLASSES: tuple[int, ...] = (10, 20, 30)

#: A parcel seen on less than this share of its area (valid pixels) is not assessed.
MIN_COVERAGE = 0.5

#: Densify polygon edges to this length (m, in the park's CRS) before transforming them.
DENSIFY_M = 25.0

#: Pixel codes of the rasterised land use: 1… in the order of ``landuse.CLASSES``; 0 = no parcel.
LANDUSE_CODES: dict[str, int] = {}  # filled below from landuse.CLASSES


def _fill_codes() -> None:
    from .landuse import CLASSES

    LANDUSE_CODES.update({cls: k + 1 for k, cls in enumerate(CLASSES)})


_fill_codes()


class RasterError(InputError):
    """A raster cannot be used as evidence (no CRS, no overlap, unknown codes, bad NDVI)."""


@dataclass(frozen=True, eq=False)
class ObservedGreen:
    """What a land-cover or NDVI raster shows of a park's green cover.

    Attributes
    ----------
    raster : str
        The raster file.
    method : str
        How green was read: ``"land-cover classes 10, 20, 30"`` or ``"NDVI ≥ 0.4"``.
    raster_crs : str
        The raster's CRS (the park's polygons were transformed into it; see the module doc).
    park_m2, observed_m2, green_m2 : float
        Area of the park, of the part of it the raster observes (valid pixels), and of the
        observed part that is green, m² in the park's CRS.
    per_parcel : DataFrame
        Index ``parcel_id``; columns ``landuse``, ``landuse_class``, ``area_m2``,
        ``observed_m2``, ``green_m2``, ``coverage`` (observed / area) and ``green_share``
        (green / observed; NaN where the raster sees less than ``min_coverage`` of the parcel).
    composition_m2 : dict
        For a land-cover raster, the observed area of each class code inside the park (m²).
    min_coverage : float
        Parcels observed on less than this share of their area get no ``green_share``.
    """

    raster: str
    method: str
    raster_crs: str
    park_m2: float
    observed_m2: float
    green_m2: float
    per_parcel: pd.DataFrame = field(repr=False)
    composition_m2: dict[int, float] = field(default_factory=dict)
    min_coverage: float = MIN_COVERAGE

    @property
    def coverage(self) -> float:
        """Share of the park the raster observes (valid pixels)."""
        return self.observed_m2 / self.park_m2 if self.park_m2 else 0.0

    @property
    def green_share(self) -> float:
        """Observed green share of the park: green / observed area."""
        return self.green_m2 / self.observed_m2 if self.observed_m2 else float("nan")

    def paper_only(self, *, min_share: float = 0.5, classes: Iterable[str] = ("green",)) -> list[str]:
        """Green parcels that are not green on the ground: observed green share < ``min_share``."""
        pp = self.per_parcel
        mask = pp["landuse_class"].isin(list(classes)) & (pp["green_share"] < min_share)
        return [str(i) for i in pp.index[mask.to_numpy()]]

    def unobserved(self) -> list[str]:
        """Parcels the raster sees on less than ``min_coverage`` of their area."""
        return [str(i) for i in self.per_parcel.index[self.per_parcel["green_share"].isna()]]


def parse_classes(text: str | Iterable[int] | None) -> tuple[int, ...] | None:
    """``"10,20,30"`` → ``(10, 20, 30)``; a bad token is an :class:`InputError` that names it."""
    if text is None:
        return None
    out: list[int] = []
    if not isinstance(text, str):
        for value in text:
            if isinstance(value, bool) or not _is_whole(value):
                raise InputError(
                    f"--green-classes: {value!r} is not a class code. "
                    "Fix: give whole numbers, e.g. green_classes=[10, 20, 30]."
                )
            out.append(int(value))
        if not out:
            raise InputError("--green-classes: no class code given. Fix: e.g. --green-classes 10,20,30.")
        return tuple(out)
    for token in text.replace(";", ",").split(","):
        token = token.strip()
        if not token:
            continue
        try:
            out.append(int(token))
        except ValueError:
            raise InputError(
                f"--green-classes: {token!r} is not a class code. "
                "Fix: give whole numbers separated by commas, e.g. --green-classes 10,20,30."
            ) from None
    if not out:
        raise InputError("--green-classes: no class code given. Fix: e.g. --green-classes 10,20,30.")
    return tuple(out)


def _is_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number (``10``, ``10.0``, ``numpy.int16(10)``)."""
    import numbers

    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer()


def _check_ndvi_min(ndvi_min: Any) -> float:
    """``--ndvi-min`` as a float: finite and in [-1, 1], else an :class:`InputError`."""
    try:
        value = float(ndvi_min)
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value) or not -1.0 <= value <= 1.0:
        raise InputError(
            f"--ndvi-min {ndvi_min}: not a number in the NDVI range, outside [-1, 1]. "
            "Fix: give a threshold from -1 to 1, e.g. --ndvi-min 0.4."
        )
    return value


def _open(path: str) -> Any:
    import rasterio
    from rasterio.errors import RasterioError

    file = Path(path)
    if not file.exists():
        raise RasterError(
            f"{path}: no such raster file. Fix: give the path of a GeoTIFF land-cover or NDVI raster."
        )
    if not file.is_file():
        raise RasterError(
            f"{path}: not a regular file (a folder, pipe or device). Fix: give the path of a GeoTIFF "
            "land-cover or NDVI raster."
        )
    if file.stat().st_size == 0:
        raise RasterError(f"{path}: the file is empty. Fix: export the raster again as a GeoTIFF.")
    try:
        src = rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise RasterError(
            f"{path}: cannot be opened as a raster ({exc}). Fix: export it from QGIS as a GeoTIFF."
        ) from None
    if src.count == 0 or src.width == 0 or src.height == 0:
        src.close()
        raise RasterError(f"{path}: the raster has no pixels. Fix: export it again as a GeoTIFF.")
    return src


def check_raster(raster: str | os.PathLike[str]) -> None:
    """Fail early (before any park is loaded) if ``raster`` is missing, unreadable or has no CRS."""
    path = str(raster)
    with _open(path) as src:
        _raster_crs(src, path)


def _raster_crs(src: Any, path: str) -> Any:
    import pyproj

    if src.crs is None:
        raise CRSError(
            f"{path}: the raster has no CRS, so eipgis cannot tell where it lies. Fix: assign "
            "its CRS (QGIS: Raster → Projections → Assign Projection, or "
            "'gdal_edit.py -a_srs EPSG:4326 FILE' for ESA WorldCover tiles)."
        )
    t = src.transform
    if t.b != 0 or t.d != 0:
        raise RasterError(
            f"{path}: the raster grid is rotated, which eipgis does not read. Fix: warp it to a "
            "north-up grid first (QGIS: Raster → Projections → Warp)."
        )
    name = src.crs.to_string()
    try:
        crs = pyproj.CRS.from_user_input(src.crs.to_wkt())
        name = crs.name
        usable = crs.is_geographic or crs.is_projected
        if usable:  # on Earth, and placeable: a transformation to lon/lat exists
            pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError):
        usable = False
    if not usable:
        raise CRSError(
            f"{path}: the raster's CRS ({name[:80]}) is not a map CRS on Earth that "
            "eipgis can place (a local, engineering or other-planet CRS). Fix: assign the raster's "
            "real CRS (QGIS: Raster → Projections → Assign Projection), e.g. EPSG:4326 for ESA "
            "WorldCover tiles."
        )
    return crs


def _to_raster_crs(geoms: Any, park_crs: Any, raster_crs: Any, *, path: str = "the raster") -> Any:
    """Densify, then transform geometries from the park's CRS into the raster's."""
    import geopandas as gpd
    import numpy as np
    import pyproj
    import shapely

    if raster_crs == park_crs or raster_crs.equals(park_crs, ignore_axis_order=True):
        return geoms
    dense = shapely.segmentize(geoms, max_segment_length=DENSIFY_M)
    try:
        out = gpd.GeoSeries(dense, crs=park_crs).to_crs(raster_crs).values
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError) as exc:
        raise CRSError(
            f"{path}: the park cannot be transformed into the raster's CRS ({_label(raster_crs)}): "
            f"{exc}. Fix: assign the raster's real CRS, or warp it to the park's CRS in QGIS."
        ) from None
    if not np.isfinite(shapely.bounds(out[~shapely.is_missing(out)])).all():
        raise RasterError(
            f"{path}: the park lies outside the area where the raster's CRS ({_label(raster_crs)}) "
            "can be used, so the raster cannot show it. Fix: use a raster of the park's area, "
            "and check that the raster's CRS is right."
        )
    # A thin spike may cross itself after rounding into degrees: repair, keep the polygons.
    bad = ~shapely.is_valid(out) & ~shapely.is_missing(out)
    if bad.any():
        from .park import _polygonal

        out = out.copy()
        out[bad] = _polygonal(shapely.make_valid(out[bad]))
    return out


def _fmt_bounds(bounds: Any) -> str:
    return "(" + ", ".join(f"{v:,.6g}" for v in bounds) + ")"


_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], ObservedGreen]] = (
    weakref.WeakKeyDictionary()
)


def observed_green(
    park: Park,
    raster: str | os.PathLike[str],
    *,
    green_classes: Iterable[int] | str | None = None,
    ndvi_min: float | None = None,
    legend: Mapping[int, Any] | None = WORLDCOVER,
    min_coverage: float = MIN_COVERAGE,
    band: int = 1,
    engine: str = "auto",
) -> ObservedGreen:
    """Measure how much of each parcel, and of the park, is green on a raster.

    Parameters
    ----------
    park : Park
    raster : path
        A land-cover raster of class codes (ESA WorldCover by default) or an NDVI raster.
    green_classes : codes, optional
        Land-cover codes that count as green (default 10, 20, 30: trees, shrubs, grass).
    ndvi_min : float, optional
        Read ``raster`` as NDVI (values in [-1, 1]) and count a pixel green when NDVI ≥ this.
    legend : mapping, optional
        Class codes a land-cover raster may hold (default: the WorldCover legend). A code in
        the raster or in ``green_classes`` outside it is an error; ``None`` accepts any code.
    min_coverage : float
        A parcel the raster observes (valid pixels: not no-data, NaN or masked) on less than
        this share of its area is not assessed: it gets no green share and is never flagged.
    band : int
        Band to read (1-based).
    engine : {"auto", "exactextract", "shapely"}
        Who computes the pixel fractions (:func:`cell_fractions`); both are exact.

    Returns
    -------
    ObservedGreen

    Raises
    ------
    RasterError, CRSError
        No usable CRS, no overlap with the park, no valid pixel over it (all no data), an
        empty or damaged file, an unknown class code or one outside the raster's data type,
        NDVI outside [-1, 1].

    Examples
    --------
    >>> import eipgis
    >>> from eipgis.raster import observed_green
    >>> park = eipgis.load_park(eipgis.sample_path())
    >>> obs = observed_green(park, "layers/tang_loong_landcover.tif")  # doctest: +SKIP
    >>> round(obs.green_share, 3)  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd
    import shapely
    from rasterio import windows
    from rasterio.errors import RasterioError
    from rasterio.features import geometry_mask

    path = str(raster)
    if green_classes is not None and ndvi_min is not None:
        raise InputError(
            "give either green land-cover classes or an NDVI threshold, not both. "
            "Fix: drop --green-classes or --ndvi-min."
        )
    classes = parse_classes(green_classes)
    if ndvi_min is not None:
        ndvi_min = _check_ndvi_min(ndvi_min)
    if not (isinstance(min_coverage, (int, float)) and 0.0 <= float(min_coverage) <= 1.0):
        raise InputError(f"min_coverage {min_coverage!r}: must be a share in [0, 1], e.g. 0.5.")
    stat = Path(path).stat() if Path(path).exists() else None
    key = (os.path.abspath(path), stat and stat.st_mtime_ns, stat and stat.st_size, classes,
           ndvi_min, tuple(sorted(legend)) if legend is not None else None, min_coverage, band,
           engine)
    cached = _CACHE.get(park, {}).get(key)
    if cached is not None:
        return cached

    with _open(path) as src:
        rcrs = _raster_crs(src, path)
        if not 1 <= band <= src.count:
            raise RasterError(f"{path}: has {src.count} band(s), no band {band}. Fix: pick 1–{src.count}.")
        dtype = np.dtype(src.dtypes[band - 1])
        is_float = np.issubdtype(dtype, np.floating)
        nodata = src.nodatavals[band - 1]
        if ndvi_min is None and classes is None and is_float:
            raise RasterError(
                f"{path}: holds decimal values ({src.dtypes[band - 1]}), which looks like NDVI, "
                "not land-cover classes. Fix: pass --ndvi-min 0.4 (or the threshold you use), or "
                "--green-classes for a land-cover raster."
            )
        if classes is None and ndvi_min is None:
            classes = DEFAULT_GREEN_CLASSES
        if classes is not None and is_float:
            raise RasterError(
                f"{path}: holds decimal values, not land-cover class codes. Fix: pass --ndvi-min "
                "for an NDVI raster, or give a land-cover raster of whole-number codes."
            )
        if classes is not None and np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            misfit = [c for c in classes if not info.min <= c <= info.max]
            if misfit:
                raise RasterError(
                    f"--green-classes: code(s) {', '.join(map(str, misfit))} cannot occur in {path}, "
                    f"whose pixels are {dtype.name} ({info.min}–{info.max}). Fix: give the class "
                    "codes the raster holds (see its legend), e.g. --green-classes 10,20,30."
                )
        if classes is not None and legend is not None:
            unknown = [c for c in classes if c not in legend or c in _NO_DATA_CODES]
            if unknown:
                raise RasterError(
                    f"--green-classes: unknown land-cover code(s) {', '.join(map(str, unknown))}. "
                    "Fix: use codes of the ESA WorldCover legend ("
                    + ", ".join(f"{k} {v['en']}" for k, v in legend.items() if k not in _NO_DATA_CODES)
                    + ")."
                )

        parcels = park.landuse
        geoms_r = _to_raster_crs(parcels.geometry.values, park.crs, rcrs, path=path)
        boundary_r = _to_raster_crs(
            np.array([park.boundary_geometry], dtype=object), park.crs, rcrs, path=path
        )[0]
        park_bounds = boundary_r.bounds
        rb = src.bounds
        overlap = (max(park_bounds[0], rb.left), max(park_bounds[1], rb.bottom),
                   min(park_bounds[2], rb.right), min(park_bounds[3], rb.top))
        if overlap[0] >= overlap[2] or overlap[1] >= overlap[3]:
            raise RasterError(
                f"{path}: the raster does not overlap the park. In the raster's CRS "
                f"({_label(rcrs)}) the raster covers {_fmt_bounds(rb)} and the park "
                f"{_fmt_bounds(park_bounds)}. Fix: use a raster of the park's area, and check "
                "that the raster's CRS is right."
            )
        win = windows.from_bounds(*overlap, transform=src.transform)
        win = win.round_offsets(op="floor").round_lengths(op="ceil")
        win = windows.Window(win.col_off - 1, win.row_off - 1, win.width + 2, win.height + 2)
        win = win.intersection(windows.Window(0, 0, src.width, src.height))
        try:  # masked: the band's no-data value, internal or sidecar masks, alpha
            data = src.read(band, window=win, masked=True)
        except (RasterioError, OSError):
            raise RasterError(
                f"{path}: the raster cannot be read over the park; the file is damaged or "
                "incomplete. Fix: copy or export it again as a GeoTIFF."
            ) from None
        wt = src.window_transform(win)
        srs_wkt = rcrs.to_wkt()

    no_overlap = RasterError(
        f"{path}: the raster does not overlap the park (in the raster's CRS, {_label(rcrs)}, the "
        f"raster covers {_fmt_bounds(rb)} and the park {_fmt_bounds(park_bounds)}). Fix: use a "
        "raster of the park's area, and check that the raster's CRS is right."
    )
    if data.size == 0:
        raise no_overlap
    # Pixels touching the park: the ones whose values must make sense.
    touching = ~geometry_mask([boundary_r], out_shape=data.shape, transform=wt, all_touched=True)
    if not touching.any():
        raise no_overlap
    # NaN is no data in a float raster; ±inf is a value (out of range for NDVI).
    values = np.ma.masked_where(np.isnan(data.filled(0)), data) if is_float else data
    mask = np.ma.getmaskarray(values)
    worldcover = classes is not None and legend is not None
    if worldcover:
        mask = mask | np.isin(values.filled(0), list(_NO_DATA_CODES))
    if not (touching & ~mask).any():
        raise RasterError(
            f"{path}: every pixel of the raster over the park is no data ({_nodata_words(nodata, is_float, worldcover)}), "
            "so it shows nothing of the park's land cover. Fix: use a raster that covers the park "
            "with data, or correct its no-data value (gdal_edit.py -a_nodata VALUE, or "
            "-unsetnodata)."
        )
    if classes is not None:
        if legend is not None:
            seen, counts = np.unique(np.asarray(values)[touching & ~mask], return_counts=True)
            off_legend = [(int(v), int(n)) for v, n in zip(seen, counts, strict=True) if int(v) not in legend]
            if off_legend:
                listed = ", ".join(f"{v} ({n} pixels)" for v, n in off_legend)
                raise RasterError(
                    f"{path}: unknown land-cover code(s) inside the park: {listed}. Fix: this "
                    "reads the ESA WorldCover legend (10 tree cover, 20 shrubland, 30 grassland, "
                    "40 cropland, 50 built-up, 60 bare, 80 water, 90 wetland…); reclassify the "
                    "raster to it, or set its no-data value (gdal_edit.py -a_nodata)."
                )
        green = np.isin(np.asarray(values), list(classes))
        method = "land-cover classes " + ", ".join(map(str, classes))
    else:
        valid = np.asarray(values)[touching & ~mask]
        bad = (valid < -1.0) | (valid > 1.0)
        if bad.any():
            raise RasterError(
                f"{path}: NDVI values outside [-1, 1] inside the park ({int(bad.sum())} pixels, "
                f"from {valid.min():.4g} to {valid.max():.4g}). Fix: if the NDVI is scaled "
                "(e.g. × 10,000), divide it by the scale first (QGIS Raster Calculator); for a "
                "land-cover raster pass --green-classes instead of --ndvi-min."
            )
        assert ndvi_min is not None, "without either, the default green classes are used"
        green = np.asarray(values) >= float(ndvi_min)
        method = f"NDVI ≥ {float(ndvi_min):g}"

    n = len(parcels)
    shapes = np.concatenate([geoms_r, np.array([boundary_r], dtype=object)])
    codes_grid = np.asarray(values) if classes is not None else None
    count, green_cells, code_weights = _zonal(shapes, wt, data.shape, mask, green, codes_grid,
                                              srs_wkt=srs_wkt, engine=engine)
    cell_area = abs(wt.a * wt.e)
    area_r = shapely.area(shapes)
    coverage = np.clip(np.divide(count * cell_area, area_r, out=np.zeros(n + 1), where=area_r > 0), 0, 1)
    green_of_observed = np.divide(green_cells, count, out=np.full(n + 1, np.nan), where=count > 0)
    area_m2 = np.concatenate([parcels.geometry.area.to_numpy(), [park.area_m2]])
    observed_m2 = coverage * area_m2
    green_m2 = np.nan_to_num(green_of_observed) * observed_m2

    if observed_m2[n] <= 0:  # only pixels that touch the boundary from outside are valid
        raise RasterError(
            f"{path}: the raster has no valid pixel inside the park (all no-data: "
            f"{_nodata_words(nodata, is_float, worldcover)}). Fix: use a raster that covers the park with "
            "data, or correct its no-data value."
        )
    total = sum(code_weights.values())
    composition = {code: w / total * float(observed_m2[n]) for code, w in code_weights.items() if w > 0}

    share = np.where(coverage[:n] >= min_coverage, green_of_observed[:n], np.nan)
    per_parcel = pd.DataFrame(
        {
            "landuse": parcels["landuse"].to_numpy(),
            "landuse_class": parcels["landuse_class"].to_numpy(),
            "area_m2": area_m2[:n],
            "observed_m2": observed_m2[:n],
            "green_m2": green_m2[:n],
            "coverage": coverage[:n],
            "green_share": share,
        },
        index=pd.Index(parcels["parcel_id"].astype(str).to_numpy(), name="parcel_id"),
    )
    result = ObservedGreen(
        raster=path,
        method=method,
        raster_crs=_label(rcrs),
        park_m2=float(area_m2[n]),
        observed_m2=float(observed_m2[n]),
        green_m2=float(green_m2[n]),
        per_parcel=per_parcel,
        composition_m2=composition,
        min_coverage=min_coverage,
    )
    _CACHE.setdefault(park, {})[key] = result
    return result


def _nodata_words(nodata: float | None, is_float: bool, worldcover: bool) -> str:
    """How the file marks no data, for a message: ``no-data value 255, masked pixels``."""
    parts = ["masked pixels"]
    if nodata is not None and not math.isnan(nodata):
        parts.insert(0, f"the file's no-data value {nodata:g}")
    if is_float:
        parts.append("NaN")
    if worldcover:
        parts.append("WorldCover code 0")
    return ", ".join(parts)


def _label(crs: Any) -> str:
    from .crs import crs_label

    return crs_label(crs)


# --- indicators and criteria -----------------------------------------------------------------


@dataclass(frozen=True)
class ObservedGreenDetail(Detail):
    """What the raster saw of the park (the ``details`` of an observed-green result)."""

    raster: str
    method: str
    raster_crs: str
    coverage: float
    observed_ha: float
    green_ha: float
    lower_bound: float
    green_on_paper_only: list[str]
    unobserved_parcels: list[str]
    min_coverage: float
    parcel_coverage: dict[str, float]
    not_assessed: list[str]
    not_assessed_reason: str
    composition_ha: dict[str, float]


@dataclass(frozen=True)
class ObservedParcelsDetail(Detail):
    """Green parcels the raster does not observe enough to judge."""

    unobserved: list[str]
    raster: str
    method: str


@indicator("observed_green_share", gap="area", unit="share")
def observed_green_share(
    park: Park,
    *,
    raster: str,
    green_classes: list[int] | None = None,
    ndvi_min: float | None = None,
    min_coverage: float = MIN_COVERAGE,
    paper_min_share: float = 0.5,
) -> Measure:
    """Observed green share of the park: green pixels / observed pixels inside the boundary.

    The share is of the part of the park the raster observes; ``coverage`` in its
    :class:`ObservedGreenDetail` says how much that is, and ``lower_bound`` is green / whole park.
    ``parcel_coverage`` gives each parcel's share covered by valid pixels; parcels below
    ``min_coverage`` are listed in ``not_assessed`` (never flagged green on paper only).
    """
    obs = observed_green(park, raster, green_classes=green_classes, ndvi_min=ndvi_min,
                         min_coverage=min_coverage)
    paper = obs.paper_only(min_share=paper_min_share)
    return Measure(
        value=obs.green_share,
        extent_m2=obs.park_m2,
        detail=ObservedGreenDetail(
            raster=obs.raster,
            method=obs.method,
            raster_crs=obs.raster_crs,
            coverage=obs.coverage,
            observed_ha=obs.observed_m2 / 1e4,
            green_ha=obs.green_m2 / 1e4,
            lower_bound=obs.green_m2 / obs.park_m2 if obs.park_m2 else 0.0,
            green_on_paper_only=paper,
            unobserved_parcels=obs.unobserved(),
            min_coverage=obs.min_coverage,
            parcel_coverage={str(k): float(v) for k, v in obs.per_parcel["coverage"].items()},
            not_assessed=obs.unobserved(),
            not_assessed_reason=(
                f"valid pixels cover less than {obs.min_coverage:.0%} of the parcel (no data, "
                "NaN, masked or outside the raster): its green share is not judged"
            ),
            composition_ha={str(k): v / 1e4 for k, v in sorted(obs.composition_m2.items())},
        ),
    )


@indicator("green_parcels_observed", gap="per_feature_area", unit="share")
def green_parcels_observed(
    park: Park,
    *,
    raster: str,
    green_classes: list[int] | None = None,
    ndvi_min: float | None = None,
    min_coverage: float = MIN_COVERAGE,
    classes: Iterable[str] = ("green",),
) -> Measure:
    """Observed green share of each green parcel; a low one is green on paper only.

    Parcels the raster observes on less than ``min_coverage`` of their area are not judged;
    they are listed in its :class:`ObservedParcelsDetail` as ``unobserved``.
    """
    import pandas as pd

    obs = observed_green(park, raster, green_classes=green_classes, ndvi_min=ndvi_min,
                         min_coverage=min_coverage)
    pp = obs.per_parcel
    chosen = pp[pp["landuse_class"].isin(list(classes))]
    judged = chosen[chosen["green_share"].notna()]
    frame = pd.DataFrame(
        {
            "value": judged["green_share"].to_numpy(dtype=float),
            "extent_m2": judged["observed_m2"].to_numpy(dtype=float),
            "landuse": judged["landuse"].to_numpy(),
            "area_ha": judged["area_m2"].to_numpy(dtype=float) / 1e4,
            "coverage": judged["coverage"].to_numpy(dtype=float),
        },
        index=judged.index,
    )
    total = float(judged["observed_m2"].sum())
    green = float(judged["green_m2"].sum())
    unobserved = [str(i) for i in chosen.index[chosen["green_share"].isna()]]
    return Measure(
        value=green / total if total else float("nan"),
        extent_m2=total,
        per_feature=frame,
        detail=ObservedParcelsDetail(unobserved=unobserved, raster=obs.raster, method=obs.method),
    )


_SOURCE = (
    "eipgis evidence check, not a legal rule: the QCVN 01:2021/BXD Table 2.6 minimum "
    "(green ≥ 10 % of the park) applied to the land seen green on a land-cover or NDVI raster"
)


def observed_green_criteria(
    raster: str | os.PathLike[str],
    *,
    green_classes: Iterable[int] | str | None = None,
    ndvi_min: float | None = None,
    min_share: float = 0.10,
    parcel_min_share: float = 0.5,
    min_coverage: float = MIN_COVERAGE,
) -> list[Criterion]:
    """The two raster criteria: ``OBS-GREEN`` (park) and ``OBS-GREEN-PAPER`` (each green parcel).

    ``OBS-GREEN`` passes when the observed green share of the park is ≥ ``min_share``.
    ``OBS-GREEN-PAPER`` fails for every green parcel whose observed green share is below
    ``parcel_min_share``: green on paper only.
    """
    from .criteria import Criterion, Text

    classes = parse_classes(green_classes)
    params: dict[str, Any] = {"raster": str(raster), "min_coverage": min_coverage}
    if classes is not None:
        params["green_classes"] = list(classes)
    if ndvi_min is not None:
        params["ndvi_min"] = _check_ndvi_min(ndvi_min)  # before the criterion checks it
    how = (f"NDVI ≥ {float(ndvi_min):g}" if ndvi_min is not None else
           "land-cover classes " + ", ".join(map(str, classes or DEFAULT_GREEN_CLASSES)))
    return [
        Criterion(
            id="OBS-GREEN",
            title=Text(en="Observed green share of the park (raster)",
                       vi="Tỷ lệ cây xanh thực tế của khu (ảnh raster)"),
            indicator="observed_green_share",
            params={**params, "paper_min_share": parcel_min_share},
            op=">=",
            threshold=min_share,
            unit="share",
            source=f"{_SOURCE}; green = {how} on {Path(str(raster)).name}",
            status="unconfirmed",
        ),
        Criterion(
            id="OBS-GREEN-PAPER",
            title=Text(en="Green parcels green on the ground (not on paper only)",
                       vi="Lô đất cây xanh có cây xanh thực tế (không chỉ trên bản vẽ)"),
            indicator="green_parcels_observed",
            params=params,
            op=">=",
            threshold=parcel_min_share,
            unit="share",
            source=f"eipgis evidence check: a green parcel should be at least "
                   f"{parcel_min_share:.0%} green on {Path(str(raster)).name} ({how})",
            status="unconfirmed",
        ),
    ]


def with_observed_green(criteria: Any, raster: str | os.PathLike[str], **options: Any) -> CriteriaSet:
    """A criteria set (name, path or loaded) with the raster criteria appended."""
    from .criteria import load_criteria

    cset = load_criteria(criteria)
    extra = observed_green_criteria(raster, **options)
    ids = {c.id for c in extra}
    kept = [c for c in cset.criteria if c.id not in ids]
    return cset.model_copy(update={"criteria": [*kept, *extra]})


# --- rasterised land use ---------------------------------------------------------------------


def rasterize_landuse(
    park: Park,
    path: str | os.PathLike[str],
    *,
    resolution_m: float = 10.0,
    overwrite: bool = False,
) -> Path:
    """Write the park's land use as a GeoTIFF of class codes with a colour table.

    The grid is in the park's CRS, aligned on multiples of ``resolution_m`` and covering the
    boundary. A pixel takes the class of the parcel under its centre (``LANDUSE_CODES``:
    1 industrial … 8 reserve, in the order of ``landuse.CLASSES``); 0 (no data) is outside
    the boundary or on unassigned land. Class names (English and Vietnamese) are written as
    metadata tags ``CLASS_<code>``.

    Examples
    --------
    >>> rasterize_landuse(park, "out/tang_loong_landuse_10m.tif", resolution_m=10)  # doctest: +SKIP
    """
    import math

    import rasterio
    from rasterio.features import geometry_mask, rasterize
    from rasterio.transform import from_origin

    from . import io as _io
    from .landuse import COLOURS, LABELS

    if not resolution_m or resolution_m <= 0 or not math.isfinite(resolution_m):
        raise InputError(f"resolution {resolution_m!r} m: must be a positive number of metres.")
    xmin, ymin, xmax, ymax = park.boundary_geometry.bounds
    x0 = math.floor(xmin / resolution_m) * resolution_m
    y1 = math.ceil(ymax / resolution_m) * resolution_m
    width = max(1, math.ceil((xmax - x0) / resolution_m))
    height = max(1, math.ceil((y1 - ymin) / resolution_m))
    if width * height > 400_000_000:
        raise InputError(
            f"resolution {resolution_m} m gives a {width} × {height} raster, too large. "
            "Fix: choose a coarser resolution."
        )
    transform = from_origin(x0, y1, resolution_m, resolution_m)
    lu = park.landuse
    shapes = ((g, LANDUSE_CODES[c]) for g, c in zip(lu.geometry.values, lu["landuse_class"], strict=True)
              if g is not None and not g.is_empty)
    grid = rasterize(shapes, out_shape=(height, width), transform=transform, fill=0, dtype="uint8")
    outside = geometry_mask([park.boundary_geometry], out_shape=grid.shape, transform=transform)
    grid[outside] = 0
    colormap = {0: (0, 0, 0, 0)}
    for cls, code in LANDUSE_CODES.items():
        h = COLOURS[cls].lstrip("#")
        colormap[code] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "uint8",
        "crs": park.crs.to_wkt(), "transform": transform, "nodata": 0, "compress": "deflate",
        "tiled": width >= 256 and height >= 256,
    }
    tags = {f"CLASS_{code}": f"{cls} | {LABELS[cls]['en']} | {LABELS[cls]['vi']}"
            for cls, code in LANDUSE_CODES.items()}
    with _io.atomic_path(path, overwrite=overwrite) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.write_colormap(1, colormap)
        dst.set_band_description(1, "landuse_class")
        dst.update_tags(park=park.name, resolution_m=str(resolution_m), **tags)
    return Path(path)
