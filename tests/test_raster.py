"""Raster evidence: observed green cover on small rasters whose answers are known by hand.

Every raster here is drawn over the square park of ``conftest.py`` (1,000 m × 1,000 m,
EPSG:3405, parcels G1 green strip x 0–10, T1 traffic y 0–100, P1/P2/P3 industrial, E1
technical, G2 green x 110–1000 y 900–1000). The land-cover picture ``PICTURE`` is:

* everything built-up (50), except
* G1, the west strip x 0–10: tree cover (10)                       → 1.0 ha green
* G2 west part x 110–400, y 900–1000: grassland (30)               → 2.9 ha green
* G2 east part x 400–1000: bare (60)                               → G2 is 2.9 / 8.9 = 0.3258 green
* P1's plot green x 10–110, y 100–600: grassland (30)              → 5.0 ha green

So the park is (1 + 2.9 + 5) / 100 = 8.9 % green on the ground: OBS-GREEN fails by 1.1 % of
100 ha = 1.1 ha, and G2 (green on the plan) is green on paper only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from conftest import X0, Y0, square_park_layers, write_park
from pyproj import CRS
from rasterio.transform import from_origin

import eipgis
from eipgis.cli import main
from eipgis.errors import CRSError, InputError
from eipgis.raster import (
    LANDUSE_CODES,
    RasterError,
    observed_green,
    parse_classes,
    rasterize_landuse,
    with_observed_green,
)

PARK_CRS = "EPSG:3405"


def picture(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The land-cover code at park coordinates (metres from the park's south-west corner)."""
    code = np.full(x.shape, 50, dtype=np.uint8)
    code[(x < 10)] = 10
    code[(x >= 110) & (x < 400) & (y >= 900)] = 30
    code[(x >= 400) & (y >= 900)] = 60
    code[(x >= 10) & (x < 110) & (y >= 100) & (y < 600)] = 30
    return code


def write_raster(path: Path, data: np.ndarray, transform, crs, nodata=None) -> Path:
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1,
               "dtype": data.dtype.name, "transform": transform, "nodata": nodata}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def grid(x_left: float, y_top: float, size_m: float, width: int, height: int):
    """Pixel-centre park coordinates of a grid whose top-left corner is (x_left, y_top)."""
    cols = x_left + (np.arange(width) + 0.5) * size_m
    rows = y_top - (np.arange(height) + 0.5) * size_m
    return np.meshgrid(cols, rows)


@pytest.fixture
def park(square_gpkg: Path) -> eipgis.Park:
    return eipgis.load_park(square_gpkg)


@pytest.fixture
def landcover(tmp_path: Path) -> Path:
    """The picture at 10 m, in the park's CRS, exactly over the park."""
    x, y = grid(0, 1000, 10, 100, 100)
    return write_raster(tmp_path / "lc.tif", picture(x, y),
                        from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS)


def test_landcover_same_crs(park, landcover):
    obs = observed_green(park, landcover)
    assert obs.coverage == pytest.approx(1.0)
    assert obs.green_m2 == pytest.approx(89_000.0)
    assert obs.green_share == pytest.approx(0.089)
    pp = obs.per_parcel
    assert pp.loc["G1", "green_share"] == pytest.approx(1.0)
    assert pp.loc["G2", "green_share"] == pytest.approx(2.9 / 8.9)
    assert pp.loc["P1", "green_m2"] == pytest.approx(50_000.0)
    assert pp.loc["P2", "green_share"] == pytest.approx(0.0)
    assert obs.paper_only() == ["G2"]
    assert obs.composition_m2[10] == pytest.approx(10_000.0)
    assert obs.composition_m2[60] == pytest.approx(60_000.0)  # G2 east: 600 m × 100 m


def test_obs_green_criteria(park, landcover):
    report = eipgis.check(park, with_observed_green("vn-qcvn-01-2021", landcover))
    obs = report["OBS-GREEN"]
    assert not obs.passed
    assert obs.value == pytest.approx(0.089)
    assert obs.gap["area_ha"] == pytest.approx(1.1)
    assert obs.details["green_on_paper_only"] == ["G2"]
    paper = report["OBS-GREEN-PAPER"]
    assert paper.features == ["G2"]
    assert paper.details["checked"] == 2  # G1 and G2
    # G2 needs 50 % − 32.58 % of its 8.9 ha planted: 4.45 − 2.9 = 1.55 ha
    assert paper.gap["area_ha"] == pytest.approx(1.55)


def test_exact_pixel_fractions(park, tmp_path):
    """20 m pixels shifted 5 m west: parcel edges cut pixels, and only exact fractions fit.

    Column 0 spans x −5…15 and is tree cover; the rest is built-up. G1 (x 0–10) lies inside
    it: 100 % green. T1 (x 10–1000, y 0–100) takes x 10–15 of it: 5 m × 100 m = 500 m² green,
    where centre sampling would give 0 m² (the column's centre x 5 is outside T1).
    """
    width, height = 51, 50
    data = np.full((height, width), 50, dtype=np.uint8)
    data[:, 0] = 10
    path = write_raster(tmp_path / "shifted.tif", data,
                        from_origin(X0 - 5, Y0 + 1000, 20, 20), PARK_CRS)
    obs = observed_green(park, path)
    assert obs.per_parcel.loc["G1", "green_share"] == pytest.approx(1.0)
    assert obs.per_parcel.loc["T1", "green_m2"] == pytest.approx(500.0)
    assert obs.per_parcel.loc["P1", "green_m2"] == pytest.approx(5 * 500.0)  # x 10–15, y 100–600
    # Park: x 0–15 of the whole height: 15 000 m².
    assert obs.green_m2 == pytest.approx(15_000.0)


def test_raster_in_another_crs(park, tmp_path):
    """The same picture drawn on a 10 m grid of WGS 84 / UTM 48N (EPSG:32648).

    VN-2000 and WGS 84 differ by a datum shift of tens of metres; inside the park the shift is
    a translation to within millimetres, so the grid is laid at the park's corner as
    transformed, and the answers are those of the park's own CRS.
    """
    from pyproj import Transformer

    to_utm = Transformer.from_crs(PARK_CRS, "EPSG:32648", always_xy=True)
    ux, uy = to_utm.transform(X0, Y0 + 1000)
    shift = math.hypot(ux - X0, uy - (Y0 + 1000))
    assert shift > 20  # reading the grid as if it were in the park's CRS would be wrong
    x, y = grid(0, 1000, 10, 100, 100)
    path = write_raster(tmp_path / "utm.tif", picture(x, y), from_origin(ux, uy, 10, 10), "EPSG:32648")
    obs = observed_green(park, path)
    assert obs.raster_crs == "EPSG:32648"
    assert obs.green_share == pytest.approx(0.089, abs=1e-4)
    assert obs.per_parcel.loc["G2", "green_share"] == pytest.approx(2.9 / 8.9, abs=1e-4)
    assert obs.paper_only() == ["G2"]


def test_raster_in_lon_lat(park, tmp_path):
    """A WorldCover-like EPSG:4326 raster, all tree cover, larger than the park: all green."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(PARK_CRS, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_ll.transform(X0 - 200, Y0 - 200)
    lon1, lat1 = to_ll.transform(X0 + 1200, Y0 + 1200)
    step = 1 / 12000  # WorldCover's pixel, about 9 m here
    width, height = math.ceil((lon1 - lon0) / step), math.ceil((lat1 - lat0) / step)
    data = np.full((height, width), 10, dtype=np.uint8)
    path = write_raster(tmp_path / "ll.tif", data, from_origin(lon0, lat1, step, step), "EPSG:4326")
    obs = observed_green(park, path)
    assert obs.coverage == pytest.approx(1.0, abs=1e-3)
    assert obs.green_share == pytest.approx(1.0)
    assert obs.green_m2 == pytest.approx(1_000_000.0, rel=1e-3)


def test_partial_coverage(park, tmp_path):
    """A raster of the southern half only (y 0–500): shares are of the observed part.

    G1 is seen on 50 % of its length (= min_coverage, judged), G2 and P3 not at all.
    Observed: 50 ha, of which the G1 half (0.5 ha) plus P1's plot green y 100–500 (4 ha) are
    green: 4.5 / 50 = 0.09; as a share of the whole park at least 0.045.
    """
    x, y = grid(0, 500, 10, 100, 50)
    path = write_raster(tmp_path / "south.tif", picture(x, y),
                        from_origin(X0, Y0 + 500, 10, 10), PARK_CRS)
    obs = observed_green(park, path)
    assert obs.coverage == pytest.approx(0.5)
    assert obs.green_share == pytest.approx(0.09)
    pp = obs.per_parcel
    assert pp.loc["P1", "coverage"] == pytest.approx(0.8)
    assert pp.loc["G1", "green_share"] == pytest.approx(1.0)
    assert sorted(obs.unobserved()) == ["E1", "G2", "P3"]
    assert obs.paper_only() == []  # G2 is not seen, so it is not judged
    report = eipgis.check(park, with_observed_green("vn-qcvn-01-2021", path))
    assert report["OBS-GREEN"].details["coverage"] == pytest.approx(0.5)
    assert report["OBS-GREEN"].details["lower_bound"] == pytest.approx(0.045)
    assert report["OBS-GREEN-PAPER"].details["checked"] == 1


def test_nodata_pixels_are_not_observed(park, tmp_path):
    """WorldCover's 0 means no data: a 0 column over G1 leaves G1 unobserved."""
    x, y = grid(0, 1000, 10, 100, 100)
    data = picture(x, y)
    data[:, 0] = 0
    path = write_raster(tmp_path / "nd.tif", data, from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS)
    obs = observed_green(park, path)
    assert obs.coverage == pytest.approx(0.99)
    assert "G1" in obs.unobserved()
    assert obs.green_share == pytest.approx(7.9 / 99)


def test_ndvi(park, tmp_path):
    """NDVI 0.8 on G1, 0.3 on G2, 0.1 elsewhere, NaN (no data) on E1: only G1 is green at 0.4."""
    x, y = grid(0, 1000, 10, 100, 100)
    data = np.full(x.shape, 0.1, dtype=np.float32)
    data[x < 10] = 0.8
    data[(x >= 110) & (y >= 900)] = 0.3
    data[(x >= 10) & (x < 110) & (y >= 900)] = np.nan
    path = write_raster(tmp_path / "ndvi.tif", data, from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS,
                        nodata=float("nan"))
    obs = observed_green(park, path, ndvi_min=0.4)
    assert obs.method == "NDVI ≥ 0.4"
    assert obs.observed_m2 == pytest.approx(990_000.0)
    assert obs.green_share == pytest.approx(10_000 / 990_000)
    assert obs.paper_only() == ["G2"]
    assert observed_green(park, path, ndvi_min=0.25).paper_only() == []


def test_other_green_classes(park, landcover):
    """Counting bare land (60) as green too makes G2 wholly green."""
    obs = observed_green(park, landcover, green_classes="10,30,60")
    assert obs.per_parcel.loc["G2", "green_share"] == pytest.approx(1.0)
    assert obs.green_share == pytest.approx(0.149)


# --- bad input ------------------------------------------------------------------------------


def test_raster_without_crs(park, tmp_path):
    x, y = grid(0, 1000, 10, 100, 100)
    path = write_raster(tmp_path / "nocrs.tif", picture(x, y), from_origin(X0, Y0 + 1000, 10, 10), None)
    with pytest.raises(CRSError, match="no CRS.*Assign Projection"):
        observed_green(park, path)


def test_no_overlap(park, tmp_path):
    x, y = grid(0, 1000, 10, 100, 100)
    path = write_raster(tmp_path / "far.tif", picture(x, y),
                        from_origin(X0 + 50_000, Y0 + 1000, 10, 10), PARK_CRS)
    with pytest.raises(RasterError, match="does not overlap the park"):
        observed_green(park, path)


def test_unknown_class_code(park, tmp_path):
    x, y = grid(0, 1000, 10, 100, 100)
    data = picture(x, y)
    data[50, 50] = 7
    data[51, 50] = 7
    path = write_raster(tmp_path / "odd.tif", data, from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS)
    with pytest.raises(RasterError, match=r"unknown land-cover code\(s\) inside the park: 7 \(2 pixels\)"):
        observed_green(park, path)


def test_unknown_green_class(park, landcover):
    with pytest.raises(RasterError, match="unknown land-cover code.*25"):
        observed_green(park, landcover, green_classes=[10, 25])


def test_ndvi_out_of_range(park, tmp_path):
    data = np.full((100, 100), 8000.0, dtype=np.float32)  # NDVI × 10 000, not divided
    path = write_raster(tmp_path / "scaled.tif", data, from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS)
    with pytest.raises(RasterError, match=r"NDVI values outside \[-1, 1\].*divide"):
        observed_green(park, path, ndvi_min=0.4)
    with pytest.raises(RasterError, match="looks like NDVI"):
        observed_green(park, path)


def test_both_methods_and_bad_codes(park, landcover):
    with pytest.raises(InputError, match="not both"):
        observed_green(park, landcover, green_classes=[10], ndvi_min=0.4)
    with pytest.raises(InputError, match="'x' is not a class code"):
        parse_classes("10,x")
    with pytest.raises(InputError, match=r"outside \[-1, 1\]"):
        observed_green(park, landcover, ndvi_min=2)
    with pytest.raises(RasterError, match="no such raster"):
        observed_green(park, landcover.with_name("missing.tif"))


# --- command line ----------------------------------------------------------------------------


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_cli_landcover(square_gpkg, landcover, capsys):
    code, out, _ = run_cli(["check", str(square_gpkg), "--landcover", str(landcover),
                            "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    results = {r["id"]: r for r in data["results"]}
    assert results["OBS-GREEN"]["value"] == pytest.approx(0.089)
    assert results["OBS-GREEN"]["passed"] is False
    assert results["OBS-GREEN-PAPER"]["features"] == ["G2"]
    code, out, _ = run_cli(["check", str(square_gpkg), "--landcover", str(landcover),
                            "--green-classes", "10,30,60", "--lang", "vi"], capsys)
    assert code == 0
    assert "OBS-GREEN" in out and "14,9 %" in out  # Vietnamese decimal comma (issue 14)


def test_cli_ndvi(square_gpkg, tmp_path, capsys):
    data = np.full((100, 100), 0.9, dtype=np.float32)
    path = write_raster(tmp_path / "ndvi.tif", data, from_origin(X0, Y0 + 1000, 10, 10), PARK_CRS)
    code, out, _ = run_cli(["check", str(square_gpkg), "--landcover", str(path), "--ndvi-min", "0.4",
                            "--format", "json"], capsys)
    assert code == 0
    results = {r["id"]: r for r in json.loads(out)["results"]}
    assert results["OBS-GREEN"]["value"] == pytest.approx(1.0)
    assert results["OBS-GREEN"]["passed"] is True


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("nocrs", [], "no CRS"),
        ("far", [], "does not overlap"),
        ("odd", [], "unknown land-cover code"),
        ("lc", ["--green-classes", "10,25"], "unknown land-cover code"),
        ("lc", ["--green-classes", "ten"], "not a class code"),
        ("scaled", ["--ndvi-min", "0.4"], "NDVI values outside"),
        ("missing", [], "no such raster"),
    ],
)
def test_cli_bad_rasters(square_gpkg, tmp_path, capsys, kind, options, message):
    x, y = grid(0, 1000, 10, 100, 100)
    data, crs, transform = picture(x, y), PARK_CRS, from_origin(X0, Y0 + 1000, 10, 10)
    if kind == "nocrs":
        crs = None
    elif kind == "far":
        transform = from_origin(X0 + 50_000, Y0 + 1000, 10, 10)
    elif kind == "odd":
        data[10, 10] = 99
    elif kind == "scaled":
        data = np.full((100, 100), 5000.0, dtype=np.float32)
    path = tmp_path / f"{kind}.tif"
    if kind != "missing":
        write_raster(path, data, transform, crs)
    out_file = tmp_path / "report.json"
    code, _, err = run_cli(["check", str(square_gpkg), "--landcover", str(path), *options,
                              "-o", str(out_file)], capsys)
    assert code == 2
    assert err.startswith("eipgis: error:") and message in err
    assert "Traceback" not in err
    assert not out_file.exists()


def test_cli_green_classes_without_raster(square_gpkg, capsys):
    code, _, err = run_cli(["check", str(square_gpkg), "--green-classes", "10"], capsys)
    assert code == 2 and "need --landcover" in err


# --- rasterised land use ---------------------------------------------------------------------


def test_rasterize_landuse(park, tmp_path):
    path = rasterize_landuse(park, tmp_path / "lu.tif", resolution_m=10)
    with rasterio.open(path) as src:
        data = src.read(1)
        assert data.shape == (100, 100)
        assert src.crs.to_epsg() == 3405
        assert src.nodata == 0
        cmap = src.colormap(1)
        tags = src.tags()
    counts = dict(zip(*np.unique(data, return_counts=True), strict=True))
    assert counts[LANDUSE_CODES["green"]] == 100 + 890  # G1 1 ha + G2 8.9 ha at 100 m² a pixel
    assert counts[LANDUSE_CODES["industrial"]] == 2500 + 2450 + 2970
    assert counts[LANDUSE_CODES["technical"]] == 100
    assert cmap[LANDUSE_CODES["green"]] == (0x52, 0xA5, 0x00, 255)
    assert tags[f"CLASS_{LANDUSE_CODES['green']}"] == "green | Green space | Đất cây xanh"
    assert tags["park"] == "Khu công nghiệp Thử nghiệm"


def test_rasterize_landuse_coarse_and_existing(park, tmp_path):
    path = rasterize_landuse(park, tmp_path / "lu30.tif", resolution_m=30)
    with rasterio.open(path) as src:
        assert src.res == (30.0, 30.0)
        assert src.transform.c % 30 == 0 and src.transform.f % 30 == 0
        assert src.width == math.ceil((X0 + 1000 - (X0 // 30) * 30) / 30)
    before = path.read_bytes()
    with pytest.raises(eipgis.OutputError, match="exists already"):
        rasterize_landuse(park, path, resolution_m=10)
    assert path.read_bytes() == before
    with pytest.raises(InputError, match="positive"):
        rasterize_landuse(park, tmp_path / "bad.tif", resolution_m=0)


def test_rasterized_landuse_reads_back_as_green_evidence(park, tmp_path):
    """Round trip: the land-use raster, read with green class = code 2, gives the plan's share."""
    path = rasterize_landuse(park, tmp_path / "lu.tif", resolution_m=10)
    obs = observed_green(park, path, green_classes=[LANDUSE_CODES["green"]], legend=None)
    assert obs.green_share == pytest.approx(0.099)  # G1 1 ha + G2 8.9 ha


def test_square_layers_unchanged(tmp_path, landcover):
    """The raster check never writes beside the inputs."""
    gpkg = write_park(tmp_path / "p.gpkg", square_park_layers())
    before = sorted(p.name for p in tmp_path.iterdir())
    eipgis.check(eipgis.load_park(gpkg), with_observed_green("vn-qcvn-01-2021", landcover))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- the illustrative sample raster -------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
SAMPLE_RASTER = REPO / "layers" / "tang_loong_landcover.tif"


def test_sample_landcover_matches_its_script(tmp_path):
    """The committed raster is what layers/build_landcover.py makes from the committed park."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_landcover", REPO / "layers" / "build_landcover.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "lc.tif"
    assert module.main(["--park", str(REPO / "layers" / "tang_loong.gpkg"), "-o", str(out)]) == 0
    with rasterio.open(out) as new, rasterio.open(SAMPLE_RASTER) as committed:
        assert new.crs == committed.crs and new.transform == committed.transform
        assert np.array_equal(new.read(1), committed.read(1))
        assert committed.colormap(1)[10][:3] == (0, 100, 0)
        assert "ILLUSTRATIVE" in committed.tags()["NOTE"]


def test_sample_obs_green():
    """On the sample: three green parcels are drawn unplanted (PAPER_ONLY in the script)."""
    park = eipgis.load_park(REPO / "layers" / "tang_loong.gpkg")
    report = eipgis.check(park, with_observed_green("vn-qcvn-01-2021", SAMPLE_RASTER))
    assert report["OBS-GREEN"].passed
    assert 0.15 < report["OBS-GREEN"].value < 0.30
    assert report["OBS-GREEN"].details["raster_crs"] == "EPSG:4326"
    assert sorted(report["OBS-GREEN-PAPER"].features) == ["CX-02", "CX-08", "CXCL-07"]


@pytest.mark.parametrize("raster_crs", ["EPSG:3405", "EPSG:4326"])
def test_engines_agree_on_irregular_polygons(raster_crs):
    """exactextract and the shapely engine give the same pixel fractions (both are exact)."""
    from eipgis.raster import _to_raster_crs, cell_fractions

    park = eipgis.load_park(REPO / "layers" / "tang_loong.gpkg")
    geoms = _to_raster_crs(park.landuse.geometry.values, park.crs, CRS(raster_crs))
    assert shapely.is_valid(geoms).all()
    x0, y0, x1, y1 = park.boundary.to_crs(raster_crs).total_bounds
    size = 10.0 if raster_crs == "EPSG:3405" else 1 / 12000
    shape = (math.ceil((y1 - y0) / size) + 2, math.ceil((x1 - x0) / size) + 2)
    transform = from_origin(x0 - size, y1 + size, size, size)
    results = {}
    for engine in ("exactextract", "shapely"):
        gid, cell, frac = cell_fractions(geoms, transform, shape, srs_wkt=CRS(raster_crs).to_wkt(),
                                         engine=engine)
        order = np.lexsort((cell, gid))
        results[engine] = (gid[order], cell[order], frac[order])
    (g1, c1, f1), (g2, c2, f2) = results["exactextract"], results["shapely"]
    ncells = shape[0] * shape[1]
    k1, k2 = g1 * ncells + c1, g2 * ncells + c2
    keys = np.union1d(k1, k2)
    d1 = np.zeros(len(keys))
    d2 = np.zeros(len(keys))
    d1[np.searchsorted(keys, k1)] = f1
    d2[np.searchsorted(keys, k2)] = f2
    assert np.abs(d1 - d2).max() < 1e-6  # a pixel only one engine lists is covered ~0
    # Fractions add up to each parcel's area in pixels.
    sums = np.bincount(g2, weights=f2, minlength=len(geoms))
    assert np.allclose(sums * size * size, shapely.area(geoms), rtol=1e-9)


@pytest.mark.parametrize("engine", ["exactextract", "shapely"])
def test_cell_fractions_by_hand(engine):
    """10 m pixels; a 4 m × 5 m polygon inside one pixel, and one across four pixels.

    exactextract keeps fractions as 32-bit floats (about 7 digits).
    """
    from shapely.geometry import box

    from eipgis.raster import cell_fractions

    transform = from_origin(0, 30, 10, 10)  # 3 × 3 pixels, x 0–30, y 0–30
    geoms = np.array([box(2, 22, 6, 27), box(5, 5, 15, 15)], dtype=object)
    gid, cell, frac = cell_fractions(geoms, transform, (3, 3), srs_wkt=CRS(PARK_CRS).to_wkt(), engine=engine)
    got = {(int(g), int(c)): round(float(f), 6) for g, c, f in zip(gid, cell, frac, strict=True) if f > 1e-12}
    # Pixel index = row × 3 + col, row 0 at the top (y 20–30).
    assert got == {(0, 0): 0.2, (1, 3): 0.25, (1, 4): 0.25, (1, 6): 0.25, (1, 7): 0.25}


def test_engines_give_the_same_observed_green():
    """observed_green by exactextract (default) and by the shapely engine used inside QGIS."""
    from eipgis.raster import observed_green

    park = eipgis.load_park(REPO / "layers" / "tang_loong.gpkg")
    a = observed_green(park, SAMPLE_RASTER, engine="exactextract")
    b = observed_green(park, SAMPLE_RASTER, engine="shapely")
    assert a.green_share == pytest.approx(b.green_share, abs=1e-6)
    assert a.paper_only() == b.paper_only()
    assert np.allclose(a.per_parcel["green_m2"], b.per_parcel["green_m2"], rtol=1e-5, atol=1e-3)
    assert a.composition_m2.keys() == b.composition_m2.keys()
    assert all(a.composition_m2[k] == pytest.approx(b.composition_m2[k], rel=1e-5) for k in a.composition_m2)


def test_cli_rasterize_square_park_counts_pixels_by_hand(tmp_path, square_gpkg):
    """The square park's parcels sit on the 10 m grid, so every class is a whole number of
    pixels: industrial P1 + P2 + P3 = 25 + 24.5 + 29.7 ha = 7,920 pixels of 100 m², green
    G1 + G2 = 1 + 8.9 ha = 990, traffic 9.9 ha = 990, technical 1 ha = 100."""
    import numpy as np
    import rasterio

    from eipgis.cli import main
    from eipgis.landuse import CLASSES

    out = tmp_path / "landuse_10m.tif"
    with pytest.raises(SystemExit) as done:
        main(["rasterize", str(square_gpkg), "-o", str(out), "--resolution", "10"])
    assert done.value.code == 0
    with rasterio.open(out) as src:
        assert src.res == (10.0, 10.0)
        counts = np.bincount(src.read(1).ravel(), minlength=len(CLASSES) + 1)
        assert src.colormap(1)[CLASSES.index("green") + 1][:3] == (0x52, 0xA5, 0x00)
    code = {cls: i + 1 for i, cls in enumerate(CLASSES)}
    assert counts[code["industrial"]] == 7_920
    assert counts[code["green"]] == 990
    assert counts[code["traffic"]] == 990
    assert counts[code["technical"]] == 100
    # an existing output is kept unless asked
    with pytest.raises(SystemExit) as again:
        main(["rasterize", str(square_gpkg), "-o", str(out)])
    assert again.value.code == 2
