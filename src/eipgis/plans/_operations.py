"""Scenario operations on a park (rezone, green strip, carve, plot green, set), each change logged."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._validate import ids_text
from ..errors import InputError
from ..landuse import CLASSES
from .ops import (
    CHANGE_COLUMNS,
    MIN_PIECE_M2,
    MIN_UNASSIGNED_M2,
    WITHIN_SHARE,
    Carve,
    GreenStrip,
    PlotGreen,
    Rezone,
    ScenarioError,
    SetValues,
    _landuse_class,
    _parse_geometry,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..park import Park

__all__ = ["State"]


def _to_class(to: str) -> str:
    """The land-use class of an operation's ``to``, which the scenario model checked on reading."""
    to_class = _landuse_class(to)
    if to_class is None:  # pragma: no cover - ops._check_to refuses such a file before any operation
        raise ValueError(f"unknown land use {to!r}")
    return to_class


class State:
    """The layers being changed by a scenario, and the change log."""

    def __init__(self, park: Park, source: str) -> None:
        self.park = park
        self.source = source
        self.landuse = park.landuse.copy()
        self.layers: dict[str, gpd.GeoDataFrame] = {}
        self.unassigned_m2 = park.unassigned_m2
        self.changes: list[dict[str, Any]] = []
        #: Land a green strip left alone (``keep``): one record per parcel piece.
        self.kept: list[dict[str, Any]] = []
        self.ids: set[str] = set(self.landuse["parcel_id"].astype(str))

    # helpers
    def fail(self, key: str, problem: str, fix: str) -> None:
        raise ScenarioError(f"{self.source}: {key}: {problem}. Fix: {fix}.")

    def _frame(self, layer: str) -> gpd.GeoDataFrame | None:
        if layer == "landuse":
            return self.landuse
        if layer in self.layers:
            return self.layers[layer]
        frame = self.park.layers().get(layer)
        if frame is None or (frame.empty and layer != "landuse"):
            return None
        if layer in ("facilities", "buildings", "neighbourhoods", "boundary", "plot_green"):
            frame = getattr(self.park, layer)
        return frame

    def _select(self, frame: gpd.GeoDataFrame, expr: str, key: str, layer: str) -> Any:
        """Rows selected by a ``where`` text, in the where language of :mod:`eipgis.expr`."""
        import numpy as np
        import pandas as pd

        from ..expr import ExprError, parse_where

        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        try:
            mask = parse_where(expr).mask(table)
        except ExprError as exc:
            self.fail(key, f"{exc.problem} (layer '{layer}')", exc.fix)
        selected = np.flatnonzero(mask)
        if len(selected) == 0:
            self.fail(
                key,
                f"{expr!r} selects no feature of layer '{layer}' ({len(frame)} features)",
                "check the spelling of the values, or remove the operation",
            )
        return selected

    def _region(self, op: Rezone | Carve | PlotGreen, key: str, field: str) -> Any:
        """The operation's polygon in the park CRS, checked against the park."""
        import geopandas as gpd
        import shapely

        geom = _parse_geometry(getattr(op, field))
        park_crs = self.park.crs
        if op.crs is not None:
            from ..crs import to_crs

            try:
                crs = to_crs(op.crs)
            except InputError:
                import pyproj

                try:
                    crs = pyproj.CRS.from_user_input(op.crs)
                except pyproj.exceptions.CRSError:
                    self.fail(
                        f"{key}.crs",
                        f"{op.crs!r} is not a known CRS",
                        "write an EPSG code such as EPSG:4326 or EPSG:9208",
                    )
            geom = gpd.GeoSeries([geom], crs=crs).to_crs(park_crs).iloc[0]
        else:
            minx, miny, maxx, maxy = shapely.bounds(geom)
            if park_crs.is_projected and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
                self.fail(
                    f"{key}.{field}",
                    "the coordinates look like longitude/latitude but no crs is given "
                    f"(the park is in {self.park.crs_label})",
                    "add 'crs: EPSG:4326' to the operation, or give the coordinates in "
                    f"{self.park.crs_label}",
                )
        boundary = self.park.boundary_geometry
        inside = shapely.intersection(geom, boundary).area
        if inside < MIN_UNASSIGNED_M2:
            distance = shapely.distance(geom, boundary)
            where = (
                f"{distance:,.0f} m from the park" if distance > 0 else "on the park's edge only"
            )
            self.fail(
                f"{key}.{field}",
                f"the geometry lies outside the park ({where}, park CRS {self.park.crs_label})",
                "check the coordinates and the crs key (give 'crs:' when the geometry is not in "
                "the park's CRS)",
            )
        return shapely.intersection(geom, boundary) if inside < geom.area * (1 - 1e-9) else geom

    def _record(
        self,
        key: str,
        op: str,
        layer: str,
        feature: str,
        from_feature: str,
        before: Any,
        after: Any,
        area_m2: float,
        note: str | None,
    ) -> None:
        self.changes.append(
            {
                "operation": key,
                "op": op,
                "layer": layer,
                "feature": feature,
                "from_feature": from_feature,
                "from": before,
                "to": after,
                "area_m2": area_m2,
                "note": note or "",
            }
        )

    def _next_id(self, parent: str) -> str:
        n = 1
        while f"{parent}/{n}" in self.ids:
            n += 1
        new = f"{parent}/{n}"
        self.ids.add(new)
        return new

    def _rezone_rows(
        self,
        rows: Any,
        to: str,
        to_class: str,
        key: str,
        op: str,
        note: str | None,
        name: str | None = None,
    ) -> None:
        import numpy as np

        lu = self.landuse
        rows = np.asarray(rows)
        areas = lu.geometry.values[rows].area
        ids = lu["parcel_id"].astype(str).to_numpy()[rows]
        before = lu["landuse_class"].to_numpy()[rows]
        lu_col = lu.columns.get_loc("landuse")
        cls_col = lu.columns.get_loc("landuse_class")
        lu.iloc[rows, lu_col] = to
        lu.iloc[rows, cls_col] = to_class
        if name is not None:
            self._set_name(rows, name)
        for i, b, a in zip(ids, before, areas, strict=True):
            self._record(key, op, "landuse", i, i, b, to_class, float(a), note)

    def _set_name(self, rows: Any, name: str) -> None:
        if "name" not in self.landuse.columns:
            self.landuse["name"] = None
        self.landuse.iloc[rows, self.landuse.columns.get_loc("name")] = name

    # operations
    def rezone(self, op: Rezone, key: str) -> None:
        import numpy as np
        import shapely

        lu = self.landuse
        to_class = _to_class(op.to)
        if op.parcels is not None:
            known = lu["parcel_id"].astype(str)
            known_ids = set(known)
            unknown = [p for p in op.parcels if p not in known_ids]
            if unknown:
                self.fail(
                    f"{key}.parcels",
                    f"unknown parcel id(s) {ids_text(unknown)}",
                    f"use ids of the park's landuse layer (e.g. {ids_text(known.head(5))})",
                )
            rows = np.flatnonzero(known.isin(op.parcels).to_numpy())
            what = "parcels"
        elif op.where is not None:
            rows = self._select(lu, op.where, f"{key}.where", "landuse")
            what = "where"
        else:
            region = self._region(op, key, "within")
            geoms = lu.geometry.values
            cand = lu.sindex.query(region, predicate="intersects")
            share = shapely.area(
                shapely.intersection(np.asarray(geoms)[cand], region)
            ) / np.maximum(shapely.area(np.asarray(geoms)[cand]), 1e-12)
            rows = cand[share >= WITHIN_SHARE]
            what = "within"
            if len(rows) == 0:
                self.fail(
                    f"{key}.within",
                    "no parcel lies within the polygon",
                    "draw the polygon around the whole parcels to rezone (99 % of a "
                    "parcel's area must lie inside)",
                )
        rows = np.sort(rows)
        change = lu["landuse_class"].to_numpy()[rows] != to_class
        if not change.any():
            self.fail(
                f"{key}.{what}",
                f"touches nothing: every selected parcel is already {to_class} "
                f"({ids_text(lu['parcel_id'].astype(str).to_numpy()[rows])})",
                "select other parcels or remove the operation",
            )
        self._rezone_rows(rows[change], op.to, to_class, key, "rezone", op.note)

    def green_strip(self, op: GreenStrip, key: str) -> None:
        import shapely

        from ..indicators import isolation_band

        park = self.park
        boundary = park.boundary_geometry
        rect = shapely.minimum_rotated_rectangle(boundary)
        coords = shapely.get_coordinates(rect)
        sides = [math.dist(coords[0], coords[1]), math.dist(coords[1], coords[2])]
        half = min(sides) / 2
        if op.width_m >= half:
            self.fail(
                f"{key}.width_m",
                f"{op.width_m:g} m is absurd: the park is {min(sides):,.0f} m wide, so a strip "
                f"must be narrower than {half:,.0f} m",
                "give the strip's width in metres (QCVN 01:2021/BXD §2.5.2 asks for 10 m)",
            )
        band = isolation_band(park, op.width_m)
        if op.sides != "all":
            band = self._facing(band, op, key)
        to_class = _to_class(op.to)
        band = self._keep(band, op, key, to_class)
        touched = self._cut(
            band, op.to, to_class, key=key, op="green_strip", name=None, note=op.note
        ) if not band.is_empty else 0
        if not touched:
            kept = f" or kept ({', '.join(op.keep_classes)})" if op.keep_classes else ""
            self.fail(
                f"{key}",
                f"touches nothing: the {op.width_m:g} m band is already {to_class}{kept}",
                "remove the operation, widen the strip or change its keep list",
            )

    def _keep(self, band: Any, op: GreenStrip, key: str, to_class: str | None) -> Any:
        """The band without the parcels of the classes the strip keeps; what it keeps is logged."""
        import numpy as np
        import shapely

        keep = [c for c in op.keep_classes if c != to_class]
        lu = self.landuse
        if not keep or lu.empty:
            return band
        hit = lu.sindex.query(band, predicate="intersects")
        hit = hit[np.isin(lu["landuse_class"].to_numpy()[hit], keep)]
        if len(hit) == 0:
            return band
        geoms = np.asarray(lu.geometry.values)[hit]
        areas = shapely.area(shapely.intersection(geoms, band))
        ids = lu["parcel_id"].astype(str).to_numpy()[hit]
        classes = lu["landuse_class"].to_numpy()[hit]
        for pid, cls, area in zip(ids, classes, areas, strict=True):
            if area > MIN_PIECE_M2:
                self.kept.append({"operation": key, "op": "green_strip", "feature": pid,
                                  "class": cls, "area_m2": float(area)})
        return shapely.difference(band, shapely.union_all(geoms))

    def _facing(self, band: Any, op: GreenStrip, key: str) -> Any:
        """The part of the band along boundary segments that face the named neighbourhoods.

        A boundary segment (boundary cut into pieces of at most 25 m) faces a neighbourhood when
        the shortest line from its midpoint to the neighbourhood does not cross the park.
        """
        import numpy as np
        import shapely

        nbh = self.park.neighbourhoods
        names = nbh["name"].astype(str).tolist() if not nbh.empty else []
        assert isinstance(op.sides, list)
        unknown = [s for s in op.sides if s not in names]
        if unknown:
            self.fail(
                f"{key}.sides",
                f"unknown neighbourhood(s) {ids_text(unknown)}",
                "use 'all' or names of the neighbourhoods layer "
                f"({ids_text(names) or 'it is empty'})",
            )
        targets = shapely.union_all(
            nbh.geometry.values[nbh["name"].astype(str).isin(op.sides).to_numpy()]
        )
        boundary = self.park.boundary_geometry
        ring = shapely.segmentize(shapely.boundary(boundary), 25.0)
        pts = shapely.get_coordinates(ring)
        # consecutive pairs of each ring (rings are closed, so a pair never spans two rings)
        parts = shapely.get_parts(ring)
        segments = []
        for part in parts:
            c = shapely.get_coordinates(part)
            segments.append(np.stack([c[:-1], c[1:]], axis=1))
        seg = np.concatenate(segments) if segments else np.empty((0, 2, 2))
        del pts
        lines = shapely.linestrings(seg)
        mids = shapely.points(seg.mean(axis=1))
        sight = shapely.shortest_line(mids, targets)
        inner = boundary.buffer(-0.05)
        shapely.prepare(inner)
        facing = ~shapely.intersects(sight, inner)
        if not facing.any():
            self.fail(
                f"{key}.sides",
                f"no boundary segment faces {ids_text(op.sides)}",
                "check the neighbourhood names, or use 'all'",
            )
        reach = shapely.buffer(shapely.union_all(lines[facing]), op.width_m * 1.5, cap_style="flat")
        return shapely.intersection(band, reach)

    def carve(self, op: Carve, key: str) -> None:
        region = self._region(op, key, "geometry")
        to_class = _to_class(op.to)
        touched = self._cut(
            region, op.to, to_class, key=key, op="carve", name=op.name, note=op.note
        )
        if not touched:
            self.fail(
                f"{key}.geometry",
                f"touches nothing: the land under the shape is already {to_class}",
                "move the shape or remove the operation",
            )

    def _cut(
        self,
        region: Any,
        to: str,
        to_class: str,
        *,
        key: str,
        op: str,
        name: str | None,
        note: str | None,
    ) -> int:
        """Give ``region`` the land use ``to``: split the parcels it covers, assign unassigned land.

        Returns the number of parcels (or pieces of unassigned land) changed.
        """
        import geopandas as gpd
        import numpy as np
        import pandas as pd
        import shapely

        from ..park import _polygonal

        lu = self.landuse
        geoms = np.asarray(lu.geometry.values)
        shapely.prepare(region)
        hit = lu.sindex.query(region, predicate="intersects")
        covered = shapely.union_all(geoms[hit]) if len(hit) else shapely.Polygon()
        cand = hit[lu["landuse_class"].to_numpy()[hit] != to_class]
        pieces = (
            _polygonal(shapely.intersection(geoms[cand], region))
            if len(cand)
            else np.empty(0, object)
        )
        area = shapely.area(pieces) if len(cand) else np.empty(0)
        keep = area > MIN_PIECE_M2
        cand, pieces, area = cand[keep], pieces[keep], area[keep]
        parent_area = shapely.area(geoms[cand])
        whole = parent_area - area <= np.maximum(MIN_PIECE_M2, 1e-9 * parent_area)
        changed = 0
        if whole.any():
            self._rezone_rows(cand[whole], to, to_class, key, op, note, name)
            changed += int(whole.sum())
        split = cand[~whole]
        if len(split):
            rest = _polygonal(shapely.difference(geoms[split], region))
            new_rows = lu.iloc[split].copy()
            parents = lu["parcel_id"].astype(str).to_numpy()[split]
            before = lu["landuse_class"].to_numpy()[split]
            new_ids = [self._next_id(p) for p in parents]
            new_rows["parcel_id"] = pd.array(new_ids, dtype=lu["parcel_id"].dtype)
            new_rows["landuse"] = to
            new_rows["landuse_class"] = to_class
            if name is not None:
                if "name" not in lu.columns:
                    lu["name"] = None
                    new_rows["name"] = None
                new_rows["name"] = name
            new_rows = new_rows.set_geometry(
                gpd.GeoSeries(pieces[~whole], crs=lu.crs, index=new_rows.index), crs=lu.crs
            )
            lu.iloc[split, lu.columns.get_loc(lu.geometry.name)] = rest
            for new, parent, b, a in zip(new_ids, parents, before, area[~whole], strict=True):
                self._record(key, op, "landuse", new, parent, b, to_class, float(a), note)
            self.landuse = lu = pd.concat([lu, new_rows], ignore_index=True)
            changed += len(split)
        # Unassigned land under the region becomes new parcels U<op>/<n>.
        if self.unassigned_m2 >= MIN_UNASSIGNED_M2:
            free = shapely.difference(
                shapely.intersection(region, self.park.boundary_geometry), covered
            )
            parts = [
                g
                for g in shapely.get_parts(_polygonal(np.array([free], dtype=object))[0])
                if g.area >= MIN_UNASSIGNED_M2
            ]
            if parts:
                number = int(key.split("[")[1].rstrip("]")) + 1
                base = {c: None for c in lu.columns if c != lu.geometry.name}
                rows = []
                for g in parts:
                    pid = self._next_id(f"U{number}")
                    rows.append(
                        {
                            **base,
                            "parcel_id": pid,
                            "landuse": to,
                            "landuse_class": to_class,
                            **({"name": name} if name is not None else {}),
                            "geometry": g,
                        }
                    )
                    self._record(
                        key, op, "landuse", pid, "", "unassigned", to_class, float(g.area), note
                    )
                added = gpd.GeoDataFrame(rows, geometry="geometry", crs=lu.crs)
                if lu.geometry.name != "geometry":
                    added = added.rename_geometry(lu.geometry.name)
                added["parcel_id"] = added["parcel_id"].astype(lu["parcel_id"].dtype)
                self.landuse = pd.concat([lu, added], ignore_index=True)
                self.unassigned_m2 = max(self.unassigned_m2 - sum(g.area for g in parts), 0.0)
                changed += len(parts)
        return changed

    def plot_green(self, op: PlotGreen, key: str) -> None:
        """Add the polygon, less buildings and existing plot green, to the ``plot_green`` layer.

        Each part of the polygon becomes one feature; one log row per parcel it lies in
        (layer ``plot_green``, the m² planted there). Vectorised over the parts.
        """
        import geopandas as gpd
        import numpy as np
        import pandas as pd
        import shapely

        from ..park import _polygonal

        parts = shapely.get_parts(self._region(op, key, "geometry"))
        green = self.layers.get("plot_green", self.park.plot_green)
        taken = [
            shapely.get_parts(np.asarray(frame.geometry.values))
            for frame in (self.layers.get("buildings", self.park.buildings), green)
            if not frame.empty
        ]
        taken_geoms = np.concatenate(taken) if taken else np.empty(0, dtype=object)
        if len(taken_geoms) and len(parts):
            pi, ti = shapely.STRtree(taken_geoms).query(parts, predicate="intersects")
            if len(pi):
                order = np.argsort(pi, kind="stable")
                pi, ti = pi[order], ti[order]
                owners = np.unique(pi)
                # buffer(0) merges buildings and green that overlap into one cover per part.
                cover = shapely.buffer(
                    shapely.multipolygons(taken_geoms[ti], indices=np.searchsorted(owners, pi)),
                    0.0,
                )
                parts = parts.copy()
                parts[owners] = _polygonal(shapely.difference(parts[owners], cover))
        parts = shapely.get_parts(_polygonal(parts)) if len(parts) else parts
        parts = parts[shapely.area(parts) > MIN_PIECE_M2] if len(parts) else parts
        lu = self.landuse
        geoms = np.asarray(lu.geometry.values)
        pi, li = lu.sindex.query(parts, predicate="intersects") if len(parts) else ([], [])
        pi, li = np.asarray(pi, dtype=int), np.asarray(li, dtype=int)
        areas = shapely.area(shapely.intersection(parts[pi], geoms[li])) if len(pi) else []
        by_parcel = np.bincount(li, weights=areas, minlength=len(lu))
        rows = np.flatnonzero(by_parcel > MIN_PIECE_M2)
        if not len(rows):
            self.fail(
                f"{key}.geometry",
                "touches nothing: the shape holds no open ground of a parcel (it lies under "
                "buildings, on plot green already planted, or outside the parcels)",
                "draw the green on open ground inside a plot, or remove the operation",
            )
        ids = lu["parcel_id"].astype(str).to_numpy()[rows]
        classes = lu["landuse_class"].to_numpy()[rows]
        for pid, cls, area in zip(ids, classes, by_parcel[rows], strict=True):
            self._record(key, "plot_green", "plot_green", pid, pid, cls, "plot_green",
                         float(area), op.note)
        row: dict[str, Any] = {c: None for c in green.columns if c != green.geometry.name}
        if op.name is not None:
            row["name"] = op.name
        added = gpd.GeoDataFrame(
            [row] * len(parts), geometry=list(parts), crs=self.park.crs
        )
        if not green.empty and green.geometry.name != "geometry":
            added = added.rename_geometry(green.geometry.name)
        frame = pd.concat([green, added], ignore_index=True) if not green.empty else added
        self.layers["plot_green"] = gpd.GeoDataFrame(
            frame, geometry=added.geometry.name, crs=self.park.crs
        )

    def set_values(self, op: SetValues, key: str) -> None:
        import numpy as np
        import pandas as pd

        frame = self._frame(op.layer)
        if frame is None:
            have = ["landuse"] + [
                n for n, f in self.park.layers().items() if n != "landuse" and not f.empty
            ]
            self.fail(
                f"{key}.layer",
                f"the park has no layer {op.layer!r} (or it is empty)",
                f"use one of {', '.join(have)}",
            )
        assert frame is not None
        missing = [c for c in op.values if c not in frame.columns]
        if missing:
            cols = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
            self.fail(
                f"{key}.values",
                f"layer '{op.layer}' has no column(s) {', '.join(missing)}",
                f"use its columns ({cols})",
            )
        rows = self._select(frame, op.where, f"{key}.where", op.layer)
        frame = frame.copy()
        values = dict(op.values)
        if op.layer == "facilities" and "hazard_class" in values:
            from .._hazard import hazard_class

            raw = hazard_class(values["hazard_class"])
            if raw is None:
                self.fail(
                    f"{key}.values.hazard_class",
                    f"{values['hazard_class']!r} is not I–V (or 1–5)",
                    "give the hazard class of TCVN 4449-1987 Appendix III",
                )
            values["hazard_class"] = raw
        if op.layer == "landuse" and "landuse" in values:
            cls = _landuse_class(str(values["landuse"]))
            if cls is None:
                self.fail(
                    f"{key}.values.landuse",
                    f"unknown land use {values['landuse']!r}",
                    f"use a class ({', '.join(CLASSES)}) or a plan code",
                )
            values["landuse_class"] = cls
        id_col = {
            "landuse": "parcel_id",
            "facilities": "facility_id",
            "buildings": "building_id",
            "neighbourhoods": "name",
        }.get(op.layer)
        ids = (
            frame[id_col].astype(str).to_numpy()[rows]
            if id_col in frame.columns
            else np.array([f"feature {r + 1}" for r in rows])
        )
        changed = 0
        for column, value in values.items():
            old = frame[column].to_numpy()[rows]
            differs = pd.Series(old, dtype=object).astype(str).to_numpy() != str(value)
            if not differs.any():
                continue
            col = frame[column]
            if not pd.api.types.is_object_dtype(col) and not isinstance(value, bool | int | float):
                frame[column] = col.astype(object)
            frame.iloc[rows, frame.columns.get_loc(column)] = value
            if column == "landuse_class":
                continue
            for fid, before in zip(ids[differs], old[differs], strict=True):
                self._record(
                    key, "set", op.layer, str(fid), str(fid), before, value, math.nan, op.note
                )
                changed += 1
        if not changed:
            self.fail(
                f"{key}.values",
                f"touches nothing: the selected features already have {op.values}",
                "change the values or remove the operation",
            )
        if op.layer == "landuse":
            self.landuse = frame
        else:
            self.layers[op.layer] = frame

    def result(self, scenario_name: str) -> Park:
        from types import MappingProxyType

        park = self.park
        changes: dict[str, Any] = {
            "landuse": self.landuse.reset_index(drop=True),
            "unassigned_m2": self.unassigned_m2,
        }
        extras = dict(park.extras)
        for name, frame in self.layers.items():
            if name in ("boundary", "buildings", "plot_green", "facilities", "neighbourhoods"):
                changes[name] = frame
            else:
                extras[name] = frame
        if any(
            n not in ("boundary", "buildings", "plot_green", "facilities", "neighbourhoods")
            for n in self.layers
        ):
            changes["extras"] = MappingProxyType(extras)
        changes["notes"] = (*park.notes, f"scenario: {scenario_name} ({len(self.changes)} changes)")
        return park.replace(**changes)

    def log(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame(self.changes, columns=list(CHANGE_COLUMNS))
        # What green strips kept (not a change, so not a row): see scenario.strip_by_class.
        frame.attrs["kept"] = [dict(k) for k in self.kept]
        return frame
