"""Build ``src/eipgis/data/vn_context.geojson``: national roads and railways of Vietnam for map context.

Usage::

    python layers/build_vn_context.py [-o src/eipgis/data/vn_context.geojson]

Web maps draw this layer under the park (on by default, clipped to the park's surroundings) so that a
map opened with no internet still shows where the park lies: the national and provincial roads and
the railways, with their names. The input is the LegoCity transport layer
(``../shared/data/vn_transport_legocity/giaothong.geojson``, CC BY-SA 4.0, see its ``SOURCE.md``). The
script

1. keeps ``ten`` (name; the placeholder ``Không biết``, "unknown", becomes no name), ``loai_duong``
   as ``kind`` (``road``, ``minor_road`` or ``railway``) and ``cap_duong`` as ``level``;
2. simplifies each line (``shapely.simplify``, tolerance :data:`TOLERANCE_DEG` ≈ 20 m, below what
   the map shows at the zoom levels where the context matters);
3. rounds coordinates to :data:`DECIMALS` decimals (≈ 1 m) and writes one feature per line.

The result is a derivative of CC BY-SA 4.0 data and is shared under the same licence (see
``src/eipgis/data/SOURCE.md``). The build is deterministic (same inputs and GEOS, same file).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import shapely
from build_lao_cai_roads import TRANSPORT as SOURCE  # the one place that finds ../shared/data

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE.parent / "src" / "eipgis" / "data" / "vn_context.geojson"

#: Simplification tolerance (degrees): 0.0002° ≈ 22 m north–south.
TOLERANCE_DEG = 0.0002
#: Decimals kept: 1e-5° ≈ 1.1 m.
DECIMALS = 5

_KINDS = {"Đường chính": "road", "Đường thứ cấp": "minor_road", "Đường sắt": "railway"}
_LEVELS = {"Quốc Gia": "national", "Cấp Tỉnh": "provincial", "Cấp Huyện": "district",
           "Asean": "asean"}


def build(source: Path = SOURCE) -> str:
    """The context layer as GeoJSON text (one feature per line)."""
    data = json.loads(source.read_text(encoding="utf-8"))
    lines = []
    for feature in sorted(data["features"], key=lambda f: int(f["properties"]["gid"])):
        p = feature["properties"]
        geom = shapely.geometry.shape(feature["geometry"])
        geom = shapely.simplify(geom, TOLERANCE_DEG, preserve_topology=False)
        geom = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
        if geom.is_empty:
            continue
        name = (p.get("ten") or "").strip()
        props = {"gid": int(p["gid"]), "name": None if name in ("", "Không biết") else name,
                 "kind": _KINDS.get(p.get("loai_duong"), "road"),
                 "level": _LEVELS.get(p.get("cap_duong"), None)}
        lines.append(json.dumps({"type": "Feature", "properties": props,
                                 "geometry": json.loads(shapely.to_geojson(geom))},
                                ensure_ascii=False, separators=(",", ":")))
    return ('{"type":"FeatureCollection","name":"vn_context",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[\n'
            + ",\n".join(lines) + "\n]}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    text = build()
    fd, tmp = tempfile.mkstemp(dir=args.output.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.output)
    print(f"{args.output}: {text.count(chr(10)) - 2} features, {len(text.encode()) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
