"""The optimizer's mixed-integer programme: its formulation in PuLP and the solver (HiGHS, CBC)."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import InfeasibleError, InputError
from ..indicators import INDICATORS
from ._candidates import _Candidates, _classes_of

# Safety margin (m²) on every target so that rounding in the written file cannot flip a result.
_MARGIN_M2 = 0.5
# The solver stops when its plan is proven within this share of the best possible objective.
_GAP = 1e-3


def _solve(
    cand: _Candidates,
    shares: list[Any],
    numer: dict[str, tuple[float, float]],
    needs: dict[str, float],
    solver: str,
    time_limit_s: float,
    replant: dict[int, float] | None = None,
) -> tuple[list[tuple[int, str, float]], str]:
    """Choose candidates, their new classes and (for divisible land) how much: a MIP (PuLP).

    Reserve and unassigned land and the frontage strips of industrial plots are divisible: a
    continuous area per class (a strip's per depth tier). Whole plots are binary choices.
    ``replant`` (candidate → m² of plot green to plant per m² of its strip, negative where the
    strip lowers a failing plot's need more than it takes) weighs the plot green a strip makes
    a failing plot plant, below the cost and above the depth tiers.
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
    divisible = np.array(
        [k in ("reserve", "unassigned", "frontage") for k in cand.kind], dtype=bool
    )
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
    # Reserve and unassigned pieces alike in cost and plot green pool into one variable per
    # class (100k-parcel parks hold thousands); the pool is shared out largest piece first.
    pools: dict[int, list[int]] = {}
    first: dict[tuple[Any, ...], int] = {}
    for j in map(int, np.flatnonzero(divisible & (np.array(cand.kind) != "frontage"))):
        key = (
            cand.kind[j],
            cand.old[j],
            round(unit[j], 12),
            round(pgs[j] / max(area[j], 1e-12), 9),
        )
        pools.setdefault(first.setdefault(key, int(j)), []).append(int(j))
    area, pgs = area.copy(), pgs.copy()
    members_area = np.array(cand.area)
    for rep, members in pools.items():
        members.sort(key=lambda j: -members_area[j])
        area[rep] = float(members_area[members].sum())
        pgs[rep] = float(np.array(cand.plot_green)[members].sum())
    pooled_out = {j for rep, members in pools.items() for j in members if j != rep}
    tiers = [[float(area[j])] if j in pools else cand.tiers[j] for j in range(n)]
    active = [int(j) for j in np.flatnonzero(divisible) if int(j) not in pooled_out]
    prob = pulp.LpProblem("eipgis_restructuring", pulp.LpMinimize)
    # x: binary choice of a whole plot; y: m² of divisible land (per depth tier) given class k.
    x = {
        (j, k): _variable(prob, f"x_{j}_{k}", 0, 1, "Binary")
        for j in map(int, np.flatnonzero(~divisible))
        for k in targets
    }
    y = {
        (j, k, t): _variable(prob, f"y_{j}_{k}_{t}", 0, float(cap), "Continuous")
        for j in active
        for t, cap in enumerate(tiers[j])
        for k in targets
    }
    top = max(float(unit.max()) if n else 1.0, 1.0)
    # Least cost; then least land touched (1e-6 of the dearest m²); then shallow strips before
    # deep ones (1e-4 per tier), roadside strips before other edges (5e-4) and strips before
    # whole plots (2e-3); and a tenant's whole plot only if it saves more than 1 % of its area
    # elsewhere.
    eps = 1e-6 * top
    frontage = np.array(cand.kind) == "frontage"
    # (The tie-breaks stay above the LP solvers' tolerances of about 1e-7, or they are lost.)
    tier = np.where(frontage, 1e-4, 0.0)
    # A plot without road frontage gives its longest edge only after the roadside strips.
    off_road = np.where(frontage & ~np.array(cand.road, dtype=bool), 5e-4 * top, 0.0)
    penalty = np.where(np.array(cand.kind) == "whole", 2e-3 * top, 0.0)
    penalty += np.where(
        np.array(cand.tenant, dtype=bool) & (np.array(cand.kind) == "whole"), 1e-2 * top, 0.0
    )
    # Plot green a strip makes a failing plot plant again is land the plan touches too: 1e-3
    # per m² planted (at most 8e-4 per m² of strip, eight depth tiers).
    for j, rate in (replant or {}).items():
        off_road[j] += 1e-3 * top * rate
    prob += pulp.lpSum(
        (cost[j] + (eps + penalty[j]) * area[j]) * v for (j, _), v in x.items()
    ) + pulp.lpSum(
        (unit[j] + eps + tier[j] * top * t + off_road[j]) * v for (j, _, t), v in y.items()
    )
    y_of: dict[int, list[Any]] = {}
    for (j, _, _), v in y.items():
        y_of.setdefault(int(j), []).append(v)
    groups: dict[int, list[int]] = {}
    for j, g in enumerate(cand.group):
        groups.setdefault(g, []).append(j)
    for g, members in groups.items():
        shares_of = [j for j in members if divisible[j] and j not in pooled_out]
        whole = [j for j in members if not divisible[j]]
        if shares_of:
            # Divisible land: its pieces add up to at most its area, none of it if the whole
            # plot goes instead.
            j0 = shares_of[0]
            prob += (
                pulp.lpSum(y_of.get(j0, []))
                + float(area[j0]) * pulp.lpSum(x[j, k] for j in whole for k in targets)
                <= float(area[j0]),
                f"land_{g}",
            )
            if len(targets) > 1:
                for t, cap in enumerate(tiers[j0]):
                    prob += (
                        pulp.lpSum(y[j0, k, t] for k in targets) <= float(cap),
                        f"tier_{g}_{t}",
                    )
        if whole:
            prob += pulp.lpSum(x[j, k] for j in whole for k in targets) <= 1, f"one_{g}"
    for c in shares:
        cls = set(_classes_of(c))
        n_now, denom = numer[c.id]
        goal = float(c.threshold) * denom
        terms = []
        for (j, k), v in x.items():
            coef = _coef(c, cls, cand.old[j], k, area[j], pgs[j])
            if coef:
                terms.append(coef * v)
        for (j, k, _), v in y.items():
            coef = _coef(c, cls, cand.old[j], k, area[j], pgs[j]) / max(area[j], 1e-12)
            if coef:
                terms.append(coef * v)
        if c.op in (">=", ">"):
            prob += n_now + pulp.lpSum(terms) >= goal + _MARGIN_M2, f"c_{c.id}"
        else:
            prob += n_now + pulp.lpSum(terms) <= goal - _MARGIN_M2, f"c_{c.id}"
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
    given: dict[tuple[int, str], float] = {}
    left: dict[int, float] = {}
    for (j, k, _), v in y.items():
        given[int(j), k] = given.get((int(j), k), 0.0) + (v.value() or 0.0)
    for (j, k), amount in sorted(given.items()):
        if amount <= 0.01:
            continue
        if j not in pools:
            chosen.append((j, k, amount))
            continue
        for m in pools[j]:  # share the pool out, largest piece first
            take = min(amount, left.get(m, members_area[m]))
            if take > 1e-9:
                chosen.append((m, k, float(take)))
                left[m] = left.get(m, members_area[m]) - take
                amount -= take
            if amount <= 1e-9:
                break
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
    if INDICATORS[crit.indicator].counts_plot_green:
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
