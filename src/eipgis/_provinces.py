"""Which pre-2025 Vietnamese province a park drawn in lon/lat lies in (the shipped outline layer).

The outlines are ``data/vn_provinces.geojson``: geoBoundaries VNM ADM1 (public domain), simplified by
``layers/build_vn_provinces.py`` to about 550 m. They serve one purpose: choosing the VN-2000
provincial grid of a WGS84 park (``eipgis.crs.metric_crs``). They are loaded on first use only.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["BOUNDS", "NEAR_DEG", "province_of"]

#: Lon/lat bounds of the shipped outlines (a test checks them): a park whose box misses them, widened
#: by :data:`NEAR_DEG`, is outside Vietnam without reading the file.
BOUNDS = (102.145883, 8.442806, 114.995663, 23.390974)  # the islands reach 115° E
#: A park that touches no outline but lies within this distance (degrees, about 3 km) of one is taken
#: to be in the nearest province: the outlines are coarse along the coast (reclaimed land, ports).
NEAR_DEG = 0.03
_FILE = "vn_provinces.geojson"


@functools.cache
def _layer() -> tuple[tuple[str, ...], Any]:
    """Province names (``shapeName``) and their prepared polygons, read once."""
    import json
    from importlib import resources

    import shapely

    text = resources.files("eipgis").joinpath("data", _FILE).read_text(encoding="utf-8")
    features = json.loads(text)["features"]
    names = tuple(str(f["properties"]["shapeName"]) for f in features)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    shapely.prepare(geoms)
    return names, geoms


def province_of(lonlat: Any) -> str | None:
    """The province (its ``shapeName``) that holds a park, or None outside Vietnam.

    ``lonlat`` is the park's boundary (a shapely geometry in lon/lat, EPSG:4326). The province is
    the one that holds most of the boundary's area (the only one, unless the park straddles a
    border; areas are compared in square degrees, which is fair across one park). A boundary that
    touches no province but lies within :data:`NEAR_DEG` of one gets the nearest.
    """
    import numpy as np
    import shapely

    xmin, ymin, xmax, ymax = BOUNDS
    bx0, by0, bx1, by1 = shapely.bounds(lonlat)
    if bx1 < xmin - NEAR_DEG or bx0 > xmax + NEAR_DEG or by1 < ymin - NEAR_DEG or by0 > ymax + NEAR_DEG:
        return None
    names, geoms = _layer()
    hits = np.flatnonzero(shapely.intersects(geoms, lonlat))
    if hits.size == 1:
        return names[hits[0]]
    if hits.size > 1:
        if shapely.area(lonlat) == 0:  # a point or a line: the first province it touches
            return names[hits[0]]
        shares = shapely.area(shapely.intersection(geoms[hits], lonlat))
        return names[hits[int(np.argmax(shares))]]
    distances = shapely.distance(geoms, lonlat)
    nearest = int(np.argmin(distances))
    return names[nearest] if distances[nearest] <= NEAR_DEG else None
