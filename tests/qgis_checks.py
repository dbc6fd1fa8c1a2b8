"""Checks that run inside real PyQGIS (Debian's QGIS Python), started by ``tests/test_qgis.py``.

Not collected by the main test run (the name does not start with ``test_``): the main run's
Python cannot import ``qgis``. ``test_qgis.py`` runs this file with pytest under the QGIS
Python (``EIPGIS_QGIS_PYTHON``, else ``.ci-qgis-venv/bin/python``) and reports each check.
Run it by hand with::

    QT_QPA_PLATFORM=offscreen .ci-qgis-venv/bin/python -m pytest tests/qgis_checks.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, b, p, square_park_layers, write_park
from shapely.geometry import LineString, MultiPolygon, Point

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsExpressionContext,
    QgsProject,
    QgsRasterLayer,
    QgsSymbolLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

import eipgis
from eipgis import qgis as eq
from eipgis.landuse import COLOURS

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "tang_loong.gpkg"
LAYERS = ("boundary", "landuse", "buildings", "plot_green", "facilities", "neighbourhoods")
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


@pytest.fixture(scope="session", autouse=True)
def qgis_app():
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    yield app
    QgsProject.instance().removeAllMapLayers()
    # No app.exitQgis(): with a layer object still referenced it segfaults (system-setup.md §2).


@pytest.fixture
def project():
    proj = QgsProject.instance()
    proj.removeAllMapLayers()
    proj.layerTreeRoot().removeAllChildren()
    yield proj
    proj.removeAllMapLayers()
    proj.layerTreeRoot().removeAllChildren()


def open_layers(gpkg: Path, names: dict[str, str] | None = None) -> dict[str, QgsVectorLayer]:
    """The park's layers as QGIS layers, named as ``names`` says (role → name in QGIS)."""
    out = {}
    for role in LAYERS:
        layer = QgsVectorLayer(f"{gpkg}|layername={role}", (names or {}).get(role, role), "ogr")
        if layer.isValid():
            out[role] = layer
    return out


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "tang_loong.gpkg"
    target.parent.mkdir()
    shutil.copy(SAMPLE, target)
    return target


# --- conversion --------------------------------------------------------------------------------


def test_from_layer_sample():
    layer = open_layers(SAMPLE)["landuse"]
    frame = eq.from_layer(layer)
    direct = gpd.read_file(SAMPLE, layer="landuse")
    assert len(frame) == len(direct) == layer.featureCount()
    assert frame.crs.to_epsg() == 9208
    assert frame["parcel_id"].tolist() == direct["parcel_id"].tolist()
    assert frame["name"].fillna("").tolist() == direct["name"].fillna("").tolist()
    assert any("ư" in str(n) or "ộ" in str(n) for n in frame["name"].dropna())  # Vietnamese kept
    assert np.allclose(frame.geometry.area.to_numpy(), direct.geometry.area.to_numpy())


def test_round_trip_attributes_crs_and_text():
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "ten": ["Phố Lu", "Tằng Loỏng", None],
            "floors": pd.array([2, None, 7], dtype="Int64"),
            "area_ha": [1.5, np.nan, 2.25],
            "main": [True, False, True],
            "surveyed": pd.to_datetime(["2024-05-01 08:30", None, "2025-01-31 00:00"]),
            "tags": [["a", "b"], [], ["ư"]],
        },
        geometry=[b(0, 0, 10, 10), MultiPolygon([b(20, 0, 30, 10), b(40, 0, 50, 10)]), b(60, 0, 70, 10)],
        crs="EPSG:3405",
    )
    layer = eq.to_layer(frame, "Thử nghiệm – đất")
    assert layer.isValid() and layer.featureCount() == 3
    assert layer.name() == "Thử nghiệm – đất"
    assert layer.crs().authid() == "EPSG:3405"
    assert layer.wkbType() == QgsWkbTypes.MultiPolygon
    types = {f.name(): f.type() for f in layer.fields()}
    assert types["floors"] == QVariant.LongLong
    assert types["area_ha"] == QVariant.Double
    assert types["main"] == QVariant.Bool
    assert types["surveyed"] == QVariant.DateTime
    assert types["ten"] == QVariant.String
    back = eq.from_layer(layer)
    assert back.crs.to_epsg() == 3405
    assert back["ten"].tolist() == ["Phố Lu", "Tằng Loỏng", None]
    assert back["floors"].tolist()[0] == 2 and pd.isna(back["floors"].iloc[1])
    assert back["area_ha"].iloc[0] == 1.5 and np.isnan(back["area_ha"].iloc[1])
    assert back["main"].tolist() == [True, False, True]
    assert back["surveyed"].iloc[0] == pd.Timestamp("2024-05-01 08:30") and pd.isna(back["surveyed"].iloc[1])
    assert json.loads(back["tags"].iloc[2]) == ["ư"]
    assert np.allclose(back.geometry.area.to_numpy(), frame.geometry.area.to_numpy())
    assert back.geometry.iloc[1].geom_type == "MultiPolygon"


@pytest.mark.parametrize(
    ("geoms", "wkb_type"),
    [
        ([p(0, 0), p(5, 5)], QgsWkbTypes.Point),
        ([LineString([(X0, Y0), (X0 + 5, Y0 + 5)])], QgsWkbTypes.LineString),
        ([Point(X0, Y0, 12.5)], QgsWkbTypes.PointZ),
        ([b(0, 0, 1, 1), None], QgsWkbTypes.Polygon),
    ],
)
def test_geometry_types_both_ways(geoms, wkb_type):
    frame = gpd.GeoDataFrame({"k": list(range(len(geoms)))}, geometry=geoms, crs="EPSG:3405")
    layer = eq.to_layer(frame, "g")
    assert layer.wkbType() == wkb_type
    back = eq.from_layer(layer)
    assert back.geometry.isna().tolist() == frame.geometry.isna().tolist()
    assert all(a.equals(c) for a, c in zip(back.geometry.dropna(), frame.geometry.dropna(), strict=True))
    assert bool(shapely.has_z(back.geometry.dropna().values).any()) == (wkb_type == QgsWkbTypes.PointZ)


def test_from_layer_by_file_path():
    frame = eq.from_layer(f"{SAMPLE}|layername=boundary")
    assert len(frame) == 1 and frame.attrs["qgis_layer"] == "boundary"
    assert frame["name"].iloc[0] == "Khu công nghiệp Tằng Loỏng"


def test_table_without_geometry():
    layer = eq.to_layer(pd.DataFrame({"id": ["A"], "value": [0.5]}), "bảng")
    assert layer.wkbType() == QgsWkbTypes.NoGeometry and layer.featureCount() == 1
    back = eq.from_layer(layer)
    assert back["id"].tolist() == ["A"] and back.geometry.isna().all()


def test_curved_geometry_is_segmentized():
    layer = QgsVectorLayer("CurvePolygon?crs=EPSG:3405", "curve", "memory")
    from qgis.core import QgsFeature, QgsGeometry

    feat = QgsFeature()
    feat.setGeometry(QgsGeometry.fromWkt(
        f"CURVEPOLYGON(CIRCULARSTRING({X0} {Y0}, {X0 + 10} {Y0 + 10}, {X0 + 20} {Y0}, "
        f"{X0 + 10} {Y0 - 10}, {X0} {Y0}))"))
    layer.dataProvider().addFeatures([feat])
    frame = eq.from_layer(layer)
    assert frame.geometry.iloc[0].geom_type == "Polygon"
    assert frame.geometry.iloc[0].area == pytest.approx(np.pi * 100, rel=1e-2)
    assert frame.attrs["segmentized"] == 1


def test_layers_that_cannot_be_converted(tmp_path, project):
    from rasterio.transform import from_origin
    from test_raster import grid, picture, write_raster

    x, y = grid(0, 1000, 10, 10, 10)
    tif = write_raster(tmp_path / "r.tif", picture(x, y), from_origin(X0, Y0 + 1000, 10, 10), "EPSG:3405")
    raster = QgsRasterLayer(str(tif), "ảnh")
    with pytest.raises(eq.QgisLayerError, match="'ảnh': is a raster layer, not a vector layer"):
        eq.from_layer(raster)
    missing = QgsVectorLayer(str(tmp_path / "gone.gpkg") + "|layername=x", "gone", "ogr")
    with pytest.raises(eq.QgisLayerError, match="'gone': is not valid"):
        eq.from_layer(missing)
    no_crs = QgsVectorLayer("Polygon", "không CRS", "memory")
    no_crs.setCrs(QgsCoordinateReferenceSystem())  # a memory layer starts in EPSG:4326
    with pytest.raises(eq.QgisLayerError, match="has no CRS.*Set CRS"):
        eq.from_layer(no_crs)
    mixed = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[p(0, 0), b(0, 0, 1, 1)], crs="EPSG:3405")
    with pytest.raises(eq.QgisLayerError, match="Point, Polygon geometry.*split"):
        eq.to_layer(mixed, "mixed")
    project.addMapLayer(QgsVectorLayer("Point?crs=EPSG:3405", "điểm", "memory"))
    with pytest.raises(eq.QgisLayerError, match="no layer named 'nowhere'.*'điểm'"):
        eq.from_layer("nowhere")


# --- parks from open layers --------------------------------------------------------------------


VI_NAMES = {"boundary": "Ranh giới KCN", "landuse": "Quy hoạch sử dụng đất", "buildings": "Công trình",
            "plot_green": "Cây xanh trong lô", "facilities": "Cơ sở sản xuất", "neighbourhoods": "Khu dân cư"}


def test_park_from_layers_matches_load_park(tmp_path, project):
    gpkg = copy_sample(tmp_path)
    before = sorted(x.name for x in gpkg.parent.iterdir())
    for layer in open_layers(gpkg, VI_NAMES).values():
        project.addMapLayer(layer)
    park = eq.park_from_layers(**VI_NAMES)  # by name, from the current project
    direct = eipgis.load_park(gpkg)
    assert park.name == direct.name == "Khu công nghiệp Tằng Loỏng"
    assert park.crs_label == direct.crs_label
    assert park.area_ha == pytest.approx(direct.area_ha)
    assert len(park.landuse) == len(direct.landuse)
    assert "Quy hoạch sử dụng đất" in park.source
    ours = eipgis.check(park).to_dict()["results"]
    theirs = eipgis.check(direct).to_dict()["results"]
    assert [(r["id"], r["value"], r["passed"]) for r in ours] == [
        (r["id"], r["value"], r["passed"]) for r in theirs]
    assert sorted(x.name for x in gpkg.parent.iterdir()) == before  # nothing written beside the data


def test_park_from_layers_reports_qgis_layer_names(tmp_path, project):
    layers = square_park_layers()
    layers["landuse"].loc[1, "parcel_id"] = "G1"  # duplicate
    gpkg = write_park(tmp_path / "bad.gpkg", layers)
    opened = open_layers(gpkg, VI_NAMES)
    with pytest.raises(eipgis.LayerError) as info:
        eq.park_from_layers(boundary=opened["boundary"], landuse=opened["landuse"])
    text = str(info.value)
    assert "duplicate parcel_id G1" in text
    assert "QGIS layer 'Quy hoạch sử dụng đất'" in text
    assert "eipgis-qgis-" not in text and ".gpkg:" not in text.split("\n")[0]
    empty = QgsVectorLayer("Polygon?crs=EPSG:3405", "trống", "memory")
    with pytest.raises(eq.QgisLayerError, match="landuse: QGIS layer 'trống' has no features"):
        eq.park_from_layers(boundary=opened["boundary"], landuse=empty)


# --- results as styled layers ------------------------------------------------------------------


def _colour(symbol_layer, prop, feature) -> str:
    ctx = QgsExpressionContext()
    ctx.setFeature(feature)
    colour, _ = symbol_layer.dataDefinedProperties().property(prop).valueAsColor(ctx)
    return colour.name()


def test_add_results_styles_and_attributes(tmp_path, project):
    park = eipgis.load_park(write_park(tmp_path / "sq.gpkg", square_park_layers()))
    report = eipgis.check(park)
    added = eq.add_results(park=park, report=report)
    group = project.layerTreeRoot().findGroup("eipgis")
    assert group is not None and len(group.findLayers()) == len(added)
    title = "Khu công nghiệp Thử nghiệm — land use"
    lu = added[title]
    assert lu.featureCount() == 7 and lu.crs().authid() == "EPSG:3405"
    renderer = lu.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "landuse_class"
    cats = {c.value(): c for c in renderer.categories()}
    assert cats["green"].symbol().color().name() == COLOURS["green"].lower()
    assert cats["green"].label() == "Green space"
    failing = {f["parcel_id"]: f["failing"] for f in lu.getFeatures()}
    # Hand-checked in conftest: P2 over density (6 floors → 60 %), P3 plot green 10 %.
    assert failing["P2"] == "VN21-PLOT-DENSITY"
    assert failing["P3"] == "VN21-PLOT-GREEN"
    assert failing["G1"] == "" and failing["P1"] == ""
    fill = cats["industrial"].symbol().symbolLayer(0)
    by_id = {f["parcel_id"]: f for f in lu.getFeatures()}
    assert _colour(fill, QgsSymbolLayer.PropertyStrokeColor, by_id["P2"]) == eq.FAILING_COLOUR
    assert _colour(fill, QgsSymbolLayer.PropertyStrokeColor, by_id["P1"]) == "#333333"
    fac = added["Khu công nghiệp Thử nghiệm — facilities"]
    assert {f["facility_id"]: f["failing"] for f in fac.getFeatures()} == {"F1": "", "F2": "VN-HAZ-DIST"}
    strip = added["VN21-BUF-STRIP: ungreen isolation strip"]
    assert strip.featureCount() == 1
    table = next(v for k, v in added.items() if "criteria" in k)
    rows = {f["id"]: f for f in table.getFeatures()}
    assert len(rows) == 7
    assert rows["VN21-LU-GREEN"]["passed"] is False or rows["VN21-LU-GREEN"]["passed"] == False
    assert rows["VN21-LU-GREEN"]["value"] == pytest.approx(0.099)
    assert rows["VN21-LU-TECH"]["passed"] == True
    vi = eq.add_results(park=park, lang="vi", group="eipgis (vi)")
    vi_lu = next(iter(vi.values()))
    assert {c.value(): c.label() for c in vi_lu.renderer().categories()}["green"] == "Đất cây xanh"


def test_add_results_report_without_park(tmp_path, project):
    """A report without its park is one clear error (its parcels carry the results)."""
    park = eipgis.load_park(write_park(tmp_path / "sq.gpkg", square_park_layers()))
    with pytest.raises(eipgis.errors.InputError, match="a report needs the park it is about"):
        eq.add_results(report=eipgis.check(park), group="report only")


def test_add_results_scenario_and_links(tmp_path, project):
    from eipgis.plans.scenario import Scenario

    park = eipgis.load_park(write_park(tmp_path / "sq.gpkg", square_park_layers()))
    scenario = Scenario.from_dict({"schema_version": 1, "name": "P3 thành cây xanh",
                                   "operations": [{"op": "rezone", "parcels": ["P3"], "to": "CX"}]})
    run = scenario.run(park)
    links = gpd.GeoDataFrame(
        {"material": ["xỉ lò cao", "nhiệt thải", "xỉ lò cao"], "quantity": [10.0, 5.0, 1.0]},
        geometry=[LineString([(X0, Y0), (X0 + 100, Y0 + 100)]),
                  LineString([(X0, Y0), (X0 + 50, Y0)]),
                  LineString([(X0, Y0), (X0, Y0 + 50)])],
        crs="EPSG:3405",
    )
    added = eq.add_results(scenario_park=run, links=links)
    sc = added["Scenario: P3 thành cây xanh — land use"]
    classes = {f["parcel_id"]: f["landuse_class"] for f in sc.getFeatures()}
    assert classes["P3"] == "green"
    table = added["Scenario: P3 thành cây xanh — criteria"]
    green = next(f for f in table.getFeatures() if f["id"] == "VN21-LU-GREEN")
    assert green["value"] == pytest.approx(0.396) and green["passed"] == True
    link_layer = added["Symbiosis links"]
    assert link_layer.wkbType() == QgsWkbTypes.LineString
    assert link_layer.renderer().type() == "categorizedSymbol"
    assert sorted(c.value() for c in link_layer.renderer().categories()) == ["nhiệt thải", "xỉ lò cao"]
    with pytest.raises(eipgis.InputError, match="no 'flow' column"):
        eq.add_results(links=links, link_column="flow")


# --- Processing --------------------------------------------------------------------------------


def test_processing_in_process(tmp_path, project):
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    eq.register_provider()
    assert eq.register_provider() is QgsApplication.processingRegistry().providerById("eipgis")
    gpkg = write_park(tmp_path / "sq.gpkg", square_park_layers())
    result = processing.run("eipgis:check", {
        "BOUNDARY": f"{gpkg}|layername=boundary", "LANDUSE": f"{gpkg}|layername=landuse",
        "BUILDINGS": f"{gpkg}|layername=buildings", "PLOT_GREEN": f"{gpkg}|layername=plot_green",
        "OUTPUT": str(tmp_path / "out.gpkg"), "REPORT": str(tmp_path / "report.json"),
    })
    assert result["PASSED"] is False
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["value"] for r in data["results"]}["VN21-LU-GREEN"] == pytest.approx(0.099)
    out = gpd.read_file(tmp_path / "out.gpkg")
    assert len(out) == 7 and set(out.loc[out["failing"] != "", "parcel_id"]) == {"P2", "P3"}


def qgis_process(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = eq.qgis_process_env()
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp_path / "qgis-profile")  # not the user's profile
    (tmp_path / "qgis-profile").mkdir(exist_ok=True)
    enable = subprocess.run([QGIS_PROCESS, "plugins", "enable", "eipgis_processing"], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert enable.returncode == 0 or "already enabled" in enable.stderr, enable.stderr
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def park_args(gpkg: Path) -> list[str]:
    return [f"{key.upper()}={gpkg}|layername={key}" for key in LAYERS]


def test_qgis_process_lists_and_checks(tmp_path):
    gpkg = write_park(tmp_path / "sq.gpkg", square_park_layers())
    listing = qgis_process(["list"], tmp_path)
    assert "eipgis:check\tCheck park against criteria" in listing.stdout
    assert "eipgis:scenario\tRun scenario" in listing.stdout
    done = qgis_process(["--json", "run", "eipgis:check", "--", *park_args(gpkg),
                         f"OUTPUT={tmp_path / 'out.gpkg'}", f"REPORT={tmp_path / 'report.md'}",
                         "LANG=1"], tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert results["PASSED"] is False
    assert "VN21-PLOT-DENSITY" in results["FAILING"]
    assert "REPORT_JSON" not in results  # JSON is a file output (REPORT=….json), not a log string
    again = qgis_process(["--json", "run", "eipgis:check", "--", *park_args(gpkg),
                          f"OUTPUT={tmp_path / 'out2.gpkg'}", f"REPORT={tmp_path / 'report.json'}"], tmp_path)
    assert again.returncode == 0, again.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["park"] == "Khu công nghiệp Thử nghiệm"
    assert {r["id"]: r["value"] for r in report["results"]}["VN21-LU-GREEN"] == pytest.approx(0.099)
    assert "KHÔNG ĐẠT" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert len(gpd.read_file(tmp_path / "out.gpkg")) == 7


def test_qgis_process_landcover(tmp_path):
    from rasterio.transform import from_origin
    from test_raster import grid, picture, write_raster

    gpkg = write_park(tmp_path / "sq.gpkg", square_park_layers())
    x, y = grid(0, 1000, 10, 100, 100)
    tif = write_raster(tmp_path / "lc.tif", picture(x, y), from_origin(X0, Y0 + 1000, 10, 10), "EPSG:3405")
    done = qgis_process(["--json", "run", "eipgis:check", "--", *park_args(gpkg), f"LANDCOVER={tif}",
                         f"OUTPUT={tmp_path / 'out.gpkg'}", f"REPORT={tmp_path / 'r.json'}"], tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["OBS-GREEN"]["value"] == pytest.approx(0.089)
    assert by_id["OBS-GREEN-PAPER"]["features"] == ["G2"]
    out = gpd.read_file(tmp_path / "out.gpkg")
    assert out.set_index("parcel_id").loc["G2", "failing"] == "OBS-GREEN-PAPER"


def test_qgis_process_sample_lonlat_raster(tmp_path):
    """The sample and its EPSG:4326 land cover: irregular parcels transformed into lon/lat.

    Inside qgis_process exactextract would crash (QGIS's GEOS 3.11 is loaded first), so the
    shapely engine must be the one chosen there; the answers equal those of the CLI.
    """
    raster = REPO / "layers" / "tang_loong_landcover.tif"
    done = qgis_process(["--json", "run", "eipgis:check", "--", *park_args(SAMPLE),
                         f"LANDCOVER={raster}", f"OUTPUT={tmp_path / 'out.gpkg'}", f"REPORT={tmp_path / 'r.json'}"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in report["results"]}
    park = eipgis.load_park(SAMPLE)
    from eipgis.raster import observed_green

    expected = observed_green(park, raster, engine="exactextract")
    assert by_id["OBS-GREEN"]["value"] == pytest.approx(expected.green_share, abs=1e-6)
    assert sorted(by_id["OBS-GREEN-PAPER"]["features"]) == sorted(expected.paper_only())


def test_qgis_process_scenario(tmp_path):
    write_park(tmp_path / "sq.gpkg", square_park_layers())  # the scenario names it
    yaml_file = tmp_path / "p3_green.yaml"
    yaml_file.write_text(
        "schema_version: 1\nname: P3 thành cây xanh\npark: sq.gpkg\ncriteria: vn-qcvn-01-2021\n"
        "operations:\n  - op: rezone\n    parcels: [P3]\n    to: CX\n", encoding="utf-8")
    done = qgis_process(["--json", "run", "eipgis:scenario", "--", f"SCENARIO={yaml_file}",
                         f"OUTPUT={tmp_path / 'sc.gpkg'}", f"REPORT={tmp_path / 'sc.md'}"], tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert "VN21-LU-GREEN" not in results["FAILING"]  # green share 39.6 % ≥ 20 % once P3 is green
    out = gpd.read_file(tmp_path / "sc.gpkg").set_index("parcel_id")
    assert out.loc["P3", "landuse"] == "CX"
    assert "P3" in (tmp_path / "sc.md").read_text(encoding="utf-8")


def test_qgis_process_hostile_scenario(tmp_path):
    """A where is read by eipgis.expr in Processing too: a working one selects, a payload runs nothing."""
    write_park(tmp_path / "sq.gpkg", square_park_layers())
    head = "schema_version: 1\nname: where\npark: sq.gpkg\noperations:\n  - op: rezone\n    to: CX\n"
    good = tmp_path / "good.yaml"
    good.write_text(head + "    where: \"tenant == 'Công ty C'\"\n", encoding="utf-8")
    done = qgis_process(["--json", "run", "eipgis:scenario", "--", f"SCENARIO={good}",
                         f"OUTPUT={tmp_path / 'good.gpkg'}"], tmp_path)
    assert done.returncode == 0, done.stderr
    out = gpd.read_file(tmp_path / "good.gpkg").set_index("parcel_id")
    assert out.loc["P3", "landuse"] == "CX" and out.loc["P2", "landuse"] == "CN"
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.yaml"
    bad.write_text(head + f"    where: \"@pd.io.common.os.system('touch {marker}') == 0\"\n",
                   encoding="utf-8")
    before = bad.read_bytes()
    done = qgis_process(["run", "eipgis:scenario", "--", f"SCENARIO={bad}",
                         f"OUTPUT={tmp_path / 'bad.gpkg'}"], tmp_path)
    assert done.returncode != 0
    assert "operations[0].where" in done.stderr and "is not allowed at column 1" in done.stderr
    assert not marker.exists() and not (tmp_path / "bad.gpkg").exists()
    assert bad.read_bytes() == before


def test_qgis_process_bad_input(tmp_path):
    layers = square_park_layers()
    layers["landuse"].loc[1, "parcel_id"] = "G1"
    gpkg = write_park(tmp_path / "bad.gpkg", layers)
    done = qgis_process(["run", "eipgis:check", "--", *park_args(gpkg),
                         f"OUTPUT={tmp_path / 'out.gpkg'}"], tmp_path)
    assert done.returncode != 0
    assert "duplicate parcel_id G1" in done.stderr
    assert not (tmp_path / "out.gpkg").exists()


def test_raster_evidence_in_qgis_python(tmp_path):
    from rasterio.transform import from_origin
    from test_raster import grid, picture, write_raster

    from eipgis.raster import observed_green, rasterize_landuse

    park = eipgis.load_park(write_park(tmp_path / "sq.gpkg", square_park_layers()))
    x, y = grid(0, 1000, 10, 100, 100)
    tif = write_raster(tmp_path / "lc.tif", picture(x, y), from_origin(X0, Y0 + 1000, 10, 10), "EPSG:3405")
    assert observed_green(park, tif).green_share == pytest.approx(0.089)
    lu = rasterize_landuse(park, tmp_path / "lu.tif", resolution_m=10)
    layer = QgsRasterLayer(str(lu), "lu")
    assert layer.isValid() and layer.width() == 100 and layer.crs().authid() == "EPSG:3405"


def test_versions_are_debians():
    """The wheels must not bring their own GEOS/PROJ into QGIS (see .ci/qgis-constraints.txt)."""
    assert np.__version__.startswith("1.24")
    assert shapely.geos_version[:2] == (3, 11)
    assert dt.date.today().year >= 2024


# --- issue 15: the planner's QGIS -------------------------------------------------------------


def _group_titles(project, name="eipgis"):
    return [node.name() for node in project.layerTreeRoot().findGroup(name).children()]


def test_add_results_layer_order_and_vietnamese_titles(tmp_path, project):
    """Points, then the strip gaps, above the land use; tables last; every title in Vietnamese."""
    park = eipgis.load_park(write_park(tmp_path / "sq.gpkg", square_park_layers()))
    report = eipgis.check(park)
    eq.add_results(park=park, report=report, lang="vi")
    name = "Khu công nghiệp Thử nghiệm"
    assert _group_titles(project) == [
        f"{name} — cơ sở sản xuất",                       # F2 fails VN-HAZ-DIST: drawn red, on top
        "VN21-BUF-STRIP: dải cách ly chưa có cây xanh",    # hatched gaps over the parcels
        f"{name} — sử dụng đất",                           # 85 % opaque: at the bottom
        f"{name} — tiêu chí (vn-qcvn-01-2021)",
    ]
    from eipgis.plans.scenario import Scenario

    scenario = Scenario.from_dict({"schema_version": 1, "name": "P3 to green", "name_vi": "P3 thành cây xanh",
                                   "operations": [{"op": "rezone", "parcels": ["P3"], "to": "CX"}]})
    links = gpd.GeoDataFrame({"material": ["xỉ"]}, geometry=[LineString([(X0, Y0), (X0 + 9, Y0)])],
                             crs="EPSG:3405")
    added = eq.add_results(scenario_park=scenario.run(park), links=links, lang="vi")
    assert sorted(added) == ["Liên kết cộng sinh", "Phương án: P3 thành cây xanh — sử dụng đất",
                             "Phương án: P3 thành cây xanh — tiêu chí"]
    # A second call slots its layers in by kind: the links (lines) under the facilities (points),
    # the scenario's land use above the park's, its table among the tables.
    assert _group_titles(project) == [
        f"{name} — cơ sở sản xuất", "Liên kết cộng sinh",
        "VN21-BUF-STRIP: dải cách ly chưa có cây xanh",
        "Phương án: P3 thành cây xanh — sử dụng đất", f"{name} — sử dụng đất",
        f"{name} — tiêu chí (vn-qcvn-01-2021)", "Phương án: P3 thành cây xanh — tiêu chí",
    ]
    with pytest.raises(eipgis.InputError, match="unknown language 'fr'"):
        eq.add_results(park=park, lang="fr")


def _readme_console_snippet() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Inside QGIS", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_console_snippet_runs_verbatim(tmp_path, project, monkeypatch, capsys):
    """The README's console snippet, as written, on the sample, from a folder that is not the source."""
    monkeypatch.chdir(tmp_path)
    code = _readme_console_snippet()
    assert "sample_path()" in code and "layername=" in code
    namespace: dict = {}
    exec(compile(code, "README.md (Inside QGIS)", "exec"), namespace)  # noqa: S102 (our own README)
    titles = _group_titles(project)
    park = namespace["park"]
    assert park.name == "Khu công nghiệp Tằng Loỏng"
    assert f"{park.name} — sử dụng đất" in titles
    assert "KHÔNG ĐẠT" in capsys.readouterr().out or namespace["report"].passed
    # Reading order: no polygon layer above a point or line layer, tables at the end.
    ranks = {"Point": 0, "Line": 1, "Polygon": 2, "Unknown": 3, "NoGeometry": 3}
    kinds = [QgsWkbTypes.geometryDisplayString(project.mapLayersByName(t)[0].geometryType()) for t in titles]
    order = [ranks.get(k, 3) for k in kinds]
    assert order == sorted(order), list(zip(titles, kinds, strict=True))
    assert any(t.startswith("Phương án:") for t in titles)
    assert QgsApplication.processingRegistry().providerById("eipgis") is not None


def _processing():
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    eq.register_provider()
    return processing


def test_processing_output_is_styled_like_add_results(tmp_path, project):
    processing = _processing()
    gpkg = write_park(tmp_path / "sq.gpkg", square_park_layers())
    mine = QgsVectorLayer(f"{gpkg}|layername=boundary", "my own layer", "ogr")
    project.addMapLayer(mine)
    processing.runAndLoadResults("eipgis:check", {
        **{key.upper(): f"{gpkg}|layername={key}" for key in LAYERS},
        "LANG": 1, "OUTPUT": "TEMPORARY_OUTPUT",  # as the dialog does, with "Open output file" ticked:
        "FACILITIES_OUTPUT": "TEMPORARY_OUTPUT", "STRIP_OUTPUT": "TEMPORARY_OUTPUT",
    })
    name = "Khu công nghiệp Thử nghiệm"
    # Loaded for reading: the failing facility and the strip gaps above the parcels, the user's
    # own layers below the results.
    assert [node.name() for node in project.layerTreeRoot().children()] == [
        f"{name} — cơ sở sản xuất", "VN21-BUF-STRIP: dải cách ly chưa có cây xanh",
        f"{name} — sử dụng đất", "my own layer"]
    fac = project.mapLayersByName(f"{name} — cơ sở sản xuất")[0]
    marker = fac.renderer().symbol().symbolLayer(0)
    by_fac = {f["facility_id"]: f for f in fac.getFeatures()}
    assert _colour(marker, QgsSymbolLayer.PropertyFillColor, by_fac["F2"]) == eq.FAILING_COLOUR  # VN-HAZ-DIST
    assert _colour(marker, QgsSymbolLayer.PropertyFillColor, by_fac["F1"]) == "#444444"
    strip = project.mapLayersByName("VN21-BUF-STRIP: dải cách ly chưa có cây xanh")[0]
    from qgis.PyQt.QtCore import Qt

    assert strip.renderer().symbol().symbolLayer(0).brushStyle() == Qt.BDiagPattern  # hatched
    out = project.mapLayersByName(f"{name} — sử dụng đất")[0]
    renderer = out.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "landuse_class"
    cats = {c.value(): c for c in renderer.categories()}
    assert cats["green"].symbol().color().name() == COLOURS["green"].lower()
    assert cats["green"].label() == "Đất cây xanh"
    by_id = {f["parcel_id"]: f for f in out.getFeatures()}
    fill = cats["industrial"].symbol().symbolLayer(0)
    assert _colour(fill, QgsSymbolLayer.PropertyStrokeColor, by_id["P2"]) == eq.FAILING_COLOUR  # over density
    assert _colour(fill, QgsSymbolLayer.PropertyStrokeColor, by_id["P1"]) == "#333333"


def test_processing_dialog_defaults_from_open_layers(project):
    """Opened as QGIS names a GeoPackage's layers, boundary first: each parameter gets its own layer."""
    _processing()
    opened = open_layers(SAMPLE, {role: f"tang_loong — {role}" for role in LAYERS})
    for role in LAYERS:
        project.addMapLayer(opened[role])
    alg = QgsApplication.processingRegistry().createAlgorithmById("eipgis:check")
    for key, role in [(r.upper(), r) for r in LAYERS]:
        assert alg.parameterDefinition(key).defaultValue() == opened[role].id(), key
    # Memory layers named in Vietnamese (no GeoPackage layer name): columns and words tell.
    project.removeAllMapLayers()
    for role, frame in square_park_layers().items():
        project.addMapLayer(eq.to_layer(frame, VI_NAMES[role]))
    guessed = eq.guess_layers()
    assert {role: lyr.name() for role, lyr in guessed.items()} == VI_NAMES
    scenario = QgsApplication.processingRegistry().createAlgorithmById("eipgis:scenario")
    assert scenario.parameterDefinition("LANDUSE").defaultValue() is None  # the scenario's own park by default


@pytest.fixture
def vietnamese_qgis():
    from qgis.core import QgsSettings

    settings = QgsSettings()
    saved = (settings.value("locale/overrideFlag"), settings.value("locale/userLocale"))
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "vi")
    yield
    settings.setValue("locale/overrideFlag", saved[0] or False)
    settings.setValue("locale/userLocale", saved[1] or "")


def test_processing_titles_in_vietnamese(vietnamese_qgis):
    _processing()
    assert QgsApplication.locale() == "vi"
    alg = QgsApplication.processingRegistry().createAlgorithmById("eipgis:check")
    assert alg.displayName() == "Kiểm tra khu theo bộ tiêu chí"
    assert alg.group() == "" and alg.groupId() == ""  # under the provider, not "eipgis › eipgis"
    labels = {p.name(): p.description() for p in alg.parameterDefinitions()}
    assert labels["LANDUSE"] == "Lô đất quy hoạch" and labels["BOUNDARY"] == "Ranh giới khu"
    assert labels["LANDCOVER"] == "Ảnh lớp phủ mặt đất hoặc NDVI"  # QGIS itself adds "[tùy chọn]"
    assert alg.parameterDefinition("LANG").defaultValue() == 1  # Tiếng Việt
    assert "Kiểm tra" in alg.shortHelpString()
    scenario = QgsApplication.processingRegistry().createAlgorithmById("eipgis:scenario")
    assert scenario.displayName() == "Chạy phương án điều chỉnh"


def test_processing_titles_in_english_without_optional_twice():
    _processing()
    alg = QgsApplication.processingRegistry().createAlgorithmById("eipgis:check")
    assert alg.displayName() == "Check park against criteria"
    landcover = alg.parameterDefinition("LANDCOVER")
    assert landcover.description() == "Land-cover or NDVI raster"
    assert "optional" not in landcover.description().lower()
    assert alg.parameterDefinition("LANG").defaultValue() == 0
    assert QgsApplication.processingRegistry().providerById("eipgis").name() == "eipgis"


def test_processing_log_is_a_table_and_progress_moves(tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    processing = _processing()
    gpkg = write_park(tmp_path / "sq.gpkg", square_park_layers())
    feedback = QgsProcessingFeedback()
    progress: list[float] = []
    feedback.progressChanged.connect(progress.append)
    result = processing.run("eipgis:check", {
        "BOUNDARY": f"{gpkg}|layername=boundary", "LANDUSE": f"{gpkg}|layername=landuse",
        "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=feedback, context=QgsProcessingContext())
    # No facilities given: no facilities output; no REPORT_JSON (a JSON block in the log).
    assert set(result) == {"OUTPUT", "STRIP_OUTPUT", "REPORT", "PASSED", "FAILING"}
    assert progress and progress == sorted(progress) and progress[-1] == 100 and len(set(progress)) >= 3
    log = feedback.textLog()
    assert '"results"' not in log and '"criteria_set"' not in log  # no report JSON in the log
    table = [line for line in log.splitlines() if line.startswith(("id ", "VN21-"))]
    assert len(table) >= 7  # the heading and a row per criterion (the console text is monospace)
    column = table[0].index("criterion")
    assert all(line[column - 2:column] == "  " for line in table)  # every row starts it in the same place
    # Without buildings and facilities: green share 9.9 % < 20 %, traffic, P3's plot green and the
    # strip fail; the two distance/density criteria need layers not given.
    assert "Khu công nghiệp Thử nghiệm: 4 of 7 criteria fail" in log
    assert result["FAILING"] == "VN21-LU-GREEN, VN21-LU-TRAFFIC, VN21-PLOT-GREEN, VN21-BUF-STRIP"


def test_plugin_without_eipgis_says_what_to_do(monkeypatch):
    """The plugin folder as QGIS loads it, when QGIS's Python cannot import eipgis."""
    import importlib.util

    init = Path(eq.plugin_path()) / "eipgis_processing" / "__init__.py"
    spec = importlib.util.spec_from_file_location("eipgis_processing_probe", init)
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    monkeypatch.setitem(sys.modules, "eipgis.qgis.processing", None)  # import now fails
    messages: list[str] = []

    def received(message, tag, level):
        messages.append(f"{tag}: {message}")

    QgsApplication.messageLog().messageReceived.connect(received)
    try:
        stand_in = plugin.classFactory(None)
        stand_in.initProcessing()
        stand_in.initGui()
        stand_in.unload()
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(received)
    assert type(stand_in).__name__ == "MissingEipgis"
    assert len(messages) == 1  # said once, not a dialog per hook
    assert "cannot import eipgis" in messages[0] and "python -m eipgis.qgis install" in messages[0]
    assert messages[0].startswith("eipgis: ")


def test_install_writes_the_profile(tmp_path):
    profiles = tmp_path / "profiles"
    run = [sys.executable, "-m", "eipgis.qgis", "install", "--profiles-dir", str(profiles)]
    for _ in range(2):  # a second run replaces what the first wrote
        done = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    from qgis.PyQt.QtCore import QSettings

    ini = QSettings(str(profiles / "default" / "QGIS" / "QGIS3.ini"), QSettings.IniFormat)
    assert ini.value("PythonPlugins/eipgis_processing") in (True, "true")
    assert ini.value("qgis/customEnvVarsUse") in (True, "true")
    entries = ini.value("qgis/customEnvVars")
    site_packages = next(p for p in sys.path if p.startswith(sys.prefix) and p.endswith("site-packages"))
    assert [e.split("=")[0] for e in entries] == ["prepend|PYTHONPATH", "overwrite|PROJ_DATA"]
    assert site_packages in entries[0].split("=", 1)[1].split(os.pathsep)
    assert (Path(entries[1].split("=", 1)[1]) / "proj.db").is_file()
    assert (profiles / "default" / "python" / "plugins" / "eipgis_processing" / "metadata.txt").is_file()
    bad = subprocess.run([sys.executable, "-m", "eipgis.qgis", "install", "--profile", "../x",
                          "--profiles-dir", str(profiles)], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "is not a profile name" in bad.stderr and "Traceback" not in bad.stderr


_DESKTOP_PROBE = '''
import json, os
from qgis.core import QgsApplication
from qgis.utils import active_plugins, iface
provider = QgsApplication.processingRegistry().providerById("eipgis")
bar = [item.text() for item in iface.messageBar().items()]
out = {"provider": provider is not None, "plugins": sorted(active_plugins), "bar": bar,
       "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
       "PROJ_DATA": os.environ.get("PROJ_DATA")}
with open(os.environ["EIPGIS_PROBE_OUT"], "w", encoding="utf-8") as f:
    json.dump(out, f)
os._exit(0)
'''


def _desktop(tmp_path: Path, config: Path, name: str) -> dict:
    """Start the QGIS desktop under Xvfb as the desktop menu would (no PYTHONPATH, no venv)."""
    from _system import require

    xvfb = shutil.which("xvfb-run")
    require("xvfb-run (X virtual framebuffer)", xvfb is not None and shutil.which("qgis") is not None,
            install="apt-get install xvfb xauth qgis")
    probe = tmp_path / "probe.py"
    probe.write_text(_DESKTOP_PROBE, encoding="utf-8")
    out = tmp_path / f"{name}.json"
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "QGIS_CUSTOM_CONFIG_PATH": str(config), "EIPGIS_PROBE_OUT": str(out)}
    done = subprocess.run([xvfb, "-a", "qgis", "--nologo", "--noversioncheck", "--code", str(probe)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert out.exists(), f"QGIS did not run the probe (exit {done.returncode}): {done.stderr[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_desktop_under_xvfb_finds_the_provider(tmp_path):
    """The documented set-up, then QGIS started as from the menu: eipgis is in the toolbox."""
    config = tmp_path / "qgis-config"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(config)
    done = subprocess.run([sys.executable, "-m", "eipgis.qgis", "install"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    seen = _desktop(tmp_path, config, "installed")
    assert seen["provider"], seen
    assert "eipgis_processing" in seen["plugins"]
    assert seen["algorithms"] == ["eipgis:check", "eipgis:scenario"]
    assert seen["PROJ_DATA"] and (Path(seen["PROJ_DATA"]) / "proj.db").is_file()
    # The plugin in the profile but eipgis out of reach: a readable message, not a traceback dialog.
    from qgis.PyQt.QtCore import QSettings

    ini = QSettings(str(config / "profiles" / "default" / "QGIS" / "QGIS3.ini"), QSettings.IniFormat)
    ini.setValue("qgis/customEnvVarsUse", False)
    ini.sync()
    seen = _desktop(tmp_path, config, "without")
    assert not seen["provider"]
    assert any("cannot import eipgis" in text and "eipgis.qgis install" in text for text in seen["bar"]), seen
