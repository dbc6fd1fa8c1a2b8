"""What maps and reports are drawn from: park checks, symbiosis links, scenario changes, display geometry."""

from __future__ import annotations

import itertools
import math
import os
from typing import TYPE_CHECKING, Any

from ..crs import AREA_OF_USE_MARGIN_DEG as _AREA_OF_USE_MARGIN_DEG
from ..errors import CRSError, InputError, LayerError

if TYPE_CHECKING:
    import geopandas as gpd

    from ..park import Park

__all__ = [
    "AREA_OF_USE_MARGIN_DEG",
    "COORD_STEP_DEG",
    "LINK_COLUMNS",
    "after_park",
    "changed_parcels",
    "check_park",
    "compact_layer",
    "layer_geojson",
    "lonlat",
    "material_names",
    "read_links",
    "simplified",
]

#: Columns a symbiosis ``links`` layer must have (``network`` and CO₂ columns are shown when present).
LINK_COLUMNS: tuple[str, ...] = ("supplier", "receiver", "material", "quantity", "unit", "distance_m")

#: How far (degrees) a park may lie outside its CRS's area of use (the rule lives in crs.py).
AREA_OF_USE_MARGIN_DEG = _AREA_OF_USE_MARGIN_DEG


# --- input checks --------------------------------------------------------------------------


def check_park(park: Park) -> None:
    """Empty layers and a park far from where its CRS is meant to be used are errors.

    The area-of-use rule is :func:`eipgis.crs.diagnose_position` (the one place for it).
    """
    from ..crs import diagnose_position

    where = f"park '{park.name}' ({park.source})"
    for layer in ("boundary", "landuse"):
        frame = getattr(park, layer)
        if frame is None or frame.empty or frame.geometry.is_empty.all():
            raise LayerError(
                f"{where}, layer '{layer}': no features to map. "
                f"Fix: draw the {layer} features (or pick the right file)."
            )
    wrong = diagnose_position(park.crs, park.boundary.total_bounds)
    if wrong is not None:
        raise CRSError(f"{where}, layer 'boundary': {wrong.problem}. Fix: {wrong.fix}.")


def read_links(links: Any, *, crs: Any = None) -> gpd.GeoDataFrame:
    """Symbiosis links as a GeoDataFrame, checked against :data:`LINK_COLUMNS`.

    Parameters
    ----------
    links : GeoDataFrame or path
        The links, or a GeoPackage holding them in a layer named ``links``.
    crs : CRS-like, optional
        If given, the links are returned in this CRS.

    Raises
    ------
    LayerError
        Missing layer or columns, non-line geometry, no CRS; the message names the file and fix.
    """
    import geopandas as gpd

    from .. import io as _io

    if isinstance(links, gpd.GeoDataFrame):
        frame, where = links, "links"
    elif isinstance(links, str | os.PathLike):
        available = _io.list_layers(links)
        if "links" not in available:
            raise LayerError(
                f"{links}: no layer 'links' (layers found: {', '.join(sorted(available)) or 'none'}). "
                "Fix: pass the GeoPackage 'eipgis symbiosis' wrote (out/symbiosis/links.gpkg)."
            )
        frame, where = _io.read_layer(available["links"], "links"), f"{links}, layer 'links'"
    else:
        raise InputError(
            f"links must be a GeoDataFrame or a GeoPackage path, not {type(links).__name__}. "
            "Fix: pass eipgis.symbiosis output or the path of links.gpkg."
        )
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        have = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise LayerError(
            f"{where}: missing column(s) {', '.join(missing)} (columns found: {have}). "
            f"Fix: a links layer needs {', '.join(LINK_COLUMNS)}, as 'eipgis symbiosis' writes it."
        )
    if frame.crs is None and not frame.empty:
        raise CRSError(f"{where}: has no CRS. Fix: set the layer's CRS (QGIS: Layer → Set CRS).")
    geom = frame.geometry
    bad = ~(geom.isna() | geom.is_empty) & ~geom.geom_type.isin(["LineString", "MultiLineString"])
    if bad.any():
        kinds = ", ".join(sorted(geom.geom_type[bad].unique()))
        raise LayerError(
            f"{where}: {kinds} geometry in {int(bad.sum())} link(s). "
            "Fix: each link must be a line (its route)."
        )
    frame = frame[~(geom.isna() | geom.is_empty)]
    if crs is not None and not frame.empty:
        frame = frame.to_crs(crs)
    return frame


def after_park(scenario: Any, park: Park, lang: str = "en") -> tuple[Park, str]:
    """The park after ``scenario`` (a Scenario or the new Park) and the scenario's name."""
    from ..park import Park as _Park

    if isinstance(scenario, _Park):
        return scenario, scenario.name
    if hasattr(scenario, "apply"):
        after = scenario.apply(park)
        name = (getattr(scenario, "name_vi", None) if lang == "vi" else None) or getattr(
            scenario, "name", None)
        return after, str(name or after.name)
    raise InputError(
        f"scenario must be a Scenario (with .apply(park)) or the new Park, not {type(scenario).__name__}. "
        "Fix: pass eipgis.Scenario.from_yaml(path) or scenario.apply(park)."
    )


def changed_parcels(before: Park, after: Park) -> gpd.GeoDataFrame:
    """Parcels whose land-use class a scenario changed, compared by ``parcel_id`` and class.

    A parcel of ``after`` whose id is new (a piece cut from an old parcel, ``P7/1``) is
    compared with the ``before`` parcel it overlaps most. Parcels of ``before`` that vanished
    without successor are listed with ``to_class`` missing.

    Returns
    -------
    GeoDataFrame
        ``parcel_id``, ``from_class``, ``to_class``, ``area_m2`` in the park's CRS.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    b = before.landuse[["parcel_id", "landuse_class", "geometry"]].reset_index(drop=True)
    a = after.landuse[["parcel_id", "landuse_class", "geometry"]].reset_index(drop=True)
    a = a.to_crs(before.crs) if a.crs != before.crs else a
    old_class = pd.Series(b["landuse_class"].to_numpy(), index=b["parcel_id"].astype(str))
    ids = a["parcel_id"].astype(str)
    from_class = ids.map(old_class)
    new = from_class.isna().to_numpy()
    if new.any() and len(b):
        tree = shapely.STRtree(b.geometry.values)
        a_idx, b_idx = tree.query(a.geometry.values[new], predicate="intersects")
        if len(a_idx):
            overlap = shapely.area(shapely.intersection(a.geometry.values[new][a_idx],
                                                        b.geometry.values[b_idx]))
            pairs = pd.DataFrame({"a": a_idx, "b": b_idx, "m2": overlap})
            best = pairs.loc[pairs.groupby("a")["m2"].idxmax()]
            fill = np.full(int(new.sum()), None, dtype=object)
            fill[best["a"].to_numpy()] = b["landuse_class"].to_numpy()[best["b"].to_numpy()]
            from_class[new] = fill
    changed = (from_class.to_numpy() != a["landuse_class"].to_numpy())
    out = gpd.GeoDataFrame(
        {"parcel_id": ids[changed].to_numpy(), "from_class": from_class[changed].to_numpy(),
         "to_class": a["landuse_class"].to_numpy()[changed]},
        geometry=a.geometry.values[changed], crs=before.crs,
    )
    gone = ~b["parcel_id"].astype(str).isin(set(ids))
    if gone.any():
        covered = shapely.union_all(a.geometry.values)
        lost = b[gone.to_numpy()]
        orphan = ~shapely.intersects(lost.geometry.values, covered)
        if orphan.any():
            extra = gpd.GeoDataFrame(
                {"parcel_id": lost["parcel_id"].astype(str).to_numpy()[orphan],
                 "from_class": lost["landuse_class"].to_numpy()[orphan], "to_class": None},
                geometry=lost.geometry.values[orphan], crs=before.crs,
            )
            out = pd.concat([out, extra], ignore_index=True)
    out["area_m2"] = out.geometry.area
    return out




def simplified(geoms: Any, tolerance_m: float, *, coverage: bool = False) -> Any:
    """Display copies of ``geoms`` (metric CRS), simplified without breaking topology."""
    import shapely

    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    if coverage:
        try:  # shared parcel edges stay shared: no slivers or gaps on screen
            return shapely.coverage_simplify(geoms, tolerance_m)
        except Exception:  # noqa: BLE001, S110 - not a clean coverage (slivers): simplify each parcel
            pass
    return shapely.simplify(geoms, tolerance_m, preserve_topology=True)


def lonlat(geoms: Any, crs: Any) -> Any:
    """Geometries in EPSG:4326 with coordinates rounded to 1e-6° (about 0.1 m)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    out = gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values
    return shapely.transform(out, lambda xy: np.round(xy, 6))


def material_names(materials: Any, lang: str) -> dict[str, str]:
    """Display names of symbiosis materials (the vocabulary's, else the id without underscores)."""
    try:
        from ..symbiosis.vocab import load_vocabulary

        vocab = load_vocabulary().materials
    except Exception:  # noqa: BLE001 - symbiosis missing or its vocabulary unreadable: show ids
        vocab = {}
    out = {}
    for mat in materials:
        entry = vocab.get(str(mat))
        out[str(mat)] = getattr(entry, lang) if entry is not None else str(mat).replace("_", " ")
    return out


#: Coordinate step of map pages (degrees): 1e-5° is 1.1 m north–south and about 1.0 m east–west in
#: Vietnam, so rounding moves a vertex by at most ≈ 0.55 m, below the 1 m display simplification.
COORD_STEP_DEG = 1e-5

#: shapely.GeometryType codes of the geometry types a compact layer may hold.
_GEOM_CODES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon"}


def compact_layer(geoms_ll: Any, props: list[dict[str, Any]], *, step: float = COORD_STEP_DEG
                  ) -> dict[str, Any] | None:
    """A map layer as compact JSON-ready columns instead of GeoJSON (the map's script rebuilds it).

    Coordinates become integers in units of ``step`` degrees, each stored as its difference from
    the previous vertex (a parcel's vertices are metres apart, so most numbers have 2–4 digits);
    polygon rings drop their closing vertex; property names are written once (``k``) and each
    feature's values follow in that order (``v``). Layers mixing points with lines or polygons
    return ``None`` (the caller writes plain GeoJSON).

    Returns
    -------
    dict or None
        ``{"t": geometry type, "s": units per degree, "c": [dx, dy, ...], "o": [offsets...],
        "k": [names], "v": [[values], ...]}``.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(geoms_ll, dtype=object)
    if len(geoms) == 0 or shapely.is_missing(geoms).any():
        return None
    try:
        kind, coords, offsets = shapely.to_ragged_array(geoms)
    except ValueError:  # points mixed with polygons: no single ragged layout
        return None
    name = _GEOM_CODES.get(int(kind))
    if name is None:
        return None
    offsets = [np.asarray(o, dtype=np.int64) for o in offsets]
    if name in ("Polygon", "MultiPolygon") and len(coords):
        rings = offsets[0]
        keep = np.ones(len(coords), dtype=bool)
        keep[rings[1:] - 1] = False  # the closing vertex repeats the first
        coords = coords[keep]
        offsets[0] = rings - np.arange(len(rings))
    scale = round(1 / step)
    q = np.rint(coords * scale).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    keys: list[str] = []
    for p in props:
        for k in p:
            if k not in keys:
                keys.append(k)
    # None and NaN are written as null (only floats can be NaN: the check runs once per value).
    values = [[None if (v := p.get(k)) is None or (type(v) is float and math.isnan(v)) else v
               for k in keys] for p in props]
    for row in values:
        while row and row[-1] is None:
            row.pop()
    return {"t": name, "s": scale, "c": delta.tolist(), "o": [o.tolist() for o in offsets],
            "k": keys, "v": values}


def layer_geojson(text: str) -> dict[str, Any]:
    """A map layer's data (compact or GeoJSON text) as a GeoJSON FeatureCollection, as the page sees it.

    The Python twin of ``eipgis.decode`` in the map's script; used by tests and by anyone reading a
    layer back out of a map object.
    """
    import json

    import numpy as np

    data = json.loads(text)
    if "k" not in data:
        return data
    xy = np.cumsum(np.asarray(data["c"], dtype=np.int64).reshape(-1, 2), axis=0) / data["s"]
    items: list[Any] = xy.tolist()
    for off in data["o"]:
        items = [items[a:b] for a, b in itertools.pairwise(off)]
    features = []
    for row, g in zip(data["v"], items, strict=True):
        props = {k: v for k, v in zip(data["k"], row, strict=False) if v is not None}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": data["t"], "coordinates": g} if g else None})
    return {"type": "FeatureCollection", "features": features}
