"""The monitoring store on both backends: a GeoPackage and a real PostgreSQL (private cluster).

The park is the hand-checkable square of conftest.py (100 ha): green G1 1 ha + G2 8.9 ha, so
VN21-LU-GREEN = 9.9 / 100 = 0.099 (fails ≥ 0.10); in the 2025 plan P3 (29.7 ha) turns green:
(9.9 + 29.7) / 100 = 0.396 (passes). Traffic T1 9.9 ha → 0.099 both years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import b, square_park_layers, write_park

import eipgis
from eipgis.criteria import check
from eipgis.monitor import SERIES_COLUMNS, MonitorError, open_store, record, series

SRC = Path(__file__).resolve().parents[1] / "src"
NAME = "Khu công nghiệp Thử nghiệm"
D1, D2 = dt.date(2024, 12, 31), dt.date(2025, 12, 31)


def _greener_layers() -> dict[str, gpd.GeoDataFrame]:
    layers = square_park_layers()
    landuse = layers["landuse"].copy()
    landuse.loc[landuse["parcel_id"] == "P3", "landuse"] = "CX"
    layers["landuse"] = landuse
    return layers


def _park(layers: dict[str, gpd.GeoDataFrame] | None = None) -> eipgis.Park:
    layers = layers or square_park_layers()
    roads = gpd.GeoDataFrame({"road_id": [1, 2], "tên đường": ["Đường số 1", None],
                              "width_m": [24.0, np.nan]},
                             geometry=[b(0, 0, 1000, 24), b(500, 0, 524, 1000)], crs="EPSG:3405")
    return eipgis.park_from_frames(**layers, extras={"roads": roads})


@pytest.fixture(params=["gpkg", "postgres"])
def target(request, tmp_path) -> str:
    if request.param == "gpkg":
        return str(tmp_path / "monitor.gpkg")
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.url(schema=f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def two_years(target):
    """The square park recorded on 2024-12-31 (as it is) and 2025-12-31 (P3 green)."""
    park1, park2 = _park(), _park(_greener_layers())
    with open_store(target) as store:
        record(store, park1, check(park1), date=D1)
        record(store, park2, check(park2), date=D2)
    return target, park1, park2


def test_series_holds_every_value_by_date(two_years):
    target, _, _ = two_years
    with open_store(target) as store:
        df = series(store)
        assert store.parks() == [NAME]
        assert store.dates(NAME) == [D1, D2]
    assert list(df.columns) == SERIES_COLUMNS
    assert len(df) == 2 * 7  # seven criteria of vn-qcvn-01-2021, two dates
    green = df[df["id"] == "VN21-LU-GREEN"]
    assert list(green["date"]) == [D1, D2]
    assert green["value"].tolist() == pytest.approx([0.099, 0.396])
    assert green["passed"].tolist() == [False, True]
    assert green["threshold"].tolist() == [0.1, 0.1]
    assert green["passed"].dtype == "boolean" and green["assessed"].all()
    traffic = df[df["id"] == "VN21-LU-TRAFFIC"]
    assert traffic["value"].tolist() == pytest.approx([0.099, 0.099])
    hazard = df[df["id"] == "VN-HAZ-DIST"]
    assert hazard["threshold"].isna().all()  # a table of distances by class: NaN in the series
    assert (hazard["title_vi"].str.len() > 0).all() and set(df["criteria_set"]) == {"vn-qcvn-01-2021"}
    assert list(df.sort_values(["park", "id", "date"]).index) == list(df.index)


def test_snapshot_gives_back_the_recorded_park(two_years):
    target, _, park2 = two_years
    with open_store(target) as store:
        back = store.snapshot(NAME, D2)
        tables = store.tables(NAME, D2)
    assert tables == {}
    assert back.name == NAME and back.crs == park2.crs
    for layer, frame in park2.layers().items():
        got = back.layers()[layer]
        assert list(got.columns) == list(frame.columns), layer
        pd.testing.assert_frame_equal(got.drop(columns="geometry"), frame.drop(columns="geometry"),
                                      check_dtype=True, obj=layer)
        np.testing.assert_allclose(got.area.to_numpy(), frame.area.to_numpy(), atol=1e-6)
    assert list(back.landuse["landuse_class"]) == list(park2.landuse["landuse_class"])
    assert back.landuse.loc[back.landuse["parcel_id"] == "P3", "landuse_class"].item() == "green"
    # the Vietnamese road name, the missing one and the NaN width come back as they were
    roads = back.extras["roads"]
    assert roads["tên đường"].iloc[0] == "Đường số 1" and pd.isna(roads["tên đường"].iloc[1])
    assert roads["width_m"].iloc[0] == 24.0 and np.isnan(roads["width_m"].iloc[1])
    assert check(back)["VN21-LU-GREEN"].value == pytest.approx(0.396)


def test_a_park_without_optional_layers_round_trips(target):
    layers = square_park_layers()
    park = eipgis.park_from_frames(boundary=layers["boundary"], landuse=layers["landuse"])
    with open_store(target) as store:
        record(store, park, check(park), date=D1)
        back = store.snapshot(NAME, D1)
    assert back.facilities.empty and list(back.facilities.columns) == list(park.facilities.columns)
    assert back.area_ha == pytest.approx(100.0, abs=1e-10)


def test_not_assessed_results_are_kept_as_such(target):
    """A result that could not be judged (datacrit's ``assessed``/``reason``) is NA, never a fail."""
    park = _park()
    report = check(park)
    green = report["VN21-LU-GREEN"]
    unjudged = SimpleNamespace(**{f.name: getattr(green, f.name) for f in dataclasses.fields(green)})
    unjudged.assessed, unjudged.reason = False, "table 'enterprises' is absent"
    unjudged.passed, unjudged.value = None, float("nan")
    report = dataclasses.replace(report, results=tuple(unjudged if r is green else r for r in report.results))
    with open_store(target) as store:
        record(store, park, report, date=D1)
        df = series(store).set_index("id")
    row = df.loc["VN21-LU-GREEN"]
    assert not row["assessed"] and pd.isna(row["passed"]) and np.isnan(row["value"])
    assert row["reason"] == "table 'enterprises' is absent"
    assert df.loc["VN21-LU-TRAFFIC", "assessed"] and df.loc["VN21-LU-TRAFFIC", "reason"] is None
    assert df["passed"].isna().sum() == 1


def test_attribute_tables_are_kept(target):
    park = _park()
    enterprises = pd.DataFrame({"enterprise_id": ["E1", "E2"], "workers": [120, 35],
                                "recp_applied": [True, False], "name": ["Công ty A", "Công ty Ô"],
                                "iso14001": pd.array([1, None], dtype="Int64"),
                                "energy_mwh_yr": [1234.567890123456789, np.nan],
                                "since": pd.to_datetime(["2020-05-01", None])})
    with open_store(target) as store:
        record(store, park, check(park), date=D1, tables={"enterprises": enterprises})
        back = store.tables(NAME, D1)
    pd.testing.assert_frame_equal(back["enterprises"], enterprises)


def test_same_date_again_needs_overwrite(two_years):
    target, _, park2 = two_years
    with open_store(target) as store:
        with pytest.raises(MonitorError, match="already recorded on 2024-12-31; use --overwrite"):
            record(store, park2, check(park2), date=D1)
        assert series(store, NAME).query("id == 'VN21-LU-GREEN'")["value"].tolist() == \
            pytest.approx([0.099, 0.396])  # unchanged
        record(store, park2, check(park2), date=D1, overwrite=True)
        df = series(store, NAME)
        assert store.dates(NAME) == [D1, D2]
    assert len(df) == 14
    assert df.query("id == 'VN21-LU-GREEN'")["value"].tolist() == pytest.approx([0.396, 0.396])


def test_name_keeps_parks_apart(target):
    park = _park()
    with open_store(target) as store:
        record(store, park, check(park), date=D1, name="Park B")
        record(store, park, check(park), date=D1)
        assert store.parks() == [NAME, "Park B"]
        assert len(series(store, "Park B")) == 7
        with pytest.raises(MonitorError, match=r"no snapshot of 'Park B' on 2025-12-31 \(dates recorded: "
                                               r"2024-12-31\)"):
            store.snapshot("Park B", D2)


@pytest.mark.parametrize(("date", "message"), [
    ("2999-01-01", "is in the future"),
    ("31/12/2025", "is not a date; write it as YYYY-MM-DD"),
])
def test_bad_dates_are_refused(target, date, message):
    park = _park()
    with open_store(target) as store:
        with pytest.raises(MonitorError, match=message):
            record(store, park, check(park), date=date)
        assert store.parks() == []


def _refused(target: object, match: str) -> None:
    with pytest.raises(MonitorError, match=match), open_store(str(target)):
        pass


def _set_version(target: str, version: int, pg_cluster=None) -> None:
    sql = f"UPDATE eipgis_monitor_meta SET value = '{version}' WHERE key = 'schema_version'"
    if "://" not in target:
        with sqlite3.connect(target) as con:
            con.execute(sql)
        return
    schema = target.rsplit("schema=", 1)[1]
    with pg_cluster.connect() as con:
        con.execute(sql.replace("eipgis_monitor_meta", f"{schema}.eipgis_monitor_meta"))


def test_store_of_a_newer_schema_is_refused(two_years, request):
    target = two_years[0]
    _set_version(target, 2, request.getfixturevalue("pg_cluster") if "://" in target else None)
    _refused(target, r"newer eipgis \(schema version 2; this eipgis reads up to 1\)")


def test_gpkg_store_is_a_geopackage(tmp_path):
    path = tmp_path / "monitor.gpkg"
    park = _park()
    with open_store(path) as store:
        record(store, park, check(park), date=D1)
        layers = store.layers(NAME, D1)
    listed = {name for name, _ in pyogrio.list_layers(path)}
    assert listed == {f"eipgis_monitor_{t}" for t in ("meta", "snapshots", "layers", "features", "criteria", "values")}
    values = pyogrio.read_dataframe(path, layer="eipgis_monitor_values")
    assert len(values) == 7
    assert set(layers) == {"boundary", "landuse", "buildings", "plot_green", "facilities",
                           "neighbourhoods", "roads"}
    assert layers["landuse"].crs == park.crs  # ready for QGIS (eipgis.qgis adds GeoDataFrames as layers)


def test_read_only_gpkg_is_refused_and_untouched(tmp_path):
    path = tmp_path / "monitor.gpkg"
    park = _park()
    with open_store(path) as store:
        record(store, park, check(park), date=D1)
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with open_store(path) as store, pytest.raises(MonitorError, match="is read-only; make the file writable"):
            record(store, park, check(park), date=D2)
        with open_store(path) as store:  # still readable
            assert store.dates(NAME) == [D1]
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database", encoding="utf-8")
    _refused(text, "is not a GeoPackage")
    park_file = write_park(tmp_path / "park.gpkg", square_park_layers())
    _refused(park_file, "is not an eipgis monitoring store")
    assert text.read_text(encoding="utf-8") == "not a database"
    _refused(tmp_path, "not a file; give a GeoPackage path")
    _refused(tmp_path / "no-such-folder" / "m.gpkg", "the folder .*no-such-folder does not exist; create it first")
    assert not (tmp_path / "no-such-folder").exists()


def test_unreachable_postgres_is_one_clear_error(tmp_path):
    url = f"postgresql://postgres@/postgres?host={tmp_path / 'no-server'}&schema=monitor"
    _refused(url, "cannot connect to PostgreSQL .*check the server")


# --- the command line and real concurrent processes ----------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "eipgis", *args], capture_output=True, text=True,
                          env=env, timeout=300, check=False)


def test_cli_records_and_refuses_with_exit_2(target, square_gpkg):
    ok = _cli("monitor", "record", str(square_gpkg), "--date", "2024-12-31", "--store", target)
    assert ok.returncode == 0, ok.stderr
    assert "recorded Khu công nghiệp Thử nghiệm on 2024-12-31: 7 criteria" in ok.stderr
    again = _cli("monitor", "record", str(square_gpkg), "--date", "2024-12-31", "--store", target)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already recorded on 2024-12-31" in again.stderr
    future = _cli("monitor", "record", str(square_gpkg), "--date", "2999-12-31", "--store", target)
    assert future.returncode == 2 and "is in the future" in future.stderr
    assert "Traceback" not in again.stderr + future.stderr


def test_cli_never_records_into_the_park_file(square_gpkg):
    before = square_gpkg.read_bytes()
    run = _cli("monitor", "record", str(square_gpkg), "--date", "2024-12-31", "--store", str(square_gpkg))
    assert run.returncode == 2 and "is an input of this command (the park)" in run.stderr
    assert square_gpkg.read_bytes() == before


def test_cli_unreachable_database_exit_2(square_gpkg, tmp_path):
    url = f"postgresql://postgres@/postgres?host={tmp_path}&schema=monitor"
    run = _cli("monitor", "record", str(square_gpkg), "--date", "2024-12-31", "--store", url)
    assert run.returncode == 2 and "cannot connect to PostgreSQL" in run.stderr
    assert run.stderr.count("\n") == 1


#: A record that stops mid-transaction (after the snapshot row, before the features) and says so.
HELD = textwrap.dedent("""
    import sys, time, pathlib
    import eipgis.monitor
    from eipgis.cli import main
    flag, hold = pathlib.Path(sys.argv[1]), float(sys.argv[2])
    def pause():
        flag.write_text("in")
        time.sleep(hold)
    eipgis.monitor._pause_for_tests = pause
    main(sys.argv[3:])
""")


def _held(tmp_path: Path, tag: str, hold: float, *args: str) -> tuple[subprocess.Popen[str], Path]:
    flag = tmp_path / f"{tag}.flag"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-c", HELD, str(flag), str(hold), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, flag


def _wait_for(flag: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not flag.exists():
        if proc.poll() is not None:
            pytest.fail(f"the recording process ended early: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, "the recording process never reached its pause"
        time.sleep(0.05)


def test_two_planners_record_different_dates_at_once(target, square_gpkg, tmp_path):
    args = ["monitor", "record", str(square_gpkg), "--store", target]
    a, flag_a = _held(tmp_path, "a", 3.0, *args, "--date", "2024-12-31")
    _wait_for(flag_a, a)  # a holds its transaction open now
    b_run, _ = _held(tmp_path, "b", 0.0, *args, "--date", "2025-12-31")
    out_a, out_b = a.communicate(timeout=300), b_run.communicate(timeout=300)
    assert (a.returncode, b_run.returncode) == (0, 0), (out_a, out_b)
    with open_store(target) as store:
        assert store.dates(NAME) == [D1, D2]
        assert len(series(store)) == 14


def test_two_planners_same_date_one_wins(target, square_gpkg, tmp_path):
    args = ["monitor", "record", str(square_gpkg), "--store", target, "--date", "2024-12-31"]
    a, flag_a = _held(tmp_path, "a", 3.0, *args)
    _wait_for(flag_a, a)
    b_run, _ = _held(tmp_path, "b", 0.0, *args)
    (_, err_a), (_, err_b) = a.communicate(timeout=300), b_run.communicate(timeout=300)
    assert a.returncode == 0, err_a
    assert b_run.returncode == 2 and "already recorded on 2024-12-31" in err_b, err_b
    assert "Traceback" not in err_b
    with open_store(target) as store:
        assert store.dates(NAME) == [D1] and len(series(store)) == 7


def test_killed_record_leaves_the_store_as_it_was(two_years, square_gpkg, tmp_path):
    target = two_years[0]
    with open_store(target) as store:
        before = series(store).drop(columns="recorded_at")
    args = ["monitor", "record", str(square_gpkg), "--store", target, "--date", "2023-12-31"]
    proc, flag = _held(tmp_path, "k", 600.0, *args)
    _wait_for(flag, proc)  # the snapshot row is written, the features not yet
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    with open_store(target) as store:
        assert store.dates(NAME) == [D1, D2]
        pd.testing.assert_frame_equal(series(store).drop(columns="recorded_at"), before)
        park = store.snapshot(NAME, D1)
        record(store, park, check(park), date=dt.date(2023, 12, 31))  # the store still takes records
        assert store.dates(NAME) == [dt.date(2023, 12, 31), D1, D2]


def test_cli_read_only_and_newer_store_exit_2(square_gpkg, tmp_path):
    store = tmp_path / "monitor.gpkg"
    assert _cli("monitor", "record", str(square_gpkg), "--date", "2024-12-31", "--store", str(store)).returncode == 0
    store.chmod(0o444)
    try:
        run = _cli("monitor", "record", str(square_gpkg), "--date", "2025-12-31", "--store", str(store))
    finally:
        store.chmod(0o644)
    assert run.returncode == 2 and "is read-only" in run.stderr and run.stderr.count("\n") == 1
    _set_version(str(store), 7)
    run = _cli("monitor", "record", str(square_gpkg), "--date", "2025-12-31", "--store", str(store))
    assert run.returncode == 2 and "schema version 7" in run.stderr and run.stderr.count("\n") == 1


def test_a_read_only_database_user_reads_but_cannot_record(pg_cluster):
    """A viewer's role (SELECT only): the series reads, a record fails whole and says why."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    park = _park()
    with open_store(pg_cluster.url(schema=schema)) as store:
        record(store, park, check(park), date=D1)
    with pg_cluster.connect() as con:
        con.execute("DROP ROLE IF EXISTS viewer")
        con.execute("CREATE ROLE viewer LOGIN")
        con.execute(f"GRANT USAGE ON SCHEMA {schema} TO viewer")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO viewer")
    url = f"postgresql://viewer@/postgres?host={pg_cluster.sock}&schema={schema}"
    with open_store(url) as store:
        assert len(series(store)) == 7
        with pytest.raises(MonitorError, match=r"the record of .* on 2025-12-31 failed and nothing was "
                                               r"stored \(permission denied for table eipgis_monitor_"):
            record(store, park, check(park), date=D2)
        assert store.dates(NAME) == [D1]


def test_cli_keeps_the_flows_and_the_register_state(tmp_path):
    layers = SRC.parent / "layers"
    store = tmp_path / "monitor.gpkg"
    run = _cli("monitor", "record", str(eipgis.sample_path()), "--date", "2025-12-31", "--store", str(store),
               "--flows", str(layers / "tang_loong_flows.csv"),
               "--register", str(layers / "tang_loong_register.csv"), "--name", "Tằng Loỏng")
    assert run.returncode == 0, run.stderr
    flows = pd.read_csv(layers / "tang_loong_flows.csv", comment="#")
    with open_store(store) as opened:
        tables = opened.tables("Tằng Loỏng", "2025-12-31")
    assert len(tables["flows"]) == len(flows)
    # one row per opportunity known on the record date: the register's state then, not its events
    # (IS-05 … IS-13 were entered in 2026, after 2025-12-31)
    register = pd.read_csv(layers / "tang_loong_register.csv", comment="#", dtype=str)
    known = register[register["date"] <= "2025-12-31"]
    assert sorted(tables["register"]["id"]) == sorted(known["id"].unique())
    assert len(known["id"].unique()) < len(register["id"].unique())
