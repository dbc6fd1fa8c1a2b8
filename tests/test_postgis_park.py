"""Parks kept in a PostgreSQL/PostGIS schema: load_park, eipgis check and the portfolio read them
like a GeoPackage (tables named as the layers), in the private cluster the tests start."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest
import shapely

import eipgis
from eipgis.cli import main
from eipgis.criteria import check

SCHEMA = "tang_loong"


def _sql_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    return "text"


def _copy_layer(conn, name: str, frame, srid: int | None) -> None:
    cols = [c for c in frame.columns if c != "geometry"]
    defs = [f'"{c}" {_sql_type(frame[c].dtype)}' for c in cols]
    if srid is not None:
        defs.append(f"geom geometry(Geometry, {srid})")
    conn.execute(f'CREATE TABLE {SCHEMA}."{name}" ({", ".join(defs)})')
    marks = ", ".join(["%s"] * len(cols) + ([f"ST_GeomFromWKB(%s, {srid})"] if srid is not None else []))
    names = ", ".join([f'"{c}"' for c in cols] + (["geom"] if srid is not None else []))
    rows = []
    for i in range(len(frame)):
        values = [None if pd.isna(frame[c].iloc[i]) else frame[c].iloc[i].item()
                  if hasattr(frame[c].iloc[i], "item") else frame[c].iloc[i] for c in cols]
        if srid is not None:
            values.append(shapely.to_wkb(frame.geometry.iloc[i]))
        rows.append(values)
    with conn.cursor() as cur:
        cur.executemany(f'INSERT INTO {SCHEMA}."{name}" ({names}) VALUES ({marks})', rows)


@pytest.fixture(scope="module")
def db_url(pg_cluster):
    """The Tằng Loỏng sample copied table by table into schema tang_loong (PostGIS geometry)."""
    path = eipgis.sample_path()
    with pg_cluster.connect() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        for name, geometry_type in pyogrio.list_layers(path):
            frame = pyogrio.read_dataframe(path, layer=name)
            srid = frame.crs.to_epsg() if geometry_type is not None else None
            _copy_layer(conn, name, frame, srid)
    return pg_cluster.url(schema=SCHEMA)


def test_a_park_in_postgis_checks_like_its_geopackage(db_url):
    from_db = eipgis.load_park(db_url)
    from_file = eipgis.load_park(eipgis.sample_path())
    assert from_db.crs == from_file.crs and len(from_db.landuse) == len(from_file.landuse)
    assert from_db.has_enterprises and len(from_db.enterprises) == 17
    assert from_db.area_ha == pytest.approx(from_file.area_ha, abs=1e-6)
    a, b = check(from_db, "vn-qcvn-01-2021"), check(from_file, "vn-qcvn-01-2021")
    for ra, rb in zip(a.results, b.results, strict=True):
        assert ra.id == rb.id and ra.passed == rb.passed
        assert ra.value == pytest.approx(rb.value, abs=1e-9), ra.id
    assert "password" not in from_db.source and from_db.source.startswith("postgresql://")


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_eipgis_check_and_portfolio_read_the_schema(db_url, tmp_path, capsys):
    code, out, err = run_cli(["check", db_url, "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["area_ha"] == pytest.approx(eipgis.load_park(eipgis.sample_path()).area_ha, abs=1e-3)
    code, _, err = run_cli(["portfolio", db_url, eipgis.sample_path(), "--workers", 1,
                            "-o", tmp_path / "pf"], capsys)
    # two parks with the same name (the boundary's) are refused: the same park twice
    assert code == 2 and "same name" in err
    listing = tmp_path / "parks.yaml"
    listing.write_text(f"- {{source: '{db_url}', name: From the database}}\n"
                       f"- {{source: '{eipgis.sample_path()}', name: From the file}}\n", encoding="utf-8")
    code, _, err = run_cli(["portfolio", "--list", listing, "--workers", 1, "-o", tmp_path / "pf"], capsys)
    assert code == 0, err
    parks = json.loads((tmp_path / "pf" / "portfolio.json").read_text(encoding="utf-8"))["parks"]
    from_db, from_file = parks
    assert from_db["failing"] == from_file["failing"]


def test_unreachable_database_and_missing_schema_are_one_clear_error(db_url, tmp_path, capsys):
    code, _, err = run_cli(["check", "postgresql://nobody:secret@/nodb?host=/nonexistent-socket-dir"], capsys)
    assert code == 2 and "cannot connect to PostgreSQL" in err and "secret" not in err
    assert err.count("\n") == 1
    code, _, err = run_cli(["check", db_url.replace(f"schema={SCHEMA}", "schema=hoa_khanh")], capsys)
    assert code == 2 and "no schema 'hoa_khanh'" in err
