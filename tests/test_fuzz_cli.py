"""Property tests: mutated planner files never make the command line crash (issue 9, "Done when").

Real files (criteria set, scenarios, flow inventory, opportunity register) are mutated: lines deleted
or duplicated, values swapped for huge, negative, infinite, NaN, string or YAML-special values,
bytes flipped, Unicode inserted. Whatever the file says, the command ends with exit 0, 1 or 2 and a
message; never exit 70 (a bug) nor an uncaught exception.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from conftest import square_park_layers, write_park
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eipgis.cli import main

ROOT = Path(__file__).parents[1]
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HOSTILE_VALUES = [
    "1e309", "-1e309", ".inf", "-.inf", ".nan", "-1", "0", "1e30", "-0.0", "9" * 5000, "0x1F", "1_000",
    "'x'", "[]", "{}", "[1, [2, [3]]]", "null", "~", "true", "no", "''", '"\\u0000"', "Tằng Loỏng",
    "\u202e\u0301", "=HYPERLINK(\"x\")", "2026-13-45", "2026-02-29", "&a x", "*a", "!!binary x",
    "!!python/name:os.system", "? x", "- a", "|", ">-", "%YAML 1.1", "@x", "`x`", "\t", "a: b: c",
]

SCENARIO = """schema_version: 1
name: Square restructured
name_vi: Khu vuông
park: square.gpkg
criteria: vn-qcvn-01-2021
operations:
  - op: rezone
    parcels: [P3]
    to: green
    note: a park
  - op: rezone
    where: "parcel_id == 'P2'"
    to: CX
  - op: green_strip
    width_m: 10
    sides: all
  - op: carve
    name: WWTP extension
    geometry: POLYGON ((400600 2480600, 400700 2480600, 400700 2480700, 400600 2480700, 400600 2480600))
    to: technical
"""

FLOWS_CSV = """# flows of the square park
node,direction,material,quantity,unit,temperature_c
F1,supply,blast_furnace_slag,100,kt/yr,
F2,demand,cement_additive,50000,t/yr,
P1,supply,treated effluent,10,m³/day,
Thôn Làng Mới,demand,irrigation_water,1,m3/d,
F1,supply,waste heat,2,MW,180
"""

FLOWS_YAML = """flows:
  - {node: F1, direction: supply, material: blast_furnace_slag, quantity: 100, unit: kt/yr}
  - node: F2
    direction: demand
    material: cement_additive
    quantity: 50000
    unit: t/yr
"""


@st.composite
def mutated(draw: st.DrawFn, base: str) -> bytes:
    """``base`` with one to four mutations of its lines, values or bytes."""
    lines = base.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "value", "value", "field", "insert", "byte"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        line = lines[at]
        value = draw(st.sampled_from(HOSTILE_VALUES) | st.text(max_size=12))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, line)
        elif kind == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[at] = f"{key}: {value}\n"
        elif kind == "field" and "," in line:
            fields = line.rstrip("\n").split(",")
            fields[draw(st.integers(0, len(fields) - 1))] = value
            lines[at] = ",".join(fields) + "\n"
        elif kind == "insert":
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + value + line[cut:]
        else:
            data = bytearray("".join(lines).encode("utf-8"))
            if data:
                data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
            return bytes(data)
    return "".join(lines).encode("utf-8")


def run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code: int | str | None = None
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    return code, err.getvalue()  # type: ignore[return-value]


def assert_handled(args: list[str], data: bytes) -> None:
    code, err = run(args)
    shown = data[:3000].decode("utf-8", "replace")
    assert code in (0, 1, 2), f"exit {code} for eipgis {' '.join(args)}\n{err}\n--- the file ---\n{shown}"
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith(("eipgis: error: ", "Error: ", "Usage: ")), err


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    write_park(folder / "square.gpkg", square_park_layers())
    return folder


@pytest.fixture(autouse=True)
def _crash_dir(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIPGIS_CRASH_DIR", str(work / "crash"))
    monkeypatch.chdir(work)


@FUZZ
@given(data=mutated((ROOT / "src/eipgis/criteria/vn-qcvn-01-2021.yaml").read_text(encoding="utf-8")))
def test_mutated_criteria_file(work: Path, data: bytes) -> None:
    (work / "criteria.yaml").write_bytes(data)
    assert_handled(["check", "square.gpkg", "--criteria", "criteria.yaml", "--format", "json"], data)


def _scenario_bases() -> list[str]:
    """The square scenario, and the real scenario files pointed at the square park."""
    bases = [SCENARIO]
    for f in sorted((ROOT / "scenarios").glob("*.yaml")):
        bases.append("".join(
            "park: square.gpkg\n" if line.startswith("park:") else line
            for line in f.read_text(encoding="utf-8").splitlines(keepends=True)))
    return bases


@FUZZ
@given(data=st.sampled_from(_scenario_bases()).flatmap(mutated))
def test_mutated_scenario_file(work: Path, data: bytes) -> None:
    (work / "scenario.yaml").write_bytes(data)
    assert_handled(["scenario", "compare", "scenario.yaml", "--format", "json"], data)


@FUZZ
@given(data=mutated(FLOWS_CSV), suffix=st.sampled_from([".csv"]))
def test_mutated_flow_csv(work: Path, data: bytes, suffix: str) -> None:
    (work / f"flows{suffix}").write_bytes(data)
    assert_handled(["symbiosis", "square.gpkg", "--flows", f"flows{suffix}", "-o", "out", "--overwrite"],
                   data)


@FUZZ
@given(data=mutated(FLOWS_YAML))
def test_mutated_flow_yaml(work: Path, data: bytes) -> None:
    (work / "flows.yaml").write_bytes(data)
    assert_handled(["symbiosis", "square.gpkg", "--flows", "flows.yaml", "-o", "out", "--overwrite"], data)


REGISTER = (ROOT / "layers/tang_loong_register.csv").read_text(encoding="utf-8")


@FUZZ
@given(data=mutated(REGISTER),
       status=st.sampled_from(["implemented", "abandoned", "feasibility", "=1+1", ""]))
def test_mutated_register(work: Path, data: bytes, status: str) -> None:
    (work / "register.csv").write_bytes(data)
    assert_handled(["register", "show", "register.csv", "--since", "2020-01-01"], data)
    assert_handled(["register", "report", "register.csv", "--since", "2020-01-01", "-o", "report.md",
                    "--overwrite"], data)
    assert_handled(["register", "update", "register.csv", "--id", "IS-01", "--status", status,
                    "--date", "2026-01-02", "--note", "fuzz"], data)


def test_the_bases_are_accepted(work: Path) -> None:
    """The unmutated files run (exit 0): the fuzzing starts from files that work."""
    (work / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    (work / "flows.csv").write_text(FLOWS_CSV, encoding="utf-8")
    (work / "flows.yaml").write_text(FLOWS_YAML, encoding="utf-8")
    shutil.copy(ROOT / "layers/tang_loong_register.csv", work / "register.csv")
    for args in (["scenario", "compare", "scenario.yaml"],
                 ["symbiosis", "square.gpkg", "--flows", "flows.csv", "-o", "out", "--overwrite"],
                 ["symbiosis", "square.gpkg", "--flows", "flows.yaml", "-o", "out", "--overwrite"],
                 ["register", "update", "register.csv", "--id", "IS-01", "--status", "implemented",
                  "--date", "2026-01-02"]):
        code, err = run(args)
        assert code == 0, f"{args}: {err}"
