"""Properties of the land accounting on random grid-tiled parks (hypothesis).

A park is a grid of rows and columns of random heights and widths; each cell is a parcel of a
random class, or left empty (unassigned land); parks are built in memory with
``park_from_frames``. Whatever the grid, shares lie in [0, 1], the
classes and the unassigned land add up to the park, and plot shares stay in [0, 1].
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from eipgis import indicators
from eipgis.criteria import check, load_criteria
from eipgis.landuse import CLASSES
from eipgis.park import park_from_frames

X0, Y0 = 400_000.0, 2_480_000.0
CRS = "EPSG:3405"
CODES = ["CN", "KHO", "CX", "CXCL", "GT", "HTKT", "XLNT", "DHDV", "MN", "DPT", "NO"]
INDUSTRIAL = {"CN", "KHO"}

DECREE_35 = load_criteria("vn-eip-decree-35")  # read once, not once per example

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

def _sizes(max_cells: int):
    return st.lists(
        st.floats(min_value=5.0, max_value=300.0, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=max_cells,
    )


@st.composite
def grid_parks(draw):
    """Layers of a random grid park, with one building and one green patch inside each plot."""
    widths = draw(_sizes(5))
    heights = draw(_sizes(5))
    xs = np.concatenate([[0.0], np.cumsum(widths)])
    ys = np.concatenate([[0.0], np.cumsum(heights)])
    n = len(widths) * len(heights)
    codes = draw(st.lists(st.sampled_from([*CODES, None]), min_size=n, max_size=n))
    if all(c is None for c in codes):
        codes[0] = "CN"
    fraction = st.tuples(
        st.floats(0.0, 0.45), st.floats(0.55, 1.0), st.floats(0.0, 0.45), st.floats(0.55, 1.0)
    )
    ids, lu, geoms, buildings, floors, greens = [], [], [], [], [], []
    cells = itertools.product(range(len(widths)), range(len(heights)))
    for k, (i, j) in enumerate(cells):
        if codes[k] is None:
            continue  # an empty cell: unassigned land
        x1, x2, y1, y2 = X0 + xs[i], X0 + xs[i + 1], Y0 + ys[j], Y0 + ys[j + 1]
        ids.append(f"C{i}-{j}")
        lu.append(f"{codes[k]}-{k + 1:02d}")
        geoms.append(box(x1, y1, x2, y2))
        if codes[k] in INDUSTRIAL:
            for target in (buildings, greens):
                a, b_, c, d = draw(fraction)
                w, h = x2 - x1, y2 - y1
                target.append(box(x1 + a * w, y1 + c * h, x1 + b_ * w, y1 + d * h))
            floors.append(draw(st.integers(1, 8)))
    boundary = box(X0, Y0, X0 + xs[-1], Y0 + ys[-1])
    return {
        "boundary": gpd.GeoDataFrame({"name": ["Lưới ngẫu nhiên"]}, geometry=[boundary], crs=CRS),
        "landuse": gpd.GeoDataFrame({"parcel_id": ids, "landuse": lu}, geometry=geoms, crs=CRS),
        "buildings": gpd.GeoDataFrame({"floors": floors}, geometry=buildings, crs=CRS),
        "plot_green": gpd.GeoDataFrame(geometry=greens, crs=CRS),
    }


def load(layers):
    """The park, validated in memory exactly as ``load_park`` validates a file."""
    return park_from_frames(**{k: v for k, v in layers.items() if not v.empty})


@SETTINGS
@given(grid_parks())
def test_every_share_is_between_0_and_1(layers):
    park = load(layers)
    for cls in CLASSES:
        assert 0.0 <= indicators.landuse_share(park, classes=[cls]).value <= 1.0 + 1e-12
    assert 0.0 <= indicators.isolation_strip(park, width_m=10).value <= 1.0 + 1e-12
    assert 0.0 <= indicators.green_cover_share(park).value <= 1.0 + 1e-12
    report = check(park, DECREE_35)
    for r in report.results:
        if r.unit == "share" and not r.per_feature and r.assessed:  # a data criterion without
            assert 0.0 <= r.value <= 1.0 + 1e-12, r.id  # its table is not assessed (NaN)
        for v in r.gap.values():
            assert v >= 0.0, r.id


@SETTINGS
@given(grid_parks())
def test_class_areas_add_up_to_the_park(layers):
    park = load(layers)
    areas = indicators.class_area_m2(park)
    assigned = float(areas.drop("unassigned").sum())
    assert assigned == pytest.approx(park.area_m2 - park.unassigned_m2, rel=1e-6)
    assert float(areas.sum()) == pytest.approx(park.area_m2, rel=1e-6)
    # the shares of all classes add up to the covered part of the park
    total_share = sum(indicators.landuse_share(park, classes=[c]).value for c in CLASSES)
    assert total_share == pytest.approx(1.0 - park.unassigned_m2 / park.area_m2, rel=1e-6, abs=1e-9)


@SETTINGS
@given(grid_parks(), st.integers(min_value=0, max_value=10_000))
def test_removing_a_parcel_adds_its_area_to_unassigned(layers, pick):
    park = load(layers)
    lu = layers["landuse"]
    if len(lu) < 2:
        return  # a park needs at least one parcel
    row = pick % len(lu)
    removed_m2 = float(lu.geometry.iloc[row].area)
    smaller = dict(layers, landuse=lu.drop(index=lu.index[row]))
    after = load(smaller)
    assert after.unassigned_m2 - park.unassigned_m2 == pytest.approx(
        removed_m2, rel=1e-9, abs=1e-6 * park.area_m2
    )
    assert after.area_m2 == pytest.approx(park.area_m2)


@SETTINGS
@given(grid_parks())
def test_plot_density_and_green_stay_between_0_and_1(layers):
    park = load(layers)
    density = indicators.plot_building_density(park, tall_limit=0.6).per_feature
    green = indicators.plot_green_share(park).per_feature
    n_plots = int(park.landuse["landuse_class"].eq("industrial").sum())
    assert len(density) == len(green) == n_plots
    for frame in (density, green):
        values = frame["value"].to_numpy()
        assert ((values >= 0.0) & (values <= 1.0 + 1e-9)).all()
    # each building was drawn inside its own plot: the footprint is the building's area
    assert density["footprint_m2"].sum() == pytest.approx(
        layers["buildings"].geometry.area.sum(), rel=1e-9
    )
    assert green["green_m2"].sum() == pytest.approx(
        layers["plot_green"].geometry.area.sum(), rel=1e-9
    )
