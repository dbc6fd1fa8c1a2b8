"""The optimizer: the cheapest restructuring meeting the land-share and isolation-strip criteria."""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._validate import ids_text
from .errors import InputError
from .landuse import CLASSES, LABELS

if TYPE_CHECKING:
    from .criteria import ComplianceReport, CriteriaSet
    from .park import Park
    from .scenario import Scenario

__all__ = ["TARGETED_INDICATORS", "InfeasibleError", "Plan", "optimize"]

#: Indicators the optimizer makes pass (land shares and the isolation strip).
TARGETED_INDICATORS = ("landuse_share", "green_cover_share", "isolation_strip")
#: Widths (m) of the strips the optimizer may carve along the edge of an industrial plot.
STRIP_WIDTHS_M = (5.0, 10.0, 20.0)
#: How many industrial plots at most enter the choice (cheapest first).
MAX_PLOTS = 2_000
# Safety margin (m²) on every target so that rounding in the written file cannot flip a result.
_MARGIN_M2 = 0.5
# The solver stops when its plan is proven within this share of the best possible objective.
_GAP = 1e-3


class InfeasibleError(InputError):
    """No restructuring from the candidate actions meets the criteria; the message says why."""


@dataclass(frozen=True)
class Plan:
    """The optimizer's restructuring and how good it is.

    Attributes
    ----------
    scenario : Scenario
        The plan as a scenario (write it with ``scenario.to_yaml()``).
    baseline, report : ComplianceReport
        The criteria before and after the plan (the plan is applied and re-checked, exactly as
        ``eipgis scenario run`` does).
    lower_bound_ha : float
        The bare area deficits: land that must change class whatever the plan (the strip's
        ungreen band, then each land-share shortfall).
    plan_ha : float
        Land that the plan changes class.
    ratio : float
        ``plan_ha / lower_bound_ha`` (1.0 when nothing is needed).
    industrial_lost_ha : float
        Industrial (leasable) land the plan converts.
    industrial_lost_bound_ha : float
        The least industrial land any plan from the same candidate actions could lose
        (the deficits less the reserve, unassigned and non-industrial band land).
    cost : float or None
        Total ``conversion_cost`` when the parcels carry one.
    targeted : list of str
        Ids of the criteria the plan is built to meet.
    """

    scenario: Scenario
    baseline: ComplianceReport
    report: ComplianceReport
    lower_bound_ha: float
    plan_ha: float
    ratio: float
    industrial_lost_ha: float
    industrial_lost_bound_ha: float
    cost: float | None
    targeted: list[str]
    solver: str
    seconds: float
    candidates: int
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every targeted criterion passes after the plan."""
        return all(self.report[c].passed for c in self.targeted)

    def summary(self, *, lang: str = "en") -> str:
        """A few lines for the terminal."""
        vi = lang == "vi"
        lines = [
            (self.scenario.name_vi or self.scenario.name) if vi else self.scenario.name,
            ("  cận dưới (thiếu hụt diện tích): " if vi else "  lower bound (bare area deficits): ")
            + f"{self.lower_bound_ha:,.2f} ha",
            ("  diện tích chuyển đổi: " if vi else "  land changing class: ")
            + f"{self.plan_ha:,.2f} ha ("
            + ("tỷ lệ so với cận dưới " if vi else "ratio to the bound ")
            + f"{self.ratio:,.3f})",
            ("  đất công nghiệp giảm: " if vi else "  industrial land lost: ")
            + f"{self.industrial_lost_ha:,.2f} ha ("
            + ("tối thiểu " if vi else "at least ")
            + f"{self.industrial_lost_bound_ha:,.2f} ha)",
        ]
        if self.cost is not None:
            lines.append(
                ("  chi phí chuyển đổi: " if vi else "  conversion cost: ") + f"{self.cost:,.0f}"
            )
        for cid in self.targeted:
            r = self.report[cid]
            b = self.baseline[cid]
            ok = ("ĐẠT" if vi else "PASS") if r.passed else ("KHÔNG ĐẠT" if vi else "FAIL")
            lines.append(f"  {cid}: {b.value:.4f} → {r.value:.4f} {ok}")
        lines.append(f"  solver: {self.solver}, {self.candidates} candidates, {self.seconds:.2f} s")
        lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


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


def _target_criteria(cset: CriteriaSet, only: list[str] | None) -> tuple[list[Any], list[Any]]:
    shares, strips = [], []
    for c in cset.criteria:
        if only is not None and c.id not in only:
            continue
        if c.indicator == "isolation_strip":
            strips.append(c)
        elif c.indicator in ("landuse_share", "green_cover_share") and not isinstance(
            c.threshold, dict
        ):
            shares.append(c)
    if only is not None:
        known = {c.id for c in shares + strips}
        bad = [c for c in only if c not in known]
        if bad:
            raise InputError(
                f"--target {', '.join(bad)}: not a land-share or isolation-strip criterion of "
                f"{cset.id}. Fix: use one of {', '.join(sorted(known)) or 'none'}."
            )
    return shares, strips


def _classes_of(crit: Any) -> list[str]:
    default = (
        ["green"] if crit.indicator in ("isolation_strip", "green_cover_share") else ["industrial"]
    )
    return list(crit.params.get("classes", default))


def _numerator(park: Park, crit: Any) -> tuple[float, float]:
    """(measured area, area the share is taken of) of a land-share criterion."""
    from .indicators import INDICATORS

    m = INDICATORS[crit.indicator].function(park, **crit.params)
    return m.value * m.extent_m2, m.extent_m2


def optimize(
    park: Park,
    *,
    criteria: str | os.PathLike[str] | CriteriaSet = "vn-qcvn-01-2021",
    park_ref: str | None = None,
    criteria_ref: str | None = None,
    targets: list[str] | None = None,
    strip_widths_m: tuple[float, ...] = STRIP_WIDTHS_M,
    solver: str = "auto",
    time_limit_s: float = 120.0,
    name: str | None = None,
) -> Plan:
    """The cheapest restructuring that makes the land-share criteria and the isolation strip pass.

    Candidate actions, in the order a planner would try them: the unassigned land and the
    reserve parcels (they cost no industrial land); the band of the isolation strip (all of it
    becomes green); strips of 5, 10 or 20 m carved along the two longest edges of industrial
    plots, so that the rest of each plot stays usable (a strip may not cut a main building, nor
    push a plot that meets the plot-density and plot-green rules past them); and whole
    industrial plots where strips cannot do it. The choice is a mixed-integer programme
    solved with PuLP (HiGHS when ``highspy`` is installed, else CBC): least industrial land
    lost, or least total ``conversion_cost`` when the landuse layer has that column (the cost
    of converting the whole parcel; parts pay pro rata; a missing cost keeps the parcel out).

    Parameters
    ----------
    park : Park
    criteria : str, path or CriteriaSet
        The criteria set; its ``landuse_share``, ``green_cover_share`` and
        ``isolation_strip`` criteria are targeted (or those named in ``targets``).
    park_ref : str, optional
        How the written scenario refers to the park (a path relative to the scenario file).
    criteria_ref : str, optional
        How it refers to the criteria set (default: the set's id, right for built-in sets).
    targets : list of str, optional
        Only these criterion ids.
    strip_widths_m : tuple of float
        Widths of the strips that may be carved along plot edges.
    solver : {"auto", "highs", "cbc"}
    time_limit_s : float
        The solver's time limit.
    name : str, optional
        The scenario's name.

    Returns
    -------
    Plan

    Raises
    ------
    InfeasibleError
        When no plan exists: names the criterion that cannot be met and why.

    Examples
    --------
    >>> import eipgis
    >>> from eipgis.optimize import optimize
    >>> plan = optimize(eipgis.load_park(eipgis.sample_path()))
    >>> plan.passed
    True
    """
    import numpy as np
    import yaml

    from .criteria import check, load_criteria
    from .scenario import Scenario

    started = time.perf_counter()
    cset = load_criteria(criteria)
    shares, strips = _target_criteria(cset, targets)
    targeted = [c.id for c in cset.criteria if c in shares or c in strips]
    baseline = check(park, cset)
    notes: list[str] = []
    operations: list[dict[str, Any]] = []

    # 1. The isolation strip: the whole band becomes green (there is nothing to choose).
    strip_ungreen_m2 = 0.0
    band_industrial_m2 = 0.0
    for c in strips:
        r = baseline[c.id]
        if r.passed:
            continue
        width = float(c.params.get("width_m", 10.0))
        if not any(o["width_m"] >= width for o in operations):
            operations = [o for o in operations if o["width_m"] > width]
            to = _classes_of(c)[0]
            operations.append(
                {
                    "op": "green_strip",
                    "width_m": width,
                    "sides": "all",
                    "to": to,
                    "note": f"{c.id}: the {width:g} m band inside the boundary becomes {to}",
                }
            )
        strip_ungreen_m2 = max(strip_ungreen_m2, (1.0 - r.value) * r.measure.extent_m2)
        if float(c.threshold) < 1.0:
            notes.append(
                f"{c.id} asks for {float(c.threshold):.0%} of the band; "
                "the plan makes all of it green"
            )
    stripped = park
    if operations:
        stripped = Scenario.from_dict(
            {"schema_version": 1, "name": "strip", "operations": operations}
        ).apply(park)
        log = Scenario.from_dict(
            {"schema_version": 1, "name": "strip", "operations": operations}
        ).apply_with_log(park)[1]
        band_industrial_m2 = float(log.loc[log["from"] == "industrial", "area_m2"].sum())

    # 2. What each land-share criterion still lacks.
    needs: dict[str, float] = {}
    numer: dict[str, tuple[float, float]] = {}
    for c in shares:
        n, denom = _numerator(stripped, c)
        numer[c.id] = (n, denom)
        t = float(c.threshold)
        needs[c.id] = (t * denom - n) if c.op in (">=", ">") else (n - t * denom)
    lower = _lower_bound(baseline, shares, strip_ungreen_m2)
    # After the (forced) strip the remaining shortfalls are exact; what reserve and unassigned
    # land cannot fill must come from industrial land, on top of the industrial land in the band.
    free_m2 = stripped.unassigned_m2 + float(
        stripped.landuse.geometry.area[stripped.landuse["landuse_class"] == "reserve"].sum()
    )
    lost_bound_m2 = band_industrial_m2 + max(_need_by_class(shares, needs) - free_m2, 0.0)

    # 3. Candidate actions and the choice.
    chosen: list[tuple[int, str, float]] = []
    cand = _Candidates()
    solver_name = "none (no choice needed)"
    bulk = _bulk_plots(stripped, shares, needs) if any(v > 0 for v in needs.values()) else []
    if bulk:  # a shortfall too large for one exact choice: whole plots first, cheapest first
        operations += bulk
        stripped = Scenario.from_dict(
            {"schema_version": 1, "name": "bulk", "operations": operations}
        ).apply(park)
        for c in shares:
            n, denom = _numerator(stripped, c)
            numer[c.id] = (n, denom)
            t = float(c.threshold)
            needs[c.id] = (t * denom - n) if c.op in (">=", ">") else (n - t * denom)
        count = sum(len(o["parcels"]) for o in bulk)
        notes.append(
            f"{count} whole industrial plots were chosen in bulk (cheapest, then without a "
            "listed tenant, first) before the exact choice, because the shortfall is larger "
            f"than {MAX_PLOTS} plots can cover; the plan may lose up to one plot more than the "
            "least possible"
        )
    if any(v > 0 for v in needs.values()):
        cand = _candidates(stripped, cset, strip_widths_m, needs, shares, notes)
        chosen, solver_name = _solve(cand, shares, numer, needs, solver, time_limit_s)
        operations += _operations(stripped, cand, chosen)

    # 4. The plan as a scenario, read back and applied exactly as `scenario run` does.
    title = name or "Optimized plan"
    data = {
        "schema_version": 1,
        "name": title,
        "name_vi": "Phương án tối ưu",
        "description": (
            "The restructuring that loses the least industrial (leasable) land"
            + (" (or costs least)" if "conversion_cost" in park.landuse.columns else "")
            + ", computed by 'eipgis optimize'. It makes these criteria pass: "
            + ", ".join(targeted)
            + ". It uses reserve and unassigned land first, then the boundary band for the "
            "isolation strip, then strips along the edges of industrial plots, and whole plots "
            "only where strips cannot do it. "
            + _describe(cand, chosen, bool(strips and operations), "en")
        ),
        "description_vi": (
            "Phương án tái cơ cấu mất ít đất công nghiệp (đất cho thuê) nhất, tính bằng 'eipgis "
            "optimize'. Phương án đạt các tiêu chí: "
            + ", ".join(targeted)
            + ". Ưu tiên đất dự trữ và đất chưa giao, sau đó dải đất dọc ranh giới làm dải cây "
            "xanh cách ly, rồi các dải dọc cạnh lô đất công nghiệp; chỉ chuyển cả lô khi không "
            "còn cách khác. "
            + _describe(cand, chosen, bool(strips and operations), "vi")
        ),
        "park": park_ref,
        "criteria": criteria_ref or cset.id,
        "operations": operations,
    }
    data = {k: v for k, v in data.items() if v is not None}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    scenario = Scenario.from_dict(yaml.safe_load(text), source="optimized plan")
    new_park, changes = scenario.apply_with_log(park)
    report = check(new_park, cset)
    land = changes[changes["layer"] == "landuse"]
    plan_m2 = float(land["area_m2"].sum())
    lost_m2 = float(land.loc[land["from"] == "industrial", "area_m2"].sum())
    cost = None
    if "conversion_cost" in park.landuse.columns:
        unit = (
            park.landuse["conversion_cost"].astype(float) / park.landuse.geometry.area
        ).to_numpy()
        pos = {p: i for i, p in enumerate(park.landuse["parcel_id"].astype(str))}
        cost = float(
            sum(
                unit[pos[f]] * a
                for f, a in zip(land["from_feature"], land["area_m2"], strict=True)
                if f in pos and np.isfinite(unit[pos[f]])
            )
        )
    failing = [c for c in targeted if not report[c].passed]
    if failing:  # should not happen: the programme's margins cover rounding
        notes.append(
            "after applying the plan these targeted criteria still fail: " + ", ".join(failing)
        )
    bound_m2 = lower
    return Plan(
        scenario=scenario,
        baseline=baseline,
        report=report,
        lower_bound_ha=bound_m2 / 1e4,
        plan_ha=plan_m2 / 1e4,
        ratio=plan_m2 / bound_m2 if bound_m2 > 0 else 1.0,
        industrial_lost_ha=lost_m2 / 1e4,
        industrial_lost_bound_ha=lost_bound_m2 / 1e4,
        cost=cost,
        targeted=targeted,
        solver=solver_name,
        seconds=time.perf_counter() - started,
        candidates=len(cand),
        notes=notes,
    )


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


def _describe(
    cand: _Candidates, chosen: list[tuple[int, str, float]], strip: bool, lang: str
) -> str:
    """What the plan does, in a planner's words."""
    vi = lang == "vi"
    parts = []
    if strip:
        parts.append(
            "dải cây xanh cách ly khép kín dọc ranh giới"
            if vi
            else "a green isolation strip all along the boundary"
        )
    kinds: dict[tuple[str, str], list[float]] = {}
    for j, k, amount in chosen:
        kinds.setdefault((cand.kind[j], k), []).append(amount)
    names = {
        "unassigned": ("đất chưa giao thành {k}: {ha} ha", "unassigned land becomes {k}: {ha} ha"),
        "reserve": ("đất dự trữ thành {k}: {ha} ha", "reserve land becomes {k}: {ha} ha"),
        "strip": (
            "dải dọc cạnh {n} lô công nghiệp thành {k}: {ha} ha",
            "strips along the edges of {n} industrial plots become {k}: {ha} ha",
        ),
        "whole": (
            "{n} lô công nghiệp chuyển cả lô thành {k}: {ha} ha",
            "{n} whole industrial plot(s) become {k}: {ha} ha",
        ),
    }
    for kind in ("unassigned", "reserve", "strip", "whole"):
        for k in CLASSES:
            amounts = kinds.get((kind, k))
            if amounts:
                label = LABELS[k]["vi" if vi else "en"].lower()
                parts.append(
                    names[kind][0 if vi else 1].format(
                        k=label, n=len(amounts), ha=f"{sum(amounts) / 1e4:,.2f}"
                    )
                )
    if not parts:
        return "Không cần thay đổi." if vi else "Nothing needs to change."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _lower_bound(baseline: ComplianceReport, shares: list[Any], strip_m2: float) -> float:
    """Land that must change class whatever the plan (m²).

    Each square metre changes to one class, so shortfalls of criteria on disjoint class sets
    add up; the strip's ungreen band and the green shortfall overlap (the band may be the new
    green), so only the larger counts. A criterion over several classes is a bound by itself.
    """
    by_class: dict[str, float] = {}
    combined = 0.0
    for c in shares:
        r = baseline[c.id]
        need = r.gap.get("area_ha", 0.0) * 1e4 if not r.passed else 0.0
        classes = _classes_of(c)
        if c.op in ("<=", "<"):
            continue  # a ceiling is met by converting away, which the other bounds already count
        if len(classes) == 1:
            by_class[classes[0]] = max(by_class.get(classes[0], 0.0), need)
        else:
            combined = max(combined, need)
    by_class["green"] = max(by_class.get("green", 0.0), strip_m2)
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


def _solve(
    cand: _Candidates,
    shares: list[Any],
    numer: dict[str, tuple[float, float]],
    needs: dict[str, float],
    solver: str,
    time_limit_s: float,
) -> tuple[list[tuple[int, str, float]], str]:
    """Choose candidates, their new classes and (for divisible land) how much: a MIP (PuLP).

    Reserve and unassigned land is divisible: a continuous area per class. Industrial plots
    are either kept, or lose one strip, or go whole: binary choices.
    """
    import numpy as np
    import pulp

    targets = sorted(
        {cl for c in shares if c.op in (">=", ">") for cl in _classes_of(c)}
        - {"industrial", "reserve"}
    ) or ["green"]
    n = len(cand)
    area = np.array(cand.area)
    pgs = np.array(cand.plot_green)
    cost = np.array(cand.cost)
    divisible = np.array([k in ("reserve", "unassigned") for k in cand.kind], dtype=bool)
    unit = np.divide(cost, area, out=np.zeros(n), where=area > 0)
    # Infeasible on its own? Each criterion against everything the candidates could give it.
    for c in shares:
        need = needs[c.id]
        if need <= 0:
            continue
        cls = set(_classes_of(c))
        k_best = _best(cls, targets)
        gains = [_coef(c, cls, cand.old[j], k_best, area[j], pgs[j]) for j in range(n)]
        best_by_group: dict[int, float] = {}
        for j, g in enumerate(cand.group):
            best_by_group[g] = max(best_by_group.get(g, 0.0), gains[j])
        best = float(sum(best_by_group.values()))
        if best < need - 1e-6:
            raise InfeasibleError(
                f"{c.id} cannot be met: it needs {need / 1e4:,.2f} ha more "
                f"{'/'.join(sorted(cls))} land, but all the reserve, unassigned and industrial "
                f"land that could change class gives only {best / 1e4:,.2f} ha. Fix: add land "
                "to the park, "
                "allow other classes to change (edit the scenario by hand), or relax the criterion."
            )
    prob = pulp.LpProblem("eipgis_restructuring", pulp.LpMinimize)
    # x: binary choice of a discrete piece; y: m² of divisible land given class k.
    x = {
        (j, k): _variable(prob, f"x_{j}_{k}", 0, 1, "Binary")
        for j in np.flatnonzero(~divisible)
        for k in targets
    }
    y = {
        (j, k): _variable(prob, f"y_{j}_{k}", 0, float(area[j]), "Continuous")
        for j in np.flatnonzero(divisible)
        for k in targets
    }
    top = max(float(unit.max()) if n else 1.0, 1.0)
    # Least cost; then least land touched (1e-6 of the dearest m²); then strips before whole
    # plots; and a tenant's whole plot only if it saves more than 1 % of its area elsewhere.
    eps = 1e-6 * top
    penalty = np.where(np.array(cand.kind) == "whole", 1e-7 * top, 0.0)
    penalty += np.where(
        np.array(cand.tenant, dtype=bool) & (np.array(cand.kind) == "whole"), 1e-2 * top, 0.0
    )
    prob += pulp.lpSum(
        (cost[j] + (eps + penalty[j]) * area[j]) * v for (j, _), v in x.items()
    ) + pulp.lpSum((unit[j] + eps) * v for (j, _), v in y.items())
    groups: dict[int, list[int]] = {}
    for j, g in enumerate(cand.group):
        groups.setdefault(g, []).append(j)
    for g, members in groups.items():
        if divisible[members[0]]:
            prob += (
                pulp.lpSum(y[j, k] for j in members for k in targets) <= float(area[members[0]]),
                f"land_{g}",
            )
        else:
            prob += pulp.lpSum(x[j, k] for j in members for k in targets) <= 1, f"one_{g}"
    for c in shares:
        cls = set(_classes_of(c))
        n_now, denom = numer[c.id]
        t = float(c.threshold) * denom
        terms = []
        for (j, k), v in x.items():
            coef = _coef(c, cls, cand.old[j], k, area[j], pgs[j])
            if coef:
                terms.append(coef * v)
        for (j, k), v in y.items():
            coef = _coef(c, cls, cand.old[j], k, area[j], pgs[j]) / max(area[j], 1e-12)
            if coef:
                terms.append(coef * v)
        if c.op in (">=", ">"):
            prob += n_now + pulp.lpSum(terms) >= t + _MARGIN_M2, f"c_{c.id}"
        else:
            prob += n_now + pulp.lpSum(terms) <= t - _MARGIN_M2, f"c_{c.id}"
    backend, label = _backend(solver, time_limit_s)
    with _quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(backend)
    status = pulp.LpStatus[prob.status]
    if status != "Optimal" or prob.sol_status not in (1, 2):
        raise InfeasibleError(
            "no plan meets all the land-share criteria together ("
            + ", ".join(f"{cid} needs {v / 1e4:,.2f} ha" for cid, v in needs.items() if v > 0)
            + f"; solver status {status}): the candidate land cannot serve them all at once. Fix: "
            "relax a criterion or add land the optimizer may convert."
        )
    if prob.sol_status == 2:
        label += f" (time limit {time_limit_s:g} s reached: best plan found, optimality not proven)"
    chosen = [(int(j), k, float(area[j])) for (j, k), v in x.items() if (v.value() or 0) > 0.5]
    chosen += [(int(j), k, float(v.value())) for (j, k), v in y.items() if (v.value() or 0) > 0.01]
    return chosen, label


def _best(classes: set[str], targets: list[str]) -> str:
    for k in targets:
        if k in classes:
            return k
    return targets[0]


def _coef(
    crit: Any, classes: set[str], old: str, new: str, area: float, plot_green: float
) -> float:
    """How much converting a piece from ``old`` to ``new`` adds to a criterion's measured area."""
    delta = float(new in classes) - float(old in classes)
    if delta == 0:
        return 0.0
    if crit.indicator == "green_cover_share":
        return delta * (area - plot_green)
    return delta * area


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence what a solver library prints to the process's stdout (HiGHS prints a banner)."""
    import sys

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (click's runner, QGIS console)
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


def _backend(solver: str, time_limit_s: float) -> tuple[Any, str]:
    import pulp

    if solver in ("auto", "highs"):
        try:
            import highspy  # noqa: F401

            return pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=_GAP), "HiGHS (highspy)"
        except ImportError:
            if solver == "highs":
                raise InputError(
                    "--solver highs: highspy is not installed. "
                    "Fix: pip install highspy, or use --solver cbc."
                ) from None
    if solver not in ("auto", "cbc", "highs"):
        raise InputError(f"--solver {solver}: unknown. Fix: use auto, highs or cbc.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        coin = pulp.COIN_CMD(msg=False, timeLimit=time_limit_s, gapRel=_GAP)
        if coin.available():  # a CBC on the PATH or from the cbcbox package (PuLP 4)
            return coin, "CBC"
        return pulp.PULP_CBC_CMD(
            msg=False, timeLimit=time_limit_s, gapRel=_GAP
        ), "CBC (bundled with PuLP)"


def _variable(prob: Any, name: str, low: float, high: float, cat: str) -> Any:
    """A variable of ``prob`` (PuLP ≥ 3.3 attaches variables to their problem)."""
    import pulp

    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lowBound=low, upBound=high, cat=cat)
    return pulp.LpVariable(name, lowBound=low, upBound=high, cat=cat)


def _operations(
    park: Park, cand: _Candidates, chosen: list[tuple[int, str, float]]
) -> list[dict[str, Any]]:
    """Scenario operations for the chosen candidates: carves of land, rezones of whole parcels."""
    import shapely

    geoms = dict(
        zip(park.landuse["parcel_id"].astype(str), park.landuse.geometry.values, strict=True)
    )
    pieces: dict[tuple[str, str], list[Any]] = {}
    whole: dict[tuple[str, str], list[str]] = {}
    owners: dict[tuple[str, str], list[str]] = {}
    remaining: dict[int, Any] = {}
    for j, k, amount in sorted(chosen, key=lambda t: (t[0], t[1])):
        kind = cand.kind[j]
        if kind in ("reserve", "unassigned"):
            poly = remaining.get(j)
            if poly is None:
                poly = cand.geometry[j] if kind == "unassigned" else geoms[cand.parcel[j]]
            if kind == "reserve" and amount >= cand.area[j] - 0.01 and j not in remaining:
                whole.setdefault((kind, k), []).append(cand.parcel[j])
                remaining[j] = shapely.Polygon()
                continue
            piece, rest = _cut_area(poly, amount)
            remaining[j] = rest
            pieces.setdefault((kind, k), []).append(piece)
            owners.setdefault((kind, k), []).append(cand.parcel[j] or "unassigned")
        elif kind == "whole":
            whole.setdefault((kind, k), []).append(cand.parcel[j])
        else:
            pieces.setdefault((kind, k), []).append(cand.geometry[j])
            owners.setdefault((kind, k), []).append(cand.parcel[j])
    words = {
        "unassigned": "Unassigned land becomes {k}",
        "reserve": "Reserve land becomes {k}",
        "strip": "Strips along the edges of industrial plots become {k}",
        "whole": "Whole industrial plots become {k}",
    }
    ops: list[dict[str, Any]] = []
    for kind in ("unassigned", "reserve", "strip", "whole"):
        for k in CLASSES:
            label = words[kind].format(k=k)
            if (kind, k) in pieces:
                # Touching strips of neighbouring plots merge; a 1 µm grid keeps the WKT valid.
                geom = shapely.set_precision(shapely.union_all(pieces[(kind, k)]), 1e-6)
                ops.append(
                    {
                        "op": "carve",
                        "geometry": shapely.to_wkt(geom, rounding_precision=6),
                        "to": k,
                        "name": label,
                        "note": f"{label} ({LABELS[k]['vi']}): "
                        + ", ".join(dict.fromkeys(owners[(kind, k)])),
                    }
                )
            if (kind, k) in whole:
                ops.append(
                    {
                        "op": "rezone",
                        "parcels": whole[(kind, k)],
                        "to": k,
                        "note": f"{label} ({LABELS[k]['vi']})",
                    }
                )
    return ops


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


def write_plan(plan: Plan, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the plan's scenario file, with its figures as a comment header."""
    from . import io

    head = [
        "# Written by 'eipgis optimize'. Reproduce with: eipgis scenario run " + Path(path).name,
        (
            f"# Lower bound (bare area deficits): {plan.lower_bound_ha:,.4f} ha; "
            f"plan: {plan.plan_ha:,.4f} ha; "
            f"ratio {plan.ratio:,.4f}"
        ),
        (
            f"# Industrial land lost: {plan.industrial_lost_ha:,.4f} ha "
            f"(at least {plan.industrial_lost_bound_ha:,.4f} ha)"
        ),
    ]
    if plan.cost is not None:
        head.append(f"# Conversion cost: {plan.cost:,.0f}")
    return io.write_text(
        path, "\n".join(head) + "\n" + plan.scenario.to_yaml(), overwrite=overwrite
    )
