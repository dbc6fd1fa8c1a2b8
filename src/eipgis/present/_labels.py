"""Readable web maps: label data, the offline context layer (roads, railways, provinces) and data status.

The map's script (``eipgis.labels`` in :mod:`eipgis.present._webassets`) places the labels at every zoom:
in the order given here (places first, lots last), a label is drawn only if it does not overlap one
already drawn, and a lot's code only once the lot is wider on screen than its code.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._words import MAP_LABEL_WORDS, missing
from ._mapdata import COORD_STEP_DEG, lonlat

if TYPE_CHECKING:
    from ..park import Park

__all__ = ["CONTEXT_MARGIN_M", "context_lines", "data_status", "label_groups", "line_anchor"]

#: How far around the park (m) the context layer reaches.
CONTEXT_MARGIN_M = 15_000.0

#: Least zoom at which each kind of label may show (the collision pass decides the rest).
_MIN_ZOOM = {"province": 0, "road": 10, "railway": 10, "nbh": 12, "river": 11, "facility": 15,
             "park_road": 15, "lot": 13}
#: Provinces are named only at overview scales.
_MAX_ZOOM = {"province": 12}

#: How far (degrees, ≈ 4 km) from the park a province's name is placed.
_PROVINCE_CLEAR_DEG = 0.04


def data_status(park: Park, lang: str) -> str:
    """One line on where the park's data comes from: which layers are marked illustrative.

    The rule is the report's (:func:`eipgis.present._provenance.illustrative_layers`): a text
    cell that says ``illustrative`` / ``minh hoạ`` or a true ``illustrative`` column.
    """
    from ._provenance import illustrative_layers

    w = MAP_LABEL_WORDS[lang]
    marked = [w.get(f"lyr_{m.layer}", m.layer) for m in illustrative_layers(park)]
    if marked:
        return w["status_illustrative"].format(layers=", ".join(marked))
    return w["status_supplied"]


@functools.cache
def _context_features() -> tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]:
    import shapely

    text = resources.files("eipgis").joinpath("data", "vn_context.geojson").read_text(encoding="utf-8")
    feats = json.loads(text)["features"]
    geoms = tuple(shapely.from_geojson(json.dumps(f["geometry"])) for f in feats)
    return geoms, tuple(f["properties"] for f in feats)


@functools.cache
def _provinces() -> tuple[tuple[Any, ...], tuple[str, ...]]:
    import shapely

    text = resources.files("eipgis").joinpath("data", "vn_provinces.geojson").read_text(encoding="utf-8")
    feats = json.loads(text)["features"]
    return (tuple(shapely.from_geojson(json.dumps(f["geometry"])) for f in feats),
            tuple(str(f["properties"]["shapeName"]) for f in feats))


def _box_ll(park: Park, margin_m: float) -> tuple[float, float, float, float]:
    import geopandas as gpd
    import shapely

    x0, y0, x1, y1 = park.boundary.total_bounds
    box = shapely.box(x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
    return tuple(gpd.GeoSeries([box], crs=park.crs).to_crs(4326).total_bounds)  # type: ignore[return-value]


def context_lines(park: Park, margin_m: float = CONTEXT_MARGIN_M) -> tuple[list[Any], list[dict[str, Any]],
                                                                           list[tuple[Any, str]]]:
    """Roads, railways and province borders within ``margin_m`` of the park (lon/lat).

    Returns the line geometries, their properties (``n`` name, ``kind``) and the provinces to name
    (a point inside each province's part of the area, its name).
    """
    import shapely

    box = _box_ll(park, margin_m)
    geoms, props = _context_features()
    lines: list[Any] = []
    out: list[dict[str, Any]] = []
    clip = shapely.box(*box)
    for g, p in zip(geoms, props, strict=True):
        if not g.intersects(clip):
            continue
        part = shapely.clip_by_rect(g, *box)
        if part.is_empty:
            continue
        lines.append(part)
        out.append({"n": p.get("name"), "kind": p.get("kind") or "road"})
    named: list[tuple[Any, str]] = []
    # Province names sit away from the park (its labels have the middle of the map).
    park_ll = shapely.buffer(shapely.union_all(lonlat(park.boundary.geometry.values, park.crs)),
                             _PROVINCE_CLEAR_DEG)
    polys, names = _provinces()
    for poly, name in zip(polys, names, strict=True):
        if not poly.intersects(clip):
            continue
        border = shapely.clip_by_rect(poly.boundary, *box)
        if not border.is_empty:
            lines.append(border)
            out.append({"n": name, "kind": "province"})
        inside = shapely.clip_by_rect(poly, *box)
        away = inside.difference(park_ll)
        inside = away if not away.is_empty else inside
        if not inside.is_empty:
            named.append((inside.point_on_surface(), name))
    return lines, out, named


def line_anchor(line: Any) -> tuple[Any, int]:
    """Middle of a line's longest part and the text angle there (whole degrees, -90 ≤ a < 90, on screen)."""
    import shapely

    parts = list(getattr(line, "geoms", [line]))
    longest = max(parts, key=lambda g: g.length)
    if longest.geom_type != "LineString":
        return longest.point_on_surface(), 0
    mid = longest.interpolate(0.5, normalized=True)
    a = longest.interpolate(max(0.0, 0.5 - 0.02), normalized=True)
    b = longest.interpolate(min(1.0, 0.5 + 0.02), normalized=True)
    dx = (b.x - a.x) * math.cos(math.radians(mid.y))
    dy = b.y - a.y
    angle = round(-math.degrees(math.atan2(dy, dx))) if (dx or dy) else 0  # screen y points down
    # Text reads left to right, and a vertical one from bottom to top: -90 ≤ angle < 90.
    if angle >= 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return shapely.Point(mid.x, mid.y), angle


def _group(kind: str, points_ll: list[Any], texts: list[str], *, sizes: list[float] | None = None,
           angles: list[float] | None = None, side: bool = False) -> dict[str, Any] | None:
    """One kind of labels as compact columns (coordinates as integer steps, as the layers are)."""
    import numpy as np
    import shapely

    keep = [i for i, t in enumerate(texts) if t]
    if not keep:
        return None
    pts = np.asarray([points_ll[i] for i in keep], dtype=object)
    scale = round(1 / COORD_STEP_DEG)
    q = np.rint(shapely.get_coordinates(pts) * scale).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    group: dict[str, Any] = {"k": kind, "s": scale, "c": delta.tolist(), "t": [texts[i] for i in keep],
                             "z": _MIN_ZOOM[kind]}
    if kind in _MAX_ZOOM:
        group["zx"] = _MAX_ZOOM[kind]
    if sizes is not None:
        group["m"] = [round(sizes[i]) for i in keep]
    if angles is not None:
        group["r"] = [angles[i] for i in keep]
    if side:
        group["side"] = 1
    return group


def _named_lines(kind: str, lines: list[tuple[Any, str]]) -> dict[str, Any] | None:
    """One label per name: its lines merged, the label on the longest stretch."""
    import shapely

    by_name: dict[str, list[Any]] = {}
    for g, n in lines:
        if n and g is not None and not g.is_empty:
            by_name.setdefault(n, []).append(g)
    names = sorted(by_name)
    anchors = [line_anchor(shapely.line_merge(shapely.union_all(by_name[n]))) for n in names]
    return _group(kind, [a for a, _ in anchors], names, angles=[r for _, r in anchors])


def _text(value: Any) -> str:
    return "" if missing(value) else str(value).strip()


def label_groups(park: Park, *, context: tuple[list[Any], list[dict[str, Any]], list[tuple[Any, str]]] | None,
                 water: list[tuple[Any, str]]) -> list[dict[str, Any]]:
    """The map's labels, most important kind first (the script places them in this order).

    ``context`` is :func:`context_lines`' result, ``water`` named river lines in lon/lat.
    """
    import numpy as np
    import shapely

    groups: list[dict[str, Any] | None] = []
    nbh = park.neighbourhoods
    if not nbh.empty and "name" in nbh.columns:
        pts = lonlat(shapely.point_on_surface(nbh.geometry.values), park.crs)
        groups.append(_group("nbh", list(pts), [_text(n) for n in nbh["name"]]))
    if water:
        anchors = [line_anchor(g) for g, _ in water]
        groups.append(_group("river", [a for a, _ in anchors], [n for _, n in water],
                             angles=[r for _, r in anchors]))
    if context is not None:
        lines, props, _ = context
        for kind in ("road", "railway"):
            chosen = [(g, p["n"]) for g, p in zip(lines, props, strict=True)
                      if p["kind"] in ({"road", "minor_road"} if kind == "road" else {"railway"}) and p["n"]]
            groups.append(_named_lines(kind, chosen))
    fac = park.facilities
    if not fac.empty:
        pts = np.where(fac.geom_type.isin(["Point"]).to_numpy(), fac.geometry.values,
                       fac.geometry.representative_point().values)
        names = [_text(n) or _text(i) for n, i in zip(
            fac["name"] if "name" in fac.columns else [None] * len(fac), fac["facility_id"], strict=True)]
        groups.append(_group("facility", list(lonlat(pts, park.crs)), names, side=True))
    roads = park.extras.get("roads")
    if roads is not None and not roads.empty and "name" in roads.columns:
        geoms = lonlat(roads.to_crs(park.crs).geometry.values, park.crs)
        groups.append(_named_lines("park_road", list(zip(geoms, map(_text, roads["name"]), strict=True))))
    lu = park.landuse
    order = np.argsort(-lu.geometry.area.to_numpy(), kind="stable")  # big lots first
    pts = lonlat(shapely.point_on_surface(lu.geometry.values[order]), park.crs)
    sizes = np.sqrt(lu.geometry.area.to_numpy()[order])
    groups.append(_group("lot", list(pts), [str(i) for i in lu["parcel_id"].to_numpy()[order]],
                         sizes=list(sizes)))
    if context is not None:
        groups.append(_group("province", [p for p, _ in context[2]], [n for _, n in context[2]]))
    return [g for g in groups if g is not None]
