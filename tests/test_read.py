"""Reading a layer through Arrow gives the frame the ordinary (feature-by-feature) reading gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import eipgis
from eipgis.io import list_layers, read_layer

pytest.importorskip("pyarrow")


def _same(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    if not isinstance(want, gpd.GeoDataFrame):  # an attribute-only table (the sample's enterprises)
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(want), check_exact=True)
        return
    assert got.geometry.name == want.geometry.name and got.crs == want.crs
    pd.testing.assert_frame_equal(pd.DataFrame(got).drop(columns=got.geometry.name),
                                  pd.DataFrame(want).drop(columns=want.geometry.name),
                                  check_exact=True)
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=0).all()


def test_sample_layers_read_through_arrow_equal_the_ordinary_read() -> None:
    path = eipgis.sample_path()
    layers = list_layers(path)
    assert set(layers) >= {"boundary", "landuse", "buildings", "facilities", "roads"}
    for name, where in layers.items():
        if name.startswith(("gpkg_", "rtree_", "layer_styles")):
            continue
        # ordinary reading: GDAL's row API, no Arrow
        want = gpd.read_file(where, layer=name, engine="pyogrio", use_arrow=False)
        _same(read_layer(where, name), want)


def test_date_time_and_empty_layers_read_through_arrow(tmp_path: Path) -> None:
    # A field of dates and times takes geopandas' Arrow path, which parses them; an empty layer
    # keeps its columns.
    path = tmp_path / "dated.gpkg"
    when = [dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2026, 12, 31, 23, 59, 0)]
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2"], "surveyed": pd.to_datetime(when), "floors": [2, 3]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs="EPSG:3405")
    pyogrio.write_dataframe(frame, path, layer="landuse")
    pyogrio.write_dataframe(frame.iloc[:0], path, layer="buildings", append=False)
    got = read_layer(str(path), "landuse")
    assert got["surveyed"].tolist() == [pd.Timestamp(w) for w in when]
    _same(got, gpd.read_file(path, layer="landuse", engine="pyogrio", use_arrow=False))
    empty = read_layer(str(path), "buildings")
    assert empty.empty and list(empty.columns) == ["parcel_id", "surveyed", "floors", "geometry"]
