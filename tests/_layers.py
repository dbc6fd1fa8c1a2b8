"""The committed layers: comparing two GeoPackages layer by layer (spatial layers and attribute-only
tables alike), and the hand-worked figures of the Tằng Loỏng history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

LAYERS_DIR = Path(__file__).resolve().parents[1] / "layers"
HISTORY = LAYERS_DIR / "tang_loong_history"
# Green land (ha) at each year end: CX 61.19 + the planted isolation strip: CXCL-01/02/03/11/12/13
# 10.87 ha, + CXCL-04/05 (1.03 + 2.92 = 3.96 ha) in 2024, + CXCL-06/08 (1.49 + 1.34 = 2.83 ha) in
# 2025, + CXCL-07/09/10 (1.22 + 1.07 + 0.70 = 2.99 ha) in 2026 (layers/README.md). Boundary
# 1,097.67 ha: 6.56 %, 6.56 %, 6.92 %, 7.18 %, 7.46 %.
GREEN_HA = {2022: 61.19 + 10.87, 2023: 61.19 + 10.87, 2024: 61.19 + 10.87 + 3.96,
            2025: 61.19 + 10.87 + 3.96 + 2.83, 2026: 61.19 + 10.87 + 3.96 + 2.83 + 2.99}
BOUNDARY_HA = 1097.67


def assert_same_gpkg(committed: Path, rebuilt: Path, script: str | None = None) -> None:
    """Same layers in the same order, same attributes, geometries equal within 1e-6 m, same CRS.

    ``script`` (``build_hoa_khanh.py``) names the build to rerun in the messages.
    """
    rerun = f"; rerun layers/{script}" if script else ""
    assert committed.exists(), f"{committed} is missing{rerun}"
    names = [name for name, _ in pyogrio.list_layers(committed)]
    assert names == [name for name, _ in pyogrio.list_layers(rebuilt)], f"{committed.name}{rerun}"
    for name in names:
        old = pyogrio.read_dataframe(committed, layer=name)
        new = pyogrio.read_dataframe(rebuilt, layer=name)
        where = f"{committed.name}, layer {name}"
        spatial = "geometry" in old.columns
        assert spatial == ("geometry" in new.columns), where
        pd.testing.assert_frame_equal(pd.DataFrame(old.drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(new.drop(columns="geometry", errors="ignore")),
                                      obj=where)
        if spatial:
            assert old.crs == new.crs, where
            same = shapely.equals_exact(shapely.normalize(old.geometry.values),
                                        shapely.normalize(new.geometry.values), tolerance=1e-6)
            assert same.all(), f"{where}: features {np.flatnonzero(~same).tolist()} differ{rerun}"
