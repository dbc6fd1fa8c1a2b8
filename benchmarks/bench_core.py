"""Time and peak memory of ``load_park`` and ``check`` on synthetic parks of growing size.

Usage::

    python benchmarks/bench_core.py --sizes 1000 10000 100000 1000000 --out benchmarks/results_core.json

For each size the park is drawn by :func:`eipgis.synth.synthetic_park` and written to a temporary
GeoPackage (in a subprocess of its own, timed too). Then each measurement runs in a fresh Python
process, so that no cache, import or memory of an earlier step helps or hurts it:

* ``read_arrow``: the bare ``pyogrio.read_dataframe(..., use_arrow=True)`` of the same layers, the
  reader ``load_park`` uses (the floor ``load_park`` is compared with: ``load_park`` /
  ``read_arrow`` is the price of validation).
* ``read``: the same without Arrow (GDAL's feature-by-feature reading, pyogrio's default), for
  comparison with earlier runs and with an installation without pyarrow.
* ``load_park``: wall time of ``eipgis.load_park(path)`` (reading every layer and validating).
* ``check``: the park is loaded first (not timed), then wall time of
  ``eipgis.check(park, "vn-qcvn-01-2021")``.
* ``cli_check``: ``python -m eipgis check PATH`` end to end, process start to exit (imports,
  reading, validation, the seven criteria and the printed table), timed by the parent.
* ``postgis``: the same indicators as SQL (class areas, the 10 m strip, plot density and plot
  green per industrial plot, safety distances) in a private PostgreSQL 15 + PostGIS cluster on a
  Unix socket, tables with GiST indexes loaded first (loading not timed); ``seconds`` is the
  queries' wall time. Skipped with a note when PostgreSQL/PostGIS or psycopg are missing.

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
STAGES = ("write", "read", "read_arrow", "load_park", "check", "cli_check", "postgis")
PGBIN = Path("/usr/lib/postgresql/15/bin")


# --------------------------------------------------------------------------- child process side


def _child(stage: str, path: str, size: int, seed: int, profile: str | None) -> dict[str, Any]:
    # Imports are not part of the measurement: load the libraries eipgis imports lazily.
    import geopandas  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyogrio
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

    pg = None
    if stage == "postgis":
        import psycopg

        park = eipgis.load_park(path)
        pg = psycopg.connect(host=os.environ["EIPGIS_BENCH_PGHOST"], user="postgres",
                             dbname="postgres", autocommit=True)
        out["load_s"] = _pg_load(pg, park)
        out["parcels"] = len(park.landuse)
        del park

    def run() -> Any:
        if stage == "write":
            return write_synthetic_park(path, size, seed=seed, overwrite=True)
        if stage in ("read", "read_arrow"):
            return {name: pyogrio.read_dataframe(path, layer=name,
                                                 use_arrow=stage == "read_arrow")
                    for name in pyogrio.list_layers(path)[:, 0]}
        if stage == "postgis":
            return _pg_queries(pg)
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
    if stage == "postgis":
        out["figures"] = result
    out.update(
        seconds=seconds,
        peak_mb=peak_kb / 1024,
        start_mb=start_kb / 1024,
        rise_mb=(peak_kb - start_kb) / 1024,
        peak_reset=reset,
    )
    return out


# --------------------------------------------------------------------------- PostGIS side

#: The same indicators as ``check`` (vn-qcvn-01-2021), as the PostGIS cross-check test writes them.
PG_QUERIES = {
    "class_areas": "SELECT l.landuse_class, SUM(ST_Area(ST_Intersection(l.geom, b.geom))) "
                   "FROM landuse l, boundary b WHERE ST_Intersects(l.geom, b.geom) GROUP BY 1",
    "strip": "WITH band AS (SELECT ST_Difference(geom, ST_Buffer(geom, -10, 'quad_segs=16')) AS g "
             "FROM boundary) SELECT ST_Area(band.g), (SELECT SUM(ST_Area(ST_Intersection(band.g, "
             "l.geom))) FROM landuse l WHERE l.landuse_class = 'green' AND ST_Intersects(band.g, "
             "l.geom)) FROM band",
    "plot_density": "SELECT COUNT(*) FILTER (WHERE d > CASE WHEN tall THEN 0.6 ELSE 0.7 END) FROM ("
                    "SELECT l.parcel_id, COALESCE(SUM(ST_Area(ST_Intersection(l.geom, b.geom))), 0)"
                    " / ST_Area(l.geom) AS d, COALESCE(BOOL_OR(b.floors > 5), false) AS tall "
                    "FROM landuse l LEFT JOIN buildings b ON b.main AND ST_Intersects(l.geom, "
                    "b.geom) WHERE l.landuse_class = 'industrial' GROUP BY l.parcel_id, l.geom) q",
    "plot_green": "SELECT COUNT(*) FILTER (WHERE g < 0.2) FROM (SELECT l.parcel_id, "
                  "COALESCE(SUM(ST_Area(ST_Intersection(l.geom, p.geom))), 0) / ST_Area(l.geom) "
                  "AS g FROM landuse l LEFT JOIN plot_green p ON ST_Intersects(l.geom, p.geom) "
                  "WHERE l.landuse_class = 'industrial' GROUP BY l.parcel_id, l.geom) q",
    "safety_distance": "WITH src AS (SELECT f.facility_id, COALESCE(CASE WHEN GeometryType(f.geom) "
                       "LIKE '%POLYGON' THEN f.geom END, (SELECT ST_Collect(b.geom) FROM buildings"
                       " b WHERE b.facility_id = f.facility_id), f.geom) AS geom FROM facilities f)"
                       " SELECT COUNT(*), MIN(d) FROM (SELECT s.facility_id, MIN(ST_Distance("
                       "s.geom, n.geom)) AS d FROM src s, neighbourhoods n GROUP BY 1) q",
}


def _pg_load(conn: Any, park: Any) -> float:
    """Copy the park's layers into PostGIS (hex WKB through COPY), index and analyse them."""
    import shapely

    t0 = time.perf_counter()
    tables = {
        "boundary": (park.boundary, {}),
        "landuse": (park.landuse, {"parcel_id": "text", "landuse_class": "text"}),
        "buildings": (park.buildings, {"main": "boolean", "floors": "integer",
                                       "facility_id": "text"}),
        "plot_green": (park.plot_green, {}),
        "facilities": (park.facilities, {"facility_id": "text"}),
        "neighbourhoods": (park.neighbourhoods, {"name": "text"}),
    }
    for table, (frame, columns) in tables.items():
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        cols = "".join(f"{c} {t}, " for c, t in columns.items())
        conn.execute(f"CREATE TABLE {table} ({cols}geom geometry)")
        wkb = shapely.to_wkb(frame.geometry.values, hex=True)
        values = [frame[c].astype(object).where(frame[c].notna(), None).tolist()
                  if c in frame.columns else [None] * len(frame) for c in columns]
        with conn.cursor() as cur, cur.copy(
                f"COPY {table} ({''.join(c + ', ' for c in columns)}geom) FROM STDIN") as copy:
            for row in zip(*values, wkb, strict=True):
                copy.write_row(row)
        conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
        if "facility_id" in columns:
            conn.execute(f"CREATE INDEX ON {table} (facility_id)")
        conn.execute(f"ANALYZE {table}")
    return time.perf_counter() - t0


def _pg_queries(conn: Any) -> dict[str, Any]:
    """Run the indicator queries; their results (for a sanity look) and each one's seconds."""
    out: dict[str, Any] = {}
    for name, sql in PG_QUERIES.items():
        t0 = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        out[name] = {"seconds": time.perf_counter() - t0,
                     "rows": [[v if isinstance(v, int | str | None) else float(v) for v in r]
                              for r in rows][:12]}
    return out


class _PostGIS:
    """A private PostgreSQL + PostGIS cluster on a Unix socket for the run (as the tests start it)."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.host: str | None = None
        self.why: str | None = None

    def start(self) -> None:
        import shutil

        try:
            import psycopg
        except ImportError:
            self.why = "psycopg not installed (pip install 'psycopg[binary]')"
            return
        if not (PGBIN / "initdb").exists() or not any(
                Path("/usr/share/postgresql/15/extension").glob("postgis.control")):
            self.why = "PostgreSQL 15 + PostGIS not installed (apt-get install postgresql-15-postgis-3)"
            return
        self.root = Path(tempfile.mkdtemp(prefix="eipgis-bench-pg-"))
        self.root.chmod(0o755)
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(sock, "postgres", "postgres")
        self._as = as_postgres
        self._data = data
        try:
            subprocess.run([*as_postgres, str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                           check=True, capture_output=True)
            subprocess.run([*as_postgres, str(PGBIN / "pg_ctl"), "-D", str(data), "-l",
                            str(self.root / "log"), "-o",
                            (f"-c listen_addresses='' -c unix_socket_directories={sock} "
                             "-c shared_buffers=1GB -c work_mem=256MB"), "-w", "start"],
                           check=True, capture_output=True)
            with psycopg.connect(host=str(sock), user="postgres", dbname="postgres",
                                 autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
                self.version = conn.execute("SELECT version(), postgis_full_version()").fetchone()
        except (subprocess.CalledProcessError, OSError, psycopg.Error) as exc:
            self.why = f"PostgreSQL did not start: {exc}"
            self.stop()
            return
        self.host = str(sock)

    def stop(self) -> None:
        import shutil

        if self.root is None:
            return
        subprocess.run([*self._as, str(PGBIN / "pg_ctl"), "-D", str(self._data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def _measure_cli(path: Path, timeout_s: float) -> dict[str, Any]:
    """``python -m eipgis check PATH``, process start to exit (the table printed to a pipe)."""
    cmd = [sys.executable, "-m", "eipgis", "check", str(path)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"stage": "cli_check", "error": f"timed out after {timeout_s:.0f} s"}
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        return {"stage": "cli_check", "error": f"exit {proc.returncode}: {proc.stderr[-200:]}"}
    return {"stage": "cli_check", "seconds": seconds, "command": " ".join(cmd[1:])}


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


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if "seconds" in a and "seconds" in b and b["seconds"] > 0:
        return a["seconds"] / b["seconds"]
    return None


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("| parcels | GeoPackage MB | bare read s (Arrow) | bare read s (no Arrow) | load_park s "
            "| load / read (Arrow) | load peak MB (rise) | check s | check peak MB (rise) "
            "| load + check s | `eipgis check` s | PostGIS s | check / PostGIS | slope load "
            "| slope check |")
    lines = [head, "|" + "---:|" * 15]
    prev: dict[str, Any] | None = None
    for row in rows:
        cells = [f"{row['parcels']:,}" if row.get("parcels") else f"~{row['size']:,}"]
        cells.append(_fmt(row.get("gpkg_mb"), ",.1f"))
        read, load, chk = row.get("read_arrow", {}), row.get("load_park", {}), row.get("check", {})
        for bare in (read, row.get("read", {})):
            cells.append(bare.get("error") or _fmt(bare.get("seconds"), ",.3f"))
        cells.append(load.get("error") or _fmt(load.get("seconds"), ",.3f"))
        cells.append(_fmt(_ratio(load, read)) + "×")
        cells.append(f"{_fmt(load.get('peak_mb'), ',.0f')} ({_fmt(load.get('rise_mb'), ',.0f')})")
        cells.append(chk.get("error") or _fmt(chk.get("seconds"), ",.3f"))
        cells.append(f"{_fmt(chk.get('peak_mb'), ',.0f')} ({_fmt(chk.get('rise_mb'), ',.0f')})")
        both = (load["seconds"] + chk["seconds"]) if "seconds" in load and "seconds" in chk else None
        cells.append(_fmt(both))
        cli = row.get("cli_check", {})
        cells.append(cli.get("error") or _fmt(cli.get("seconds")))
        pg = row.get("postgis", {})
        cells.append("skipped" if "skipped" in pg else pg.get("error") or _fmt(pg.get("seconds"), ",.3f"))
        cells.append(_fmt(_ratio(chk, pg)) + "×" if _ratio(chk, pg) is not None else "–")
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
    for pkg in ("eipgis", "geopandas", "shapely", "pyogrio", "pandas", "numpy", "pyproj", "pyarrow"):
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
            "versions": versions,
            # the machine is shared: how busy it was (1, 5, 15 minutes) when the run ended
            "load_average": [round(v, 2) for v in os.getloadavg()]}


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
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS comparison")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        stage, path = args.child
        profile = str(args.profile) if args.profile else None
        print(json.dumps(_child(stage, path, args.sizes[0], args.seed, profile)))
        return 0

    started = _dt.datetime.now(_dt.UTC)
    load_at_start = [round(v, 2) for v in os.getloadavg()]
    tmp = tempfile.TemporaryDirectory(prefix="eipgis-bench-") if args.workdir is None else None
    workdir = Path(tmp.name) if tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    pg = _PostGIS()
    if not args.no_postgis:
        pg.start()
    else:
        pg.why = "--no-postgis"
    if pg.host:
        os.environ["EIPGIS_BENCH_PGHOST"] = pg.host
    else:
        print(f"PostGIS skipped: {pg.why}", file=sys.stderr, flush=True)
    try:
        for size in args.sizes:
            path = workdir / f"synthetic_{size}.gpkg"
            row: dict[str, Any] = {"size": size}
            for stage in STAGES:
                if stage == "postgis" and not pg.host:
                    row[stage] = {"stage": stage, "skipped": pg.why}
                    continue
                prof = args.profile / f"{stage}_{size}.prof" if args.profile else None
                repeat = 1 if stage in ("write", "postgis") else max(1, args.repeat)
                runs = [_measure_cli(path, args.timeout) if stage == "cli_check" else
                        _measure(stage, path, size, args.seed, args.timeout, prof)
                        for _ in range(repeat)]
                ok = [r for r in runs if "error" not in r]
                m = min(ok, key=lambda r: r["seconds"]) if ok else runs[-1]
                if len(runs) > 1:
                    m = dict(m, runs_s=[r.get("seconds") for r in runs])
                    if ok and all("peak_mb" in r for r in ok):
                        m["peak_mb"] = max(r["peak_mb"] for r in ok)
                row[stage] = m
                if m.get("parcels"):
                    row["parcels"] = m["parcels"]
                memory = (f"  peak {m['peak_mb']:8,.0f} MB (+{m['rise_mb']:,.0f})"
                          if m.get("peak_mb") is not None else "")
                m["load_average"] = round(os.getloadavg()[0], 2)
                print(f"{size:>9,} {stage:<10} " + (m.get("error") or
                      f"{m['seconds']:9.3f} s{memory}") + f"  (load {m['load_average']})",
                      file=sys.stderr, flush=True)
                if "error" in m and stage == "write":
                    break
            if path.exists():
                row["gpkg_mb"] = path.stat().st_size / 1024**2
                if not args.keep:
                    path.unlink()
            rows.append(row)
    finally:
        pg.stop()
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
            "load_average_at_start": load_at_start,
            "postgis": (" / ".join(str(v) for v in pg.version) if getattr(pg, "version", None)
                        else f"skipped: {pg.why}"),
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
