"""A park whose every text field is a script payload: maps and reports show it as text, nothing runs.

The map and the report go through the CLI (``eipgis.cli.main``) and are opened in headless Chromium
(tooltips, popups and the layer control included); the Markdown outputs are checked for raw tags,
links and shifted table columns. Needs Chromium like test_webmap_browser.py (skipped without it,
except in CI).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml
from conftest import CRS, X0, Y0, square_park_layers, write_park
from shapely.geometry import LineString
from test_webmap_browser import browser, open_page  # noqa: F401 - the Chromium fixture

from eipgis._markup import escape, md, plain_text, render
from eipgis.cli import main

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
SVG = '"><svg onload=window.__xss=3>'
JS_LINK = "javascript:window.__xss=4"
TEMPLATE = "{{7*7}}"
TITLE = "</title><script>window.__xss=6</script>"
MD_LINK = "[click](javascript:window.__xss=7)"
PIPES = "a|b|c"
PAYLOADS = [SCRIPT, IMG, SVG, JS_LINK, TEMPLATE, TITLE, MD_LINK]

PARK_NAME = f"{TITLE}{TEMPLATE} Park"
#: Parcel ids in the order of the square park's G1, T1, P1, P2, P3, E1, G2 (P2 fails its density).
IDS = [f"G1 {SVG}", f"T1 {JS_LINK}", f"P1 {IMG}", f"P2 {SCRIPT}", f"P3 {TEMPLATE}", f"E1 {PIPES}",
       f"G2 {MD_LINK}"]
FAC_IDS = [f"F1 {SCRIPT}", f"F2 {IMG}"]
NBH = f"N1 {SVG} {PIPES}"
SCENARIO_NAME = f"Scenario {SCRIPT} {PIPES}"
BASEMAP = f"{IMG}{TEMPLATE}.tif"  # a file name cannot hold '/', so no closing tag here


def hostile_layers() -> dict[str, gpd.GeoDataFrame]:
    layers = square_park_layers()
    layers["boundary"]["name"] = [PARK_NAME]
    lu = layers["landuse"]
    lu["parcel_id"] = IDS
    lu["tenant"] = [SCRIPT, IMG, SVG, JS_LINK, TEMPLATE, TITLE, MD_LINK]
    lu["name"] = [f"lot {p}" for p in (IMG, SVG, SCRIPT, TITLE, MD_LINK, PIPES, JS_LINK)]
    layers["plot_green"]["parcel_id"] = IDS[2:5]
    fac = layers["facilities"]
    fac["facility_id"] = FAC_IDS
    fac["name"] = [f"name {SVG}", f"name {TITLE}"]
    fac["tenant"] = [f"tenant {MD_LINK}", f"tenant {PIPES}"]
    fac["sector"] = [f"sector {TEMPLATE}", f"sector {JS_LINK}"]
    layers["neighbourhoods"]["name"] = [NBH]
    return layers


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    import rasterio
    from rasterio.transform import from_bounds

    folder = tmp_path_factory.mktemp("hostile")
    park = write_park(folder / "park.gpkg", hostile_layers())
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({
        "schema_version": 1, "name": SCENARIO_NAME, "name_vi": SCENARIO_NAME,
        "description": f"{IMG}\n# {SCRIPT}\n{MD_LINK}", "criteria": "vn-qcvn-01-2021",
        "operations": [{"op": "rezone", "parcels": [IDS[2]], "to": "CX", "note": f"note {SVG} {PIPES}"}],
    }, allow_unicode=True), encoding="utf-8")
    links = gpd.GeoDataFrame(
        {"supplier": [FAC_IDS[0]], "receiver": [FAC_IDS[1]], "material": [f"slag {SCRIPT}"],
         "quantity": [120_000.0], "unit": ["t/yr"], "distance_m": [700.0], "network": [True],
         "supplier_name": [f"supplier {SVG}"], "receiver_name": [f"receiver {TITLE}"],
         "use": [f"use {MD_LINK} {PIPES}"]},
        geometry=[LineString([(X0 + 260, Y0 + 350), (X0 + 900, Y0 + 400)])], crs=CRS)
    links_path = folder / "links.gpkg"
    links.to_file(links_path, layer="links", driver="GPKG", engine="pyogrio")
    basemap = folder / BASEMAP
    data = np.zeros((3, 40, 40), dtype="uint8")
    data[1] = 200
    with rasterio.open(basemap, "w", driver="GTiff", width=40, height=40, count=3, dtype="uint8",
                       crs=CRS, transform=from_bounds(X0 - 100, Y0 - 100, X0 + 1100, Y0 + 1100,
                                                      40, 40)) as dst:
        dst.write(data)
    out = {"park": park, "scenario": scenario, "links": links_path, "basemap": basemap}
    run = [
        ("map", ["map", str(park), "--scenario", str(scenario), "--links", str(links_path),
                 "--basemap", str(basemap), "--tiles", "none", "-o", str(folder / "map.html")]),
        ("map_plain", ["map", str(park), "--lang", "vi", "--tiles", "none",
                       "-o", str(folder / "map_plain.html")]),
        ("report", ["report", str(park), "--scenario", str(scenario), "--links", str(links_path),
                    "-o", str(folder / "report.html")]),
        ("report_md", ["report", str(park), "--scenario", str(scenario), "--links", str(links_path),
                       "-o", str(folder / "report.md")]),
        ("check_md", ["check", str(park), "--format", "markdown", "-o", str(folder / "check.md")]),
        ("compare_md", ["scenario", "compare", str(scenario), "--park", str(park),
                        "--format", "markdown", "-o", str(folder / "compare.md")]),
        ("run", ["scenario", "run", str(scenario), "--park", str(park), "-o", str(folder / "run")]),
    ]
    for key, argv in run:
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code in (0, None), (key, done.value.code)
    out.update({k: folder / n for k, n in (("map", "map.html"), ("map_plain", "map_plain.html"),
                                           ("report", "report.html"), ("report_md", "report.md"),
                                           ("check_md", "check.md"), ("compare_md", "compare.md"))})
    out["changes_md"] = folder / "run" / "scenario_changes.md"
    out["run_report_md"] = folder / "run" / "scenario_report.md"
    return out


# --- the escaping functions -----------------------------------------------------------------


def test_md_escapes_tags_links_pipes_and_lines():
    assert md(SCRIPT) == "&lt;script&gt;window.\\_\\_xss=1&lt;/script&gt;"
    assert md(MD_LINK) == "\\[click\\](javascript:window.\\_\\_xss=7)"
    assert md("a|b\nc\r\n# d") == "a\\|b c \\# d"
    assert md("*bold* `code` ~x~ \\") == "\\*bold\\* \\`code\\` \\~x\\~ \\\\"
    assert md("A & B") == "A &amp; B"
    assert md(None) == ""
    assert md("65.3 %") == "65.3 %" and md("-1.5 ha") == "-1.5 ha"  # cells stay readable
    assert md("- item", paragraph=True) == "\\- item"
    assert md("1. item", paragraph=True) == "1\\. item"
    assert md("Tằng Loỏng") == "Tằng Loỏng"


def test_html_escape_and_templates_escape():
    assert escape(SVG) == "&#34;&gt;&lt;svg onload=window.__xss=3&gt;"
    assert escape(None) == ""
    assert plain_text("cost $5 and $6") == r"cost \$5 and \$6"
    page = render("report.html.j2", lang="en", title=TITLE, subtitle=TEMPLATE, footer=IMG,
                  sections=[{"title": SCRIPT, "paragraphs": [SVG], "images": [],
                             "subsections": [], "tables": [{"head": [SCRIPT], "more": "",
                                                            "rows": [[("", IMG)]]}]}])
    assert "<script>" not in page and "<img src" not in page and "<svg" not in page
    assert "&lt;/title&gt;&lt;script&gt;" in page and "{{7*7}}" in page and "49" not in page


# --- browser --------------------------------------------------------------------------------


def assert_nothing_ran(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    assert driver.execute_script("return typeof window.__xss") == "undefined"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no alert is open
    injected = driver.execute_script(
        "return Array.from(document.querySelectorAll('[onerror],[onload],[onclick],img[src=\"x\"]'))"
        ".map(function (e) { return e.outerHTML; });")
    assert injected == []
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(function (a) { return a.href; });")
    assert [h for h in hrefs if h.lower().startswith("javascript:")] == []


#: Opens every popup and tooltip the map has, one after the other, and returns their text.
_OPEN_ALL = """
var name = Object.keys(window).find(function (k) { return k.indexOf('map_') === 0 && window[k] instanceof L.Map; });
var map = window[name], texts = [];
map.eachLayer(function (l) {
  if (l.getPopup && l.getPopup()) {
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(l.getCenter ? l.getCenter() : l.getLatLng());
      texts.push(l.getTooltip().getElement().textContent); l.closeTooltip(); }
    l.openPopup(l.getCenter ? l.getCenter() : l.getLatLng());
    var el = document.querySelector('.leaflet-popup-content');
    if (el) { texts.push(el.textContent); }
    l.closePopup();
  }
});
return texts;
"""


def test_map_shows_payloads_as_text(browser, files):  # noqa: F811 - the fixture
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, files["map"])
    assert browser.execute_script("return typeof L") == "object"
    assert_nothing_ran(browser)
    assert browser.title == f"{PARK_NAME} — eipgis"
    panel = browser.find_element("id", "eipgis-title").text
    assert PARK_NAME in panel and SCENARIO_NAME in panel
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers label span'))"
        ".map(function (s) { return s.textContent.trim(); });")
    assert f"Basemap: {BASEMAP} (local image)" in labels
    # A real hover and click on a facility, then every popup and tooltip the map has.
    point = browser.find_elements("css selector", ".leaflet-eipgis-points-pane path")[0]
    ActionChains(browser).move_to_element(point).perform()
    point.click()
    popup = WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "var e = document.querySelector('.leaflet-popup-content'); return e && e.textContent;"))
    assert any(f in popup for f in FAC_IDS), popup
    texts = "\n".join(browser.execute_script(_OPEN_ALL))
    for payload in [*IDS[1:], *FAC_IDS, f"name {SVG}", f"tenant {MD_LINK}", f"sector {JS_LINK}",
                    f"lot {TITLE}", SCRIPT, IMG, TITLE, PARK_NAME, f"supplier {SVG}",
                    f"use {MD_LINK} {PIPES}"]:
        assert payload in texts, payload
    # Switch every layer off and on again through the layer control.
    boxes = browser.find_elements("css selector", ".leaflet-control-layers-overlays input")
    assert len(boxes) >= 5
    for box in boxes:
        box.click()
        box.click()
    legend = browser.find_element("id", "eipgis-legend").text
    assert "slag <script>window." in legend  # material names show '_' as a space
    assert_nothing_ran(browser)


def test_map_without_scenario_shows_payloads_as_text(browser, files):  # noqa: F811
    open_page(browser, files["map_plain"])
    assert_nothing_ran(browser)
    assert browser.title == f"{PARK_NAME} — eipgis"
    texts = "\n".join(browser.execute_script(_OPEN_ALL))
    for payload in [*IDS, NBH, f"tenant {PIPES}"]:
        assert payload in texts, payload
    assert_nothing_ran(browser)


def test_report_shows_payloads_as_text(browser, files):  # noqa: F811
    open_page(browser, files["report"])
    assert_nothing_ran(browser)
    assert browser.title == f"Land-use appraisal: {PARK_NAME}"
    assert browser.find_element("id", "eipgis-report-title").text == browser.title
    body = browser.find_element("tag name", "body").text
    for payload in [IDS[3], SCENARIO_NAME, "slag <script>window.", f"supplier {SVG}"]:
        assert payload in body, payload
    captions = [f.text for f in browser.find_elements("tag name", "figcaption")]
    assert f"Scenario: {SCENARIO_NAME}" in captions


# --- Markdown -------------------------------------------------------------------------------


def _tables(text: str) -> list[list[str]]:
    blocks, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    return blocks


@pytest.mark.parametrize("key", ["report_md", "check_md", "compare_md", "changes_md", "run_report_md"])
def test_markdown_payloads_escaped(files, key):
    text = files[key].read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<svg", "</title", "[click](", "__xss"):
        assert raw not in text, raw
    assert re.search(r"(?<!\\)\]\(javascript", text) is None
    tables = _tables(text)
    assert tables
    for block in tables:  # an escaped pipe cannot add a column
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in block}
        assert len(counts) == 1, block
    # The payloads are there, escaped, for a reader of the file or of its rendering.
    assert md(SCRIPT) in text or md(SCENARIO_NAME) in text or md(PARK_NAME) in text
    assert "a\\|b\\|c" in text or key == "check_md"


def test_report_markdown_headings_and_cells(files):
    text = files["report_md"].read_text(encoding="utf-8")
    assert text.startswith(f"# Land-use appraisal: {md(PARK_NAME)}\n")
    assert md(IDS[3]) in text  # P2, failing its density, in the failing-features table
    changes = files["changes_md"].read_text(encoding="utf-8")
    assert changes.startswith(f"# Change log: {md(SCENARIO_NAME)}\n")
    assert f"{md(IMG)} {md('# ' + SCRIPT)} {md(MD_LINK)}" in changes  # one paragraph, no heading
