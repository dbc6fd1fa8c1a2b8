"""The comment round trip in headless Chromium: two comments added on the map, exported as GeoJSON,
imported into the consultation log with the command line, and seen again as a layer of a new map.

The square park of conftest.py (EPSG:3405, see its docstring) is drawn; the comments are made by
clicking the map where the park coordinates below are shown.
"""

from __future__ import annotations

import json
import urllib.parse

import geopandas as gpd
import pyproj
import pytest
from click.testing import CliRunner
from conftest import X0, Y0
from test_webmap_browser import assert_offline_and_clean, browser, layer_names, open_page  # noqa: F401

import eipgis
from eipgis.cli import cli
from eipgis.present.webmap import park_map, write_map

TO_LL = pyproj.Transformer.from_crs("EPSG:3405", 4326, always_xy=True)
TO_M = pyproj.Transformer.from_crs(4326, "EPSG:3405", always_xy=True)


def map_name(driver) -> str:
    return driver.execute_script("return document.querySelector('.folium-map').id")


def click_at(driver, x: float, y: float) -> None:
    """Click the map where park coordinate (x, y) (metres from the south-west corner) is shown."""
    from selenium.webdriver.common.action_chains import ActionChains

    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    name = map_name(driver)
    px, py, hit = driver.execute_script(
        f"var p = window['{name}'].latLngToContainerPoint([{lat}, {lon}]);"
        "var e = document.elementFromPoint(p.x, p.y);"
        "return [p.x, p.y, !!e.closest('.leaflet-pane')];")
    assert hit, f"({x}, {y}) is under a panel at pixel ({px}, {py})"
    el = driver.find_element("id", name)
    ActionChains(driver).move_to_element_with_offset(
        el, round(px - el.size["width"] / 2), round(py - el.size["height"] / 2)).click().perform()


def comment(driver, x: float, y: float, author: str, org: str, topic: str, text: str) -> None:
    from selenium.webdriver.support.ui import Select

    click_at(driver, x, y)
    form = driver.find_element("id", "eipgis-comment-form")
    form.find_element("id", "eipgis-c-author").clear()
    form.find_element("id", "eipgis-c-author").send_keys(author)
    form.find_element("id", "eipgis-c-organisation").clear()
    form.find_element("id", "eipgis-c-organisation").send_keys(org)
    Select(form.find_element("id", "eipgis-c-topic")).select_by_value(topic)
    form.find_element("id", "eipgis-c-text").send_keys(text)
    form.find_element("id", "eipgis-c-save").click()
    assert driver.find_elements("id", "eipgis-comment-form") == []  # saved: the form closes


def markers(driver) -> int:
    return driver.execute_script(
        "return document.querySelectorAll('.leaflet-eipgis-comments-pane path').length;")


HOSTILE = '<img src=x onerror="window.pwned=1"> & "nước thải"'


@pytest.fixture
def square(tmp_path):
    from conftest import square_park_layers, write_park

    return write_park(tmp_path / "square.gpkg", square_park_layers())


def test_comment_round_trip(browser, square, tmp_path):  # noqa: F811 - the fixture
    park = eipgis.load_park(square)
    page = write_map(park_map(park, tiles=None, lang="vi"), tmp_path / "square.html")
    open_page(browser, page)
    browser.execute_script("localStorage.clear();")
    open_page(browser, page)
    assert "0 góp ý" in browser.find_element("id", "eipgis-comments").text

    browser.find_element("id", "eipgis-comment-mode").click()
    assert browser.find_element("id", "eipgis-comment-mode").text == "Dừng góp ý"
    # Inside lot P1 (x 10–510, y 100–600), 150 m south of facility F1 (260, 350).
    comment(browser, 260, 200, "Nguyễn Thị Hoa", "UBND xã Bản Qua", "environment", HOSTILE)
    # East of the park, 200 m from lot P2's east edge (x = 1000), 300 m from F2 (900, 400).
    click_at(browser, 1200, 400)
    browser.find_element("id", "eipgis-c-save").click()  # nothing filled in: refused, form stays
    assert "Vui lòng" in browser.find_element("id", "eipgis-comment-form").text
    browser.find_element("id", "eipgis-c-cancel").click()
    comment(browser, 1200, 400, "Lò Văn Minh", "", "community", "Đường vào thôn bị ngập khi mưa")
    assert markers(browser) == 2
    assert "2 góp ý" in browser.find_element("id", "eipgis-comments").text
    assert browser.execute_script("return window.pwned") is None

    # The export link holds the GeoJSON as a data URL (what the participant downloads).
    link = browser.find_element("id", "eipgis-comment-export")
    assert link.get_attribute("download") == "comments-square.gpkg.geojson"
    href = link.get_attribute("href")
    prefix = "data:application/geo+json;charset=utf-8,"
    assert href.startswith(prefix)
    exported = json.loads(urllib.parse.unquote(href[len(prefix):]))
    first, second = exported["features"]
    assert first["properties"] | {"id": None, "time": None} == {
        "id": None, "time": None, "map_id": "square.gpkg", "author": "Nguyễn Thị Hoa",
        "organisation": "UBND xã Bản Qua", "topic": "environment", "text": HOSTILE, "lot_id": "P1"}
    assert second["properties"]["lot_id"] is None and second["properties"]["organisation"] == ""
    assert first["properties"]["id"] != second["properties"]["id"]
    for feature, (x, y) in zip(exported["features"], [(260, 200), (1200, 400)], strict=True):
        ex, ey = TO_M.transform(*feature["geometry"]["coordinates"])
        assert abs(ex - X0 - x) < 10 and abs(ey - Y0 - y) < 10  # a click lands within a pixel or two
    geojson = tmp_path / "comments-square.gpkg.geojson"
    geojson.write_text(urllib.parse.unquote(href[len(prefix):]), encoding="utf-8")

    # Import twice: the second import adds nothing. The map id names square.gpkg beside the file.
    runner = CliRunner()
    log = tmp_path / "consultation.gpkg"
    result = runner.invoke(cli, ["comments", "import", str(geojson), "--log", str(log)])
    assert result.exit_code == 0, result.output
    assert "2 comment(s) added" in result.output
    result = runner.invoke(cli, ["comments", "import", str(geojson), "--log", str(log)])
    assert result.exit_code == 0 and "0 comment(s) added, 2 already there, 2 in the log" in result.output
    rows = gpd.read_file(log, layer="comments").sort_values("author").set_index("author")
    assert len(rows) == 2
    # Hand-checked: P1 contains the first point (0 m), F1 lies 150 m north of it; the second
    # point is 200 m east of P2's edge and sqrt(300² + 0²) = 300 m east of F2. A click may land
    # a few metres off, hence the tolerance.
    hoa, minh = rows.loc["Nguyễn Thị Hoa"], rows.loc["Lò Văn Minh"]
    assert (hoa["place_lot"], hoa["lot_distance_m"], hoa["nearest_facility"]) == ("P1", 0.0, "F1")
    assert abs(hoa["facility_distance_m"] - 150) < 10
    assert (minh["place_lot"], minh["nearest_facility"]) == ("P2", "F2")
    assert abs(minh["lot_distance_m"] - 200) < 10 and abs(minh["facility_distance_m"] - 300) < 10
    assert hoa["text"] == HOSTILE

    # The log on a new map: a layer of its own, every text shown as text.
    page2 = tmp_path / "with_comments.html"
    result = runner.invoke(cli, ["map", str(square), "--comments", str(log), "-o", str(page2),
                                 "--tiles", "none", "--lang", "vi"])
    assert result.exit_code == 0, result.output
    browser.execute_script("localStorage.clear();")
    open_page(browser, page2)
    assert_offline_and_clean(browser)
    assert "Góp ý từ sổ tham vấn (2)" in layer_names(browser)
    assert markers(browser) == 2
    browser.execute_script(
        "document.querySelectorAll('.leaflet-eipgis-comments-pane path').forEach(function (p) {"
        " p.dispatchEvent(new MouseEvent('click', {bubbles: true})); });")
    popup = browser.find_element("css selector", ".leaflet-popup-content")
    assert popup.find_elements("css selector", "img") == []
    assert browser.execute_script("return window.pwned") is None
