"""Every bad input of the data contract, through the Python API and through the command line.

A planner must get one error that names the file, the layer, the features and the fix; the
command line exits with 2, prints no traceback and leaves no output file; inputs are never
written to. Inputs that are merely imperfect (other CRSs, parcels sticking out, unassigned
land, slivers, repairable geometry) load, and what was done is listed in ``park.notes``.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import b, p, square_park_layers, write_park
from shapely.geometry import LineString, Polygon

from eipgis.cli import main
from eipgis.criteria import check, load_criteria
from eipgis.errors import CriteriaError, EipgisError, InputError, LayerError, OutputError
from eipgis.park import load_park

# --- helpers ----------------------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in a folder: proof that nothing was written to the inputs."""
    return {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.iterdir())
        if f.is_file()
    }


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def set_geometry(layers, layer: str, row: int, geom) -> None:
    frame = layers[layer]
    geoms = list(frame.geometry)
    geoms[row] = geom
    layers[layer] = frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index))


def bow_tie():
    # P1's corners joined in the wrong order: (10,100) → (510,600) → (510,100) → (10,600)
    return Polygon([p(10, 100), p(510, 600), p(510, 100), p(10, 600)])


def passing_park_layers() -> dict[str, gpd.GeoDataFrame]:
    """A 100 ha park that meets all seven vn-qcvn-01-2021 criteria.

    GR green ring 0–10 m inside the boundary: 1,000² − 980² = 39,600 m²
    T1 traffic x 10–990, y 10–120: 980 × 110 = 107,800 m² (10.78 %)
    E1 technical x 10–110, y 880–990: 100 × 110 = 11,000 m² (1.1 %)
    G2 green x 110–990, y 880–990: 880 × 110 = 96,800 m² → green 136,400 m² (13.64 %)
    P1 industrial x 10–990, y 120–880: 980 × 760 = 744,800 m²; sum = 1,000,000 m²
    B1 400 × 400 = 160,000 m² → density 0.215; plot green 980 × 180 = 176,400 m² → 0.237
    F1 class III 800 m from N1 (≥ 300 m)
    """
    layers = square_park_layers()
    crs = layers["boundary"].crs
    ring = b(0, 0, 1000, 1000).difference(b(10, 10, 990, 990))
    layers["landuse"] = gpd.GeoDataFrame(
        {
            "parcel_id": ["GR", "T1", "E1", "G2", "P1"],
            "landuse": ["CXCL", "GT", "XLNT", "CX", "CN"],
        },
        geometry=[
            ring,
            b(10, 10, 990, 120),
            b(10, 880, 110, 990),
            b(110, 880, 990, 990),
            b(10, 120, 990, 880),
        ],
        crs=crs,
    )
    layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": ["B1"], "floors": [2], "main": [True]},
        geometry=[b(100, 300, 500, 700)],
        crs=crs,
    )
    layers["plot_green"] = gpd.GeoDataFrame(geometry=[b(10, 120, 990, 300)], crs=crs)
    layers["facilities"] = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "hazard_class": ["III"]}, geometry=[p(500, 400)], crs=crs
    )
    return layers


# --- the bad inputs -----------------------------------------------------------------------------
# Each case: (build the layers, or None for "no file"; the error class; texts the message must
# hold: file, layer, features and fix).

Case = tuple[Callable[[], dict | None], type[EipgisError], list[str]]


def _missing_layer():
    layers = square_park_layers()
    del layers["landuse"]
    return layers


def _missing_column():
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"].drop(columns="landuse")
    return layers


def _missing_column_facilities():
    layers = square_park_layers()
    layers["facilities"] = layers["facilities"].drop(columns="hazard_class")
    return layers


def _unknown_value():
    layers = square_park_layers()
    layers["landuse"].loc[[2, 3], "landuse"] = "ZZ"
    layers["landuse"].loc[4, "landuse"] = "Đất lạ"
    return layers


def _duplicate_id():
    layers = square_park_layers()
    layers["landuse"].loc[3, "parcel_id"] = "P1"
    return layers


def _missing_id():
    layers = square_park_layers()
    layers["landuse"].loc[3, "parcel_id"] = None
    return layers


def _no_crs():
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"].set_crs(None, allow_override=True)
    return layers


def _empty_landuse():
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"].iloc[0:0]
    return layers


def _empty_boundary():
    layers = square_park_layers()
    layers["boundary"] = layers["boundary"].iloc[0:0]
    return layers


def _two_boundaries():
    layers = square_park_layers()
    layers["boundary"] = pd.concat([layers["boundary"], layers["boundary"]], ignore_index=True)
    return layers


def _line_parcel():
    layers = square_park_layers()
    set_geometry(layers, "landuse", 2, LineString([p(10, 100), p(510, 600)]))
    return layers


def _point_boundary():
    layers = square_park_layers()
    set_geometry(layers, "boundary", 0, p(500, 500))
    return layers


def _bow_tie():
    layers = square_park_layers()
    set_geometry(layers, "landuse", 2, bow_tie())
    return layers


def _overlap():
    layers = square_park_layers()
    # E1 gets a 10 m × 10 m tab x 110–120, y 990–1000 lying on G2: a 100 m² overlap
    set_geometry(layers, "landuse", 5, b(10, 900, 110, 1000).union(b(110, 990, 120, 1000)))
    return layers


def _bad_hazard_class():
    layers = square_park_layers()
    layers["facilities"].loc[1, "hazard_class"] = "VI"
    return layers


def _bad_floors():
    layers = square_park_layers()
    layers["buildings"]["floors"] = ["2", "six", "1", "1"]
    return layers


def _bad_main():
    layers = square_park_layers()
    layers["buildings"]["main"] = ["true", "maybe", "yes", "no"]
    return layers


def _several_in_one_pass():
    layers = _duplicate_id()
    layers["landuse"].loc[4, "landuse"] = "ZZ"  # P3
    layers["facilities"].loc[0, "hazard_class"] = "VI"  # F1
    set_geometry(
        layers, "landuse", 5, Polygon([p(10, 900), p(110, 1000), p(110, 900), p(10, 1000)])
    )
    return layers


def _several_layers():
    layers = _missing_column()
    del layers["boundary"]
    layers["facilities"] = layers["facilities"].set_crs(None, allow_override=True)
    return layers


CASES: dict[str, Case] = {
    "missing file": (
        lambda: None,
        InputError,
        ["park.gpkg", "no such file or folder", "Fix: give the path of a park GeoPackage"],
    ),
    "not a GeoPackage": (
        lambda: "Tằng Loỏng, not a GeoPackage\n",
        InputError,
        ["park.gpkg", "cannot be opened as a GeoPackage", "Fix: export the park from QGIS"],
    ),
    "missing layer": (
        _missing_layer,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse': missing",
            "layers found: boundary, buildings, facilities, neighbourhoods, plot_green",
            "Fix: add a 'landuse' layer",
        ],
    ),
    "missing column": (
        _missing_column,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "missing column(s) landuse",
            "columns found: parcel_id, tenant",
            "Fix: add or rename the column(s)",
        ],
    ),
    "missing facilities column": (
        _missing_column_facilities,
        LayerError,
        ["park.gpkg", "layer 'facilities'", "missing column(s) hazard_class", "Fix:"],
    ),
    "unknown land-use value": (
        _unknown_value,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "unknown land-use value(s)",
            "'ZZ' in P1, P2",
            "'Đất lạ' in P3",
            "Fix: use a known code",
            "--landuse-mapping",
        ],
    ),
    "duplicate parcel_id": (
        _duplicate_id,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "duplicate parcel_id P1",
            "Fix: make every parcel_id unique",
        ],
    ),
    "parcel without id": (
        _missing_id,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "1 parcel(s) without parcel_id (rows 4)",
            "Fix: give every parcel a unique parcel_id",
        ],
    ),
    "no CRS": (
        _no_crs,
        LayerError,
        ["park.gpkg", "layer 'landuse': has no CRS", "Fix: set the layer's CRS in QGIS"],
    ),
    "empty layer": (
        _empty_landuse,
        LayerError,
        ["park.gpkg", "layer 'landuse': is empty", "Fix: draw the landuse features"],
    ),
    "empty boundary": (
        _empty_boundary,
        LayerError,
        ["park.gpkg", "layer 'boundary': is empty", "Fix:"],
    ),
    "two boundary features": (
        _two_boundaries,
        LayerError,
        ["park.gpkg", "layer 'boundary': 2 features, expected 1", "Dissolve"],
    ),
    "LineString parcel": (
        _line_parcel,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "LineString geometry in P1",
            "Fix: parcels must be polygons",
        ],
    ),
    "Point boundary": (
        _point_boundary,
        LayerError,
        [
            "park.gpkg",
            "layer 'boundary'",
            "Point geometry",
            "Fix: draw the park boundary as one polygon",
        ],
    ),
    "bow-tie parcel": (
        _bow_tie,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "invalid geometry in P1",
            "Self-intersection",
            "Fix Geometries",
            "--repair",
        ],
    ),
    "overlapping parcels": (
        _overlap,
        LayerError,
        [
            "park.gpkg",
            "layer 'landuse'",
            "1 overlapping parcel pair(s)",
            "E1 × G2 (100.0 m²)",
            "Fix: cut the overlaps",
        ],
    ),
    "hazard class VI": (
        _bad_hazard_class,
        LayerError,
        [
            "park.gpkg",
            "layer 'facilities'",
            "hazard_class not one of I–V (or 1–5) in F2",
            "TCVN 4449-1987",
        ],
    ),
    "floors not a number": (
        _bad_floors,
        LayerError,
        ["park.gpkg", "layer 'buildings'", "floors is not a whole number in B2", "Fix:"],
    ),
    "main not true/false": (
        _bad_main,
        LayerError,
        ["park.gpkg", "layer 'buildings'", "main is not true/false in B2", "Fix:"],
    ),
    "several problems in one pass": (
        _several_in_one_pass,
        LayerError,
        [
            "park.gpkg: 4 problems found",
            "invalid geometry in E1",
            "duplicate parcel_id P1",
            "'ZZ' in P3",
            "hazard_class not one of I–V (or 1–5) in F1",
        ],
    ),
    "several layers at once": (
        _several_layers,
        LayerError,
        [
            "park.gpkg: 3 problems found",
            "layer 'boundary': missing",
            "missing column(s) landuse",
            "layer 'facilities': has no CRS",
        ],
    ),
}


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    return folder


def _make(case: str, folder: Path) -> Path:
    build = CASES[case][0]
    layers = build()
    path = folder / "park.gpkg"
    if isinstance(layers, str):
        path.write_text(layers, encoding="utf-8")
    elif layers is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pyogrio: "'crs' was not provided"
            write_park(path, layers)
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_python_api(case, inputs):
    path = _make(case, inputs)
    _, error, texts = CASES[case]
    before = digest(inputs)
    with pytest.raises(error) as info:
        load_park(path)
    message = str(info.value)
    assert str(path) in message
    for text in texts:
        assert text in message, text
    assert digest(inputs) == before  # the input was not written to
    # every error of the family is also a builtin a caller may catch
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_command_line(case, inputs, tmp_path, capsys):
    path = _make(case, inputs)
    _, _, texts = CASES[case]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = digest(inputs)
    code, out, err = run_cli(["check", path, "-o", out_dir / "report.json"], capsys)
    assert code == 2
    assert err.startswith("eipgis: error: ")
    assert str(path) in err
    for text in texts:
        assert text in err, text
    assert "Traceback" not in err and "Traceback" not in out
    assert list(out_dir.iterdir()) == []  # no report, no temporary file
    assert digest(inputs) == before


# --- imperfect inputs that load, with notes ----------------------------------------------------


def test_layers_in_different_crss_work(inputs, capsys):
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"].to_crs("EPSG:4326")
    layers["facilities"] = layers["facilities"].to_crs("EPSG:9208")
    path = write_park(inputs / "park.gpkg", layers)
    park = load_park(path)
    assert park.crs_label == "EPSG:3405"
    assert park.landuse.crs == park.crs and park.facilities.crs == park.crs
    # green share as in the square park: 9.9 ha / 100 ha (reprojection moves vertices by < 1 mm)
    assert check(park)["VN21-LU-GREEN"].value == pytest.approx(0.099, rel=1e-5)
    code, out, _err = run_cli(["check", path, "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["crs"] == "EPSG:3405"


def test_bow_tie_repaired_on_request(inputs, capsys):
    path = write_park(inputs / "park.gpkg", _bow_tie())
    before = digest(inputs)
    park = load_park(path, repair=True)
    assert "landuse: repaired invalid geometry of P1" in park.notes
    p1 = park.landuse.set_index("parcel_id").geometry["P1"]
    assert p1.is_valid
    # the bow-tie's two triangles: 2 × ½ × 500 m × 250 m = 125,000 m²
    assert p1.area == pytest.approx(125_000.0)
    # the other half of the old P1 square is now unassigned: 250,000 − 125,000 = 12.5 ha
    assert park.unassigned_m2 == pytest.approx(125_000.0)
    code, out, _err = run_cli(["check", path, "--repair"], capsys)
    assert code == 0
    assert "landuse: repaired invalid geometry of P1" in out
    assert digest(inputs) == before  # repaired in memory, never in the file


def test_overlap_sliver_is_tolerated(inputs):
    layers = square_park_layers()
    # P1 reaches 1 mm into P2: 0.001 m × 500 m = 0.5 m², below the 1 m² sliver tolerance
    set_geometry(layers, "landuse", 2, b(10, 100, 510.001, 600))
    park = load_park(write_park(inputs / "park.gpkg", layers))
    assert park.notes == ()
    assert park.unassigned_m2 == pytest.approx(0.0, abs=1e-6)  # the overlap is not counted twice


def test_overlap_of_a_parcel_inside_another(inputs):
    layers = square_park_layers()
    extra = gpd.GeoDataFrame(
        {"parcel_id": ["W1"], "landuse": ["MN"], "tenant": [None]},
        geometry=[b(300, 300, 310, 310)],  # a 10 m × 10 m pond drawn on top of P1
        crs=layers["landuse"].crs,
    )
    layers["landuse"] = pd.concat([layers["landuse"], extra], ignore_index=True)
    with pytest.raises(LayerError, match=r"P1 × W1 \(100.0 m²\)"):
        load_park(write_park(inputs / "park.gpkg", layers))


def test_parcels_sticking_out_are_clipped(inputs, capsys):
    layers = square_park_layers()
    # P2 drawn 50 m past the east side: 50 m × 500 m = 25,000 m² outside
    set_geometry(layers, "landuse", 3, b(510, 100, 1050, 600))
    extra = gpd.GeoDataFrame(
        {"parcel_id": ["X9"], "landuse": ["CN"], "tenant": [None]},
        geometry=[b(1100, 100, 1200, 200)],  # wholly outside
        crs=layers["landuse"].crs,
    )
    layers["landuse"] = pd.concat([layers["landuse"], extra], ignore_index=True)
    path = write_park(inputs / "park.gpkg", layers)
    park = load_park(path)
    assert "landuse: clipped to the boundary: P2 (25,000.0 m²), X9 (10,000.0 m²)" in park.notes
    assert "landuse: dropped, entirely outside the boundary: X9" in park.notes
    areas = park.landuse.set_index("parcel_id").geometry.area
    assert areas["P2"] == pytest.approx(245_000.0)  # measured inside only
    assert "X9" not in areas.index
    assert park.area_ha == pytest.approx(100.0)
    report = check(park)
    assert report.class_area_ha["industrial"] == pytest.approx(79.2)  # 25 + 24.5 + 29.7
    assert report["VN21-PLOT-DENSITY"].details["by_feature"]["P2"]["value"] == pytest.approx(
        16 / 24.5
    )
    code, out, _ = run_cli(["check", path], capsys)
    assert code == 0 and "P2 (25,000.0 m²)" in out


def test_unassigned_land_is_a_note_not_an_error(inputs, capsys):
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"][layers["landuse"]["parcel_id"] != "P1"]
    path = write_park(inputs / "park.gpkg", layers)
    park = load_park(path)
    assert park.unassigned_m2 == pytest.approx(250_000.0)  # P1: 500 × 500
    assert (
        "25.00 ha inside the boundary is not covered by any parcel (unassigned land)" in park.notes
    )
    report = check(park)
    assert report.class_area_ha["unassigned"] == pytest.approx(25.0)
    assert report["VN21-LU-GREEN"].value == pytest.approx(0.099)  # still of the whole 100 ha
    code, out, _ = run_cli(["check", path], capsys)
    assert code == 0 and "25.00 ha inside the boundary" in out


def test_optional_layers_may_be_missing_or_empty(inputs):
    layers = square_park_layers()
    del layers["buildings"], layers["facilities"]
    layers["plot_green"] = layers["plot_green"].iloc[0:0]
    park = load_park(write_park(inputs / "park.gpkg", layers))
    report = check(park)
    assert report["VN21-PLOT-DENSITY"].passed  # no buildings: density 0
    assert report["VN21-PLOT-GREEN"].features == ["P1", "P2", "P3"]  # no plot green at all
    assert report["VN-HAZ-DIST"].passed  # no facilities


def test_extra_layers_are_carried_along(inputs):
    layers = square_park_layers()
    layers["roads"] = gpd.GeoDataFrame(
        {"name": ["Đường D1"]},
        geometry=[LineString([p(0, 50), p(1000, 50)])],
        crs=layers["boundary"].crs,
    )
    park = load_park(write_park(inputs / "park.gpkg", layers))
    assert list(park.extras) == ["roads"]
    assert park.extras["roads"]["name"].iloc[0] == "Đường D1"


# --- criteria files ------------------------------------------------------------------------------

GOOD = """\
schema_version: 1
id: my-set
title: {en: My set, vi: Bộ tiêu chí của tôi}
criteria:
  - id: MY-GREEN
    title: {en: Green, vi: Cây xanh}
    indicator: landuse_share
    params: {classes: [green]}
    op: ">="
    threshold: 0.10
    unit: share
    source: my own rule
    status: confirmed
  - id: MY-TRAFFIC
    title: {en: Traffic, vi: Giao thông}
    indicator: landuse_share
    params: {classes: [traffic]}
    op: ">="
    threshold: 0.10
    unit: share
    source: my own rule
    status: confirmed
"""

BAD_CRITERIA = {
    # line 10, "threshold", is indented by 3 spaces instead of 4
    "syntax": (
        GOOD.replace('    op: ">="\n    threshold: 0.10', '    op: ">="\n   threshold: 0.10', 1),
        ["not valid YAML at line 10", "Fix: check the indentation"],
    ),
    "bad value": (
        GOOD.replace("threshold: 0.10", "threshold: ten percent", 1),
        ["criteria[0].threshold", "valid number"],
    ),
    "unknown indicator": (
        GOOD.replace("indicator: landuse_share", "indicator: greenery_share", 1),
        ["criteria[0].indicator", "unknown indicator 'greenery_share'", "known: checklist, green_cover_share"],
    ),
    "misspelt key": (
        GOOD.replace("threshold: 0.10", "treshold: 0.10", 1),
        [
            "criteria[0].treshold: Extra inputs are not permitted",
            "criteria[0].threshold: Field required",
        ],
    ),
    "bad op and bad status": (
        GOOD.replace('op: ">="', 'op: "=>"', 1).replace("status: confirmed", "status: maybe"),
        ["criteria[0].op", "criteria[0].status", "criteria[1].status"],
    ),
    "params do not fit": (
        GOOD.replace("params: {classes: [green]}", "params: {clases: [green]}", 1),
        ["criteria[0]", "params do not fit indicator 'landuse_share'", "classes"],
    ),
    "duplicate id": (
        GOOD.replace("MY-TRAFFIC", "MY-GREEN"),
        ["criterion id 'MY-GREEN' appears twice"],
    ),
    "missing schema_version": (
        GOOD.replace("schema_version: 1\n", ""),
        ["schema_version: Field required"],
    ),
    "not a mapping": ("- just\n- a list\n", ["expected a mapping"]),
}


def test_the_good_criteria_file_is_good(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert [c.id for c in load_criteria(path).criteria] == ["MY-GREEN", "MY-TRAFFIC"]


@pytest.mark.parametrize("case", list(BAD_CRITERIA))
def test_bad_criteria_file_python_api(case, tmp_path, square_gpkg):
    text, expected = BAD_CRITERIA[case]
    path = tmp_path / "criteria.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_criteria(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message, part
    with pytest.raises(CriteriaError):
        check(load_park(square_gpkg), path)


@pytest.mark.parametrize("case", list(BAD_CRITERIA))
def test_bad_criteria_file_fails_before_the_park_is_read(case, tmp_path, capsys):
    text, expected = BAD_CRITERIA[case]
    path = tmp_path / "criteria.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "report.md"
    # the park does not even exist: the criteria file is checked first
    code, _, err = run_cli(
        ["check", tmp_path / "no-park.gpkg", "--criteria", path, "-o", out], capsys
    )
    assert code == 2
    assert err.startswith(f"eipgis: error: {path}")
    for part in expected:
        assert part in err, part
    assert "no-park.gpkg" not in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_criteria_file(tmp_path, square_gpkg, capsys):
    code, _, err = run_cli(["check", square_gpkg, "--criteria", tmp_path / "nope.yaml"], capsys)
    assert code == 2
    assert "nope.yaml: no such criteria file or built-in set" in err
    assert "vn-qcvn-01-2021" in err


# --- outputs and exit codes ----------------------------------------------------------------------


def test_existing_output_without_overwrite(square_gpkg, tmp_path, capsys):
    out = tmp_path / "report.json"
    out.write_text("earlier report", encoding="utf-8")
    code, _, err = run_cli(["check", square_gpkg, "-o", out], capsys)
    assert code == 2
    assert f"{out}: exists already" in err and "--overwrite" in err
    assert "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "earlier report"
    code, _, err = run_cli(["check", square_gpkg, "-o", out, "--overwrite"], capsys)
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))  # format from the .json suffix
    assert data["park"] == "Khu công nghiệp Thử nghiệm"
    assert sorted(f.name for f in tmp_path.iterdir() if f.name.startswith(".")) == []


def test_atomic_writer_refuses_to_replace(tmp_path):
    from eipgis import io

    out = tmp_path / "a.txt"
    io.write_text(out, "first")
    with pytest.raises(OutputError, match="exists already"):
        io.write_text(out, "second")
    assert out.read_text(encoding="utf-8") == "first"
    io.write_text(out, "Tằng Loỏng", overwrite=True)
    assert out.read_text(encoding="utf-8") == "Tằng Loỏng"


def test_failed_write_leaves_nothing(tmp_path):
    from eipgis import io

    out = tmp_path / "a.txt"
    with pytest.raises(RuntimeError), io.atomic_path(out) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("the writer broke")
    assert list(tmp_path.iterdir()) == []


def test_strict_exit_codes(square_gpkg, inputs, capsys):
    # the square park fails six criteria: 0 without --strict, 1 with it
    code, out, _ = run_cli(["check", square_gpkg], capsys)
    assert code == 0 and "Overall: FAIL (6/7)" in out
    code, out, err = run_cli(["check", square_gpkg, "--strict"], capsys)
    assert code == 1 and "Traceback" not in err
    passing = write_park(inputs / "passing.gpkg", passing_park_layers())
    report = check(load_park(passing))
    assert report.passed, [r.id for r in report.failing]
    code, out, _ = run_cli(["check", passing, "--strict"], capsys)
    assert code == 0 and "Overall: PASS" in out


def test_strict_writes_the_report_before_exiting(square_gpkg, tmp_path, capsys):
    out = tmp_path / "report.md"
    code, _, _err = run_cli(["check", square_gpkg, "--strict", "-o", out, "--lang", "vi"], capsys)
    assert code == 1
    text = out.read_text(encoding="utf-8")
    assert "KHÔNG ĐẠT" in text and "Khu công nghiệp Thử nghiệm" in text


def test_command_line_json_keeps_vietnamese(square_gpkg, tmp_path, capsys):
    out = tmp_path / "report.json"
    code, _, err = run_cli(["check", square_gpkg, "-o", out], capsys)
    assert code == 0 and f"wrote {out}" in err
    raw = out.read_bytes().decode("utf-8")
    assert "Khu công nghiệp Thử nghiệm" in raw and "\\u" not in raw


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ([1, 2], ["I", "II"]),  # integers
        ([1.0, 5.0], ["I", "V"]),  # a float column from a spreadsheet
        (["class iii", "Cấp IV"], ["III", "IV"]),
        ([" ii ", "v"], ["II", "V"]),
    ],
)
def test_hazard_class_spellings(inputs, written, read):
    layers = square_park_layers()
    layers["facilities"]["hazard_class"] = written
    park = load_park(write_park(inputs / "park.gpkg", layers))
    assert park.facilities["hazard_class"].tolist() == read


def test_parcels_overlapping_only_outside_the_boundary_are_clipped_not_refused(tmp_path):
    layers = square_park_layers()
    lu = layers["landuse"].copy()
    # P1 and P2 both reach 50 m beyond the south side, where they overlap by 10 m × 50 m;
    # inside the boundary they still meet only along x = 510.
    lu.loc[lu.parcel_id == "P1", "geometry"] = b(10, -50, 515, 600)
    lu.loc[lu.parcel_id == "P2", "geometry"] = b(505, -50, 1000, 600)
    lu.loc[lu.parcel_id == "P1", "geometry"] = lu.loc[lu.parcel_id == "P1", "geometry"].difference(
        b(510, 0, 515, 600)
    )
    lu.loc[lu.parcel_id == "P2", "geometry"] = lu.loc[lu.parcel_id == "P2", "geometry"].difference(
        b(505, 0, 510, 600)
    )
    lu = lu[lu.parcel_id != "T1"]  # the road's land is now inside P1 and P2
    layers["landuse"] = lu
    park = load_park(write_park(tmp_path / "outside.gpkg", layers))
    clipped = [n for n in park.notes if "clipped to the boundary" in n]
    assert clipped and "P1" in clipped[0] and "P2" in clipped[0]
    # Inside, P1 is 500 m × 600 m = 30 ha and P2 490 m × 600 m = 29.4 ha.
    areas = park.landuse.set_index("parcel_id").geometry.area
    assert areas["P1"] == pytest.approx(300_000.0)
    assert areas["P2"] == pytest.approx(294_000.0)
