"""Issue 11: criteria on attribute data (enterprises, park answers, flows, register), results that
are *not assessed* when the input is missing, and criteria in force by date (``--as-of``)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

import eipgis
from eipgis.cli import main
from eipgis.criteria import check
from eipgis.errors import CriteriaError, InputError, LayerError

X, Y = 420_000, 2_490_000  # VN-2000 / Lào Cai (EPSG:9208), metres
CRS = "EPSG:9208"

# Five enterprises. Hand-worked figures used below:
#   RECP answered by E1, E2, E4, E5 (E3 blank): yes E1, E4 → 2 / 4 = 0.5
#   weighted by workers: yes 100 + 200 = 300 of answering 100 + 50 + 200 + 20 = 370 → 0.8108
#   among workers > 40 (E1, E2, E4): yes E1, E4 → 2 / 3
#   reuse: rows giving both E1 (60, 20), E2 (40, 10), E3 (20, 0): 30 / 120 = 0.25 (E4, E5 lack one)
#   workers: 100 + 50 + 30 + 200 + 20 = 400; rows with workers > 40: E1, E2, E4 → 3
ENTERPRISES = pd.DataFrame({
    "enterprise_id": ["E1", "E2", "E3", "E4", "E5"],
    "facility_id": ["F1", "F2", None, "F1", ""],
    "recp_applied": ["yes", "không", "", "1", "false"],
    "workers": [100, 50, 30, 200, 20],
    "wastewater_m3_d": [60, 40, 20, None, None],
    "reused_m3_d": [20, 10, 0, None, 5],
})


def frames(**boundary_attrs: object) -> dict[str, gpd.GeoDataFrame]:
    return {
        "boundary": gpd.GeoDataFrame({"name": ["Demo"], **{k: [v] for k, v in boundary_attrs.items()}},
                                     geometry=[box(X, Y, X + 1000, Y + 1000)], crs=CRS),
        "landuse": gpd.GeoDataFrame({"parcel_id": ["P1", "G1"], "landuse": ["CN", "CX"]},
                                    geometry=[box(X, Y, X + 1000, Y + 900),
                                              box(X, Y + 900, X + 1000, Y + 1000)], crs=CRS),
        "facilities": gpd.GeoDataFrame({"facility_id": ["F1", "F2"], "hazard_class": ["V", "V"]},
                                       geometry=[Point(X + 100, Y + 100), Point(X + 500, Y + 500)],
                                       crs=CRS),
    }


@pytest.fixture(scope="module")
def park() -> eipgis.Park:
    return eipgis.park_from_frames(**frames(ghg_plan="có", input_output_monitoring=None),
                                   enterprises=ENTERPRISES)


def crit(cid: str, indicator: str, params: dict, *, op: str = ">=", threshold: float = 0.5,
         unit: str = "share", **extra: object) -> dict:
    return {"id": cid, "title": {"en": cid, "vi": cid}, "indicator": indicator, "params": params,
            "op": op, "threshold": threshold, "unit": unit,
            "source": "Decree 35/2022/ND-CP Art. 37 (test)", "status": "unconfirmed", **extra}


def cset(*criteria: dict) -> eipgis.CriteriaSet:
    return eipgis.CriteriaSet.model_validate(
        {"schema_version": 1, "id": "test-data", "title": {"en": "t", "vi": "t"},
         "criteria": list(criteria)})


def write_set(path: Path, *criteria: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"schema_version": 1, "id": "test-data",
                                    "title": {"en": "t", "vi": "t"}, "criteria": list(criteria)},
                                   allow_unicode=True), encoding="utf-8")
    return path


# --- the enterprises table ---------------------------------------------------------------------


def test_enterprises_are_validated_and_normalised(park):
    ent = park.enterprises
    assert park.has_enterprises
    assert ent["recp_applied"].tolist()[:2] == [True, False]
    assert ent["recp_applied"].isna().tolist() == [False, False, True, False, False]
    assert ent["facility_id"].tolist() == ["F1", "F2", None, "F1", None]
    assert ent["workers"].sum() == 400


def test_a_park_without_enterprises_has_an_empty_table_with_the_columns():
    bare = eipgis.park_from_frames(**frames())
    assert not bare.has_enterprises and bare.enterprises.empty
    assert {"enterprise_id", "recp_applied", "workers"} <= set(bare.enterprises.columns)


def test_bad_enterprise_rows_are_named_together():
    bad = ENTERPRISES.assign(enterprise_id=["E1", "E1", "E3", "E4", ""],
                             facility_id=["F9", None, None, None, None],
                             workers=["many", 50, 30, -2, 20], recp_applied=["maybe", 1, 1, 1, 1])
    with pytest.raises(LayerError) as info:
        eipgis.park_from_frames(**frames(), enterprises=bad)
    text = "\n".join(info.value.problems)
    assert "enterprise_id is empty in row 5" in text
    assert "enterprise_id appears more than once: E1" in text
    assert "facility_id names no facility" in text and "E1 (F9)" in text
    assert "workers is not a finite number ≥ 0 in E1 (many), E4 (-2)" in text
    assert "recp_applied is not a yes/no answer in E1 (maybe)" in text


# --- the data indicators --------------------------------------------------------------------------


def test_data_indicators_match_the_hand_worked_figures(park):
    report = check(park, cset(
        crit("RECP", "table_share", {"table": "enterprises", "where": "recp_applied == true"}),
        crit("RECP-W", "table_share", {"table": "enterprises", "where": "recp_applied",
                                       "weight": "workers"}, threshold=0.9),
        crit("RECP-BIG", "table_share", {"table": "enterprises", "where": "recp_applied == true",
                                         "among": "workers > 40"}),
        crit("REUSE", "table_ratio", {"table": "enterprises", "numerator": "reused_m3_d",
                                      "denominator": "wastewater_m3_d"}, threshold=0.3),
        crit("WORKERS", "table_sum", {"table": "enterprises", "column": "workers"},
             threshold=400, unit="people"),
        crit("BIG", "table_count", {"table": "enterprises", "where": "workers > 40"},
             threshold=3, unit="count"),
        crit("GHG", "checklist", {"table": "park", "column": "ghg_plan"}, op="==",
             threshold=1, unit="yes/no"),
    ), as_of=date(2025, 1, 1))
    assert report["RECP"].value == pytest.approx(0.5) and report["RECP"].passed
    assert report["RECP-W"].value == pytest.approx(300 / 370) and report["RECP-W"].passed is False
    assert report["RECP-BIG"].value == pytest.approx(2 / 3)
    assert report["REUSE"].value == pytest.approx(0.25) and report["REUSE"].passed is False
    assert report["WORKERS"].value == 400 and report["WORKERS"].passed
    assert report["BIG"].value == 3 and report["BIG"].passed
    assert report["GHG"].value == 1 and report["GHG"].passed
    assert [r.id for r in report.failing] == ["RECP-W", "REUSE"] and not report.not_assessed


def test_missing_input_is_not_assessed_never_passed_or_failed(park):
    bare = eipgis.park_from_frames(**frames())
    criteria = cset(
        crit("RECP", "table_share", {"table": "enterprises", "where": "recp_applied == true"}),
        crit("ISO", "table_share", {"table": "enterprises", "where": "iso14001 == true"}),
        crit("IOM", "checklist", {"table": "park", "column": "input_output_monitoring"},
             threshold=1, unit="yes/no"),
        crit("SOCIAL", "checklist", {"table": "park", "column": "social_infrastructure"},
             threshold=1, unit="yes/no"),
        crit("LINKS", "table_count", {"table": "register", "where": "status == 'implemented'"},
             threshold=1, unit="count"),
    )
    with_table = check(park, criteria, as_of=date(2025, 1, 1))
    without = check(bare, criteria, as_of=date(2025, 1, 1))
    assert without["RECP"].reason == "no table 'enterprises'"
    assert with_table["ISO"].reason == "table 'enterprises' has no column iso14001"  # column absent
    assert with_table["IOM"].reason == "no row of table 'park' answers input_output_monitoring"
    assert with_table["SOCIAL"].reason == "table 'park' has no column social_infrastructure"
    assert with_table["LINKS"].reason == "no table 'register' (pass --register FILE)"
    for r in (without["RECP"], with_table["ISO"], with_table["IOM"], with_table["LINKS"]):
        assert r.passed is None and not r.assessed and math.isnan(r.value)
    assert with_table.passed is True  # RECP (0.5 ≥ 0.5) passes; nothing assessed fails
    data = json.loads(with_table.to_json())
    assert data["not_assessed"] == ["ISO", "IOM", "SOCIAL", "LINKS"] and data["as_of"] == "2025-01-01"
    iso = next(r for r in data["results"] if r["id"] == "ISO")
    assert (iso["passed"], iso["value"], iso["assessed"]) == (None, None, False)
    assert "NOT ASSESSED" in with_table.to_table() and "CHƯA ĐÁNH GIÁ" in with_table.to_markdown(lang="vi")
    assert "bảng 'enterprises' không có cột iso14001" in with_table.to_table(lang="vi")
    assert with_table.to_frame()["passed"].isna().sum() == 4


def test_register_and_flows_come_as_tables(park):
    register = pd.DataFrame({"id": ["S1", "S2", "S3"], "status": ["implemented", "idea", "implemented"]})
    report = check(park, cset(crit("LINKS", "table_count", {"table": "register",
                                                             "where": "status == 'implemented'"},
                                   threshold=2, unit="count")),
                   tables={"register": register}, as_of=date(2025, 1, 1))
    assert report["LINKS"].value == 2 and report["LINKS"].passed


def test_a_column_outside_table_and_contract_is_an_error_listing_the_columns(park):
    with pytest.raises(CriteriaError) as info:
        check(park, cset(crit("X", "table_sum", {"table": "enterprises", "column": "staff"},
                              threshold=1, unit="people")))
    text = str(info.value)
    assert "criterion X" in text and "'staff'" in text
    assert "enterprise_id" in text and "workers" in text  # the columns it may use


def test_blank_text_cells_are_no_value_not_an_error():
    # Read from CSV, blanks are "" in a text column: sum 12 + 3 = 15; share of rows answering
    # 'partners' (S1, S3) that are implemented (S1) = 1 / 2.
    table = pd.DataFrame({"id": ["S1", "S2", "S3"], "status": ["implemented", "idea", "idea"],
                          "partners": ["A+B", "  ", "C+D"], "saving_t": ["12", "", "3"]},
                         dtype="str")
    report = check(eipgis.park_from_frames(**frames()), cset(
        crit("T", "table_sum", {"table": "register", "column": "saving_t"}, threshold=1, unit="t"),
        crit("S", "table_share", {"table": "register",
                                  "where": "status == 'implemented' and partners != ''"})),
        tables={"register": table})
    assert report["T"].value == 15
    assert report["S"].value == pytest.approx(0.5)


def test_text_in_a_numeric_column_names_the_rows():
    table = pd.DataFrame({"id": ["S1", "S2"], "status": ["implemented", "idea"],
                          "saving_t": ["12", "lots"]})
    with pytest.raises(InputError, match=r"saving_t is not a finite number in S2 \(lots\)"):
        check(eipgis.park_from_frames(**frames()),
              cset(crit("T", "table_sum", {"table": "register", "column": "saving_t"},
                        threshold=1, unit="t")), tables={"register": table})


def test_criteria_file_checks_at_load_time():
    with pytest.raises(Exception, match="not a table"):
        cset(crit("T", "table_count", {"table": "tenants"}, unit="count"))
    with pytest.raises(Exception, match="params.where"):
        cset(crit("T", "table_count", {"table": "enterprises", "where": "__import__('os')"}))
    with pytest.raises(Exception, match="in_force_from 2023-01-01 is not before"):
        cset(crit("T", "table_count", {"table": "enterprises"}, in_force_from="2023-01-01",
                  in_force_to="2022-01-01"))


# --- rules by date ----------------------------------------------------------------------------------


def dated_pair() -> eipgis.CriteriaSet:
    # OLD applies until 2022-07-14 (to is exclusive), NEW from 2022-07-15 (Decree 35 in force).
    return cset(
        crit("OLD", "table_count", {"table": "enterprises"}, threshold=1, unit="count",
             in_force_to="2022-07-15"),
        crit("NEW", "table_share", {"table": "enterprises", "where": "recp_applied == true"},
             in_force_from="2022-07-15"),
    )


def test_as_of_chooses_between_adjacent_date_ranges(park):
    before = check(park, dated_pair(), as_of=date(2022, 7, 14))
    after = check(park, dated_pair(), as_of=date(2022, 7, 15))
    assert [r.id for r in before.results] == ["OLD"] and before.not_in_force == ("NEW",)
    assert [r.id for r in after.results] == ["NEW"] and after.not_in_force == ("OLD",)
    assert json.loads(after.to_json())["as_of"] == "2022-07-15"
    assert check(park, dated_pair()).as_of == date.today()


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def gpkg_park(tmp_path: Path) -> Path:
    import pyogrio

    path = tmp_path / "park.gpkg"
    for layer, frame in frames(ghg_plan="yes").items():
        frame.to_file(path, layer=layer, driver="GPKG")
    pyogrio.write_dataframe(ENTERPRISES.astype(str).replace({"None": "", "nan": ""}), path,
                            layer="enterprises", driver="GPKG")
    return path


def run(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_cli_check_reads_enterprises_from_the_geopackage(gpkg_park, tmp_path, capsys):
    criteria = write_set(tmp_path / "c.yaml", *[
        crit("RECP", "table_share", {"table": "enterprises", "where": "recp_applied == true"}),
        crit("LINKS", "table_count", {"table": "register"}, threshold=1, unit="count")])
    register = tmp_path / "register.csv"
    register.write_text("id,date,status,title\nS1,2023-03-01,identified,slag\nS1,2024-05-01,feasibility,slag\nS2,2025-05-01,identified,heat\n",
                        encoding="utf-8")
    code, out, _ = run(["check", gpkg_park, "--criteria", criteria, "--format", "json",
                        "--as-of", "2024-12-31"], capsys)
    data = json.loads(out)
    assert code == 0 and data["as_of"] == "2024-12-31" and data["not_assessed"] == ["LINKS"]
    assert data["results"][0]["value"] == 0.5
    code, out, _ = run(["check", gpkg_park, "--criteria", criteria, "--format", "json",
                        "--register", register, "--as-of", "2024-12-31"], capsys)
    assert code == 0 and json.loads(out)["results"][1]["value"] == 1  # S1 only: S2 comes after --as-of


@pytest.mark.parametrize(("extra", "message"), [
    (["--as-of", "31/12/2024"], "--as-of '31/12/2024' is not a date"),
    (["--as-of", "2999-01-01"], "--as-of 2999-01-01 is in the future"),
])
def test_cli_bad_dates_exit_2_with_one_line_and_no_output(gpkg_park, tmp_path, capsys, extra, message):
    out_file = tmp_path / "report.json"
    code, _, err = run(["check", gpkg_park, "-o", out_file, *extra], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out_file.exists()


def test_cli_unknown_column_and_text_in_numbers_exit_2(gpkg_park, tmp_path, capsys):
    out_file = tmp_path / "report.json"
    criteria = write_set(tmp_path / "c.yaml", crit("X", "table_sum", {"table": "enterprises",
                                                                      "column": "staff"},
                                                    threshold=1, unit="people"))
    code, _, err = run(["check", gpkg_park, "--criteria", criteria, "-o", out_file], capsys)
    assert code == 2 and f"{criteria} ('test-data'), criterion X" in err and "workers" in err
    assert "'staff' is neither in table 'enterprises'" in err
    assert not out_file.exists()
    criteria = write_set(tmp_path / "c.yaml", crit("BAD", "table_share", {"table": "enterprises",
                                                                          "where": "x"},
                                                    in_force_from="2022-13-01"))
    code, _, err = run(["check", gpkg_park, "--criteria", criteria, "-o", out_file], capsys)
    assert code == 2 and "in_force_from" in err and not out_file.exists()


def test_folder_park_reads_enterprises_csv(tmp_path, capsys):
    folder = tmp_path / "park"
    folder.mkdir()
    for layer, frame in frames().items():
        frame.to_file(folder / f"{layer}.geojson", driver="GeoJSON")
    (folder / "enterprises.csv").write_text(
        "enterprise_id,facility_id,workers\nE1,F1,12\nE2,F7,abc\n", encoding="utf-8")
    with pytest.raises(LayerError) as info:
        eipgis.load_park(folder)
    text = "\n".join(info.value.problems)
    assert "E2 (F7)" in text and "workers is not a finite number ≥ 0 in E2 (abc)" in text
    (folder / "enterprises.csv").write_text("enterprise_id,facility_id,workers\nE1,F1,12\n",
                                            encoding="utf-8")
    assert eipgis.load_park(folder).enterprises["workers"].tolist() == [12.0]


# --- everything that reads results -----------------------------------------------------------------


def with_geometry_set() -> eipgis.CriteriaSet:
    """The built-in planning set plus one data criterion the park cannot answer (no register)."""
    base = eipgis.load_criteria("vn-qcvn-01-2021")
    extra = cset(crit("LINKS", "table_count", {"table": "register"}, threshold=1, unit="count"))
    return base.model_copy(update={"criteria": [*base.criteria, *extra.criteria]})


def test_report_map_and_comparison_show_not_assessed(park):
    from eipgis.plans.scenario import Scenario, compare, comparison_to_table
    from eipgis.present.report import report_html, report_markdown
    from eipgis.present.webmap import map_html, park_map

    criteria = with_geometry_set()
    report = check(park, criteria)
    assert report.not_assessed == [report["LINKS"]]
    html = report_html(park, report=report, lang="vi")
    assert '<td class="na">CHƯA ĐÁNH GIÁ</td>' in html and "chưa đánh giá" in html
    assert "<td>Doanh nghiệp</td><td>5</td>" in html  # the five enterprises in the summary
    assert f"<td>Quy định có hiệu lực ngày</td><td>{date.today():%d/%m/%Y}</td>" in html  # vi date
    assert "NOT ASSESSED" in report_markdown(park, report=report, lang="en")
    assert "1 not assessed" in map_html(park_map(park, report=report, lang="en"))
    table = comparison_to_table(compare([Scenario.from_dict(
        {"schema_version": 1, "name": "as is", "operations": []})], park, criteria=criteria))
    assert "– NOT ASSESSED" in table


def test_the_optimizer_never_targets_a_criterion_not_assessed(park):
    from eipgis.plans.optimize import optimize

    plan = optimize(park, criteria=with_geometry_set())
    assert "LINKS" not in plan.targeted and plan.report["LINKS"].passed is None


def test_a_where_comparing_text_with_a_number_names_the_criterion(park):
    with pytest.raises(CriteriaError, match=r"criteria set \('test-data'\), criterion T: .*sector"):
        check(park.replace(enterprises=park.enterprises.assign(sector="steel")),
              cset(crit("T", "table_count", {"table": "enterprises", "where": "sector > 5"},
                        unit="count")))


def test_enterprises_among_the_extras_are_the_table():
    # The QGIS bridge passes every other layer as an extra: the table still becomes park.enterprises.
    p = eipgis.park_from_frames(**frames(), extras={"enterprises": ENTERPRISES})
    assert p.has_enterprises and "enterprises" not in p.extras and len(p.enterprises) == 5


def test_cli_text_in_a_numeric_enterprise_column_exits_2_naming_the_row(tmp_path, capsys):
    folder = tmp_path / "park"
    folder.mkdir()
    for layer, frame in frames().items():
        frame.to_file(folder / f"{layer}.geojson", driver="GeoJSON")
    (folder / "enterprises.csv").write_text(
        "enterprise_id,workers\nE1,12\nE2,mười\n", encoding="utf-8")
    out_file = tmp_path / "report.json"
    code, _, err = run(["check", folder, "-o", out_file], capsys)
    assert code == 2 and "table 'enterprises': workers is not a finite number ≥ 0 in E2 (mười)" in err
    assert "Traceback" not in err and not out_file.exists()


def test_reasons_are_bilingual():
    report = check(eipgis.park_from_frames(**frames()), cset(
        crit("L", "table_count", {"table": "register"}, threshold=1, unit="count")))
    assert report["L"].reason_in("en") == "no table 'register' (pass --register FILE)"
    assert report["L"].reason_in("vi") == "không có bảng 'register' (cần --register FILE)"
