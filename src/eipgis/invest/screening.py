"""Environmental and social (E&S) screening of measures, and the draft ESMP it pre-fills.

For each measure, its *site* is where it acts: a RECP measure at the source geometry of its
enterprise's facility (polygon, buildings or point, as the safety distance measures it); a
symbiosis measure along its link's route (when the links carry geometry) and at its supplier's
and receiver's facilities. Around the site, in the park's metric CRS:

- the population within each distance band: Σ population × (area of the neighbourhood within
  the band / its area), i.e. population spread evenly over each neighbourhood;
- the sensitive receptors within each band: neighbourhoods whose ``kind`` is a school, hospital,
  clinic or water intake;
- exposure to each hazard raster the planner gives (flood depth, landslide susceptibility):
  the largest and the mean valid value sampled every 10 m along routes and over every pixel of
  plots;
- the workers of the enterprises concerned (``enterprises`` table).

The ESMP (environmental and social management plan) draft follows the IFC Performance Standards
2012: PS2 labour and working conditions, PS3 resource efficiency and pollution prevention, PS4
community health, safety and security. It is a draft for the planner to edit — risks, mitigation,
indicators, responsibilities, frequencies and costs — never a verdict.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .measures import InvestError

if TYPE_CHECKING:
    import pandas as pd

    from ..park import Park

__all__ = ["BANDS_M", "SENSITIVE_KINDS", "esmp_draft", "read_esmp", "screen"]

#: Distance bands (m) around a measure's site.
BANDS_M = (500, 1000, 2000)
#: Neighbourhood kinds counted as sensitive receptors.
SENSITIVE_KINDS = ("school", "hospital", "clinic", "water_intake")
#: Spacing (m) of the samples taken along a route.
SAMPLE_STEP_M = 10.0
#: Columns of the ESMP table (read back from the planner's edited copy).
ESMP_COLUMNS = ("measure", "standard", "risk", "mitigation", "monitoring_indicator", "responsibility",
                "frequency", "cost")


def _sites(park: Park, measures: pd.DataFrame, links: Any) -> list[tuple[Any, list[str], str]]:
    """Per measure: the site geometry (or None), the facility ids concerned, and what the site is."""
    import numpy as np
    import shapely

    from ..indicators import facility_sources

    geoms, _, _ = facility_sources(park)
    fac_ids = park.facilities["facility_id"].astype(str).tolist() if not park.facilities.empty else []
    source_of = dict(zip(fac_ids, geoms, strict=True))
    ent = getattr(park, "enterprises", None)
    ent_fac: dict[str, str] = {}
    if ent is not None and not ent.empty and "facility_id" in ent.columns:
        import pandas as pd

        ent_fac = {str(e): str(f) for e, f in zip(ent["enterprise_id"], ent["facility_id"], strict=True)
                   if pd.notna(f)}
    route_of: dict[str, Any] = {}
    ends_of: dict[str, list[str]] = {}
    if links is not None and len(links):
        has_geom = hasattr(links, "geometry") and "geometry" in links.columns
        for i, row in enumerate(links.to_dict("records")):
            lid = str(row.get("link_id"))
            ends_of[lid] = [str(row.get("supplier")), str(row.get("receiver"))]
            if has_geom:
                route_of[lid] = links.geometry.iloc[i]
    out = []
    for m in measures.to_dict("records"):
        if m["kind"] == "recp":
            fid = ent_fac.get(str(m.get("enterprise")), str(m.get("enterprise")))
            geom = source_of.get(fid)
            out.append((geom, [fid] if geom is not None else [], "facility" if geom is not None else "none"))
            continue
        lid = str(m.get("link"))
        ends = [e for e in ends_of.get(lid, []) if e in source_of]
        parts = [source_of[e] for e in ends]
        route = route_of.get(lid)
        if route is not None and not shapely.is_empty(route):
            parts.append(route)
        geom = shapely.union_all(np.asarray(parts, dtype=object)) if parts else None
        out.append((geom, ends, "route" if route is not None else ("facilities" if parts else "none")))
    return out


def _population(park: Park, site: Any, band: float) -> tuple[float | None, list[str]]:
    import numpy as np
    import shapely

    nb = park.neighbourhoods
    if nb.empty:
        return None, []
    geoms = np.asarray(nb.geometry.values, dtype=object)
    zone = shapely.buffer(site, band)
    share = np.divide(shapely.area(shapely.intersection(geoms, zone)), shapely.area(geoms),
                      out=np.zeros(len(geoms)), where=shapely.area(geoms) > 0)
    population = None
    if "population" in nb.columns:
        pop = nb["population"].astype(float).fillna(0.0).to_numpy()
        population = float((pop * share).sum())
    names: list[str] = []
    if "kind" in nb.columns:
        near = shapely.distance(geoms, site) <= band
        sensitive = nb["kind"].astype(str).str.strip().str.lower().isin(SENSITIVE_KINDS).to_numpy()
        names = [f"{n} ({k})" for n, k in zip(nb["name"][near & sensitive], nb["kind"][near & sensitive],
                                               strict=True)]
    return population, names


def _check_hazard(name: str, path: str, park: Park) -> None:
    import rasterio
    import shapely
    from rasterio.warp import transform_bounds

    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InvestError(f"{path}: the {name} raster has no CRS. Fix: assign one (e.g. gdal_edit.py "
                                  "-a_srs EPSG:9208 FILE.tif) so eipgis knows where it lies.")
            box = shapely.box(*transform_bounds(src.crs, park.crs, *src.bounds))
    except rasterio.errors.RasterioIOError as exc:
        raise InvestError(f"{path}: the {name} raster cannot be read ({exc}). Fix: give a GeoTIFF.") from None
    if not box.intersects(shapely.box(*park.boundary.total_bounds)):
        raise InvestError(f"{path}: the {name} raster does not cover the park. Fix: give a raster of the "
                          "park's area (check its CRS).")


def _sample_points(geom: Any) -> Any:
    """Points every SAMPLE_STEP_M along the lines, and over the polygons, of a site."""
    import numpy as np
    import shapely

    points = []
    for part in shapely.get_parts(np.asarray([geom], dtype=object)):
        kind = shapely.get_type_id(part)
        if kind in (1, 2):  # LineString, LinearRing
            n = max(int(shapely.length(part) // SAMPLE_STEP_M), 1)
            points += list(shapely.line_interpolate_point(part, np.linspace(0, 1, n + 1), normalized=True))
        elif kind == 3:  # Polygon: a grid at the step, inside it, and its centroid
            xmin, ymin, xmax, ymax = shapely.bounds(part)
            xs = np.arange(xmin + SAMPLE_STEP_M / 2, xmax, SAMPLE_STEP_M)
            ys = np.arange(ymin + SAMPLE_STEP_M / 2, ymax, SAMPLE_STEP_M)
            grid = shapely.points(np.array(np.meshgrid(xs, ys)).reshape(2, -1).T)
            points += list(grid[shapely.contains(part, grid)]) + [shapely.centroid(part)]
        else:
            points.append(part)
    return points


def _hazard_values(path: str, crs: Any, geom: Any) -> tuple[float | None, float | None]:
    import numpy as np
    import pyproj
    import rasterio
    import shapely

    points = _sample_points(geom)
    if not points:
        return None, None
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    with rasterio.open(path) as src:
        if not pyproj.CRS(src.crs).equals(pyproj.CRS(crs)):
            tr = pyproj.Transformer.from_crs(crs, src.crs, always_xy=True)
            xs, ys = tr.transform(xy[:, 0], xy[:, 1])
        else:
            xs, ys = xy[:, 0], xy[:, 1]
        values = np.array([v[0] for v in src.sample(zip(xs, ys, strict=True), masked=True)], dtype=object)
        nodata = src.nodata
    numbers = np.array([np.nan if v is np.ma.masked else float(v) for v in values], dtype=float)
    if nodata is not None:
        numbers[numbers == nodata] = np.nan
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers):
        return None, None
    return float(numbers.max()), float(numbers.mean())


def screen(park: Park, measures: pd.DataFrame, *, links: Any = None,
           hazards: Mapping[str, str | os.PathLike[str]] | None = None,
           bands: Sequence[float] = BANDS_M) -> pd.DataFrame:
    """One row per measure: its site, population and sensitive receptors per band, hazards, workers."""
    import pandas as pd

    for name, path in (hazards or {}).items():
        _check_hazard(name, str(path), park)
    sites = _sites(park, measures, links)
    ent = getattr(park, "enterprises", None)
    rows = []
    for m, (geom, facilities, what) in zip(measures.to_dict("records"), sites, strict=True):
        row: dict[str, Any] = {"id": m["id"], "site": what, "facilities": "; ".join(facilities)}
        if geom is None:
            row["note"] = "not screened: the measure has no location (no facility or route found)"
            rows.append(row)
            continue
        for band in bands:
            population, receptors = _population(park, geom, band)
            row[f"population_{band:g}m"] = None if population is None else round(population, 1)
            row[f"receptors_{band:g}m"] = "; ".join(receptors)
        for name, path in (hazards or {}).items():
            peak, mean = _hazard_values(str(path), park.crs, geom)
            row[f"{name}_max"], row[f"{name}_mean"] = peak, mean
        row["workers"] = _workers(ent, m, facilities)
        rows.append(row)
    return pd.DataFrame(rows)


def _workers(ent: Any, measure: Mapping[str, Any], facilities: list[str]) -> float | None:
    if ent is None or ent.empty or "workers" not in ent.columns:
        return None
    if measure["kind"] == "recp":
        chosen = ent[ent["enterprise_id"].astype(str) == str(measure.get("enterprise"))]
    elif "facility_id" in ent.columns:
        chosen = ent[ent["facility_id"].astype(str).isin(facilities)]
    else:
        return None
    values = chosen["workers"].astype(float)
    return float(values.sum()) if values.notna().any() else None


def esmp_draft(measures: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """The draft ESMP: three rows per measure (PS2, PS3, PS4), pre-filled from the screening."""
    import pandas as pd

    by_id = {r["id"]: r for r in screening.to_dict("records")}
    rows = []
    for m in measures.to_dict("records"):
        s = by_id.get(m["id"], {})
        workers = s.get("workers")
        near = s.get(f"population_{BANDS_M[0]:g}m")
        receptors = s.get(f"receptors_{BANDS_M[1]:g}m") or ""
        exposure = [f"{k[:-4]} up to {v:g}" for k, v in s.items()
                    if k.endswith("_max") and isinstance(v, float) and math.isfinite(v) and v > 0]
        material = str(m.get("title") or "")
        rows += [
            {"measure": m["id"], "standard": "PS2",
             "risk": "Occupational health and safety of the workers building and running the measure"
                     + (f" ({workers:,.0f} workers at the enterprises concerned)" if workers else ""),
             "mitigation": "Safety plan, PPE and training before works; contractor held to the enterprise's "
                           "labour and OHS policy",
             "monitoring_indicator": "Lost-time incidents per 200,000 hours worked; training records",
             "responsibility": "Enterprise EHS officer", "frequency": "monthly", "cost": ""},
            {"measure": m["id"], "standard": "PS3",
             "risk": f"Spills, dust, leaks or emissions while handling and moving: {material}",
             "mitigation": "Closed transfer (covered conveyor, sealed pipe or covered trucks), secondary "
                           "containment, spill kit",
             "monitoring_indicator": "Quantity transferred vs received (t/yr); incidents; dust and water "
                                     "quality at the boundary",
             "responsibility": "Supplier and receiver operations managers", "frequency": "quarterly",
             "cost": ""},
            {"measure": m["id"], "standard": "PS4",
             "risk": "Community health and safety: traffic, noise and exposure of neighbours"
                     + (f"; about {near:,.0f} people within {BANDS_M[0]} m" if near else "")
                     + (f"; sensitive receptors within {BANDS_M[1]} m: {receptors}" if receptors else "")
                     + (f"; hazard exposure: {', '.join(exposure)}" if exposure else ""),
             "mitigation": "Route and timing away from schools and clinics; community grievance mechanism"
                           + ("; design for the flood and landslide exposure found" if exposure else ""),
             "monitoring_indicator": "Grievances received and closed; incidents involving the public",
             "responsibility": "Park management board with the enterprise", "frequency": "quarterly",
             "cost": ""},
        ]
    return pd.DataFrame(rows, columns=list(ESMP_COLUMNS))


def read_esmp(path: str | os.PathLike[str], measure_ids: Sequence[str]) -> pd.DataFrame:
    """The planner's edited ESMP table (CSV), checked: its columns, measures and standards."""
    from pathlib import Path

    from ..io import restore
    from ..symbiosis.register import _read_csv

    p = Path(path)
    frame, lines = _read_csv(p, what="ESMP table", fix="save the ESMP as CSV UTF-8")
    missing = [c for c in ESMP_COLUMNS if c not in frame.columns]
    if missing:
        raise InvestError(f"{p}, line 1: missing column(s) {', '.join(missing)}. Fix: keep the columns of "
                          "the esmp.csv that eipgis invest wrote.")
    frame = frame.map(lambda v: restore(v) if isinstance(v, str) else v)
    for value, line in zip(frame["measure"], lines, strict=True):
        if value not in measure_ids:
            raise InvestError(f"{p}, line {line}: measure {value!r} is not in the measures file. Fix: use one "
                              f"of {', '.join(measure_ids)}.")
    for value, line in zip(frame["standard"], lines, strict=True):
        if value not in ("PS1", "PS2", "PS3", "PS4", "PS5", "PS6", "PS7", "PS8"):
            raise InvestError(f"{p}, line {line}: standard {value!r} is not an IFC Performance Standard. "
                              "Fix: PS1 … PS8.")
    return frame
