"""The optimizer: the cheapest restructuring meeting the land-share and isolation-strip criteria."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InfeasibleError, InputError
from ..landuse import CLASSES, LABELS
from ._bound import lower_bound_m2
from ._candidates import (
    MAX_PLOTS,
    _bulk_plots,
    _Candidates,
    _candidates,
    _classes_of,
    _cut_area,
    _cut_frontage,
    _need_by_class,
)
from ._milp import _MARGIN_M2, _solve
from ._plot_green import plant, plot_green_bound_m2, plot_green_criteria, replant_rates

if TYPE_CHECKING:
    from ..criteria import ComplianceReport, CriteriaSet
    from ..park import Park
    from .scenario import Scenario

__all__ = ["InfeasibleError", "Plan", "optimize", "targeted_indicators", "write_plan"]


def targeted_indicators() -> list[str]:
    """Indicators the optimizer makes pass: those the registry marks as a land share or a strip
    (:attr:`eipgis.indicators.Indicator.target`)."""
    from ..indicators import INDICATORS

    return [name for name, ind in INDICATORS.items() if ind.target is not None]
#: A plan further than this above its lower bound says which constraint keeps it there.
GAP_EXPLAINED = 0.10


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
        ungreen band, then each land-share shortfall), plus the plot green that the plots
        failing the plot-green criterion lack as the park is.
    plan_ha : float
        Land that the plan changes class, plus the plot green it plants.
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
    plot_green_ha, plot_green_bound_ha : float
        Plot green the plan plants inside failing plots (the land stays industrial: it is not
        in ``industrial_lost_ha`` nor in ``cost``), and the bare plot-green deficit.
    forced_bound_ha : float
        The strip-forced bound: the bare bound plus the band land of classes with a floor
        (roads, technical land) that the isolation strip must turn green and that their floor
        must then win back elsewhere (:func:`eipgis.plans._bound.lower_bound_m2` proves it).
        No plan converts less land; ``lower_bound_ha`` stays the bare bound the gap is taken to.
        Both add the bare plot-green deficit when plot green is targeted (a plan may plant up to
        20 % of the strips it takes from failing plots less than that).
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
    gap_cause: str | None = None
    plot_green_ha: float = 0.0
    plot_green_bound_ha: float = 0.0
    forced_bound_ha: float = 0.0

    @property
    def gap(self) -> float:
        """How far the plan's converted land lies above the lower bound (0.017 is +1.7 %)."""
        return self.ratio - 1.0

    def gap_text(self, *, lang: str = "en") -> str:
        """'plan converts 18.20 ha; lower bound 17.90 ha; +1.7 %', and the cause when above 10 %."""
        vi = lang == "vi"
        text = (
            f"{'phương án chuyển đổi' if vi else 'plan converts'} {self.plan_ha:,.2f} ha; "
            f"{'cận dưới' if vi else 'lower bound'} {self.lower_bound_ha:,.2f} ha; "
            f"{_percent(self.gap)} %"
        )
        if self.gap_cause:
            text += f" ({'nguyên nhân' if vi else 'because'}: {self.gap_cause})"
        return text

    @property
    def forced_gap(self) -> float:
        """How far the plan lies above the strip-forced bound (0.0: no plan converts less)."""
        bound = max(self.forced_bound_ha, self.lower_bound_ha)
        return self.plan_ha / bound - 1.0 if bound > 0 else 0.0

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
            ("  khoảng cách tới cận dưới: " if vi else "  gap to the bound: ")
            + self.gap_text(lang=lang),
        ]
        if self.forced_bound_ha > self.lower_bound_ha + 1e-4:
            lines.append(
                (
                    "  cận dưới kể cả đất dải cách ly buộc phải lấy: "
                    if vi
                    else "  bound with the strip's forced losses: "
                )
                + f"{self.forced_bound_ha:,.2f} ha ("
                + f"{(self.forced_bound_ha / self.lower_bound_ha - 1) * 100:+.1f} % "
                + ("so với cận dưới; phương án " if vi else "over the bare bound; plan ")
                + f"{_percent(self.forced_gap)} %)"
            )
        lines += [
            ("  đất công nghiệp giảm: " if vi else "  industrial land lost: ")
            + f"{self.industrial_lost_ha:,.2f} ha ("
            + ("tối thiểu " if vi else "at least ")
            + f"{self.industrial_lost_bound_ha:,.2f} ha)",
        ]
        if self.cost is not None:
            lines.append(
                ("  chi phí chuyển đổi: " if vi else "  conversion cost: ") + f"{self.cost:,.0f}"
            )
        if self.plot_green_ha or self.plot_green_bound_ha:
            from .._words import PLAN_WORDS

            lines.append(PLAN_WORDS["vi" if vi else "en"]["plot_green"].format(
                planted=f"{self.plot_green_ha:,.2f}", bound=f"{self.plot_green_bound_ha:,.2f}"))
        from .._tables import format_table
        from ..criteria import verdict

        rows = []
        for cid in self.targeted:
            r = self.report[cid]
            b = self.baseline[cid]
            rows.append([f"{cid}:", f"{b.value:.4f}", "→", f"{r.value:.4f}", verdict(r.passed, lang=lang)])
        lines += format_table([], rows, align="<>>><", indent="  ")
        lines.append(f"  solver: {self.solver}, {self.candidates} candidates, {self.seconds:.2f} s")
        lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _percent(ratio: float) -> str:
    """'+1.7' for 0.017; a rounding error below 0.05 % shows as '+0.0', never '-0.0'."""
    return f"{max(ratio * 100, 0.0) if abs(ratio) < 5e-4 else ratio * 100:+.1f}"


def _target_criteria(cset: CriteriaSet, only: list[str] | None) -> tuple[list[Any], list[Any]]:
    from ..indicators import INDICATORS

    shares, strips = [], []
    for c in cset.criteria:
        if only is not None and c.id not in only:
            continue
        target = INDICATORS[c.indicator].target
        if target == "strip":
            strips.append(c)
        elif target == "share" and not isinstance(c.threshold, dict):
            shares.append(c)
    if only is not None:
        known = {c.id for c in shares + strips + plot_green_criteria(cset.criteria)}
        bad = [c for c in only if c not in known]
        if bad:
            raise InputError(
                f"--target {', '.join(bad)}: not a land-share, isolation-strip or plot-green "
                "criterion of "
                f"{cset.id}. Fix: use one of {', '.join(sorted(known)) or 'none'}."
            )
    return shares, strips


def _numerator(park: Park, crit: Any) -> tuple[float, float]:
    """(measured area, area the share is taken of) of a land-share criterion."""
    from ..indicators import INDICATORS

    m = INDICATORS[crit.indicator].function(park, **crit.params)
    return m.value * m.extent_m2, m.extent_m2


def optimize(
    park: Park,
    *,
    criteria: str | os.PathLike[str] | CriteriaSet = "vn-qcvn-01-2021",
    park_ref: str | None = None,
    criteria_ref: str | None = None,
    targets: list[str] | None = None,
    solver: str = "auto",
    time_limit_s: float = 120.0,
    name: str | None = None,
) -> Plan:
    """The cheapest restructuring that makes the land-share criteria and the isolation strip pass.

    Candidate actions, in the order a planner would try them: the unassigned land and the
    reserve parcels (they cost no industrial land); the band of the isolation strip (all of it
    becomes green); strips along the road frontage of industrial plots (road widening, or a
    green strip behind it), whose depth is solved continuously and then cut to size, so that the
    plan takes just the land it needs and the rest of each plot stays usable (a strip stops at
    the nearest main building, takes at most half the plot, and may not push a plot that meets
    the plot-density and plot-green rules past them; a plot without road frontage uses its
    longest edge); and whole industrial plots where strips cannot do it. The choice is a mixed-integer programme
    solved with PuLP (HiGHS when ``highspy`` is installed, else CBC): least industrial land
    lost, or least total ``conversion_cost`` when the landuse layer has that column (the cost
    of converting the whole parcel; parts pay pro rata; a missing cost keeps the parcel out).

    Parameters
    ----------
    park : Park
    criteria : str, path or CriteriaSet
        The criteria set; its criteria on the indicators of :func:`targeted_indicators` (land
        shares, green cover, the isolation strip) are targeted (or those named in ``targets``).
    park_ref : str, optional
        How the written scenario refers to the park (a path relative to the scenario file).
    criteria_ref : str, optional
        How it refers to the criteria set (default: the set's id, right for built-in sets).
    targets : list of str, optional
        Only these criterion ids.
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
    >>> from eipgis.plans.optimize import optimize
    >>> plan = optimize(eipgis.load_park(eipgis.sample_path()))
    >>> plan.passed
    True
    """
    import numpy as np
    import yaml

    from ..criteria import check, load_criteria
    from ..indicators import INDICATORS
    from .scenario import Scenario

    started = time.perf_counter()
    cset = load_criteria(criteria).in_force_on()  # the criteria check() judges today
    # Plot green is planted when asked for by name (it is the tenants' land, not the park's).
    greens = plot_green_criteria([c for c in cset.criteria if c.id in (targets or [])])
    green_ids = {c.id for c in greens}
    shares, strips = _target_criteria(cset, targets)
    targeted = [c.id for c in cset.criteria if c in shares or c in strips or c.id in green_ids]
    baseline = check(park, cset)
    targeted = [c for c in targeted if baseline[c].assessed]  # missing input: not a target
    notes: list[str] = []
    operations: list[dict[str, Any]] = []

    # 1. The isolation strip: the whole band becomes green (there is nothing to choose).
    strip_need_m2 = 0.0
    band_industrial_m2 = 0.0
    strip_of_width: dict[float, tuple[float, str]] = {}  # width → (band land to turn, its class)
    for c in strips:
        r = baseline[c.id]
        if r.passed is not False:
            continue
        width = float(INDICATORS[c.indicator].param(c.params, "width_m"))
        if not any(o["width_m"] >= width for o in operations):
            operations = [o for o in operations if o["width_m"] > width]
            to = _classes_of(c)[0]
            operations.append(
                {
                    "op": "green_strip",
                    "width_m": width,
                    "sides": "all",
                    "to": to,
                    "keep": [],  # the criterion asks for all of the band, water included
                    "note": f"{c.id}: the {width:g} m band inside the boundary becomes {to}",
                }
            )
        assert r.measure is not None, "check() keeps the measure of every result"
        need = max((float(c.threshold) - r.value) * r.measure.extent_m2, 0.0)
        strip_need_m2 = max(strip_need_m2, need)
        strip_of_width[width] = max(strip_of_width.get(width, (0.0, "")), (need, _classes_of(c)[0]))
        if float(c.threshold) < 1.0:
            notes.append(
                f"{c.id} asks for {float(c.threshold):.0%} of the band; "
                "the plan makes all of it green"
            )
    stripped = park
    band_m2: dict[str, float] = {}
    if operations:
        stripped, log = Scenario.from_dict(
            {"schema_version": 1, "name": "strip", "operations": operations}
        ).apply_with_log(park)
        band_industrial_m2 = float(log.loc[log["from"] == "industrial", "area_m2"].sum())
        band = log[log["op"] == "green_strip"].groupby("from")["area_m2"].sum()
        band_m2 = {str(k): float(a) for k, a in band.items()}

    # 2. What each land-share criterion still lacks.
    needs: dict[str, float] = {}
    numer: dict[str, tuple[float, float]] = {}
    for c in shares:
        n, denom = _numerator(stripped, c)
        numer[c.id] = (n, denom)
        t = float(c.threshold)
        needs[c.id] = (t * denom - n) if c.op in (">=", ">") else (n - t * denom)
    lower = _lower_bound(baseline, shares, strip_need_m2)
    # The strip-forced bound: the band land of floored classes that the strip must turn green
    # (for the widest strip, the one applied) is land those classes must win back.
    forced = lower
    if band_m2:
        width_need, strip_class = strip_of_width[max(o["width_m"] for o in operations)]
        forced = max(
            _lower_bound(baseline, shares, width_need, band_m2=band_m2, strip_class=strip_class),
            lower,
        )
    green_bound_m2 = plot_green_bound_m2(baseline, greens)
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
        stripped = Scenario.from_dict(  # on the park with its strip already: rezones only
            {"schema_version": 1, "name": "bulk", "operations": bulk}
        ).apply(stripped)
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
    applied = len(operations)  # the strip and bulk rezones: already applied to ``stripped``
    if any(v > 0 for v in needs.values()):
        cand = _candidates(stripped, cset, needs, shares, notes)
        chosen, solver_name = _solve(
            cand, shares, numer, needs, solver, time_limit_s, replant_rates(greens, cand)
        )
        operations += _operations(stripped, cand, chosen, notes)
    strip_planned = bool(strips and operations)
    planted = _plant_plot_green(stripped, operations[applied:], greens, notes)
    operations += planted

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
            "only where strips cannot do it"
            + (
                "; plots short of plot green get it along their back and side edges"
                if planted
                else ""
            )
            + ". "
            + _describe(cand, chosen, strip_planned, "en")
        ),
        "description_vi": (
            "Phương án tái cơ cấu mất ít đất công nghiệp (đất cho thuê) nhất, tính bằng 'eipgis "
            "optimize'. Phương án đạt các tiêu chí: "
            + ", ".join(targeted)
            + ". Ưu tiên đất dự trữ và đất chưa giao, sau đó dải đất dọc ranh giới làm dải cây "
            "xanh cách ly, rồi các dải dọc cạnh lô đất công nghiệp; chỉ chuyển cả lô khi không "
            "còn cách khác. "
            + ("Lô thiếu cây xanh được trồng thêm dọc cạnh sau và cạnh bên. " if planted else "")
            + _describe(cand, chosen, strip_planned, "vi")
        ),
        "park": park_ref,
        "criteria": criteria_ref or cset.id,
        "operations": operations,
    }
    data = {k: v for k, v in data.items() if v is not None}
    # libyaml's safe dumper and loader when present: a 100k-parcel plan's geometry is megabytes.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    scenario = Scenario.from_dict(yaml.load(text, Loader=loader), source="optimized plan")
    new_park, changes = scenario.apply_with_log(park)
    report = check(new_park, cset)
    land = changes[changes["layer"] == "landuse"]
    planted_m2 = float(changes.loc[changes["layer"] == "plot_green", "area_m2"].sum())
    plan_m2 = float(land["area_m2"].sum()) + planted_m2
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
    failing = [c for c in targeted if report[c].passed is False]
    if failing:  # should not happen: the programme's margins cover rounding
        notes.append(
            "after applying the plan these targeted criteria still fail: " + ", ".join(failing)
        )
    bound_m2 = lower + green_bound_m2
    forced_m2 = forced + green_bound_m2
    ratio = plan_m2 / bound_m2 if bound_m2 > 0 else 1.0
    cause = (
        _gap_cause(
            changes, baseline, report, shares, strips, cand, chosen, bound_m2, plan_m2, forced_m2
        )
        if ratio > 1.0 + GAP_EXPLAINED
        else None
    )
    if ratio > 1.0 + GAP_EXPLAINED and planted_m2 - green_bound_m2 > 1.0:
        cause = _plot_green_cause(cause, planted_m2, green_bound_m2, plan_m2, bound_m2, lower)
    return Plan(
        scenario=scenario,
        baseline=baseline,
        report=report,
        lower_bound_ha=bound_m2 / 1e4,
        plan_ha=plan_m2 / 1e4,
        ratio=ratio,
        industrial_lost_ha=lost_m2 / 1e4,
        industrial_lost_bound_ha=lost_bound_m2 / 1e4,
        cost=cost,
        targeted=targeted,
        solver=solver_name,
        seconds=time.perf_counter() - started,
        candidates=len(cand),
        notes=notes,
        gap_cause=cause,
        plot_green_ha=planted_m2 / 1e4,
        plot_green_bound_ha=green_bound_m2 / 1e4,
        forced_bound_ha=forced_m2 / 1e4,
    )


def _plant_plot_green(
    park: Park, operations: list[dict[str, Any]], greens: list[Any], notes: list[str]
) -> list[dict[str, Any]]:
    """The plot-green operation for the plots that still fail after the plan's land changes
    (``operations``: those not yet applied to ``park``)."""
    from .scenario import Scenario

    if not greens:
        return []
    landed = park
    if operations:
        landed = Scenario.from_dict(
            {"schema_version": 1, "name": "land", "operations": operations}
        ).apply(park)
    return plant(landed, greens, margin_m2=_MARGIN_M2, notes=notes).operations


def _plot_green_cause(
    cause: str | None,
    planted_m2: float,
    bound_m2: float,
    plan_m2: float,
    total_bound_m2: float,
    land_bound_m2: float,
) -> str | None:
    """The gap's cause when the plot green planted exceeds its bare deficit by the most."""
    over = planted_m2 - bound_m2
    land_over = (plan_m2 - planted_m2) - land_bound_m2
    if cause is not None and land_over >= over:
        return cause
    return (
        f"the plan plants {planted_m2 / 1e4:,.2f} ha of plot green where the plots lack "
        f"{bound_m2 / 1e4:,.2f} ha as they are: its strips and rezoned land took plot green "
        "already planted, which the plots must plant again"
    )


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
        "frontage": (
            "dải dọc mặt đường của {n} lô công nghiệp thành {k}: {ha} ha",
            "strips along the road frontage of {n} industrial plots become {k}: {ha} ha",
        ),
        "whole": (
            "{n} lô công nghiệp chuyển cả lô thành {k}: {ha} ha",
            "{n} whole industrial plot(s) become {k}: {ha} ha",
        ),
    }
    for kind in ("unassigned", "reserve", "frontage", "whole"):
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


def _lower_bound(
    baseline: ComplianceReport,
    shares: list[Any],
    strip_m2: float,
    *,
    band_m2: dict[str, float] | None = None,
    strip_class: str = "green",
) -> float:
    """Land that must change class whatever the plan (m²): :func:`lower_bound_m2` of the
    baseline's shortfalls and the band land the strip must turn green (the bare bound); with
    ``band_m2``, the band's ungreen land by class, the strip-forced bound (signed shortfalls:
    a floor's slack absorbs what the strip takes from it)."""
    if band_m2 is None:
        needs = {
            c.id: baseline[c.id].gap.get("area_ha", 0.0) * 1e4 if baseline[c.id].passed is False
            else 0.0
            for c in shares
        }
        return lower_bound_m2(shares, needs, strip_m2)
    signed = {}
    for c in shares:
        m = baseline[c.id].measure
        assert m is not None, "check() keeps the measure of every result"
        signed[c.id] = (float(c.threshold) - m.value) * m.extent_m2
    return lower_bound_m2(shares, signed, strip_m2, band_m2, strip_class)


def _operations(
    park: Park, cand: _Candidates, chosen: list[tuple[int, str, float]], notes: list[str]
) -> list[dict[str, Any]]:
    """Scenario operations for the chosen candidates: carves of land, rezones of whole parcels."""
    import numpy as np
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
    # Frontage strips: road widening next to the road, other classes behind it.
    front: dict[int, dict[str, float]] = {}
    for j, k, amount in chosen:
        if cand.kind[j] == "frontage":
            front.setdefault(j, {})[k] = amount
    if front:
        js = sorted(front)
        rank = {k: (k != "traffic", CLASSES.index(k)) for k in CLASSES}
        classes = [sorted(front[j], key=lambda k: rank[k]) for j in js]
        bands = _cut_frontage(
            np.array([geoms[cand.parcel[j]] for j in js], dtype=object),
            np.array([cand.geometry[j] for j in js], dtype=object),
            np.array([cand.depth[j] for j in js]),
            [[front[j][k] for k in ks] for j, ks in zip(js, classes, strict=True)],
        )
        depth_of: dict[str, list[float]] = {}
        for j, ks, cut in zip(js, classes, bands, strict=True):
            for k, band in zip(ks, cut, strict=True):
                pieces.setdefault(("frontage", k), []).append(band)
                owners.setdefault(("frontage", k), []).append(cand.parcel[j])
                length = float(shapely.length(cand.geometry[j]))
                depth_of.setdefault(k, []).append(band.area / length if length else 0.0)
        for k, depths in depth_of.items():
            notes.append(
                f"{'road widening' if k == 'traffic' else k + ' strips'} along the road frontage "
                f"of {len(depths)} plot(s): {min(depths):.1f}–{max(depths):.1f} m deep "
                "(average over each frontage)"
            )
    words = {
        "unassigned": "Unassigned land becomes {k}",
        "reserve": "Reserve land becomes {k}",
        "frontage": "Strips along the road frontage of industrial plots become {k}",
        "whole": "Whole industrial plots become {k}",
    }
    ops: list[dict[str, Any]] = []
    for kind in ("unassigned", "reserve", "frontage", "whole"):
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


def _gap_cause(
    changes: Any,
    baseline: ComplianceReport,
    report: ComplianceReport,
    shares: list[Any],
    strips: list[Any],
    cand: _Candidates,
    chosen: list[tuple[int, str, float]],
    bound_m2: float,
    plan_m2: float,
    forced_m2: float,
) -> str:
    """Which constraint keeps the plan above its lower bound, in a planner's words
    (``forced_m2``: the strip-forced bound, :func:`lower_bound_m2` with the band's land)."""
    land = changes[changes["layer"] == "landuse"]
    causes: list[tuple[float, str]] = []
    # Land the isolation strip takes from a class that has its own floor: it must be made up.
    floors = {cl for c in shares if c.op in (">=", ">") for cl in _classes_of(c)} - {
        "green",
        "industrial",
        "reserve",
    }
    band = land[(land["op"] == "green_strip") & land["from"].isin(sorted(floors))]
    if len(band) and forced_m2 > bound_m2 + 1.0:
        width = max((float(_width(c)) for c in strips), default=10.0)
        by = band.groupby("from")["area_m2"].sum()
        over = forced_m2 / bound_m2 - 1.0
        causes.append(
            (
                forced_m2 - bound_m2,
                f"the {width:g} m isolation strip takes "
                + ", ".join(f"{a / 1e4:,.2f} ha of {k} land" for k, a in by.items())
                + " inside the band, which must be made up elsewhere: no plan converts less than "
                f"{forced_m2 / 1e4:,.2f} ha ({over * 100:+.1f} % over the bare bound"
                + (", so no plan is within 10 % of it" if over > GAP_EXPLAINED else "")
                + f"; this one {plan_m2 / forced_m2 * 100 - 100:+.1f} %)",
            )
        )
    # Land beyond a criterion's need: indivisible pieces (whole plots) overshoot it.
    wholes = [cand.parcel[j] for j, _, _ in chosen if cand.kind[j] == "whole"]
    bulk = land[(land["op"] == "rezone") & (land["from"] == "industrial")]
    whole_ids = list(dict.fromkeys(wholes + [str(f) for f in bulk["from_feature"]]))
    for c in shares:
        r = report[c.id]
        if c.op not in (">=", ">") or r.measure is None:
            continue
        gained = (r.value - baseline[c.id].value) * r.measure.extent_m2
        over = min((r.value - float(c.threshold)) * r.measure.extent_m2, gained)
        if over <= 1.0:
            continue
        if whole_ids:
            front = [
                cand.area[j]
                for j in range(len(cand))
                if cand.kind[j] == "frontage" and cand.parcel[j] in whole_ids
            ]
            text = (
                f"indivisible plots: {', '.join(whole_ids[:5])}"
                + (f" and {len(whole_ids) - 5} more" if len(whole_ids) > 5 else "")
                + " change class whole because strips along their frontage could give only "
                f"{sum(front) / 1e4:,.2f} ha (a main building or the half-plot limit stops "
                f"them); {c.id} ends {over / 1e4:,.2f} ha above its need"
            )
        else:
            text = f"{c.id} ends {over / 1e4:,.2f} ha above its need"
        causes.append((over, text))
    if not causes:
        return "land changes class that the bare deficits do not count"
    return max(causes)[1]


def _width(crit: Any) -> float:
    from ..indicators import INDICATORS

    return float(INDICATORS[crit.indicator].param(crit.params, "width_m"))


def write_plan(plan: Plan, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the plan's scenario file, with its figures as a comment header."""
    from .. import io

    head = [
        "# Written by 'eipgis optimize'. Reproduce with: eipgis scenario run " + Path(path).name,
        (
            f"# Lower bound (bare area deficits): {plan.lower_bound_ha:,.4f} ha; "
            f"plan: {plan.plan_ha:,.4f} ha; "
            f"ratio {plan.ratio:,.4f}"
        ),
        f"# Gap to the bound: {plan.gap_text()}",
    ]
    if plan.forced_bound_ha > plan.lower_bound_ha + 1e-4:
        head.append(
            f"# Bound with the strip's forced losses: {plan.forced_bound_ha:,.4f} ha; "
            f"plan {_percent(plan.forced_gap)} %"
        )
    head += [
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
