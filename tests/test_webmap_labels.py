"""Readable and light web maps (issue 14 §1 and §5): compact layers, labels, the offline context layer,
the north arrow and the title block, in Python and in headless Chromium."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon
from test_webmap_browser import assert_offline_and_clean, browser, layer_names, open_page  # noqa: F401

import eipgis
from eipgis.present import _labels
from eipgis.present._mapdata import compact_layer, layer_geojson
from eipgis.present.webmap import park_map, write_map

# --- compact layers ------------------------------------------------------------------------------


def test_compact_layer_round_trip_by_hand():
    # Two squares 0.001° (≈ 110 m) wide; at 1e-5° steps a corner 104.00000 / 22.00000 is (10400000, 2200000).
    a = Polygon([(104.0, 22.0), (104.001, 22.0), (104.001, 22.001), (104.0, 22.001)])
    b = Polygon([(104.002, 22.0), (104.003, 22.0), (104.003, 22.001), (104.002, 22.001)])
    data = compact_layer(np.array([a, b], dtype=object), [{"id": "P1", "n": None}, {"id": "P2", "n": "Kho"}])
    assert data is not None and data["t"] == "Polygon" and data["s"] == 100_000
    # 4 vertices per square (the closing vertex is dropped), each the step from the one before:
    # (10400000, 2200000), (+100, 0), (0, +100), (-100, 0), then b's first corner is +200, -100 away.
    assert data["c"][:10] == [10_400_000, 2_200_000, 100, 0, 0, 100, -100, 0, 200, -100]
    assert data["o"] == [[0, 4, 8], [0, 1, 2]]
    assert data["k"] == ["id", "n"] and data["v"] == [["P1"], ["P2", "Kho"]]
    back = layer_geojson(json.dumps(data))["features"]
    assert [f["properties"] for f in back] == [{"id": "P1"}, {"id": "P2", "n": "Kho"}]
    ring = back[1]["geometry"]["coordinates"][0]
    assert np.ravel(ring).tolist() == pytest.approx([104.002, 22.0, 104.003, 22.0, 104.003, 22.001, 104.002, 22.001])


def test_compact_layer_rounds_to_about_a_metre():
    # 104.123456 → 10412346 steps (half a step is 0.55 m north–south).
    data = compact_layer(np.array([LineString([(104.123456, 22.654321), (104.2, 22.7)])], dtype=object),
                         [{"n": "T2"}])
    assert data is not None and data["t"] == "LineString" and data["c"][:2] == [10_412_346, 2_265_432]


def test_mixed_points_and_polygons_fall_back_to_geojson():
    mixed = np.array([Point(104, 22), Polygon([(104, 22), (104.1, 22), (104.1, 22.1)])], dtype=object)
    assert compact_layer(mixed, [{}, {}]) is None


# --- labels, context, status ------------------------------------------------------------------------


def test_line_anchor_angle_is_on_screen():
    # A line rising to the east at 45° on the ground (dx scaled by cos(lat)) reads at -45° on screen.
    lat = 22.0
    dx = 0.01 / np.cos(np.radians(lat))
    point, angle = _labels.line_anchor(LineString([(104.0, lat), (104.0 + dx, lat + 0.01)]))
    assert angle == -45 and point.x == pytest.approx(104.0 + dx / 2)
    # Drawn west-bound, the text still reads left to right.
    assert _labels.line_anchor(LineString([(104.0 + dx, lat + 0.01), (104.0, lat)]))[1] == -45


def test_tang_loong_context_and_status():
    park = eipgis.load_park(eipgis.sample_path())
    lines, props, provinces = _labels.context_lines(park)
    names = {p["n"] for p in props}
    # The Hà Nội–Lào Cai railway and the Phố Lu – Cam Đường branch pass the park (SOURCE.md of the data).
    assert {"Hà Nội - Lào Cai", "Cam Đường - Phố Lu"} <= names
    assert "Lào Cai" in [n for _, n in provinces]
    assert all(shapely.get_num_geometries(g) >= 1 for g in lines)
    # The sample marks as illustrative its boundary answers, 103 of 106 parcels' area basis, 16 of 17
    # facility locations, the neighbourhood populations and the enterprises' figures (the report's rule).
    assert _labels.data_status(park, "en") == (
        "illustrative layout in park boundary, land use, facilities, neighbourhoods, enterprises: "
        "not survey data")
    assert _labels.data_status(park, "vi").startswith(
        "bố trí minh hoạ ở ranh giới khu, sử dụng đất, cơ sở sản xuất, khu dân cư, doanh nghiệp")


def test_square_park_status_and_labels(square_gpkg):
    park = eipgis.load_park(square_gpkg)
    assert _labels.data_status(park, "en") == "as supplied by the park (no layer marked illustrative)"
    groups = _labels.label_groups(park, context=None, water=[])
    kinds = [g["k"] for g in groups]
    assert kinds == ["nbh", "facility", "lot"]  # places first, lots last (the placing order)
    lots = groups[-1]
    # Lots biggest first; P3 is 29.7 ha (√297,000 m² ≈ 545 m wide).
    assert lots["t"][0] == "P3" and lots["m"][0] == 545


def test_layer_names_are_plain_words(square_gpkg):
    park = eipgis.load_park(square_gpkg)
    m = park_map(park, tiles=None)
    names = [c.layer_name for c in m._children.values() if hasattr(c, "layer_name")]
    assert not [n for n in names if re.search(r"\b[A-Z]{2,}[0-9]*-[A-Z0-9-]+\b", n)]
    assert "Plots over building density (1)" in names


# --- in Chromium -------------------------------------------------------------------------------------


def _settle(driver) -> None:
    """Wait until the map's opening zoom animation (fitBounds) has ended."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "var m = Object.values(window).find(function (v) { return v instanceof L.Map; });"
        "return !m._animatingZoom;"))


def _zoom(driver, z: float) -> None:
    _settle(driver)
    driver.execute_script(
        "var m = Object.values(window).find(function (v) { return v instanceof L.Map; });"
        f"m.setZoom({z}, {{animate: false}});")


def _labels_shown(driver) -> list[tuple[str, str]]:
    return [tuple(x) for x in driver.execute_script(
        "return Array.from(document.querySelectorAll('.eipgis-label')).map(function (e) {"
        " return [e.className.replace('eipgis-label eipgis-label-', ''), e.textContent]; });")]


def _overlaps(driver) -> int:
    """Pairs of shown labels whose boxes overlap by more than 2 px each way."""
    return driver.execute_script("""
        var r = Array.from(document.querySelectorAll('.eipgis-label')).map(function (e) {
          return e.getBoundingClientRect(); }), n = 0;
        for (var i = 0; i < r.length; i++) { for (var j = i + 1; j < r.length; j++) {
          var a = r[i], b = r[j];
          if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 &&
              Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2) { n++; } } }
        return n;""")


def test_tang_loong_map_is_readable_offline(browser, tmp_path):  # noqa: F811
    park = eipgis.load_park(eipgis.sample_path())
    page = write_map(park_map(park, tiles=None, lang="vi", date="2026-12-02"), tmp_path / "tl.html")
    open_page(browser, page)
    assert_offline_and_clean(browser)
    names = layer_names(browser)
    assert "Bối cảnh: đường, đường sắt, tỉnh (ngoại tuyến)" in names
    assert "Nhãn (lô, cơ sở, địa danh, đường)" in names and "Đường nội bộ khu (74)" in names
    assert "Đoạn hở của dải cách ly (14)" in names
    assert browser.execute_script(
        "return document.querySelectorAll('.leaflet-eipgis-context-pane path').length") > 0
    # North arrow (Vietnamese maps letter it B, Bắc) and the title block with the data status.
    assert browser.find_element("id", "eipgis-north").text == "B"
    status = browser.find_element("id", "eipgis-data-status").text
    assert status.startswith("Dữ liệu: bố trí minh hoạ")
    # Opening view (zoom 14): places and the biggest lots are named, nothing overlaps.
    _settle(browser)
    shown = _labels_shown(browser)
    assert ("nbh", "Phố Lu") in shown and ("nbh", "Tằng Loỏng") in shown
    assert ("lot", "CN-01") in shown
    assert _overlaps(browser) == 0
    # Overview (zoom 11): no lot codes any more, the province is named, gap rings stay 22 px wide.
    _zoom(browser, 11)
    shown = _labels_shown(browser)
    assert not [t for k, t in shown if k == "lot"] and ("province", "Lào Cai") in shown
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-eipgis-gaps-pane path'))"
        ".map(function (p) { return p.getBoundingClientRect().width; });")
    assert len(widths) == 14 and min(widths) >= 22  # 14 gap rings: radius 11 px, plus the stroke
    assert _overlaps(browser) == 0
    # Close in (zoom 17): more lot codes than at 14, still no overlap.
    _zoom(browser, 17)
    assert len([k for k, _ in _labels_shown(browser) if k == "lot"]) >= 3
    assert _overlaps(browser) == 0
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []


def test_collision_pass_and_lot_size_rule(browser, square_gpkg, tmp_path):  # noqa: F811
    park = eipgis.load_park(square_gpkg)
    open_page(browser, write_map(park_map(park, tiles=None, context=False), tmp_path / "sq.html"))
    _settle(browser)
    # Two labels at one place: the first placed wins. A lot 100 m wide named "Q9" (2 × 10 px × 0.6 + 6
    # = 18 px of text) shows at zoom 18 (100 m ≈ 180 px at lat 22.4°) and not at zoom 13 (≈ 5.6 px).
    counts = browser.execute_script("""
        var m = Object.values(window).find(function (v) { return v instanceof L.Map; });
        var c = m.getCenter(), s = 100000, x = Math.round(c.lng * s), y = Math.round(c.lat * s), out = [];
        m.eachLayer(function (l) { if (l._box) { m.removeLayer(l); } });
        var lab = eipgis.labels({}, [{k: 'nbh', s: s, c: [x, y], t: ['Thôn A'], z: 0},
                                     {k: 'facility', s: s, c: [x, y], t: ['Nhà máy B'], z: 0},
                                     {k: 'lot', s: s, c: [x + 2000, y], t: ['Q9'], m: [100], z: 0}]);
        lab.addTo(m);
        [18, 13].forEach(function (z) {
          m.setView(c, z, {animate: false});
          m.panTo([y / s, (x + 2000) / s], {animate: false});
          out.push(Array.from(document.querySelectorAll('.eipgis-label')).map(function (e) {
            return e.textContent; }));
        });
        return out;""")
    at18, at13 = counts
    assert "Q9" in at18 and "Q9" not in at13
    m13 = browser.execute_script("""
        var m = Object.values(window).find(function (v) { return v instanceof L.Map; });
        m.setView(m.getCenter(), 13, {animate: false});
        return Array.from(document.querySelectorAll('.eipgis-label')).map(function (e) {
          return e.textContent; });""")
    assert "Thôn A" in m13 and "Nhà máy B" not in m13  # same point: the place name wins


def test_big_layer_shares_one_popup(browser, tmp_path):  # noqa: F811
    """Above 3,000 features a layer binds one tooltip and popup, filled from the feature under the mouse."""
    from eipgis.synth import write_synthetic_park

    park = eipgis.load_park(write_synthetic_park(tmp_path / "big.gpkg", 3500, seed=0))
    assert len(park.landuse) > 3000
    open_page(browser, write_map(park_map(park, tiles=None, context=False), tmp_path / "big.html"))
    _settle(browser)
    found = browser.execute_script("""
        var m = Object.values(window).find(function (v) { return v instanceof L.Map; }), out = null;
        m.eachLayer(function (g) {
          if (out || !g.getLayers || g.getLayers().length < 3000) { return; }
          var parts = g.getLayers(), l = parts[1234];
          l.fire('click', {latlng: l.getCenter()}, true);  // bubbles up to the layer, as a real click
          var el = document.querySelector('.leaflet-popup-content');
          out = [parts.length, l.feature.properties.id, el ? el.textContent : null,
                 parts.filter(function (p) { return p.getPopup && p.getPopup(); }).length];
        });
        return out;""")
    n, pid, text, own = found
    assert n == len(park.landuse) and own == 0  # no feature has a popup of its own
    assert text is not None and text.startswith(pid)  # the popup's title is the clicked parcel's id


def test_a_river_layer_is_drawn_and_named(tmp_path):
    import geopandas as gpd
    from conftest import X0, Y0, square_park_layers, write_park

    layers_ = square_park_layers()
    # A river 1,000 m east of the park, running south to north.
    layers_["river"] = gpd.GeoDataFrame({"name": ["Sông Hồng"]},
                                        geometry=[LineString([(X0 + 2000, Y0 - 500), (X0 + 2000, Y0 + 1500)])],
                                        crs="EPSG:3405")
    park = eipgis.load_park(write_park(tmp_path / "river.gpkg", layers_))
    m = park_map(park, tiles=None, lang="vi", context=False)
    names = [c.layer_name for c in m._children.values() if hasattr(c, "layer_name")]
    assert "Sông, suối (1)" in names
    labels = next(c for c in m._children.values() if getattr(c, "call", "") == "labels")
    river = next(g for g in json.loads(labels.data) if g["k"] == "river")
    # One label, along the river: a south–north line reads at -90° (bottom to top) on screen.
    assert river["t"] == ["Sông Hồng"] and river["r"] == [-90]


def test_shipped_context_equals_a_fresh_build():
    import importlib.util
    import sys
    from pathlib import Path

    from eipgis.io import read_text_file

    layers_dir = Path(__file__).resolve().parents[1] / "layers"
    sys.path.insert(0, str(layers_dir))  # the build script imports its sibling build_lao_cai_roads
    try:
        spec = importlib.util.spec_from_file_location("build_vn_context", layers_dir / "build_vn_context.py")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
    finally:
        sys.path.remove(str(layers_dir))
    if not build.SOURCE.exists():
        pytest.skip("the LegoCity data (../shared/data) is not beside this checkout")
    shipped = read_text_file(build.DEFAULT_OUTPUT)
    assert build.build() == shipped
    features = json.loads(shipped)["features"]
    # 458 source features; the placeholder name "Không biết" (unknown) never reaches a label.
    assert len(features) == 458 and not [f for f in features if f["properties"]["name"] == "Không biết"]
    assert {f["properties"]["kind"] for f in features} == {"road", "minor_road", "railway"}
