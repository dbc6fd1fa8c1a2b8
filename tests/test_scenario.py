"""Scenarios on the hand-checkable square park: each operation's areas worked out by hand, area
conservation (hypothesis), the fast evaluator against a full re-check, compare, the CLI, and
every bad input the issue lists.

The square park (tests/conftest.py) is 1,000 m × 1,000 m = 100 ha:

    y 900–1000  E1 technical x 10–110 | G2 green x 110–1000
    y 600–900   P3 industrial x 10–1000
    y 100–600   P1 industrial x 10–510 | P2 industrial x 510–1000
    y 0–100     T1 traffic x 10–1000
    G1 green: the west strip x 0–10, y 0–1000

The 10 m band inside the boundary is 1000² − 980² = 39,600 m². Green in it: G1 10,000 m² and
G2 (top 890 × 10 + east 10 × 90) 9,800 m², so 19,800 m² (50 %) is ungreen: T1 9,900 + 900,
P2 5,000, P3 3,000, E1 1,000.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import b, square_park_layers, write_park
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eipgis
from eipgis.cli import cli
from eipgis.criteria import check
from eipgis.io import list_layers
from eipgis.park import load_park
from eipgis.plans.scenario import (
    Scenario,
    ScenarioError,
    compare,
    comparison_to_json,
    comparison_to_markdown,
    comparison_to_table,
)

_counter = itertools.count()


def wkt_box(x1: float, y1: float, x2: float, y2: float) -> str:
    """WKT of a box in park coordinates (metres from the south-west corner)."""
    return b(x1, y1, x2, y2).wkt


def scenario(*operations: dict, **top) -> Scenario:
    return Scenario.from_dict(
        {
            "schema_version": 1,
            "name": top.pop("name", "test"),
            "operations": list(operations),
            **top,
        },
        source="test.yaml",
    )


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    path = tmp_path_factory.mktemp("square") / "square.gpkg"
    return load_park(write_park(path, square_park_layers()))


def area_of(park, parcel_id: str) -> float:
    lu = park.landuse
    return float(lu.geometry[lu["parcel_id"] == parcel_id].area.iloc[0])


def total_m2(park) -> float:
    return float(park.landuse.geometry.area.sum()) + park.unassigned_m2


# --- operations, with areas worked out by hand ------------------------------------------------


def test_rezone_parcels_changes_class_and_leaves_the_input_alone(park):
    before = park.landuse.copy()
    new, log = scenario({"op": "rezone", "parcels": ["P1"], "to": "green"}).apply_with_log(park)
    # green = G1 1 + G2 8.9 + P1 25 = 34.9 ha of 100 ha
    assert check(new)["VN21-LU-GREEN"].value == pytest.approx(0.349)
    assert check(new).class_area_ha["industrial"] == pytest.approx(79.2 - 25.0)
    assert log[["feature", "from", "to"]].values.tolist() == [["P1", "industrial", "green"]]
    assert log["area_m2"].iloc[0] == pytest.approx(250_000.0)
    # the input park is untouched
    assert park.landuse["landuse_class"].tolist() == before["landuse_class"].tolist()
    assert park.landuse.geometry.geom_equals(before.geometry).all()
    assert new is not park and new.landuse is not park.landuse


def test_rezone_where_and_within(park):
    new = scenario({"op": "rezone", "where": "tenant == 'Công ty C'", "to": "CX"}).apply(park)
    lu = new.landuse.set_index("parcel_id")
    assert lu.loc["P3", "landuse_class"] == "green" and lu.loc["P3", "landuse"] == "CX"
    assert lu.loc["P3", "tenant"] == "Công ty C"  # tenants are kept
    # a polygon around P2 (x 510–1000, y 100–600) and part of P3: only P2 lies within it
    within = scenario(
        {"op": "rezone", "within": wkt_box(500, 90, 1000, 700), "to": "traffic"}
    ).apply(park)
    changed = within.landuse.loc[within.landuse["landuse_class"] == "traffic", "parcel_id"].tolist()
    assert sorted(changed) == ["P2", "T1"]  # T1 was traffic already


def test_green_strip_all_round_hand_areas(park):
    new, log = scenario({"op": "green_strip", "width_m": 10}).apply_with_log(park)
    pieces = dict(zip(log["feature"], log["area_m2"], strict=True))
    assert pieces == pytest.approx(
        {"T1/1": 10_800.0, "P2/1": 5_000.0, "P3/1": 3_000.0, "E1/1": 1_000.0}
    )
    assert set(log["from_feature"]) == {"T1", "P2", "P3", "E1"}
    report = check(new)
    assert report["VN21-BUF-STRIP"].value == pytest.approx(1.0)
    assert report["VN21-LU-GREEN"].value == pytest.approx(0.099 + 0.0198)
    assert area_of(new, "P2") == pytest.approx(245_000.0 - 5_000.0)
    assert total_m2(new) == pytest.approx(1e6, rel=1e-9)


def test_green_strip_facing_a_neighbourhood(park):
    # Thôn Làng Mới lies east of the park: only the east side faces it. The band there is
    # x 990–1000 (plus the 5 m of the top and bottom band within 15 m of the east edge):
    # T1 150 + 900, P2 5,000, P3 3,000; G2's part is green already.
    op = {"op": "green_strip", "width_m": 10, "sides": ["Thôn Làng Mới"]}
    _, log = scenario(op).apply_with_log(park)
    assert log["area_m2"].sum() == pytest.approx(9_050.0)
    assert sorted(log["from_feature"]) == ["P2", "P3", "T1"]


def test_carve_splits_a_parcel_and_keeps_the_tenant(park):
    op = {"op": "carve", "geometry": wkt_box(510, 100, 600, 600), "to": "technical", "name": "WWTP"}
    new, log = scenario(op).apply_with_log(park)
    lu = new.landuse.set_index("parcel_id")
    assert lu.loc["P2/1", "geometry"].area == pytest.approx(90 * 500)
    assert lu.loc["P2", "geometry"].area == pytest.approx(400 * 500)
    assert lu.loc["P2/1", "tenant"] == "Công ty B"
    assert lu.loc["P2/1", "name"] == "WWTP"
    assert check(new)["VN21-LU-TECH"].value == pytest.approx(0.01 + 0.045)
    assert log[["feature", "from_feature", "from", "to"]].values.tolist() == [
        ["P2/1", "P2", "industrial", "technical"]
    ]
    # a second cut of the same parcel gets the next number
    again = scenario(
        op, {"op": "carve", "geometry": wkt_box(900, 100, 1000, 200), "to": "green"}
    ).apply(park)
    assert {"P2/1", "P2/2"} <= set(again.landuse["parcel_id"])


def test_carve_geojson_in_its_own_crs(park):
    box = gpd.GeoSeries([b(510, 100, 600, 600)], crs="EPSG:3405").to_crs(4326).iloc[0]
    geojson = json.loads(gpd.GeoSeries([box]).to_json())["features"][0]["geometry"]
    new = scenario(
        {"op": "carve", "geometry": geojson, "crs": "EPSG:4326", "to": "technical"}
    ).apply(park)
    assert area_of(new, "P2/1") == pytest.approx(45_000.0, abs=1.0)


def test_carve_assigns_unassigned_land(tmp_path):
    layers = square_park_layers()
    lu = layers["landuse"]
    lu.loc[lu["parcel_id"] == "P1", "geometry"] = b(
        110, 100, 510, 600
    )  # leaves x 10–110 empty: 5 ha
    park = load_park(write_park(tmp_path / "gap.gpkg", layers))
    assert park.unassigned_m2 == pytest.approx(50_000.0)
    new, log = scenario(
        {"op": "carve", "geometry": wkt_box(0, 100, 200, 600), "to": "green"}
    ).apply_with_log(park)
    assert log.loc[log["from"] == "unassigned", "area_m2"].sum() == pytest.approx(50_000.0)
    assert "U1/1" in set(new.landuse["parcel_id"])
    assert new.unassigned_m2 == pytest.approx(0.0, abs=1e-6)
    assert total_m2(new) == pytest.approx(total_m2(park), rel=1e-9)


def test_set_changes_a_facility(park):
    op = {
        "op": "set",
        "layer": "facilities",
        "where": "facility_id == 'F1'",
        "values": {"hazard_class": 3},
    }
    new, log = scenario(op).apply_with_log(park)
    assert new.facilities.set_index("facility_id").loc["F1", "hazard_class"] == "III"
    assert park.facilities.set_index("facility_id").loc["F1", "hazard_class"] == "I"
    assert log[["layer", "feature", "from", "to"]].values.tolist() == [
        ["facilities", "F1", "I", "III"]
    ]


# --- area conservation (hypothesis) -----------------------------------------------------------

coord = st.floats(min_value=-50, max_value=1050, allow_nan=False)
classes = st.sampled_from(["green", "traffic", "technical", "industrial", "reserve", "water"])


@st.composite
def carve_ops(draw):
    x1, x2 = sorted((draw(coord), draw(coord)))
    y1, y2 = sorted((draw(coord), draw(coord)))
    if x2 - x1 < 1 or y2 - y1 < 1:
        x2, y2 = x1 + 37.3, y1 + 21.7
    return {"op": "carve", "geometry": wkt_box(x1, y1, x2, y2), "to": draw(classes)}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(carve_ops(), min_size=1, max_size=3), width=st.floats(1, 60))
def test_area_is_conserved(park, ops, width):
    ops = [*ops, {"op": "green_strip", "width_m": width}]
    try:
        new = scenario(*ops).apply(park)
    except ScenarioError as exc:  # a shape that touches nothing new, or lies outside the park
        assert "touches nothing" in str(exc) or "outside the park" in str(exc)
        return
    assert total_m2(new) == pytest.approx(total_m2(park), rel=1e-6)
    assert new.landuse["parcel_id"].is_unique
    assert (new.landuse.geometry.area > 0).all()


# --- the fast evaluator agrees with a full re-check -------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.dictionaries(
        st.sampled_from(["G1", "T1", "P1", "P2", "P3", "E1", "G2"]),
        st.sampled_from(list(eipgis.landuse.CLASSES)),
        max_size=4,
    )
)
def test_evaluator_matches_full_check(park, moves):
    from eipgis.plans._reassign import Evaluator

    for cset in ("vn-qcvn-01-2021", "vn-eip-decree-35"):
        ev = Evaluator(park, cset)
        fast = ev.evaluate([moves]).iloc[1]
        ops = [
            {"op": "rezone", "parcels": [p], "to": c}
            for p, c in moves.items()
            if park.landuse.set_index("parcel_id").loc[p, "landuse_class"] != c
        ]
        slow = check(scenario(*ops).apply(park), cset)
        for r in slow.results:
            if not r.assessed:  # a data criterion without its table: no value, and it never fails
                assert math.isnan(fast[r.id]) and bool(fast[f"{r.id} passed"]), r.id
                continue
            assert fast[r.id] == pytest.approx(r.value, abs=1e-9), r.id
            assert bool(fast[f"{r.id} passed"]) == r.passed, r.id


# --- compare ----------------------------------------------------------------------------------


def test_compare_rows_baseline_first(park):
    strip = scenario({"op": "green_strip", "width_m": 10}, name="Strip")
    big = scenario(
        {"op": "rezone", "parcels": ["P1"], "to": "green"},
        {"op": "carve", "geometry": wkt_box(10, 0, 1000, 10), "to": "green"},
        name="Green",
    )
    frame = compare([strip, big], park)
    assert list(frame.index) == ["Baseline", "Strip", "Green"]
    assert frame.loc["Green", "industrial_lost_ha"] == pytest.approx(25.0)
    assert frame.loc["Strip", "industrial_lost_ha"] == pytest.approx(0.8)  # P2 0.5 + P3 0.3 ha
    assert (
        frame.loc["Baseline", "VN21-LU-GREEN passed"] is np.False_
        or not frame.loc["Baseline", "VN21-LU-GREEN passed"]
    )
    assert frame.loc["Green", "green_ha"] == pytest.approx(9.9 + 25 + 0.99)
    # baseline: green, traffic, density, plot green, strip, safety fail (tech passes)
    assert frame.loc["Baseline", "failing"] == 6
    assert frame.loc["Strip", "VN21-BUF-STRIP passed"]
    data = json.loads(comparison_to_json(frame))
    assert [s["scenario"] for s in data["scenarios"]] == ["Baseline", "Strip", "Green"]
    assert data["scenarios"][2]["land_use_ha"]["industrial"] == pytest.approx(54.2)
    md = comparison_to_markdown(frame, lang="vi")
    assert "Hiện trạng" in md and "| VN21-LU-GREEN" in md
    table = comparison_to_table(frame)
    assert "industrial land lost (ha)" in table and "25.00" in table


# --- files, paths and the CLI -----------------------------------------------------------------


def write_scenario(folder: Path, name: str, operations: list, **top) -> Path:
    data = {
        "schema_version": 1,
        "name": top.pop("title", name),
        "park": "square.gpkg",
        "criteria": "vn-qcvn-01-2021",
        "operations": operations,
        **top,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    write_park(tmp_path / "square.gpkg", square_park_layers())
    return tmp_path


def test_cli_scenario_run_writes_a_complete_park(folder):
    path = write_scenario(
        folder,
        "strip",
        [
            {"op": "green_strip", "width_m": 10},
            {
                "op": "carve",
                "geometry": wkt_box(510, 100, 600, 600),
                "to": "XLNT",
                "name": "Mở rộng trạm XLNT",
            },
        ],
    )
    out = folder / "out"
    result = CliRunner().invoke(cli, ["scenario", "run", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "strip.gpkg",
        "strip_changes.csv",
        "strip_changes.md",
        "strip_report.json",
        "strip_report.md",
    ]
    again = load_park(out / "strip.gpkg")  # a park eipgis check (and QGIS) opens
    assert set(list_layers(out / "strip.gpkg")) >= {
        "boundary",
        "landuse",
        "buildings",
        "plot_green",
        "facilities",
        "neighbourhoods",
    }
    assert again.landuse.geometry.area.sum() == pytest.approx(1e6)
    assert "Mở rộng trạm XLNT" in set(again.landuse["name"].dropna())
    report = json.loads((out / "strip_report.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["passed"] for r in report["results"]}["VN21-BUF-STRIP"] is True
    csv = (out / "strip_changes.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("operation,op,layer,feature,from_feature,from,to,area_m2")
    assert len(csv) == 1 + 5  # four strip pieces and the carve
    assert CliRunner().invoke(cli, ["check", str(out / "strip.gpkg")]).exit_code == 0
    # a second run refuses to replace the files, then replaces them with --overwrite
    assert CliRunner().invoke(cli, ["scenario", "run", str(path), "-o", str(out)]).exit_code != 0
    assert (
        CliRunner()
        .invoke(cli, ["scenario", "run", str(path), "-o", str(out), "--overwrite"])
        .exit_code
        == 0
    )


def test_cli_compare_formats(folder):
    base = write_scenario(folder, "a_base", [], title="Hiện trạng")
    strip = write_scenario(
        folder, "b_strip", [{"op": "green_strip", "width_m": 10}], title="Dải cây xanh"
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["scenario", "compare", str(strip), str(base), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["scenario"] for s in data["scenarios"]] == ["Hiện trạng", "Dải cây xanh"]
    out = folder / "cmp.md"
    assert (
        runner.invoke(cli, ["scenario", "compare", str(base), str(strip), "-o", str(out)]).exit_code
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("# Scenario comparison")
    table = runner.invoke(cli, ["scenario", "compare", str(base), str(strip)]).output
    assert "Dải cây xanh" in table and "VN21-BUF-STRIP" in table


# --- bad input: one clear error with the key path, exit 2, no output --------------------------


def run_main(args: list[str], capsys) -> tuple[int, str]:
    from eipgis.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


BAD_FILES = [
    ({"op": "plant_trees", "width_m": 10}, "operations[0]", "unknown op 'plant_trees'"),
    ({"op": "green_strip", "width_m": -5}, "operations[0].width_m", "greater than 0"),
    ({"op": "green_strip", "widht_m": 10}, "operations[0].widht_m", "Extra inputs"),
    (
        {"op": "rezone", "parcels": ["P1"], "where": "x == 1", "to": "green"},
        "operations[0]",
        "exactly one of",
    ),
    (
        {"op": "rezone", "parcels": ["P1"], "to": "parking lot"},
        "operations[0].to",
        "unknown land use",
    ),
    (
        {"op": "carve", "geometry": "POLYGON ((0 0, 1 1", "to": "green"},
        "operations[0].geometry",
        "WKT",
    ),
    (
        {"op": "set", "layer": "facilities", "where": "facility_id == 'F1'", "values": {}},
        "operations[0].values",
        "",
    ),
    # a where outside the where language is refused when the file is read (eipgis.expr)
    (
        {"op": "rezone", "where": "tenant == ('VTM'", "to": "green"},
        "operations[0].where",
        "at column 11 (the '(' is never closed)",
    ),
    ({"op": "rezone", "where": "tenant = 'VTM'", "to": "green"}, "operations[0].where", "use == "),
]


@pytest.mark.parametrize(("op", "key", "words"), BAD_FILES)
def test_bad_file_names_the_key_path(folder, capsys, op, key, words):
    path = write_scenario(folder, "bad", [{"op": "green_strip", "width_m": 10}, op][1:])
    code, err = run_main(["scenario", "run", str(path), "-o", str(folder / "out")], capsys)
    assert code == 2
    assert f"{key}" in err and words in err
    assert "Traceback" not in err
    assert not (folder / "out").exists()


def test_bad_schema_version_and_yaml(folder, capsys):
    path = write_scenario(folder, "v2", [], schema_version=2)
    code, err = run_main(["scenario", "run", str(path)], capsys)
    assert code == 2 and "schema_version" in err
    broken = folder / "broken.yaml"
    broken.write_text("schema_version: 1\noperations: [\n", encoding="utf-8")
    code, err = run_main(["scenario", "run", str(broken)], capsys)
    assert code == 2 and "not valid YAML at line" in err


BAD_ON_PARK = [
    (
        {"op": "rezone", "parcels": ["P1", "P9", "Q7"], "to": "green"},
        "operations[0].parcels",
        "unknown parcel id(s) P9, Q7",
    ),
    (
        {"op": "rezone", "where": "tenant == 'VTM'", "to": "green"},
        "operations[0].where",
        "selects no feature",
    ),
    ({"op": "rezone", "where": "parcel_id", "to": "green"}, "operations[0].where", "true/false"),
    ({"op": "green_strip", "width_m": 600}, "operations[0].width_m", "absurd"),
    (
        {"op": "carve", "geometry": wkt_box(2000, 2000, 2100, 2100), "to": "green"},
        "operations[0].geometry",
        "outside the park",
    ),
    (
        {
            "op": "carve",
            "geometry": "POLYGON ((104.1 22.3, 104.2 22.3, 104.2 22.4, 104.1 22.3))",
            "to": "green",
        },
        "operations[0].geometry",
        "longitude/latitude",
    ),
    (
        {"op": "set", "layer": "roads", "where": "name == 'T2'", "values": {"width_m": 30}},
        "operations[0].layer",
        "no layer 'roads'",
    ),
    (
        {
            "op": "set",
            "layer": "facilities",
            "where": "facility_id == 'F1'",
            "values": {"colour": "red"},
        },
        "operations[0].values",
        "no column(s) colour",
    ),
    (
        {"op": "rezone", "parcels": ["G1"], "to": "green"},
        "operations[0].parcels",
        "touches nothing",
    ),
    (
        {"op": "green_strip", "width_m": 10, "sides": ["Phố Lu"]},
        "operations[0].sides",
        "unknown neighbourhood",
    ),
]


@pytest.mark.parametrize(("op", "key", "words"), BAD_ON_PARK)
def test_bad_operation_on_the_park(folder, capsys, op, key, words):
    path = write_scenario(folder, "bad", [op])
    code, err = run_main(["scenario", "run", str(path), "-o", str(folder / "out")], capsys)
    assert code == 2, err
    assert key in err and words in err, err
    assert "Traceback" not in err
    assert not (folder / "out").exists()


def test_a_later_operation_fails_before_anything_is_written(folder, capsys):
    path = write_scenario(
        folder,
        "late",
        [
            {"op": "green_strip", "width_m": 10},
            {"op": "rezone", "parcels": ["P404"], "to": "green"},
        ],
    )
    code, err = run_main(["scenario", "run", str(path), "-o", str(folder / "out")], capsys)
    assert code == 2 and "operations[1].parcels" in err and "P404" in err
    assert not (folder / "out").exists()


def test_park_path_that_does_not_exist(folder, capsys):
    path = write_scenario(folder, "nopark", [], park="../nowhere/park.gpkg")
    code, err = run_main(["scenario", "run", str(path), "-o", str(folder / "out")], capsys)
    assert code == 2 and "park: '../nowhere/park.gpkg' does not exist" in err
    assert not (folder / "out").exists()


def test_paths_are_relative_to_the_file(folder, monkeypatch, tmp_path_factory):
    path = write_scenario(folder, "rel", [{"op": "green_strip", "width_m": 10}])
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    sc = Scenario.from_yaml(path)
    assert sc.park_path == folder / "square.gpkg"
    assert sc.run().report["VN21-BUF-STRIP"].passed


def test_to_yaml_round_trip(folder):
    sc = scenario(
        {"op": "carve", "geometry": wkt_box(510, 100, 600, 600), "to": "technical", "note": "x"},
        name="Tái cơ cấu",
        description="Mô tả tiếng Việt",
    )
    again = Scenario.from_dict(yaml.safe_load(sc.to_yaml()))
    assert again.model_dump() == sc.model_dump()
