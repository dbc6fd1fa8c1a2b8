"""Web maps and the appraisal report, checked without a browser: layers, figures, languages, bad input.

Every expected figure comes from the hand-checkable square park of ``conftest.py``:
P2 holds a 6-floor building of 16 ha on 24.5 ha (density 65.3 % against 60 %), P3 has
3 ha of green on 29.7 ha (10.1 % against 20 %), facility F2 (class II, 500 m) lies 400 m from
Thôn Làng Mới, and the 10 m strip is green only along the west side (1.98 ha to plant).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
from conftest import X0, Y0, b, square_park_layers, write_park
from shapely.geometry import LineString, Polygon

import eipgis
from eipgis.errors import CRSError, InputError, LayerError, OutputError
from eipgis.landuse import LABELS
from eipgis.present._mapdata import layer_geojson
from eipgis.present._webassets import external_references
from eipgis.present.report import report_html, report_markdown, write_report
from eipgis.present.webmap import changed_parcels, map_html, park_map, read_links, write_map

DATE = "2026-01-15"


def layers(m) -> dict[str, tuple[dict, dict]]:
    """The map's eipgis layers by their layer-control name: (spec, GeoJSON)."""
    out = {}
    for child in m._children.values():
        if type(child).__name__ == "GeoLayer":
            out[child.layer_name] = (json.loads(child.spec), layer_geojson(child.data))
    return out


def layer(m, start: str) -> tuple[dict, dict]:
    found = [v for k, v in layers(m).items() if k.startswith(start)]
    assert len(found) == 1, (start, list(layers(m)))
    return found[0]


def props(collection: dict) -> list[dict]:
    return [f["properties"] for f in collection["features"]]


@pytest.fixture
def park(square_gpkg):
    return eipgis.load_park(square_gpkg)


@pytest.fixture
def links() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"supplier": ["F1", "F2"], "receiver": ["F2", "Thôn Làng Mới"],
         "material": ["phosphogypsum", "waste_heat"], "quantity": [120_000.0, 30_000.0],
         "unit": ["t/yr", "t/yr"], "distance_m": [700.0, 500.0], "network": [True, False],
         "transport_co2_t": [12.5, 0.0]},
        geometry=[LineString([(X0 + 260, Y0 + 350), (X0 + 600, Y0 + 350), (X0 + 900, Y0 + 400)]),
                  LineString([(X0 + 900, Y0 + 400), (X0 + 1400, Y0 + 400)])],
        crs="EPSG:3405",
    )


def greener(park):
    """The square park with plot P1 rezoned to green (a scenario's result)."""
    lu = park.landuse.copy()
    lu.loc[lu["parcel_id"] == "P1", ["landuse", "landuse_class"]] = ["CX", "green"]
    return park.replace(landuse=lu)


# --- the map's content ------------------------------------------------------------------------


def test_layers_and_failing_features(park):
    m = park_map(park, tiles=None, date=DATE)
    names = list(layers(m))
    assert names[0] == "Land use (7 parcels)"
    assert "Park boundary" in names and "Neighbourhoods (1)" in names
    assert "Facilities by hazard class (2)" in names

    _, density = layer(m, "Plots over building density (1)")
    assert props(density) == [{"id": "P2", "density": "65.3 %", "limit": "60.0 %",
                               "t": "Công ty B", "crit": "VN21-PLOT-DENSITY"}]
    _, green = layer(m, "Plots under green share (1)")
    assert [(p["id"], p["green_share"], p["limit"]) for p in props(green)] == [("P3", "10.1 %", "20.0 %")]
    _, strip = layer(m, "Isolation strip not green (1.98 ha)")
    assert props(strip)[0]["ha"] == "1.98 ha" and props(strip)[0]["len"] == "≈1,980 m"

    _, zones = layer(m, "Safety-distance zones (2)")
    _, failing = layer(m, "Safety distance not met (1)")
    assert [(p["id"], p["hz"], p["req"], p["d"], p["in"]) for p in props(failing)] == [
        ("F2", "II", "500 m", "400 m", "Thôn Làng Mới")]
    # The zone is the 500 m buffer of F2, drawn in lon/lat: its area back in metres is π·500².
    zone = gpd.GeoSeries([Polygon(failing["features"][0]["geometry"]["coordinates"][0])],
                         crs=4326).to_crs(3405)
    assert zone.area.iloc[0] == pytest.approx(math.pi * 500**2, rel=0.01)
    assert {p["id"] for p in props(zones)} == {"F1", "F2"}
    _, inside = layer(m, "Neighbourhood inside a zone (1)")
    assert props(inside) == [{"n": "Thôn Làng Mới", "pop": "1,200", "of": "F2 (II, 500 m)"}]

    spec, facilities = layer(m, "Facilities by hazard class")
    assert {p["id"]: (p["hz"], p["s"], p["req"]) for p in props(facilities)} == {
        "F1": ("I", "phốt pho vàng", "1,000 m"), "F2": ("II", "kho hoá chất", "500 m")}
    assert spec["styles"]["I"]["fillColor"] != spec["styles"]["II"]["fillColor"]


def test_landuse_layer_classes_and_areas(park):
    spec, data = layer(park_map(park, tiles=None), "Land use")
    by_id = {p["id"]: p for p in props(data)}
    assert by_id["P1"] == {"id": "P1", "c": "industrial", "code": "CN", "t": "Công ty A", "a": "25.00 ha"}
    assert by_id["G2"]["c"] == "green" and by_id["E1"]["c"] == "technical"
    assert spec["lookup"]["c"]["green"] == "Green space"
    assert spec["styles"]["industrial"]["fillColor"] == eipgis.landuse.COLOURS["industrial"]


def test_vietnamese_map_keeps_diacritics(park):
    m = park_map(park, tiles=None, lang="vi", date=DATE)
    html = map_html(m)
    for text in ("Sử dụng đất (7 lô)", "Ranh giới khu công nghiệp", "Lô vượt mật độ xây dựng (1)",
                 "Chưa đủ khoảng cách an toàn (1)", "Cơ sở sản xuất theo cấp độc hại (2)",
                 "Khu công nghiệp Thử nghiệm", "Chú giải", "Đất cây xanh", "Bộ tiêu chí",
                 "6/7 tiêu chí không đạt", "Ngày: 15/01/2026", "Mật độ xây dựng"):
        assert text in html, text
    assert '<html lang="vi">' in html
    spec, _ = layer(m, "Sử dụng đất")
    assert spec["lookup"]["c"]["industrial"] == LABELS["industrial"]["vi"]


def test_title_panel_and_legend(park):
    m = park_map(park, tiles="OpenStreetMap", date=DATE)
    html = map_html(m)
    assert 'id="eipgis-title"' in html and 'id="eipgis-legend"' in html
    tile_layer = next(c for c in m._children.values() if type(c).__name__ == "TileLayer")
    assert tile_layer.overlay and not tile_layer.show  # off until ticked: offline maps ask nothing
    assert next(c for c in park_map(park, tiles_on=True)._children.values()
                if type(c).__name__ == "TileLayer").show
    for text in ("Khu công nghiệp Thử nghiệm", "vn-qcvn-01-2021", "6 of 7 criteria fail",
                 "Date: 2026-01-15", "100.0 ha", "Green space", "Roads and parking",
                 "Hazard class I", "Hazard class II", "Basemap: OpenStreetMap (online)",
                 "works offline", "L.control.scale"):
        assert text in html, text


def test_html_is_self_contained(park, tmp_path):
    html = map_html(park_map(park, tiles=None))
    assert external_references(html) == []
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrapcdn", "<script src", "<link "):
        assert cdn not in html
    assert "L.version" in html or "leaflet" in html.lower()  # Leaflet itself is inside
    assert "jQuery" in html
    # tiles are the one online part: the tile URL is in a script, never a <script src>/<link>
    online = map_html(park_map(park, tiles="OpenStreetMap"))
    assert "tile.openstreetmap.org" in online and external_references(online) == []


def test_display_geometry_is_simplified_copy(tmp_path):
    layers_ = square_park_layers()
    # P1 drawn with 400 collinear vertices along its south edge
    xs = np.linspace(10, 510, 401)
    wiggly = Polygon([(X0 + x, Y0 + 100) for x in xs] + [(X0 + 510, Y0 + 600), (X0 + 10, Y0 + 600)])
    layers_["landuse"].loc[layers_["landuse"]["parcel_id"] == "P1", "geometry"] = wiggly
    park = eipgis.load_park(write_park(tmp_path / "w.gpkg", layers_))
    before = park.landuse.geometry.copy()
    _, data = layer(park_map(park, tiles=None), "Land use")
    p1 = next(f for f in data["features"] if f["properties"]["id"] == "P1")
    assert len(p1["geometry"]["coordinates"][0]) < 20
    assert park.landuse.geometry.geom_equals_exact(before, tolerance=0).all()  # analysis untouched


def test_links_drawn_with_width_colour_and_popup(park, links):
    m = park_map(park, tiles=None, links=links)
    spec, data = layer(m, "Symbiosis links (2)")
    p = props(data)
    assert p[0]["h"] == "F1 → F2" and p[0]["q"] == "120,000 t/yr" and p[0]["d"] == "0.70 km"
    assert p[0]["net"] == "yes" and p[1]["net"] == "no (straight line)"
    assert p[0]["_w"] == 10.0 and p[1]["_w"] == pytest.approx(2 + 8 * math.sqrt(0.25), abs=0.05)
    assert ["co2_0", "CO₂ of transport (t/yr)"] in spec["fields"] and p[0]["co2_0"] == "12.5"
    assert spec["styles"]["phosphogypsum"]["color"] != spec["styles"]["waste_heat"]["color"]


def test_links_from_geopackage(park, links, tmp_path):
    path = tmp_path / "symbiosis.gpkg"
    links.to_file(path, layer="links", driver="GPKG")
    assert len(read_links(path, crs=park.crs)) == 2
    assert "Symbiosis links (2)" in layers(park_map(park, tiles=None, links=path))


def test_scenario_before_after_and_changed_parcels(park):
    after = greener(park)

    class Scenario:
        name = "Xanh hoá lô P1"

        def apply(self, p):
            assert p is park
            return after

    m = park_map(park, tiles=None, scenario=Scenario(), lang="vi", date=DATE)
    names = list(layers(m))
    assert "Sử dụng đất: hiện trạng (7 lô)" in names and "Sử dụng đất: phương án (7 lô)" in names
    by_name = {c.layer_name: c for c in m._children.values() if hasattr(c, "layer_name")}
    assert not by_name["Sử dụng đất: hiện trạng (7 lô)"].overlay  # a before/after switch
    assert by_name["Sử dụng đất: phương án (7 lô)"].show
    assert not by_name["Sử dụng đất: hiện trạng (7 lô)"].show
    _, changed = layer(m, "Lô đất thay đổi (1)")
    assert props(changed) == [{"id": "P1", "ch": "Đất nhà máy, kho tàng → Đất cây xanh", "a": "25,00 ha"}]  # vi format
    html = map_html(m)
    assert "Xanh hoá lô P1" in html and "Hiện trạng:" in html and "Phương án:" in html
    # a Park works as well as a Scenario
    assert "Lô đất thay đổi (1)" in layers(park_map(park, tiles=None, scenario=after, lang="vi"))


def test_changed_parcels_follow_cut_pieces(park):
    lu = park.landuse
    p1 = lu[lu["parcel_id"] == "P1"]
    pieces = gpd.GeoDataFrame(
        {"parcel_id": ["P1/1", "P1/2"], "landuse": ["CX", "CN"], "landuse_class": ["green", "industrial"],
         "tenant": [None, "Công ty A"]},
        geometry=[b(10, 100, 110, 600), b(110, 100, 510, 600)], crs=lu.crs)
    after = park.replace(landuse=gpd.GeoDataFrame(
        __import__("pandas").concat([lu[lu["parcel_id"] != "P1"], pieces], ignore_index=True),
        crs=lu.crs))
    changed = changed_parcels(park, after)
    assert changed[["parcel_id", "from_class", "to_class"]].values.tolist() == [
        ["P1/1", "industrial", "green"]]
    assert changed["area_m2"].iloc[0] == pytest.approx(5e4)
    assert len(p1) == 1


def test_local_basemap_geotiff(park, tmp_path):
    import rasterio
    from rasterio.transform import from_bounds

    tif = tmp_path / "ortho.tif"
    data = np.zeros((3, 60, 60), dtype="uint8")
    data[1] = 180
    with rasterio.open(tif, "w", driver="GTiff", width=60, height=60, count=3, dtype="uint8",
                       crs="EPSG:3405", transform=from_bounds(X0 - 100, Y0 - 100, X0 + 1100,
                                                              Y0 + 1100, 60, 60)) as dst:
        dst.write(data)
    html = map_html(park_map(park, tiles=None, basemap=tif))
    assert "Basemap: ortho.tif (local image)" in html and "data:image/png;base64," in html
    assert external_references(html) == []
    far = tmp_path / "far.tif"
    with rasterio.open(far, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs="EPSG:3405", transform=from_bounds(X0 + 50_000, Y0, X0 + 51_000,
                                                              Y0 + 1000, 4, 4)) as dst:
        dst.write(np.ones((1, 4, 4), dtype="uint8"))
    with pytest.raises(InputError, match="does not cover the park"):
        park_map(park, tiles=None, basemap=far)


def test_importing_stays_light():
    code = ("import sys, eipgis.present.webmap, eipgis.present.report; "
            "print(any(m in sys.modules for m in ('folium', 'matplotlib', 'selenium')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_park_without_optional_layers(tmp_path):
    layers_ = square_park_layers()
    for name in ("buildings", "plot_green", "facilities", "neighbourhoods"):
        del layers_[name]
    park = eipgis.load_park(write_park(tmp_path / "bare.gpkg", layers_))
    names = list(layers(park_map(park, tiles=None)))
    assert names[0] == "Land use (7 parcels)" and not any(n.startswith("Facilities") for n in names)
    assert "Plots under green share (3)" in " ".join(names)  # no plot green at all: every plot fails
    html = report_html(park)
    assert "Failing features" in html and html.count("data:image/png;base64,") == 2


# --- bad input --------------------------------------------------------------------------------


def test_unknown_language(park):
    with pytest.raises(InputError, match="unknown language 'fr'.*en, vi"):
        park_map(park, lang="fr")
    with pytest.raises(InputError, match="unknown language"):
        report_html(park, lang="de")


def test_empty_landuse(park):
    empty = park.replace(landuse=park.landuse.iloc[0:0])
    with pytest.raises(LayerError, match="layer 'landuse': no features to map"):
        park_map(empty)


def test_park_far_from_its_crs(tmp_path):
    layers_ = square_park_layers()
    moved = {k: v.set_geometry(v.geometry.translate(yoff=4_000_000)) for k, v in layers_.items()}
    far = write_park(tmp_path / "far.gpkg", moved)
    with pytest.raises(CRSError, match="far from the area of use of EPSG:3405.*Set CRS"):
        eipgis.load_park(far)  # refused on loading since issue 9
    park = eipgis.load_park(write_park(tmp_path / "near.gpkg", square_park_layers()))
    far_park = park.replace(
        boundary=park.boundary.set_geometry(park.boundary.geometry.translate(yoff=4_000_000))
    )
    with pytest.raises(CRSError, match="far from the area of use of EPSG:3405.*Set CRS"):
        park_map(far_park)


def test_links_without_expected_columns(park, links, tmp_path):
    with pytest.raises(LayerError, match="missing column\\(s\\) quantity, unit"):
        park_map(park, links=links.drop(columns=["quantity", "unit"]))
    path = tmp_path / "other.gpkg"
    links.to_file(path, layer="routes", driver="GPKG")
    with pytest.raises(LayerError, match="no layer 'links' \\(layers found: routes\\)"):
        read_links(path)
    points = links.set_geometry(links.geometry.centroid)
    with pytest.raises(LayerError, match="Point geometry in 2 link"):
        read_links(points)


def test_bad_scenario_type(park):
    with pytest.raises(InputError, match="scenario must be a Scenario"):
        park_map(park, scenario="tang_loong_isolation_strip.yaml")


def test_map_needing_a_cdn_is_refused(park, tmp_path):
    import folium
    from folium.plugins import MarkerCluster

    m = park_map(park, tiles=None)
    MarkerCluster().add_to(m)  # its script comes from a CDN
    target = tmp_path / "m.html"
    with pytest.raises(OutputError, match="would load these from the internet.*markercluster"):
        write_map(m, target)
    m = park_map(park, tiles=None)
    folium.Marker([22.4, 104.0], icon=folium.Icon(color="red")).add_to(m)  # needs awesome-markers
    with pytest.raises(OutputError, match="folium.Icon"):
        write_map(m, target)
    assert [p.name for p in tmp_path.iterdir()] == ["square.gpkg"]  # no partial HTML


# --- the report -------------------------------------------------------------------------------


def test_report_html(park, links):
    html = report_html(park, links=links, scenarios={"Greener": greener(park)}, date=DATE)
    for text in ("Land-use appraisal: Khu công nghiệp Thử nghiệm", "Park summary", "100.00 ha",
                 "Land use by class", "VN21-LU-GREEN", "9.9 %", "≥ 10.0 %", "0.10 ha",
                 "QCVN 01:2021/BXD", "Failing features", "Scenarios compared", "Greener",
                 "Industrial symbiosis", "Phosphogypsum", "120,000 t/yr", "Map", "2026-01-15"):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 4  # share chart, scenario chart, 2 map pictures
    assert "<script" not in html and external_references(html) == []
    assert '<td class="fail">FAIL</td>' in html


def test_report_vietnamese_and_markdown(park, tmp_path):
    html = report_html(park, lang="vi")
    for text in ("Đánh giá sử dụng đất", "Tổng quan khu công nghiệp", "Cơ cấu sử dụng đất",
                 "Các tiêu chí", "KHÔNG ĐẠT", "Đất cây xanh", "Bản đồ"):
        assert text in html, text
    md = report_markdown(park, lang="en", date=DATE)
    assert md.startswith("# Land-use appraisal: Khu công nghiệp Thử nghiệm")
    assert "| VN21-PLOT-DENSITY |" in md and "![" in md and "(data:image/png;base64," in md
    out = write_report(tmp_path / "r.md", park)
    assert out.read_text(encoding="utf-8").startswith("# Land-use appraisal")
    with pytest.raises(OutputError):
        write_report(tmp_path / "r.md", park)
    with pytest.raises(InputError, match="unknown report format"):
        write_report(tmp_path / "r.pdf", park, fmt="docx")
    with pytest.raises(InputError, match=r"unknown report format '\.docx'.*\.html, \.md or \.pdf"):
        write_report(tmp_path / "r.docx", park)
    assert not (tmp_path / "r.docx").exists()


def test_assess_writes_maps_and_report(tmp_path):
    from eipgis.assess import assess

    outputs = assess(tmp_path / "out")
    names = {p.name for p in outputs.files}
    assert {"tang_loong_map_en.html", "tang_loong_map_vi.html", "tang_loong_report.html",
            "tang_loong_report.md"} <= names
    vi = (tmp_path / "out" / "tang_loong_map_vi.html").read_text(encoding="utf-8")
    assert "Khu công nghiệp Tằng Loỏng" in vi and "Liên kết cộng sinh" in vi
    assert external_references(vi) == []
    report = (tmp_path / "out" / "tang_loong_report.html").read_text(encoding="utf-8")
    assert "vn-eip-decree-35" in report and "Industrial symbiosis" in report


# --- the command line -------------------------------------------------------------------------


def cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eipgis.cli", *args], capture_output=True,
                          text=True, check=False)


def test_cli_map_and_report(square_gpkg, tmp_path):
    out = tmp_path / "maps" / "square.html"
    r = cli(["map", str(square_gpkg), "-o", str(out), "--lang", "vi", "--tiles", "none"])
    assert r.returncode == 0, r.stderr
    assert "Sử dụng đất (7 lô)" in out.read_text(encoding="utf-8")
    r = cli(["map", str(square_gpkg), "-o", str(out)])
    assert r.returncode == 2 and "exists already" in r.stderr
    assert cli(["map", str(square_gpkg), "-o", str(out), "--overwrite"]).returncode == 0
    report = tmp_path / "out" / "report.md"
    r = cli(["report", str(square_gpkg), "-o", str(report), "--format", "markdown"])
    assert r.returncode == 0, r.stderr
    assert report.read_text(encoding="utf-8").startswith("# Land-use appraisal")


def test_cli_bad_input_exits_2_without_output(square_gpkg, links, tmp_path):
    out = tmp_path / "m.html"
    r = cli(["map", str(square_gpkg), "-o", str(out), "--lang", "fr"])
    assert r.returncode == 2 and "unknown language 'fr'" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad_links.gpkg"
    links.drop(columns=["material"]).to_file(bad, layer="links", driver="GPKG")
    r = cli(["map", str(square_gpkg), "-o", str(out), "--links", str(bad)])
    assert r.returncode == 2 and "missing column(s) material" in r.stderr
    moved = {k: v.set_geometry(v.geometry.translate(yoff=4_000_000))
             for k, v in square_park_layers().items()}
    far = write_park(tmp_path / "far.gpkg", moved)
    r = cli(["map", str(far), "-o", str(out)])
    assert r.returncode == 2 and "far from the area of use" in r.stderr
    r = cli(["report", str(square_gpkg), "-o", str(tmp_path / "r.html"), "--lang", "xx"])
    assert r.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_links.gpkg", "far.gpkg", "square.gpkg"]
