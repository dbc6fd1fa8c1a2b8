"""Hostile park, criteria and flow files through the command line (issue 9, numbers and CRSs).

Each bad file gives exit 2, one message naming the layer (or row, or key), the feature and the
fix, no traceback, no output file, and the input files byte-identical. The park is the
hand-checkable 100 ha square of ``conftest.py`` (EPSG:3405, x 400,000–401,000 m,
y 2,480,000–2,481,000 m) with one thing broken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import b, square_park_layers, write_park
from shapely.geometry import Polygon

from eipgis.cli import main

# --- helpers ----------------------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.iterdir()) if f.is_file()}


def run(args: list[object], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    _, err = capsys.readouterr()
    return info.value.code, err


def refused(tmp_path: Path, capsys, args: list[object], *expected: str) -> str:
    """Run ``eipgis`` with an output path; assert exit 2, the message parts, nothing written."""
    inputs = tmp_path / "in"
    before = digest(inputs)
    out = tmp_path / "out" / "report.json"
    code, err = run([*args, "-o", out], capsys)
    assert code == 2, err
    assert "Traceback" not in err
    for part in expected:
        assert part in err, f"{part!r} not in {err!r}"
    assert "Fix:" in err or "fix the keys below" in err  # criteria files list the keys to fix
    assert not out.exists()
    assert digest(inputs) == before
    return err


def park_file(tmp_path: Path, change: Callable[[dict[str, gpd.GeoDataFrame]], None]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    layers = square_park_layers()
    change(layers)
    return write_park(folder / "park.gpkg", layers)


def set_column(layer: str, column: str, values: list[object]) -> Callable[[dict], None]:
    def change(layers: dict[str, gpd.GeoDataFrame]) -> None:
        frame = layers[layer].copy()
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
        layers[layer] = frame
    return change


def relabel(crs: str) -> Callable[[dict], None]:
    """Every layer keeps its coordinates but says it is in ``crs``."""
    def change(layers: dict[str, gpd.GeoDataFrame]) -> None:
        for name, frame in layers.items():
            layers[name] = frame.set_crs(crs, allow_override=True)
    return change


# --- numbers in the park ------------------------------------------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize("bad, problem", [
    (2.5, "floors is not a whole number in B2 (2.5)"),
    ("nine", "floors is not a whole number in B2 (nine)"),
    (-1, "floors outside 0–200 in B2 (-1)"),
    (1e30, "floors outside 0–200 in B2 (1e+30)"),
    (float("inf"), "floors outside 0–200 in B2 (inf)"),
    (201, "floors outside 0–200 in B2 (201)"),
    (HUGE, "floors outside 0–200 in B2 (99999999999999999999…)"),
])
def test_floors_must_be_whole_numbers_0_to_200(bad, problem, tmp_path, capsys):
    floors = [2, bad, 1, 1] if isinstance(bad, str) else [2.0, bad, 1.0, 1.0]
    gpkg = park_file(tmp_path, set_column("buildings", "floors", floors))
    refused(tmp_path, capsys, ["check", gpkg], "layer 'buildings'", problem,
            "whole number from 0 to 200")


def test_floors_written_as_reals_are_fine(tmp_path, capsys):
    gpkg = park_file(tmp_path, set_column("buildings", "floors", [2.0, 6.0, 1.0, 0.0]))
    code, err = run(["check", gpkg, "--format", "json"], capsys)
    assert code == 0, err
    from eipgis import load_park
    assert load_park(gpkg).buildings["floors"].tolist() == [2, 6, 1, 0]


def test_floors_without_building_id_name_the_row(tmp_path, capsys):
    def change(layers):
        set_column("buildings", "floors", [2, 2, -3, 1])(layers)
        layers["buildings"] = layers["buildings"].drop(columns=["building_id"])
    refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
            "layer 'buildings'", "feature 3 (-3)")


def test_main_must_be_boolean_like(tmp_path, capsys):
    gpkg = park_file(tmp_path, set_column("buildings", "main", ["true", "maybe", "1", "0"]))
    refused(tmp_path, capsys, ["check", gpkg], "layer 'buildings'", "main is not true/false in B2")


@pytest.mark.parametrize("bad, shown", [
    (-5, "(-5)"), (float("inf"), "(inf)"), (HUGE, "(99999999999999999999…)"), ("many", "(many)"),
])
def test_population_finite_and_not_negative(bad, shown, tmp_path, capsys):
    gpkg = park_file(tmp_path, set_column("neighbourhoods", "population", [bad]))
    refused(tmp_path, capsys, ["check", gpkg], "layer 'neighbourhoods'",
            f"population is not a number of people (finite, 0 or more) in Thôn Làng Mới {shown}")


@pytest.mark.parametrize("bad", ["1e30", "inf", "2.5", "0", "VI"])
def test_hazard_class_is_one_of_five(bad, tmp_path, capsys):
    gpkg = park_file(tmp_path, set_column("facilities", "hazard_class", ["I", bad]))
    refused(tmp_path, capsys, ["check", gpkg], "layer 'facilities'",
            "hazard_class not one of I–V (or 1–5) in F2")


# --- criteria numbers -------------------------------------------------------------------------

CRITERION = """schema_version: 1
id: hostile
title: {{en: Hostile, vi: Thử}}
criteria:
  - id: GREEN
    title: {{en: Green, vi: Cây xanh}}
    indicator: landuse_share
    params: {params}
    op: ">="
    threshold: {threshold}
    unit: share
    source: a test
    status: unconfirmed
"""


@pytest.mark.parametrize("threshold, params, expected", [
    (".inf", "{classes: [green]}", "criteria[0].threshold: Input should be a finite number"),
    ("-.inf", "{classes: [green]}", "criteria[0].threshold: Input should be a finite number"),
    (".nan", "{classes: [green]}", "criteria[0].threshold: Input should be a finite number"),
    ("1e400", "{classes: [green]}", "criteria[0].threshold: Input should be a finite number"),
    (HUGE, "{classes: [green]}", "a number with 5,000 digits"),
    ("9" * 400, "{classes: [green]}", "a number with 400 digits at line 10"),
    ("0.1", "{classes: [green], x: .inf}", "params.x: not a finite number"),
])
def test_criteria_numbers_are_finite(threshold, params, expected, tmp_path, square_gpkg, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    crit = folder / "c.yaml"
    crit.write_text(CRITERION.format(threshold=threshold, params=params), encoding="utf-8")
    refused(tmp_path, capsys, ["check", square_gpkg, "--criteria", crit], "c.yaml", expected)


def test_the_criteria_template_itself_is_good(tmp_path, square_gpkg, capsys):
    crit = tmp_path / "c.yaml"
    crit.write_text(CRITERION.format(threshold="0.1", params="{classes: [green]}"), encoding="utf-8")
    code, err = run(["check", square_gpkg, "--criteria", crit], capsys)
    assert code == 0, err


# --- flow quantities --------------------------------------------------------------------------


@pytest.mark.parametrize("quantity, expected", [
    ("inf", "row 3 (F1, phosphogypsum): quantity 'inf' is infinite or absurdly large"),
    ("1e30", "row 3 (F1, phosphogypsum): quantity '1e30' is infinite or absurdly large"),
    (HUGE, "quantity '9999999999999999999999999999999999999999… (5,000 characters)' is infinite"),
    ("-5", "row 3 (F1, phosphogypsum): negative or missing quantity -5"),
    ("nan", "row 3 (F1, phosphogypsum): negative or missing quantity nan"),
])
def test_flow_quantities_finite_and_not_negative(quantity, expected, tmp_path, capsys):
    gpkg = park_file(tmp_path, lambda layers: None)
    flows = tmp_path / "in" / "flows.csv"
    flows.write_text("node,direction,material,quantity,unit\n"
                     "F2,demand,phosphogypsum,100,t/yr\n"
                     f"F1,supply,phosphogypsum,{quantity},t/yr\n", encoding="utf-8")
    inputs = digest(tmp_path / "in")
    out = tmp_path / "out"
    code, err = run(["symbiosis", gpkg, "--flows", flows, "-o", out], capsys)
    assert code == 2 and "Traceback" not in err
    assert expected in err and "Fix:" in err
    assert not out.exists() or not any(out.iterdir())
    assert digest(tmp_path / "in") == inputs


def test_flow_quantity_yaml_infinity(tmp_path, capsys):
    gpkg = park_file(tmp_path, lambda layers: None)
    flows = tmp_path / "in" / "flows.yaml"
    flows.write_text("- {node: F1, direction: supply, material: phosphogypsum, quantity: .inf, "
                     "unit: t/yr}\n", encoding="utf-8")
    code, err = run(["symbiosis", gpkg, "--flows", flows, "-o", tmp_path / "out"], capsys)
    assert code == 2 and "flows[0] (F1, phosphogypsum): quantity 'inf' is infinite" in err


# --- CRSs that cannot be used -----------------------------------------------------------------


@pytest.mark.parametrize("crs, expected", [
    ("IAU_2015:49900", "is not a CRS of the Earth (its ellipsoid is 'Mars (2015) - Sphere'"),
    ('LOCAL_CS["site grid",UNIT["metre",1]]', "site grid is a local engineering CRS"),
    ("EPSG:4978", "its CRS EPSG:4978 is geocentric"),
])
def test_unusable_layer_crs(crs, expected, tmp_path, capsys):
    gpkg = park_file(tmp_path, relabel(crs))
    err = refused(tmp_path, capsys, ["check", gpkg], "layer 'boundary'", expected, "Layer → Set CRS")
    assert "layer 'landuse'" in err


ENGINEERING = ('ENGCRS["site",EDATUM["d"],CS[Cartesian,2],AXIS["x",east],AXIS["y",north],'
               'LENGTHUNIT["metre",1]]')


@pytest.mark.parametrize("crs, expected", [
    ("IAU_2015:49910", "is not a CRS of the Earth"),
    ("EPSG:4978", "is geocentric"),
    (ENGINEERING, "site is a local engineering CRS"),
    (HUGE, "is neither a CRS nor a province name"),
    ("Sao Hỏa", "is neither a CRS nor a province name"),
])
def test_unusable_crs_option(crs, expected, tmp_path, capsys):
    gpkg = park_file(tmp_path, lambda layers: None)
    refused(tmp_path, capsys, ["check", gpkg, "--crs", crs], expected)


# --- coordinates outside the CRS's area of use: a diagnosis, before any geometry check ----------


def test_metres_labelled_lonlat(tmp_path, capsys):
    gpkg = park_file(tmp_path, relabel("EPSG:4326"))
    for extra in ([], ["--repair"]):
        err = refused(tmp_path, capsys, ["check", gpkg, *extra],
                      "layer 'landuse': says EPSG:4326 but its coordinates (400500, 2480500) look "
                      "like metres — VN-2000 / a projected grid. Fix: pass --crs 'Lào Cai'",
                      "Layer → Set CRS")
        assert "invalid geometry" not in err and "pass --repair" not in err


def test_metres_labelled_lonlat_read_in_the_grid_given_with_crs(tmp_path, capsys):
    gpkg = park_file(tmp_path, relabel("EPSG:4326"))
    code, err = run(["check", gpkg, "--crs", "Lào Cai", "--format", "json"], capsys)
    assert code == 0, err
    from eipgis import load_park
    park = load_park(gpkg, crs="Lào Cai")
    assert park.crs_label == "EPSG:9208"
    assert round(park.area_ha, 3) == 100.0  # the coordinates are read as metres, not reprojected
    assert "landuse: says EPSG:4326 but holds metres; read as EPSG:9208 (--crs)" in park.notes


def test_lat_lon_swapped(tmp_path, capsys):
    def change(layers):
        for name, frame in layers.items():
            ll = frame.to_crs(4326)
            swapped = shapely.transform(ll.geometry.values, lambda xy: xy[:, ::-1])
            layers[name] = ll.set_geometry(gpd.GeoSeries(swapped, crs=4326, index=ll.index))
    err = refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
                  "layer 'boundary': says EPSG:4326 but its coordinates (22.4",
                  "look like latitude and longitude swapped", "(in Vietnam once swapped)",
                  "Fix: swap x and y")
    assert "invalid geometry" not in err


def test_degrees_labelled_with_a_projected_crs(tmp_path, capsys):
    def change(layers):
        for name, frame in layers.items():
            layers[name] = frame.to_crs(4326).set_crs("EPSG:3405", allow_override=True)
    refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
            "layer 'boundary': says EPSG:3405 (metres) but its coordinates (104.0",
            "look like longitude and latitude in degrees", "set the layer's CRS to EPSG:4326")


def test_projected_park_3000_km_from_its_area_of_use(tmp_path, capsys):
    def change(layers):
        for name, frame in layers.items():
            layers[name] = frame.set_geometry(frame.geometry.translate(yoff=3_000_000))
    err = refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
                  "layer 'boundary': says EPSG:3405 but its coordinates (400500, 5480500) lie at",
                  "far from the area of use of EPSG:3405", "km away", "Layer → Set CRS")
    km = int(err.split("EPSG:3405 (")[1].split(" km away")[0].replace(",", ""))
    assert 2500 < km < 3200  # 3,000 km north of the park, which sits inside the area of use


def test_non_finite_coordinates(tmp_path, capsys):
    def change(layers):
        layers["plot_green"] = layers["plot_green"].set_geometry(gpd.GeoSeries(
            [b(10, 100, 110, 600), b(510, 500, 1000, 600),
             Polygon([(0, 0), (1e300, 0), (1e300, 1e300)])], crs=layers["plot_green"].crs))
    refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
            "layer 'plot_green': has coordinates as large as 1e+300")


# --- --repair never crashes ------------------------------------------------------------------

LINE_LIKE = Polygon([(400_000, 2_480_000), (401_000, 2_481_000), (400_500, 2_480_500)])


def test_zero_area_boundary(tmp_path, capsys):
    def change(layers):
        layers["boundary"] = layers["boundary"].set_geometry(
            gpd.GeoSeries([LINE_LIKE], crs=layers["boundary"].crs))
    gpkg = park_file(tmp_path, change)
    refused(tmp_path, capsys, ["check", gpkg], "layer 'boundary': invalid geometry")
    refused(tmp_path, capsys, ["check", gpkg, "--repair"],
            "layer 'boundary': no area left after --repair in feature 1 (zero-area or line-like "
            "polygon). Fix: redraw them")


def test_collapsed_parcel_with_repair(tmp_path, capsys):
    def change(layers):
        geoms = list(layers["landuse"].geometry)
        geoms[2] = LINE_LIKE  # P1
        layers["landuse"] = layers["landuse"].set_geometry(gpd.GeoSeries(geoms, crs=layers["landuse"].crs))
    refused(tmp_path, capsys, ["check", park_file(tmp_path, change), "--repair"],
            "layer 'landuse': no area left after --repair in P1")


def test_repair_keeps_the_polygon_of_a_geometry_collection(tmp_path, capsys):
    # P1 with a spike: make_valid gives a GeometryCollection (the polygon and a line).
    from conftest import p
    spiky = Polygon([p(10, 100), p(510, 100), p(510, 600), p(510, 700), p(510, 600), p(10, 600)])
    bow_tie_facility = Polygon([p(800, 300), p(900, 400), p(900, 300), p(800, 400)])

    def change(layers):
        geoms = list(layers["landuse"].geometry)
        geoms[2] = spiky
        layers["landuse"] = layers["landuse"].set_geometry(gpd.GeoSeries(geoms, crs=layers["landuse"].crs))
        fac = layers["facilities"]
        layers["facilities"] = fac.set_geometry(gpd.GeoSeries([fac.geometry.iloc[0], bow_tie_facility],
                                                              crs=fac.crs))
    gpkg = park_file(tmp_path, change)
    code, err = run(["check", gpkg, "--repair"], capsys)
    assert code == 0, err
    from eipgis import load_park
    park = load_park(gpkg, repair=True)
    p1 = park.landuse.set_index("parcel_id").geometry["P1"]
    assert p1.geom_type == "Polygon" and round(p1.area) == 250_000
    f2 = park.facilities.set_index("facility_id").geometry["F2"]
    assert f2.geom_type == "MultiPolygon" and round(f2.area) == 5_000  # two triangles of 50 × 100 / 2
    assert "landuse: repaired invalid geometry of P1" in park.notes
    assert "facilities: repaired invalid geometry of F2" in park.notes


# --- parcels and tables -----------------------------------------------------------------------


def test_every_parcel_outside_the_boundary(tmp_path, capsys):
    def change(layers):
        lu = layers["landuse"]
        layers["landuse"] = lu.set_geometry(lu.geometry.translate(xoff=5_000))
    refused(tmp_path, capsys, ["check", park_file(tmp_path, change)],
            "layer 'landuse': every parcel lies outside the boundary")


def test_attribute_only_table_is_not_a_problem(tmp_path, capsys):
    gpkg = park_file(tmp_path, lambda layers: None)
    pyogrio.write_dataframe(pd.DataFrame({"enterprise_id": ["E1", "E2"], "workers": [120, 40]}),
                            gpkg, layer="enterprises")
    pyogrio.write_dataframe(pd.DataFrame({"contact": ["a", "b"]}), gpkg, layer="contacts")
    code, err = run(["check", gpkg], capsys)
    assert code == 0, err
    from eipgis import load_park
    park = load_park(gpkg)
    assert "enterprises" not in park.extras and "contacts" not in park.extras
    assert park.enterprises["workers"].tolist() == [120.0, 40.0]  # the table of data criteria
    assert "contacts: a table without geometry, not carried among the park's layers" in park.notes


@pytest.mark.parametrize("layer", ["landuse", "boundary", "buildings"])
def test_park_layer_without_geometry(layer, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    gpkg = folder / "park.gpkg"
    layers = square_park_layers()
    table = pd.DataFrame(layers.pop(layer).drop(columns="geometry"))
    write_park(gpkg, layers)
    pyogrio.write_dataframe(table, gpkg, layer=layer)
    refused(tmp_path, capsys, ["check", gpkg],
            f"layer '{layer}': is a table without geometry (attribute-only)")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_coordinates_are_named_before_any_repair(tmp_path, capsys):
    from conftest import p

    def change(layers):
        geoms = list(layers["landuse"].geometry)
        geoms[2] = Polygon([p(10, 100), p(510, 100), (float("nan"), float("nan")), p(10, 600)])
        layers["landuse"] = layers["landuse"].set_geometry(gpd.GeoSeries(geoms, crs=layers["landuse"].crs))
    gpkg = park_file(tmp_path, change)
    for extra in ([], ["--repair"]):
        refused(tmp_path, capsys, ["check", gpkg, *extra],
                "layer 'landuse': coordinates that are not numbers (NaN or infinite) in P1")


def test_extra_layer_in_an_unusable_crs_is_left_out(tmp_path, capsys):
    def change(layers):
        layers["roads"] = layers["boundary"].set_crs("IAU_2015:49900", allow_override=True)
    gpkg = park_file(tmp_path, change)
    code, err = run(["check", gpkg], capsys)
    assert code == 0, err
    from eipgis import load_park
    park = load_park(gpkg)
    assert "roads" not in park.extras
    assert any(n.startswith("roads: not carried") and "not a CRS of the Earth" in n for n in park.notes)
