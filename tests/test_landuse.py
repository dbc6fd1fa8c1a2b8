"""The land-use vocabulary: planning codes, Vietnamese and English words, a park's own mapping."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from conftest import square_park_layers, write_park

from eipgis import landuse
from eipgis.criteria import check
from eipgis.errors import InputError, LayerError
from eipgis.park import load_park


def classify_one(value, mapping=None):
    return landuse.classify(pd.Series([value]), mapping).iloc[0]


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("CN", "industrial"),  # đất công nghiệp
        ("KHO", "industrial"),  # kho tàng
        ("CX", "green"),  # cây xanh
        ("CXCL", "green"),  # cây xanh cách ly
        ("GT", "traffic"),  # giao thông
        ("BX", "traffic"),  # bãi xe
        ("HTKT", "technical"),  # hạ tầng kỹ thuật
        ("XLNT", "technical"),  # xử lý nước thải
        ("DHDV", "services"),  # điều hành dịch vụ
        ("MN", "water"),  # mặt nước
        ("DPT", "reserve"),  # dự trữ phát triển
    ],
)
def test_planning_codes(code, cls):
    assert classify_one(code) == cls
    assert classify_one(code.lower()) == cls
    assert classify_one(f" {code} ") == cls


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("CN-01", "industrial"),
        ("CN01", "industrial"),
        ("CN 12", "industrial"),
        ("CN-3a", "industrial"),
        ("KHO-2", "industrial"),
        ("CX-05", "green"),
        ("CXCL.1", "green"),
        ("GT-1", "traffic"),
        ("HTKT-01", "technical"),
        ("XLNT/1", "technical"),
        ("DHDV-1", "services"),
        ("MN-2", "water"),
        ("DPT-03", "reserve"),
    ],
)
def test_lot_codes_with_numbers(code, cls):
    assert classify_one(code) == cls


@pytest.mark.parametrize(
    ("phrase", "cls"),
    [
        ("Đất cây xanh", "green"),
        ("dat cay xanh", "green"),
        ("ĐẤT CÂY XANH", "green"),
        ("Cây xanh cách ly", "green"),
        ("Đất giao thông", "traffic"),
        ("Bãi đỗ xe", "traffic"),
        ("Đất hạ tầng kỹ thuật", "technical"),
        ("Trạm xử lý nước thải", "technical"),
        ("tram xu ly nuoc thai", "technical"),
        ("Đất nhà máy, kho tàng".replace(",", ""), "industrial"),
        ("Đất công nghiệp", "industrial"),
        ("Mặt nước", "water"),
        ("Đất dự trữ phát triển", "reserve"),
        ("Đất điều hành dịch vụ", "services"),
        ("Nhà ở công nhân", "residential"),
        ("dat  cay   xanh", "green"),  # extra spaces
        ("dat_cay_xanh", "green"),  # underscores from a shapefile
    ],
)
def test_vietnamese_phrases(phrase, cls):
    assert classify_one(phrase) == cls


def test_decomposed_unicode_is_recognised():
    # "Unicode tổ hợp" (decomposed) as typed with some Vietnamese keyboards
    assert classify_one(unicodedata.normalize("NFD", "Đất cây xanh")) == "green"


@pytest.mark.parametrize(
    ("word", "cls"),
    [
        ("industrial", "industrial"),
        ("Factory", "industrial"),
        ("warehouse", "industrial"),
        ("Green space", "green"),
        ("park", "green"),
        ("buffer", "green"),
        ("Road", "traffic"),
        ("parking", "traffic"),
        ("WWTP", "technical"),
        ("substation", "technical"),
        ("Administration", "services"),
        ("pond", "water"),
        ("Reserve", "reserve"),
        ("housing", "residential"),
    ],
)
def test_english_synonyms(word, cls):
    assert classify_one(word) == cls


def test_every_class_name_maps_to_itself():
    for cls in landuse.CLASSES:
        assert classify_one(cls) == cls
        assert classify_one(cls.upper()) == cls


@pytest.mark.parametrize("value", ["ZZ", "Đất lạ", "CNX", "industrialish", "12"])
def test_unknown_values_come_back_missing(value):
    assert pd.isna(classify_one(value))


def test_classify_keeps_the_index_and_names_the_series():
    values = pd.Series(["CN-01", "CX", None, "??"], index=["a", "b", "c", "d"])
    out = landuse.classify(values)
    assert list(out.index) == ["a", "b", "c", "d"]
    assert out.name == "landuse_class"
    assert out["a"] == "industrial" and out["b"] == "green"
    assert pd.isna(out["c"]) and pd.isna(out["d"])


def test_labels_and_colours_cover_every_class():
    for cls in landuse.CLASSES:
        assert landuse.LABELS[cls]["en"] and landuse.LABELS[cls]["vi"]
        assert landuse.COLOURS[cls].startswith("#") and len(landuse.COLOURS[cls]) == 7
    assert landuse.LABELS["green"]["vi"] == "Đất cây xanh"


# --- a park's own mapping file --------------------------------------------------------------


@pytest.fixture
def csv_mapping(tmp_path):
    path = tmp_path / "mapping.csv"
    path.write_text(
        "value,class\n"
        "KCX,industrial\n"  # a park code the built-in table lacks
        "Đất trồng cây,green\n"
        "DPT,green\n",  # overrides the built-in reserve
        encoding="utf-8",
    )
    return path


@pytest.fixture
def yaml_mapping(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text("KCX: industrial\n'Đất trồng cây': green\nDPT: Green\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fixture", ["csv_mapping", "yaml_mapping"])
def test_mapping_file_adds_and_overrides(request, fixture):
    mapping = landuse.load_mapping(request.getfixturevalue(fixture))
    assert classify_one("KCX", mapping) == "industrial"
    assert classify_one("KCX-02", mapping) == "industrial"  # lot numbers still stripped
    assert classify_one("dat trong cay", mapping) == "green"  # diacritics ignored
    assert classify_one("DPT", mapping) == "green"  # overridden
    assert classify_one("CN", mapping) == "industrial"  # built-in entries stay
    assert pd.isna(classify_one("KCX", None))  # the built-in table alone does not know it


def test_mapping_csv_without_header_and_with_bom(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("\ufeffKCX,industrial\n", encoding="utf-8")
    assert classify_one("KCX", landuse.load_mapping(path)) == "industrial"


def test_mapping_file_used_when_loading_a_park(tmp_path, csv_mapping):
    layers = square_park_layers()
    layers["landuse"]["landuse"] = ["CXCL", "GT", "KCX", "KCX", "KCX", "XLNT", "Đất trồng cây"]
    gpkg = write_park(tmp_path / "own_codes.gpkg", layers)
    with pytest.raises(LayerError, match="KCX"):
        load_park(gpkg)
    park = load_park(gpkg, landuse_mapping=csv_mapping)
    assert park.landuse["landuse_class"].tolist() == [
        "green",
        "traffic",
        "industrial",
        "industrial",
        "industrial",
        "technical",
        "green",
    ]
    # the planner's own codes are kept beside the canonical class
    assert park.landuse["landuse"].tolist()[2] == "KCX"
    # the same figures as the square park: green 9.9 %
    assert check(park)["VN21-LU-GREEN"].value == pytest.approx(0.099)
    # a mapping given as a dict works too (library use)
    park = load_park(
        gpkg,
        landuse_mapping={**landuse.DEFAULT_MAPPING, "kcx": "industrial", "dat trong cay": "green"},
    )
    assert park.landuse["landuse_class"].iloc[2] == "industrial"


def test_mapping_override_changes_the_result(tmp_path, yaml_mapping):
    # DPT → green in the park's file: a reserve parcel then counts as green land.
    layers = square_park_layers()
    layers["landuse"].loc[6, "landuse"] = "DPT"  # G2
    gpkg = write_park(tmp_path / "dpt.gpkg", layers)
    assert check(load_park(gpkg))["VN21-LU-GREEN"].value == pytest.approx(0.01)  # G1 only
    park = load_park(gpkg, landuse_mapping=yaml_mapping)
    assert check(park)["VN21-LU-GREEN"].value == pytest.approx(0.099)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.csv", "value,class\nKCX,industrial\nCV,greenery\n"),
        ("bad.yaml", "KCX: industrial\nCV: greenery\n"),
    ],
)
def test_unknown_class_in_mapping_file_is_an_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        landuse.load_mapping(path)
    message = str(info.value)
    assert str(path) in message
    assert "'CV' → 'greenery'" in message
    assert "KCX" not in message  # only the bad entry is named
    for cls in landuse.CLASSES:
        assert cls in message  # the fix lists the classes


def test_mapping_file_problems(tmp_path):
    with pytest.raises(InputError, match="not found"):
        landuse.load_mapping(tmp_path / "missing.csv")
    bad_yaml = tmp_path / "list.yaml"
    bad_yaml.write_text("- KCX\n- industrial\n", encoding="utf-8")
    with pytest.raises(InputError, match="top level"):
        landuse.load_mapping(bad_yaml)
    short = tmp_path / "short.csv"
    short.write_text("value,class\nKCX\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        landuse.load_mapping(short)
    short.write_text("KCX,industrial\nCV\n", encoding="utf-8")  # no header: CV is on line 2
    with pytest.raises(InputError, match="line 2"):
        landuse.load_mapping(short)


def test_mapping_file_on_the_command_line(tmp_path, csv_mapping, capsys):
    from eipgis.cli import main

    layers = square_park_layers()
    layers["landuse"]["landuse"] = ["CXCL", "GT", "KCX", "KCX", "KCX", "XLNT", "CX"]
    gpkg = write_park(tmp_path / "own_codes.gpkg", layers)
    with pytest.raises(SystemExit) as info:
        main(["check", str(gpkg)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'KCX' in P1, P2, P3" in err and "--landuse-mapping" in err
    with pytest.raises(SystemExit) as info:
        main(["check", str(gpkg), "--landuse-mapping", str(csv_mapping)])
    assert info.value.code == 0
    assert "Overall: FAIL (6/7)" in capsys.readouterr().out  # the square park's result
    bad = tmp_path / "bad.csv"
    bad.write_text("KCX,factory-ish\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["check", str(gpkg), "--landuse-mapping", str(bad)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"{bad}: unknown land-use class for 'KCX' → 'factory-ish'" in err
    assert "Traceback" not in err
