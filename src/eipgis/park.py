"""``Park``: the validated bundle of park layers in one metric CRS; ``load_park`` reads a park and
``park_from_frames`` validates frames into one (one validator per layer)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import crs as _crs
from . import io as _io
from . import landuse as _landuse
from ._enterprises import empty_enterprises, validate_enterprises
from ._hazard import HAZARD_CLASSES, hazard_classes
from ._validate import Problems, ids_text
from .errors import CRSError, LayerError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import pyproj

__all__ = [
    "HAZARD_CLASSES", "LAYERS", "MAX_FLOORS", "SLIVER_M2", "Park", "load_park", "park_from_frames",
]

#: Overlaps and overhangs smaller than this (m²) are digitising slivers and are tolerated.
SLIVER_M2 = 1.0

#: The most floors a building may have (the tallest buildings on Earth have about 160).
MAX_FLOORS = 200

#: Hazard classes (TCVN 4449-1987 Appendix III numbering), as roman numerals.


@dataclass(frozen=True)
class _Spec:
    required: bool
    geometry: frozenset[str]
    columns: tuple[str, ...]
    fix_geometry: str


_POLY = frozenset({"Polygon", "MultiPolygon"})

#: The input data contract: layer name → what it must hold.
LAYERS: dict[str, _Spec] = {
    "boundary": _Spec(True, _POLY, (), "draw the park boundary as one polygon"),
    "landuse": _Spec(True, _POLY, ("parcel_id", "landuse"), "parcels must be polygons"),
    "buildings": _Spec(False, _POLY, (), "building footprints must be polygons"),
    "plot_green": _Spec(False, _POLY, (), "green areas must be polygons"),
    "facilities": _Spec(
        False,
        frozenset({"Point", "MultiPoint", "Polygon", "MultiPolygon"}),
        ("facility_id", "hazard_class"),
        "facilities must be points or polygons",
    ),
    "neighbourhoods": _Spec(False, _POLY, ("name",), "neighbourhoods must be polygons"),
}



@dataclass(frozen=True, eq=False)
class Park:
    """An industrial park: its layers, validated and in one projected CRS (metres).

    A ``Park`` is a value: functions that change a park (scenarios) return a new one with
    :meth:`replace`; nothing in eipgis modifies a park's frames in place.

    Attributes
    ----------
    name : str
        The park's name (the boundary's ``name``, else the file name).
    source : str
        Where the layers were read from.
    crs : pyproj.CRS
        The metric CRS every layer is in.
    boundary, landuse, buildings, plot_green, facilities, neighbourhoods : GeoDataFrame
        The contract layers. ``landuse`` has a ``landuse_class`` column with the canonical
        class beside the planner's own ``landuse`` value. Optional layers that the source
        lacks are empty frames with the contract's columns.
    extras : Mapping[str, GeoDataFrame]
        Any other layers of the source (e.g. ``roads``), carried along unchanged.
    notes : tuple[str, ...]
        What loading changed or noticed (clipped parcels, repaired geometry, unassigned land).
    unassigned_m2 : float
        Land inside the boundary that no parcel covers.
    enterprises : DataFrame
        The optional attribute table ``enterprises`` (one row per enterprise, no geometry),
        validated: yes/no columns as pandas ``boolean``, numeric columns as floats. Empty with
        the documented columns when the park has none; ``has_enterprises`` tells which.
    """

    name: str
    source: str
    crs: pyproj.CRS
    boundary: gpd.GeoDataFrame
    landuse: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    plot_green: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    neighbourhoods: gpd.GeoDataFrame
    extras: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unassigned_m2: float = 0.0
    enterprises: pd.DataFrame = field(default_factory=empty_enterprises, repr=False)
    has_enterprises: bool = False

    @property
    def boundary_geometry(self) -> Any:
        """The boundary as one shapely geometry."""
        return self.boundary.geometry.iloc[0]

    @property
    def area_m2(self) -> float:
        """Area inside the boundary, m²."""
        return float(self.boundary_geometry.area)

    @property
    def area_ha(self) -> float:
        """Area inside the boundary, hectares."""
        return self.area_m2 / 10_000.0

    @property
    def crs_label(self) -> str:
        return _crs.crs_label(self.crs)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer by name, as they would be written to a GeoPackage."""
        out = {
            "boundary": self.boundary,
            "landuse": self.landuse.drop(columns=["landuse_class"]),
            "buildings": self.buildings,
            "plot_green": self.plot_green,
            "facilities": self.facilities,
            "neighbourhoods": self.neighbourhoods,
        }
        out.update(self.extras)
        return out

    def replace(self, **changes: Any) -> Park:
        """A new park with some attributes changed (the frames are not copied)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"Park({self.name!r}, {self.area_ha:,.2f} ha, {len(self.landuse)} parcels, "
            f"{self.crs_label})"
        )


def _empty(columns: tuple[str, ...], crs: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)


def _feature_ids(frame: gpd.GeoDataFrame, layer: str, rows: Any) -> list[str]:
    id_col = {"landuse": "parcel_id", "facilities": "facility_id", "neighbourhoods": "name",
              "buildings": "building_id"}.get(layer)
    if id_col and id_col in frame.columns:
        return [str(v) for v in frame.loc[rows, id_col]]
    return [f"feature {int(i) + 1}" for i in frame.index[rows]]


def load_park(
    path: str | os.PathLike[str],
    *,
    crs: Any = None,
    repair: bool = False,
    landuse_mapping: str | os.PathLike[str] | Mapping[str, str] | None = None,
) -> Park:
    """Read, validate and project a park.

    Reading only: the layers become frames, then :func:`park_from_frames` validates them.

    Parameters
    ----------
    path : path or URL
        A GeoPackage, or a folder with one file per layer (``boundary.geojson``,
        ``landuse.shp``…), holding the layers of the data contract; or a PostgreSQL/PostGIS
        schema, ``postgresql://user@host/db?schema=hoa_khanh``, whose tables are named like
        the layers (geometry from each table's PostGIS column, ``enterprises`` as a plain table).
    crs : CRS-like, optional
        The metric CRS to measure in (``"EPSG:9208"``, a province name, ``"utm"``…). By
        default a projected CRS of the boundary is kept; a geographic one inside Vietnam becomes
        the VN-2000 3° TM grid of the province holding the park, elsewhere its WGS 84 UTM zone
        (``eipgis.crs.metric_crs``).
    repair : bool
        Repair invalid geometries (``make_valid``) and list them in ``notes`` instead of failing.
    landuse_mapping : path or mapping, optional
        The park's own land-use codes (CSV ``value,class`` or YAML), added to the built-in ones.

    Returns
    -------
    Park

    Raises
    ------
    LayerError
        With every problem found, each naming the file, layer, feature and the fix.

    Examples
    --------
    >>> import eipgis
    >>> park = eipgis.load_park(eipgis.sample_path())
    >>> park.crs_label
    'EPSG:9208'
    """
    source = str(path)
    from . import _postgres

    if _postgres.is_url(source):  # a schema of a PostgreSQL/PostGIS database, tables named as layers
        tables = _postgres.read_layers(source, (*LAYERS, "enterprises"), error=LayerError)
        shown = _postgres.split_url(source, "public")[2]
        db_enterprises = tables.pop("enterprises", None)
        return _build(dict(tables), {}, found=list(tables), crs=crs, repair=repair,
                      landuse_mapping=landuse_mapping, source=shown, in_memory=False,
                      enterprises=db_enterprises)
    available = _io.list_layers(path)
    frames: dict[str, Any] = {
        layer: _io.read_layer(available[layer], layer) for layer in LAYERS if layer in available
    }
    extras = {
        name: _io.read_layer(where, name)
        for name, where in available.items()
        if name not in LAYERS and not name.startswith(("gpkg_", "rtree_", "layer_styles"))
    }
    enterprises = extras.pop("enterprises", None)
    table = Path(path) / "enterprises.csv"
    if enterprises is None and Path(path).is_dir() and table.exists():
        enterprises = _read_enterprises_csv(table)
    return _build(frames, extras, found=list(available), crs=crs, repair=repair,
                  landuse_mapping=landuse_mapping, source=source, in_memory=False,
                  enterprises=enterprises)


def _read_enterprises_csv(path: Path) -> pd.DataFrame:
    """A folder park's ``enterprises.csv`` (UTF-8), every cell read as text."""
    import io

    import pandas as pd

    text = _io.read_text_file(path, what="enterprises table", error=LayerError)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise LayerError(f"{path}: cannot be read as CSV ({str(exc).strip()}). Fix: save it as "
                         "UTF-8 CSV with a header row (enterprise_id, …).") from None


def park_from_frames(
    boundary: Any = None,
    landuse: Any = None,
    buildings: Any = None,
    plot_green: Any = None,
    facilities: Any = None,
    neighbourhoods: Any = None,
    extras: Mapping[str, Any] | None = None,
    *,
    crs: Any = None,
    repair: bool = False,
    landuse_mapping: str | os.PathLike[str] | Mapping[str, str] | None = None,
    source: str = "<memory>",
    enterprises: Any = None,
) -> Park:
    """Validate and project a park given as GeoDataFrames (no file needed).

    The one validation of the data contract: :func:`load_park` reads a file into frames and
    calls this, and so do the QGIS bridge and :mod:`eipgis.synth`. The frames passed in are
    never modified.

    Parameters
    ----------
    boundary, landuse : GeoDataFrame
        The required layers (one boundary polygon; parcels with ``parcel_id`` and ``landuse``).
    buildings, plot_green, facilities, neighbourhoods : GeoDataFrame, optional
        The optional layers of the data contract (``None`` when the park has none).
    extras : mapping of str to GeoDataFrame, optional
        Other layers (e.g. ``{"roads": roads}``), carried along unchanged in the park's CRS.
    crs, repair, landuse_mapping
        As for :func:`load_park`.
    source : str
        What the messages and ``Park.source`` name as the origin of the frames.
    enterprises : DataFrame, optional
        The attribute table of the park's enterprises (``enterprise_id``, ``facility_id``,
        ``workers``, ``recp_applied``…; see the README data contract); also taken from
        ``extras["enterprises"]``.

    Returns
    -------
    Park

    Raises
    ------
    LayerError
        With every problem found, each naming the layer (``layer 'landuse'``), the feature and
        the fix.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> import eipgis
    >>> x, y = 420_000, 2_490_000  # VN-2000 / Lào Cai (EPSG:9208), metres
    >>> park = eipgis.park_from_frames(
    ...     boundary=gpd.GeoDataFrame(geometry=[box(x, y, x + 1000, y + 1000)], crs="EPSG:9208"),
    ...     landuse=gpd.GeoDataFrame(
    ...         {"parcel_id": ["P1", "G1"], "landuse": ["CN", "CX"]},
    ...         geometry=[box(x, y, x + 1000, y + 900), box(x, y + 900, x + 1000, y + 1000)],
    ...         crs="EPSG:9208"))
    >>> park.area_ha
    100.0
    """
    given = {"boundary": boundary, "landuse": landuse, "buildings": buildings,
             "plot_green": plot_green, "facilities": facilities,
             "neighbourhoods": neighbourhoods}
    frames = {layer: frame for layer, frame in given.items() if frame is not None}
    extra = dict(extras or {})
    if enterprises is None:  # an 'enterprises' table among the extras (QGIS bridge) is the table
        enterprises = extra.pop("enterprises", None)
    return _build(frames, extra, found=[*frames, *extra], crs=crs, repair=repair,
                  landuse_mapping=landuse_mapping, source=source, in_memory=True,
                  enterprises=enterprises)


@dataclass
class _Context:
    """What every layer validator may need: where the frames came from and the problems so far."""

    source: str
    problems: Problems
    crs: Any
    mapping: Mapping[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def _build(
    frames: dict[str, Any],
    extras: dict[str, Any],
    *,
    found: list[str],
    crs: Any,
    repair: bool,
    landuse_mapping: str | os.PathLike[str] | Mapping[str, str] | None,
    source: str,
    in_memory: bool,
    enterprises: Any = None,
) -> Park:
    """The validation behind :func:`load_park` and :func:`park_from_frames`."""
    problems = Problems(source)
    mapping = (
        _landuse.load_mapping(landuse_mapping)
        if isinstance(landuse_mapping, str | os.PathLike)
        else landuse_mapping
    )

    # 1. What is there: missing, empty, CRS-less and mistyped layers.
    checked: dict[str, gpd.GeoDataFrame] = {}
    for layer, spec in LAYERS.items():
        if layer not in frames:
            if spec.required:
                have = ", ".join(sorted(found)) or "none"
                fix = (f"pass {layer}= (a GeoDataFrame) as the data contract in the README "
                       "describes" if in_memory else
                       f"add a '{layer}' layer as the data contract in the README describes")
                problems.add(f"layer '{layer}'", f"missing (layers found: {have})", fix)
            continue
        frame = _check_layer(layer, frames[layer], problems)
        if frame is not None:
            checked[layer] = frame
    problems.raise_if_any()
    notes: list[str] = []
    # A --crs that depends on where the park lies ('utm') is resolved once the boundary is read.
    override = _crs.to_crs(crs) if crs is not None and not _crs.depends_on_place(crs) else None

    # 2. Every layer's CRS is usable and its coordinates lie where that CRS says, before any
    #    geometry check: metres labelled EPSG:4326 are not "invalid geometry".
    for layer, frame in list(checked.items()):
        checked[layer] = _check_position(layer, frame, override, problems, notes)
    problems.raise_if_any(CRSError)

    # 3. One metric CRS for everything.
    target = _target_crs(checked, crs, override, source)
    checked = {name: f.to_crs(target) if not f.empty else f.set_crs(target, allow_override=True)
               for name, f in checked.items()}
    carried = _carry_extras(extras, target, notes)

    # 4. Geometry validity: repair on request, else report.
    for layer, frame in checked.items():
        checked[layer] = _check_validity(layer, frame, repair, problems, notes)

    # 5. Layer contents, one validator per layer, every problem reported together.
    ctx = _Context(source=source, problems=problems, crs=target, mapping=mapping, notes=notes)
    boundary = _validate_boundary(checked["boundary"], ctx)
    parcels = _validate_landuse(checked["landuse"], ctx)
    facilities = _validate_facilities(checked.get("facilities"), ctx)
    buildings = _validate_buildings(checked.get("buildings"), facilities, ctx)
    plot_green = _validate_plot_green(checked.get("plot_green"), ctx)
    neighbourhoods = _validate_neighbourhoods(checked.get("neighbourhoods"), ctx)
    table = (validate_enterprises(enterprises, set(facilities["facility_id"].astype(str)), problems)
             if enterprises is not None else empty_enterprises())
    problems.raise_if_any()

    # 6. Parcels against the boundary (clip what sticks out), then against each other.
    parcels, unassigned = _fit_parcels(parcels, boundary, ctx)
    problems.raise_if_any()

    import pandas as pd

    name_col = boundary.get("name")
    if name_col is not None and pd.notna(name_col.iloc[0]):
        name = str(name_col.iloc[0])
    else:
        name = "park" if in_memory and source == "<memory>" else Path(source).stem
    return Park(
        name=name,
        source=source,
        crs=target,
        boundary=boundary.reset_index(drop=True),
        landuse=parcels,
        buildings=buildings,
        plot_green=plot_green,
        facilities=facilities,
        neighbourhoods=neighbourhoods,
        extras=MappingProxyType(carried),
        notes=tuple(notes),
        unassigned_m2=unassigned,
        enterprises=table,
        has_enterprises=enterprises is not None,
    )


def _check_layer(layer: str, frame: Any, problems: Problems) -> gpd.GeoDataFrame | None:
    """A layer's shape: a spatial table, not empty if required, with a CRS, its columns and
    geometry types; ``None`` when it cannot be checked further."""
    import numpy as np
    import shapely

    spec = LAYERS[layer]
    where = f"layer '{layer}'"
    if not _has_geometry(frame):
        problems.add(
            where,
            "is a table without geometry (attribute-only)",
            f"save '{layer}' as a spatial layer with {spec.fix_geometry.split(' must ')[0]} "
            "drawn, or rename the table if it is not the park's layer",
        )
        return None
    frame = frame.reset_index(drop=True)  # feature numbers are row positions, from 1
    if frame.empty:
        if spec.required:
            problems.add(where, "is empty", f"draw the {layer} features or pick another file")
        return frame
    if frame.crs is None:
        problems.add(
            where,
            "has no CRS",
            _crs._SET_CRS_FIX,
        )
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        have = ", ".join(c for c in frame.columns if c != "geometry")
        problems.add(
            where,
            f"missing column(s) {', '.join(missing)} (columns found: {have or 'none'})",
            "add or rename the column(s)",
        )
    geoms = np.asarray(frame.geometry.values)
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if null.any():
        problems.add(
            where,
            f"features without geometry: {ids_text(_feature_ids(frame, layer, null))}",
            "delete them or draw their geometry",
        )
    broken = np.zeros(len(frame), dtype=bool)
    if not np.isfinite(shapely.get_coordinates(geoms)).all():  # which features: only then
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        broken[owner[~np.isfinite(coords).all(axis=1)]] = True
    if broken.any():
        problems.add(
            where,
            "coordinates that are not numbers (NaN or infinite) in "
            + ids_text(_feature_ids(frame, layer, broken)),
            "delete or redraw those features in QGIS",
        )
    type_ids = shapely.get_type_id(geoms)
    wrong = ~null & ~np.isin(type_ids, [_TYPE_IDS[t] for t in spec.geometry])
    if wrong.any():
        kinds = ", ".join(sorted({g.geom_type for g in geoms[wrong]}))
        problems.add(
            where,
            f"{kinds} geometry in {ids_text(_feature_ids(frame, layer, wrong))}",
            spec.fix_geometry,
        )
    return frame


_TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7}


def _check_position(
    layer: str, frame: gpd.GeoDataFrame, override: Any, problems: Problems, notes: list[str]
) -> gpd.GeoDataFrame:
    """The layer's CRS is usable and its coordinates lie where that CRS says."""
    if frame.empty or frame.crs is None:
        return frame
    where = f"layer '{layer}'"
    reason = _crs.unusable_reason(frame.crs)
    if reason:
        problems.add(
            where,
            f"its CRS {_crs.crs_label(frame.crs)} {reason}",
            "set the CRS the coordinates were drawn in (QGIS: Layer → Set CRS), e.g. "
            "EPSG:9208 for Lào Cai, and export again",
        )
        return frame
    bounds = frame.total_bounds
    wrong = _crs.diagnose_position(frame.crs, bounds)
    if wrong is not None and wrong.kind == "metres" and override is not None \
            and _crs.diagnose_position(override, bounds) is None:
        # The planner said which grid the coordinates are in: read them in it.
        notes.append(
            f"{layer}: says {_crs.crs_label(frame.crs)} but holds metres; read as "
            f"{_crs.crs_label(override)} (--crs)"
        )
        return frame.set_crs(override, allow_override=True)
    if wrong is not None:
        problems.add(where, wrong.problem, wrong.fix)
    return frame


def _target_crs(frames: dict[str, gpd.GeoDataFrame], crs: Any, override: Any, source: str) -> Any:
    """The one metric CRS of the park (see :func:`load_park`)."""
    boundary = frames["boundary"]
    if crs is not None and override is not None:
        return override
    if crs is None:
        projected = [f.crs for f in frames.values() if f.crs is not None and f.crs.is_projected]
        if boundary.crs.is_projected:
            return _crs.metric_crs(boundary.crs, None)
        if projected:
            return _crs.metric_crs(projected[0], None)
    lonlat = boundary.to_crs(4326).geometry.union_all()  # where the park lies, for the CRS rule
    if crs is not None:
        return _crs.to_crs(crs, lonlat=lonlat)
    try:
        return _crs.metric_crs(boundary.crs, lonlat)
    except CRSError as exc:
        raise CRSError(f"{source}, layer 'boundary': {exc}") from None


def _carry_extras(extras: dict[str, Any], target: Any, notes: list[str]) -> dict[str, Any]:
    """Other layers, in the park's CRS; attribute tables and unusable CRSs are noted, not carried."""
    carried: dict[str, Any] = {}
    for name, extra in extras.items():
        if not _has_geometry(extra):
            # Attribute tables (e.g. 'enterprises') are read by the commands that use them.
            notes.append(f"{name}: a table without geometry, not carried among the park's layers")
            continue
        reason = _crs.unusable_reason(extra.crs) if extra.crs is not None else None
        if reason:
            notes.append(f"{name}: not carried among the park's layers: its CRS "
                         f"{_crs.crs_label(extra.crs)} {reason}")
            continue
        carried[name] = extra.to_crs(target) if extra.crs is not None else extra
    return carried


def _check_validity(
    layer: str, frame: gpd.GeoDataFrame, repair: bool, problems: Problems, notes: list[str]
) -> gpd.GeoDataFrame:
    """Invalid geometries repaired (``repair``) and noted, else reported."""
    import numpy as np
    import shapely

    if frame.empty:
        return frame
    geoms = np.asarray(frame.geometry.values)
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return frame
    ids = _feature_ids(frame, layer, invalid)
    if repair:
        before = geoms[invalid]
        fixed = shapely.make_valid(before)
        polygons = np.isin(shapely.get_type_id(before), (3, 6))  # Polygon, MultiPolygon
        fixed[polygons] = _polygonal(fixed[polygons])
        collapsed = shapely.is_empty(fixed) | (polygons & (shapely.area(fixed) <= 0))
        if collapsed.any():
            lost = [i for i, c in zip(ids, collapsed, strict=True) if c]
            problems.add(
                f"layer '{layer}'",
                f"no area left after --repair in {ids_text(lost)} (zero-area or "
                "line-like polygon)",
                "redraw them as real polygons in QGIS, or delete them",
            )
            return frame
        frame = frame.copy()
        frame.loc[invalid, frame.geometry.name] = fixed
        notes.append(f"{layer}: repaired invalid geometry of {ids_text(ids)}")
        return frame
    reasons = shapely.is_valid_reason(geoms[invalid])
    detail = "; ".join(f"{i}: {r}" for i, r in list(zip(ids, reasons, strict=True))[:6])
    problems.add(
        f"layer '{layer}'",
        f"invalid geometry in {ids_text(ids)} ({detail})",
        "repair them in QGIS (Vector → Geometry Tools → Fix Geometries) or pass --repair",
    )
    return frame


# --- one validator per layer ---------------------------------------------------------------


def _validate_boundary(boundary: gpd.GeoDataFrame, ctx: _Context) -> gpd.GeoDataFrame:
    """One boundary feature."""
    if len(boundary) > 1:
        ctx.problems.add(
            "layer 'boundary'",
            f"{len(boundary)} features, expected 1",
            "dissolve them into one polygon (Vector → Geoprocessing → Dissolve)",
        )
    return boundary


def _validate_landuse(landuse: gpd.GeoDataFrame, ctx: _Context) -> gpd.GeoDataFrame:
    """Unique ``parcel_id``s and known land-use values; adds ``landuse_class``."""
    import numpy as np

    problems = ctx.problems
    parcels = landuse.copy()
    parcels["parcel_id"] = parcels["parcel_id"].astype("string")
    no_id = parcels["parcel_id"].isna() | (parcels["parcel_id"].str.strip() == "")
    if no_id.any():
        problems.add(
            "layer 'landuse'",
            f"{int(no_id.sum())} parcel(s) without parcel_id (rows "
            f"{ids_text((np.flatnonzero(no_id.to_numpy()) + 1).tolist())})",
            "give every parcel a unique parcel_id",
        )
    dup = parcels["parcel_id"].duplicated(keep=False) & ~no_id
    if dup.any():
        problems.add(
            "layer 'landuse'",
            f"duplicate parcel_id {ids_text(sorted(parcels.loc[dup, 'parcel_id'].unique()))}",
            "make every parcel_id unique",
        )
    parcels["landuse_class"] = _landuse.classify(parcels["landuse"], ctx.mapping)
    unknown = parcels["landuse_class"].isna()
    if unknown.any():
        by_value = parcels.loc[unknown].groupby(parcels.loc[unknown, "landuse"].astype(str))
        listed = "; ".join(
            f"{value!r} in {ids_text(group['parcel_id'].tolist(), 6)}" for value, group in by_value
        )
        problems.add(
            "layer 'landuse'",
            f"unknown land-use value(s): {listed}",
            "use a known code (CN, KHO, CX, CXCL, GT, BX, HTKT, XLNT, DHDV, MN, DPT…) or a "
            "class name, or pass a mapping file with --landuse-mapping",
        )
    return parcels


def _validate_facilities(facilities: gpd.GeoDataFrame | None, ctx: _Context) -> gpd.GeoDataFrame:
    """``hazard_class`` as a roman numeral I–V."""
    if facilities is None:
        return _empty(("facility_id", "hazard_class"), ctx.crs)
    if facilities.empty:
        return facilities
    facilities = facilities.copy()
    raw = hazard_classes(facilities["hazard_class"])  # the one reading of "Cấp II", "class 2", 2.0
    bad = ~raw.isin(HAZARD_CLASSES)
    if bad.any():
        ctx.problems.add(
            "layer 'facilities'",
            "hazard_class not one of I–V (or 1–5) in "
            + ids_text(_feature_ids(facilities, "facilities", bad)),
            "set each facility's hazard class (TCVN 4449-1987 Appendix III)",
        )
    facilities["hazard_class"] = raw
    return facilities


def _validate_buildings(
    buildings: gpd.GeoDataFrame | None, facilities: gpd.GeoDataFrame, ctx: _Context
) -> gpd.GeoDataFrame:
    """``floors``, ``main`` and ``facility_id`` (naming a facility) of each building."""
    if buildings is None:
        buildings = _empty(("building_id", "floors", "main"), ctx.crs)
    buildings = _normalise_buildings(buildings, ctx.problems)
    return _check_facility_links(buildings, facilities, ctx.problems)


def _validate_plot_green(plot_green: gpd.GeoDataFrame | None, ctx: _Context) -> gpd.GeoDataFrame:
    """Green areas inside plots: polygons (checked with every layer); nothing else to check."""
    return _empty((), ctx.crs) if plot_green is None else plot_green


def _validate_neighbourhoods(
    neighbourhoods: gpd.GeoDataFrame | None, ctx: _Context
) -> gpd.GeoDataFrame:
    """``population`` a number of people where given; ``kind`` defaults to residential."""
    if neighbourhoods is None:
        return _empty(("name", "kind", "population"), ctx.crs)
    if "population" in neighbourhoods.columns:
        _check_population(neighbourhoods, ctx.problems)
    if neighbourhoods.empty:
        return neighbourhoods
    neighbourhoods = neighbourhoods.copy()
    kind = neighbourhoods.get("kind")
    neighbourhoods["kind"] = (
        "residential" if kind is None else kind.fillna("residential").astype(str)
    )
    return neighbourhoods


def _fit_parcels(
    parcels: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, ctx: _Context
) -> tuple[gpd.GeoDataFrame, float]:
    """Parcels clipped to the boundary (noted), overlaps reported; returns the unassigned m²."""
    import geopandas as gpd
    import numpy as np
    import shapely

    notes, problems = ctx.notes, ctx.problems
    boundary_geom = boundary.geometry.iloc[0]
    parcels = parcels.reset_index(drop=True)
    geoms = parcels.geometry.values
    shapely.prepare(boundary_geom)
    # The prepared boundary must be the first operand for GEOS to use it (40× faster).
    inside = shapely.covers(boundary_geom, geoms)
    if not inside.all():
        out_idx = np.flatnonzero(~inside)
        before = shapely.area(geoms[out_idx])
        clipped = _polygonal(shapely.intersection(geoms[out_idx], boundary_geom))
        removed = before - shapely.area(clipped)
        geoms = geoms.copy()
        geoms[out_idx] = clipped
        parcels = parcels.set_geometry(gpd.GeoSeries(geoms, crs=ctx.crs, index=parcels.index))
        reported = removed >= SLIVER_M2
        if reported.any():
            ids = parcels["parcel_id"].to_numpy()[out_idx[reported]]
            listed = ", ".join(
                f"{i} ({a:,.1f} m²)" for i, a in zip(ids, removed[reported], strict=True)
            )
            notes.append(f"landuse: clipped to the boundary: {listed}")
        gone = shapely.is_empty(parcels.geometry.values)
        if gone.any():
            notes.append(
                "landuse: dropped, entirely outside the boundary: "
                + ids_text(parcels.loc[gone, "parcel_id"].tolist())
            )
            parcels = parcels.loc[~gone].reset_index(drop=True)
        geoms = parcels.geometry.values
        if parcels.empty:
            raise LayerError(
                f"{ctx.source}, layer 'landuse': every parcel lies outside the boundary, "
                "so the park has no land use. Fix: check that the boundary and landuse layers "
                "are the same park and in the right CRS (QGIS: Layer → Set CRS)."
            )

    overlap_m2 = 0.0
    left, right = _overlapping_pairs(parcels)
    if len(left):
        areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
        overlap_m2 = float(areas.sum())
        big = areas >= SLIVER_M2
        if big.any():
            ids = parcels["parcel_id"].to_numpy()
            pairs = [
                f"{ids[i]} × {ids[j]} ({a:,.1f} m²)"
                for i, j, a in zip(left[big], right[big], areas[big], strict=True)
            ]
            problems.add(
                "layer 'landuse'",
                f"{len(pairs)} overlapping parcel pair(s): {ids_text(pairs, 8)}",
                "cut the overlaps so each piece of land belongs to one parcel "
                "(QGIS: Vector → Geometry Tools → Check Validity / Topology Checker)",
            )

    covered = float(shapely.area(np.asarray(geoms)).sum()) - overlap_m2
    unassigned = max(float(boundary_geom.area) - covered, 0.0)
    # Reprojection and digitising leave gaps of a few m²: not worth a planner's attention.
    if not problems and unassigned >= max(SLIVER_M2, 1e-6 * float(boundary_geom.area)) * 10:
        size = (f"{unassigned / 10_000:,.2f} ha" if unassigned >= 100
                else f"{unassigned:,.0f} m²")
        notes.append(
            f"{size} inside the boundary is not covered by any parcel (unassigned land)"
        )
    return parcels, unassigned


def _polygonal(geoms: Any) -> Any:
    """Keep only the polygonal parts of each geometry (after make_valid or a clip)."""
    import numpy as np
    import shapely

    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):  # only the few repaired or clipped features pass here
        if g is None or g.is_empty or g.geom_type in ("Polygon", "MultiPolygon"):
            out[k] = g
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        out[k] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def _overlapping_pairs(parcels: gpd.GeoDataFrame) -> tuple[Any, Any]:
    """Index pairs (i < j) of parcels whose interiors intersect, from the spatial index.

    Candidates are the pairs whose bounding boxes overlap with positive area (parcels that
    only meet along an edge of their boxes cannot share interior, and in a tiled layer most
    neighbours are such); the DE-9IM pattern ``T********`` (interiors intersect) then decides,
    one relate per candidate pair, without computing any intersection.
    """
    return interior_pairs(parcels.geometry.values)


def interior_pairs(geoms: Any) -> tuple[Any, Any]:
    """Index pairs (i < j) of polygons in ``geoms`` whose interiors intersect."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms)
    tree = shapely.STRtree(geoms)
    bounds = shapely.bounds(geoms)
    found_left: list[Any] = [np.empty(0, dtype=np.intp)]
    found_right: list[Any] = [np.empty(0, dtype=np.intp)]
    # In slices: a tiled layer has about eight box neighbours per feature, and holding every
    # pair of a million parcels at once took 300 MB more than the parcels themselves.
    for start in range(0, len(geoms), _QUERY_SLICE):
        left, right = tree.query(geoms[start:start + _QUERY_SLICE])
        left += start
        keep = left < right
        left, right = left[keep], right[keep]
        keep = _boxes_overlap(bounds, left, bounds, right)
        found_left.append(left[keep])
        found_right.append(right[keep])
    left, right = np.concatenate(found_left), np.concatenate(found_right)
    share = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[share], right[share]
    order = np.lexsort((right, left))
    return left[order], right[order]


#: Features per spatial-index query in :func:`interior_pairs` (bounds the memory of the pairs).
_QUERY_SLICE = 65_536


def _boxes_overlap(bounds_a: Any, rows_a: Any, bounds_b: Any, rows_b: Any) -> Any:
    """True where box ``bounds_a[rows_a]`` and box ``bounds_b[rows_b]`` overlap with positive area.

    ``bounds_*`` are ``shapely.bounds`` arrays (xmin, ymin, xmax, ymax). Where this is false
    the two geometries share no area, so nothing needs cutting.
    """
    import numpy as np

    a, b = np.asarray(bounds_a).T, np.asarray(bounds_b).T  # one column at a time: less to gather
    overlap = np.minimum(a[2][rows_a], b[2][rows_b]) > np.maximum(a[0][rows_a], b[0][rows_b])
    overlap &= np.minimum(a[3][rows_a], b[3][rows_b]) > np.maximum(a[1][rows_a], b[1][rows_b])
    return overlap


def _normalise_buildings(buildings: gpd.GeoDataFrame, problems: Problems) -> gpd.GeoDataFrame:
    """``floors`` as integers 0–200 (missing → 1) and ``main`` as booleans (missing → true)."""
    import numpy as np

    buildings = buildings.copy()
    if "floors" in buildings.columns:
        floors = _numbers(buildings["floors"])
        given = buildings["floors"].notna().to_numpy()
        values = floors.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            in_range = (values >= 0) & (values <= MAX_FLOORS)  # false for NaN and ±inf
            whole = ~np.isfinite(values) | (values == np.round(values))
        not_number = given & (np.isnan(values) | ~whole)
        out_of_range = given & ~not_number & ~in_range
        fix = f"write the number of floors above ground as a whole number from 0 to {MAX_FLOORS}"
        for bad, problem in ((not_number, "floors is not a whole number in "),
                             (out_of_range, f"floors outside 0–{MAX_FLOORS} in ")):
            if bad.any():
                problems.add(
                    "layer 'buildings'",
                    problem + _with_values(buildings, "buildings", bad, buildings["floors"]),
                    fix,
                )
        values = np.where(not_number | out_of_range, 1.0, values)
        buildings["floors"] = np.where(np.isnan(values), 1.0, values).astype(int)
    else:
        buildings["floors"] = 1
    if "main" in buildings.columns and buildings["main"].dtype == np.dtype(bool):
        pass  # already true/false, none missing (a GeoPackage boolean field)
    elif "main" in buildings.columns:
        truthy = {"true": True, "1": True, "1.0": True, "yes": True, "y": True, "có": True,
                  "false": False, "0": False, "0.0": False, "no": False, "n": False, "không": False}
        text = buildings["main"].astype("string").str.strip().str.lower()
        main = text.map(truthy)
        bad = main.isna() & buildings["main"].notna()
        if bad.any():
            problems.add(
                "layer 'buildings'",
                "main is not true/false in " + ids_text(_feature_ids(buildings, "buildings", bad)),
                "mark main buildings true and auxiliary works (guard houses, sheds) false",
            )
        buildings["main"] = main.fillna(True).astype(bool)
    else:
        buildings["main"] = True
    return buildings


def _check_facility_links(
    buildings: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, problems: Problems
) -> gpd.GeoDataFrame:
    """``facility_id`` of buildings (optional) as text, each naming a facility of the park.

    A facility without a polygon of its own is measured from the buildings that carry its id.
    """
    if "facility_id" not in buildings.columns:
        return buildings
    buildings = buildings.copy()
    text = buildings["facility_id"].astype("string").str.strip()
    text = text.where(text != "", None)
    known = set(facilities["facility_id"].astype(str)) if not facilities.empty else set()
    bad = text.notna() & ~text.isin(list(known))
    if bad.any():
        pairs = [
            f"{b} ({f!r})"
            for b, f in zip(_feature_ids(buildings, "buildings", bad), text[bad], strict=True)
        ]
        problems.add(
            "layer 'buildings'",
            f"facility_id names no facility of layer 'facilities' in {ids_text(pairs, 8)}"
            f" (facilities: {ids_text(sorted(known)) or 'none'})",
            "use a facility_id of the facilities layer, or leave it empty for a building "
            "that belongs to no listed facility",
        )
    buildings["facility_id"] = text.astype(object).where(text.notna(), None)
    return buildings
def _has_geometry(frame: Any) -> bool:
    """True for a GeoDataFrame with an active geometry column (not an attribute-only table)."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return False
    try:
        frame.geometry  # noqa: B018 - raises when there is no active geometry column
    except AttributeError:
        return False
    return True


def _numbers(column: Any) -> Any:
    """A column as floats: numbers kept, text parsed, anything else (and huge integers) NaN.

    A 5,000-digit integer becomes ``inf`` (it is out of every range), never an exception.
    """
    import pandas as pd

    def one(value: Any) -> float:
        if value is None or isinstance(value, bool):
            return float("nan") if value is None else float(value)
        try:
            return float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        except OverflowError:
            return float("inf")
        except (TypeError, ValueError):
            return float("nan")

    if pd.api.types.is_float_dtype(column) or pd.api.types.is_integer_dtype(column):
        return column.astype(float)
    out = pd.to_numeric(column, errors="coerce").astype(float)
    retry = out.isna() & column.notna()  # "1,200", 5,000-digit integers: the few odd cells only
    if retry.any():
        out[retry] = column[retry].map(one).astype(float)
    return out


def _with_values(frame: Any, layer: str, rows: Any, column: Any, limit: int = 12) -> str:
    ids = _feature_ids(frame, layer, rows)
    shown = [str(v)[:20] + ("…" if len(str(v)) > 20 else "") for v in column[rows]]
    return ids_text([f"{i} ({v})" for i, v in zip(ids, shown, strict=True)], limit)


def _check_population(neighbourhoods: gpd.GeoDataFrame, problems: Problems) -> None:
    """``population`` is a finite number of people ≥ 0 where given."""
    import numpy as np

    values = _numbers(neighbourhoods["population"]).to_numpy(dtype=float)
    given = neighbourhoods["population"].notna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = given & ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        problems.add(
            "layer 'neighbourhoods'",
            "population is not a number of people (finite, 0 or more) in "
            + _with_values(neighbourhoods, "neighbourhoods", bad, neighbourhoods["population"]),
            "write the number of residents, e.g. 1200, or leave it empty if unknown",
        )
