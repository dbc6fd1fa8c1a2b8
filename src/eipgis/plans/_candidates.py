"""Candidate actions for the optimizer: pieces of land that may change class, and cutting them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._validate import ids_text
from ..landuse import CLASSES, LABELS
from ._bound import classes_of as _classes_of
from ._bound import lower_bound_m2

if TYPE_CHECKING:
    from ..criteria import CriteriaSet
    from ..park import Park

#: How many industrial plots at most enter the choice (cheapest first).
MAX_PLOTS = 2_000
#: Depths (m) at which a frontage strip's cost rises by a hair, so that the programme widens
#: many plots' strips evenly before it cuts deep into a few.
FRONTAGE_TIERS_M = (5.0, 10.0, 20.0, 40.0)


@dataclass
class _Candidates:
    """Pieces of land that may change class: one row each."""

    kind: list[str] = field(default_factory=list)  # unassigned, reserve, whole, frontage
    parcel: list[str] = field(default_factory=list)  # parcel id ('' for unassigned land)
    group: list[int] = field(default_factory=list)  # candidates of one parcel exclude each other
    area: list[float] = field(default_factory=list)
    plot_green: list[float] = field(default_factory=list)
    old: list[str] = field(default_factory=list)  # class before ('unassigned')
    cost: list[float] = field(default_factory=list)
    geometry: list[Any] = field(default_factory=list)
    tenant: list[bool] = field(default_factory=list)  # the parcel has a listed tenant
    tiers: list[list[float]] = field(default_factory=list)  # frontage: m² per depth tier
    depth: list[float] = field(default_factory=list)  # frontage: the deepest strip (m)
    road: list[bool] = field(default_factory=list)  # frontage: along a road (not its longest edge)
    green_short: list[bool] = field(default_factory=list)  # the plot fails the plot-green floor

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
        tiers: list[float] | None = None,
        depth: float = 0.0,
        road: bool = False,
        green_short: bool = False,
    ) -> None:
        self.road.append(road)
        self.green_short.append(green_short)
        self.tenant.append(tenant)
        self.tiers.append(tiers if tiers is not None else [area])
        self.depth.append(depth)
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


def _need_by_class(shares: list[Any], needs: dict[str, float]) -> float:
    """Shortfalls (m²) that no single square metre can serve twice (the one lower bound)."""
    return lower_bound_m2(shares, needs)


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
        {
            "op": "rezone",
            "parcels": parcels,
            "to": k,
            "note": f"Whole industrial plots become {k}, chosen in bulk ({LABELS[k]['vi']})",
        }
        for k, parcels in given.items()
    ]


def _candidates(
    park: Park,
    cset: CriteriaSet,
    needs: dict[str, float],
    shares: list[Any],
    notes: list[str],
) -> _Candidates:
    """Unassigned land, reserve parcels, frontage strips of industrial plots and whole plots."""
    import numpy as np
    import shapely

    from ..indicators import _covered_m2, plot_building_density
    from ..park import _polygonal

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
    # What reserve and unassigned land cannot give must come from industrial plots.
    free = park.unassigned_m2 + float(areas[cls == "reserve"].sum())
    plot_need = max(_need_by_class(shares, needs) - free, 0.0)

    # Unassigned land (free).
    if park.unassigned_m2 >= 1.0:
        free = shapely.difference(park.boundary_geometry, shapely.union_all(geoms))
        for g in shapely.get_parts(_polygonal(np.array([free], dtype=object))[0]):
            if g.area >= 1.0:
                out.add("unassigned", "", group, float(g.area), 0.0, "unassigned", 0.0, g)
                group += 1
    # Reserve parcels (free of industrial land; pay their conversion cost if they carry one).
    # Industrial plots: cheapest per m² first, at most MAX_PLOTS, enough to cover the need thrice.
    ind = np.flatnonzero((cls == "industrial") & np.isfinite(unit_cost))
    cost_per_m2 = unit_cost[ind] if has_cost else np.ones(len(ind))
    ind = ind[np.lexsort((-areas[ind], cost_per_m2))]
    take = int(np.searchsorted(np.cumsum(areas[ind]), 3.0 * total_need)) + 1
    ind = ind[: min(max(take, 50), MAX_PLOTS, len(ind))]
    # Plot green inside the parcels that may change (only those: the layer can be large).
    plot_green = np.zeros(len(lu))
    weighed = np.concatenate([np.flatnonzero(cls == "reserve"), ind])
    if len(weighed) and not park.plot_green.empty:
        plot_green[weighed] = _covered_m2(lu.iloc[weighed], park.plot_green).to_numpy()
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
    if not len(ind):
        return out
    density = plot_building_density(park, classes=list(CLASSES))
    dens_limit = _plot_limit(cset, "density", 0.70)
    tall_limit = _plot_limit(cset, "density", 0.60, param="tall_limit")
    green_limit = _plot_limit(cset, "green", 0.20)
    per_plot = density.per_feature
    assert per_plot is not None, "plot_building_density is measured per parcel"
    footprint = per_plot["footprint_m2"].to_numpy()
    tall = per_plot["over_5_floors"].to_numpy()
    limit = np.where(tall, tall_limit, dens_limit)
    pg = plot_green
    dens_ok = footprint / areas <= limit + 1e-9
    green_ok = pg / areas >= green_limit - 1e-9

    # Frontage strips: a band of continuous depth along the plot's road frontage.
    tenants = lu["tenant"] if "tenant" in lu.columns else None
    has_tenant = (
        (tenants.notna() & (tenants.astype(str).str.strip() != "")).to_numpy()
        if tenants is not None
        else np.zeros(len(lu), dtype=bool)
    )
    polys = geoms[ind]
    front, dmax, on_road = _frontage(park, ind)
    breaks = [d for d in FRONTAGE_TIERS_M if d < float(dmax.max(initial=0.0))]
    depths = np.minimum.outer(np.array([*breaks, np.inf]), dmax).T  # plots × tiers
    cum = np.zeros(depths.shape)
    pg_max = np.zeros(len(ind))
    has = ~shapely.is_empty(front)
    for t in range(depths.shape[1]):
        band = shapely.buffer(front[has], depths[has, t], cap_style="flat", join_style="mitre")
        cut = _polygonal(shapely.intersection(polys[has], band))
        cum[has, t] = shapely.area(cut)
        if t == depths.shape[1] - 1 and not park.plot_green.empty:
            cut_df = park.landuse.iloc[ind[has]].set_geometry(cut, crs=lu.crs)
            pg_max[has] = _covered_m2(cut_df, park.plot_green).to_numpy()
    rows = ind
    a_plot = areas[rows]
    full = cum[:, -1]
    cap = np.minimum(full, 0.5 * a_plot)
    # A strip may not push a plot that meets the density or plot-green rule past it.
    cap = np.where(dens_ok[rows], np.minimum(cap, a_plot - footprint[rows] / limit[rows]), cap)
    frac = np.divide(pg_max, full, out=np.zeros(len(rows)), where=full > 0)
    # Plot green is often planted along the road: a shallow strip may be all green even when
    # the deepest one is mostly not, so where the band holds any plot green the cap assumes
    # the strip is all green (what the plot keeps must stay at its floor, with 0.5 m² to spare
    # so that rounding cannot tip it under).
    green_cap = np.where(
        pg_max > 1e-6, (pg[rows] - green_limit * a_plot - 0.5) / (1.0 - green_limit), np.inf
    )
    cap = np.where(green_ok[rows], np.minimum(cap, green_cap), cap)
    cap = np.where(has, np.maximum(cap, 0.0), 0.0)
    tiers = np.diff(np.minimum(cum, cap[:, None]), axis=1, prepend=0.0)
    # Whole plots cost as much per m² as their strips: they only matter where the strips of the
    # weighed plots cannot cover the need (the programme stays a plain LP otherwise).
    # Enough of the first plots to cover twice what the strips cannot (binaries are dear).
    short = plot_need - float(cap[cap >= 1.0].sum()) / 1.5
    k_whole = 0 if short <= 0 else int(np.searchsorted(np.cumsum(a_plot), 2.0 * short)) + 50
    for n, i in enumerate(ind):
        c_unit = unit_cost[i] if has_cost else 1.0
        if n < k_whole:
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
        if cap[n] >= 1.0:
            out.add(
                "frontage",
                ids[i],
                group,
                float(cap[n]),
                float(frac[n] * cap[n]),
                "industrial",
                float(c_unit * cap[n]),
                front[n],
                tiers=[float(v) for v in tiers[n] if v > 0],
                depth=float(dmax[n]),
                road=bool(on_road[n]),
                green_short=not bool(green_ok[i]),
            )
        group += 1
    return out


def _frontage(park: Park, rows: Any) -> tuple[Any, Any, Any]:
    """The road frontage of each plot in ``rows`` and how deep a strip along it may go.

    The frontage is the part of the plot's outline within 1 cm of a traffic parcel; a plot
    that touches no road uses its longest straight edge (``on_road`` false). The depth stops at the nearest main
    building (a strip never cuts one) and at the plot's own size.
    """
    import numpy as np
    import shapely

    lu = park.landuse
    geoms = np.asarray(lu.geometry.values)[rows]
    n = len(rows)
    traffic = np.asarray(lu.geometry.values)[lu["landuse_class"].to_numpy() == "traffic"]
    lines = np.empty(n, dtype=object)
    lines[:] = None
    if len(traffic):
        tree = shapely.STRtree(traffic)
        pi, ti = tree.query(geoms, predicate="intersects")
        if len(pi):
            touch = shapely.intersection(
                shapely.boundary(geoms[pi]), shapely.buffer(traffic[ti], 0.01)
            )
            parts, owner = shapely.get_parts(touch, return_index=True)
            lines_only = shapely.get_type_id(parts) == 1
            # Straight segments of at least 1 m: the centimetre stubs round a corner go.
            xy, seg_of = shapely.get_coordinates(parts[lines_only], return_index=True)
            same = seg_of[1:] == seg_of[:-1]
            a, b = xy[:-1][same], xy[1:][same]
            long = np.hypot(*(b - a).T) >= 1.0
            parts = shapely.linestrings(np.stack([a[long], b[long]], axis=1))
            owner = pi[owner[lines_only]][seg_of[:-1][same][long]]
            if len(parts):
                order = np.argsort(owner, kind="stable")
                parts, owner = parts[order], owner[order]
                uniq = np.unique(owner)
                lines[uniq] = shapely.multilinestrings(parts, indices=np.searchsorted(uniq, owner))
    on_road = np.array([g is not None for g in lines], dtype=bool)
    missing = np.flatnonzero(~on_road)
    if len(missing):  # no road: the longest straight edge
        rings = shapely.get_exterior_ring(
            shapely.get_geometry(shapely.simplify(geoms[missing], 0.05), 0)
        )
        coords, owner = shapely.get_coordinates(rings, return_index=True)
        same = owner[1:] == owner[:-1]
        a, b, eo = coords[:-1][same], coords[1:][same], owner[:-1][same]
        length = np.hypot(*(b - a).T)
        best = np.full(len(missing), -1)
        order = np.lexsort((-length, eo))
        first = np.r_[True, eo[order][1:] != eo[order][:-1]]
        best[eo[order][first]] = order[first]
        edge = shapely.linestrings(np.stack([a[np.maximum(best, 0)], b[np.maximum(best, 0)]], 1))
        lines[missing] = np.where(best >= 0, edge, shapely.MultiLineString())
    lines = lines.astype(object)
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    depth = np.hypot(xmax - xmin, ymax - ymin)
    main = park.buildings[park.buildings["main"]] if not park.buildings.empty else None
    if main is not None and len(main):
        bgeoms = np.asarray(main.geometry.values)
        pi, bi = shapely.STRtree(bgeoms).query(geoms, predicate="intersects")
        if len(pi):
            dist = shapely.distance(lines[pi], bgeoms[bi])
            np.minimum.at(depth, pi, np.nan_to_num(dist, nan=np.inf))
    return lines, depth, on_road


def _cut_frontage(plots: Any, lines: Any, depth_max: Any, amounts: Any) -> list[Any]:
    """Cut strips along each plot's frontage: ``amounts[i]`` lists the m² of consecutive bands
    (the first next to the road); each band holds at least its area. Returns a list of bands
    per plot. The depths are found together by bisection (vectorised over plots)."""
    import numpy as np
    import shapely

    from ..park import _polygonal

    n = len(plots)
    width = max(len(a) for a in amounts) if n else 0
    targets = np.zeros((n, width))
    for i, a in enumerate(amounts):
        targets[i, : len(a)] = np.cumsum(a)
    out_depths = np.zeros((n, width))

    def strip(depth: Any, idx: Any) -> Any:
        band = shapely.buffer(lines[idx], depth, cap_style="flat", join_style="mitre")
        return _polygonal(shapely.intersection(plots[idx], band))

    for t in range(width):
        idx = np.flatnonzero(targets[:, t] > 0)
        goal = targets[idx, t]
        # Regula falsi (Illinois), bracketing: the area grows almost linearly with the depth,
        # so a few rounds find it; ``hi`` always holds at least the area asked for.
        lo, f_lo = np.zeros(len(idx)), -goal
        hi = np.asarray(depth_max, dtype=float)[idx].copy()
        f_hi = shapely.area(strip(hi, idx)) - goal
        side = np.zeros(len(idx))
        for _ in range(60):
            live = (f_hi > 1e-3) & (hi - lo > 1e-9)
            if not live.any():
                break
            k = np.flatnonzero(live)
            mid = hi[k] - f_hi[k] * (hi[k] - lo[k]) / (f_hi[k] - f_lo[k])
            mid = np.where((mid > lo[k]) & (mid < hi[k]), mid, (lo[k] + hi[k]) / 2)
            f_mid = shapely.area(strip(mid, idx[k])) - goal[k]
            up = f_mid >= 0
            hk, lk = k[up], k[~up]
            hi[hk], f_hi[hk] = mid[up], f_mid[up]
            f_lo[hk] = np.where(side[hk] == 1, f_lo[hk] / 2, f_lo[hk])
            side[hk] = 1
            lo[lk], f_lo[lk] = mid[~up], f_mid[~up]
            f_hi[lk] = np.where(side[lk] == -1, f_hi[lk] / 2, f_hi[lk])
            side[lk] = -1
        out_depths[idx, t] = hi
    result: list[list[Any]] = []
    cuts = [strip(out_depths[:, t], np.arange(n)) for t in range(width)]
    for i in range(n):
        bands, prev = [], shapely.Polygon()
        for t in range(len(amounts[i])):
            bands.append(_polygonal(np.array([shapely.difference(cuts[t][i], prev)]))[0])
            prev = cuts[t][i]
        result.append(bands)
    return result


def _plot_limit(cset: CriteriaSet, kind: str, default: float, *, param: str | None = None) -> float:
    """The threshold (or ``param``) of the first criterion whose indicator the registry marks as
    the per-plot ``kind`` limit (:attr:`eipgis.indicators.Indicator.plot_limit`), else ``default``."""
    from ..indicators import INDICATORS

    for c in cset.criteria:
        if INDICATORS[c.indicator].plot_limit != kind:
            continue
        if param is None and not isinstance(c.threshold, dict):
            return float(c.threshold)
        if param is not None and c.params.get(param) is not None:
            return float(c.params[param])
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

    # Bisection that keeps ``right`` at a cut holding at least the area: never less than asked,
    # and never more by a visible sliver (the rest may be another class's share of the parcel).
    left, right = lo, hi
    for _ in range(80):
        t = (left + right) / 2
        got = piece(t).area
        if got >= area_m2:
            right = t
            if got - area_m2 < 1e-4:
                break
        else:
            left = t
    t = right
    cut = piece(t)
    from ..park import _polygonal

    cut = _polygonal(np.array([cut], dtype=object))[0]
    rest = _polygonal(np.array([shapely.difference(poly, cut)], dtype=object))[0]
    return cut, rest
