"""The vectorised shortcuts of the core give the figures a brute-force overlay gives."""

from __future__ import annotations

from unittest.mock import patch

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

from eipgis import park as park_module
from eipgis.indicators import _covered_m2
from eipgis.park import _overlapping_pairs


def _polygons(draw: st.DrawFn, n: int) -> list[shapely.Geometry]:
    """Boxes on a 10 m grid (so that many share edges exactly), some of them turned."""
    out = []
    for _ in range(n):
        x, y = draw(st.integers(0, 8)) * 10, draw(st.integers(0, 8)) * 10
        w, h = draw(st.integers(1, 4)) * 10, draw(st.integers(1, 4)) * 10
        g = shapely.box(x, y, x + w, y + h)
        if draw(st.booleans()) and draw(st.booleans()):
            g = shapely.affinity.rotate(g, draw(st.sampled_from([15, 30, 45])))
        out.append(g)
    return out


@st.composite
def layers(draw: st.DrawFn) -> tuple[list[shapely.Geometry], list[shapely.Geometry]]:
    return _polygons(draw, draw(st.integers(1, 12))), _polygons(draw, draw(st.integers(0, 12)))


@settings(max_examples=150, deadline=None)
@given(layers())
def test_covered_area_matches_brute_force(pair) -> None:
    plots, features = pair
    parcels = gpd.GeoDataFrame(geometry=plots)
    layer = gpd.GeoDataFrame(geometry=features)
    got = _covered_m2(parcels, layer).to_numpy()
    # features drawn over each other count once: the area of the plot ∩ their union
    union = shapely.union_all(features)
    want = [shapely.intersection(p, union).area for p in plots]
    assert np.allclose(got, want, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(layers(), st.sampled_from([1, 3, 65_536]))
def test_overlapping_pairs_match_brute_force(pair, query_slice) -> None:
    plots = pair[0] + pair[1]
    # The spatial index is queried in slices of features (65,536 in use; 1 and 3 here so that
    # pairs cross slices): the pairs are the same whatever the slice.
    with patch.object(park_module, "_QUERY_SLICE", query_slice):
        left, right = _overlapping_pairs(gpd.GeoDataFrame(geometry=plots))
    want = [
        (i, j)
        for i in range(len(plots))
        for j in range(i + 1, len(plots))
        # interiors meet: one overlaps, contains or lies within the other (a float-robust
        # test, where a zero-or-not intersection area is not for touching turned polygons)
        if shapely.overlaps(plots[i], plots[j])
        or shapely.contains(plots[i], plots[j])
        or shapely.within(plots[i], plots[j])
    ]
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == want


def test_edge_neighbours_are_not_overlaps() -> None:
    grid = [shapely.box(x, y, x + 10, y + 10) for x in range(0, 50, 10) for y in range(0, 50, 10)]
    left, _ = _overlapping_pairs(gpd.GeoDataFrame(geometry=grid + [shapely.box(5, 5, 15, 15)]))
    assert left.tolist() == [0, 1, 5, 6]  # the extra box overlaps four grid cells
