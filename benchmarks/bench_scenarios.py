"""Benchmark scenarios: reassignments evaluated per second (fast evaluator vs full re-check) and the optimizer's time.

Usage::

    python benchmarks/bench_scenarios.py --out benchmarks/results_scenarios.json
    python benchmarks/bench_scenarios.py --eval-size 10000 --opt-sizes 1000 10000 100000

Parks come from :func:`eipgis.synth.synthetic_park` (or, where that module is missing, a small
grid generator below), written to a temporary GeoPackage and loaded with ``eipgis.load_park``
(loading is timed separately and not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import eipgis
from eipgis.criteria import check, load_criteria
from eipgis.io import write_gpkg
from eipgis.landuse import CLASSES
from eipgis.plans._reassign import Evaluator
from eipgis.plans.optimize import optimize
from eipgis.plans.scenario import Scenario

#: A stricter set than QCVN 01:2021, so that the optimizer must take industrial land.
STRESSED = """schema_version: 1
id: bench-stressed
title: {en: Stressed land shares (benchmark only), vi: Tỷ lệ đất khắt khe (chỉ để đo)}
criteria:
  - {id: B-GREEN, title: {en: Green, vi: Cây xanh}, indicator: landuse_share, params: {classes: [green]},
     op: ">=", threshold: 0.15, unit: share, source: benchmark, status: unconfirmed}
  - {id: B-TRAFFIC, title: {en: Traffic, vi: Giao thông}, indicator: landuse_share, params: {classes: [traffic]},
     op: ">=", threshold: 0.16, unit: share, source: benchmark, status: unconfirmed}
  - {id: B-TECH, title: {en: Technical, vi: Kỹ thuật}, indicator: landuse_share, params: {classes: [technical]},
     op: ">=", threshold: 0.03, unit: share, source: benchmark, status: unconfirmed}
  - {id: B-STRIP, title: {en: Strip, vi: Dải}, indicator: isolation_strip, params: {width_m: 10, classes: [green]},
     op: ">=", threshold: 1.0, unit: share, source: benchmark, status: unconfirmed}
"""


def grid_park(n: int, seed: int = 0) -> dict:
    """A fallback park generator: a square grid of 100 m plots (only used without eipgis.synth)."""
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    codes = rng.choice(
        ["CN", "CX", "GT", "HTKT", "DPT"], size=side * side, p=[0.75, 0.07, 0.1, 0.02, 0.06]
    )
    geoms = [
        box(
            400_000 + 100 * (k % side),
            2_480_000 + 100 * (k // side),
            400_100 + 100 * (k % side),
            2_480_100 + 100 * (k // side),
        )
        for k in range(side * side)
    ]
    return {
        "boundary": gpd.GeoDataFrame(
            {"name": ["grid"]},
            geometry=[box(400_000, 2_480_000, 400_000 + 100 * side, 2_480_000 + 100 * side)],
            crs=3405,
        ),
        "landuse": gpd.GeoDataFrame(
            {"parcel_id": [f"P{k}" for k in range(side * side)], "landuse": codes},
            geometry=geoms,
            crs=3405,
        ),
    }


def make_park(n: int, folder: Path):
    path = folder / f"park_{n}.gpkg"
    try:
        from eipgis.synth import synthetic_park

        layers = synthetic_park(n, seed=0)
        generator = "eipgis.synth.synthetic_park(n, seed=0)"
    except ImportError:
        layers = grid_park(n)
        generator = "benchmark grid_park"
    write_gpkg(path, layers, overwrite=True)
    t = time.perf_counter()
    park = eipgis.load_park(path)
    return park, time.perf_counter() - t, generator


def random_reassignments(ev: Evaluator, k: int, rng: np.random.Generator, max_moves: int = 10):
    """K reassignments, each moving 1–max_moves distinct random parcels to random classes."""
    sizes = rng.integers(1, max_moves + 1, size=k)
    offsets = np.r_[0, np.cumsum(sizes)]
    n = len(ev.parcel_ids)
    idx = np.concatenate([rng.choice(n, size=s, replace=False) for s in sizes])
    new = rng.integers(0, len(CLASSES), size=len(idx))
    return offsets, idx, new


def bench_evaluate(park, k: int, full: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    ev = Evaluator(park, "vn-qcvn-01-2021")
    build_s = time.perf_counter() - t
    offsets, idx, new = random_reassignments(ev, k, rng)
    fast_times = []
    for _ in range(5):  # the median of five runs: the machine is shared
        t = time.perf_counter()
        values, passed = ev.evaluate_arrays(offsets, idx, new)
        fast_times.append(time.perf_counter() - t)
    fast_s = float(np.median(fast_times))
    # Full re-check: the same reassignments applied as scenario files would be, then checked.
    cset = load_criteria("vn-qcvn-01-2021")
    full_times, max_diff = [], 0.0
    for s in range(full):
        moves = {
            ev.parcel_ids[i]: CLASSES[c]
            for i, c in zip(
                idx[offsets[s] : offsets[s + 1]], new[offsets[s] : offsets[s + 1]], strict=True
            )
        }
        ops = [
            {"op": "rezone", "parcels": [p], "to": c}
            for p, c in moves.items()
            if ev.classes[ev._position[p]] != CLASSES.index(c)
        ]
        t = time.perf_counter()
        report = check(
            Scenario.from_dict({"schema_version": 1, "name": "b", "operations": ops}).apply(park),
            cset,
        )
        full_times.append(time.perf_counter() - t)
        for j, r in enumerate(report.results):
            max_diff = max(max_diff, abs(r.value - values[s, j]))
            assert r.passed == passed[s, j], (r.id, s)
    full_s = float(np.median(full_times))
    return {
        "parcels": len(ev.parcel_ids),
        "reassignments": k,
        "moves_per_reassignment": "1-10",
        "evaluator_build_s": build_s,
        "fast_total_s": fast_s,
        "fast_total_s_runs": fast_times,
        "fast_per_s": k / fast_s,
        "full_recheck_median_s": full_s,
        "full_recheck_per_s": 1 / full_s,
        "speedup": (k / fast_s) * full_s,
        "full_rechecks_compared": full,
        "max_abs_difference": max_diff,
    }


def bench_optimize(park, criteria, solver: str, time_limit_s: float) -> dict:
    t = time.perf_counter()
    plan = optimize(park, criteria=criteria, solver=solver, time_limit_s=time_limit_s)
    total = time.perf_counter() - t
    return {
        "parcels": len(park.landuse),
        "criteria": getattr(criteria, "id", criteria),
        "solver": plan.solver,
        "seconds": total,
        "candidates": plan.candidates,
        "passed": plan.passed,
        "lower_bound_ha": plan.lower_bound_ha,
        "plan_ha": plan.plan_ha,
        "ratio": plan.ratio,
        "industrial_lost_ha": plan.industrial_lost_ha,
        "industrial_lost_bound_ha": plan.industrial_lost_bound_ha,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-size", type=int, default=10_000)
    parser.add_argument("--reassignments", type=int, default=20_000)
    parser.add_argument("--full", type=int, default=5, help="full re-checks to time and compare")
    parser.add_argument("--opt-sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--solvers", nargs="+", default=["highs", "cbc"])
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        }
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        park, load_s, generator = make_park(args.eval_size, folder)
        results["generator"] = generator
        ev = bench_evaluate(park, args.reassignments, args.full)
        ev["load_s"] = load_s
        results["evaluate"] = ev
        print(
            f"evaluate: {ev['parcels']:,} parcels: fast {ev['fast_per_s']:,.0f}/s "
            f"(build {ev['evaluator_build_s']:.2f} s) vs full re-check {ev['full_recheck_per_s']:.2f}/s "
            f"= ×{ev['speedup']:,.0f}; max |difference| {ev['max_abs_difference']:.2e}"
        )
        stressed = folder / "stressed.yaml"
        stressed.write_text(STRESSED, encoding="utf-8")
        stressed_set = load_criteria(stressed)
        results["optimize"] = []
        for n in args.opt_sizes:
            park, load_s, _ = make_park(n, folder)
            for crit in ("vn-qcvn-01-2021", stressed_set):
                for solver in args.solvers:
                    row = bench_optimize(park, crit, solver, args.time_limit)
                    row["load_s"] = load_s
                    results["optimize"].append(row)
                    print(
                        f"optimize: {row['parcels']:,} parcels, {row['criteria']}, {row['solver']}: "
                        f"{row['seconds']:.2f} s, {row['candidates']} candidates, passed {row['passed']}, "
                        f"ratio {row['ratio']:.4f}, industrial lost {row['industrial_lost_ha']:.2f} ha "
                        f"(bound {row['industrial_lost_bound_ha']:.2f})"
                    )
    if args.out:
        args.out.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
