"""Indicators: pure measurements of a ``Park`` in its metric CRS, and the registry criteria name them by.

Every function takes a park (never modified) and returns either a :class:`Measure` (what a
criterion judges) or, for the helpers, a named Series aligned with the park's parcels.
Areas are m² and distances metres unless a name says otherwise (``_ha``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from .landuse import WWTP_PATTERN, names_wwtp

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .park import Park

__all__ = [
    "INDICATORS",
    "Detail",
    "GreenCoverDetail",
    "Highlight",
    "Indicator",
    "LinearTerm",
    "Measure",
    "NotAssessed",
    "SafetyDetail",
    "ShareDetail",
    "StripDetail",
    "WwtpDetail",
    "class_area_m2",
    "facility_sources",
    "green_cover_share",
    "indicator",
    "isolation_band",
    "isolation_strip",
    "landuse_share",
    "plot_building_density",
    "plot_green_share",
    "safety_distance",
    "wwtp_count",
]

#: How a criterion turns the shortfall of an indicator into a planner's gap.
GapKind = Literal["area", "per_feature_area", "strip", "per_feature_distance", "count", "none"]


class NotAssessed(Exception):
    """An indicator cannot be measured because its input is missing (no table, no column, no
    answer): the criterion is *not assessed*, never passed or failed.

    ``key`` names the reason in :data:`eipgis._words.NOT_ASSESSED_WORDS`; ``fields`` fill it.
    """

    def __init__(self, key: str, **fields: str) -> None:
        from ._words import NOT_ASSESSED_WORDS

        self.key = key
        self.fields = fields
        self.reasons = {lang: words[key].format(**fields)
                        for lang, words in NOT_ASSESSED_WORDS.items()}
        super().__init__(self.reasons["en"])

#: Metadata of a :class:`Detail` field that is geometry for maps, not a figure for the JSON.
_MAP_ONLY = {"json": False}


@dataclass(frozen=True)
class Detail:
    """Further figures of one indicator, typed: one small dataclass per indicator.

    :meth:`to_dict` gives the figures a report shows (the ``details`` of the JSON output);
    fields marked map-only (geometries) stay out of it.
    """

    def to_dict(self) -> dict[str, Any]:
        """The figures as the JSON ``details`` (field name → value), map-only fields left out."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.metadata.get("json", True)}

    @property
    def features(self) -> list[str]:
        """Ids of the features a failing result names (none unless the indicator lists some)."""
        return []


@dataclass(frozen=True)
class ShareDetail(Detail):
    """A land share: the area counted (ha)."""

    area_ha: float


@dataclass(frozen=True)
class GreenCoverDetail(Detail):
    """Green cover: green land-use parcels plus plot green inside other parcels (ha)."""

    area_ha: float
    green_land_ha: float
    plot_green_ha: float


@dataclass(frozen=True)
class StripDetail(Detail):
    """The isolation strip: the band, its green and ungreen parts, and where the ungreen lies."""

    width_m: float
    band_ha: float
    green_ha: float
    ungreen_ha: float
    ungreen_length_m: float
    ungreen_geometry: Any = field(default=None, metadata=_MAP_ONLY, repr=False, compare=False)


@dataclass(frozen=True)
class SafetyDetail(Detail):
    """Safety distances: each facility's source geometry, aligned with ``park.facilities``."""

    source_geometry: Any = field(default=None, metadata=_MAP_ONLY, repr=False, compare=False)


@dataclass(frozen=True)
class WwtpDetail(Detail):
    """The parcels found to be wastewater treatment plants."""

    parcels: list[str] = field(default_factory=list)

    @property
    def features(self) -> list[str]:
        return [str(p) for p in self.parcels]


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
    detail : Detail
        Further typed figures (e.g. :class:`StripDetail` with the strip's ungreen area).
    """

    value: float
    extent_m2: float = 0.0
    per_feature: pd.DataFrame | None = None
    detail: Detail = field(default_factory=Detail)


@dataclass(frozen=True)
class LinearTerm:
    """How an indicator's value follows the land-use classes of the parcels.

    ``value = (base + Σ_i weight_i · [class_i ∈ classes]) / denominator`` over the parcels of
    ``park.landuse`` (per-feature indicators: the count of failing features, ``denominator`` 1).
    """

    weight: np.ndarray
    classes: tuple[str, ...]
    base: float = 0.0
    denominator: float = 1.0


#: ``linear(park, params, failing) → LinearTerm``; ``failing(measure)`` gives the ids of the
#: features that fail the criterion being reduced (per-feature indicators need it).
LinearHook = Callable[["Park", dict[str, Any], Callable[[Measure], list[str]]], LinearTerm]


@dataclass(frozen=True)
class Highlight:
    """What a map draws for a failing result of an indicator.

    kind
        ``parcels``: the failing features are parcels (by ``parcel_id``), outlined with the
        map style ``style`` and showing their value under the word ``label``;
        ``strip``: the ungreen part of a band (:class:`StripDetail`);
        ``zones``: a zone of each feature's ``limit`` around its source (:class:`SafetyDetail`).
    """

    kind: Literal["parcels", "strip", "zones"]
    style: str = ""
    label: str = ""


@dataclass(frozen=True)
class Indicator:
    """Everything eipgis knows about one indicator: adding one edits only the registry.

    Attributes
    ----------
    function : callable
        ``function(park, **params) → Measure``.
    gap, unit, per_feature
        How a criterion turns a shortfall into a gap; the unit of the value.
    linear : callable, optional
        How a plan changes the value linearly (:data:`LinearHook`); None: plans leave it alone.
    target : {"share", "strip", "plot_green"}, optional
        What the optimizer makes pass: a land share it fills with land of the indicator's
        classes, the isolation band it makes green, or plot green it plants inside the plots
        that lack it. None: not targeted.
    counts_plot_green : bool
        Converting a piece to one of the classes adds its area less the plot green already
        counted in it (green cover).
    highlight : Highlight, optional
        What a map draws when a result fails.
    chart : bool
        A share a chart sets against its threshold.
    plot_limit : {"density", "green"}, optional
        A per-plot limit that a plan's cut into a plot must not break: the building-density
        ceiling or the plot-green floor (the candidate builder keeps strips within them).
    tabular : bool
        Measures attribute tables: ``function(park, tables=…, **params)`` gets the tables a
        check was given (flows, register) and may raise :class:`NotAssessed`.
    check_params : callable, optional
        ``check_params(params)`` raises ``ValueError`` for params a criteria file must not hold
        (checked when the file is read).
    """

    name: str
    function: Callable[..., Measure]
    gap: GapKind
    unit: str
    per_feature: bool
    linear: LinearHook | None = None
    target: Literal["share", "strip", "plot_green"] | None = None
    counts_plot_green: bool = False
    highlight: Highlight | None = None
    chart: bool = False
    plot_limit: Literal["density", "green"] | None = None
    tabular: bool = False
    check_params: Callable[[Mapping[str, Any]], None] | None = None

    @property
    def default_params(self) -> dict[str, Any]:
        """The parameters with a default in the indicator's signature, and their defaults."""
        import inspect

        return {
            name: p.default
            for name, p in inspect.signature(self.function).parameters.items()
            if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        }

    def classes(self, params: Mapping[str, Any]) -> list[str]:
        """The land-use classes a criterion with ``params`` counts (its own or the default)."""
        return list(params.get("classes", self.default_params.get("classes", ())))

    def param(self, params: Mapping[str, Any], name: str) -> Any:
        """A criterion's parameter, or the indicator's default for it."""
        return params.get(name, self.default_params.get(name))


#: The one registry: indicator name (as written in criteria files) → indicator.
INDICATORS: dict[str, Indicator] = {}


def indicator(
    name: str,
    *,
    gap: GapKind,
    unit: str,
    linear: LinearHook | None = None,
    target: Literal["share", "strip", "plot_green"] | None = None,
    counts_plot_green: bool = False,
    highlight: Highlight | None = None,
    chart: bool = False,
    plot_limit: Literal["density", "green"] | None = None,
    tabular: bool = False,
    check_params: Callable[[Mapping[str, Any]], None] | None = None,
) -> Callable[[Callable[..., Measure]], Callable[..., Measure]]:
    """Register a function as the indicator ``name`` (see :class:`Indicator` for the hooks)."""

    def decorate(func: Callable[..., Measure]) -> Callable[..., Measure]:
        INDICATORS[name] = Indicator(
            name,
            func,
            gap,
            unit,
            per_feature=gap.startswith("per_feature"),
            linear=linear,
            target=target,
            counts_plot_green=counts_plot_green,
            highlight=highlight,
            chart=chart,
            plot_limit=plot_limit,
            tabular=tabular,
            check_params=check_params,
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


def _classes_param(params: Mapping[str, Any], default: Iterable[str]) -> tuple[str, ...]:
    return tuple(params.get("classes", default))


def _linear_share(park: Park, params: dict[str, Any], failing: Any) -> LinearTerm:
    """A land share: each parcel weighs its area, over the boundary's area."""
    return LinearTerm(
        park.landuse.geometry.area.to_numpy(),
        _classes_param(params, ()),
        denominator=park.area_m2,
    )


@indicator("landuse_share", gap="area", unit="share", linear=_linear_share, target="share",
           chart=True)
def landuse_share(park: Park, *, classes: Iterable[str]) -> Measure:
    """Share of the park (boundary area) whose land use is one of ``classes``.

    ``area(landuse ∈ classes ∩ boundary) / area(boundary)``; parcels are clipped to the
    boundary when the park is loaded.
    """
    classes = list(classes)
    in_class = park.landuse["landuse_class"].isin(classes)
    area = float(park.landuse.geometry[in_class].area.sum())
    total = park.area_m2
    return Measure(value=area / total, extent_m2=total, detail=ShareDetail(area / 10_000))


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
    # Boxes only: a pair whose shapes do not meet is cut below to an empty intersection (0 m²),
    # which is cheaper than an 'intersects' test on every pair the index returns.
    p_idx, g_idx = shapely.STRtree(geoms).query(plots)
    keep = _boxes_overlap(shapely.bounds(plots), p_idx, shapely.bounds(geoms), g_idx)
    p_idx, g_idx = p_idx[keep], g_idx[keep]
    if len(p_idx) == 0:
        return out
    shapely.prepare(plots)  # the first operand of covers: GEOS uses it prepared
    whole = shapely.covers(plots[p_idx], geoms[g_idx])
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


def _linear_plots(name: str) -> LinearHook:
    """A per-plot rule: each plot that fails it counts while it is of the criterion's classes."""

    def linear(park: Park, params: dict[str, Any], failing: Any) -> LinearTerm:
        import numpy as np

        # Measured on every parcel, so that a parcel turning industrial is judged too.
        measure = INDICATORS[name].function(park, **dict(params, classes=_all_classes()))
        ids = park.landuse["parcel_id"].astype(str).to_numpy()
        weight = np.isin(ids, np.asarray(failing(measure), dtype=object)).astype(float)
        return LinearTerm(weight, _classes_param(params, ("industrial",)))

    return linear


def _all_classes() -> list[str]:
    from .landuse import CLASSES

    return list(CLASSES)


@indicator("plot_building_density", gap="per_feature_area", unit="share",
           linear=_linear_plots("plot_building_density"), plot_limit="density",
           highlight=Highlight("parcels", style="density", label="density"))
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


@indicator("plot_green_share", gap="per_feature_area", unit="share",
           linear=_linear_plots("plot_green_share"), target="plot_green", plot_limit="green",
           highlight=Highlight("parcels", style="plot_green", label="green_share"))
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


def _linear_strip(park: Park, params: dict[str, Any], failing: Any) -> LinearTerm:
    """The isolation strip: each parcel weighs its area inside the band, over the band's area."""
    import numpy as np
    import shapely

    lu = park.landuse
    band = isolation_band(park, float(params.get("width_m", 10.0)))
    shapely.prepare(band)
    weight = np.zeros(len(lu))
    hit = lu.sindex.query(band, predicate="intersects")
    weight[hit] = shapely.area(shapely.intersection(lu.geometry.values[hit], band))
    return LinearTerm(weight, _classes_param(params, ("green",)), denominator=float(band.area))


@indicator("isolation_strip", gap="strip", unit="share", linear=_linear_strip, target="strip",
           highlight=Highlight("strip"), chart=True)
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
        detail=StripDetail(
            width_m=float(width_m),
            band_ha=band_m2 / 10_000,
            green_ha=green_m2 / 10_000,
            ungreen_ha=ungreen_m2 / 10_000,
            ungreen_length_m=ungreen_m2 / width_m,
            ungreen_geometry=ungreen,
        ),
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


@indicator("safety_distance", gap="per_feature_distance", unit="m",
           highlight=Highlight("zones"))
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
    the smallest distance found. ``detail.source_geometry`` holds the source geometries.
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
    detail = SafetyDetail(source_geometry=sources)
    columns = {"hazard_class": fac.get("hazard_class", pd.Series(dtype=str)).to_numpy(),
               "measured_from": measured_from, "buildings": building_ids}
    if fac.empty or nbh.empty:
        frame = pd.DataFrame(
            {"value": np.full(len(fac), np.inf), "limit": required, **columns, "nearest": None,
             "within": [[] for _ in range(len(fac))]},
            index=ids,
        )
        return Measure(value=float("inf"), per_feature=frame, detail=detail)
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
    by_row = grouped.to_dict()  # a dict lookup per facility, not a Series lookup (70k at 1M)
    within = [list(by_row.get(i, ())) for i in range(len(fac))]
    frame = pd.DataFrame(
        {"value": distance, "limit": required, **columns, "nearest": nearest, "within": within},
        index=ids,
    )
    return Measure(value=float(distance.min()), per_feature=frame, detail=detail)


def _linear_wwtp(park: Park, params: dict[str, Any], failing: Any) -> LinearTerm:
    """The WWTP count: a parcel that says WWTP counts while it is technical land."""
    weight = names_wwtp(park.landuse, pattern=params.get("pattern", WWTP_PATTERN)).astype(float)
    return LinearTerm(weight, ("technical",))


@indicator("wwtp_count", gap="count", unit="count", linear=_linear_wwtp)
def wwtp_count(park: Park, *, pattern: str = WWTP_PATTERN) -> Measure:
    """Number of technical parcels that are a wastewater treatment plant.

    A parcel counts when its land-use code or its ``name`` says so (``XLNT``, "Trạm xử lý
    nước thải", "WWTP"…).
    """
    lu = park.landuse
    is_wwtp = (lu["landuse_class"] == "technical").to_numpy() & names_wwtp(lu, pattern=pattern)
    return Measure(
        value=float(is_wwtp.sum()),
        detail=WwtpDetail(lu.loc[is_wwtp, "parcel_id"].astype(str).tolist()),
    )


def _linear_green_cover(park: Park, params: dict[str, Any], failing: Any) -> LinearTerm:
    """Green cover: a parcel of the classes adds its area beyond the plot green always counted."""
    lu = park.landuse
    pg = _covered_m2(lu, park.plot_green).to_numpy()
    return LinearTerm(
        lu.geometry.area.to_numpy() - pg,
        _classes_param(params, ("green",)),
        base=float(pg.sum()),
        denominator=park.area_m2,
    )


@indicator("green_cover_share", gap="area", unit="share", linear=_linear_green_cover,
           target="share", counts_plot_green=True, chart=True)
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
        detail=GreenCoverDetail(area / 10_000, green_land / 10_000, in_plots / 10_000),
    )
