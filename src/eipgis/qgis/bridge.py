"""Converting between QGIS layers and GeoDataFrames, parks from open layers, results as styled layers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._words import QGIS_WORDS, check_lang, without_marks
from ..errors import CRSError, EipgisError, InputError, LayerError
from ..indicators import StripDetail

if TYPE_CHECKING:
    import geopandas as gpd

    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = [
    "FAILING_COLOUR",
    "QgisLayerError",
    "add_results",
    "from_layer",
    "guess_layers",
    "park_from_layers",
    "plugin_path",
    "qgis_process_env",
    "to_layer",
]

#: Outline of features that fail a criterion.
FAILING_COLOUR = "#e31a1c"
#: Colours of symbiosis links by material, in order of first appearance.
LINK_PALETTE = ("#1f78b4", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a",
                "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#e7298a")


class QgisLayerError(LayerError):
    """A QGIS layer cannot be converted (not a vector layer, invalid, no CRS, mixed geometry)."""


def _qgis() -> Any:
    try:
        import qgis.core as qc
    except ImportError:
        raise InputError(
            "eipgis.qgis needs PyQGIS (the 'qgis' Python module), which this Python cannot import. "
            "Fix: run it in the QGIS Python console, or in a virtual environment made with "
            "'/usr/bin/python3 -m venv --system-site-packages' on a machine with QGIS (see the README)."
        ) from None
    return qc


# --- layers ⇄ GeoDataFrames ------------------------------------------------------------------


def _layer_name(layer: Any) -> str:
    try:
        return str(layer.name())
    except (AttributeError, RuntimeError, TypeError):
        return repr(layer)


def _resolve(layer: Any, project: Any = None, *, role: str = "layer") -> Any:
    """A layer object from a layer, a layer name or a layer id of the project."""
    qc = _qgis()
    if not isinstance(layer, str):
        return layer
    project = project or qc.QgsProject.instance()
    found = project.mapLayersByName(layer)
    if not found and layer in project.mapLayers():
        found = [project.mapLayer(layer)]
    if not found and Path(layer.split("|")[0]).is_file():  # a file: "park.gpkg|layername=landuse"
        part = layer.split("layername=")[-1] if "layername=" in layer else Path(layer).stem
        opened = qc.QgsVectorLayer(layer, part, "ogr")
        if not opened.isValid():
            opened = qc.QgsRasterLayer(layer, part)  # let from_layer say what it is
        found = [opened]
    if not found:
        names = sorted(lyr.name() for lyr in project.mapLayers().values())
        raise QgisLayerError(
            f"{role}: no layer named {layer!r} in the QGIS project (layers: "
            f"{', '.join(repr(n) for n in names) or 'none'}). Fix: give the name shown in the "
            "Layers panel, or pass the layer object itself."
        )
    if len(found) > 1:
        raise QgisLayerError(
            f"{role}: {len(found)} layers are named {layer!r}. Fix: rename them apart in the "
            "Layers panel, or pass the layer object itself."
        )
    return found[0]


def _python_value(value: Any) -> Any:
    """A QGIS attribute value as plain Python (NULL → None, QDate → date…)."""
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def _crs_text(qcrs: Any) -> str | None:
    """A pyproj-readable CRS from a QgsCoordinateReferenceSystem (authority code, else WKT)."""
    qc = _qgis()
    if not qcrs.isValid():
        return None
    auth = qcrs.authid()
    if auth and auth.upper().startswith(("EPSG:", "ESRI:", "IGNF:")):
        return str(auth)
    return str(qcrs.toWkt(qc.QgsCoordinateReferenceSystem.WKT_PREFERRED))


def from_layer(layer: Any, *, selected_only: bool = False, project: Any = None) -> gpd.GeoDataFrame:
    """A GeoDataFrame of a QGIS vector layer: every field, the geometry and the CRS.

    Parameters
    ----------
    layer : QgsVectorLayer or str
        The layer, its name (or id) in the project, or a file (``"park.gpkg|layername=landuse"``).
    selected_only : bool
        Only the selected features.
    project : QgsProject, optional
        Where to look a name up (default: the current project).

    Returns
    -------
    GeoDataFrame
        One row per feature; field types kept (integers, decimals, text, booleans, dates);
        NULL becomes missing. Curved geometries (circular strings, curve polygons) are
        segmentised, since shapely has no curves. A layer without geometry gives a frame
        whose geometry is all missing.

    Raises
    ------
    QgisLayerError
        Not a vector layer, an invalid layer (its source cannot be read), or no CRS.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    qc = _qgis()
    layer = _resolve(layer, project)
    name = _layer_name(layer)
    if not isinstance(layer, qc.QgsVectorLayer):
        kind = {0: "vector", 1: "raster", 2: "plugin", 3: "mesh", 4: "vector tile",
                5: "annotation", 6: "point cloud"}.get(int(layer.type()), "non-vector") \
            if hasattr(layer, "type") else type(layer).__name__
        raise QgisLayerError(
            f"QGIS layer {name!r}: is a {kind} layer, not a vector layer, so it has no features "
            "to convert. Fix: pass a vector layer (points, lines or polygons)."
        )
    if not layer.isValid():
        raise QgisLayerError(
            f"QGIS layer {name!r}: is not valid (QGIS could not open its source "
            f"{layer.source()!r}). Fix: repair the path (Layer → Change Data Source) or reload it."
        )
    spatial = layer.isSpatial()
    crs = _crs_text(layer.crs()) if spatial else None
    if spatial and crs is None:
        raise QgisLayerError(
            f"QGIS layer {name!r}: has no CRS. Fix: set it (Layer → Set CRS of Layer), e.g. "
            "EPSG:9208 for VN-2000 Lào Cai."
        )
    fields = layer.fields()
    names = [fields.at(i).name() for i in range(fields.count())]
    features = layer.getSelectedFeatures() if selected_only else layer.getFeatures()
    rows: list[list[Any]] = []
    wkbs: list[bytes | None] = []
    curved = 0
    for feat in features:  # PyQGIS hands out features one by one: no bulk API
        rows.append([_python_value(v) for v in feat.attributes()])
        geom = feat.geometry()
        if geom is None or geom.isNull() or geom.isEmpty():
            wkbs.append(None)
            continue
        if qc.QgsWkbTypes.isCurvedType(geom.wkbType()):
            geom = qc.QgsGeometry(geom.constGet().segmentize())
            curved += 1
        wkbs.append(bytes(geom.asWkb()))
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
    for i, col in enumerate(names):
        frame[col] = _typed(frame[col], fields.at(i))
    geometry = shapely.from_wkb(wkbs) if wkbs else []
    geom_col = "geometry" if "geometry" not in names else "geometry_"  # keep a field so named
    frame[geom_col] = gpd.GeoSeries(geometry, index=frame.index, crs=crs)
    gdf = gpd.GeoDataFrame(frame, geometry=geom_col, crs=crs)
    gdf.attrs["qgis_layer"] = name
    if curved:
        gdf.attrs["segmentized"] = curved
    return gdf


def _typed(series: Any, field: Any) -> Any:
    """Give a column the dtype of its QGIS field (nullable integers and booleans)."""
    import pandas as pd
    from qgis.PyQt.QtCore import QVariant

    kind = field.type()
    try:
        if kind in (QVariant.Int, QVariant.LongLong, QVariant.UInt, QVariant.ULongLong):
            return series.astype("Int64")
        if kind == QVariant.Double:
            return pd.to_numeric(series, errors="coerce").astype("float64")
        if kind == QVariant.Bool:
            return series.astype("boolean")
        if kind == QVariant.DateTime:
            return pd.to_datetime(series, errors="coerce")
    except (TypeError, ValueError):
        return series
    return series


_FAMILIES = {
    "Point": "Point", "MultiPoint": "Point",
    "LineString": "LineString", "MultiLineString": "LineString", "LinearRing": "LineString",
    "Polygon": "Polygon", "MultiPolygon": "Polygon",
}


def _qgis_field(name: str, series: Any) -> tuple[Any, str]:
    """The QgsField for a column, and how to convert its values ("int", "float", …)."""
    import pandas as pd
    from qgis.PyQt.QtCore import QVariant

    qc = _qgis()
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return qc.QgsField(name, QVariant.Bool), "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return qc.QgsField(name, QVariant.LongLong), "int"
    if pd.api.types.is_float_dtype(dtype):
        return qc.QgsField(name, QVariant.Double), "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return qc.QgsField(name, QVariant.DateTime), "datetime"
    return qc.QgsField(name, QVariant.String), "text"


def _qgis_value(value: Any, how: str) -> Any:
    import pandas as pd

    if value is None:
        return None
    if not isinstance(value, list | tuple | dict | set) and pd.isna(value):
        return None
    if how == "bool":
        return bool(value)
    if how == "int":
        return int(value)
    if how == "float":
        value = float(value)
        return None if not math.isfinite(value) else value
    if how == "datetime":
        from qgis.PyQt.QtCore import QDateTime

        return QDateTime(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | dict | set):
        return json.dumps(list(value) if isinstance(value, set | tuple) else value,
                          ensure_ascii=False, default=str)
    if hasattr(value, "item"):
        value = value.item()
    return str(value)


def to_layer(gdf: Any, name: str, *, crs: Any = None) -> Any:
    """A QGIS memory layer holding a GeoDataFrame (not added to any project).

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        Polygons, lines or points (single and multi parts may mix: the layer is multi), or a
        frame without geometry (a table layer).
    name : str
        The layer's name in QGIS.
    crs : CRS-like, optional
        Overrides the frame's CRS.

    Returns
    -------
    QgsVectorLayer
        A ``memory`` layer: integer columns become 64-bit integer fields, decimals double,
        booleans bool, datetimes date-time, everything else text (lists and mappings as
        JSON); missing values become NULL.

    Raises
    ------
    QgisLayerError
        Geometry of several kinds (points and polygons) or geometry collections in one frame.
    """
    import geopandas as gpd
    import numpy as np
    import pyproj
    import shapely

    qc = _qgis()
    has_geometry = isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns
    geoms = gdf.geometry.values if has_geometry else np.array([None] * len(gdf), dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.array([], bool)
    kinds = sorted(set(shapely.get_type_id(geoms[present]).tolist())) if present.any() else []
    type_names = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                  5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
    kind_names = [type_names[k] for k in kinds]
    families = {_FAMILIES.get(k, k) for k in kind_names}
    if "GeometryCollection" in families or len(families) > 1:
        raise QgisLayerError(
            f"layer {name!r}: holds {', '.join(kind_names)} geometry, but a QGIS layer holds one "
            "kind. Fix: split the frame by kind, e.g. gdf[gdf.geom_type.isin(['Polygon', "
            "'MultiPolygon'])], and convert each part."
        )
    if not families:
        wkb_type = "None"
    else:
        family = families.pop()
        multi = any(k.startswith("Multi") for k in kind_names)
        wkb_type = ("Multi" if multi else "") + family
        if bool(shapely.has_z(geoms[present]).any()):
            wkb_type += "Z"
    target = crs if crs is not None else (gdf.crs if has_geometry else None)
    uri = wkb_type
    qcrs = None
    if wkb_type != "None" and target is not None:
        pcrs = pyproj.CRS.from_user_input(target)
        auth = pcrs.to_authority(min_confidence=100)
        qcrs = qc.QgsCoordinateReferenceSystem(f"{auth[0]}:{auth[1]}") if auth else \
            qc.QgsCoordinateReferenceSystem.fromWkt(pcrs.to_wkt())
        if not qcrs.isValid():
            raise CRSError(f"layer {name!r}: QGIS does not know the CRS {pcrs.name!r}. "
                           "Fix: reproject the frame (gdf.to_crs) to an EPSG CRS first.")
        uri = f"{wkb_type}?crs={qcrs.authid()}" if qcrs.authid() else wkb_type
    layer = qc.QgsVectorLayer(uri, name, "memory")
    if qcrs is not None and not qcrs.authid():
        layer.setCrs(qcrs)
    provider = layer.dataProvider()
    columns = [c for c in gdf.columns if not (has_geometry and c == gdf._geometry_column_name)]
    if has_geometry:
        columns = [c for c in columns if not isinstance(gdf[c].dtype, gpd.array.GeometryDtype)]
    converters = []
    qfields = []
    for col in columns:
        qfield, how = _qgis_field(str(col), gdf[col])
        qfields.append(qfield)
        converters.append(how)
    provider.addAttributes(qfields)
    layer.updateFields()
    fields = layer.fields()
    multi = wkb_type.startswith("Multi")
    z = wkb_type.endswith("Z")
    if z:
        geoms = shapely.force_3d(geoms)
    wkbs = shapely.to_wkb(geoms) if len(geoms) else []
    values = [gdf[c].tolist() for c in columns]
    features = []
    for i in range(len(gdf)):  # PyQGIS takes features one by one
        feat = qc.QgsFeature(fields)
        feat.setAttributes([_qgis_value(col[i], how) for col, how in zip(values, converters, strict=True)])
        if wkb_type != "None" and present[i]:
            geom = qc.QgsGeometry()
            geom.fromWkb(wkbs[i])
            if multi and not geom.isMultipart():
                geom.convertToMultiType()
            feat.setGeometry(geom)
        features.append(feat)
    ok, _ = provider.addFeatures(features)
    if not ok:
        raise QgisLayerError(
            f"layer {name!r}: QGIS refused the features ({provider.lastError() or 'no reason given'})."
        )
    layer.updateExtents()
    return layer


# --- a park from open layers -----------------------------------------------------------------

def park_from_layers(
    boundary: Any,
    landuse: Any,
    buildings: Any = None,
    plot_green: Any = None,
    facilities: Any = None,
    neighbourhoods: Any = None,
    *,
    extras: Mapping[str, Any] | None = None,
    name: str | None = None,
    crs: Any = None,
    repair: bool = False,
    landuse_mapping: Any = None,
    selected_only: bool = False,
    project: Any = None,
) -> Park:
    """A :class:`~eipgis.park.Park` from QGIS layers, validated exactly as :func:`eipgis.load_park`.

    Parameters
    ----------
    boundary, landuse : QgsVectorLayer or str
        The required layers, as layer objects or their names in the project.
    buildings, plot_green, facilities, neighbourhoods : QgsVectorLayer or str, optional
        The optional layers of the data contract.
    extras : mapping, optional
        Other layers to carry along (``{"roads": "Đường giao thông"}``).
    name : str, optional
        The park's name (default: the boundary's ``name`` field, else the boundary layer's name).
    crs, repair, landuse_mapping
        As for :func:`eipgis.load_park`.
    selected_only : bool
        Use only the selected features of each layer.

    Notes
    -----
    The layers are converted to GeoDataFrames in memory and validated by
    :func:`eipgis.park_from_frames` (the one validation of the data contract); nothing is
    written to disk. Error messages name the QGIS layers.

    Examples
    --------
    >>> park = park_from_layers(boundary="boundary", landuse="landuse")  # doctest: +SKIP
    """
    from ..park import park_from_frames

    given = {"boundary": boundary, "landuse": landuse, "buildings": buildings,
             "plot_green": plot_green, "facilities": facilities, "neighbourhoods": neighbourhoods}
    contract = set(given)
    given.update(dict(extras or {}))
    layers: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for role, layer in given.items():
        if layer is None:
            continue
        obj = _resolve(layer, project, role=role)
        frame = from_layer(obj, selected_only=selected_only)
        labels[role] = _layer_name(obj)
        frame = frame.drop(columns=[c for c in frame.columns if str(c).lower() == "fid"])
        if frame.empty:
            if role in ("boundary", "landuse"):
                raise QgisLayerError(
                    f"{role}: QGIS layer {labels[role]!r} has no features"
                    + (" selected" if selected_only else "")
                    + ". Fix: pick the layer that holds them."
                )
            continue
        layers[role] = frame
    source = "QGIS layers (" + ", ".join(f"{r}: {labels[r]!r}" for r in labels) + ")"
    try:
        park = park_from_frames(
            **{role: frame for role, frame in layers.items() if role in contract},
            extras={role: frame for role, frame in layers.items() if role not in contract},
            crs=crs, repair=repair, landuse_mapping=landuse_mapping, source=source,
        )
    except EipgisError as exc:
        text = str(exc)
        for role, label in labels.items():
            text = text.replace(f"layer '{role}'", f"layer '{role}' (QGIS layer {label!r})")
        new = type(exc)(text)
        new.problems = exc.problems
        raise new from None
    has_name = "name" in layers["boundary"].columns and layers["boundary"]["name"].notna().any()
    park_name = name or (park.name if has_name else labels["boundary"])
    return park.replace(name=park_name)


# --- which open layer plays which role -------------------------------------------------------

#: Words in a layer's name (folded: lower case, no marks) that suggest its role in the park.
_ROLE_WORDS = {
    "boundary": ("boundary", "ranh gioi"),
    "landuse": ("landuse", "land use", "land_use", "su dung dat", "quy hoach"),
    "buildings": ("building", "cong trinh"),
    "plot_green": ("plot_green", "plot green", "cay xanh"),
    "facilities": ("facilit", "co so san xuat", "nha may"),
    "neighbourhoods": ("neighbourhood", "neighborhood", "dan cu"),
}


def _role_score(layer: Any, role: str) -> int:
    """How well an open vector layer fits a role of the data contract (0: it does not)."""
    from ..park import LAYERS

    qc = _qgis()
    spec = LAYERS[role]
    geometry = layer.geometryType()
    polygons = geometry == qc.QgsWkbTypes.PolygonGeometry
    points = geometry == qc.QgsWkbTypes.PointGeometry
    if not (polygons or (points and "Point" in spec.geometry)):
        return 0
    fields = {f.name().lower() for f in layer.fields()}
    score = 0
    if spec.columns:
        if not set(spec.columns) <= fields:
            return 0
        score += 4
    source_layer = layer.source().split("layername=")[-1].split("|")[0] if "layername=" in layer.source() else ""
    name = without_marks(layer.name()).lower()
    if source_layer.lower() == role or name == role or name.endswith(f" {role}"):
        score += 8
    elif any(word in name for word in _ROLE_WORDS[role]):
        score += 3
    if role == "boundary" and polygons and layer.featureCount() == 1 and not {"parcel_id", "landuse"} <= fields:
        score += 2
    return score


def guess_layers(project: Any = None) -> dict[str, Any]:
    """The open vector layers that most likely hold each part of a park (role → layer).

    A layer fits a role by its geometry type, the columns the data contract asks for
    (``parcel_id`` and ``landuse`` for land use, ``facility_id`` and ``hazard_class`` for
    facilities…) and its name (the GeoPackage layer name, or English or Vietnamese words such as
    "ranh giới", "cây xanh"); the single polygon without parcel columns is the boundary. Each
    layer plays at most one role; a role nothing fits is left out. The Processing dialogs use
    this for their defaults.
    """
    qc = _qgis()
    project = project or qc.QgsProject.instance()
    layers = [lyr for lyr in project.mapLayers().values()
              if isinstance(lyr, qc.QgsVectorLayer) and lyr.isValid() and lyr.isSpatial()]
    scored = sorted(((_role_score(lyr, role), k, role, lyr) for k, lyr in enumerate(layers)
                     for role in _ROLE_WORDS), key=lambda t: (-t[0], t[1]))
    found: dict[str, Any] = {}
    used: set[str] = set()
    for score, _, role, layer in scored:
        if score > 0 and role not in found and layer.id() not in used:
            found[role] = layer
            used.add(layer.id())
    return found


# --- results as styled layers ----------------------------------------------------------------


def _failing_by_feature(report: ComplianceReport | None, index_name: str) -> dict[str, list[str]]:
    """Criteria ids each feature fails, for per-feature criteria on ``index_name`` ids."""
    out: dict[str, list[str]] = {}
    if report is None:
        return out
    for result in report.results:
        frame = result.measure.per_feature if result.measure is not None else None
        if frame is None or frame.index.name != index_name:
            continue
        for fid in result.features:
            out.setdefault(str(fid), []).append(result.id)
    return out


def _landuse_frame(park: Park, report: ComplianceReport | None) -> gpd.GeoDataFrame:
    from ..landuse import LABELS

    lu = park.landuse.copy()
    failing = _failing_by_feature(report, "parcel_id")
    lu["class_en"] = lu["landuse_class"].map(lambda c: LABELS[c]["en"])
    lu["class_vi"] = lu["landuse_class"].map(lambda c: LABELS[c]["vi"])
    lu["area_ha"] = lu.geometry.area / 10_000
    lu["failing"] = [", ".join(failing.get(str(p), [])) for p in lu["parcel_id"]]
    return lu


def _facilities_frame(park: Park, report: ComplianceReport | None) -> gpd.GeoDataFrame:
    """The park's facilities with a ``failing`` field (the criteria each fails)."""
    fac = park.facilities.copy()
    failing = _failing_by_feature(report, "facility_id")
    fac["failing"] = [", ".join(failing.get(str(f), [])) for f in fac["facility_id"]]
    return fac


def _strip_frames(park: Park, report: ComplianceReport) -> list[tuple[str, gpd.GeoDataFrame]]:
    """(criterion id, the ungreen part of its isolation strip) for each failing strip criterion."""
    import geopandas as gpd

    out = []
    for result in report.results:
        detail = result.measure.detail if result.measure is not None else None
        ungreen = detail.ungreen_geometry if isinstance(detail, StripDetail) else None
        if ungreen is not None and not result.passed and not ungreen.is_empty:
            out.append((result.id, gpd.GeoDataFrame(
                {"criterion": [result.id], "ungreen_ha": [float(ungreen.area) / 1e4]},
                geometry=[ungreen], crs=park.crs)))
    return out


def style_result(layer: Any, kind: str, *, lang: str = "en") -> None:
    """Style a result layer as :func:`add_results` does.

    ``kind`` is ``"land_use"`` (by class, failing parcels outlined red), ``"facilities"``
    (grey, failing ones red) or ``"strip"`` (red hatching). The Processing outputs use it too.
    """
    if kind == "land_use":
        _style_landuse(layer, lang=lang)
    elif kind == "facilities":
        _style_single(layer, {"color": "#444444", "size": "3", "name": "circle"}, failing_red=True)
    elif kind == "strip":
        _style_single(layer, {"color": FAILING_COLOUR, "outline_color": FAILING_COLOUR, "style": "b_diagonal"})
    else:
        raise InputError(f"style_result: unknown kind {kind!r}. Fix: use land_use, facilities or strip.")


def place_result(layer: Any, kind: str, project: Any = None) -> None:
    """Move a result layer already in the project's layer tree to its reading place among the
    results next to it (see :func:`add_results`); the user's own layers stay below them."""
    qc = _qgis()
    project = project or qc.QgsProject.instance()
    node = project.layerTreeRoot().findLayer(layer.id())
    if node is None:
        return
    parent = node.parent()
    clone = node.clone()
    parent.removeChildNode(node)
    _insert_ordered(parent, clone, _rank_of(layer, kind))


def _style_landuse(layer: Any, *, lang: str = "en") -> None:
    """Categorised renderer by land-use class (TT 16/2025 colours), failing parcels outlined red."""
    from ..landuse import CLASSES, COLOURS, LABELS

    qc = _qgis()
    present = set(layer.uniqueValues(layer.fields().indexOf("landuse_class")))
    categories = []
    for cls in CLASSES:
        symbol = qc.QgsFillSymbol.createSimple(
            {"color": COLOURS[cls], "outline_color": "#333333", "outline_width": "0.2"}
        )
        symbol.setOpacity(0.85)
        outline = symbol.symbolLayer(0)
        outline.setDataDefinedProperty(
            qc.QgsSymbolLayer.PropertyStrokeColor,
            qc.QgsProperty.fromExpression(
                f"if(\"failing\" <> '', '{FAILING_COLOUR}', '#333333')"
            ),
        )
        outline.setDataDefinedProperty(
            qc.QgsSymbolLayer.PropertyStrokeWidth,
            qc.QgsProperty.fromExpression("if(\"failing\" <> '', 0.8, 0.2)"),
        )
        label = LABELS[cls][lang]
        categories.append(qc.QgsRendererCategory(cls, symbol, label, cls in present))
    renderer = qc.QgsCategorizedSymbolRenderer("landuse_class", categories)
    layer.setRenderer(renderer)


def _style_single(layer: Any, props: dict[str, str], *, failing_red: bool = False) -> None:
    qc = _qgis()
    geometry = layer.geometryType()
    if geometry == qc.QgsWkbTypes.PointGeometry:
        symbol = qc.QgsMarkerSymbol.createSimple(props)
        colour_property = qc.QgsSymbolLayer.PropertyFillColor
    elif geometry == qc.QgsWkbTypes.LineGeometry:
        symbol = qc.QgsLineSymbol.createSimple(props)
        colour_property = qc.QgsSymbolLayer.PropertyStrokeColor
    else:
        symbol = qc.QgsFillSymbol.createSimple(props)
        colour_property = qc.QgsSymbolLayer.PropertyStrokeColor
    if failing_red:
        base = props.get("color", "#444444")
        symbol.symbolLayer(0).setDataDefinedProperty(
            colour_property,
            qc.QgsProperty.fromExpression(f"if(\"failing\" <> '', '{FAILING_COLOUR}', '{base}')"),
        )
    layer.setRenderer(qc.QgsSingleSymbolRenderer(symbol))


def _style_links(layer: Any, column: str) -> None:
    qc = _qgis()
    idx = layer.fields().indexOf(column)
    values = sorted(str(v) for v in layer.uniqueValues(idx) if v is not None and str(v) != "NULL")
    categories = []
    for k, value in enumerate(values):
        symbol = qc.QgsLineSymbol.createSimple(
            {"line_color": LINK_PALETTE[k % len(LINK_PALETTE)], "line_width": "0.8"}
        )
        categories.append(qc.QgsRendererCategory(value, symbol, value))
    layer.setRenderer(qc.QgsCategorizedSymbolRenderer(column, categories))


def _results_table(report: ComplianceReport) -> Any:
    import pandas as pd

    rows = []
    for r in report.results:
        rows.append({
            "id": r.id, "title": r.title["en"], "title_vi": r.title["vi"],
            "value": float(r.value) if r.value is not None and math.isfinite(float(r.value)) else None,
            "op": r.op,
            "threshold": r.threshold if not isinstance(r.threshold, dict) else None,
            "threshold_text": json.dumps(r.threshold, ensure_ascii=False),
            "unit": r.unit, "passed": r.passed, "assessed": r.assessed,
            "reason": r.reason,
            "gap_area_ha": r.gap.get("area_ha"), "gap_length_m": r.gap.get("length_m"),
            "gap_distance_m": r.gap.get("distance_m"),
            "features": ", ".join(r.features), "status": r.status, "source": r.source,
        })
    frame = pd.DataFrame(rows)
    frame["threshold"] = pd.to_numeric(frame["threshold"], errors="coerce")
    return frame


def _group(project: Any, name: str) -> Any:
    root = project.layerTreeRoot()
    group = root.findGroup(name)
    return group if group is not None else root.insertGroup(0, name)


#: Drawing order of result layers, top first: points, lines and the strip gaps above the
#: polygons, a scenario's land use above the park's, tables (no geometry) last.
_RANKS = {"point": 0, "facilities": 0, "line": 1, "strip": 2, "polygon": 3, "scenario_land_use": 4,
          "land_use": 5, "table": 6}
_RANK_KEY = "eipgis/rank"


def _rank_of(layer: Any, kind: str | None = None) -> int:
    qc = _qgis()
    if kind is None:
        kind = {qc.QgsWkbTypes.PointGeometry: "point", qc.QgsWkbTypes.LineGeometry: "line",
                qc.QgsWkbTypes.PolygonGeometry: "polygon"}.get(layer.geometryType(), "table")
    return _RANKS[kind]


def _insert_ordered(group: Any, item: Any, rank: int) -> None:
    """Put ``item`` (a layer or a layer-tree node) in ``group`` above the results drawn below it
    (by rank) and above any layer that is not a result, below the other results."""
    layer = item.layer() if hasattr(item, "layer") else item
    layer.setCustomProperty(_RANK_KEY, rank)
    children = group.children()
    position = len(children)
    for i, child in enumerate(children):
        other = child.layer() if hasattr(child, "layer") else None
        other_rank = other.customProperty(_RANK_KEY) if other is not None else None
        if other_rank is None or int(other_rank) > rank:
            position = i
            break
    if item is layer:
        group.insertLayer(position, layer)
    else:
        group.insertChildNode(position, item)


def add_results(
    *,
    park: Park | None = None,
    report: ComplianceReport | None = None,
    scenario_park: Any = None,
    scenario_report: ComplianceReport | None = None,
    links: Any = None,
    link_column: str = "material",
    group: str = "eipgis",
    lang: str = "en",
    project: Any = None,
) -> dict[str, Any]:
    """Add results to the QGIS project as styled memory layers (nothing is written to disk).

    Parameters
    ----------
    park : Park
        The park the report is about (its parcels carry the results).
    report : ComplianceReport, optional
        From :func:`eipgis.check`: parcels get a ``failing`` field (the criteria they fail)
        and are outlined red; failing facilities are drawn red; the ungreen part of the
        isolation strip is a layer; the criteria table is a table layer.
    scenario_park : Park or ScenarioRun, optional
        A park after a scenario (a ``ScenarioRun`` brings its own report).
    scenario_report : ComplianceReport, optional
        The scenario park's report, if ``scenario_park`` is a Park.
    links : GeoDataFrame or SymbiosisResult, optional
        Symbiosis links (lines), categorised by ``link_column`` (material).
    group : str
        Layer-tree group the layers go in (created if missing).
    lang : {"en", "vi"}
        Language of the layer titles and the class legend.
    project : QgsProject, optional
        Default: the current project.

    Returns
    -------
    dict
        Layer title → QgsVectorLayer, as added. In the group, points, lines and the strip gaps
        are drawn above the polygons, land use at the bottom, tables last.
    """
    qc = _qgis()
    project = project or qc.QgsProject.instance()
    if report is not None and park is None:
        raise InputError("add_results: a report needs the park it is about. Fix: pass park=park.")
    w = QGIS_WORDS[check_lang(lang)]
    added: dict[str, Any] = {}

    def add(title: str, layer: Any, kind: str | None = None) -> None:
        project.addMapLayer(layer, False)
        _insert_ordered(_group(project, group), layer, _rank_of(layer, kind))
        added[title] = layer

    if park is not None:
        title = w["land_use"].format(park=park.name)
        lu = to_layer(_landuse_frame(park, report), title)
        style_result(lu, "land_use", lang=lang)
        add(title, lu, "land_use")
        if not park.facilities.empty:
            layer = to_layer(_facilities_frame(park, report), w["facilities"].format(park=park.name))
            style_result(layer, "facilities")
            add(layer.name(), layer, "facilities")
    if report is not None and park is not None:
        for result_id, frame in _strip_frames(park, report):
            layer = to_layer(frame, w["strip"].format(id=result_id))
            style_result(layer, "strip")
            add(layer.name(), layer, "strip")
    if report is not None:
        table = to_layer(_results_table(report), w["criteria"].format(park=report.park,
                                                                      set=report.criteria_set))
        add(table.name(), table)
    if scenario_park is not None:
        sc_report = scenario_report
        sc_park = scenario_park
        if hasattr(scenario_park, "new_park"):  # a ScenarioRun
            sc_park, sc_report = scenario_park.new_park, scenario_report or scenario_park.report
            sc = scenario_park.scenario
            sc_name = (sc.name_vi or sc.name) if lang == "vi" else sc.name
        else:
            sc_name = sc_park.name
        title = w["scenario_land_use"].format(name=sc_name)
        layer = to_layer(_landuse_frame(sc_park, sc_report), title)
        style_result(layer, "land_use", lang=lang)
        add(title, layer, "scenario_land_use")
        if sc_report is not None:
            table = to_layer(_results_table(sc_report), w["scenario_criteria"].format(name=sc_name))
            add(table.name(), table)
    if links is not None:
        frame = links.links if hasattr(links, "links") else links
        if link_column not in frame.columns:
            raise InputError(
                f"add_results: the links have no {link_column!r} column (columns: "
                f"{', '.join(map(str, frame.columns))}). Fix: pass link_column=…"
            )
        layer = to_layer(frame, w["links"])
        _style_links(layer, link_column)
        add(layer.name(), layer)
    return added


# --- Processing ------------------------------------------------------------------------------


def plugin_path() -> str:
    """The folder to put on ``QGIS_PLUGINPATH`` so QGIS (and ``qgis_process``) find the eipgis
    Processing plugin ``eipgis_processing``."""
    return str(Path(__file__).resolve().parents[1] / "qgis_plugin")


def qgis_process_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for ``qgis_process`` (or the QGIS desktop) to use this Python's eipgis.

    ``QGIS_PLUGINPATH`` gets :func:`plugin_path`; ``PYTHONPATH`` gets the folder eipgis is
    imported from and this interpreter's site-packages (QGIS embeds the system Python, which
    does not read a virtual environment's ``.pth`` files); ``PROJ_DATA`` PROJ's data folder;
    ``PYTHONHOME`` is that Python's home
    and ``QT_QPA_PLATFORM`` is ``offscreen``, unless set. Print the lines for a shell with
    ``python -m eipgis.qgis``.
    """
    import os
    import sys

    from .install import proj_data_dir, python_paths

    env = dict(os.environ if base is None else base)
    paths = [*python_paths(), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    proj = proj_data_dir()
    if proj and not env.get("PROJ_DATA"):
        env["PROJ_DATA"] = proj
    plugin_paths = [plugin_path(), *[p for p in env.get("QGIS_PLUGINPATH", "").split(os.pathsep) if p]]
    env["QGIS_PLUGINPATH"] = os.pathsep.join(dict.fromkeys(plugin_paths))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # QGIS embeds the Python this one was made from; without PYTHONHOME it may pick up the
    # standard library of another Python found on PATH (pyenv, conda) and fail to start.
    env.setdefault("PYTHONHOME", sys.base_prefix)
    # The embedded Python also looks for "python3" on PATH to find its prefix: an activated
    # virtual environment there (another Python's) would hide Debian's dist-packages, where
    # PyQGIS lives. Put this Python's own base first and forget the activated environment.
    base_bin = str(Path(sys.base_prefix) / "bin")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != base_bin]
    active = env.pop("VIRTUAL_ENV", None)
    if active:
        path = [p for p in path if not p.startswith(active)]
    env["PATH"] = os.pathsep.join([base_bin, *path])
    return env
