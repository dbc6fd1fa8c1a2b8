"""Benchmark the monitoring store: recording yearly snapshots and reading the series back, on both backends.

Usage::

    python benchmarks/bench_monitor.py --out benchmarks/results_monitor.json
    python benchmarks/bench_monitor.py --parcels 10000 --years 20 --parks 100 --backends gpkg postgres

Two stores per backend:

- ``big``: one synthetic park of ``--parcels`` parcels (:func:`eipgis.synth.synthetic_park`) recorded on
  ``--years`` year-end dates; each ``record`` is timed (the park is checked once beforehand: the criteria's
  time is not the store's);
- ``many``: ``--parks`` parks × ``--years`` dates (a ``--park-parcels`` park recorded under each name);
  every function of :data:`MEASURES` is timed on it (``series`` of every park, of one park). Add a
  measure there (e.g. ``monitor show``) to time it on both backends with the same stores.

PostgreSQL: ``--pg-url postgresql://…`` or, without it, a private cluster started for the run
(PostgreSQL 15 binaries as tests/_postgres.py expects them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import eipgis
from eipgis.criteria import check
from eipgis.monitor import open_store, record, series
from eipgis.synth import synthetic_park

#: name → function(store target, one park's name) timed on the ``many`` store.
MEASURES: dict[str, Callable[[str, str], Any]] = {}


def measure(name: str) -> Callable[[Callable[[str, str], Any]], Callable[[str, str], Any]]:
    def add(func: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
        MEASURES[name] = func
        return func
    return add


@measure("series (every park)")
def _series_all(target: str, park: str) -> Any:
    with open_store(target) as store:
        return series(store)


@measure("series (one park)")
def _series_one(target: str, park: str) -> Any:
    with open_store(target) as store:
        return series(store, park)


@measure("eipgis monitor show, process start to exit")
def _show_cli(target: str, park: str) -> Any:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "eipgis", "monitor", "show", target, "--format", "table"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def years(n: int) -> list[dt.date]:
    last = dt.date.today().year - 1
    return [dt.date(y, 12, 31) for y in range(last - n + 1, last + 1)]


def store_size(target: str) -> int:
    if "://" not in target:
        return Path(target).stat().st_size
    import psycopg

    from eipgis.monitor._store import _Postgres

    db = _Postgres(target)
    try:
        return int(db.con.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'", (db.schema,)).fetchone()[0])
    except psycopg.Error:
        return -1
    finally:
        db.close()


def bench_big(target: str, n_parcels: int, n_years: int) -> dict[str, Any]:
    park = eipgis.park_from_frames(**synthetic_park(n_parcels, seed=0))
    report = check(park)
    times = []
    with open_store(target) as store:
        for day in years(n_years):
            t0 = time.perf_counter()
            record(store, park, report, date=day)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        back = store.snapshot(park.name, years(n_years)[-1])
        snap_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        df = series(store)
        series_s = time.perf_counter() - t0
    assert len(back.landuse) == len(park.landuse) and len(df) == n_years * len(report.results)
    return {"parcels": len(park.landuse), "features_per_snapshot": sum(len(f) for f in park.layers().values()),
            "records": n_years, "record_s_mean": statistics.mean(times), "record_s_max": max(times),
            "record_s_total": sum(times), "snapshot_s": snap_s, "series_s": series_s,
            "store_bytes": store_size(target)}


def bench_many(target: str, n_parks: int, n_years: int, park_parcels: int, repeat: int) -> dict[str, Any]:
    park = eipgis.park_from_frames(**synthetic_park(park_parcels, seed=1))
    report = check(park)
    names = [f"Park {i:03d}" for i in range(n_parks)]
    t0 = time.perf_counter()
    with open_store(target) as store:
        for name in names:
            for day in years(n_years):
                record(store, park, report, date=day, name=name)
    build_s = time.perf_counter() - t0
    out: dict[str, Any] = {"parks": n_parks, "years": n_years, "rows": n_parks * n_years * len(report.results),
                           "build_s": build_s, "store_bytes": store_size(target)}
    for label, func in MEASURES.items():
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            func(target, names[n_parks // 2])
            runs.append(time.perf_counter() - t0)
        out[f"{label}_s"] = min(runs)
    return out


@contextmanager
def pg_target(url: str | None) -> Iterator[Callable[[str], str]]:
    if url:
        sep = "&" if "?" in url else "?"
        yield lambda schema: f"{url}{sep}schema={schema}"
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _postgres import private_cluster

    with private_cluster() as cluster:
        yield lambda schema: cluster.url(schema=schema)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=10_000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--parks", type=int, default=100)
    ap.add_argument("--park-parcels", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backends", nargs="+", default=["gpkg", "postgres"], choices=["gpkg", "postgres"])
    ap.add_argument("--pg-url", default=None, help="postgresql://… [default: a private cluster]")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # kill PID stops the private cluster too
    results: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                           "platform": platform.platform()},
                               "eipgis": eipgis.__version__, "backends": {}}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eipgis-bench-monitor-")))
        pg = stack.enter_context(pg_target(args.pg_url)) if "postgres" in args.backends else None
        for backend in args.backends:
            def target(kind: str, backend: str = backend) -> str:
                return str(folder / f"{kind}.gpkg") if backend == "gpkg" else pg(f"bench_{kind}")  # type: ignore[misc]
            big = bench_big(target("big"), args.parcels, args.years)
            print(f"{backend} big: {json.dumps(big)}", flush=True)
            many = bench_many(target("many"), args.parks, args.years, args.park_parcels, args.repeat)
            print(f"{backend} many: {json.dumps(many)}", flush=True)
            results["backends"][backend] = {"big": big, "many": many}
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
