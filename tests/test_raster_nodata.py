"""No-data, NaN and masked pixels in land-cover and NDVI rasters, by every zonal engine.

Every raster is drawn over the square park of ``conftest.py`` (1,000 m × 1,000 m, EPSG:3405;
G1 the green strip x 0–10, G2 green x 110–1000 y 900–1000, 8.9 ha) on a 10 m grid whose
top-left corner is the park's (column = x // 10, row = (1000 − y) // 10), so every figure is a
whole number of pixels and can be checked by hand:

* ``built_up`` is all built-up (50);
* G1 is column 0; its northern half (y 500–1000) is rows 0–49.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
from conftest import X0, Y0
from pyproj import Transformer
from rasterio.transform import from_origin

import eipgis
from eipgis.cli import main
from eipgis.raster import RasterError, observed_green, with_observed_green

PARK_CRS = "EPSG:3405"
ENGINES = ["exactextract", "shapely"]
ON_PARK = from_origin(X0, Y0 + 1000, 10, 10)


def write_raster(path: Path, data: np.ndarray, *, nodata: float | None = None, crs: str | None = PARK_CRS,
                 transform=ON_PARK, mask: np.ndarray | None = None) -> Path:
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1,
               "dtype": data.dtype.name, "transform": transform, "nodata": nodata, "crs": crs}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if mask is not None:  # an internal (dataset) mask: 0 = no data, 255 = valid
            dst.write_mask(mask)
    return path


def built_up() -> np.ndarray:
    return np.full((100, 100), 50, dtype=np.uint8)


@pytest.fixture
def park(square_gpkg: Path) -> eipgis.Park:
    return eipgis.load_park(square_gpkg)


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


# --- no-data is not land -----------------------------------------------------------------------


def half_g1_nodata(tmp_path: Path, how: str) -> Path:
    """G1's northern half no data (marked ``how``), its southern half tree cover (10)."""
    data = built_up()
    data[50:, 0] = 10
    if how == "nodata-value":
        data[:50, 0] = 255
        return write_raster(tmp_path / "lc.tif", data, nodata=255)
    if how == "internal-mask":
        data[:50, 0] = 10  # tree cover under the mask: must still not count
        mask = np.full(data.shape, 255, dtype=np.uint8)
        mask[:50, 0] = 0
        return write_raster(tmp_path / "lc.tif", data, mask=mask)
    data[:50, 0] = 0  # WorldCover's own "no data" code, no no-data value in the file
    return write_raster(tmp_path / "lc.tif", data)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("how", ["nodata-value", "internal-mask", "worldcover-0"])
def test_half_parcel_nodata_half_green(park, tmp_path, engine, how):
    """G1 (1 ha): 0.5 ha no data, 0.5 ha trees → green share 1.0 on a coverage of 0.5.

    The park: 100 ha − 0.5 ha no data = 99.5 ha observed, of which 0.5 ha green. G2 (8.9 ha,
    built-up) is 0 % green: green on paper only; G1 is not.
    """
    obs = observed_green(park, half_g1_nodata(tmp_path, how), engine=engine)
    g1 = obs.per_parcel.loc["G1"]
    assert g1["coverage"] == pytest.approx(0.5, abs=1e-9)
    assert g1["observed_m2"] == pytest.approx(5_000.0)
    assert g1["green_m2"] == pytest.approx(5_000.0)
    assert g1["green_share"] == pytest.approx(1.0, abs=1e-9)
    assert obs.per_parcel.loc["P1", "coverage"] == pytest.approx(1.0)
    assert obs.observed_m2 == pytest.approx(995_000.0)
    assert obs.green_share == pytest.approx(5_000 / 995_000)
    assert obs.coverage == pytest.approx(0.995)
    assert obs.paper_only() == ["G2"]
    assert obs.unobserved() == []


def test_cli_reports_per_parcel_coverage(square_gpkg, tmp_path, capsys):
    """G2 (x 110–1000) has no data on x 110–700: seen on 300 / 890 = 33.7 % < 50 %, so it is
    not assessed (and not flagged, though its seen part is built-up); G1 is 100 % trees."""
    data = built_up()
    data[:, 0] = 10
    data[:10, 11:70] = 255  # y 900–1000, x 110–700
    path = write_raster(tmp_path / "lc.tif", data, nodata=255)
    code, out, _ = run_cli(["check", str(square_gpkg), "--landcover", str(path), "--format", "json"],
                           capsys)
    assert code == 0
    results = {r["id"]: r for r in json.loads(out)["results"]}
    details = results["OBS-GREEN"]["details"]
    assert details["parcel_coverage"]["G2"] == pytest.approx(300 / 890, abs=1e-6)  # JSON: 6 digits
    assert details["parcel_coverage"]["G1"] == pytest.approx(1.0)
    assert details["parcel_coverage"]["E1"] == pytest.approx(1.0)
    assert details["not_assessed"] == ["G2"]
    assert details["min_coverage"] == 0.5
    assert "less than 50% of the parcel" in details["not_assessed_reason"]
    assert details["green_on_paper_only"] == []
    # the park: 100 ha − 5.9 ha no data = 94.1 ha observed, 1 ha green (G1)
    assert details["coverage"] == pytest.approx(0.941)
    assert results["OBS-GREEN"]["value"] == pytest.approx(1 / 94.1)
    paper = results["OBS-GREEN-PAPER"]
    assert paper["passed"] is True and paper["features"] == []
    assert paper["details"]["checked"] == 1  # G1 only


@pytest.mark.parametrize("engine", ENGINES)
def test_nan_pixels_in_ndvi_are_excluded(park, tmp_path, engine):
    """NDVI 0.8 on G1, 0.1 elsewhere; on G2 NaN at x 110–550 (no no-data value declared) and
    0.9 at x 550–1000. At 0.4, G2 is seen on 450 / 890 of its length and all of that is green;
    the park has 100 − 4.4 = 95.6 ha observed, of which G1 1 ha + G2 4.5 ha = 5.5 ha green."""
    data = np.full((100, 100), 0.1, dtype=np.float32)
    data[:, 0] = 0.8
    data[:10, 11:55] = np.nan
    data[:10, 55:] = 0.9
    path = write_raster(tmp_path / "ndvi.tif", data)
    obs = observed_green(park, path, ndvi_min=0.4, engine=engine)
    g2 = obs.per_parcel.loc["G2"]
    assert g2["coverage"] == pytest.approx(450 / 890, abs=1e-9)
    assert g2["green_share"] == pytest.approx(1.0, abs=1e-9)
    assert obs.observed_m2 == pytest.approx(956_000.0)
    assert obs.green_m2 == pytest.approx(55_000.0)
    assert obs.green_share == pytest.approx(55 / 956)
    assert obs.paper_only() == []
    # NaN counted as NDVI 0 (the old mistake) would make G2 only 0.5056 green, and the park
    # 5.5 / 100 green.
    assert obs.green_share != pytest.approx(0.055)


# --- engines agree --------------------------------------------------------------------------


def masked_pictures(tmp_path: Path) -> dict[str, tuple[Path, dict]]:
    """20 m pixels shifted 5 m west and south, so parcel edges cut pixels into quarters and
    halves; random classes and a random fifth of the pixels no data (seeded)."""
    rng = np.random.default_rng(9)
    shape = (51, 51)
    transform = from_origin(X0 - 5, Y0 + 1015, 20, 20)
    codes = rng.choice(np.array([10, 30, 50, 60], dtype=np.uint8), size=shape)
    codes[rng.random(shape) < 0.2] = 255
    ndvi = rng.uniform(-0.2, 0.9, size=shape).astype(np.float32)
    ndvi[rng.random(shape) < 0.2] = np.nan
    ndvi[rng.random(shape) < 0.1] = -9999.0
    mask = np.where(rng.random(shape) < 0.2, 0, 255).astype(np.uint8)
    return {
        "nodata-value": (write_raster(tmp_path / "a.tif", codes, nodata=255, transform=transform), {}),
        "ndvi-nan": (write_raster(tmp_path / "b.tif", ndvi, nodata=-9999.0, transform=transform),
                     {"ndvi_min": 0.4}),
        "internal-mask": (write_raster(tmp_path / "c.tif", np.where(codes == 255, 30, codes),
                                       transform=transform, mask=mask), {}),
    }


@pytest.mark.parametrize("kind", ["nodata-value", "ndvi-nan", "internal-mask"])
def test_engines_agree_on_masked_rasters(park, tmp_path, kind):
    path, options = masked_pictures(tmp_path)[kind]
    a = observed_green(park, path, engine="exactextract", **options)
    b = observed_green(park, path, engine="shapely", **options)
    assert 0.7 < a.coverage < 0.9  # the masks do bite
    for col in ("coverage", "green_share"):
        assert np.allclose(a.per_parcel[col], b.per_parcel[col], rtol=0, atol=1e-9, equal_nan=True), col
    for col in ("observed_m2", "green_m2"):
        assert np.allclose(a.per_parcel[col], b.per_parcel[col], rtol=1e-9, atol=0), col
    assert a.green_share == pytest.approx(b.green_share, abs=1e-9)
    assert a.coverage == pytest.approx(b.coverage, abs=1e-9)
    assert a.unobserved() == b.unobserved()
    assert a.composition_m2.keys() == b.composition_m2.keys()
    for code in a.composition_m2:
        assert a.composition_m2[code] == pytest.approx(b.composition_m2[code], rel=1e-9)
    assert 255 not in a.composition_m2


# --- rasters that show nothing of the park are errors -------------------------------------------


def lonlat_far_away(tmp_path: Path) -> Path:
    """A lon/lat raster 1° (about 100 km) east of the park."""
    to_ll = Transformer.from_crs(PARK_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(X0, Y0 + 1000)
    return write_raster(tmp_path / "far_ll.tif", built_up(), crs="EPSG:4326",
                        transform=from_origin(lon + 1.0, lat, 1e-4, 1e-4))


def bad_raster(tmp_path: Path, kind: str) -> tuple[Path, list[str]]:
    if kind == "all-nodata-value":
        return write_raster(tmp_path / "r.tif", np.full((100, 100), 255, np.uint8), nodata=255), []
    if kind == "all-worldcover-0":
        return write_raster(tmp_path / "r.tif", np.zeros((100, 100), np.uint8)), []
    if kind == "all-masked":
        return write_raster(tmp_path / "r.tif", built_up(), mask=np.zeros((100, 100), np.uint8)), []
    if kind == "all-nan":
        return (write_raster(tmp_path / "r.tif", np.full((100, 100), np.nan, np.float32)),
                ["--ndvi-min", "0.4"])
    if kind == "far":
        return write_raster(tmp_path / "r.tif", built_up(),
                            transform=from_origin(X0 + 100_000, Y0 + 1000, 10, 10)), []
    if kind == "far-lonlat":
        return lonlat_far_away(tmp_path), []
    if kind == "moon":
        return write_raster(tmp_path / "r.tif", built_up(), crs="ESRI:104903"), []
    if kind == "empty":
        (tmp_path / "r.tif").write_bytes(b"")
        return tmp_path / "r.tif", []
    if kind == "damaged":
        big = np.tile(built_up(), (20, 20))
        path = write_raster(tmp_path / "r.tif", big, transform=from_origin(X0, Y0 + 1000, 0.5, 0.5))
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return path, []
    if kind == "ndvi-inf":
        data = np.full((100, 100), 0.5, np.float32)
        data[3, 3] = np.inf
        return write_raster(tmp_path / "r.tif", data), ["--ndvi-min", "0.4"]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("all-nodata-value", "every pixel of the raster over the park is no data (the file's no-data value 255"),
        ("all-worldcover-0", "every pixel of the raster over the park is no data"),
        ("all-masked", "every pixel of the raster over the park is no data (masked pixels"),
        ("all-nan", "every pixel of the raster over the park is no data (masked pixels, NaN)"),
        ("far", "does not overlap the park"),
        ("far-lonlat", "does not overlap the park"),
        ("moon", "is not a map CRS on Earth"),
        ("empty", "the file is empty"),
        ("damaged", "damaged or incomplete"),
        ("ndvi-inf", r"NDVI values outside [-1, 1] inside the park (1 pixels, from 0.5 to inf)"),
    ],
)
def test_cli_raster_that_shows_nothing(square_gpkg, tmp_path, capsys, kind, message):
    path, options = bad_raster(tmp_path, kind)
    before = {p: p.read_bytes() for p in (square_gpkg, path)}
    out_file = tmp_path / "report.json"
    code, out, err = run_cli(["check", str(square_gpkg), "--landcover", str(path), *options,
                              "--format", "json", "-o", str(out_file)], capsys)
    assert code == 2
    assert err.startswith(f"eipgis: error: {path}") and message in err
    assert "Fix:" in err and "Traceback" not in err
    assert not out_file.exists() and out == ""
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("engine", ENGINES)
def test_all_nodata_is_an_error_in_every_engine(park, tmp_path, engine):
    path = write_raster(tmp_path / "r.tif", np.full((100, 100), 255, np.uint8), nodata=255)
    with pytest.raises(RasterError, match="no data"):
        observed_green(park, path, engine=engine)
    with pytest.raises(RasterError, match="no data"):
        eipgis.check(park, with_observed_green("vn-qcvn-01-2021", path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_hanging(square_gpkg, tmp_path, capsys):
    pipe = tmp_path / "lc.tif"
    os.mkfifo(pipe)
    code, _, err = run_cli(["check", str(square_gpkg), "--landcover", str(pipe)], capsys)
    assert code == 2 and "is a named pipe (FIFO), not a file" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--ndvi-min", "nan"], "--ndvi-min nan: not a number in the NDVI range"),
        (["--ndvi-min", "inf"], "--ndvi-min inf: not a number in the NDVI range"),
        (["--ndvi-min", "1.5"], r"outside [-1, 1]"),
        (["--green-classes", "10,300"], "code(s) 300 cannot occur in"),
        (["--green-classes", "-1"], "uint8 (0–255)"),
        (["--green-classes", "10.5"], "'10.5' is not a class code"),
    ],
)
def test_cli_bad_thresholds_and_codes(square_gpkg, tmp_path, capsys, options, message):
    path = write_raster(tmp_path / "lc.tif", built_up())
    code, _, err = run_cli(["check", str(square_gpkg), "--landcover", str(path), *options], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_green_classes_must_fit_the_dtype_without_a_legend(park, tmp_path):
    path = write_raster(tmp_path / "lc.tif", built_up())
    with pytest.raises(RasterError, match=r"code\(s\) 256 cannot occur .* uint8 \(0–255\)"):
        observed_green(park, path, green_classes=[50, 256], legend=None)
    with pytest.raises(eipgis.errors.InputError, match="10.5 is not a class code"):
        observed_green(park, path, green_classes=[10.5], legend=None)
    assert observed_green(park, path, green_classes=[50], legend=None).green_share == pytest.approx(1.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_coarse_raster_one_pixel_wide_all_nodata(square_gpkg, tmp_path, capsys, engine):
    """A 2 km raster (MODIS-like) whose one pixel holds the whole park, marked no data: the park
    is one pixel wide, where exactextract's own mask handling used to count the pixel as land
    (0 % green, G1 and G2 green on paper only, exit 0)."""
    path = write_raster(tmp_path / "coarse.tif", np.full((2, 2), 255, np.uint8), nodata=255,
                        transform=from_origin(X0 - 500, Y0 + 1500, 2000, 2000))
    park = eipgis.load_park(square_gpkg)
    with pytest.raises(RasterError, match="every pixel of the raster over the park is no data"):
        observed_green(park, path, engine=engine)
    code, _, err = run_cli(["check", str(square_gpkg), "--landcover", str(path)], capsys)
    assert code == 2 and "no-data value 255" in err


@pytest.mark.parametrize("engine", ENGINES)
def test_strip_narrower_than_a_pixel(park, tmp_path, engine):
    """20 m pixels from x −5: G1 (x 0–10) lies inside column 0, half of each of its pixels.
    Column 0 is tree cover on rows 0–24 (y 515–1015) and no data below: G1 is seen on
    y 515–1000 = 48.5 % of its length, under 50 %, so it is not assessed."""
    data = np.full((51, 51), 50, dtype=np.uint8)
    data[:25, 0] = 10
    data[25:, 0] = 255
    path = write_raster(tmp_path / "strip.tif", data, nodata=255,
                        transform=from_origin(X0 - 5, Y0 + 1015, 20, 20))
    obs = observed_green(park, path, engine=engine)
    g1 = obs.per_parcel.loc["G1"]
    assert g1["coverage"] == pytest.approx(0.485, abs=1e-9)
    assert np.isnan(g1["green_share"])
    assert "G1" in obs.unobserved()
