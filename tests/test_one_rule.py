"""Each rule has one home: the loader and a scenario `set` read hazard classes alike, and `check`
and the optimizer's evaluator find the same wastewater treatment plants.

The spellings are shared by both sides of each test, so a copy of a rule that drifts (as the
scenario `set` once refused "Cấp II", and the evaluator once missed a decomposed "xử lý") fails here.
"""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
from conftest import b, square_park_layers, write_park

from eipgis._hazard import HAZARD_CLASSES, hazard_class
from eipgis.criteria import check
from eipgis.errors import EipgisError
from eipgis.park import load_park
from eipgis.plans._reassign import Evaluator
from eipgis.plans.scenario import Scenario


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


#: (as typed, the class it means). Strings only: a GeoPackage column holds one type.
HAZARD_SPELLINGS: list[tuple[str, str]] = [
    ("I", "I"), ("ii", "II"), (" III ", "III"), ("iv", "IV"), ("V", "V"),
    ("1", "I"), ("2", "II"), ("5", "V"), ("3.0", "III"),
    ("Cấp II", "II"), ("cấp iii", "III"), ("CẤP 4", "IV"), ("Cap V", "V"),
    (nfd("Cấp II"), "II"), (nfd("CẤP I"), "I"), ("Cấp  IV", "IV"),
    ("class ii", "II"), ("Class 3", "III"),
]
#: Spellings that name no class: both sides refuse them.
NOT_HAZARD = ["VI", "0", "6", "2.5", "Cấp", "", "II or III"]


@pytest.fixture(scope="module")
def hazard_park(tmp_path_factory):
    layers = square_park_layers()
    fac = layers["facilities"]
    typed = [s for s, _ in HAZARD_SPELLINGS]
    layers["facilities"] = fac.iloc[[0] * len(typed)].assign(
        facility_id=[f"F{i}" for i in range(len(typed))], hazard_class=typed
    ).reset_index(drop=True)
    return load_park(write_park(tmp_path_factory.mktemp("hazard") / "park.gpkg", layers))


def test_the_loader_reads_every_spelling(hazard_park):
    got = hazard_park.facilities.set_index("facility_id")["hazard_class"]
    assert [got[f"F{i}"] for i in range(len(HAZARD_SPELLINGS))] == [c for _, c in HAZARD_SPELLINGS]


@pytest.mark.parametrize(("typed", "expected"), [*HAZARD_SPELLINGS, (2, "II"), (4.0, "IV")])
def test_a_scenario_set_reads_what_the_loader_reads(hazard_park, typed, expected):
    # YAML gives ints and floats too (``hazard_class: 2``). F0 is I and F1 is II: one changes.
    sc = Scenario.from_dict({"schema_version": 1, "name": "t", "operations": [
        {"op": "set", "layer": "facilities", "where": "facility_id in ('F0', 'F1')",
         "values": {"hazard_class": typed}}]})
    new = sc.apply(hazard_park).facilities.set_index("facility_id")["hazard_class"]
    assert [new["F0"], new["F1"]] == [expected, expected]


@pytest.mark.parametrize("typed", NOT_HAZARD)
def test_both_refuse_what_names_no_class(tmp_path, hazard_park, typed):
    assert hazard_class(typed) is None
    layers = square_park_layers()
    layers["facilities"].loc[0, "hazard_class"] = typed
    with pytest.raises(EipgisError, match=r"hazard_class not one of I–V \(or 1–5\) in .*F1"):
        load_park(write_park(tmp_path / "bad.gpkg", layers))
    sc = Scenario.from_dict({"schema_version": 1, "name": "t", "operations": [
        {"op": "set", "layer": "facilities", "where": "facility_id == 'F0'",
         "values": {"hazard_class": typed}}]})
    with pytest.raises(EipgisError, match=r"operations\[0\]\.values\.hazard_class.*is not I–V"):
        sc.apply(hazard_park)


def test_hazard_classes_are_five():
    assert HAZARD_CLASSES == ("I", "II", "III", "IV", "V")
    assert [hazard_class(v) for v in (None, True, float("nan"), 2.5)] == [None] * 4


# --- WWTP detection ------------------------------------------------------------------------------

#: (land-use code, name, is a WWTP). G2 (x 110–1000, y 900–1000) is cut into one technical
#: parcel per row, W0, W1, …
WWTP_SPELLINGS: list[tuple[str, str | None, bool]] = [
    ("XLNT", None, True),
    ("TXLNT-02", None, True),
    ("xlnt", None, True),
    ("HTKT", "Trạm xử lý nước thải tập trung", True),
    ("HTKT", nfd("Trạm xử lý nước thải tập trung"), True),  # Unikey "Unicode tổ hợp"
    ("HTKT", nfd("TRẠM XỬ LÝ NƯỚC THẢI"), True),
    ("HTKT", "Tram xu ly nuoc thai", True),
    ("HTKT", "WWTP phase 2", True),
    ("HTKT", "Central wastewater treatment", True),
    ("HTKT", "waste water plant", True),
    ("HTKT", "Trạm biến áp 110 kV", False),
    ("TBA", nfd("Trạm biến áp"), False),
    ("HTKT", "Cấp nước sạch", False),
]


@pytest.fixture(scope="module")
def wwtp_park(tmp_path_factory):
    layers = square_park_layers()
    lu = layers["landuse"]
    lu.loc[lu["parcel_id"] == "E1", "landuse"] = "HTKT"  # E1 no longer a WWTP: only the W parcels
    lu["name"] = None
    n = len(WWTP_SPELLINGS)
    step = 890 / n
    rows = lu[lu["parcel_id"] != "G2"]
    cut = rows.iloc[[0] * n].assign(
        parcel_id=[f"W{i}" for i in range(n)],
        landuse=[code for code, _, _ in WWTP_SPELLINGS],
        name=[name for _, name, _ in WWTP_SPELLINGS],
        tenant=None,
        geometry=[b(110 + i * step, 900, 110 + (i + 1) * step, 1000) for i in range(n)],
    )
    layers["landuse"] = gpd.GeoDataFrame(pd.concat([rows, cut], ignore_index=True), crs=lu.crs)
    return load_park(write_park(tmp_path_factory.mktemp("wwtp") / "park.gpkg", layers))


def test_check_finds_the_wwtp_spellings(wwtp_park):
    result = next(r for r in check(wwtp_park, "vn-eip-decree-35").results if r.id == "VN35-EIP-WWTP")
    expected = [f"W{i}" for i, (_, _, is_wwtp) in enumerate(WWTP_SPELLINGS) if is_wwtp]
    assert sorted(result.details["parcels"]) == sorted(expected)
    assert result.value == len(expected) == 10


def test_the_evaluator_finds_what_check_finds(wwtp_park):
    """Turning parcel Wi to green lowers the evaluator's WWTP count exactly when check counts Wi."""
    evaluator = Evaluator(wwtp_park, "vn-eip-decree-35")
    n = len(WWTP_SPELLINGS)
    frame = evaluator.evaluate([{f"W{i}": "green"} for i in range(n)])
    counts = frame["VN35-EIP-WWTP"].tolist()
    assert counts[0] == 10  # the baseline, as check says
    assert [counts[0] - c for c in counts[1:]] == [1 if w else 0 for _, _, w in WWTP_SPELLINGS]


# --- one table formatter -------------------------------------------------------------------------


def test_text_width_counts_what_a_terminal_shows():
    from eipgis._tables import text_width

    assert text_width("Tằng Loỏng") == 10
    assert text_width(nfd("Tằng Loỏng")) == 10  # e + breve + grave is one column
    assert text_width("Khu công nghiệp") == 15
    assert text_width("工业园") == 6  # wide characters take two columns
    assert text_width("a\u200bb") == 2  # a zero-width space takes none


def test_format_table_lines_up_decomposed_vietnamese():
    from eipgis._tables import format_table

    lines = format_table(["tên", "ha"], [[nfd("Tằng Loỏng"), "1.5"], ["Phố Lu", "12.25"]], align="<>")
    assert lines == [
        "tên            ha",
        "----------  -----",
        "Tằng Loỏng    1.5",  # written back in composed form
        "Phố Lu      12.25",
    ]
    assert format_table([], [["a", "bb"], ["ccc", "d"]], indent="  ") == ["  a    bb", "  ccc  d"]



# --- one refusal-to-overwrite --------------------------------------------------------------------


def test_scenario_outputs_are_refused_by_the_one_check(tmp_path):
    from eipgis.errors import OutputError
    from eipgis.plans.scenario import write_outputs

    (tmp_path / "a_report.md").write_text("earlier", encoding="utf-8")
    (tmp_path / "a_changes.md").mkdir()
    outputs = {tmp_path / "a_report.md": "new", tmp_path / "a_report.json": "{}"}
    with pytest.raises(OutputError, match=r"a_report\.md: exists already\. Fix: choose another output "
                                          r"folder or pass --overwrite\."):
        write_outputs(outputs)
    assert not (tmp_path / "a_report.json").exists()  # nothing written before the refusal
    # --overwrite replaces a file, never a folder
    with pytest.raises(OutputError, match=r"a_changes\.md: is a folder"):
        write_outputs({tmp_path / "a_changes.md": "new"}, overwrite=True)
    assert (tmp_path / "a_report.md").read_text(encoding="utf-8") == "earlier"


def test_symbiosis_outputs_are_refused_by_the_one_check(tmp_path):
    from eipgis.errors import OutputError
    from eipgis.symbiosis.matching import _check_outputs

    (tmp_path / "links.csv").write_text("earlier", encoding="utf-8")
    (tmp_path / "totals.csv").write_text("earlier", encoding="utf-8")
    with pytest.raises(OutputError, match=r"links\.csv, .*totals\.csv: exist already"):
        _check_outputs(tmp_path, overwrite=False)
    _check_outputs(tmp_path, overwrite=True)  # asked: no refusal
