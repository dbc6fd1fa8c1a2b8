"""Candidate actions for the optimizer: pieces of land that may change class, and cutting them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._validate import ids_text
from .landuse import CLASSES, LABELS

if TYPE_CHECKING:
    from .criteria import CriteriaSet
    from .park import Park

#: How many industrial plots at most enter the choice (cheapest first).
MAX_PLOTS = 2_000


@dataclass
class _Candidates:
    """Pieces of land that may change class: one row each."""

    kind: list[str] = field(default_factory=list)  # unassigned, reserve, whole, strip
    parcel: list[str] = field(default_factory=list)  # parcel id ('' for unassigned land)
    group: list[int] = field(default_factory=list)  # candidates of one parcel exclude each other
    area: list[float] = field(default_factory=list)
    plot_green: list[float] = field(default_factory=list)
    old: list[str] = field(default_factory=list)  # class before ('unassigned')
    cost: list[float] = field(default_factory=list)
    geometry: list[Any] = field(default_factory=list)
    tenant: list[bool] = field(default_factory=list)  # the parcel has a listed tenant

    def add(
        self,
        kind: str,
        parcel: str,
        group: int,
        area: float,
        plot_green: float,
        old: str,
        cost: float,
        geometry: Any,
        tenant: bool = False,
    ) -> None:
        self.tenant.append(tenant)
        self.kind.append(kind)
        self.parcel.append(parcel)
        self.group.append(group)
        self.area.append(area)
        self.plot_green.append(plot_green)
        self.old.append(old)
        self.cost.append(cost)
        self.geometry.append(geometry)

    def __len__(self) -> int:
        return len(self.kind)


def _classes_of(crit: Any) -> list[str]:
    default = (
        ["green"] if crit.indicator in ("isolation_strip", "green_cover_share") else ["industrial"]
    )
    return list(crit.params.get("classes", default))


def _need_by_class(shares: list[Any], needs: dict[str, float]) -> float:
    """Shortfalls (m²) that no single square metre can serve twice (see :func:`_lower_bound`)."""
    by_class: dict[str, float] = {}
    combined = 0.0
    for c in shares:
        need = max(needs.get(c.id, 0.0), 0.0)
        classes = _classes_of(c)
        if c.op in ("<=", "<"):
            continue
        if len(classes) == 1:
            by_class[classes[0]] = max(by_class.get(classes[0], 0.0), need)
        else:
            combined = max(combined, need)
    return max(sum(by_class.values()), combined)


def _plot_order(park: Park) -> tuple[Any, Any, Any]:
    """Industrial plots that may be converted, cheapest per m² first, then those without a tenant,
    then the largest; with their areas and unit costs."""
    import numpy as np

    lu = park.landuse
    areas = lu.geometry.area.to_numpy()
    cls = lu["landuse_class"].to_numpy()
    if "conversion_cost" in lu.columns:
        unit = lu["conversion_cost"].astype(float).to_numpy() / areas
    else:
        unit = np.ones(len(lu))
    tenants = lu["tenant"] if "tenant" in lu.columns else None
    has_tenant = (
        (tenants.notna() & (tenants.astype(str).str.strip() != "")).to_numpy()
        if tenants is not None
        else np.zeros(len(lu), dtype=bool)
    )
    ind = np.flatnonzero((cls == "industrial") & np.isfinite(unit))
    ind = ind[np.lexsort((-areas[ind], has_tenant[ind], unit[ind]))]
    return ind, areas, unit


def _bulk_plots(park: Park, shares: list[Any], needs: dict[str, float]) -> list[dict[str, Any]]:
    """Rezones of whole plots when the shortfall is beyond what :data:`MAX_PLOTS` plots can cover.

    Enough plots (in :func:`_plot_order`) are given, one by one, to the class that lacks most,
    that the exact choice is left with a third of what its pool of plots could give.
    """
    import numpy as np

    lu = park.landuse
    ind, areas, _ = _plot_order(park)
    free = park.unassigned_m2 + float(areas[lu["landuse_class"].to_numpy() == "reserve"].sum())
    rest = _need_by_class(shares, needs) - free
    pool = float(areas[ind[:MAX_PLOTS]].sum()) / 3.0
    if rest <= pool or len(ind) <= MAX_PLOTS:
        return []
    take = int(np.searchsorted(np.cumsum(areas[ind]), rest - pool)) + 1
    need_k: dict[str, float] = {}
    for c in shares:
        classes = _classes_of(c)
        if c.op in (">=", ">") and len(classes) == 1:
            need_k[classes[0]] = max(need_k.get(classes[0], 0.0), needs[c.id])
    for c in shares:
        classes = _classes_of(c)
        if c.op in (">=", ">") and len(classes) > 1:
            extra = needs[c.id] - sum(need_k.get(k, 0.0) for k in classes)
            if extra > 0:
                need_k[classes[0]] = need_k.get(classes[0], 0.0) + extra
    given: dict[str, list[str]] = {}
    ids = lu["parcel_id"].astype(str).to_numpy()
    for i in ind[:take]:
        k = max(need_k, key=lambda key: need_k[key])
        need_k[k] -= areas[i]
        given.setdefault(k, []).append(ids[i])
    return [
        {"op": "rezone", "parcels": parcels, "to": k,
         "note": f"Whole industrial plots become {k}, chosen in bulk ({LABELS[k]['vi']})"}
        for k, parcels in given.items()
    ]


def _candidates(
    park: Park,
    cset: CriteriaSet,
    widths: tuple[float, ...],
    needs: dict[str, float],
    shares: list[Any],
    notes: list[str],
) -> _Candidates:
    """Unassigned land, reserve parcels, strips along industrial plots and whole plots."""
    import numpy as np
    import shapely

    from .indicators import _covered_m2, plot_building_density, plot_green_share
    from .park import _polygonal

    lu = park.landuse
    geoms = np.asarray(lu.geometry.values)
    areas = shapely.area(geoms)
    ids = lu["parcel_id"].astype(str).to_numpy()
    cls = lu["landuse_class"].to_numpy()
    has_cost = "conversion_cost" in lu.columns
    unit_cost = (
        (lu["conversion_cost"].astype(float).to_numpy() / areas) if has_cost else areas * 0 + 1.0
    )
    if has_cost and np.isnan(unit_cost[np.isin(cls, ["industrial", "reserve"])]).any():
        missing = ids[np.isin(cls, ["industrial", "reserve"]) & np.isnan(unit_cost)]
        notes.append(f"no conversion_cost for {ids_text(missing)}: kept out of the plan")
    out = _Candidates()
    group = 0
    total_need = sum(max(v, 0.0) for v in needs.values())

    # Unassigned land (free).
    if park.unassigned_m2 >= 1.0:
        free = shapely.difference(park.boundary_geometry, shapely.union_all(geoms))
        for g in shapely.get_parts(_polygonal(np.array([free], dtype=object))[0]):
            if g.area >= 1.0:
                out.add("unassigned", "", group, float(g.area), 0.0, "unassigned", 0.0, g)
                group += 1
    # Reserve parcels (free of industrial land; pay their conversion cost if they carry one).
    plot_green = _covered_m2(lu, park.plot_green).to_numpy()
    for i in np.flatnonzero(cls == "reserve"):
        c = 0.0 if not has_cost else unit_cost[i] * areas[i]
        if np.isfinite(c):
            out.add(
                "reserve",
                ids[i],
                group,
                float(areas[i]),
                float(plot_green[i]),
                "reserve",
                float(c),
                None,
            )
            group += 1
    # Industrial plots: cheapest per m² first, at most MAX_PLOTS, enough to cover the need thrice.
    ind = np.flatnonzero((cls == "industrial") & np.isfinite(unit_cost))
    if not len(ind):
        return out
    cost_per_m2 = unit_cost[ind] if has_cost else np.ones(len(ind))
    order = np.lexsort((-areas[ind], cost_per_m2))
    ind = ind[order]
    cum = np.cumsum(areas[ind])
    take = int(np.searchsorted(cum, 3.0 * total_need)) + 1
    ind = ind[: min(max(take, 50), MAX_PLOTS, len(ind))]
    density = plot_building_density(park, classes=list(CLASSES))
    greenm = plot_green_share(park, classes=list(CLASSES))
    dens_limit = _threshold(cset, "plot_building_density", 0.70)
    tall_limit = _param(cset, "plot_building_density", "tall_limit", 0.60)
    green_limit = _threshold(cset, "plot_green_share", 0.20)
    footprint = density.per_feature["footprint_m2"].to_numpy()
    tall = density.per_feature["over_5_floors"].to_numpy()
    limit = np.where(tall, tall_limit, dens_limit)
    pg = greenm.per_feature["green_m2"].to_numpy()
    dens_ok = footprint / areas <= limit + 1e-9
    green_ok = pg / areas >= green_limit - 1e-9

    # Strips along the two longest edges of each plot.
    polys = geoms[ind]
    single = shapely.get_num_geometries(polys) == 1
    rings = shapely.get_exterior_ring(shapely.get_geometry(shapely.simplify(polys, 0.05), 0))
    coords, owner = shapely.get_coordinates(rings, return_index=True)
    same = owner[1:] == owner[:-1]
    a, b, eo = coords[:-1][same], coords[1:][same], owner[:-1][same]
    length = np.hypot(*(b - a).T)
    order = np.lexsort((-length, eo))
    a, b, eo, length = a[order], b[order], eo[order], length[order]
    first = np.r_[True, eo[1:] != eo[:-1]]
    rank = np.arange(len(eo)) - np.maximum.accumulate(np.where(first, np.arange(len(eo)), 0))
    sel = (rank < 2) & single[eo] & (length >= 10.0)
    lines = shapely.linestrings(np.stack([a[sel], b[sel]], axis=1))
    line_owner = eo[sel]
    line_len = length[sel]
    main = park.buildings[park.buildings["main"]] if not park.buildings.empty else park.buildings
    btree = shapely.STRtree(np.asarray(main.geometry.values)) if len(main) else None
    gtree = (
        shapely.STRtree(np.asarray(park.plot_green.geometry.values))
        if not park.plot_green.empty
        else None
    )
    strip_rows: list[tuple[int, float, float, Any]] = []
    for w in sorted(widths):
        band = shapely.buffer(lines, w, cap_style="flat", join_style="mitre")
        rows = ind[line_owner]
        pieces = _polygonal(shapely.intersection(geoms[rows], band))
        parea = shapely.area(pieces)
        ok = (parea >= 0.8 * w * line_len) & (parea <= 0.5 * areas[rows])
        if btree is not None:
            s_idx, b_idx = btree.query(pieces, predicate="intersects")
            if len(s_idx):
                hit = shapely.area(
                    shapely.intersection(pieces[s_idx], np.asarray(main.geometry.values)[b_idx])
                )
                clash = np.bincount(s_idx, weights=hit, minlength=len(pieces)) > 0.5
                ok &= ~clash
        pg_strip = np.zeros(len(pieces))
        if gtree is not None:
            s_idx, g_idx = gtree.query(pieces, predicate="intersects")
            if len(s_idx):
                inter = shapely.area(
                    shapely.intersection(
                        pieces[s_idx], np.asarray(park.plot_green.geometry.values)[g_idx]
                    )
                )
                pg_strip = np.bincount(s_idx, weights=inter, minlength=len(pieces))
        rest = areas[rows] - parea
        keeps_density = ~dens_ok[rows] | (
            footprint[rows] / np.maximum(rest, 1e-9) <= limit[rows] + 1e-9
        )
        keeps_green = ~green_ok[rows] | (
            (pg[rows] - pg_strip) / np.maximum(rest, 1e-9) >= green_limit - 1e-9
        )
        ok &= keeps_density & keeps_green
        for k in np.flatnonzero(ok):
            strip_rows.append((int(rows[k]), float(parea[k]), float(pg_strip[k]), pieces[k]))
    by_plot: dict[int, list[tuple[float, float, Any]]] = {}
    for row, area, pgs, geom in strip_rows:
        by_plot.setdefault(row, []).append((area, pgs, geom))
    tenants = lu["tenant"] if "tenant" in lu.columns else None
    has_tenant = (
        (tenants.notna() & (tenants.astype(str).str.strip() != "")).to_numpy()
        if tenants is not None
        else np.zeros(len(lu), dtype=bool)
    )
    for i in ind:
        c_unit = unit_cost[i] if has_cost else 1.0
        out.add(
            "whole",
            ids[i],
            group,
            float(areas[i]),
            float(plot_green[i]),
            "industrial",
            float(c_unit * areas[i]),
            None,
            tenant=bool(has_tenant[i]),
        )
        for area, pgs, geom in by_plot.get(int(i), []):
            out.add("strip", ids[i], group, area, pgs, "industrial", float(c_unit * area), geom)
        group += 1
    return out


def _threshold(cset: CriteriaSet, indicator: str, default: float) -> float:
    for c in cset.criteria:
        if c.indicator == indicator and not isinstance(c.threshold, dict):
            return float(c.threshold)
    return default


def _param(cset: CriteriaSet, indicator: str, key: str, default: float) -> float:
    for c in cset.criteria:
        if c.indicator == indicator and c.params.get(key) is not None:
            return float(c.params[key])
    return default


def _cut_area(poly: Any, area_m2: float) -> tuple[Any, Any]:
    """Cut a piece of ``area_m2`` off a polygon with a straight line across its long axis.

    The cut line runs across the polygon's minimum rotated rectangle; its position is found
    by bisection (to 0.001 m²). Returns the piece and the rest.
    """
    import numpy as np
    import shapely

    if area_m2 >= poly.area - 1e-3:
        return poly, shapely.Polygon()
    rect = np.asarray(shapely.minimum_rotated_rectangle(poly).exterior.coords)[:4]
    e1, e2 = rect[1] - rect[0], rect[2] - rect[1]
    axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    u = axis / np.hypot(*axis)
    v = np.array([-u[1], u[0]])
    pts = np.asarray(shapely.get_coordinates(poly))
    along = pts @ u
    lo, hi = float(along.min()), float(along.max())
    span = float(np.ptp(pts @ v)) + 10.0
    mid_v = float((pts @ v).mean())

    def piece(t: float) -> Any:
        a, b = lo - 1.0, t
        quad = shapely.Polygon(
            [
                a * u + (mid_v - span) * v,
                b * u + (mid_v - span) * v,
                b * u + (mid_v + span) * v,
                a * u + (mid_v + span) * v,
            ]
        )
        return shapely.intersection(poly, quad)

    left, right = lo, hi
    for _ in range(80):
        t = (left + right) / 2
        got = piece(t).area
        if abs(got - area_m2) < 1e-3:
            break
        left, right = (t, right) if got < area_m2 else (left, t)
    cut = piece(t)
    # Never less than asked: nudge forward until the piece holds the area.
    while cut.area < area_m2 and t < hi:
        t = min(t + 1e-3, hi)
        cut = piece(t)
    from .park import _polygonal

    cut = _polygonal(np.array([cut], dtype=object))[0]
    rest = _polygonal(np.array([shapely.difference(poly, cut)], dtype=object))[0]
    return cut, rest
