"""Web maps and the report opened in headless Chromium: no console error, no request leaving the
machine, the expected layers and legend, and a screenshot that is not blank.

Needs Debian's ``chromium`` and ``chromium-driver`` (installed by ``.ci/run``); skipped without
them, except in CI.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
from _system import require
from conftest import X0, Y0
from shapely.geometry import LineString

import eipgis
from eipgis.present.report import write_report
from eipgis.present.webmap import park_map, write_map

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,860")


@pytest.fixture(scope="module")
def browser():
    available = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
    require("Chromium and ChromeDriver", available, install="apt-get install chromium chromium-driver")
    try:
        import selenium  # noqa: F401 - in the test extra
    except ImportError:
        selenium_ok = False
    else:
        selenium_ok = True
    require("selenium", selenium_ok, install="python -m pip install '.[test]'")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="eipgis-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")


def assert_offline_and_clean(driver) -> None:
    """No console error, and every request the page made stayed on the machine."""
    import json

    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert [r for r in resources if not r.startswith(("file:", "data:"))] == []
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested and [u for u in requested if not u.startswith(("file:", "data:"))] == []


def assert_not_blank(driver) -> None:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 20  # a blank page has none
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 50


def layer_names(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers label span'))"
        ".map(function (s) { return s.textContent.trim(); }).filter(Boolean);")


def count_paths(driver, pane: str) -> int:
    return driver.execute_script(
        f"return document.querySelectorAll('.leaflet-{pane}-pane path').length;")


@pytest.fixture
def park(square_gpkg):
    return eipgis.load_park(square_gpkg)


@pytest.mark.parametrize(
    ("lang", "names", "legend"),
    [
        ("en", ["Land use (7 parcels)", "Park boundary", "Neighbourhoods (1)",
                "Plots over building density (1)",
                "Safety distance not met (1)", "Facilities by hazard class (2)"],
         ["Legend", "Industrial plots (factories, warehouses)", "Green space", "Hazard class I",
          "Failing criteria"]),
        ("vi", ["Sử dụng đất (7 lô)", "Ranh giới khu công nghiệp", "Khu dân cư lân cận (1)",
                "Lô vượt mật độ xây dựng (1)",
                "Chưa đủ khoảng cách an toàn (1)",
                "Cơ sở sản xuất theo cấp độc hại (2)"],
         ["Chú giải", "Đất nhà máy, kho tàng", "Đất cây xanh", "Cấp độc hại I",
          "Tiêu chí không đạt"]),
    ],
)
def test_map_in_chromium(browser, park, tmp_path, lang, names, legend):
    page = write_map(park_map(park, tiles=None, lang=lang), tmp_path / f"map_{lang}.html")
    open_page(browser, page)
    assert browser.execute_script("return typeof L") == "object"
    assert_offline_and_clean(browser)
    shown = layer_names(browser)
    for name in names:
        assert name in shown
    legend_text = browser.find_element("id", "eipgis-legend").text
    for text in legend:
        assert text in legend_text
    assert park.name in browser.find_element("id", "eipgis-title").text
    assert count_paths(browser, "eipgis-landuse") == 7
    assert count_paths(browser, "eipgis-points") == 2
    assert browser.execute_script(
        "return document.querySelectorAll('.leaflet-control-scale-line').length") == 1
    assert_not_blank(browser)


def test_layer_switch_and_popup(browser, park, tmp_path):
    page = write_map(park_map(park, tiles=None), tmp_path / "map.html")
    open_page(browser, page)
    # A parcel's popup: P2 fails its density (the failing layer lies over the parcel).
    target = browser.execute_script(
        "var ps = document.querySelectorAll('.leaflet-eipgis-fail-pane path'); return ps[0];")
    target.click()
    popup = browser.find_element("css selector", ".leaflet-popup-content").get_attribute("textContent")
    assert "P2" in popup and "65.3 %" in popup
    # Switching the land-use layer off removes its parcels.
    label = next(el for el in browser.find_elements("css selector", ".leaflet-control-layers label")
                 if el.text.strip().startswith("Land use"))
    label.find_element("css selector", "input").click()
    assert count_paths(browser, "eipgis-landuse") == 0
    assert_offline_and_clean(browser)


def test_scenario_and_links_map_in_chromium(browser, park, tmp_path):
    lu = park.landuse.copy()
    lu.loc[lu["parcel_id"] == "P1", ["landuse", "landuse_class"]] = ["CX", "green"]
    links = gpd.GeoDataFrame(
        {"supplier": ["F1"], "receiver": ["F2"], "material": ["phosphogypsum"],
         "quantity": [120_000.0], "unit": ["t/yr"], "distance_m": [700.0], "network": [True]},
        geometry=[LineString([(X0 + 260, Y0 + 350), (X0 + 900, Y0 + 400)])], crs="EPSG:3405")
    m = park_map(park, tiles=None, scenario=park.replace(landuse=lu), links=links, lang="vi")
    open_page(browser, write_map(m, tmp_path / "scenario.html"))
    assert_offline_and_clean(browser)
    shown = layer_names(browser)
    assert "Sử dụng đất: hiện trạng (7 lô)" in shown and "Sử dụng đất: phương án (7 lô)" in shown
    assert "Lô đất thay đổi (1)" in shown and "Liên kết cộng sinh (1)" in shown
    assert count_paths(browser, "eipgis-changed") == 1
    assert count_paths(browser, "eipgis-links") == 1
    assert "Thạch cao phospho" in browser.find_element("id", "eipgis-legend").text
    assert_not_blank(browser)


def test_report_in_chromium(browser, park, tmp_path):
    page = write_report(tmp_path / "report.html", park, lang="vi")
    open_page(browser, page)
    assert_offline_and_clean(browser)
    assert browser.find_element("id", "eipgis-report-title").text.startswith("Đánh giá sử dụng đất")
    widths = browser.execute_script(
        "return Array.from(document.images).map(function (i) { return i.naturalWidth; });")
    assert len(widths) == 2 and min(widths) > 100  # the share chart and the map picture
    body = browser.find_element("tag name", "body").text
    assert "VN21-PLOT-DENSITY" in body and "KHÔNG ĐẠT" in body
    assert_not_blank(browser)


def test_tang_loong_assessment_in_chromium(browser, tmp_path):
    """The maps and report eipgis assess writes for Tằng Loỏng (tiles off until ticked)."""
    from eipgis.assess import assess

    out = tmp_path / "out"
    assess(out)
    for name in ("tang_loong_map_vi.html", "tang_loong_map_en.html"):
        open_page(browser, out / name)
        assert_offline_and_clean(browser)
        assert count_paths(browser, "eipgis-landuse") > 50
        assert count_paths(browser, "eipgis-links") > 0
        assert "Tằng Loỏng" in browser.find_element("id", "eipgis-title").text
        assert_not_blank(browser)
    open_page(browser, out / "tang_loong_report.html")
    assert_offline_and_clean(browser)
    assert_not_blank(browser)
