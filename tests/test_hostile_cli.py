"""Hostile inputs to the command line (issue 9, items 4 and 7).

Each case checks what a planner relies on: the exit code, a message that names the culprit and the
fix, inputs byte-identical afterwards, and nothing left behind (no output, no temporary file).
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import square_park_layers, write_park

from eipgis.cli import main

SCENARIO = """schema_version: 1
name: Green P3
park: square.gpkg
criteria: vn-qcvn-01-2021
operations:
  - op: rezone
    parcels: [P3]
    to: green
"""


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under a folder (hidden ones too): inputs unchanged, nothing added."""
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file() and not f.is_symlink()
    } | {str(f.relative_to(folder)): "link" for f in folder.rglob("*") if f.is_symlink()}


def run_cli(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    _, err = capsys.readouterr()
    return info.value.code, err


def run_process(args: list[object], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process with a timeout: a regression that blocks fails, it does not hang."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    return subprocess.run([sys.executable, "-m", "eipgis", *map(str, args)], check=False, cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the square park, a scenario on it, and the crash folder kept apart."""
    write_park(tmp_path / "square.gpkg", square_park_layers())
    (tmp_path / "green.yaml").write_text(SCENARIO, encoding="utf-8")
    monkeypatch.setenv("EIPGIS_CRASH_DIR", str(tmp_path.parent / f"{tmp_path.name}-crash"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def assert_refused(code: int, err: str, *, culprit: str, fix: str) -> None:
    assert code == 2, err
    assert culprit in err and f"Fix: {fix}" in err, err
    assert "Traceback" not in err and err.count("\n") <= 1, err


# --- 4. inputs are never outputs -----------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["check", "square.gpkg"],
    ["map", "square.gpkg"],
    ["rasterize", "square.gpkg"],
    ["optimize", "square.gpkg"],
    ["report", "square.gpkg"],
])
def test_output_onto_the_park_is_refused_even_with_overwrite(command, work, capsys):
    before = digest(work)
    code, err = run_cli([*command, "-o", "square.gpkg", "--overwrite"], capsys)
    assert_refused(code, err, culprit="square.gpkg: is an input of this command (the park); eipgis "
                   "never writes over an input", fix="choose another output path.")
    assert digest(work) == before


@pytest.mark.parametrize("spelling", ["./sub/../square.gpkg", "{work}/square.gpkg", "link.gpkg",
                                      "hard.gpkg"])
def test_other_spellings_of_the_park_are_refused(spelling, work, capsys):
    (work / "sub").mkdir()
    (work / "link.gpkg").symlink_to(work / "square.gpkg")
    os.link(work / "square.gpkg", work / "hard.gpkg")
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", spelling.format(work=work), "--overwrite"], capsys)
    assert_refused(code, err, culprit="is an input of this command (the park)",
                   fix="choose another output path.")
    assert digest(work) == before


def test_compare_onto_a_scenario_file_is_refused(work, capsys):
    (work / "base.yaml").write_text("schema_version: 1\nname: Base\npark: square.gpkg\n", encoding="utf-8")
    before = digest(work)
    code, err = run_cli(["scenario", "compare", "base.yaml", "green.yaml", "-o", "green.yaml",
                         "--overwrite"], capsys)
    assert_refused(code, err, culprit="green.yaml: is an input of this command (a scenario file)",
                   fix="choose another output path.")
    assert digest(work) == before


def test_output_onto_the_criteria_file_or_the_park_a_scenario_names(work, capsys):
    (work / "my-criteria.yaml").write_text(
        (Path(__file__).parents[1] / "src/eipgis/criteria/vn-qcvn-01-2021.yaml").read_text("utf-8"),
        encoding="utf-8")
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "--criteria", "my-criteria.yaml", "-o",
                         "my-criteria.yaml", "--overwrite"], capsys)
    assert_refused(code, err, culprit="is an input of this command (the criteria file)",
                   fix="choose another output path.")
    code, err = run_cli(["scenario", "compare", "green.yaml", "-o", "square.gpkg", "--overwrite"], capsys)
    assert_refused(code, err, culprit="is an input of this command (the park green.yaml names)",
                   fix="choose another output path.")
    assert digest(work) == before


def test_scenario_run_into_the_park_folder_is_refused(work, capsys):
    # The run would write square.gpkg (after the scenario's stem) over the park it read.
    (work / "square.yaml").write_text(SCENARIO, encoding="utf-8")
    before = digest(work)
    code, err = run_cli(["scenario", "run", "square.yaml", "-o", ".", "--overwrite"], capsys)
    assert_refused(code, err, culprit="square.gpkg: is an input of this command",
                   fix="choose another output path.")
    assert digest(work) == before


def test_a_layer_file_in_a_park_folder_is_refused(work, capsys):
    folder = work / "park"
    folder.mkdir()
    for name, frame in square_park_layers().items():
        frame.to_file(folder / f"{name}.geojson", engine="pyogrio")
    before = digest(work)
    code, err = run_cli(["check", "park", "-o", "park/landuse.geojson", "--overwrite"], capsys)
    assert_refused(code, err, culprit="is an input of this command (the park)",
                   fix="choose another output path.")
    code, err = run_cli(["check", "park", "-o", "park/plot_green.json"], capsys)
    assert_refused(code, err, culprit="would be read as layer 'plot_green' of the park",
                   fix="choose another output folder.")
    assert digest(work) == before


def test_symbiosis_output_folder_holding_the_flows_is_refused(work, capsys):
    (work / "links.csv").write_text("node,direction,material,quantity,unit\n"
                                    "F1,supply,blast_furnace_slag,100,t/yr\n", encoding="utf-8")
    before = digest(work)
    code, err = run_cli(["symbiosis", "square.gpkg", "--flows", "links.csv", "-o", ".", "--overwrite"],
                        capsys)
    assert_refused(code, err, culprit="links.csv: is an input of this command (the flow inventory)",
                   fix="choose another output path.")
    assert digest(work) == before


def test_register_add_links_from_the_register_itself_is_refused(work, capsys):
    register = Path(__file__).parents[1] / "layers/tang_loong_register.csv"
    (work / "register.csv").write_bytes(register.read_bytes())
    before = digest(work)
    code, err = run_cli(["register", "add-links", "register.csv", "--links", "register.csv",
                         "--date", "2026-01-01"], capsys)
    assert_refused(code, err, culprit="is an input of this command (the links file)",
                   fix="choose another output path.")
    assert digest(work) == before


# --- non-regular files and folders as inputs ------------------------------------------------


@pytest.mark.parametrize("args", [
    ["check", "pipe"],
    ["check", "square.gpkg", "--criteria", "pipe"],
    ["scenario", "run", "pipe"],
    ["check", "square.gpkg", "--landuse-mapping", "pipe"],
    ["register", "show", "pipe"],
])
def test_a_named_pipe_is_refused_without_opening_it(args, work):
    os.mkfifo(work / "pipe")
    before = digest(work)
    result = run_process(args, work)  # a regression blocks on open(): the timeout fails the test
    assert result.returncode == 2, result.stderr
    assert "pipe: is a named pipe (FIFO), not a file; eipgis reads only regular files" in result.stderr
    assert "Fix: give the path of the" in result.stderr and "Traceback" not in result.stderr
    assert digest(work) == before


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_park_folder_whose_layer_file_is_a_pipe_or_device(kind, work):
    """A folder park's layer file is never opened when it is a named pipe or a symlink to /dev/zero."""
    park = work / "park"
    park.mkdir()
    for name, frame in square_park_layers().items():
        if name != "buildings":
            frame.to_file(park / f"{name}.geojson", driver="GeoJSON")
    if kind == "fifo":
        os.mkfifo(park / "buildings.geojson")
    else:
        os.symlink("/dev/zero", park / "buildings.geojson")
    result = run_process(["check", "park"], work)  # a regression blocks or reads forever
    assert result.returncode == 2, result.stderr
    what = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    assert f"buildings.geojson: is {what}, not a file" in result.stderr
    assert "Fix: give the path of the file of layer 'buildings' itself" in result.stderr


def test_criteria_path_a_folder(work, capsys):
    (work / "criteria").mkdir()
    code, err = run_cli(["check", "square.gpkg", "--criteria", "criteria"], capsys)
    assert_refused(code, err, culprit="criteria: is a folder, not a file",
                   fix="give the path of the criteria file inside it.")


# --- 3. one safe reader for planner text files -----------------------------------------------


def test_non_utf8_yaml_names_the_line_and_byte(work, capsys):
    (work / "c.yaml").write_bytes(b"schema_version: 1\ntitle: caf\xe9\n")  # Latin-1, as Notepad saves
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "--criteria", "c.yaml"], capsys)
    assert_refused(code, err, culprit="c.yaml: is not UTF-8 text (byte", fix="save it as UTF-8")
    assert "byte 28 on line 2 is b'\\xe9'" in err and "CSV UTF-8" in err
    assert digest(work) == before


def test_non_utf8_csv_mapping_and_flows(work, capsys):
    (work / "map.csv").write_bytes(b"value,class\nC\xf4ng nghi\xea\xbep,industrial\n")
    code, err = run_cli(["check", "square.gpkg", "--landuse-mapping", "map.csv"], capsys)
    assert_refused(code, err, culprit="map.csv: is not UTF-8 text (byte 13 on line 2 is b'\\xf4')",
                   fix="save it as UTF-8")
    (work / "flows.csv").write_bytes(b"node,direction,material,quantity,unit\nF1,supply,x\xe1,1,t/yr\n")
    code, err = run_cli(["symbiosis", "square.gpkg", "--flows", "flows.csv", "-o", "out"], capsys)
    assert_refused(code, err, culprit="flows.csv: is not UTF-8 text (byte 49 on line 2",
                   fix="save it as UTF-8")
    assert not (work / "out").exists()


def test_utf8_bom_is_accepted(work, capsys):
    (work / "map.csv").write_bytes(b"\xef\xbb\xbfvalue,class\nCNX,industrial\n")
    code, err = run_cli(["check", "square.gpkg", "--landuse-mapping", "map.csv"], capsys)
    assert code == 0, err


@pytest.mark.parametrize(("text", "culprit"), [
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "lists and mappings nested more than 64 deep, at line 1"),
    ("schema_version: 1\nname: " + "9" * 5000 + "\n", "a number with 5,000 digits at line 2, column 7"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdefg", "bcdefgh", strict=True)),
     "holds more than 200,000 values once its aliases (*name) are expanded"),
    ("a: 2026-13-45\n", "a value cannot be read (month must be in 1..12)"),
    ("!!python/object/apply:os.system [echo hi]\n", "not valid YAML at line 1"),
])
def test_hostile_yaml_criteria_and_scenario(text, culprit, work, capsys):
    (work / "bad.yaml").write_text(text, encoding="utf-8")
    before = digest(work)
    for args in (["check", "square.gpkg", "--criteria", "bad.yaml"], ["scenario", "run", "bad.yaml"]):
        code, err = run_cli(args, capsys)
        assert_refused(code, err, culprit=f"bad.yaml: {culprit}", fix="")
    assert digest(work) == before


def test_top_level_not_a_mapping(work, capsys):
    (work / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    code, err = run_cli(["scenario", "run", "list.yaml"], capsys)
    assert_refused(code, err, culprit="list.yaml: expected a mapping (lines 'key: value') at the top "
                   "level, found a list", fix="compare the scenario file with an example")
    code, err = run_cli(["check", "square.gpkg", "--criteria", "list.yaml"], capsys)
    assert code == 2 and "list.yaml" in err and "Traceback" not in err


def test_oversized_text_file(work, capsys, monkeypatch):
    from eipgis import io

    monkeypatch.setattr(io, "MAX_TEXT_BYTES", 1000)
    (work / "big.yaml").write_text("# padding\n" * 200, encoding="utf-8")
    code, err = run_cli(["check", "square.gpkg", "--criteria", "big.yaml"], capsys)
    assert_refused(code, err, culprit="big.yaml: is 2,000 bytes, more than the 1,000 bytes a criteria "
                   "file may have", fix="check that this is the right file.")


# --- 7. OS errors are exit 2 with the path and the reason -------------------------------------


def test_output_folder_not_writable(work, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", "out/report.json"], capsys)
    assert_refused(code, err, culprit="out/report.json: cannot be written (Permission denied)",
                   fix="check its permissions or choose a folder you can write to.")
    assert digest(work) == before  # the created folder is empty: no temporary file left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(work, capsys):
    (work / "ro").mkdir()
    (work / "ro").chmod(0o500)
    try:
        code, err = run_cli(["check", "square.gpkg", "-o", "ro/report.json"], capsys)
    finally:
        (work / "ro").chmod(0o700)
    assert_refused(code, err, culprit="ro/report.json: cannot be written (Permission denied)", fix="")
    assert list((work / "ro").iterdir()) == []


@pytest.mark.parametrize("output", ["report.json", "park.gpkg.tif"])
def test_disk_full(output, work, capsys, monkeypatch):
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).endswith(output):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    before = digest(work)
    command = "check" if output.endswith(".json") else "rasterize"
    code, err = run_cli([command, "square.gpkg", "-o", output], capsys)
    assert_refused(code, err, culprit=f"{output}: cannot be written (No space left on device)",
                   fix="free some disk space or choose another disk.")
    assert digest(work) == before


def test_disk_full_while_writing(work, capsys, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", "report.md"], capsys)
    assert_refused(code, err, culprit="report.md: cannot be written (No space left on device)",
                   fix="free some disk space or choose another disk.")
    assert digest(work) == before


def test_output_path_a_folder(work, capsys):
    (work / "maps").mkdir()
    for args in (["map", "square.gpkg", "-o", "maps"], ["check", "square.gpkg", "-o", "maps"]):
        code, err = run_cli([*args, "--overwrite"], capsys)
        assert code == 2 and "maps" in err and "Traceback" not in err, err
    assert list((work / "maps").iterdir()) == []


def test_output_parent_is_a_file(work, capsys):
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", "green.yaml/report.json"], capsys)
    assert_refused(code, err, culprit="green.yaml: cannot create the output folder", fix="")
    assert digest(work) == before


def test_file_name_too_long(work, capsys):
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", "r" * 300 + ".json"], capsys)
    assert_refused(code, err, culprit="(File name too long)", fix="choose a shorter file name.")
    assert digest(work) == before


def test_os_error_from_deep_inside_names_the_path(work, capsys, monkeypatch):
    import eipgis.park

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/parks/square.gpkg")

    monkeypatch.setattr(eipgis.park, "load_park", denied)
    code, err = run_cli(["check", "square.gpkg"], capsys)
    assert_refused(code, err, culprit="/srv/parks/square.gpkg: cannot be read or written (Permission "
                   "denied)", fix="check its permissions")


# --- 7. the truly unexpected: one line, a saved traceback, exit 70 ------------------------------


@pytest.mark.parametrize("exc", [ZeroDivisionError("float division by zero"),
                                 RecursionError("maximum recursion depth exceeded")])
def test_unexpected_error_exit_70_with_a_saved_traceback(exc, work, capsys, monkeypatch):
    import eipgis.criteria

    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr(eipgis.criteria, "check", broken)
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", "report.json"], capsys)
    assert code == 70
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    name = type(exc).__name__
    assert lines[0].startswith(f"eipgis: internal error (a bug): {name}: {exc}. The traceback is saved in ")
    assert lines[0].endswith("; please send it to the eipgis developers.")
    saved = Path(lines[0].split("saved in ")[1].split("; please")[0])
    assert saved.parent == work.parent / f"{work.name}-crash"
    text = saved.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and f"{name}: {exc}" in text
    assert digest(work) == before


def test_earlier_outputs_in_a_folder_are_listed_together(work, capsys):
    (work / "out").mkdir()
    (work / "out/links.csv").write_text("earlier links", encoding="utf-8")
    (work / "out/symbiosis.json").write_text("{}", encoding="utf-8")
    (work / "flows.csv").write_text("node,direction,material,quantity,unit\n"
                                    "F1,supply,blast_furnace_slag,100,t/yr\n", encoding="utf-8")
    before = digest(work)
    code, err = run_cli(["symbiosis", "square.gpkg", "--flows", "flows.csv", "-o", "out"], capsys)
    assert_refused(code, err, culprit="out/links.csv, out/symbiosis.json: exist already",
                   fix="choose another output folder or pass --overwrite.")
    assert digest(work) == before


@pytest.mark.parametrize("output", ["/dev/null", "pipe"])
def test_output_onto_a_device_or_pipe_is_refused(output, work, capsys):
    os.mkfifo(work / "pipe")
    before = digest(work)
    code, err = run_cli(["check", "square.gpkg", "-o", output, "--overwrite"], capsys)
    kind = "a device" if output == "/dev/null" else "a named pipe (FIFO)"
    assert_refused(code, err, culprit=f"{output}: is {kind}; eipgis writes outputs as regular files only",
                   fix="choose another output path (without -o the result is printed).")
    assert Path("/dev/null").is_char_device()
    assert digest(work) == before


def test_unreadable_criteria_file(work, capsys, monkeypatch):
    (work / "c.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("c.yaml"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    code, err = run_cli(["check", "square.gpkg", "--criteria", "c.yaml"], capsys)
    assert_refused(code, err, culprit="c.yaml: cannot be read as the criteria file (Permission denied)",
                   fix="check that you may read it (its permissions)")


def test_utf16_csv_is_refused_with_the_excel_fix(work, capsys):
    (work / "map.csv").write_bytes("value,class\nCNX,industrial\n".encode("utf-16-le"))
    code, err = run_cli(["check", "square.gpkg", "--landuse-mapping", "map.csv"], capsys)
    assert_refused(code, err, culprit="map.csv: holds a NUL byte (byte 1 on line 1): it is UTF-16",
                   fix="save it as UTF-8 (in Excel: Save As → CSV UTF-8).")
