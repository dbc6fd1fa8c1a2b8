"""Monitoring: the same park judged year after year, its snapshots and indicator values kept in a store.

>>> from eipgis.monitor import open_store, record, series        # doctest: +SKIP
>>> with open_store("monitor.gpkg") as store:                       # doctest: +SKIP
...     record(store, park, report, date=date(2025, 12, 31))
...     df = series(store)

A store is a GeoPackage (created when missing) or a ``postgresql://`` URL; both hold the same schema
(README "Monitoring").
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from ._store import SCHEMA_VERSION, MonitorError, column_values, connect, dumps, fetch, json_value

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..criteria import ComplianceReport
    from ..park import Park

__all__ = ["SCHEMA_VERSION", "MonitorError", "Store", "open_store", "parse_date", "record", "series"]

P = "eipgis_monitor_"
#: Columns of :func:`series`, in order.
SERIES_COLUMNS = ["park", "date", "criteria_set", "id", "title_en", "title_vi", "indicator", "unit", "op",
                  "threshold", "value", "passed", "assessed", "reason", "status", "source", "recorded_at",
                  "eipgis_version"]
#: The contract layers of a park, in the order park_from_frames takes them.
PARK_LAYERS = ("boundary", "landuse", "buildings", "plot_green", "facilities", "neighbourhoods")


def parse_date(value: Any, *, what: str = "--date") -> _dt.date:
    """A date from ``YYYY-MM-DD`` text or a date; a recording date may not lie in the future."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        try:
            value = _dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise MonitorError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD, "
                               "e.g. 2025-12-31.") from None
    if value > _dt.date.today():
        raise MonitorError(f"{what} {value.isoformat()} is in the future (today is "
                           f"{_dt.date.today().isoformat()}). Fix: give today's date or an earlier one: "
                           "eipgis judges and records what has happened.")
    return value


class Store:
    """An open monitoring store (use :func:`open_store`)."""

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self._db = connect(target)
        self.where = self._db.where
        try:
            rows = self._rows(f"SELECT value FROM {P}meta WHERE key = 'schema_version'")
        except self._db.db_errors() as exc:
            self._db.close()
            raise MonitorError(f"{self.where} is not an eipgis monitoring store ({exc}); give a new "
                               "path or an existing store.") from None
        version = int(rows[0][0]) if rows else 0
        if version > SCHEMA_VERSION:
            self._db.close()
            raise MonitorError(f"monitoring store {self.where} was written by a newer eipgis (schema "
                               f"version {version}; this eipgis reads up to {SCHEMA_VERSION}); upgrade "
                               "eipgis (pip install -U eipgis) to use it.")

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return fetch(self._db, sql, params)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.where!r})"

    def parks(self) -> list[str]:
        """Names of the parks recorded, sorted."""
        return [r[0] for r in self._rows(f"SELECT DISTINCT park FROM {P}snapshots ORDER BY park")]

    def dates(self, park: str) -> list[_dt.date]:
        """Dates recorded for ``park``, oldest first."""
        rows = self._rows(f"SELECT date FROM {P}snapshots WHERE park = ? ORDER BY date", (park,))
        return [_dt.date.fromisoformat(r[0]) for r in rows]

    def _snapshot_row(self, park: str, date: _dt.date | str) -> tuple[Any, ...]:
        day = parse_date(date, what="date") if not isinstance(date, _dt.date) else date
        rows = self._rows(f"SELECT snapshot_id, crs_wkt, source, notes FROM {P}snapshots "
                          "WHERE park = ? AND date = ?", (park, day.isoformat()))
        if not rows:
            have = ", ".join(d.isoformat() for d in self.dates(park)) or "none"
            raise MonitorError(f"monitoring store {self.where}: no snapshot of {park!r} on {day.isoformat()} "
                               f"(dates recorded: {have}).")
        return rows[0]

    def _frames(self, snapshot_id: int, crs: str) -> dict[str, tuple[str, Any]]:
        import geopandas as gpd
        import pandas as pd
        import shapely

        layers = self._rows(f"SELECT layer, kind, columns FROM {P}layers WHERE snapshot_id = ? "
                            "ORDER BY layer", (snapshot_id,))
        rows = self._rows(f"SELECT layer, properties, geom FROM {P}features WHERE snapshot_id = ? "
                          "ORDER BY layer, fid", (snapshot_id,))
        by_layer: dict[str, list[tuple[Any, Any]]] = {}
        for layer, props, geom in rows:
            by_layer.setdefault(layer, []).append((props, geom))
        out: dict[str, tuple[str, Any]] = {}
        for layer, kind, columns_json in layers:
            columns = json.loads(columns_json)
            got = by_layer.get(layer, [])
            records = [json.loads(p) for p, _ in got]
            frame = pd.DataFrame.from_records(records, columns=[c for c, _ in columns])
            for name, dtype in columns:
                frame[name] = _restore(frame[name], dtype)
            if kind == "layer":
                geoms = shapely.from_wkb([None if g is None else bytes(g) for _, g in got])
                frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
            out[layer] = (kind, frame)
        return out

    def snapshot(self, park: str, date: _dt.date | str) -> Park:
        """The park as recorded on ``date``, rebuilt from the stored layers (a validated Park)."""
        from ..landuse import _key
        from ..park import park_from_frames

        snapshot_id, crs, _source, _notes = self._snapshot_row(park, date)
        frames = self._frames(snapshot_id, crs)
        layers = {name: f for name, (kind, f) in frames.items() if kind == "layer"}
        landuse = layers["landuse"]
        mapping = None
        if "landuse_class" in landuse.columns:  # the classes as judged then, whatever mapping made them
            mapping = {_key(v): c for v, c in zip(landuse["landuse"], landuse["landuse_class"], strict=True)
                       if v is not None and c is not None}
            landuse = landuse.drop(columns=["landuse_class"])
        given: dict[str, Any] = {n: layers.get(n) for n in PARK_LAYERS}
        given["landuse"] = landuse
        extras = {n: f for n, f in layers.items() if n not in PARK_LAYERS}
        enterprises = frames.get("enterprises")
        rebuilt = park_from_frames(**given, extras=extras, crs=crs, landuse_mapping=mapping,
                                   source=f"{self.where} ({park}, {date})",
                                   enterprises=enterprises[1] if enterprises is not None else None)
        return rebuilt.replace(name=park)

    def tables(self, park: str, date: _dt.date | str) -> dict[str, pd.DataFrame]:
        """The attribute tables kept with a snapshot (enterprises, flows, register, …)."""
        snapshot_id, crs, _source, _notes = self._snapshot_row(park, date)
        return {n: f for n, (kind, f) in self._frames(snapshot_id, crs).items() if kind == "table"}

    def layers(self, park: str, date: _dt.date | str) -> dict[str, gpd.GeoDataFrame]:
        """Every layer of a snapshot as GeoDataFrames (e.g. to add them to QGIS)."""
        snapshot_id, crs, _source, _notes = self._snapshot_row(park, date)
        return {n: f for n, (kind, f) in self._frames(snapshot_id, crs).items() if kind == "layer"}


@contextmanager
def open_store(target: str | os.PathLike[str]) -> Iterator[Store]:
    """Open (and create when missing) the store at a GeoPackage path or a ``postgresql://`` URL.

    The URL form is ``postgresql://user@/dbname?host=/socket/dir&schema=monitor``; the schema
    (default ``monitor``) is created when missing.
    """
    store = Store(target)
    try:
        yield store
    finally:
        store.close()


def _restore(column: pd.Series, dtype: str) -> pd.Series:
    """A column read back from JSON in the dtype it was recorded with (as near as it goes)."""
    import pandas as pd

    try:
        if dtype.startswith("datetime64"):
            return pd.to_datetime(column).astype(dtype)
        if dtype in ("object", "str", "string") or dtype.startswith("geometry"):
            return column.astype(object).where(column.notna(), None) if dtype == "object" else column
        if dtype == "bool" and column.isna().any():
            return column
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column


def _frame_rows(frame: Any, geometry: bool) -> tuple[list[list[str]], list[tuple[str, Any]]]:
    """Columns with dtypes, and (properties JSON, WKB) per row."""
    import shapely

    columns = [c for c in frame.columns if not (geometry and c == frame.geometry.name)]
    attrs = frame[columns]
    described = [[str(c), str(attrs[c].dtype)] for c in columns]
    names = [str(c) for c in columns]
    cells = [column_values(attrs[c]) for c in columns]
    props = [dumps(dict(zip(names, row, strict=True))) for row in zip(*cells, strict=True)] if cells \
        else ["{}"] * len(frame)
    wkb: list[Any] = (list(shapely.to_wkb(frame.geometry.values, include_srid=False))
                      if geometry else [None] * len(frame))
    return described, list(zip(props, wkb, strict=True))


def _threshold(value: Any) -> tuple[float, str]:
    if isinstance(value, Mapping):
        return math.nan, dumps({str(k): json_value(v) for k, v in value.items()})
    return float(value), dumps(json_value(value))


def record(
    store: Store,
    park: Park,
    report: ComplianceReport,
    *,
    date: _dt.date | str,
    name: str | None = None,
    overwrite: bool = False,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> int:
    """Keep ``park`` (every layer and attribute table) and every value of ``report`` as of ``date``.

    One transaction: either all of it is stored or nothing. Recording the same park and date again
    is refused unless ``overwrite``. ``tables`` adds attribute tables (e.g. ``flows``, ``register``).
    Returns the number of criteria stored.
    """
    from .. import __version__

    day = parse_date(date)
    park_name = name or report.park or park.name
    layers: dict[str, Any] = {"landuse": park.landuse}
    layers.update({n: f for n, f in park.layers().items() if n != "landuse"})
    attr_tables: dict[str, Any] = {}
    if park.has_enterprises:  # the park's own enterprises table (not the empty stand-in)
        attr_tables["enterprises"] = park.enterprises
    attr_tables.update(tables or {})
    clash = sorted(set(layers) & set(attr_tables))
    if clash:
        raise MonitorError(f"table name(s) {', '.join(clash)} are park layers too; give them other names.")
    stored_layers = []
    features = []
    for kind, group in (("layer", layers), ("table", attr_tables)):
        for lname, frame in group.items():
            described, rows = _frame_rows(frame, kind == "layer")
            stored_layers.append((lname, kind, dumps(described)))
            features += [(lname, i, props, wkb) for i, (props, wkb) in enumerate(rows)]
    values, criteria = [], []
    for r in report.results:
        assessed = bool(getattr(r, "assessed", True))
        reason = getattr(r, "reason", None)
        threshold, threshold_json = _threshold(r.threshold)
        text = (r.id, r.title["en"], r.title["vi"], r.indicator, r.unit, r.op, threshold_json, r.status, r.source)
        key = hashlib.sha1(dumps(text).encode("utf-8")).hexdigest()
        criteria.append((key, *text))
        value = float(r.value) if assessed and r.value is not None else math.nan
        values.append((r.id, key, None if math.isnan(threshold) else threshold,
                       None if not math.isfinite(value) else value,
                       None if not assessed or r.passed is None else int(bool(r.passed)),
                       int(assessed), reason))
    recorded_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    db = store._db
    try:
        with db.transaction():
            cur = db.cursor()
            cur.execute(db.sql(f"SELECT snapshot_id FROM {P}snapshots WHERE park = ? AND date = ?"),
                        (park_name, day.isoformat()))
            old = cur.fetchall()
            if old and not overwrite:
                raise MonitorError(_already(store, park_name, day))
            for (sid,) in old:
                for t in ("values", "features", "layers", "snapshots"):
                    cur.execute(db.sql(f"DELETE FROM {P}{t} WHERE snapshot_id = ?"), (sid,))
            cur.execute(db.sql(
                f"INSERT INTO {P}snapshots (park, date, criteria_set, crs_wkt, source, recorded_at, "
                "eipgis_version, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING snapshot_id"),
                (park_name, day.isoformat(), report.criteria_set, park.crs.to_wkt(), park.source,
                 recorded_at, __version__, dumps(list(park.notes))))
            sid = cur.fetchone()[0]
            db.insert_many(cur, f"{P}layers", [(sid, *row) for row in stored_layers])
            _pause_for_tests()
            db.insert_many(cur, f"{P}features", [(sid, *row) for row in features])
            cur.executemany(db.sql(f"INSERT INTO {P}criteria VALUES ({', '.join(['?'] * 10)}) "
                                   "ON CONFLICT (criterion_key) DO NOTHING"), criteria)
            db.insert_many(cur, f"{P}values", [(sid, *row) for row in values])
    except MonitorError:
        raise
    except db.db_errors() as exc:
        if db.is_duplicate(exc):
            raise MonitorError(f"monitoring store {store.where}: {park_name!r} is already recorded on "
                               f"{day.isoformat()} (by another planner, at the same time; theirs is kept); "
                               "run again with --overwrite (overwrite=True) to replace it.") from None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MonitorError(f"monitoring store {store.where}: the record of {park_name!r} on {day} failed "
                           f"and nothing was stored ({first}).") from None
    return len(values)


def _already(store: Store, park: str, day: _dt.date) -> str:
    return (f"monitoring store {store.where}: {park!r} is already recorded on {day.isoformat()}; "
            "use --overwrite (overwrite=True) to replace that snapshot, or another --date.")


def _pause_for_tests() -> None:
    """Nothing: tests replace it to hold a record open mid-transaction (concurrency, SIGKILL)."""


def series(store: Store, park: str | None = None) -> pd.DataFrame:
    """Every stored indicator value: one row per (park, date, criterion), sorted by park, id, date."""
    import pandas as pd

    where, params = ("", ()) if park is None else (" WHERE park = ?", (park,))
    snaps = pd.DataFrame.from_records(store._rows(
        f"SELECT snapshot_id, park, date, criteria_set, recorded_at, eipgis_version FROM {P}snapshots{where}",
        params), columns=["snapshot_id", "park", "date", "criteria_set", "recorded_at", "eipgis_version"])
    vals = pd.DataFrame.from_records(store._rows(
        f"SELECT snapshot_id, id, criterion_key, threshold, value, passed, assessed, reason FROM {P}values"
        + ("" if park is None else f" WHERE snapshot_id IN (SELECT snapshot_id FROM {P}snapshots{where})"),
        params), columns=["snapshot_id", "id", "criterion_key", "threshold", "value", "passed", "assessed",
                          "reason"])
    texts = pd.DataFrame.from_records(store._rows(
        f"SELECT criterion_key, title_en, title_vi, indicator, unit, op, status, source FROM {P}criteria"),
        columns=["criterion_key", "title_en", "title_vi", "indicator", "unit", "op", "status", "source"])
    df = vals.merge(snaps, on="snapshot_id").merge(texts, on="criterion_key", how="left")
    df = df.sort_values(["park", "id", "date"], kind="stable")[SERIES_COLUMNS]
    df["date"] = df["date"].map({d: _dt.date.fromisoformat(d) for d in df["date"].unique()})
    for col in ("threshold", "value"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["passed"] = pd.to_numeric(df["passed"], errors="coerce").astype(float).astype("boolean")
    df["assessed"] = df["assessed"].astype(bool)
    df["reason"] = df["reason"].astype(object).where(df["reason"].notna(), None)
    return df.reset_index(drop=True)
