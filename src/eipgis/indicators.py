"""Indicators: pure measurements of a ``Park`` in its metric CRS, and the registry criteria name them by.

Every function takes a park (never modified) and returns either a :class:`Measure` (what a
criterion judges) or, for the helpers, a named Series aligned with the park's parcels.
Areas are m² and distances metres unless a name says otherwise (``_ha``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .landuse import WWTP_PATTERN, names_wwtp

if TYPE_CHECKING:
    import pandas as pd

    from .park import Park

__all__ = [
    "Measure",
    "INDICATORS",
    "indicator",
    "class_area_m2",
    "landuse_share",
    "plot_building_density",
    "plot_green_share",
    "isolation_strip",
    "isolation_band",
    "safety_distance",
    "facility_sources",
    "wwtp_count",
    "green_cover_share",
]

#: How a criterion turns the shortfall of an indicator into a planner's gap.
GapKind = Literal["area", "per_feature_area", "strip", "per_feature_distance", "count"]


@dataclass(frozen=True)
class Measure:
    """What an indicator measured.

    Attributes
    ----------
    value : float
        The headline number (a share, a count).
    extent_m2 : float
        For area shares, the area the share is taken of (the gap is ``threshold × extent``).
    per_feature : DataFrame, optional
        For per-feature indicators: one row per feature (index: its id) with ``value``, an
        optional per-feature ``limit`` (NaN → the criterion's threshold), ``extent_m2``
        (the area a share is taken of) and any columns worth reporting.
    extra : dict
        Further figures to report (e.g. the strip's ungreen area).
    """

    value: float
    extent_m2: float = 0.0
    per_feature: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    name: str
    function: Callable[..., Measure]
    gap: GapKind
    unit: str
    per_feature: bool


#: The one registry: indicator name (as written in criteria files) → indicator.
INDICATORS: dict[str, Indicator] = {}


def indicator(name: str, *, gap: GapKind, unit: str) -> Callable[[Callable[..., Measure]], Callable[..., Measure]]:
    """Register a function as the indicator ``name``."""

    def decorate(func: Callable[..., Measure]) -> Callable[..., Measure]:
        INDICATORS[name] = Indicator(
            name, func, gap, unit, per_feature=gap.startswith("per_feature")
        )
        return func

    return decorate


def class_area_m2(park: Park) -> pd.Series:
    """Area of each canonical land-use class inside the boundary (m²), plus ``unassigned``."""
    import pandas as pd

    from .landuse import CLASSES

    areas = park.landuse.geometry.area.groupby(park.landuse["landuse_class"]).sum()
    areas = areas.reindex(list(CLASSES), fill_value=0.0)
    areas = pd.concat([areas, pd.Series({"unassigned": park.unassigned_m2})])
    return areas.rename("area_m2")


@indicator("landuse_share", gap="area", unit="share")
def landuse_share(park: Park, *, classes: Iterable[str]) -> Measure:
    """Share of the park (boundary area) whose land use is one of ``classes``.

    ``area(landuse ∈ classes ∩ boundary) / area(boundary)``; parcels are clipped to the
    boundary when the park is loaded.
    """
    classes = list(classes)
    in_class = park.landuse["landuse_class"].isin(classes)
    area = float(park.landuse.geometry[in_class].area.sum())
    total = park.area_m2
    return Measure(value=area / total, extent_m2=total, extra={"area_ha": area / 10_000})


def _industrial(park: Park, classes: Iterable[str]) -> Any:
    return park.landuse[park.landuse["landuse_class"].isin(list(classes))]


def _covered_m2(parcels: Any, layer: Any, *, weights_mask: Any = None) -> pd.Series:
    """Area of ``layer`` inside each parcel (m²), indexed like ``parcels``.

    Pairs come from the spatial index. A feature that its parcel covers (the usual case: a
    building inside its plot) counts whole; pairs whose bounding boxes only touch count
    nothing; only the remaining pairs are cut.
    """
    import numpy as np
    import pandas as pd
    import shapely

    from .park import _boxes_overlap

    out = pd.Series(0.0, index=parcels.index)
    if layer is None or layer.empty or parcels.empty:
        return out
    geoms = np.asarray(layer.geometry.values)
    if weights_mask is not None:
        geoms = geoms[np.asarray(weights_mask)]
    if len(geoms) == 0:
        return out
    geoms = _merge_overlapping(geoms)
    plots = np.asarray(parcels.geometry.values)
    tree = shapely.STRtree(geoms)
    p_idx, g_idx = tree.query(plots, predicate="intersects")
    keep = _boxes_overlap(shapely.bounds(plots), p_idx, shapely.bounds(geoms), g_idx)
    p_idx, g_idx = p_idx[keep], g_idx[keep]
    if len(p_idx) == 0:
        return out
    whole_p, whole_g = tree.query(plots, predicate="covers")
    covered = np.sort(whole_p.astype(np.int64) * len(geoms) + whole_g)
    pair = p_idx.astype(np.int64) * len(geoms) + g_idx
    at = np.minimum(np.searchsorted(covered, pair), max(len(covered) - 1, 0))
    whole = covered[at] == pair if len(covered) else np.zeros(len(pair), dtype=bool)
    areas = shapely.area(geoms[g_idx])
    cut = ~whole
    areas[cut] = shapely.area(shapely.intersection(plots[p_idx[cut]], geoms[g_idx[cut]]))
    summed = np.bincount(p_idx, weights=areas, minlength=len(parcels))
    return pd.Series(summed, index=parcels.index)


def _merge_overlapping(geoms: Any) -> Any:
    """Merge features that overlap each other (green drawn twice) so their area counts once."""
    import numpy as np
    import shapely

    from .park import interior_pairs

    left, right = interior_pairs(geoms)
    if len(left) == 0:
        return geoms
    involved = np.unique(np.concatenate([left, right]))
    merged = shapely.get_parts(shapely.union_all(geoms[involved]))
    return np.concatenate([np.delete(geoms, involved), merged])


@indicator("plot_building_density", gap="per_feature_area", unit="share")
def plot_building_density(
    park: Park,
    *,
    classes: Iterable[str] = ("industrial",),
    tall_floors: int = 5,
    tall_limit: float | None = None,
) -> Measure:
    """Net building density of each plot: area(main buildings ∩ plot) / area(plot).

    A plot holding a main production building (``main`` true) of more than ``tall_floors``
    floors gets ``tall_limit`` as its own limit (QCVN 01:2021/BXD §2.5.3: 60 % instead of
    70 %); a tall auxiliary building (``main: false``) does not lower it.
    """
    import numpy as np
    import pandas as pd
    import shapely

    plots = _industrial(park, classes)
    area = plots.geometry.area
    buildings = park.buildings
    main = buildings["main"].to_numpy(dtype=bool) if not buildings.empty else None
    footprint = _covered_m2(plots, buildings, weights_mask=main)
    max_floors = pd.Series(0, index=plots.index)
    if not buildings.empty and not plots.empty:
        # Only a main production building lowers the limit; a tall auxiliary one does not.
        tall = (buildings["floors"].to_numpy() > tall_floors) & main
        if tall.any():
            tall_geoms = np.asarray(buildings.geometry.values[tall])
            plot_geoms = np.asarray(plots.geometry.values)
            tree = shapely.STRtree(tall_geoms)
            p_idx, g_idx = tree.query(plot_geoms, predicate="intersects")
            # A tall building next door that only touches this plot's edge is not in it.
            inside = ~shapely.touches(plot_geoms[p_idx], tall_geoms[g_idx])
            max_floors.iloc[np.unique(p_idx[inside])] = tall_floors + 1
    limit = pd.Series(np.nan, index=plots.index)
    if tall_limit is not None:
        limit[max_floors > tall_floors] = tall_limit
    frame = pd.DataFrame(
        {
            "value": (footprint / area).to_numpy(),
            "limit": limit.to_numpy(),
            "extent_m2": area.to_numpy(),
            "footprint_m2": footprint.to_numpy(),
            "over_5_floors": (max_floors > tall_floors).to_numpy(),
        },
        index=pd.Index(plots["parcel_id"].to_numpy(), name="parcel_id"),
    )
    total = float(area.sum())
    return Measure(
        value=float(footprint.sum() / total) if total else 0.0, extent_m2=total, per_feature=frame
    )


@indicator("plot_green_share", gap="per_feature_area", unit="share")
def plot_green_share(park: Park, *, classes: Iterable[str] = ("industrial",)) -> Measure:
    """Green inside each plot: area(plot_green ∩ plot) / area(plot)."""
    import pandas as pd

    plots = _industrial(park, classes)
    area = plots.geometry.area
    green = _covered_m2(plots, park.plot_green)
    frame = pd.DataFrame(
        {
            "value": (green / area).to_numpy(),
            "extent_m2": area.to_numpy(),
            "green_m2": green.to_numpy(),
        },
        index=pd.Index(plots["parcel_id"].to_numpy(), name="parcel_id"),
    )
    total = float(area.sum())
    return Measure(
        value=float(green.sum() / total) if total else 0.0, extent_m2=total, per_feature=frame
    )


def isolation_band(park: Park, width_m: float) -> Any:
    """The band of ``width_m`` just inside the boundary: boundary − boundary.buffer(−width)."""
    boundary = park.boundary_geometry
    return boundary.difference(boundary.buffer(-width_m))


@indicator("isolation_strip", gap="strip", unit="share")
def isolation_strip(
    park: Park, *, width_m: float = 10.0, classes: Iterable[str] = ("green",)
) -> Measure:
    """Green share of the isolation band: area(band ∩ green) / area(band).

    The ungreen part of the band is reported as an area and as a length along the
    boundary (ungreen area / width).
    """
    import shapely

    band = isolation_band(park, width_m)
    green = park.landuse.geometry.values[park.landuse["landuse_class"].isin(list(classes)).to_numpy()]
    shapely.prepare(band)
    touching = green[shapely.intersects(green, band)] if len(green) else green
    green_in_band = shapely.intersection(touching, band)
    green_m2 = float(shapely.area(green_in_band).sum()) if len(touching) else 0.0
    band_m2 = float(band.area)
    ungreen = band.difference(shapely.union_all(green_in_band)) if len(touching) else band
    ungreen_m2 = max(band_m2 - green_m2, 0.0)
    return Measure(
        value=green_m2 / band_m2 if band_m2 else 0.0,
        extent_m2=band_m2,
        extra={
            "width_m": float(width_m),
            "band_ha": band_m2 / 10_000,
            "green_ha": green_m2 / 10_000,
            "ungreen_ha": ungreen_m2 / 10_000,
            "ungreen_length_m": ungreen_m2 / width_m,
            "ungreen_geometry": ungreen,
        },
    )


def facility_sources(park: Park) -> tuple[Any, Any, list[list[str]]]:
    """What each facility's safety distance is measured from (QCVN 01:2021/BXD §1.4.26).

    A facility is its polygon when the ``facilities`` layer has one; otherwise the union of
    the buildings whose ``facility_id`` is its id; only when neither exists, its point.

    Returns
    -------
    geometries : ndarray of shapely geometries, aligned with ``park.facilities``
    measured_from : ndarray of str: ``polygon``, ``buildings`` or ``point``
    building_ids : list of lists of the building ids used (empty unless ``buildings``)
    """
    import numpy as np
    import pandas as pd
    import shapely

    fac = park.facilities
    geoms = np.asarray(fac.geometry.values, dtype=object).copy()
    kind = shapely.get_type_id(geoms)
    polygonal = (kind == 3) | (kind == 6)  # Polygon, MultiPolygon
    measured_from = np.where(polygonal, "polygon", "point").astype(object)
    building_ids: list[list[str]] = [[] for _ in range(len(fac))]
    bld = park.buildings
    if bld.empty or "facility_id" not in bld.columns or polygonal.all():
        return geoms, measured_from, building_ids
    owner = bld["facility_id"].astype("string")
    rows = pd.Index(fac["facility_id"].astype(str)).get_indexer(owner.fillna("\x00"))
    linked = rows >= 0
    linked[linked] = ~polygonal[rows[linked]]  # a facility polygon wins over its buildings
    if not linked.any():
        return geoms, measured_from, building_ids
    parts, part_of = shapely.get_parts(
        np.asarray(bld.geometry.values, dtype=object)[linked], return_index=True
    )
    owners = rows[linked][part_of]
    order = np.argsort(owners, kind="stable")
    used = np.unique(owners)
    # One MultiPolygon per facility (distance and buffers do not need the parts dissolved).
    geoms[used] = shapely.multipolygons(parts[order], indices=np.searchsorted(used, owners[order]))
    measured_from[used] = "buildings"
    ids = (bld["building_id"].astype(str).to_numpy() if "building_id" in bld.columns
           else np.array([f"feature {i + 1}" for i in range(len(bld))], dtype=object))
    grouped = pd.Series(ids[linked]).groupby(rows[linked]).agg(list)
    for r, listed in grouped.items():
        building_ids[int(r)] = [str(b) for b in listed]
    return geoms, measured_from, building_ids


@indicator("safety_distance", gap="per_feature_distance", unit="m")
def safety_distance(
    park: Park,
    *,
    limits: Mapping[str, float],
    kinds: Iterable[str] | None = None,
) -> Measure:
    """Distance from each facility's source to the nearest neighbourhood, against its required one.

    The source is what :func:`facility_sources` gives: the facility's polygon, else its
    buildings (``facility_id`` on the buildings layer), else its point; each row says which in
    ``measured_from`` (and ``buildings`` lists the building ids). ``limits`` maps hazard class
    (I–V) to the required distance (m). ``kinds`` limits the neighbourhoods considered
    (default: all kinds: residential, school, hospital, civic). The value of the measure is
    the smallest distance found. ``extra['source_geometry']`` holds the source geometries.
    """
    import numpy as np
    import pandas as pd

    fac = park.facilities
    nbh = park.neighbourhoods
    if kinds is not None and not nbh.empty:
        nbh = nbh[nbh["kind"].isin(list(kinds))]
    ids = pd.Index(fac["facility_id"].astype(str).to_numpy() if not fac.empty else [],
                   name="facility_id")
    required = fac["hazard_class"].map(dict(limits)).to_numpy(dtype=float) if len(fac) else []
    sources, measured_from, building_ids = facility_sources(park)
    extra = {"source_geometry": sources}
    columns = {"hazard_class": fac.get("hazard_class", pd.Series(dtype=str)).to_numpy(),
               "measured_from": measured_from, "buildings": building_ids}
    if fac.empty or nbh.empty:
        frame = pd.DataFrame(
            {"value": np.full(len(fac), np.inf), "limit": required, **columns, "nearest": None,
             "within": [[] for _ in range(len(fac))]},
            index=ids,
        )
        return Measure(value=float("inf"), per_feature=frame, extra=extra)
    (f_idx, n_idx), dist = nbh.sindex.nearest(sources, return_distance=True, return_all=False)
    distance = np.full(len(fac), np.inf)
    nearest = np.empty(len(fac), dtype=object)
    distance[f_idx] = dist
    names = nbh["name"].astype(str).to_numpy()
    nearest[f_idx] = names[n_idx]
    # Every neighbourhood inside each facility's required distance (for maps and details).
    # A class without a distance in the table is not judged: nothing lies "within" it.
    judged = np.flatnonzero(~np.isnan(required))
    pairs = nbh.sindex.query(sources[judged], predicate="dwithin", distance=required[judged])
    grouped = pd.Series(names[pairs[1]]).groupby(judged[pairs[0]]).agg(list)
    within = [list(grouped.get(i, [])) for i in range(len(fac))]
    frame = pd.DataFrame(
        {"value": distance, "limit": required, **columns, "nearest": nearest, "within": within},
        index=ids,
    )
    return Measure(value=float(distance.min()), per_feature=frame, extra=extra)


@indicator("wwtp_count", gap="count", unit="count")
def wwtp_count(park: Park, *, pattern: str = WWTP_PATTERN) -> Measure:
    """Number of technical parcels that are a wastewater treatment plant.

    A parcel counts when its land-use code or its ``name`` says so (``XLNT``, "Trạm xử lý
    nước thải", "WWTP"…).
    """
    lu = park.landuse
    is_wwtp = (lu["landuse_class"] == "technical").to_numpy() & names_wwtp(lu, pattern=pattern)
    return Measure(
        value=float(is_wwtp.sum()),
        extra={"parcels": lu.loc[is_wwtp, "parcel_id"].astype(str).tolist()},
    )


@indicator("green_cover_share", gap="area", unit="share")
def green_cover_share(park: Park, *, classes: Iterable[str] = ("green",)) -> Measure:
    """Share of the park that is planted: green land-use parcels plus green inside other parcels.

    ``(area(landuse ∈ classes) + area(plot_green ∩ other parcels)) / area(boundary)``; plot
    green lying on a green parcel is not counted twice.
    """
    classes = list(classes)
    lu = park.landuse
    in_class = lu["landuse_class"].isin(classes)
    green_land = float(lu.geometry[in_class].area.sum())
    in_plots = float(_covered_m2(lu[~in_class], park.plot_green).sum())
    total = park.area_m2
    area = green_land + in_plots
    return Measure(
        value=area / total,
        extent_m2=total,
        extra={"area_ha": area / 10_000, "green_land_ha": green_land / 10_000,
               "plot_green_ha": in_plots / 10_000},
    )
