"""The monitoring dashboard: offline HTML with a chart per criterion, the latest map and the change map,
opened in headless Chromium (skipped without it, except in CI); and the ``monitor`` commands.

The store is another module: the commands are run with a stand-in that hands out the series table and
the recorded parks, as the store's ``series`` and ``snapshot`` do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_monitor_view import GREEN, frame, point, two_parcel_park
from test_webmap_browser import assert_offline_and_clean, browser, open_page  # noqa: F401 - fixture

from eipgis.present.dashboard import dashboard_html, write_dashboard

D = dt.date
HOSTILE = "<script>alert('x')</script> & Co"


def hostile_rows() -> list[dict]:
    return [point(HOSTILE, D(2023, 12, 31), "GREEN", 0.06), point(HOSTILE, D(2025, 12, 31), "GREEN", 0.12)]


def snapshots():
    """The two-parcel park as recorded: industrial/green halves, then green x 0–50, industrial x 50–200."""
    old = two_parcel_park(["P1", "P2"], ["CN", "CX"], 100)
    new = two_parcel_park(["Q1", "Q2"], ["CX", "CN"], 50)
    by_date = {D(2022, 12, 31): old, D(2023, 12, 31): old}

    def snapshot(name: str, date: dt.date):
        return by_date.get(date, new)

    return snapshot


def test_dashboard_has_one_chart_per_criterion_the_maps_and_the_changes():
    html = dashboard_html(frame(GREEN + hostile_rows()), snapshot=snapshots(), lang="en", date="2026-01-05")
    # two parks × (one chart + latest map + change map)
    assert html.count("data:image/png;base64,") == 6
    assert "Land-use changes 2022-12-31 → 2025-12-31" in html
    assert "1.50 ha changed class" in html  # 1.0 ha green → industrial + 0.5 ha industrial → green
    assert "Not assessed: GREEN 2024-12-31: table enterprises: no column recp_applied." in html
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    # --from/--to pick the records on or before the dates: 2023-12-31 → 2023-12-31 is one record
    one = dashboard_html(frame(GREEN), snapshot=snapshots(), date_from=D(2024, 6, 1), date_to=D(2024, 6, 1))
    assert "Only one record: no change map." in one and one.count("base64,") == 2


def test_markdown_escapes_the_names_from_the_store():
    from eipgis.monitor.summary import summarise, summary_markdown

    text = summary_markdown(summarise(frame(hostile_rows())))
    assert "<script>" not in text and text.startswith("# &lt;script&gt;alert('x')&lt;/script&gt; &amp; Co")


def test_dashboard_in_vietnamese():
    goal = pd.DataFrame([{"park": None, "id": "GREN", "value": 0.2, "by": D(2030, 1, 1)}])
    html = dashboard_html(frame(GREEN), snapshot=snapshots(), lang="vi", targets=goal)
    assert "Mục tiêu cho các tiêu chí không có trong kho dữ liệu (kiểm tra lại mã): GREN." in html
    assert '<html lang="vi">' in html and "Bảng theo dõi giám sát" in html
    assert "Thay đổi sử dụng đất 2022-12-31 → 2025-12-31" in html and "CHƯA ĐÁNH GIÁ" not in html
    assert "Chưa đánh giá: GREEN 2024-12-31" in html


def test_dashboard_in_chromium_is_offline_clean_and_shows_the_name_as_text(browser, tmp_path: Path):  # noqa: F811
    from selenium.webdriver.common.by import By

    out = write_dashboard(tmp_path / "dashboard.html", frame(GREEN + hostile_rows()), snapshot=snapshots(),
                          lang="vi")
    open_page(browser, out)
    assert_offline_and_clean(browser)
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    assert HOSTILE in headings and "Tằng Loỏng" in headings
    assert browser.execute_script("return document.scripts.length") == 0
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == 6
    assert all(browser.execute_script("return arguments[0].naturalWidth", img) > 300 for img in images)


class StandInStore:
    """What the commands use of the store: ``series`` rows and ``snapshot``."""

    def __init__(self, rows):
        self.rows = rows
        self.snapshot = snapshots()


@pytest.fixture
def stand_in(monkeypatch):
    import eipgis._monitor_view_cli as view

    store = StandInStore(frame(GREEN + hostile_rows()))

    @contextlib.contextmanager
    def opened(path):
        yield store

    monkeypatch.setattr(view, "_opened", opened)
    monkeypatch.setattr(view, "_store_series", lambda s, park: view.select_park(s.rows, park))
    return view


def test_monitor_show_and_report_commands(stand_in, tmp_path: Path):
    store = tmp_path / "monitor.gpkg"
    store.write_bytes(b"")
    runner = CliRunner()
    shown = runner.invoke(stand_in.show, [str(store), "--park", "Tằng Loỏng", "--lang", "vi"])
    assert shown.exit_code == 0, shown.output
    assert "Khu công nghiệp: Tằng Loỏng — 4 lần ghi" in shown.output and HOSTILE not in shown.output
    out = tmp_path / "dash.html"
    done = runner.invoke(stand_in.report, [str(store), "-o", str(out), "--from", "2022-12-31"])
    assert done.exit_code == 0 and out.exists()
    again = runner.invoke(stand_in.report, [str(store), "-o", str(out)])
    assert again.exit_code != 0 and "exists" in str(again.exception)
    bad = runner.invoke(stand_in.report, [str(store), "-o", str(tmp_path / "x.html"), "--to", "31/12/2025"])
    assert "--to '31/12/2025' is not a date" in str(bad.exception) and not (tmp_path / "x.html").exists()
    into_store = runner.invoke(stand_in.report, [str(store), "-o", str(store), "--overwrite"])
    assert re.search("is an input of this command", str(into_store.exception))


# --- with the real store (eipgis.monitor's open_store, record, series, snapshot) ------------------


def test_show_and_report_on_a_real_geopackage_store(tmp_path: Path, square_layers):
    """Two records of the square park in a GeoPackage store; P2 (24.5 ha industrial) turned green in 2024."""
    from eipgis import monitor

    if not hasattr(monitor, "open_store"):
        pytest.skip("the store (eipgis.monitor.open_store) is not in this checkout yet")
    import eipgis._monitor_view_cli as view
    from eipgis.criteria import check
    from eipgis.park import park_from_frames

    before = park_from_frames(**square_layers)
    layers = dict(square_layers)
    landuse = layers["landuse"].copy()
    landuse.loc[landuse["parcel_id"] == "P2", "landuse"] = "CX"
    layers["landuse"] = landuse
    after = park_from_frames(**layers)
    store = tmp_path / "monitor.gpkg"
    with monitor.open_store(store) as opened:
        monitor.record(opened, before, check(before), date=D(2022, 12, 31))
        monitor.record(opened, after, check(after), date=D(2024, 12, 31))
    runner = CliRunner()
    shown = runner.invoke(view.show, [str(store), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    (park,) = json.loads(shown.output)["parks"]
    assert park["records"] == 2
    # green land: G1 1 + G2 8.9 = 9.9 ha of 100 → + P2 24.5 = 34.4 ha: 0.099 → 0.344 in 2 years (731 days)
    (green,) = [i for i in park["indicators"] if i["indicator"] == "landuse_share" and
                i["latest"]["value"] == pytest.approx(0.344, abs=1e-6)]
    assert green["trend_per_year"] == pytest.approx((0.344 - 0.099) / (731 / 365.25), abs=1e-6)
    out = tmp_path / "dashboard.html"
    done = runner.invoke(view.report, [str(store), "-o", str(out)])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert "24.50 ha changed class" in html and "Land-use changes 2022-12-31 → 2024-12-31" in html
