"""Synthetic parks: they load, tile the boundary exactly, are deterministic and can be checked."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import eipgis
from eipgis.errors import InputError, OutputError
from eipgis.synth import LAYOUT, synthetic_park, write_synthetic_park


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_park(1_000, seed=7)


@pytest.fixture(scope="module")
def park(tmp_path_factory: pytest.TempPathFactory) -> eipgis.Park:
    path = write_synthetic_park(tmp_path_factory.mktemp("synth") / "park.gpkg", 1_000, seed=7)
    return eipgis.load_park(path)


def test_layers_are_the_contract(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert set(layers) == {"boundary", "landuse", "buildings", "plot_green", "facilities",
                           "neighbourhoods"}
    assert {"parcel_id", "landuse"} <= set(layers["landuse"].columns)
    assert {"facility_id", "hazard_class"} <= set(layers["facilities"].columns)
    assert {"floors", "main"} <= set(layers["buildings"].columns)
    assert all(str(f.crs) == "EPSG:3405" for f in layers.values())


@pytest.mark.parametrize("n", [1_000, 5_000, 20_000])
def test_parcel_count_close_to_n(n: int) -> None:
    count = len(synthetic_park(n)["landuse"])
    assert abs(count - n) <= 0.06 * n


def test_one_block_for_tiny_n() -> None:
    # 16 plots, 2 road column segments, 2 road rows and a ring of 4 segments
    assert len(synthetic_park(1)["landuse"]) == 24


def test_hand_checked_sizes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    # 1,000 parcels → 59 blocks → 8 × 7 blocks of 4 × 4 plots (100 m × 80 m), 24 m roads, 15 m ring
    boundary = layers["boundary"].geometry.iloc[0]
    xmin, ymin, xmax, ymax = boundary.bounds
    assert (xmin, ymin) == (400_000, 2_480_000)
    assert xmax - xmin == 2 * 15 + 9 * 24 + 8 * 4 * 100
    assert ymax - ymin == 2 * 15 + 8 * 24 + 7 * 4 * 80
    assert len(layers["landuse"]) == 8 * 7 * 16 + 9 * 7 + 8 + 2 * 8 + 2 * 7
    plots = layers["landuse"].geometry.area
    assert (plots == LAYOUT["plot_width_m"] * LAYOUT["plot_depth_m"]).sum() == 8 * 7 * 16


def test_parcels_tile_the_boundary(layers: dict[str, gpd.GeoDataFrame]) -> None:
    geoms = layers["landuse"].geometry.values
    boundary = layers["boundary"].geometry.iloc[0]
    assert geoms.area.sum() == pytest.approx(boundary.area, abs=1e-6)
    assert shapely.union_all(geoms).symmetric_difference(boundary).area == pytest.approx(0, abs=1e-6)
    left, _ = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    assert len(left) == 0


def test_loads_with_nothing_unassigned(park: eipgis.Park) -> None:
    assert len(park.landuse) == 997
    assert park.unassigned_m2 == pytest.approx(0.0, abs=1e-6)
    assert park.notes == ()
    assert park.landuse.geometry.area.sum() == pytest.approx(park.area_m2)
    classes = set(park.landuse["landuse_class"])
    assert {"industrial", "green", "traffic", "technical", "reserve"} <= classes
    assert (park.landuse["landuse"] == "XLNT").sum() == 1
    assert park.name.startswith("Khu công nghiệp")
    assert set(park.neighbourhoods["name"]) >= {"Thôn Đông Sơn"}


def test_buildings_and_green_in_industrial_plots(park: eipgis.Park) -> None:
    plots = park.landuse[park.landuse["landuse_class"] == "industrial"]
    main = park.buildings[park.buildings["main"]]
    in_plot = main.sjoin(plots, predicate="within")
    assert len(in_plot) == len(main)  # every main building lies inside one industrial plot
    assert len(main) >= 0.9 * len(plots)
    assert (main["floors"] > 5).any()
    green = park.plot_green.sjoin(plots, predicate="within")
    assert len(green) == len(park.plot_green) == len(plots)
    # no plot green under a building
    assert not shapely.STRtree(main.geometry.values).query(
        park.plot_green.geometry.values, predicate="overlaps").size


def test_deterministic_for_a_seed() -> None:
    a, b, c = synthetic_park(800, seed=3), synthetic_park(800, seed=3), synthetic_park(800, seed=4)
    for name in a:
        assert a[name].geom_equals(b[name]).all()
        assert a[name].drop(columns="geometry").equals(b[name].drop(columns="geometry"))
    assert not a["landuse"]["landuse"].equals(c["landuse"]["landuse"])


def test_check_runs_and_shares_are_shares(park: eipgis.Park) -> None:
    report = eipgis.check(park, "vn-qcvn-01-2021")
    for criterion in ("VN21-LU-GREEN", "VN21-LU-TRAFFIC", "VN21-LU-TECH", "VN21-BUF-STRIP"):
        assert 0.0 <= report[criterion].value <= 1.0
    density = report["VN21-PLOT-DENSITY"]
    green = report["VN21-PLOT-GREEN"]
    assert 0 < density.value < density.details["checked"]  # some plots over density, not all
    assert 0 < green.value < green.details["checked"]  # some plots under 20 % green, not all
    strip = report["VN21-BUF-STRIP"]
    assert 0.0 < strip.value < 1.0 and not strip.passed  # a partial isolation strip
    assert report["VN21-LU-TRAFFIC"].passed
    assert sum(report.class_area_ha.values()) == pytest.approx(park.area_ha)
    for r in (density, green):
        per = r.measure.per_feature["value"].to_numpy()
        assert np.all((per >= 0) & (per <= 1))


def test_plot_green_shares_are_exact(park: eipgis.Park) -> None:
    # the green strip spans the plot's depth, so its share is its width / 100 m
    report = eipgis.check(park, "vn-qcvn-01-2021")
    per = report["VN21-PLOT-GREEN"].measure.per_feature
    strips = park.plot_green.set_index("parcel_id").geometry
    widths = strips.bounds["maxx"] - strips.bounds["minx"]
    assert np.allclose(per.loc[widths.index, "value"], widths / LAYOUT["plot_width_m"])


def test_bad_size_is_an_input_error() -> None:
    for bad in (0, -5, 2.5, "100", True):
        with pytest.raises(InputError, match="n_parcels"):
            synthetic_park(bad)  # type: ignore[arg-type]


def test_write_does_not_replace_unless_asked(tmp_path) -> None:
    path = write_synthetic_park(tmp_path / "p.gpkg", 50)
    with pytest.raises(OutputError, match="exists"):
        write_synthetic_park(path, 50)
    write_synthetic_park(path, 50, seed=2, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg"]
