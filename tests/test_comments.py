"""Comments on the map: the exported GeoJSON read and checked, the consultation log merged once per
comment and placed on the park's lots and facilities (in metres), and the map and report showing it.

The park is the square of conftest.py (EPSG:3405; lots and facilities in its docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
from conftest import X0, Y0, square_park_layers, write_park

import eipgis
from eipgis.cli import main
from eipgis.errors import InputError
from eipgis.present.comments import import_comments, read_comment_file, read_log, summary_tables
from eipgis.present.report import report_markdown
from eipgis.present.webmap import map_html, park_map

TO_LL = pyproj.Transformer.from_crs("EPSG:3405", 4326, always_xy=True)


def feature(ident: str, x: float, y: float, *, topic: str = "environment", author: str = "Hoa",
            org: str = "UBND xã Bản Qua", text: str = "Mùi hôi từ nhà máy", lot: str | None = None,
            time: str = "2026-12-02T09:30:00.000Z", map_id: str = "square.gpkg") -> dict:
    """A comment as the map exports it, at park coordinate (x, y)."""
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": ident, "map_id": map_id, "author": author, "organisation": org,
                           "topic": topic, "text": text, "time": time, "lot_id": lot}}


def write(path: Path, *features: dict) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)},
                               ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def square(tmp_path):
    return write_park(tmp_path / "square.gpkg", square_park_layers())


def run_cli(args: list[object], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    _, err = capsys.readouterr()
    return info.value.code, err


def test_import_places_each_comment_once(square, tmp_path):
    park = eipgis.load_park(square)
    a = write(tmp_path / "a.geojson",
              feature("c1", 260, 200),  # inside P1 (x 10–510, y 100–600); F1 (260, 350) 150 m north
              feature("c2", 1200, 400, topic="community", author="Minh", org=""),  # 200 m east of P2
              feature("c3", 300, 880, topic="green", lot="G2"))  # clicked on G2, though in P3
    b = write(tmp_path / "b.geojson", feature("c1", 260, 200), feature("c4", 700, 50, topic="traffic"))
    log = tmp_path / "log.gpkg"
    first = import_comments([a], log, park=park, now="2026-12-02T10:00:00Z")
    assert (first.added, first.already, first.total) == (3, 0, 3)
    again = import_comments([a, b], log, park=park, now="2026-12-03T10:00:00Z")
    assert (again.added, again.already, again.total) == (1, 4, 4)  # a's three and b's c1: there
    rows = read_log(log).set_index("comment_id")
    assert sorted(rows.index) == ["c1", "c2", "c3", "c4"]
    # Hand-checked in metres: c1 lies in P1 (0 m), 150 m from F1; c2 is 1200 − 1000 = 200 m
    # from P2's east edge and 1200 − 900 = 300 m from F2 (900, 400); c3 keeps the lot clicked,
    # G2 (y 900–1000), 20 m away, F1 is sqrt(40² + 530²) = 531.5 m away; c4 lies in T1 (y 0–100),
    # F2 is sqrt(200² + 350²) = 403.1 m away.
    assert rows.loc["c1", ["place_lot", "lot_distance_m", "nearest_facility", "facility_distance_m"]
                    ].tolist() == ["P1", 0.0, "F1", 150.0]
    assert rows.loc["c2", ["place_lot", "lot_distance_m", "nearest_facility", "facility_distance_m"]
                    ].tolist() == ["P2", 200.0, "F2", 300.0]
    assert rows.loc["c3", ["lot_id", "place_lot", "lot_distance_m", "nearest_facility",
                           "facility_distance_m"]].tolist() == ["G2", "G2", 20.0, "F1", 531.5]
    assert rows.loc["c4", ["place_lot", "nearest_facility", "facility_distance_m"]].tolist() == [
        "T1", "F2", 403.1]
    # Each comment keeps its author, time, the file it came from and when it was first imported.
    assert rows.loc["c1", ["author", "time", "source_file", "imported_at"]].tolist() == [
        "Hoa", "2026-12-02T09:30:00.000Z", "a.geojson", "2026-12-02T10:00:00Z"]
    assert rows.loc["c4", "imported_at"] == "2026-12-03T10:00:00Z"
    assert read_log(log).crs.to_epsg() == 4326


def test_map_id_names_the_park_beside_the_file(square, tmp_path):
    found = import_comments([write(tmp_path / "a.geojson", feature("c1", 260, 200))],
                            tmp_path / "log.gpkg")
    assert found.unplaced == () and read_log(tmp_path / "log.gpkg")["place_lot"].tolist() == ["P1"]
    lost = import_comments([write(tmp_path / "b.geojson", feature("c2", 260, 200, map_id="gone.gpkg"))],
                           tmp_path / "log2.gpkg")
    assert lost.unplaced == ("gone.gpkg",)
    assert read_log(tmp_path / "log2.gpkg")["place_lot"].isna().all()


@pytest.mark.parametrize(("features", "expected"), [
    ([feature("c1", 1, 1), feature("c2", 1, 1, topic="politics")],
     "feature 2 (id c2): unknown topic 'politics'. Fix: use one of landuse, green"),
    ([{**feature("c1", 1, 1), "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}],
     "feature 1 (id c1): has no point geometry"),
    ([{**feature("c1", 1, 1), "geometry": {"type": "Point", "coordinates": [400260.0, 2480200.0]}}],
     "feature 1 (id c1): point (400260.0, 2480200.0) is not longitude/latitude in WGS84"),
    ([feature("c1", 1, 1, author="  ")], "feature 1 (id c1): no 'author'"),
    ([feature("c1", 1, 1, time="2 tháng 12")], "feature 1 (id c1): time '2 tháng 12' is not an ISO"),
    ([feature("c1", 1, 1, time="2026-12-02T09:30:00")],
     "feature 1 (id c1): time '2026-12-02T09:30:00' has no time zone"),
    ([{**feature("c1", 1, 1), "properties": {**feature("c1", 1, 1)["properties"], "id": None}}],
     "feature 1: no 'id'"),
])
def test_bad_comment_file_exits_2_naming_the_feature(square, tmp_path, capsys, features, expected):
    bad = write(tmp_path / "bad.geojson", *features)
    log = tmp_path / "log.gpkg"
    import_comments([write(tmp_path / "ok.geojson", feature("c0", 260, 200))], log)
    before = log.read_bytes()
    code, err = run_cli(["comments", "import", bad, "--log", log], capsys)
    assert code == 2
    assert f"{bad}, {expected}" in err and "Traceback" not in err
    assert log.read_bytes() == before  # the log is not touched


def test_not_json_and_not_a_log(square, tmp_path, capsys):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    code, err = run_cli(["comments", "import", bad, "--log", tmp_path / "log.gpkg"], capsys)
    assert code == 2 and "is not JSON (line 1" in err and not (tmp_path / "log.gpkg").exists()
    ok = write(tmp_path / "ok.geojson", feature("c1", 260, 200))
    before = square.read_bytes()
    code, err = run_cli(["comments", "import", ok, "--log", square], capsys)
    assert code == 2 and "holds other layers (boundary, buildings" in err
    assert square.read_bytes() == before
    code, err = run_cli(["comments", "import", ok, "--log", ok], capsys)
    assert code == 2 and square.read_bytes() == before
    assert json.loads(ok.read_text(encoding="utf-8"))["features"][0]["properties"]["id"] == "c1"
    with pytest.raises(InputError, match="no comment file given"):
        import_comments([], tmp_path / "log.gpkg")


def test_read_comment_file_keeps_text_as_written(tmp_path):
    text = '<script>alert(1)</script> {{ 7*7 }} "ngập"'
    rows = read_comment_file(write(tmp_path / "a.geojson", feature("c1", 1, 1, text=text, org="")))
    assert rows[0]["text"] == text and rows[0]["organisation"] is None
    assert rows[0]["time"] == "2026-12-02T09:30:00.000Z"


def test_map_and_report_show_the_log(square, tmp_path):
    park = eipgis.load_park(square)
    log = tmp_path / "log.gpkg"
    hostile = '</script><img src=x onerror=alert(1)>'
    import_comments([write(tmp_path / "a.geojson",
                           feature("c1", 260, 200, text=hostile),
                           feature("c2", 300, 300, topic="safety", author="Minh"),
                           feature("c3", 1200, 400, topic="environment", author="Lan",
                                   time="2026-12-02T20:00:00+00:00"))], log, park=park)
    html = map_html(park_map(park, tiles=None, comments=log))
    assert "Comments from the consultation log (3)" in html
    assert hostile not in html and "\\u003c/script>\\u003cimg" in html  # data, never markup
    assert 'eipgis-comment-mode' in html and '"mapId":"square.gpkg"' in html
    plain = map_html(park_map(park, tiles=None, comment_mode=False))
    assert "eipgis-comments:" not in plain and "eipgis-comment-mode" not in plain

    md = report_markdown(park, comments=log)
    assert "## Comments from the consultation" in md
    # Shown in Vietnam's time: 09:30 UTC is 16:30, 20:00 UTC is 03:00 the next day.
    assert "3 comment(s) from 3 participant(s) of 1 organisation(s), 2026-12-02 to 2026-12-03." in md
    assert "| 2026-12-02 16:30 (UTC+7) | Hoa |" in md and "| 2026-12-03 03:00 (UTC+7) | Lan |" in md
    # By topic: environment 2 (c1, c3), safety 1; by place: P1 holds c1 and c2, P2 is nearest c3.
    assert "| Safety distances and hazards | 1 |" in md and "| Water, air and waste | 2 |" in md
    assert "| P1 | 2 | Water, air and waste, Safety distances and hazards |" in md
    assert "| P2 | 1 | Water, air and waste |" in md
    assert "P2 (≈200 m)" in md
    vi = report_markdown(park, comments=log, lang="vi")
    assert "## Góp ý trong tham vấn" in vi and "| Nước, không khí và chất thải | 2 |" in vi


def test_summary_of_an_empty_log():
    frame = gpd.GeoDataFrame({c: [] for c in ("topic", "author")}, geometry=[], crs=4326)
    assert summary_tables(frame, "vi") == (["Chưa có góp ý nào được ghi nhận."], [])
