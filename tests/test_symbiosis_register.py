"""Opportunity register: history kept, transitions checked, atomic updates, the seeded register."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from eipgis.cli import main
from eipgis.symbiosis import RegisterError, add_links, current, read_register, update_register
from eipgis.symbiosis.register import format_register

SEED = Path(__file__).resolve().parents[1] / "layers" / "tang_loong_register.csv"

HEADER = "id,date,status,title,partners,material,barriers,next_step,note,source,link\n"


@pytest.fixture
def reg(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(HEADER
                    + "IS-01,2025-01-01,identified,Xỉ → xi măng,F1 → F2,blast_furnace_slag,offtake,,,notes §3,\n"
                    + "IS-02,2025-02-01,identified,PG → tấm,F3,phosphogypsum,,,,notes §3,\n",
                    encoding="utf-8")
    return path


def test_update_appends_history(reg):
    before = reg.read_text(encoding="utf-8")
    update_register(reg, id="IS-01", status="feasibility", note="study started", date="2026-03-01")
    update_register(reg, id="IS-01", status="feasibility", note="Đã gặp nhà máy xi măng", date="2026-04-01")
    update_register(reg, id="IS-01", status="investment", note="contract", date="2026-05-01",
                    barriers="none left")
    after = reg.read_text(encoding="utf-8")
    assert after.startswith(before)  # earlier history untouched, byte for byte
    events = read_register(reg)
    assert events[events["id"].eq("IS-01")]["status"].tolist() == ["identified", "feasibility",
                                                                     "feasibility", "investment"]
    state = current(events).set_index("id")
    assert state.loc["IS-01", "status"] == "investment"
    assert state.loc["IS-01", "status_since"] == "2026-05-01"
    assert state.loc["IS-01", "title"] == "Xỉ → xi măng"  # carried from the first event
    assert state.loc["IS-01", "barriers"] == "none left"
    assert state.loc["IS-02", "status"] == "identified"
    text = format_register(events, since="2026-04-01")
    assert "Changes since 2026-04-01" in text
    assert "IS-01  feasibility → investment" in text and "Đã gặp nhà máy xi măng" in text
    assert "study started" not in text.split("Changes since")[1]


@pytest.mark.parametrize(("status", "date", "words"), [
    ("implemented", "2026-03-01", "cannot move from identified to implemented"),
    ("done", "2026-03-01", "unknown status 'done'"),
    ("feasibility", "2024-12-31", "before its last change"),
    ("feasibility", "1st March", "not a date"),
])
def test_invalid_updates_are_rejected(reg, status, date, words):
    before = reg.read_bytes()
    with pytest.raises(RegisterError, match=words):
        update_register(reg, id="IS-01", status=status, note="x", date=date)
    assert reg.read_bytes() == before


def test_unknown_id(reg):
    with pytest.raises(RegisterError, match="no opportunity 'IS-99'.*IS-01, IS-02"):
        update_register(reg, id="IS-99", status="feasibility", date="2026-03-01")


def test_abandoned_is_final(reg):
    update_register(reg, id="IS-02", status="abandoned", note="no buyer", date="2026-03-01")
    with pytest.raises(RegisterError, match="abandoned is final"):
        update_register(reg, id="IS-02", status="identified", date="2026-04-01")


def test_interrupted_update_loses_nothing(reg, monkeypatch):
    update_register(reg, id="IS-01", status="feasibility", note="first", date="2026-03-01")
    before = reg.read_bytes()
    real_replace = os.replace

    def crash(src, dst):  # the process dies after the new file is written, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        update_register(reg, id="IS-01", status="investment", note="second", date="2026-04-01")
    monkeypatch.setattr(os, "replace", real_replace)
    assert reg.read_bytes() == before                       # the register is whole and unchanged
    # no temporary file left; the lock file stays (an OS lock: it blocks nobody once released)
    assert sorted(p.name for p in reg.parent.iterdir()) == [".register.csv.lock", "register.csv"]
    update_register(reg, id="IS-01", status="investment", note="second", date="2026-04-01")
    assert read_register(reg)["note"].tolist()[-2:] == ["first", "second"]


def test_interrupted_while_writing_the_temporary_file(reg, monkeypatch):
    before = reg.read_bytes()
    real_fdopen = os.fdopen

    class HalfWriter:  # the disk fills up half-way through writing the temporary file
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: HalfWriter(real_fdopen(fd, *args, **kwargs)))
    with pytest.raises(OSError, match="cannot be written .No space left on device.; the register is unchanged"):
        update_register(reg, id="IS-01", status="feasibility", note="x", date="2026-03-01")
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert reg.read_bytes() == before
    assert sorted(p.name for p in reg.parent.iterdir()) == [".register.csv.lock", "register.csv"]


def test_bad_register_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "IS-01,2025-01-01,identified,a,,,,,,,\nIS-01,2024-01-01,implemented,,,,,,,,\n",
                    encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        read_register(path)
    assert "moves from identified to implemented" in str(info.value)
    assert "before the previous change" in str(info.value)


def test_add_links_from_matching(reg):
    import pandas as pd

    links = pd.DataFrame([
        {"link_id": "L001", "supplier": "F1", "receiver": "F2", "material": "blast_furnace_slag",
         "use": "cement additive", "quantity": 60.0, "unit": "t/yr", "distance_m": 3167.7, "network": True,
         "kind": "industrial", "supplier_name": "A", "receiver_name": "B", "source": "s"},   # known: IS-01
        {"link_id": "L002", "supplier": "XLNT-01", "receiver": "Tằng Loỏng", "material": "treated_wastewater",
         "use": "irrigation", "quantity": 3000.0, "unit": "m3/yr", "distance_m": 900.0, "network": False,
         "kind": "industrial-urban", "supplier_name": "WWTP", "receiver_name": "Tằng Loỏng", "source": "s"},
    ])
    events = add_links(reg, links, date="2026-11-24")
    new = events.iloc[2:]
    assert new["id"].tolist() == ["IU-01"]
    assert new["status"].tolist() == ["identified"]
    assert "straight line" in new["note"].iloc[0]


def test_seeded_register_and_cli(tmp_path, capsys):
    events = read_register(SEED)
    state = current(events).set_index("id")
    assert {"IS-01", "IS-02", "IS-03", "IS-04", "IS-05", "IS-06"} <= set(state.index)
    assert state["source"].str.len().gt(0).all()  # every opportunity has its source
    copy = shutil.copy(SEED, tmp_path / "register.csv")
    for argv, code in ((["register", "show", copy], 0),
                       (["register", "update", copy, "--id", "IS-03", "--status", "feasibility",
                         "--note", "acid balance study", "--date", "2026-03-01"], 0),
                       (["register", "show", copy, "--since", "2026-01-01"], 0),
                       (["register", "update", copy, "--id", "IS-03", "--status", "implemented",
                         "--date", "2026-03-02"], 2)):
        with pytest.raises(SystemExit) as done:
            main([str(a) for a in argv])
        assert done.value.code == code
    out, err = capsys.readouterr()
    assert "IS-01" in out and "identified → feasibility" in out and "acid balance study" in out
    assert "cannot move from feasibility to implemented" in err and "Traceback" not in err
