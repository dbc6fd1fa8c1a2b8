"""PostgreSQL / PostGIS access shared by the monitoring store and parks kept in a database.

A database is named by a URL, ``postgresql://user[:password]@host[:port]/dbname?schema=NAME``
(a Unix socket as ``?host=/run/postgresql``); ``schema`` is eipgis's own query parameter and is
taken out before the rest goes to libpq. Messages show the URL without its password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["PREFIXES", "connect", "ident", "is_url", "read_layers", "split_url"]

#: How a database URL starts.
PREFIXES = ("postgresql://", "postgres://")
#: Seconds to wait for the server before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10


def is_url(text: Any) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(text, str) and text.startswith(PREFIXES)


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def split_url(url: str, default_schema: str | None = None) -> tuple[str, str | None, str]:
    """``(conninfo for libpq, schema, the URL as shown: no password)``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None) or default_schema
    conninfo = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))
    host = parts.netloc.rsplit("@", 1)[-1]  # no user or password shown
    public = urlencode([(k, v) for k, v in query if k != "password"], safe="/")
    shown = f"{parts.scheme}://{host}{parts.path}" + (f"?{public}" if public else "")
    return conninfo, schema, shown


def _psycopg(error: type[InputError]) -> Any:
    try:
        import psycopg
    except ImportError:
        raise error("a postgresql:// database needs psycopg 3. Fix: pip install 'eipgis[postgis]' "
                    "(or pip install 'psycopg[binary]>=3.1').") from None
    return psycopg


def connect(url: str, *, what: str, error: type[InputError] = InputError, autocommit: bool = True) -> Any:
    """A psycopg connection; an unreachable server or a refused login is one ``error`` naming ``what``."""
    psycopg = _psycopg(error)
    conninfo, _, shown = split_url(url)
    try:
        return psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT_S, autocommit=autocommit)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise error(f"{what} {shown}: cannot connect to PostgreSQL ({first}). Fix: check the server, "
                    "the user and the database in the URL.") from None


def read_layers(url: str, names: tuple[str, ...], *,
                error: type[InputError] = InputError) -> dict[str, gpd.GeoDataFrame]:
    """The tables ``names`` of the URL's ``schema`` that exist, as (Geo)DataFrames.

    A table with a PostGIS geometry column comes back with its geometry and CRS (the column's
    SRID); a table without one as an attribute table. The schema must exist.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    _, schema, shown = split_url(url, "public")
    assert schema is not None
    with connect(url, what="park database", error=error) as con:
        if not con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
            raise error(f"park database {shown}: no schema {schema!r}. Fix: give ?schema=NAME of the schema "
                        "that holds the park's tables (boundary, landuse, …).")
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))}
        has_postgis = bool(con.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone())
        out: dict[str, gpd.GeoDataFrame] = {}
        for name in names:
            if name not in present:
                continue
            geom_col, srid = None, None
            if has_postgis:
                row = con.execute("SELECT f_geometry_column, srid FROM geometry_columns "
                                  "WHERE f_table_schema = %s AND f_table_name = %s", (schema, name)).fetchone()
                if row:
                    geom_col, srid = row
            table = f"{ident(schema)}.{ident(name)}"
            if geom_col is None:
                cur = con.execute(f"SELECT * FROM {table}")
                cols = [d.name for d in cur.description or []]
                out[name] = pd.DataFrame(cur.fetchall(), columns=cols)
                continue
            cur = con.execute(f"SELECT *, ST_AsBinary({ident(geom_col)}) AS eipgis_wkb, "
                              f"ST_SRID({ident(geom_col)}) AS eipgis_srid FROM {table}")
            cols = [d.name for d in cur.description or []]
            frame = pd.DataFrame(cur.fetchall(), columns=cols)
            srids = set(frame["eipgis_srid"].dropna().astype(int)) - {0}
            if not srid and len(srids) == 1:
                srid = srids.pop()
            geoms = shapely.from_wkb([bytes(b) if b is not None else None for b in frame["eipgis_wkb"]])
            frame = frame.drop(columns=[geom_col, "eipgis_wkb", "eipgis_srid"])
            out[name] = gpd.GeoDataFrame(frame, geometry=geoms, crs=f"EPSG:{srid}" if srid else None)
    return out
