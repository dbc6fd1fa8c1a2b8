"""Build ``src/eipgis/data/vn_provinces.geojson``: simplified outlines of Vietnam's 63 pre-2025 provinces.

Usage::

    python layers/build_vn_provinces.py [-o src/eipgis/data/vn_provinces.geojson]

eipgis uses the file for one thing only: to find the province whose VN-2000 3° TM grid a park drawn in
WGS84 is measured in (``eipgis.crs.metric_crs``). The input is geoBoundaries gbOpen VNM ADM1
(``../shared/data/geoboundaries_vnm_adm1/geoBoundaries-VNM-ADM1.geojson``, public domain; cite
Runfola et al. 2020, PLoS ONE 15(4): e0231866, www.geoboundaries.org). The script

1. keeps the properties ``shapeName`` and ``shapeISO`` (64 features: 63 provinces and Côn Đảo, which
   belongs to Bà Rịa – Vũng Tàu);
2. simplifies the polygons as one coverage (``shapely.coverage_simplify``, tolerance
   :data:`TOLERANCE_DEG`), so neighbouring provinces keep their shared borders: no gap or overlap opens
   between them;
3. rounds coordinates to :data:`DECIMALS` decimals (about 0.1 m) and writes one feature per line.

The build is deterministic (same inputs and GEOS, same file); ``tests/test_provinces.py`` checks that the
committed file equals a fresh build.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "src" / "eipgis" / "data" / "vn_provinces.geojson"
_RELATIVE = Path("shared", "data", "geoboundaries_vnm_adm1", "geoBoundaries-VNM-ADM1.geojson")
# The repository is checked out beside ../shared, which holds the open data (a git worktree may sit
# a level deeper, so the nearest folder above that has it is taken).
SOURCE = next((folder / _RELATIVE for folder in HERE.parents[1:] if (folder / _RELATIVE).exists()),
              HERE.parent.parent / _RELATIVE)
#: Coverage simplification tolerance in degrees (about 550 m): ample for a point-in-province test.
TOLERANCE_DEG = 0.005
#: Decimals kept in each coordinate (1e-6° ≈ 0.1 m).
DECIMALS = 6
KEEP = ("shapeName", "shapeISO")


def build(source: Path = SOURCE) -> str:
    """The GeoJSON text of the simplified province layer (one feature per line)."""
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    features = data["features"]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    simple = shapely.coverage_simplify(geoms, TOLERANCE_DEG)
    simple = shapely.transform(simple, lambda xy: np.round(xy, DECIMALS))
    lines = []
    for feature, geom in zip(features, simple, strict=True):
        props = {key: feature["properties"][key] for key in KEEP}
        geometry = json.loads(shapely.to_geojson(geom))
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": geometry},
                                ensure_ascii=False, separators=(",", ":")))
    header = ('{"type":"FeatureCollection","name":"vn_provinces",'
              '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},'
              '"features":[\n')
    return header + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = build(args.source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.output.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.output)
    print(f"wrote {args.output}: {text.count(chr(10)) - 2} provinces, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
