"""File size, build time and load time in headless Chromium of the web map of synthetic parks.

Usage::

    python benchmarks/bench_webmap.py --sizes 1000 10000 --repeat 3 --out benchmarks/results_webmap.json

For each size, :func:`eipgis.synth.write_synthetic_park` writes a park to a temporary GeoPackage and
``eipgis.load_park`` reads it (not timed). Then:

* ``build``: wall time of ``park_map(park, report=check(park), tiles=None)`` plus ``map_html`` (the
  criteria check itself is not timed), and the size of the HTML file;
* in headless Chromium (Debian ``chromium`` + ``chromium-driver``, a fresh profile, no network
  requests possible since the page holds every script), each of ``--repeat`` page loads records from
  the browser's own clocks: ``first-paint`` and ``first-contentful-paint`` (Paint Timing API),
  ``map-ready`` (the mark the map's last script sets once every layer is on the map) and ``load``
  (``loadEventEnd`` of the navigation), all in ms from navigation start; the fastest of the loads is
  kept, all are in the JSON.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,860")

_TIMINGS = """
var nav = performance.getEntriesByType('navigation')[0];
var out = {load: nav ? nav.loadEventEnd : null};
performance.getEntriesByType('paint').forEach(function (p) { out[p.name] = p.startTime; });
var ready = performance.getEntriesByName('eipgis-map-ready');
out['map-ready'] = ready.length ? ready[0].startTime : null;
out.external = performance.getEntriesByType('resource').filter(function (e) {
  return !/^(file|data):/.test(e.name); }).length;
return out;
"""


def _browser(profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    return driver


def measure(n_parcels: int, repeat: int, folder: Path) -> dict[str, Any]:
    import eipgis
    from eipgis.present.webmap import map_html, park_map
    from eipgis.synth import write_synthetic_park

    gpkg = write_synthetic_park(folder / f"synth_{n_parcels}.gpkg", n_parcels, seed=0, overwrite=True)
    park = eipgis.load_park(gpkg)
    report = eipgis.check(park, "vn-qcvn-01-2021")
    start = time.perf_counter()
    html = map_html(park_map(park, report=report, tiles=None, date="2026-11-24"))
    build_s = time.perf_counter() - start
    page = folder / f"map_{n_parcels}.html"
    page.write_text(html, encoding="utf-8")
    result: dict[str, Any] = {
        "parcels": len(park.landuse),
        "features": {"buildings": len(park.buildings), "facilities": len(park.facilities)},
        "build_s": round(build_s, 3),
        "html_mb": round(page.stat().st_size / 1e6, 3),
        "loads": [],
    }
    profile = tempfile.mkdtemp(prefix="eipgis-bench-chromium-")
    driver = _browser(profile)
    try:
        for _ in range(repeat):
            driver.get("about:blank")
            driver.get(page.resolve().as_uri())
            time.sleep(0.3)  # let the paint entries settle
            timings = driver.execute_script(_TIMINGS)
            errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            timings["console_errors"] = errors
            result["loads"].append(timings)
        driver.save_screenshot(str(folder / f"map_{n_parcels}.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    best = min(result["loads"], key=lambda t: t["load"] or float("inf"))
    result["best"] = {k: (round(v) if isinstance(v, float) else v) for k, v in best.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="Folder to keep the HTML files and screenshots in.")
    args = parser.parse_args()

    import folium
    import selenium

    import eipgis

    folder = Path(args.keep or tempfile.mkdtemp(prefix="eipgis-bench-webmap-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        r = measure(n, args.repeat, folder)
        b = r["best"]
        print(f"{r['parcels']:>9,} parcels  {r['html_mb']:6.2f} MB  build {r['build_s']:6.2f} s  "
              f"first paint {b.get('first-paint')} ms  map ready {b.get('map-ready')} ms  "
              f"load {b.get('load')} ms  external requests {b.get('external')}", flush=True)
        results.append(r)
    doc = {
        "date": _dt.date.today().isoformat(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "eipgis": eipgis.__version__,
        "folium": folium.__version__,
        "selenium": selenium.__version__,
        "results": results,
    }
    if args.out:
        args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
