"""The where language (eipgis.expr): hand-checked masks, hostile text refused with its position,
a hostile scenario file refused by every command before anything runs, and random text.

The frame every mask below is worked out on (one letter per row, P1…P5):

    parcel_id  landuse  tenant               floors  area_ha  main   tên khu
    P1         CN       Công ty Tằng Loỏng   2       25.0     true   Tằng Loỏng
    P2         CX       Phố Lu               6       24.5     false  Phố Lu
    P3         KHO      (null)               (null)  29.7     true   Gia Phú
    P4         (null)   Công ty Tằng Loỏng   1       1.0      (null) Xuân Giao
    P5         DPT      Xuân Giao            0       8.9      false  Phố Lu
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import square_park_layers, write_park
from hypothesis import given, settings
from hypothesis import strategies as st

from eipgis.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse_where, select
from eipgis.plans.scenario import Scenario, ScenarioError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4", "P5"],
            "landuse": ["CN", "CX", "KHO", None, "DPT"],
            "tenant": ["Công ty Tằng Loỏng", "Phố Lu", None, "Công ty Tằng Loỏng", "Xuân Giao"],
            "floors": [2, 6, np.nan, 1, 0],
            "area_ha": [25.0, 24.5, 29.7, 1.0, 8.9],
            "main": [True, False, True, None, False],
            "tên khu": ["Tằng Loỏng", "Phố Lu", "Gia Phú", "Xuân Giao", "Phố Lu"],
        }
    )


def rows(mask: np.ndarray) -> str:
    """The selected parcels as text, e.g. 'P1 P4'."""
    return " ".join(f"P{i + 1}" for i in np.flatnonzero(mask))


MASKS = [
    # comparisons; a missing value is never selected, whichever way the test is written
    ("landuse == 'CN'", "P1"),
    ("landuse != 'CN'", "P2 P3 P5"),
    ("not (landuse == 'CN')", "P2 P3 P5"),
    ("floors < 2", "P4 P5"),
    ("floors <= 2", "P1 P4 P5"),
    ("floors > 2", "P2"),
    ("floors >= 2", "P1 P2"),
    ("floors == 6", "P2"),
    ("floors != 6", "P1 P4 P5"),
    ("1 <= floors < 6", "P1 P4"),
    ("tenant < 'D'", "P1 P4"),
    ("floors == area_ha - 23", "P1"),
    # in-lists
    ("landuse in ['CN', 'KHO']", "P1 P3"),
    ("landuse not in ['CN', 'KHO']", "P2 P5"),
    ("floors in (0, 6)", "P2 P5"),
    ("-1 < floors and floors in [-0, 1]", "P4 P5"),
    # null tests, in every documented spelling
    ("landuse is null", "P4"),
    ("landuse is not None", "P1 P2 P3 P5"),
    ("landuse == null", "P4"),
    ("landuse != None", "P1 P2 P3 P5"),
    ("isnull(floors)", "P3"),
    ("notnull(tenant)", "P1 P2 P4 P5"),
    ("tenant.isna()", "P3"),
    ("floors.notna()", "P1 P2 P4 P5"),
    ("landuse is null or floors is null", "P3 P4"),
    # true/false columns and literals
    ("main", "P1 P3"),
    ("not main", "P2 P5"),
    ("main == false", "P2 P5"),
    ("main == True", "P1 P3"),
    ("true", "P1 P2 P3 P4 P5"),
    ("False", ""),
    # Vietnamese text, and a column name with a space in backticks
    ("tenant == 'Công ty Tằng Loỏng'", "P1 P4"),
    ('tenant == "Phố Lu" or tenant == \'Xuân Giao\'', "P2 P5"),
    ("`tên khu` == 'Phố Lu'", "P2 P5"),
    ("`tên khu` in ['Gia Phú', 'Xuân Giao'] and landuse is not null", "P3"),
    # precedence: not before and before or; * / % before + -
    ("landuse == 'CN' or landuse == 'CX' and floors > 3", "P1 P2"),
    ("(landuse == 'CN' or landuse == 'CX') and floors > 3", "P2"),
    ("not landuse == 'CN' and floors > 1", "P2"),
    ("floors * 2 + 1 == 5", "P1"),
    ("1 + floors * 2 == 13", "P2"),
    ("(1 + floors) * 2 == 14", "P2"),
    # arithmetic (25/2 12.5, 24.5/2 12.25, 29.7/2 14.85, 0.5, 4.45)
    ("area_ha / 2 > 12", "P1 P2 P3"),
    ("area_ha - floors > 20", "P1"),
    ("floors % 2 == 0", "P1 P2 P5"),
    ("-floors < -1", "P1 P2"),
    # division by zero gives a missing value (8.9 / 0 on P5)
    ("area_ha / floors > 20", ""),
    ("isnull(area_ha / floors)", "P3 P5"),
    # a YAML block may break the line; leading spaces are fine
    ("  landuse == 'CN'\n  or landuse == 'DPT'", "P1 P5"),
]


@pytest.mark.parametrize(("text", "expected"), MASKS)
def test_masks_worked_out_by_hand(frame, text, expected):
    mask = select(frame, text)
    assert mask.dtype == bool and mask.shape == (5,)
    assert rows(mask) == expected


def test_columns_read_and_the_frame_is_untouched(frame):
    before = frame.copy()
    where = parse_where("landuse in ['CN'] and `tên khu` != 'x' or floors * 2 > area_ha")
    assert where.columns == ("landuse", "tên khu", "floors", "area_ha")
    where.mask(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_string_dtype_and_nullable_numbers(frame):
    typed = frame.astype({"landuse": "string", "floors": "Int64"})
    assert rows(select(typed, "landuse != 'CN' and floors >= 0")) == "P2 P5"
    assert rows(select(typed, "landuse is null")) == "P4"


HOSTILE = [
    # (text, the column reported, the words of the reason)
    ("__import__('os').system('id')", 1, "calls are not part of the where language"),
    ("@pd.io.common.os.system('id')", 1, "'@' names Python variables"),
    ("landuse == @x", 12, "'@' names Python variables"),
    ("().__class__.__bases__", 1, "attribute access"),
    ("landuse.__class__ == 'x'", 1, "attribute access"),
    ("tenant.str.upper() == 'A'", 1, "calls are not part"),
    ("landuse[0] == 'C'", 1, "subscripts"),
    ("landuse == (lambda: 1)", 13, "lambdas"),
    ("[x for x in landuse] == 1", 1, "comprehensions"),
    ("landuse == f'{tenant}'", 12, "f-strings"),
    ("(x := 1)", 2, "assignments (:=)"),
    ("__builtins__ == 1", 1, "names starting with __"),
    ("landuse == 'a'; import os", 15, "';' separates code"),
    ("floors ** 99 > 1", 1, "only + - * / %"),
    ("landuse if floors else tenant", 1, "'x if c else y'"),
    ("landuse == {'a': 1}", 12, "dictionaries"),
    ("landuse == 'CN' # or 1", 17, "comments"),
    ("eval('1') == 1", 1, "calls are not part"),
    ("open('/etc/passwd')", 1, "calls are not part"),
    # the position counts characters, not bytes, in Vietnamese text
    ("tenant == 'Phố Lu' and x.y", 24, "attribute access"),
    ("landuse = 'CN'", 9, "assigns a value instead of comparing"),
    ("landuse is 'CN'", 12, "'is' only tests for null"),
    ("floors > null", 10, "null can only be tested with == or !="),
    ("landuse in tenant", 12, "'in' needs a list"),
    ("landuse in [tenant]", 13, "may hold only quoted text, numbers and true/false"),
    ("landuse == 'CN' and", 20, "cannot be read"),
    ("tenant == ('VTM'", 11, "is never closed"),
    ("landuse == 'CN')", 16, "closes nothing"),
    ("floors + 1", 1, "not true/false for each feature"),
    ("'CN'", 1, "not true/false for each feature"),
    ("floors == 1e999", 11, "too large"),
    ("not " * (MAX_DEPTH + 1) + "main", 4 * (MAX_DEPTH + 1) + 1, f"nested more than {MAX_DEPTH}"),
    ("1" + "+1" * 900 + " > floors", 1, f"nested more than {MAX_DEPTH}"),
    ("(" * 250 + "main" + ")" * 250, 200, "too many nested parentheses"),
]


@pytest.mark.parametrize(("text", "column", "why"), HOSTILE)
def test_hostile_text_is_refused_with_its_position(text, column, why):
    with pytest.raises(ExprError) as info:
        parse_where(text)
    message = str(info.value)
    assert f"column {column}" in message, message
    assert why in message, message
    assert "Fix: " in message and message.endswith(".")
    assert text[:60] in message  # the expression is named (the start of a long one)


def test_too_long_and_empty_text():
    with pytest.raises(ExprError, match=f"at most {MAX_LENGTH:,}"):
        parse_where("landuse == 'CN' or " * 200 + "main")
    with pytest.raises(ExprError, match="empty"):
        parse_where("   ")


RUNTIME = [
    ("landuse == 5", "column 'landuse' (text) cannot be compared with 5 (a number)"),
    ("floors == 'six'", "column 'floors' (a number) cannot be compared with 'six' (text)"),
    ("landuse in ['CN', 1]", "cannot be compared"),
    ("tenant + 1 > 2", "+ works on numbers only, and column 'tenant' holds text"),
    ("tenant", "column 'tenant' holds text, not true/false for each feature"),
    ("main > true", "cannot be ordered"),
    (
        "tenat == 'x'",
        (
            "no column 'tenat' in the layer. Fix: use one of its columns: parcel_id, landuse, "
            "tenant, floors, area_ha, main, tên khu"
        ),
    ),
]


@pytest.mark.parametrize(("text", "words"), RUNTIME)
def test_evaluation_errors_name_the_column(frame, text, words):
    with pytest.raises(ExprError) as info:
        select(frame, text)
    assert words in str(info.value), str(info.value)
    assert str(info.value).startswith(repr(text) + ", column ")


def test_expr_error_is_an_eipgis_input_error():
    from eipgis.errors import EipgisError, InputError

    with pytest.raises(ExprError) as info:
        parse_where("x.y")
    assert isinstance(info.value, InputError) and isinstance(info.value, EipgisError)
    assert isinstance(info.value, ValueError)


# --- scenario files: refused when read, by every command ---------------------------------------


def test_scenario_file_is_checked_when_read():
    data = {
        "schema_version": 1,
        "name": "hostile",
        "park": "does-not-exist.gpkg",
        "operations": [
            {"op": "green_strip", "width_m": 10},
            {"op": "rezone", "where": "landuse == 'CN'", "to": "green"},
            {"op": "set", "layer": "facilities", "where": "__import__('os')", "values": {"a": 1}},
        ],
    }
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data, source="scenario.yaml")
    message = str(info.value)
    assert message.startswith("scenario.yaml: invalid scenario file")
    assert (
        "operations[2].where: \"__import__('os')\" is not allowed at column 1 (calls are not "
        "part of the where language" in message
    )


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    write_park(tmp_path / "square.gpkg", square_park_layers())
    return tmp_path


PAYLOADS = [
    "__import__('os').system('touch {marker}')",
    "@pd.io.common.os.system('touch {marker}')",
    "landuse == 'CN' or @np.__builtins__['exec'](\"open('{marker}', 'w')\")",
    "tenant.__class__.__mro__[1].__subclasses__() == 'touch {marker}'",
]

COMMANDS = [
    ["scenario", "run", "{scenario}", "-o", "{folder}/out"],
    ["scenario", "compare", "{scenario}", "-o", "{folder}/out/compare.md"],
    ["map", "{folder}/square.gpkg", "--scenario", "{scenario}", "-o", "{folder}/out/map.html"],
    ["report", "{folder}/square.gpkg", "--scenario", "{scenario}", "-o", "{folder}/out/r.md"],
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_hostile_scenario_runs_nothing(hostile_folder, capsys, payload, command):
    from eipgis.cli import main

    folder = hostile_folder
    marker = folder / "pwned"
    data = {
        "schema_version": 1,
        "name": "hostile",
        "park": "square.gpkg",
        "operations": [
            {"op": "rezone", "where": payload.format(marker=marker), "to": "green"}
        ],
    }
    scenario = folder / "hostile.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = scenario.read_bytes()
    park_before = (folder / "square.gpkg").read_bytes()
    args = [a.format(scenario=scenario, folder=folder) for a in command]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "operations[0].where" in err and "is not allowed at column" in err
    assert "Traceback" not in err
    assert not marker.exists()
    assert scenario.read_bytes() == before
    assert (folder / "square.gpkg").read_bytes() == park_before
    assert not (folder / "out").exists()


def test_shipped_scenarios_still_read_and_their_where_selects(tmp_path):
    root = Path(__file__).resolve().parents[1] / "scenarios"
    wheres = []
    for path in sorted(root.glob("*.yaml")):
        sc = Scenario.from_yaml(path)
        wheres += [op.where for op in sc.operations if getattr(op, "where", None)]
    assert "landuse == 'DPT'" in wheres
    lu = pd.DataFrame({"landuse": ["DPT", "CN", None]})
    assert rows(select(lu, "landuse == 'DPT'")) == "P1"


# --- random text: only ExprError, and nothing is ever run ---------------------------------------

_TOKENS = [
    "landuse", "floors", "main", "tenant", "`tên khu`", "x", "__import__", "__class__", "os",
    "'CN'", '"Phố Lu"', "'a\\'b'", "0", "2", "-1", "1e3", "1e999", "null", "None", "true",
    "False", "==", "!=", "<", "<=", ">", ">=", "=", "and", "or", "not", "in", "is", "+", "-", "*",
    "/", "%", "**", "//", "(", ")", "[", "]", "{", "}", ",", ".", ":", ":=", "@", "lambda",
    "for", "if", "else", "isnull", "notnull", ".isna()", ".notna()", "system('id')", "#", ";",
    "`", "'", '"', "\\", "\n", "f'", "yield", "*",
]

_RUN: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if _RUN and event in ("exec", "os.system", "subprocess.Popen", "os.posix_spawn", "open"):
        _RUN.append(event)


sys.addaudithook(_audit)


def _check_random(frame: pd.DataFrame, text: str) -> None:
    _RUN[:] = ["watching"]
    try:
        try:
            mask = parse_where(text).mask(frame)
        except ExprError as exc:
            assert str(exc).endswith(".") and "Fix: " in str(exc)
        else:
            assert mask.dtype == bool and mask.shape == (len(frame),)
        assert _RUN == ["watching"], f"{text!r} ran {_RUN[1:]}"
    finally:
        _RUN.clear()


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_TOKENS), max_size=14).map(" ".join))
def test_random_token_soup_only_gives_expr_errors(frame, text):
    _check_random(frame, text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_random_text_only_gives_expr_errors(frame, text):
    _check_random(frame, text)


def test_vietnamese_text_matches_in_either_unicode_form():
    """'Tằng Loỏng' typed decomposed (NFD, as macOS keyboards send it) matches the stored NFC text."""
    import unicodedata

    frame = pd.DataFrame({"tenant": ["Tằng Loỏng", "Phố Lu", None]})
    nfd = unicodedata.normalize("NFD", "Tằng Loỏng")
    assert nfd != "Tằng Loỏng"
    assert list(parse_where(f"tenant == '{nfd}'").mask(frame)) == [True, False, False]
    assert list(parse_where(f"tenant in ['{nfd}', 'x']").mask(frame)) == [True, False, False]
    decomposed = frame.assign(tenant=frame["tenant"].map(
        lambda s: unicodedata.normalize("NFD", s) if isinstance(s, str) else s))
    assert list(parse_where("tenant == 'Phố Lu'").mask(decomposed)) == [False, True, False]
