"""What a monitoring store tells: trends, regressions, targets, the change map and the dashboard.

The store itself is another module; these tests feed :func:`summarise` and the dashboard the
store's series table (columns of ``eipgis.monitor.series``) written by hand, and real Park objects.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import CRS, b

from eipgis.errors import InputError
from eipgis.monitor.changes import changes
from eipgis.monitor.summary import read_targets, summarise, summary_markdown, summary_table
from eipgis.park import park_from_frames

D = dt.date
SERIES_COLUMNS = ["park", "date", "criteria_set", "id", "title_en", "title_vi", "indicator", "unit", "op",
                  "threshold", "value", "passed", "assessed", "reason", "status", "source", "recorded_at",
                  "eipgis_version"]


def point(park: str, date: dt.date, ident: str, value: float | None, *, op: str = ">=", threshold: float = 0.10,
          indicator: str = "landuse_share", unit: str = "share", passed: bool | None = None,
          reason: str | None = None) -> dict:
    """One row of the store's series; ``value`` None: not assessed (``reason`` says why)."""
    assessed = value is not None
    if assessed and passed is None:
        passed = {">=": value >= threshold, "<=": value <= threshold}[op]
    return {"park": park, "date": date, "criteria_set": "vn-eip-test", "id": ident,
            "title_en": f"{ident} share", "title_vi": f"Tỷ lệ {ident}", "indicator": indicator, "unit": unit,
            "op": op, "threshold": threshold, "value": float("nan") if not assessed else value,
            "passed": passed if assessed else pd.NA, "assessed": assessed, "reason": reason,
            "status": "unconfirmed", "source": "Decree 35/2022/ND-CP (test)", "recorded_at": "2026-01-01T00:00:00",
            "eipgis_version": "0"}


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=SERIES_COLUMNS)
    df["passed"] = df["passed"].astype("boolean")
    return df


#: Green share of Tằng Loỏng, recorded 2022, 2023, 2025; the 2024 record could not assess it.
GREEN = [point("Tằng Loỏng", D(2022, 12, 31), "GREEN", 0.05),
         point("Tằng Loỏng", D(2023, 12, 31), "GREEN", 0.07),
         point("Tằng Loỏng", D(2024, 12, 31), "GREEN", None, reason="table enterprises: no column recp_applied"),
         point("Tằng Loỏng", D(2025, 12, 31), "GREEN", 0.11)]

# The slope by hand, in days from 2022-12-31: d = 0, 365, 1096 (2024 is a leap year), mean 487;
# deviations -487, -122, 609; values 0.05, 0.07, 0.11, mean 0.23/3, deviations -0.08/3, -0.02/3, 0.1/3.
# Σ dd·dv = (38.96 + 2.44 + 60.9)/3 = 34.1; Σ dd² = 237,169 + 14,884 + 370,881 = 622,934.
# Per day 34.1 / 622,934; per year × 365.25 = 0.0199941…
GREEN_SLOPE = 34.1 / 622_934 * 365.25


def indicator(summary: dict, park: str, ident: str) -> dict:
    (p,) = [p for p in summary["parks"] if p["park"] == park]
    (ind,) = [i for i in p["indicators"] if i["id"] == ident]
    return ind


def test_trend_is_the_least_squares_slope_per_year_over_assessed_records():
    ind = indicator(summarise(frame(GREEN)), "Tằng Loỏng", "GREEN")
    assert ind["trend_per_year"] == pytest.approx(0.0199941, abs=1e-7)
    assert ind["trend_per_year"] == pytest.approx(GREEN_SLOPE, rel=1e-9)
    assert ind["latest"] == {"date": "2025-12-31", "value": 0.11, "passed": True}
    assert ind["regression"] is None  # 0.07 → 0.11 is better under ≥
    assert ind["direction"] == "higher"
    assert [p["date"] for p in ind["series"]] == ["2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"]
    assert [p["passed"] for p in ind["series"]] == [False, False, None, True]


def test_a_record_not_assessed_is_a_gap_with_its_reason_never_a_value():
    ind = indicator(summarise(frame(GREEN)), "Tằng Loỏng", "GREEN")
    assert ind["series"][2] == {"date": "2024-12-31", "value": None, "passed": None,
                                "reason": "table enterprises: no column recp_applied", "threshold": 0.1}
    assert ind["series"][1]["reason"] is None


def test_the_json_has_the_issue_keys():
    summary = summarise(frame(GREEN))
    text = json.dumps(summary)  # plain JSON: no NaN, no numpy numbers
    assert "NaN" not in text
    park = summary["parks"][0]
    assert park["park"] == "Tằng Loỏng" and park["records"] == 4
    ind = park["indicators"][0]
    assert {"id", "unit", "series", "trend_per_year", "target"} <= set(ind)
    assert set(ind["series"][0]) >= {"date", "value", "passed"}
    assert ind["target"] is None and ind["unit"] == "share"


def test_a_criterion_is_described_by_its_latest_rules_and_each_point_keeps_its_own():
    rows = [point("A", D(2022, 12, 31), "GREEN", 0.12, threshold=0.10),
            point("A", D(2025, 12, 31), "GREEN", 0.12, threshold=0.15)]  # the rule tightened in 2025
    rows[1]["title_en"] = "Green share (2025 rules)"
    ind = indicator(summarise(frame(rows)), "A", "GREEN")
    assert ind["threshold"] == 0.15 and ind["title"]["en"] == "Green share (2025 rules)"
    assert [(p["threshold"], p["passed"]) for p in ind["series"]] == [(0.10, True), (0.15, False)]
    assert ind["trend_per_year"] == 0.0 and ind["regression"] is None  # same value: no trend, no regression


def test_under_two_assessed_records_there_is_no_trend():
    rows = [point("A", D(2024, 1, 1), "GREEN", None, reason="no boundary"), point("A", D(2025, 1, 1), "GREEN", 0.2)]
    ind = indicator(summarise(frame(rows)), "A", "GREEN")
    assert ind["trend_per_year"] is None and ind["regression"] is None


def test_regression_follows_which_way_is_better():
    rows = [
        # ≥: higher is better; 0.12 → 0.09 is worse by 0.03
        point("A", D(2023, 6, 30), "GREEN", 0.12), point("A", D(2024, 6, 30), "GREEN", 0.09),
        # ≤: lower is better; 0.30 → 0.40 is worse by 0.10
        point("A", D(2023, 6, 30), "DENS", 0.30, op="<=", threshold=0.6),
        point("A", D(2024, 6, 30), "DENS", 0.40, op="<=", threshold=0.6),
        # per feature (the value counts failing plots), though the operator is ≥: 3 → 1 failing is better
        point("A", D(2023, 6, 30), "PLOTG", 3, indicator="plot_green_share", threshold=0.2, passed=False),
        point("A", D(2024, 6, 30), "PLOTG", 1, indicator="plot_green_share", threshold=0.2, passed=False),
        # … and 0 → 2 failing plots is worse, whatever the threshold of a plot
        point("A", D(2023, 6, 30), "PLOTD", 0, op="<=", indicator="plot_building_density", threshold=0.7,
              passed=True),
        point("A", D(2024, 6, 30), "PLOTD", 2, op="<=", indicator="plot_building_density", threshold=0.7,
              passed=False),
    ]
    summary = summarise(frame(rows))
    green = indicator(summary, "A", "GREEN")["regression"]
    assert green == {"from_date": "2023-06-30", "to_date": "2024-06-30", "change": pytest.approx(-0.03)}
    assert indicator(summary, "A", "DENS")["regression"]["change"] == pytest.approx(0.10)
    assert indicator(summary, "A", "PLOTG")["regression"] is None
    assert indicator(summary, "A", "PLOTG")["direction"] == "lower"
    assert indicator(summary, "A", "PLOTD")["regression"]["change"] == 2


def test_regression_compares_the_last_two_assessed_records_skipping_gaps():
    rows = [point("A", D(2022, 1, 1), "GREEN", 0.20), point("A", D(2023, 1, 1), "GREEN", 0.15),
            point("A", D(2024, 1, 1), "GREEN", None, reason="missing"), point("A", D(2025, 1, 1), "GREEN", 0.18)]
    # latest assessed 0.18 (2025) against 0.15 (2023): better, although below 2022's 0.20
    assert indicator(summarise(frame(rows)), "A", "GREEN")["regression"] is None


def targets(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["park", "id", "value", "by"])


def test_target_on_track_from_the_linear_projection():
    goal = targets([{"park": None, "id": "GREEN", "value": 0.20, "by": D(2030, 12, 31)}])
    tgt = indicator(summarise(frame(GREEN), goal), "Tằng Loỏng", "GREEN")["target"]
    # 2025-12-31 → 2030-12-31 is 1,826 days (2028 is a leap year) = 4.99932 years;
    # projected 0.11 + 0.0199941 × 4.99932 = 0.209957 ≥ 0.20: on track
    assert tgt["projected"] == pytest.approx(0.11 + GREEN_SLOPE * 1826 / 365.25, abs=1e-9)
    assert tgt["projected"] == pytest.approx(0.209957, abs=1e-6)
    assert tgt == {"value": 0.2, "by": "2030-12-31", "projected": tgt["projected"], "on_track": True}


def test_target_off_track_and_park_specific_targets_win():
    goal = targets([{"park": None, "id": "GREEN", "value": 0.20, "by": D(2030, 12, 31)},
                    {"park": "Tằng Loỏng", "id": "GREEN", "value": 0.25, "by": D(2030, 12, 31)}])
    tgt = indicator(summarise(frame(GREEN), goal), "Tằng Loỏng", "GREEN")["target"]
    assert tgt["value"] == 0.25 and tgt["on_track"] is False  # 0.209957 < 0.25


def test_a_met_target_is_on_track_and_without_a_trend_the_latest_value_is_judged():
    falling = [point("A", D(2024, 1, 1), "GREEN", 0.30), point("A", D(2025, 1, 1), "GREEN", 0.25),
               point("A", D(2025, 1, 1), "ONE", 0.11)]
    goal = targets([{"park": None, "id": "GREEN", "value": 0.20, "by": D(2035, 1, 1)},
                    {"park": None, "id": "ONE", "value": 0.20, "by": D(2030, 1, 1)}])
    summary = summarise(frame(falling), goal)
    # GREEN falls 0.05/yr (projected ≈ -0.25 by 2035) but 0.25 already meets 0.20
    assert indicator(summary, "A", "GREEN")["target"]["on_track"] is True
    one = indicator(summary, "A", "ONE")["target"]
    assert one["projected"] == pytest.approx(0.11) and one["on_track"] is False


def test_targets_no_stored_criterion_has_are_named_and_an_empty_store_says_so():
    goal = targets([{"park": None, "id": "GREN", "value": 0.20, "by": D(2030, 12, 31)},
                    {"park": "Other park", "id": "GREEN", "value": 0.25, "by": D(2030, 12, 31)}])
    summary = summarise(frame(GREEN), goal)
    assert summary["unused_targets"] == ["GREN", "GREEN (Other park)"]
    assert indicator(summary, "Tằng Loỏng", "GREEN")["target"] is None
    assert summary_table(summary).startswith(
        "Targets for criteria the store does not hold (check the ids): GREN, GREEN (Other park).")
    empty = summarise(frame([]))
    assert empty == {"parks": [], "unused_targets": []}
    assert summary_table(empty, lang="vi") == "Kho dữ liệu chưa có lần ghi nào.\n"


def test_read_targets_csv_and_yaml(tmp_path: Path):
    csv_file = tmp_path / "targets.csv"
    csv_file.write_text("id,value,by,park\nGREEN,0.2,2030-12-31,\nVN35-ENT-RECP,0.5,2028-06-30,Tằng Loỏng\n",
                        encoding="utf-8")
    t = read_targets(csv_file)
    assert t.to_dict("records") == [
        {"park": None, "id": "GREEN", "value": 0.2, "by": D(2030, 12, 31)},
        {"park": "Tằng Loỏng", "id": "VN35-ENT-RECP", "value": 0.5, "by": D(2028, 6, 30)}]
    yaml_file = tmp_path / "targets.yaml"
    yaml_file.write_text("targets:\n  - {id: GREEN, value: 0.2, by: 2030-12-31}\n", encoding="utf-8")
    assert read_targets(yaml_file).to_dict("records") == [
        {"park": None, "id": "GREEN", "value": 0.2, "by": D(2030, 12, 31)}]


def test_read_targets_names_every_bad_row(tmp_path: Path):
    bad = tmp_path / "targets.csv"
    bad.write_text("id,value,by\nGREEN,20 %,2030-12-31\nDENS,0.6,31/12/2030\nGREEN,0.3,2031-01-01\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_targets(bad)
    text = str(err.value)
    assert "line 2: value '20 %' is not a number" in text
    assert "line 3: by '31/12/2030' is not a date" in text
    assert "line 4: a second target for GREEN (the first is at" in text
    missing = tmp_path / "no_by.csv"
    missing.write_text("id,value\nGREEN,0.2\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: missing column"):
        read_targets(missing)


def test_table_and_markdown_in_both_languages():
    summary = summarise(frame(GREEN), targets([{"park": None, "id": "GREEN", "value": 0.2, "by": D(2030, 12, 31)}]))
    en = summary_table(summary, lang="en")
    assert "11.0 % (2025-12-31)" in en and "+2.0 pp/yr" in en and "on track" in en
    assert "n/a" in en and "Not assessed: GREEN 2024-12-31: table enterprises" in en
    vi = summary_table(summary, lang="vi")
    assert "+2.0 điểm %/năm" in vi and "đúng tiến độ" in vi and "chưa đánh giá" in vi and "ĐẠT" in vi
    md = summary_markdown(summary, lang="vi")
    assert md.startswith("# Tằng Loỏng") and "| GREEN | Tỷ lệ GREEN |" in md


# --- changes between two records ---------------------------------------------------------------


def two_parcel_park(ids: list[str], codes: list[str], x_split: float):
    """A 200 m × 100 m park of two parcels split at ``x_split`` metres from the west side."""
    boundary = gpd.GeoDataFrame({"name": ["Hai lô"]}, geometry=[b(0, 0, 200, 100)], crs=CRS)
    landuse = gpd.GeoDataFrame({"parcel_id": ids, "landuse": codes},
                               geometry=[b(0, 0, x_split, 100), b(x_split, 0, 200, 100)], crs=CRS)
    return park_from_frames(boundary, landuse)


def test_changes_are_the_pieces_whose_class_differs():
    old = two_parcel_park(["P1", "P2"], ["CN", "CX"], 100)  # industrial west half, green east half
    new = two_parcel_park(["Q1", "Q2"], ["CX", "CN"], 50)  # green x 0–50, industrial x 50–200
    out = changes(old, new)
    # x 100–200 green → industrial: 100 m × 100 m = 1.0 ha; x 0–50 industrial → green: 0.5 ha;
    # x 50–100 stays industrial (not listed)
    assert out[["class_before", "class_after", "parcel_before", "parcel_after"]].to_dict("records") == [
        {"class_before": "green", "class_after": "industrial", "parcel_before": "P2", "parcel_after": "Q2"},
        {"class_before": "industrial", "class_after": "green", "parcel_before": "P1", "parcel_after": "Q1"}]
    assert out["area_ha"].tolist() == pytest.approx([1.0, 0.5])
    assert out.crs == old.crs
    assert changes(old, old).empty


# --- the commands, without the store (another module): the series and snapshots are handed in ---


def test_show_text_json_and_unknown_park():
    from eipgis._monitor_view_cli import show_text

    data = json.loads(show_text(frame(GREEN), fmt="json", park="Tằng Loỏng"))
    assert [p["park"] for p in data["parks"]] == ["Tằng Loỏng"]
    with pytest.raises(InputError, match="no park 'Tang Loong' in the store. Fix: use one of 'Tằng Loỏng'"):
        show_text(frame(GREEN), park="Tang Loong")


def test_report_writes_nothing_when_the_targets_are_bad(tmp_path: Path):
    from eipgis._monitor_view_cli import write_monitor_report

    bad = tmp_path / "targets.csv"
    bad.write_text("id,value,by\nGREEN,x,2030-01-01\n", encoding="utf-8")
    out = tmp_path / "dashboard.html"
    with pytest.raises(InputError, match="value 'x' is not a number"):
        write_monitor_report(frame(GREEN), out, targets=bad)
    assert not out.exists()
    with pytest.raises(InputError, match="--from 2025-01-01 is after --to 2023-01-01"):
        write_monitor_report(frame(GREEN), out, date_from=D(2025, 1, 1), date_to=D(2023, 1, 1))
    assert not out.exists()
