"""Comparing two GeoPackages layer by layer: spatial layers and attribute-only tables alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely


def assert_same_gpkg(committed: Path, rebuilt: Path) -> None:
    """Same layers in the same order, same attributes, geometries equal within 1e-6 m, same CRS."""
    names = [name for name, _ in pyogrio.list_layers(committed)]
    assert names == [name for name, _ in pyogrio.list_layers(rebuilt)], committed.name
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
            assert same.all(), f"{where}: features {np.flatnonzero(~same).tolist()} differ"
