"""The monitoring store: one schema, two backends (a GeoPackage through sqlite3, PostgreSQL through psycopg).

Tables (every name starts with ``eipgis_monitor_``):

- ``meta (key, value)``: ``schema_version`` (refused when newer than :data:`SCHEMA_VERSION`);
- ``snapshots``: one row per (park, date), unique: the park's name, date, CRS (WKT), criteria set,
  source, ``recorded_at``, eipgis version;
- ``layers``: per snapshot, every layer and attribute table with its columns and dtypes (JSON), kind
  ``layer`` (has geometry) or ``table``;
- ``features``: per snapshot and layer, one row per feature: position, properties (JSON), geometry (WKB);
- ``criteria``: each criterion's text as it was judged (title, unit, op, source, status…), keyed by a
  hash of that text, so that a criterion recorded 2,000 times is stored once;
- ``values``: per snapshot, one row per criterion: value, passed, assessed, reason, its ``criterion_key``.

A whole record is one transaction: SQLite ``BEGIN IMMEDIATE`` with a busy timeout, PostgreSQL one
transaction with the unique key on (park, date). A failed or killed record leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError

#: The version of the store's schema this eipgis writes and reads.
SCHEMA_VERSION = 1
#: How long a writer waits for another one to finish, seconds.
BUSY_TIMEOUT_S = 60.0
PREFIX = "eipgis_monitor_"


class MonitorError(InputError):
    """The monitoring store cannot be opened, read or written as asked; the message says why."""


def _tables(blob: str, double: str) -> list[str]:
    p = PREFIX
    return [
        f"CREATE TABLE IF NOT EXISTS {p}meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        (f"CREATE TABLE IF NOT EXISTS {p}snapshots (snapshot_id INTEGER PRIMARY KEY, park TEXT NOT NULL, "
        "date TEXT NOT NULL, criteria_set TEXT NOT NULL, crs_wkt TEXT NOT NULL, source TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, eipgis_version TEXT NOT NULL, notes TEXT NOT NULL, "
        "UNIQUE (park, date))"),
        (f"CREATE TABLE IF NOT EXISTS {p}layers (snapshot_id INTEGER NOT NULL, layer TEXT NOT NULL, "
        "kind TEXT NOT NULL, columns TEXT NOT NULL, PRIMARY KEY (snapshot_id, layer))"),
        (f"CREATE TABLE IF NOT EXISTS {p}features (snapshot_id INTEGER NOT NULL, layer TEXT NOT NULL, "
        f"fid INTEGER NOT NULL, properties TEXT NOT NULL, geom {blob}, "
        "PRIMARY KEY (snapshot_id, layer, fid))"),
        (f"CREATE TABLE IF NOT EXISTS {p}criteria (criterion_key TEXT PRIMARY KEY, id TEXT NOT NULL, "
         "title_en TEXT NOT NULL, title_vi TEXT NOT NULL, indicator TEXT NOT NULL, unit TEXT NOT NULL, "
         "op TEXT NOT NULL, threshold_json TEXT NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL)"),
        (f"CREATE TABLE IF NOT EXISTS {p}values (snapshot_id INTEGER NOT NULL, id TEXT NOT NULL, "
         f"criterion_key TEXT NOT NULL, threshold {double}, value {double}, passed INTEGER, "
         "assessed INTEGER NOT NULL, reason TEXT, PRIMARY KEY (snapshot_id, id))"),
    ]


#: Attribute tables registered in gpkg_contents, so GDAL, pyogrio and QGIS list them.
TABLES = ("meta", "snapshots", "layers", "features", "criteria", "values")


class _Backend:
    """What differs between the two databases: connecting, placeholders, transactions, errors."""

    mark = "?"
    where: str

    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def cursor(self) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def is_duplicate(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def db_errors(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def insert_many(self, cur: Any, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows (every column of ``table``, in order) inside the open transaction."""
        if rows:
            cur.executemany(self.sql(f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(rows[0]))})"), rows)


# --- GeoPackage ---------------------------------------------------------------------------------

_GPKG_APP_ID = 0x47504B47  # "GPKG"
_GPKG_CORE = [
    ("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
    "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
    "description TEXT)"),
    ("CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
    "identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, "
    "srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))"),
    ("CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
    "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name))"),
]
_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
              'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')


def _create_gpkg(path: Path) -> None:
    """A new, empty monitoring GeoPackage at ``path`` (made aside, then linked: never half there)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute(f"PRAGMA application_id = {_GPKG_APP_ID}")
            con.execute("PRAGMA user_version = 10300")
            con.execute("BEGIN")
            for sql in _GPKG_CORE + _tables("BLOB", "REAL"):
                con.execute(sql)
            con.executemany(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                [("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude WGS 84"),
                 ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
                 ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic")])
            con.executemany(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES (?, 'attributes', ?, ?)",
                [(f"{PREFIX}{t}", f"{PREFIX}{t}", f"eipgis monitoring store: {t}") for t in TABLES])
            con.execute(f"INSERT INTO {PREFIX}meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            con.execute("COMMIT")
        finally:
            con.close()
        try:
            os.link(tmp, path)  # fails when another planner created it meanwhile: use theirs
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


class _Gpkg(_Backend):
    mark = "?"

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self.path = path
        if path.exists() and not path.is_file():
            raise MonitorError(f"monitoring store {path}: not a file; give a GeoPackage path "
                               "(created when missing) or a postgresql:// URL.")
        if not path.exists():
            if not path.parent.is_dir():
                raise MonitorError(f"monitoring store {path}: the folder {path.parent} does not exist; "
                                   "create it first.")
            try:
                _create_gpkg(path)
            except (OSError, sqlite3.Error) as exc:
                raise MonitorError(f"monitoring store {path} cannot be created: {exc}") from None
        self.read_only = not (path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) \
            or not os.access(path, os.W_OK)
        uri = f"{path.resolve().as_uri()}?mode={'ro' if self.read_only else 'rw'}"
        try:
            self.con = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            head = self.con.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.Error as exc:
            raise MonitorError(f"monitoring store {path} is not a GeoPackage ({exc}); give a new path "
                               "or an existing monitoring store.") from None
        if head != _GPKG_APP_ID:
            self.con.close()
            raise MonitorError(f"monitoring store {path} is not a GeoPackage; give a new path or an "
                               "existing monitoring store.")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self.read_only:
            raise MonitorError(f"monitoring store {self.where} is read-only; make the file writable "
                               "(chmod u+w) or record into another store.")
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute(f"UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                         f"WHERE table_name LIKE '{PREFIX}%'")
        self.con.execute("COMMIT")

    def cursor(self) -> Any:
        return self.con.cursor()

    def close(self) -> None:
        self.con.close()

    def is_duplicate(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def db_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise MonitorError("a postgresql:// store needs psycopg 3: pip install 'eipgis[postgis]' "
                           "(or pip install 'psycopg[binary]>=3.1').") from None
    return psycopg


def _pg_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Postgres(_Backend):
    mark = "%s"

    def __init__(self, url: str) -> None:
        from .._postgres import connect as pg_connect
        from .._postgres import split_url

        psycopg = _psycopg()
        _, schema_given, safe = split_url(url)
        schema = schema_given or "monitor"
        self.where = safe
        self.errors = psycopg.Error
        self.unique = psycopg.errors.UniqueViolation
        self.con = pg_connect(url, what="monitoring store", error=MonitorError)  # one transaction per `with`
        self.schema = schema
        try:
            meta = f"{_pg_ident(schema)}.{PREFIX}meta"
            if self.con.execute("SELECT to_regclass(%s) IS NULL", (meta,)).fetchone()[0]:
                # a new store: created once, even by two planners at the same time (a reader that
                # only may SELECT never gets here, so never needs the right to create)
                with self.con.transaction():
                    self.con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                     (f"eipgis-monitor-{schema}",))
                    self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {_pg_ident(schema)}")
                    self.con.execute(f"SET search_path TO {_pg_ident(schema)}")
                    if self.con.execute("SELECT to_regclass(%s) IS NULL", (meta,)).fetchone()[0]:
                        for sql in _tables("BYTEA", "DOUBLE PRECISION"):
                            self.con.execute(sql.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"))
                        self.con.execute(f"INSERT INTO {PREFIX}meta VALUES ('schema_version', %s)",
                                         (str(SCHEMA_VERSION),))
            self.con.execute(f"SET search_path TO {_pg_ident(schema)}")
        except psycopg.Error as exc:
            self.con.close()
            raise MonitorError(f"monitoring store {safe}: cannot prepare schema {schema!r} "
                               f"({str(exc).strip()}); ask the database administrator for the rights "
                               "to create it.") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def cursor(self) -> Any:
        return self.con.cursor()

    def close(self) -> None:
        self.con.close()

    def insert_many(self, cur: Any, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """COPY, not row by row: 26,000 features in a fraction of a second (same transaction)."""
        with cur.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def is_duplicate(self, exc: BaseException) -> bool:
        return isinstance(exc, self.unique)

    def db_errors(self) -> tuple[type[BaseException], ...]:
        return (self.errors,)


def connect(target: str | os.PathLike[str]) -> _Backend:
    text = os.fspath(target)
    if text.startswith(("postgresql://", "postgres://")):
        return _Postgres(text)
    if "://" in text:
        raise MonitorError(f"monitoring store {text}: give a GeoPackage path or a postgresql:// URL.")
    return _Gpkg(Path(text))


# --- values in and out of JSON ------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A cell as JSON can hold it: numpy scalars as Python, NaN/NA/NaT as null, dates as ISO text."""
    import pandas as pd

    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "item") and not isinstance(value, bytes):
        value = value.item()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else (None if math.isnan(value) else str(value))
    with contextlib.suppress(TypeError, ValueError):
        if pd.isna(value):
            return None
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 text kept as is (one encoder: this runs once per feature)."""
    return _ENCODER.encode(obj)


def column_values(column: Any) -> list[Any]:
    """A column's cells as JSON can hold them; whole numeric columns at once, the rest cell by cell."""
    kind = column.dtype.kind
    cells = column.tolist()
    if kind in "iub" and not hasattr(column.dtype, "na_value"):
        return list(cells)
    if kind == "f" and not hasattr(column.dtype, "na_value"):
        return [v if math.isfinite(v) else json_value(v) for v in cells]
    return [json_value(v) for v in cells]


def fetch(backend: _Backend, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cur = backend.cursor()
    cur.execute(backend.sql(sql), tuple(params))
    return list(cur.fetchall())
