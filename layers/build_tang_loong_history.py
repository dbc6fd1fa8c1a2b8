"""Build the illustrative Tằng Loỏng history: one park GeoPackage a year, 2022–2026.

Usage::

    python layers/build_tang_loong_history.py [-o FOLDER]

Writes ``tang_loong_history/tang_loong_YYYY.gpkg`` (default: next to this script), the state of the
park at the end of each year, for ``eipgis monitor record``. Every snapshot is the sample of
``build_tang_loong.py`` (which stands for 2026) with what had not happened yet taken back:

- the Lao Kay slag-grinding plant (F16) starts up in 2025 (laodong.vn): before that its plot is
  reserve land (``DPT``), with no buildings, plot green, facility point or enterprise row;
- the isolation strip (``CXCL``) is planted stretch by stretch: ``STRIP_PLANTED`` gives the year
  each strip parcel was planted; before it, the parcel is unused land (``CSD``);
- the enterprises' answers and reuse figures and the park's yes/no answers follow the years in
  ``build_tang_loong.py`` (``ENTERPRISE_YES_FROM``, ``ENTERPRISE_FIGURES``, ``PARK_ANSWERS``).

Only the start-up year of the Lao Kay plant is dated by a source; every other change is
illustrative (layers/README.md). The build is deterministic: no randomness, no network. Parcel
ids stay the same from year to year, so a monitoring store can follow each parcel.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_FOLDER = HERE / "tang_loong_history"
YEARS = range(2022, 2027)
# Year each stretch of the isolation strip was planted (≤ 2022: before the history starts).
STRIP_PLANTED = {
    "CXCL-01": 2022, "CXCL-02": 2022, "CXCL-03": 2022, "CXCL-11": 2022, "CXCL-12": 2022,
    "CXCL-13": 2022, "CXCL-04": 2024, "CXCL-05": 2024, "CXCL-06": 2025, "CXCL-08": 2025,
    "CXCL-07": 2026, "CXCL-09": 2026, "CXCL-10": 2026,
}
UNPLANTED = "Dải cây xanh cách ly (chưa trồng cây)"
LAO_KAY_RESERVE = "Đất dự án nhà máy nghiền xỉ Lao Kay (chưa xây dựng)"


def _sample_module():
    """``build_tang_loong.py``, imported from this folder."""
    spec = importlib.util.spec_from_file_location("build_tang_loong", HERE / "build_tang_loong.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_tang_loong", module)
    spec.loader.exec_module(module)
    return module


def snapshot(sample: dict[str, pd.DataFrame], base, year: int) -> dict[str, pd.DataFrame]:
    """The park at the end of ``year``, from the 2026 sample layers."""
    landuse = sample["landuse"].copy()
    unplanted = landuse.parcel_id.map(STRIP_PLANTED).fillna(0) > year
    if set(landuse.parcel_id[landuse.landuse.eq("CXCL")]) != set(STRIP_PLANTED):
        raise ValueError("STRIP_PLANTED must name every CXCL parcel of the sample")
    landuse.loc[unplanted, ["landuse", "name"]] = ["CSD", UNPLANTED]
    gone: set[str] = set()
    if year < base.LAO_KAY_START:
        plot = landuse.facility_id.eq("F16")
        gone = set(landuse.parcel_id[plot])
        landuse.loc[plot, ["landuse", "name"]] = ["DPT", LAO_KAY_RESERVE]
        landuse.loc[plot, ["tenant", "facility_id", "plot_id"]] = None
    operating = set(base.enterprise_ids(year))
    boundary = sample["boundary"].copy()
    for column, value in base.park_answers(year).items():
        boundary[column] = value
    return {
        "boundary": boundary,
        "landuse": landuse,
        "buildings": sample["buildings"][~sample["buildings"].parcel_id.isin(gone)],
        "plot_green": sample["plot_green"][~sample["plot_green"].parcel_id.isin(gone)],
        "facilities": sample["facilities"][sample["facilities"].facility_id.isin(operating)],
        "neighbourhoods": sample["neighbourhoods"],
        "enterprises": base.enterprises_table(year),
    }


def main(argv=None) -> int:
    base = _sample_module()
    folder = base.output_path(argv, __doc__, DEFAULT_FOLDER, "folder to write tang_loong_YYYY.gpkg into")
    sample = base.build_layers()
    for year in YEARS:
        layers = {name: frame.reset_index(drop=True)
                  for name, frame in snapshot(sample, base, year).items()}
        path = folder / f"tang_loong_{year}.gpkg"
        base.write_gpkg(layers, path, spatial_index=False)  # small files: no R-tree
        summary = base.area_summary(layers).groupby("class")["share_pct"].sum()
        print(f"wrote {path}: {len(layers['enterprises'])} enterprises; green "
              f"{summary.get('green', 0):.2f} %, reserve {summary.get('reserve', 0):.2f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
