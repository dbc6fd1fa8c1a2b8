"""Where the land use changed between two records of a park: the pieces whose class differs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

    from ..park import Park

__all__ = ["MIN_PIECE_M2", "changes"]

#: Pieces smaller than this (m²) are left out: slivers where two surveys of one edge differ by
#: floating-point noise, not a change a planner made (1 m² is below any parcel survey's precision).
MIN_PIECE_M2 = 1.0


def changes(old: Park, new: Park) -> gpd.GeoDataFrame:
    """The land of ``old`` and ``new`` whose land-use class differs, as polygons.

    The two land-use layers are overlaid (union); a piece is kept where the class before is not
    the class after, including land that only one record covers (its other class is
    ``unassigned``). Measured in ``old``'s metric CRS (``new`` is reprojected to it if needed).

    Returns
    -------
    GeoDataFrame
        ``class_before``, ``class_after``, ``parcel_before``, ``parcel_after`` (None where the
        record has no parcel there), ``area_ha``; in ``old``'s CRS, largest piece first.

    Examples
    --------
    >>> import eipgis
    >>> park = eipgis.load_park(eipgis.sample_path())
    >>> len(changes(park, park))
    0
    """
    import geopandas as gpd

    cols = ["parcel_id", "landuse_class", "geometry"]
    before = old.landuse[cols].rename(columns={"parcel_id": "parcel_before", "landuse_class": "class_before"})
    after = new.landuse[cols].rename(columns={"parcel_id": "parcel_after", "landuse_class": "class_after"})
    if after.crs != before.crs:
        after = after.to_crs(before.crs)
    pieces = gpd.overlay(before, after, how="union", keep_geom_type=True)
    for col in ("class_before", "class_after"):
        pieces[col] = pieces[col].astype(object).where(pieces[col].notna(), "unassigned")
    for col in ("parcel_before", "parcel_after"):
        pieces[col] = pieces[col].astype(object).where(pieces[col].notna(), None)
    area_m2 = pieces.geometry.area
    kept = pieces[(pieces["class_before"] != pieces["class_after"]) & (area_m2 >= MIN_PIECE_M2)].copy()
    kept["area_ha"] = kept.geometry.area / 1e4
    kept = kept.sort_values("area_ha", ascending=False, kind="stable").reset_index(drop=True)
    return kept[["class_before", "class_after", "parcel_before", "parcel_after", "area_ha", "geometry"]]
