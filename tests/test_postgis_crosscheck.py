"""Cross-check eipgis's measurements of the Tằng Loỏng sample against PostGIS.

The same geometries are loaded into a private PostgreSQL/PostGIS cluster (started for the test
on a Unix socket, no network) and measured there with ST_Area, ST_Intersection, ST_Buffer and
ST_Distance. A planner can then trust that the figures do not depend on one library.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import eipgis
from eipgis.criteria import check


@pytest.fixture(scope="module")
def pg(pg_cluster):
    """A connection to the session's private cluster, with PostGIS."""
    with pg_cluster.connect() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield conn


@pytest.fixture(scope="module")
def park():
    return eipgis.load_park(eipgis.sample_path())


@pytest.fixture(scope="module")
def loaded(pg, park):
    """The park's layers as PostGIS tables (geometry as WKB, no SRID: all in the park's CRS)."""
    def load(table, frame, columns):
        pg.execute(f"DROP TABLE IF EXISTS {table}")
        cols = ", ".join(f"{c} text" for c in columns)
        pg.execute(f"CREATE TABLE {table} ({cols}{', ' if cols else ''}geom geometry)")
        rows = [(*[None if v is None else str(v) for v in rec], shapely.to_wkb(g))
                for rec, g in zip(frame[list(columns)].itertuples(index=False, name=None),
                                  frame.geometry.values, strict=True)]
        marks = ", ".join(["%s"] * len(columns) + ["ST_GeomFromWKB(%s)"])
        with pg.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    load("boundary", park.boundary, [])
    load("landuse", park.landuse, ["parcel_id", "landuse_class"])
    load("buildings", park.buildings, ["main", "facility_id"])
    load("plot_green", park.plot_green, [])
    load("facilities", park.facilities, ["facility_id"])
    load("neighbourhoods", park.neighbourhoods, ["name"])
    return pg


def _one(conn, sql):
    return conn.execute(sql).fetchone()[0]


def test_class_areas_match_postgis(loaded, park):
    rows = loaded.execute(
        "SELECT l.landuse_class, SUM(ST_Area(ST_Intersection(l.geom, b.geom))) "
        "FROM landuse l, boundary b GROUP BY 1"
    ).fetchall()
    report = check(park, "vn-qcvn-01-2021")
    for cls, area_m2 in rows:
        assert report.class_area_ha[cls] == pytest.approx(area_m2 / 1e4, rel=1e-9)
    boundary_m2 = _one(loaded, "SELECT ST_Area(geom) FROM boundary")
    assert park.area_m2 == pytest.approx(boundary_m2, rel=1e-12)
    green = dict(rows)["green"]
    assert report["VN21-LU-GREEN"].value == pytest.approx(green / boundary_m2, rel=1e-9)


def test_isolation_strip_matches_postgis(loaded, park):
    # shapely buffers with 16 segments per quarter circle; ask PostGIS for the same.
    band_m2, green_m2 = loaded.execute(
        "WITH band AS (SELECT ST_Difference(geom, ST_Buffer(geom, -10, 'quad_segs=16')) AS g "
        "FROM boundary) "
        "SELECT ST_Area(band.g), (SELECT SUM(ST_Area(ST_Intersection(band.g, l.geom))) "
        "FROM landuse l WHERE l.landuse_class = 'green') FROM band"
    ).fetchone()
    strip = check(park, "vn-qcvn-01-2021")["VN21-BUF-STRIP"]
    assert strip.details["band_ha"] == pytest.approx(band_m2 / 1e4, rel=1e-6)
    assert strip.value == pytest.approx(green_m2 / band_m2, rel=1e-6)


def test_plot_density_matches_postgis(loaded, park):
    rows = dict(loaded.execute(
        "SELECT l.parcel_id, COALESCE(SUM(ST_Area(ST_Intersection(l.geom, b.geom))), 0) "
        "/ ST_Area(l.geom) FROM landuse l LEFT JOIN buildings b "
        "ON b.main = 'True' AND ST_Intersects(l.geom, b.geom) "
        "WHERE l.landuse_class = 'industrial' GROUP BY l.parcel_id, l.geom"
    ).fetchall())
    measure = check(park, "vn-qcvn-01-2021")["VN21-PLOT-DENSITY"].measure
    ours = measure.per_feature["value"]
    assert set(ours.index) == set(rows)
    np.testing.assert_allclose(ours.to_numpy(), [rows[i] for i in ours.index], rtol=1e-9)


def test_safety_distances_match_postgis(loaded, park):
    # Measured from the source: the facility's polygon, else its buildings, else its point.
    rows = dict(loaded.execute(
        "WITH src AS (SELECT f.facility_id, COALESCE("
        "CASE WHEN GeometryType(f.geom) LIKE '%POLYGON' THEN f.geom END, "
        "(SELECT ST_Collect(b.geom) FROM buildings b WHERE b.facility_id = f.facility_id), "
        "f.geom) AS geom FROM facilities f) "
        "SELECT s.facility_id, MIN(ST_Distance(s.geom, n.geom)) "
        "FROM src s, neighbourhoods n GROUP BY 1"
    ).fetchall())
    frame = check(park, "vn-qcvn-01-2021")["VN-HAZ-DIST"].measure.per_feature
    np.testing.assert_allclose(frame["value"].to_numpy(), [rows[i] for i in frame.index],
                               rtol=1e-9)
