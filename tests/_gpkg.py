"""Comparing a committed sample GeoPackage with a fresh build of its script (layers/build_*.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely


def assert_same_gpkg(committed: Path, rebuilt: Path, script: str) -> None:
    """Same layers, CRS, attributes and geometries (to 1e-6 m) in both files."""
    assert committed.exists(), f"run: python layers/{script}"
    names = [name for name, _ in pyogrio.list_layers(committed)]
    assert names == [name for name, _ in pyogrio.list_layers(rebuilt)], f"rerun layers/{script}"
    for name in names:
        old = gpd.read_file(committed, layer=name, engine="pyogrio")
        new = gpd.read_file(rebuilt, layer=name, engine="pyogrio")
        assert old.crs == new.crs, name
        pd.testing.assert_frame_equal(
            pd.DataFrame(old.drop(columns="geometry")), pd.DataFrame(new.drop(columns="geometry")),
            obj=f"layer {name}")
        same = shapely.equals_exact(shapely.normalize(old.geometry.values),
                                    shapely.normalize(new.geometry.values), tolerance=1e-6)
        assert same.all(), f"layer {name}: features {np.flatnonzero(~same).tolist()} differ; rerun {script}"
