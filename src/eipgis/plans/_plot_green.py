"""Plot green for the optimizer: green planted inside the plots that fail a plot-green criterion.

A failing plot gets exactly its need, ``threshold × area − plot green already there`` (plus the
programme's safety margin), as one band grown from the plot's back and side edges (its outline
less the road frontage) into its open ground: never under a building (so the plot's building
density is unchanged) and never over green already planted. The depth of each band is solved
continuously, vectorised over plots, as the frontage strips are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._validate import ids_text
from ..errors import InfeasibleError

if TYPE_CHECKING:
    from ..criteria import ComplianceReport
    from ..park import Park

def planted_indicators() -> list[str]:
    """Indicators whose criteria plot-green planting serves (the registry's ``target="plot_green"``)."""
    from ..indicators import INDICATORS

    return [name for name, ind in INDICATORS.items() if ind.target == "plot_green"]


@dataclass
class Planting:
    """What the plot-green part of a plan plants."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    #: m² planted per plot id.
    planted_m2: dict[str, float] = field(default_factory=dict)


def plot_green_criteria(criteria: list[Any]) -> list[Any]:
    """The criteria among ``criteria`` that planting inside plots can meet (a floor per plot)."""
    planted = planted_indicators()
    return [
        c
        for c in criteria
        if c.indicator in planted
        and c.op in (">=", ">")
        and not isinstance(c.threshold, dict)
    ]


def plot_green_bound_m2(baseline: ComplianceReport, criteria: list[Any]) -> float:
    """The bare plot-green deficit (m²): the largest gap of the criteria, as the park is."""
    need = 0.0
    for c in criteria:
        r = baseline[c.id]
        if r.passed is False:
            need = max(need, float(r.gap.get("area_ha", 0.0)) * 1e4)
    return need


def _needs(park: Park, criteria: list[Any], margin_m2: float) -> dict[str, float]:
    """m² each plot must plant so that every criterion passes (the largest need wins)."""
    from ..indicators import INDICATORS

    needs: dict[str, float] = {}
    for c in criteria:
        pf = INDICATORS[c.indicator].function(park, **c.params).per_feature
        if pf is None or pf.empty:
            continue
        limit = pf["limit"].fillna(float(c.threshold)) if "limit" in pf else float(c.threshold)
        short = (limit - pf["value"]) * pf["extent_m2"]
        failing = (short > 1e-6).to_numpy()
        for pid, m2 in zip(pf.index[failing].astype(str), short[failing], strict=True):
            needs[pid] = max(needs.get(pid, 0.0), float(m2) + margin_m2)
    return needs


def replant_rates(criteria: list[Any], cand: Any) -> dict[int, float]:
    """For each frontage strip of a plot short of plot green (``cand.green_short``, measured
    after the strip of the boundary) when ``criteria`` plant it: the plot green the strip makes
    the plot plant per m² of strip.

    A strip of ``s`` m² changes the plot's need ``t × area − green`` by ``green taken − t × s``.
    As for the strips' caps, a strip whose band holds any plot green is taken to be all green
    (a rate of ``1 − t``); one holding none lowers the need (``−t``). Plots that pass get no
    rate: their strips may not push them under the floor.
    """
    if not criteria:
        return {}
    t = max(float(c.threshold) for c in criteria)
    return {
        j: (1.0 if cand.plot_green[j] > 1e-6 else 0.0) - t
        for j in range(len(cand))
        if cand.kind[j] == "frontage" and cand.green_short[j]
    }


def plant(
    park: Park, criteria: list[Any], *, margin_m2: float, notes: list[str]
) -> Planting:
    """Plot green sized to each failing plot's need, as one ``plot_green`` scenario operation.

    ``park`` is the park after the plan's land changes (strips and rezoned plots change what a
    plot must plant).

    Raises
    ------
    InfeasibleError
        When a plot's open ground (its area less buildings and plot green) is smaller than its
        need: names the plots and what they lack.
    """
    import numpy as np
    import shapely

    from ..park import _polygonal
    from ._candidates import _cut_frontage, _frontage

    out = Planting()
    needs = _needs(park, criteria, margin_m2)
    if not needs:
        return out
    lu = park.landuse
    ids = lu["parcel_id"].astype(str)
    rows = np.flatnonzero(ids.isin(set(needs)).to_numpy())  # hashed: np.isin on str is O(n·m)
    ids = ids.to_numpy()
    plots = np.asarray(lu.geometry.values)[rows]
    goal = np.array([needs[p] for p in ids[rows]])
    open_ground = _open_ground(park, plots)
    free = shapely.area(open_ground)
    # Open ground within the margin of the need is planted whole (the need itself is met).
    short = free < goal - margin_m2 - 1e-6
    goal = np.where(short, goal, np.minimum(goal, free))
    if short.any():
        ids_short = ids[rows][short]
        lack = ", ".join(
            f"{p} needs {g:,.0f} m², has {f:,.0f} m² of open ground"
            for p, g, f in zip(
                ids_short[:5], goal[short][:5] - margin_m2, free[short][:5], strict=True
            )
        )
        names = ", ".join(c.id for c in criteria)
        raise InfeasibleError(
            f"{names} cannot be met by planting inside the plots: {lack}"
            + (f" and {len(ids_short) - 5} more" if len(ids_short) > 5 else "")
            + " (buildings cover the rest). Fix: free ground in these plots (edit the park), "
            f"or leave {names} out of the targets (--target)."
        )
    # Seeds: the back and side edges (the outline less the road frontage).
    front, _, on_road = _frontage(park, rows)
    outline = shapely.boundary(plots)
    seeds = outline.copy()
    if on_road.any():
        back = shapely.difference(outline[on_road], shapely.buffer(front[on_road], 0.05))
        seeds[on_road] = np.where(shapely.length(back) >= 1.0, back, outline[on_road])
    xmin, ymin, xmax, ymax = shapely.bounds(plots).T
    depth_max = np.hypot(xmax - xmin, ymax - ymin)
    band_max = _polygonal(
        shapely.intersection(
            open_ground, shapely.buffer(seeds, depth_max, cap_style="flat", join_style="mitre")
        )
    )
    # Where flat-ended bands from the back edges cannot reach enough ground: the whole outline.
    seeds = np.where(shapely.area(band_max) < goal, outline, seeds)
    # A tight upper bracket for the depth (twice the need over the seed's length, where that
    # holds the need) saves the solver most of its rounds.
    guess = np.minimum(depth_max, 2.0 * goal / np.maximum(shapely.length(seeds), 1e-9))
    held = shapely.area(
        shapely.intersection(
            open_ground, shapely.buffer(seeds, guess, cap_style="flat", join_style="mitre")
        )
    )
    depth_hi = np.where(held >= goal, guess, depth_max)
    bands = _cut_frontage(open_ground, seeds, depth_hi, [[g] for g in goal])
    pieces = np.array([b[0] for b in bands], dtype=object)
    for pid, piece in zip(ids[rows], pieces, strict=True):
        out.planted_m2[str(pid)] = float(piece.area)
    geom = shapely.set_precision(shapely.union_all(pieces), 1e-6)
    planted = sum(out.planted_m2.values())
    names = ", ".join(c.id for c in criteria)
    out.operations.append(
        {
            "op": "plot_green",
            "geometry": shapely.to_wkt(geom, rounding_precision=6),
            "name": "Plot green",
            "note": (
                f"{names}: plot green planted inside {len(rows)} plot(s), "
                f"{planted / 1e4:,.2f} ha (cây xanh trong lô): {ids_text(ids[rows], 20)}"
            ),
        }
    )
    notes.append(
        f"plot green planted inside {len(rows)} plot(s) failing {names}: "
        f"{planted / 1e4:,.2f} ha along their back and side edges, clear of buildings; "
        "the land stays industrial"
    )
    return out


def _open_ground(park: Park, plots: Any) -> Any:
    """Each plot less the buildings and the plot green on it (vectorised over plots)."""
    import numpy as np
    import shapely

    from ..park import _polygonal

    taken = [
        np.asarray(frame.geometry.values)
        for frame in (park.buildings, park.plot_green)
        if not frame.empty
    ]
    if not taken:
        return plots.copy()
    parts = shapely.get_parts(np.concatenate(taken))
    pi, gi = shapely.STRtree(parts).query(plots, predicate="intersects")
    if len(pi) == 0:
        return plots.copy()
    order = np.argsort(pi, kind="stable")
    pi, gi = pi[order], gi[order]
    owners = np.unique(pi)
    cover = shapely.multipolygons(parts[gi], indices=np.searchsorted(owners, pi))
    # Buildings and green may overlap each other: buffer(0) merges the parts into one cover.
    cover = shapely.buffer(cover, 0.0)
    out = plots.copy()
    out[owners] = _polygonal(shapely.difference(plots[owners], cover))
    return out
