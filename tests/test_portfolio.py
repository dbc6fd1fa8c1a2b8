"""eipgis portfolio: many parks checked on Dask distributed, one broken park never stops the others.

The parks are small synthetic GeoPackages (``eipgis.synth``) whose results are compared with
``eipgis.check`` run directly on each park; the cluster is real (a LocalCluster of worker
processes, and a scheduler and a worker started as separate processes on localhost).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import eipgis
from eipgis.cli import main
from eipgis.io import write_gpkg
from eipgis.portfolio import ParkEntry, read_park_list, run_portfolio
from eipgis.present._webassets import external_references
from eipgis.synth import synthetic_park


def _park(path: Path, n: int, seed: int, name: str) -> Path:
    frames = synthetic_park(n, seed=seed)
    frames["boundary"] = frames["boundary"].assign(name=name)
    return write_gpkg(path, frames)


@pytest.fixture(scope="module")
def parks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("parks")
    broken = folder / "broken.gpkg"
    frames = synthetic_park(300, seed=3)
    write_gpkg(broken, {k: v for k, v in frames.items() if k != "landuse"})  # no land use layer
    return {
        "a": _park(folder / "a.gpkg", 300, 1, "Park A"),
        "b": _park(folder / "b.gpkg", 600, 2, "Park <script>window.__x=1</script> B"),
        "broken": broken,
        "missing": folder / "missing.gpkg",
    }


def run_cli(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_local_cluster_checks_every_park_and_reports_the_broken_ones(parks, tmp_path, capsys):
    seen: list[tuple[int, int]] = []
    entries = [ParkEntry(source=str(parks["a"])), ParkEntry(source=str(parks["missing"])),
               ParkEntry(source=str(parks["b"])), ParkEntry(source=str(parks["broken"]))]
    result = run_portfolio(entries, "vn-qcvn-01-2021", workers=1,
                           progress=lambda done, total, row: seen.append((done, total)))
    # every park was reported as it finished, four of four
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # the two good parks, in the order given, with the same verdicts as eipgis.check run here
    assert [p["park"] for p in result.parks] == ["Park A", "Park <script>window.__x=1</script> B"]
    for row, path in zip(result.parks, (parks["a"], parks["b"]), strict=True):
        direct = eipgis.check(eipgis.load_park(path), "vn-qcvn-01-2021")
        assert row["failing"] == [r.id for r in direct.failing]
        assert row["area_ha"] == pytest.approx(direct.area_ha, abs=1e-4)
        assert row["passed"] is direct.passed
        assert [r["id"] for r in row["results"]] == [r.id for r in direct.results]
    # the missing and the broken park are errors naming their file; the others were not stopped
    assert [e["source"] for e in result.errors] == [str(parks["missing"]), str(parks["broken"])]
    assert "no such file" in result.errors[0]["message"]
    assert "landuse" in result.errors[1]["message"]


def test_cli_writes_json_csv_and_an_offline_page(parks, tmp_path, capsys):
    out = tmp_path / "out"
    listing = tmp_path / "parks.yaml"
    listing.write_text(
        "criteria: vn-qcvn-01-2021\nparks:\n"
        f"  - {parks['a']}\n"
        f"  - {{source: {parks['b']}, name: '=HYPERLINK(\"x\")'}}\n"
        f"  - {{source: {parks['missing']}, name: Nowhere}}\n", encoding="utf-8")
    code, _, err = run_cli(["portfolio", "--list", listing, "-o", out, "--workers", 1, "--lang", "vi"],
                           capsys)
    assert code == 0, err
    assert "[3/3]" in err and "Nowhere" in err
    data = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    assert set(data) >= {"parks", "errors"}
    assert [p["park"] for p in data["parks"]] == ["Park A", '=HYPERLINK("x")']
    for p in data["parks"]:
        assert set(p) >= {"park", "source", "area_ha", "passed", "failing", "results"}
    assert data["errors"] == [{"park": "Nowhere", "source": str(parks["missing"]),
                               "message": data["errors"][0]["message"]}]
    csv = (out / "portfolio.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv  # a formula from the data is text in a spreadsheet
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert external_references(html) == []
    assert 'lang="vi"' in html and "Danh mục các khu công nghiệp" in html
    assert "data:image/png;base64," in html  # the comparison chart


def test_payload_park_name_is_text_in_the_page(parks, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli(["portfolio", parks["b"], "-o", out, "--workers", 1], capsys)
    assert code == 0, err
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "<script>window.__x=1</script>" not in html
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html  # the table cell, escaped


def test_same_name_twice_is_refused_before_any_work(parks, tmp_path, capsys):
    listing = tmp_path / "parks.yaml"
    listing.write_text(f"- {{source: {parks['a']}, name: X}}\n- {{source: {parks['b']}, name: x}}\n",
                       encoding="utf-8")
    code, _, err = run_cli(["portfolio", "--list", listing, "-o", tmp_path / "out"], capsys)
    assert code == 2
    assert "same name" in err and "Fix:" in err
    assert not (tmp_path / "out").exists()


def test_a_scheduler_that_does_not_answer_is_one_clear_error(parks, tmp_path, capsys):
    started = time.monotonic()
    code, _, err = run_cli(["portfolio", parks["a"], "-o", tmp_path / "out",
                            "--scheduler", "tcp://127.0.0.1:9", "--timeout", 2], capsys)
    assert code == 2
    assert "did not answer" in err and "tcp://127.0.0.1:9" in err
    assert err.count("\n") == 1  # one line, no traceback
    assert not (tmp_path / "out").exists()
    assert time.monotonic() - started < 120  # a bound on hanging, not a speed check


def test_bad_list_file_names_the_key(tmp_path, capsys):
    listing = tmp_path / "parks.yaml"
    listing.write_text("parks:\n  - {source: a.gpkg, colour: red}\n", encoding="utf-8")
    code, _, err = run_cli(["portfolio", "--list", listing, "-o", tmp_path / "out"], capsys)
    assert code == 2
    assert "colour" in err and str(listing) in err


def test_list_paths_are_read_from_the_list_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    listing = tmp_path / "sub" / "parks.yaml"
    listing.write_text("criteria: vn-eip-decree-35\nparks: [a.gpkg, {source: ../b.gpkg, name: B}]\n",
                       encoding="utf-8")
    entries, criteria = read_park_list(listing)
    assert criteria == "vn-eip-decree-35"  # a built-in name stays a name
    assert [e.source for e in entries] == [str(tmp_path / "sub" / "a.gpkg"),
                                           str(tmp_path / "sub" / "../b.gpkg")]
    assert entries[1].name == "B"


def test_scheduler_and_worker_as_separate_processes(parks, tmp_path, capsys):
    """The way a cluster of machines is used: `dask scheduler` and `dask worker` processes."""
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--dashboard-address", ":0", "--scheduler-file", scheduler_file],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        for _ in range(600):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = tmp_path / "out"
        code, _, err = run_cli(["portfolio", parks["a"], parks["broken"], "-o", out,
                                "--scheduler", address, "--timeout", 30], capsys)
        assert code == 0, err
        assert address in err
        data = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
        assert [p["park"] for p in data["parks"]] == ["Park A"]
        assert [e["source"] for e in data["errors"]] == [str(parks["broken"])]
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def test_observed_green_from_a_land_cover_raster_is_part_of_the_run(tmp_path):
    root = Path(__file__).resolve().parents[1] / "layers"
    entries = [ParkEntry(source=str(root / "tang_loong.gpkg"))]
    result = run_portfolio(entries, "vn-qcvn-01-2021", workers=1,
                           landcover=str(root / "tang_loong_landcover.tif"))
    from eipgis.raster import with_observed_green

    cset = with_observed_green("vn-qcvn-01-2021", root / "tang_loong_landcover.tif")
    direct = eipgis.check(eipgis.load_park(root / "tang_loong.gpkg"), cset)
    by_id = {r["id"]: r for r in result.parks[0]["results"]}
    assert "OBS-GREEN" in by_id
    assert by_id["OBS-GREEN"]["value"] == pytest.approx(direct["OBS-GREEN"].value, abs=1e-6)
