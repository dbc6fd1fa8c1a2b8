"""Benchmark the optimizer: time and gap to the lower bound on synthetic parks of 1k–100k parcels.

Usage::

    python benchmarks/bench_optimize.py --out benchmarks/results_optimize.json
    python benchmarks/bench_optimize.py --sizes 1000 10000 100000 --shapes grid mixed

Parks come from :func:`eipgis.synth.synthetic_park` (``grid``: a rectangle of plot blocks) and
:func:`eipgis.synth.mixed_shape_park` (``mixed``: the same turned 23° and cut by a diagonal, so
plots along the cut are trapezoids and triangles), written to a temporary GeoPackage and loaded
with ``eipgis.load_park`` (not timed). Each park is optimized against ``vn-qcvn-01-2021`` and
against the stressed set of ``bench_scenarios.py`` (green ≥ 15 %, traffic ≥ 16 %, technical
≥ 3 %, full strip), which forces the optimizer to take industrial land. The time is the wall
time of ``optimize`` (baseline check, strip, candidates, MIP, cutting the strips, writing the
plan as a scenario, applying it again and re-checking it). The Tằng Loỏng sample
(``eipgis.sample_path()``) is optimized too, with and without ``VN21-PLOT-GREEN`` among the
targets (``--no-sample`` leaves it out). Each row gives the bare lower bound and the strip-forced
bound (no plan converts less: ``Plan.forced_bound_ha``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scenarios import STRESSED

from eipgis import sample_path
from eipgis.io import write_gpkg
from eipgis.park import load_park
from eipgis.plans.optimize import optimize
from eipgis.synth import mixed_shape_park, synthetic_park


def run(
    park, criteria: str, solver: str, time_limit_s: float, targets: list[str] | None = None
) -> dict:
    t = time.perf_counter()
    plan = optimize(
        park, criteria=criteria, solver=solver, time_limit_s=time_limit_s, targets=targets
    )
    seconds = time.perf_counter() - t
    return {
        "parcels": len(park.landuse),
        "criteria": criteria if "/" not in criteria else "stressed",
        "solver": plan.solver,
        "seconds": seconds,
        "candidates": plan.candidates,
        "passed": plan.passed,
        "lower_bound_ha": plan.lower_bound_ha,
        "plan_ha": plan.plan_ha,
        "gap": plan.gap,
        "forced_bound_ha": plan.forced_bound_ha,
        "forced_gap": plan.forced_gap,
        "plot_green_ha": plan.plot_green_ha,
        "gap_cause": plan.gap_cause,
        "industrial_lost_ha": plan.industrial_lost_ha,
        "industrial_lost_bound_ha": plan.industrial_lost_bound_ha,
    }


def _print(row: dict) -> None:
    print(
        f"{row['shape']} {row['parcels']:,} parcels, {row['criteria']}: "
        f"{row['seconds']:.2f} s, {row['candidates']} candidates, "
        f"plan {row['plan_ha']:,.2f} ha / bound {row['lower_bound_ha']:,.2f} ha "
        f"({row['gap'] * 100:+.1f} %; forced bound {row['forced_bound_ha']:,.2f} ha, "
        f"{row['forced_gap'] * 100:+.1f} %), passed {row['passed']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--shapes", nargs="+", default=["grid", "mixed"])
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-sample", dest="sample", action="store_false")
    args = parser.parse_args()
    rows = []
    if args.sample:
        park = load_park(sample_path())
        land = ["VN21-LU-GREEN", "VN21-LU-TRAFFIC", "VN21-LU-TECH", "VN21-BUF-STRIP"]
        for label, targets in (("QCVN 01:2021", None), ("+ plot green", [*land, "VN21-PLOT-GREEN"])):
            row = run(park, "vn-qcvn-01-2021", args.solver, args.time_limit, targets)
            row.update(shape="Tằng Loỏng", criteria=label)
            rows.append(row)
            _print(row)
    with tempfile.TemporaryDirectory() as tmp:
        stressed = Path(tmp) / "stressed.yaml"
        stressed.write_text(STRESSED, encoding="utf-8")
        for n in args.sizes:
            for shape in args.shapes:
                make = mixed_shape_park if shape == "mixed" else synthetic_park
                path = write_gpkg(Path(tmp) / f"{shape}_{n}.gpkg", make(n, seed=args.seed))
                t = time.perf_counter()
                park = load_park(path)
                load_s = time.perf_counter() - t
                for crit in ("vn-qcvn-01-2021", str(stressed)):
                    row = run(park, crit, args.solver, args.time_limit)
                    row.update(shape=shape, load_s=load_s)
                    rows.append(row)
                    _print(row)
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "machine": {
                        "cpus": os.cpu_count(),
                        "python": platform.python_version(),
                        "platform": platform.platform(),
                    },
                    "optimize": rows,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
