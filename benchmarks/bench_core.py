"""Time and peak memory of ``load_park`` and ``check`` on synthetic parks of growing size.

Usage::

    python benchmarks/bench_core.py --sizes 1000 10000 100000 1000000 --out benchmarks/results_core.json

For each size the park is drawn by :func:`eipgis.synth.synthetic_park` and written to a temporary
GeoPackage (in a subprocess of its own, timed too). Then each measurement runs in a fresh Python
process, so that no cache, import or memory of an earlier step helps or hurts it:

* ``load_park``: wall time of ``eipgis.load_park(path)`` (reading every layer and validating).
* ``check``: the park is loaded first (not timed), then wall time of
  ``eipgis.check(park, "vn-qcvn-01-2021")``.

Memory is the peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) of the process,
which counts everything the process holds, GEOS geometries and numpy arrays included (tracemalloc
would miss GEOS). Before the measured step the kernel's high-water mark is reset to the current
RSS (``/proc/self/clear_refs``, Linux), so the ``check`` figure is the peak *during* the check, with
the loaded park in memory, and not the peak of loading it. Both the peak and its rise above the
RSS at the start of the step are reported.

The growth exponent is the slope of log(time) against log(parcels) between consecutive sizes: 1 is
linear, 2 quadratic; n log n shows as a little over 1.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _memory import reset_peak, rss_kb

CRITERIA = "vn-qcvn-01-2021"
STAGES = ("write", "load_park", "check")


# --------------------------------------------------------------------------- child process side


def _child(stage: str, path: str, size: int, seed: int, profile: str | None) -> dict[str, Any]:
    # Imports are not part of the measurement: load the libraries eipgis imports lazily.
    import geopandas  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyogrio  # noqa: F401
    import pyproj  # noqa: F401
    import shapely  # noqa: F401
    import yaml  # noqa: F401

    import eipgis
    import eipgis.criteria
    import eipgis.indicators
    import eipgis.park
    from eipgis.synth import write_synthetic_park

    out: dict[str, Any] = {"stage": stage}
    park = None
    if stage == "check":
        park = eipgis.load_park(path)
        out["parcels"] = len(park.landuse)
    reset = reset_peak()
    start_kb = rss_kb()

    def run() -> Any:
        if stage == "write":
            return write_synthetic_park(path, size, seed=seed, overwrite=True)
        if stage == "load_park":
            return eipgis.load_park(path)
        return eipgis.check(park, CRITERIA)

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if stage == "load_park":
        out["parcels"] = len(result.landuse)
        out["unassigned_m2"] = result.unassigned_m2
    if stage == "check":
        out["passed"] = [r.id for r in result.results if r.passed]
    out.update(
        seconds=seconds,
        peak_mb=peak_kb / 1024,
        start_mb=start_kb / 1024,
        rise_mb=(peak_kb - start_kb) / 1024,
        peak_reset=reset,
    )
    return out


# --------------------------------------------------------------------------- parent side


def _measure(stage: str, path: Path, size: int, seed: int, timeout_s: float,
             profile: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", stage, str(path),
           "--seed", str(seed), "--sizes", str(size)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"stage": stage, "error": f"timed out after {timeout_s:.0f} s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        why = "killed (out of memory?)" if proc.returncode in (-9, 137) else tail
        return {"stage": stage, "error": f"exit {proc.returncode}: {why}",
                "process_s": wall}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _slope(n0: float, t0: float, n1: float, t1: float) -> float | None:
    if min(n0, t0, n1, t1) <= 0 or n0 == n1:
        return None
    return math.log(t1 / t0) / math.log(n1 / n0)


def _fit(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log t on log n."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def _fmt(v: float | None, spec: str = ",.2f") -> str:
    return "–" if v is None else format(v, spec)


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("| parcels | GeoPackage MB | write s | load_park s | load_park peak MB (rise) | check s "
            "| check peak MB (rise) | slope load | slope check |")
    lines = [head, "|" + "---:|" * 9]
    prev: dict[str, Any] | None = None
    for row in rows:
        cells = [f"{row['parcels']:,}" if row.get("parcels") else f"~{row['size']:,}"]
        cells.append(_fmt(row.get("gpkg_mb"), ",.1f"))
        w = row.get("write", {})
        cells.append(w.get("error") or _fmt(w.get("seconds")))
        for stage in ("load_park", "check"):
            m = row.get(stage, {})
            if "error" in m:
                cells += [m["error"], "–"]
            else:
                cells.append(_fmt(m.get("seconds"), ",.3f"))
                cells.append(f"{_fmt(m.get('peak_mb'), ',.0f')} ({_fmt(m.get('rise_mb'), ',.0f')})")
        for stage in ("load_park", "check"):
            s = None
            if prev is not None and "seconds" in prev.get(stage, {}) and "seconds" in row.get(stage, {}):
                s = _slope(prev["parcels"], prev[stage]["seconds"], row["parcels"],
                           row[stage]["seconds"])
            cells.append(_fmt(s))
        lines.append("| " + " | ".join(cells) + " |")
        prev = row if row.get("parcels") else prev
    return "\n".join(lines)


def _machine() -> dict[str, Any]:
    import importlib.metadata as md

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = {}
    for pkg in ("eipgis", "geopandas", "shapely", "pyogrio", "pandas", "numpy", "pyproj"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    import pyogrio
    import shapely

    versions["GEOS"] = shapely.geos_version_string
    versions["GDAL"] = pyogrio.__gdal_version_string__
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--workdir", type=Path, help="folder for the GeoPackages (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the GeoPackages")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per measurement")
    parser.add_argument("--repeat", type=int, default=1,
                        help="fresh processes per load_park/check measurement; the fastest is kept")
    parser.add_argument("--profile", type=Path,
                        help="write cProfile stats (.prof) of each measurement into this folder")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        stage, path = args.child
        profile = str(args.profile) if args.profile else None
        print(json.dumps(_child(stage, path, args.sizes[0], args.seed, profile)))
        return 0

    started = _dt.datetime.now(_dt.UTC)
    tmp = tempfile.TemporaryDirectory(prefix="eipgis-bench-") if args.workdir is None else None
    workdir = Path(tmp.name) if tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    try:
        for size in args.sizes:
            path = workdir / f"synthetic_{size}.gpkg"
            row: dict[str, Any] = {"size": size}
            for stage in STAGES:
                prof = args.profile / f"{stage}_{size}.prof" if args.profile else None
                runs = [_measure(stage, path, size, args.seed, args.timeout, prof)
                        for _ in range(1 if stage == "write" else max(1, args.repeat))]
                ok = [r for r in runs if "error" not in r]
                m = min(ok, key=lambda r: r["seconds"]) if ok else runs[-1]
                if len(runs) > 1:
                    m = dict(m, runs_s=[r.get("seconds") for r in runs],
                             peak_mb=max(r["peak_mb"] for r in ok) if ok else None)
                row[stage] = m
                if m.get("parcels"):
                    row["parcels"] = m["parcels"]
                print(f"{size:>9,} {stage:<9} " + (m.get("error") or
                      f"{m['seconds']:9.3f} s  peak {m['peak_mb']:8,.0f} MB "
                      f"(+{m['rise_mb']:,.0f})"), file=sys.stderr, flush=True)
                if "error" in m and stage == "write":
                    break
            if path.exists():
                row["gpkg_mb"] = path.stat().st_size / 1024**2
                if not args.keep:
                    path.unlink()
            rows.append(row)
    finally:
        if tmp is not None:
            tmp.cleanup()

    fits = {}
    for stage in ("load_park", "check"):
        pts = [(r["parcels"], r[stage]["seconds"]) for r in rows
               if r.get("parcels") and "seconds" in r.get(stage, {}) and r["parcels"] >= 10_000]
        fits[stage] = _fit(pts)
    table = _table(rows)
    print(table)
    print(f"\nGrowth exponent (least squares over sizes ≥ 10,000): load_park "
          f"{_fmt(fits['load_park'])}, check {_fmt(fits['check'])}")
    if args.out:
        record = {
            "date": started.isoformat(timespec="seconds"),
            "command": "python benchmarks/bench_core.py " + " ".join(argv or sys.argv[1:]),
            "criteria": CRITERIA,
            "seed": args.seed,
            "repeat": args.repeat,
            "machine": _machine(),
            "memory": "peak RSS (ru_maxrss) of a fresh process, high-water mark reset just "
                      "before the measured step; rise = peak − RSS at the step's start",
            "results": rows,
            "growth_exponent": fits,
            "table": table,
        }
        from eipgis.io import write_text

        write_text(args.out, json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                   overwrite=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
