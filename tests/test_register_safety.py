"""The register shared by several planners: locked updates, killed updates, formula cells, bad files."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eipgis.cli import main
from eipgis.symbiosis import RegisterError, add_links, read_register, update_register
from eipgis.symbiosis.register import RegisterBusyError, neutralise, restore

SRC = Path(__file__).resolve().parents[1] / "src"
HEADER = "id,date,status,title,partners,material,barriers,next_step,note,source,link\n"
LINKS_HEADER = "link_id,supplier,receiver,material,use,quantity,unit,distance_m,network,kind\n"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


def _eipgis(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "eipgis", *map(str, args)], env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return int(done.value.code), capsys.readouterr().err


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(HEADER + "IS-01,2025-01-01,identified,Xỉ → xi măng,F1 → F2,slag,,,,notes §3,\n"
                    "IS-02,2025-02-01,identified,PG → tấm,F3 → F4,phosphogypsum,,,,notes §3,\n", encoding="utf-8")
    return path


# --- (a) simultaneous updates ----------------------------------------------------------------


def test_twenty_pairs_of_simultaneous_updates_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(HEADER + "".join(f"IS-{k:02d},2025-01-01,identified,Opportunity {k},,,,,,s,\n"
                                     for k in range(1, 41)), encoding="utf-8")
    for pair in range(20):
        ids = (f"IS-{2 * pair + 1:02d}", f"IS-{2 * pair + 2:02d}")
        procs = [_eipgis("register", "update", path, "--id", oid, "--status", "feasibility",
                         "--note", f"study {oid}", "--date", "2026-03-01") for oid in ids]
        for oid, proc in zip(ids, procs):
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert f"{oid}: feasibility on 2026-03-01 recorded" in err
    events = read_register(path)
    assert len(events) == 80
    studies = events[events["status"].eq("feasibility")]
    assert sorted(studies["id"]) == [f"IS-{k:02d}" for k in range(1, 41)]
    assert (studies["note"] == "study " + studies["id"]).all()


def test_a_held_lock_gives_a_clear_error_and_changes_nothing(reg: Path, capsys, monkeypatch) -> None:
    from filelock import FileLock

    before = reg.read_bytes()
    lock = FileLock(str(reg.with_name(".register.csv.lock")))
    with lock:  # another command is changing the register
        with pytest.raises(RegisterBusyError, match="register.csv is being changed by another eipgis "
                                                    "command .waited 0.2 s.. Fix: try again"):
            update_register(reg, id="IS-01", status="feasibility", date="2026-03-01", timeout=0.2)
        monkeypatch.setattr("eipgis.symbiosis.register.LOCK_TIMEOUT_S", 0.2)
        code, err = _run(["register", "update", reg, "--id", "IS-01", "--status", "feasibility",
                          "--date", "2026-03-01"], capsys)
        assert code == 2 and "being changed by another eipgis command" in err and "Traceback" not in err
    assert reg.read_bytes() == before
    update_register(reg, id="IS-01", status="feasibility", date="2026-03-01")  # free again
    assert read_register(reg)["status"].tolist() == ["identified", "identified", "feasibility"]


# --- (b) killed updates ----------------------------------------------------------------------


def test_a_killed_update_leaves_the_old_or_the_complete_new_register(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(HEADER + "IS-02,2025-01-01,identified,PG,F3,phosphogypsum,,,,s,\n"
                    + "".join(f"IS-01,2025-01-01,identified,Slag,F1 → F2,slag,,,event {i} of a long history,s,\n"
                              for i in range(30_000)), encoding="utf-8")
    outcomes = []
    for attempt, delay in enumerate((0.0, 0.001, 0.005, 0.02, 0.1)):
        old = path.read_bytes()
        stale = set(tmp_path.glob(".register.csv.*.tmp"))  # left by the commands killed before
        new = old + f"IS-02,2026-03-01,feasibility,,,,,,kill {attempt},,\n".encode()
        proc = _eipgis("register", "update", path, "--id", "IS-02", "--status", "feasibility",
                       "--note", f"kill {attempt}", "--date", "2026-03-01")
        # wait until it writes its temporary file, then kill it a little later (or it finished)
        while proc.poll() is None and set(tmp_path.glob(".register.csv.*.tmp")) <= stale:
            time.sleep(0.0005)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        after = path.read_bytes()
        assert after in (old, new)
        outcomes.append(after == new)
        assert len(read_register(path)) == len(after.decode().splitlines()) - 1
    # the lock of a killed command blocks nobody; the next update works and tidies its temporary files
    proc = _eipgis("register", "update", path, "--id", "IS-02", "--status", "investment", "--date", "2026-04-01")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    events = read_register(path)
    assert events["status"].iloc[-1] == "investment" and len(events) == 30_002 + sum(outcomes)
    assert _listing(tmp_path) == [".register.csv.lock", "register.csv"]


# --- (c) formula cells ---------------------------------------------------------------------------


FORMULAS = {"note": "-5 % cost", "barriers": "=HYPERLINK(\"http://x\",\"y\")", "next_step": "'=already quoted",
            "partners": "@SUM(A1)", "source": "+cmd|' /C calc'!A0"}


def test_formula_cells_are_neutralised_and_read_back_unchanged(reg: Path) -> None:
    update_register(reg, id="IS-01", status="feasibility", date="2026-03-01", **FORMULAS)
    update_register(reg, id="IS-02", status="feasibility", date="2026-03-01", note="\tindented",
                    barriers="\rreturn", next_step="''=two quotes", source="'plain quote")
    raw = reg.read_bytes().decode("utf-8")  # not read_text: it would turn the \r into a line break
    last = raw.split("\n")[:-1]
    assert last[-2] == ("IS-01,2026-03-01,feasibility,,'@SUM(A1),,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","
                        "''=already quoted,'-5 % cost,'+cmd|' /C calc'!A0,")
    assert "'\tindented" in raw and "\"'\rreturn\"" in raw and "'''=two quotes" in raw
    assert ",'plain quote," in raw  # a quote before anything else is not an escape: written as is
    events = read_register(reg)
    first, second = events.iloc[-2], events.iloc[-1]
    assert {k: first[k] for k in FORMULAS} == FORMULAS
    assert (second["note"], second["barriers"], second["next_step"], second["source"]) == (
        "\tindented", "\rreturn", "''=two quotes", "'plain quote")
    # the next write keeps the history byte for byte (read, then neutralised again the same way)
    update_register(reg, id="IS-01", status="investment", date="2026-04-01")
    assert reg.read_bytes().decode("utf-8").startswith(raw)


def test_a_register_written_before_neutralisation_is_fixed_on_the_next_write(reg: Path) -> None:
    reg.write_text(HEADER + "IS-01,2025-01-01,identified,=1+1,,,,,,,\n", encoding="utf-8")
    assert read_register(reg)["title"].tolist() == ["=1+1"]
    update_register(reg, id="IS-01", status="feasibility", date="2026-03-01")
    assert reg.read_text(encoding="utf-8").splitlines()[1] == "IS-01,2025-01-01,identified,'=1+1,,,,,,,"
    assert read_register(reg)["title"].tolist() == ["=1+1", ""]


def test_numbers_in_extra_columns_are_not_mangled(reg: Path) -> None:
    reg.write_text(HEADER.rstrip("\n") + ",quantity_t,remark\n"
                   "IS-01,2025-01-01,identified,a,,,,,,,,-5,-5\nIS-02,2025-01-01,identified,b,,,,,,,,+1.5e3,=A1\n",
                   encoding="utf-8")
    update_register(reg, id="IS-01", status="feasibility", date="2026-03-01", note="-5")
    lines = reg.read_text(encoding="utf-8").splitlines()
    assert lines[1].endswith(",-5,-5") and lines[2].endswith(",+1.5e3,'=A1")  # numbers stay numbers
    assert lines[3] == "IS-01,2026-03-01,feasibility,,,,,,'-5,,,,"  # note is a text column
    events = read_register(reg)
    assert events["quantity_t"].tolist()[:2] == ["-5", "+1.5e3"] and events["remark"].tolist()[:2] == ["-5", "=A1"]


def test_added_links_are_neutralised(reg: Path) -> None:
    links = reg.with_name("links.csv")
    links.write_text(LINKS_HEADER + "L9,=cmd|' /C calc'!A0,F9,steam,@drying,10,t/yr,100,False,industrial\n",
                     encoding="utf-8")
    events = add_links(reg, links, date="2026-11-24")
    assert events.attrs["added"] == ["IS-03"]
    assert events["partners"].iloc[-1] == "=cmd|' /C calc'!A0 → F9"
    assert "\nIS-03,2026-11-24,identified,steam → @drying:  → ,'=cmd|' /C calc'!A0 → F9,steam," in reg.read_text(
        encoding="utf-8")
    assert read_register(reg)["partners"].iloc[-1] == "=cmd|' /C calc'!A0 → F9"


@given(st.text())
def test_neutralise_round_trips_and_never_starts_a_formula(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))


# --- (d) bad registers and links files -----------------------------------------------------------


BAD_REGISTERS = {
    "latin-1": (HEADER.encode() + "IS-01,2025-01-01,identified,Café Lu,,,,,,,\n".encode("latin-1"),
                "line 2, byte 32: not UTF-8", "Save As → CSV UTF-8"),
    "too many cells": (HEADER.encode() + b"IS-01,2025-01-01,identified,a,b,c,d,e,f,g,h,i\n",
                       "line 2: 12 cells but the header has 11 columns", "put a cell that holds commas"),
    "open quote": (HEADER.encode() + b"IS-01,2025-01-01,identified,\"a,,,,,,,\n",
                   "line 2: not valid CSV", "in double quotes"),
    "empty": (b"", "is empty", "give the path of a register CSV"),
    "binary": (b"PK\x03\x04\x00\x00", "line 1: a NUL byte; this is not a text CSV file",
               "give the path of a register CSV"),
    "no status column": (b"id,date,title\nIS-01,2025-01-01,a\n", "line 1: missing column(s) status",
                         "a register has the columns"),
    "bad status": (HEADER.encode() + b"IS-01,2025-01-01,done,a,,,,,,,\n",
                   "line 2 (IS-01), column 'status': unknown status 'done'", "use one of identified"),
}


@pytest.mark.parametrize("case", sorted(BAD_REGISTERS))
@pytest.mark.parametrize("command", ["show", "update", "add-links"])
def test_bad_register_exits_2_naming_the_file(tmp_path: Path, capsys, case: str, command: str) -> None:
    data, words, fix = BAD_REGISTERS[case]
    path = tmp_path / "register.csv"
    path.write_bytes(data)
    links = tmp_path / "links.csv"
    links.write_text(LINKS_HEADER + "L1,F1,F2,steam,drying,10,t/yr,100,False,industrial\n", encoding="utf-8")
    links_before = links.read_bytes()
    argv: list[object] = {"show": ["register", "show", path],
                          "update": ["register", "update", path, "--id", "IS-01", "--status", "feasibility",
                                     "--date", "2026-03-01"],
                          "add-links": ["register", "add-links", path, "--links", links, "--date", "2026-03-01"]}[
        command]
    code, err = _run(argv, capsys)
    assert code == 2
    assert f"{path}" in err and words in err and "Fix:" in err and fix in err and "Traceback" not in err
    assert path.read_bytes() == data and links.read_bytes() == links_before
    assert _listing(tmp_path) == ["links.csv", "register.csv"]  # no temporary or lock file left


BAD_LINKS = {
    "missing columns": (b"supplier,receiver\nF1,F2\n",
                        "line 1: missing column(s) material, quantity, unit, distance_m, network",
                        "give the links.csv written by 'eipgis symbiosis'"),
    "not CSV": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: a NUL byte; this is not a text CSV file",
                "give the links.csv"),
    "latin-1": (LINKS_HEADER.encode() + "L1,Café,F2,steam,x,1,t/yr,1,False,industrial\n".encode("latin-1"),
                "line 2, byte 7: not UTF-8", "CSV UTF-8"),
    "empty": (b"\n\n", "is empty", "give the links.csv"),
    "bad numbers": (LINKS_HEADER.encode() + b"L1,F1,F2,steam,x,lots,t/yr,inf,False,industrial\n",
                    "line 2, column 'quantity': 'lots' is not a number", "write a finite number"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINKS))
def test_bad_links_file_exits_2_naming_the_file(reg: Path, capsys, case: str) -> None:
    data, words, fix = BAD_LINKS[case]
    links = reg.with_name("links.csv")
    links.write_bytes(data)
    before = reg.read_bytes()
    code, err = _run(["register", "add-links", reg, "--links", links, "--date", "2026-03-01"], capsys)
    assert code == 2
    assert f"{links}" in err and words in err and "Fix:" in err and fix in err and "Traceback" not in err
    if case == "bad numbers":
        assert "line 2, column 'distance_m': 'inf' is not a number" in err
    assert reg.read_bytes() == before and links.read_bytes() == data
    assert _listing(reg.parent) == ["links.csv", "register.csv"]


def test_a_folder_as_register_or_links_exits_2(reg: Path, capsys) -> None:
    folder = reg.with_name("links")
    folder.mkdir()
    code, err = _run(["register", "add-links", reg, "--links", folder, "--date", "2026-03-01"], capsys)
    assert code == 2 and f"{folder}: is a folder, not a file. Fix: give the path of the links file" in err
    code, err = _run(["register", "update", folder, "--id", "IS-01", "--status", "feasibility",
                      "--date", "2026-03-01"], capsys)
    assert code == 2 and f"{folder}: is a folder, not a file. Fix:" in err
    assert _listing(reg.parent) == ["links", "register.csv"] and not list(folder.iterdir())


def test_a_named_pipe_is_refused_without_hanging(reg: Path) -> None:
    pipe = reg.with_name("links.csv")
    os.mkfifo(pipe)
    before = reg.read_bytes()
    for argv in (["register", "add-links", reg, "--links", pipe, "--date", "2026-03-01"],
                 ["register", "update", pipe, "--id", "IS-01", "--status", "feasibility", "--date", "2026-03-01"],
                 ["register", "show", pipe]):
        proc = _eipgis(*argv)
        try:
            _, err = proc.communicate(timeout=60)  # opening the pipe would block forever
        finally:
            proc.kill()
        assert proc.returncode == 2
        assert f"{pipe}: is a named pipe (FIFO), not a file" in err and "Traceback" not in err
    assert reg.read_bytes() == before


def test_a_failed_write_is_a_clear_error_and_leaves_the_register(reg: Path, capsys, monkeypatch) -> None:
    before = reg.read_bytes()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, err = _run(["register", "update", reg, "--id", "IS-01", "--status", "feasibility",
                      "--date", "2026-03-01"], capsys)
    assert code == 2
    assert (f"{reg}: cannot be written (No space left on device); the register is unchanged. "
            "Fix: free disk space") in err
    assert reg.read_bytes() == before
    assert _listing(reg.parent) == [".register.csv.lock", "register.csv"]


def test_library_errors_are_register_errors(reg: Path) -> None:
    with pytest.raises(RegisterError, match="links: missing column.s. network. Fix"):
        import pandas as pd

        add_links(reg, pd.DataFrame({c: ["x"] for c in ("supplier", "receiver", "material", "quantity", "unit",
                                                        "distance_m")}), date="2026-03-01")


SEED = Path(__file__).resolve().parents[1] / "layers" / "tang_loong_register.csv"


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_mutated_registers_never_give_a_traceback(data: st.DataObject) -> None:
    raw = bytearray(SEED.read_bytes()[:3000])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at + data.draw(st.integers(0, 5))] = data.draw(st.binary(max_size=4) | st.sampled_from(
            [b",", b"\"", b"\n", b"\r", b"=", b"\xff", b"\x00", b"'", "ố".encode()]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        path.write_bytes(bytes(raw))
        for argv in (["register", "show", path, "--since", "2025-01-01"],
                     ["register", "update", path, "--id", "IS-01", "--status", "abandoned", "--date", "2027-01-01"]):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                    pytest.raises(SystemExit) as done:
                main([str(a) for a in argv])
            assert done.value.code in (0, 2), err.getvalue()
            if done.value.code == 2:
                assert "Fix:" in err.getvalue()


def test_a_lock_that_cannot_be_made_is_a_clear_error(reg: Path, capsys, monkeypatch) -> None:
    import filelock

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    before = reg.read_bytes()
    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    code, err = _run(["register", "update", reg, "--id", "IS-01", "--status", "feasibility",
                      "--date", "2026-03-01"], capsys)
    assert code == 2
    assert (f"{reg}: cannot lock the register (.register.csv.lock: Permission denied). "
            "Fix: make its folder writable") in err
    assert reg.read_bytes() == before


def test_a_nul_in_a_note_is_refused(reg: Path) -> None:
    before = reg.read_bytes()
    with pytest.raises(RegisterError, match="a cell to write holds a NUL character"):
        update_register(reg, id="IS-01", status="feasibility", date="2026-03-01", note="a\0b")
    assert reg.read_bytes() == before
