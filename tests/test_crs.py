"""The CRS rule: VN-2000 provincial grids, the metric CRS a park is measured in, and mixed CRSs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
from conftest import square_park_layers, write_park
from pyproj import Transformer
from shapely.geometry import Polygon, box

from eipgis import crs as eipcrs
from eipgis.cli import main
from eipgis.criteria import check
from eipgis.errors import CRSError
from eipgis.park import load_park

_counter = itertools.count()

# Central meridians of Circular 973/2001/TT-TCĐC for the 63 pre-2025 provinces, as degrees and
# minutes, transcribed independently of eipgis.crs from the research note vn-reference-tables.md
# §1.2 (which checks every row against the EPSG area-of-use texts and three other lists).
CIRCULAR_973 = {
    "An Giang": "104 45",
    "Bà Rịa – Vũng Tàu": "107 45",
    "Bắc Giang": "107 00",
    "Bắc Kạn": "106 30",
    "Bạc Liêu": "105 00",
    "Bắc Ninh": "105 30",
    "Bến Tre": "105 45",
    "Bình Định": "108 15",
    "Bình Dương": "105 45",
    "Bình Phước": "106 15",
    "Bình Thuận": "108 30",
    "Cà Mau": "104 30",
    "Cần Thơ": "105 00",
    "Cao Bằng": "105 45",
    "Đà Nẵng": "107 45",
    "Đắk Lắk": "108 30",
    "Đắk Nông": "108 30",
    "Điện Biên": "103 00",
    "Đồng Nai": "107 45",
    "Đồng Tháp": "105 00",
    "Gia Lai": "108 30",
    "Hà Giang": "105 30",
    "Hà Nam": "105 00",
    "Hà Nội": "105 00",
    "Hà Tĩnh": "105 30",
    "Hải Dương": "105 30",
    "Hải Phòng": "105 45",
    "Hậu Giang": "105 00",
    "Hòa Bình": "106 00",
    "Hưng Yên": "105 30",
    "Khánh Hòa": "108 15",
    "Kiên Giang": "104 30",
    "Kon Tum": "107 30",
    "Lai Châu": "103 00",
    "Lâm Đồng": "107 45",
    "Lạng Sơn": "107 15",
    "Lào Cai": "104 45",
    "Long An": "105 45",
    "Nam Định": "105 30",
    "Nghệ An": "104 45",
    "Ninh Bình": "105 00",
    "Ninh Thuận": "108 15",
    "Phú Thọ": "104 45",
    "Phú Yên": "108 30",
    "Quảng Bình": "106 00",
    "Quảng Nam": "107 45",
    "Quảng Ngãi": "108 00",
    "Quảng Ninh": "107 45",
    "Quảng Trị": "106 15",
    "Sóc Trăng": "105 30",
    "Sơn La": "104 00",
    "Tây Ninh": "105 30",
    "Thái Bình": "105 30",
    "Thái Nguyên": "106 30",
    "Thanh Hóa": "105 00",
    "Thừa Thiên Huế": "107 00",
    "Tiền Giang": "105 45",
    "TP. Hồ Chí Minh": "105 45",
    "Trà Vinh": "105 30",
    "Tuyên Quang": "106 00",
    "Vĩnh Long": "105 30",
    "Vĩnh Phúc": "105 00",
    "Yên Bái": "104 45",
}


def _degrees(dm: str) -> float:
    d, m = dm.split()
    return int(d) + int(m) / 60


def _params(crs: pyproj.CRS) -> dict[str, float]:
    return {p.name: p.value for p in crs.coordinate_operation.params}


def _ascii(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


# --- vn2000_tm ------------------------------------------------------------------------------


def test_lao_cai_grid_transforms_a_known_point():
    crs = eipcrs.vn2000_tm("Lào Cai")
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = t.transform(103.97, 22.49)
    # Reference value of the brief (EPSG:9208 with the EPSG:6960 datum shift).
    assert x == pytest.approx(419545.887, abs=0.01)
    assert y == pytest.approx(2488127.113, abs=0.01)
    assert crs.to_epsg() == 9208


def test_all_63_provinces_resolve_with_the_circular_parameters():
    assert len(CIRCULAR_973) == 63
    assert len(eipcrs.PROVINCES) == 63
    for name, dm in CIRCULAR_973.items():
        crs = eipcrs.vn2000_tm(name)
        params = _params(crs)
        assert params["Longitude of natural origin"] == pytest.approx(_degrees(dm)), name
        assert params["Scale factor at natural origin"] == pytest.approx(0.9999), name
        assert params["False easting"] == pytest.approx(500_000.0), name
        assert params["False northing"] == pytest.approx(0.0), name
        assert params["Latitude of natural origin"] == pytest.approx(0.0), name
        assert crs.geodetic_crs.to_epsg() == 4756, name  # datum VN-2000
        assert crs.is_projected


def test_the_module_table_matches_the_circular():
    by_name = {name: cm for name, cm, _ in eipcrs.PROVINCES.values()}
    assert set(by_name) == set(CIRCULAR_973)
    for name, dm in CIRCULAR_973.items():
        assert by_name[name] == pytest.approx(_degrees(dm)), name


@pytest.mark.parametrize("name", list(CIRCULAR_973))
def test_names_with_and_without_diacritics(name):
    expected = eipcrs.vn2000_tm(name)
    plain = _ascii(name)
    assert eipcrs.vn2000_tm(plain) == expected
    assert eipcrs.vn2000_tm(plain.upper()) == expected
    assert eipcrs.vn2000_tm(f"  {name.lower()}  ") == expected


@pytest.mark.parametrize(
    ("text", "epsg"),
    [
        ("lao-cai", 9208),
        ("Lao Cai", 9208),
        ("Tỉnh Lào Cai", 9208),
        ("Thành phố Hà Nội", 5897),
        ("Ha Noi", 5897),
        ("TP HCM", 9210),
        ("Ho Chi Minh", 9210),
        ("Đắk Lắk", 9218),
        ("Dak Lak", 9218),
        ("Huế", 9214),
        ("Ba Ria - Vung Tau", 5899),
    ],
)
def test_province_spellings(text, epsg):
    assert eipcrs.vn2000_tm(text).to_epsg() == epsg


@pytest.mark.parametrize("text", ["Atlantis", "Lào", "", "Hà Tây"])
def test_unknown_province_is_a_crs_error(text):
    with pytest.raises(CRSError) as info:
        eipcrs.vn2000_tm(text)
    message = str(info.value)
    assert "63" in message and "Fix:" in message


# --- metric_crs / to_crs --------------------------------------------------------------------


def test_projected_crs_is_kept():
    assert eipcrs.metric_crs("EPSG:9208", None).to_epsg() == 9208
    assert eipcrs.metric_crs("EPSG:32648", (100.0, 50.0)).to_epsg() == 32648


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        # inside Vietnam: the VN-2000 3° TM grid of the province (Circular 973/2001)
        (103.97, 22.49, 9208),  # Tằng Loỏng, Lào Cai: TM-3 104-45
        (108.20, 16.05, 5899),  # Đà Nẵng: TM-3 107-45
        (105.85, 21.03, 5897),  # Hà Nội: TM-3 105-00
        (106.70, 10.78, 9210),  # Hồ Chí Minh City: TM-3 105-45
        (109.19, 12.24, 9217),  # Nha Trang, Khánh Hòa: TM-3 108-15
        (106.60, 8.69, 5899),  # Côn Đảo, part of Bà Rịa – Vũng Tàu: TM-3 107-45
        # outside Vietnam (some inside its lon/lat box): the WGS 84 UTM zone
        (100.60, 13.70, 32647),  # Bangkok, Thailand: UTM 47N (96–102° E)
        (104.85, 15.23, 32648),  # Ubon Ratchathani, Thailand: UTM 48N (102–108° E)
        (102.60, 17.97, 32648),  # Vientiane, Laos
        (104.92, 11.56, 32648),  # Phnom Penh, Cambodia
        (10.50, 51.00, 32632),  # Germany: UTM 32N
        (106.80, -6.20, 32748),  # Jakarta: UTM 48S
    ],
)
def test_geographic_crs_gets_the_right_metric_crs(lon, lat, epsg):
    assert eipcrs.metric_crs("EPSG:4326", (lon, lat)).to_epsg() == epsg


# A straight 5.2 km stretch of the Thừa Thiên Huế (north) – Đà Nẵng (south) border near the Hải Vân
# pass, two consecutive vertices of the shipped outlines.
HAI_VAN = ((108.195164, 16.208914), (108.148548, 16.199951))


def _across_hai_van(north: float, south: float) -> Polygon:
    """A rectangle on the middle 40 % of HAI_VAN reaching ``north``/``south`` degrees across it."""
    (x1, y1), (x2, y2) = HAI_VAN
    ux, uy = x2 - x1, y2 - y1
    length = (ux * ux + uy * uy) ** 0.5
    nx, ny = -uy / length, ux / length  # unit normal pointing south (into Đà Nẵng)
    a = (x1 + 0.3 * ux, y1 + 0.3 * uy)
    b = (x1 + 0.7 * ux, y1 + 0.7 * uy)
    return Polygon([(a[0] - nx * north, a[1] - ny * north), (b[0] - nx * north, b[1] - ny * north),
                    (b[0] + nx * south, b[1] + ny * south), (a[0] + nx * south, a[1] + ny * south)])


@pytest.mark.parametrize(
    ("north", "south", "province", "epsg"),
    [
        (0.001, 0.003, "Đà Nẵng", 5899),  # three quarters south of the border
        (0.003, 0.001, "Thừa Thiên Huế", 9214),  # three quarters north of it
    ],
)
def test_park_straddling_two_provinces_takes_the_one_holding_most_of_it(north, south, province,
                                                                         epsg):
    park = _across_hai_van(north, south)
    assert eipcrs.province_of(park) == province
    assert eipcrs.metric_crs("EPSG:4326", park).to_epsg() == epsg


def test_province_of_outside_vietnam_is_none():
    assert eipcrs.province_of((102.60, 17.97)) is None  # Vientiane
    assert eipcrs.province_of(box(10.0, 50.0, 10.1, 50.1)) is None  # Germany


def test_geographic_crs_without_position_is_an_error():
    with pytest.raises(CRSError):
        eipcrs.metric_crs("EPSG:4326", None)


def test_feet_are_refused():
    with pytest.raises(CRSError, match="not metres"):
        eipcrs.metric_crs("EPSG:2263", None)  # NAD83 / New York Long Island (ftUS)


@pytest.mark.parametrize(
    ("text", "epsg"),
    [("EPSG:9208", 9208), ("9208", 9208), ("Lào Cai", 9208), ("epsg:32648", 32648),
     ("EPSG:3405", 3405), ("Côn Đảo", 5899)],
)
def test_to_crs_accepts_what_planners_type(text, epsg):
    assert eipcrs.to_crs(text).to_epsg() == epsg


@pytest.mark.parametrize(
    ("text", "lon", "lat", "epsg"),
    [
        ("utm", 103.97, 22.49, 3405),  # Lào Cai: VN-2000 / UTM zone 48N
        ("VN-2000 UTM", 103.97, 22.49, 3405),
        ("vn2000 utm", 106.70, 10.78, 3405),
        ("UTM", 109.19, 12.24, 3406),  # Nha Trang, east of 108° E: VN-2000 / UTM zone 49N
        ("utm", 100.60, 13.70, 32647),  # Bangkok: no VN-2000 outside Vietnam
        ("WGS84 UTM", 103.97, 22.49, 32648),
        ("wgs 84 utm", 109.19, 12.24, 32649),
    ],
)
def test_to_crs_utm_follows_the_park(text, lon, lat, epsg):
    assert eipcrs.to_crs(text, lonlat=(lon, lat)).to_epsg() == epsg


def test_to_crs_utm_without_a_park_is_a_crs_error():
    with pytest.raises(CRSError, match="depends on where the park lies.*Fix: pass an EPSG code"):
        eipcrs.to_crs("utm")


@pytest.mark.parametrize("text", ["EPSG:4326", "Atlantis", "EPSG:999999"])
def test_to_crs_refuses_unusable_crs(text):
    with pytest.raises(CRSError, match="Fix:"):
        eipcrs.to_crs(text)


def test_crs_label():
    assert eipcrs.crs_label(pyproj.CRS.from_epsg(9208)) == "EPSG:9208"
    custom = pyproj.CRS.from_proj4("+proj=tmerc +lon_0=104.5 +k=0.9999 +x_0=500000 +ellps=WGS84")
    assert eipcrs.crs_label(custom) == custom.name


# --- the rule applied when a park is loaded -------------------------------------------------


def _write(tmp_path: Path, layers) -> Path:
    return write_park(tmp_path / f"park{next(_counter)}.gpkg", layers)


def _square_in(crs) -> dict[str, gpd.GeoDataFrame]:
    return {name: frame.to_crs(crs) for name, frame in square_park_layers().items()}


def _park_at(lon: float, lat: float) -> dict[str, gpd.GeoDataFrame]:
    """A 1 km × 1 km park (two parcels) centred at lon/lat, stored in EPSG:4326."""
    zone = int((lon + 180) // 6) + 1
    local = pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)  # drawn in its UTM zone
    x, y = Transformer.from_crs(4326, local, always_xy=True).transform(lon, lat)
    outer = box(x - 500, y - 500, x + 500, y + 500)
    boundary = gpd.GeoDataFrame({"name": ["Park"]}, geometry=[outer], crs=local)
    landuse = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B"], "landuse": ["CN", "CX"]},
        geometry=[box(x - 500, y - 500, x, y + 500), box(x, y - 500, x + 500, y + 500)],
        crs=local,
    )
    return {"boundary": boundary.to_crs(4326), "landuse": landuse.to_crs(4326)}


def test_projected_park_keeps_its_crs(square_gpkg):
    park = load_park(square_gpkg)
    assert park.crs_label == "EPSG:3405"
    assert park.area_ha == pytest.approx(100.0)


def test_park_in_vn2000_grid_keeps_it(tmp_path):
    park = load_park(_write(tmp_path, _square_in("EPSG:9208")))
    assert park.crs_label == "EPSG:9208"
    # a different TM (k0 0.9999, CM 104°45′ vs UTM 0.9996, CM 105°): area within 0.2 %
    assert park.area_ha == pytest.approx(100.0, rel=2e-3)


def test_lonlat_park_in_lao_cai_is_measured_in_the_lao_cai_grid(tmp_path):
    # the square park lies at 104.03° E, 22.42° N, in Lào Cai province
    park = load_park(_write(tmp_path, _square_in("EPSG:4326")))
    assert park.crs_label == "EPSG:9208"  # VN-2000 / TM-3 104-45
    # drawn in UTM (k0 0.9996, CM 105°), measured in TM-3 (k0 0.9999, CM 104°45′): within 0.2 %
    assert park.area_ha == pytest.approx(100.0, rel=2e-3)
    report = check(park)
    assert report["VN21-LU-GREEN"].value == pytest.approx(0.099, rel=1e-5)
    assert report["VN-HAZ-DIST"].features == ["F2"]


def test_lonlat_park_goes_to_utm_on_request(tmp_path):
    park = load_park(_write(tmp_path, _square_in("EPSG:4326")), crs="utm")
    assert park.crs_label == "EPSG:3405"
    # 3405 → 4326 → 3405 round trip: the same 100 ha to well under a square metre per hectare
    assert park.area_ha == pytest.approx(100.0, rel=1e-5)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (103.97, 22.49, 9208),  # Lào Cai
        (108.20, 16.05, 5899),  # Đà Nẵng
        (109.19, 12.24, 9217),  # Nha Trang, Khánh Hòa
        (100.60, 13.70, 32647),  # Bangkok, Thailand: UTM 47N
        (104.85, 15.23, 32648),  # Ubon Ratchathani, Thailand: UTM 48N
        (10.50, 51.00, 32632),  # Germany
    ],
)
def test_lonlat_park_anywhere(tmp_path, lon, lat, epsg):
    park = load_park(_write(tmp_path, _park_at(lon, lat)))
    assert park.crs.to_epsg() == epsg
    # 1 km × 1 km drawn in its UTM zone; measured in a TM/UTM grid of that region → ≈ 100 ha
    assert park.area_ha == pytest.approx(100.0, rel=5e-3)
    assert park.landuse.geometry.area.sum() == pytest.approx(park.area_m2, rel=1e-6)


@pytest.mark.parametrize("override", ["Lào Cai", "EPSG:9208", "9208"])
def test_crs_override(square_gpkg, override):
    park = load_park(square_gpkg, crs=override)
    assert park.crs_label == "EPSG:9208"
    assert park.area_ha == pytest.approx(100.0, rel=2e-3)
    assert check(park)["VN21-LU-GREEN"].value == pytest.approx(0.099, rel=1e-6)


def test_crs_override_must_be_metric(square_gpkg):
    with pytest.raises(CRSError, match="not projected"):
        load_park(square_gpkg, crs="EPSG:4326")


def test_crs_override_on_the_command_line(square_gpkg, capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", str(square_gpkg), "--format", "json", "--crs", "Lào Cai"])
    assert info.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["crs"] == "EPSG:9208"


def test_lonlat_park_straddling_a_border_on_load(tmp_path):
    boundary = gpd.GeoDataFrame({"name": ["Hải Vân"]}, geometry=[_across_hai_van(0.003, 0.001)],
                                crs=4326)
    landuse = gpd.GeoDataFrame({"parcel_id": ["A"], "landuse": ["CN"]},
                               geometry=boundary.geometry.values, crs=4326)
    park = load_park(_write(tmp_path, {"boundary": boundary, "landuse": landuse}))
    assert park.crs_label == "EPSG:9214"  # Thừa Thiên Huế holds three quarters of it


@pytest.mark.parametrize(
    ("option", "epsg"),
    [("utm", 3405), ("VN-2000 UTM", 3405), ("EPSG:3405", 3405), ("Lào Cai", 9208), (None, 9208)],
)
def test_lonlat_park_crs_on_the_command_line(tmp_path, capsys, option, epsg):
    path = _write(tmp_path, _square_in("EPSG:4326"))
    extra = ["--crs", option] if option else []
    with pytest.raises(SystemExit) as info:
        main(["check", str(path), "--format", "json", *extra])
    assert info.value.code == 0
    assert json.loads(capsys.readouterr().out)["crs"] == f"EPSG:{epsg}"


def test_metres_tagged_as_lonlat_is_one_clear_error(tmp_path, capsys):
    layers = {name: frame.set_crs(4326, allow_override=True)
              for name, frame in square_park_layers().items()}
    path = _write(tmp_path, layers)
    before = path.read_bytes()
    with pytest.raises(SystemExit) as info:
        main(["check", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    # The position check runs before the CRS rule and says what the coordinates look like.
    assert "layer 'boundary': says EPSG:4326 but its coordinates" in err
    assert "look like metres" in err and "--crs 'Lào Cai'" in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_crs_override_unknown_on_the_command_line(square_gpkg, capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", str(square_gpkg), "--crs", "Atlantis"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'Atlantis' is neither a CRS nor a province name" in err
    assert "Traceback" not in err


def test_layers_in_different_crss_are_reprojected(tmp_path):
    layers = square_park_layers()
    layers["landuse"] = layers["landuse"].to_crs("EPSG:4326")
    layers["buildings"] = layers["buildings"].to_crs("EPSG:9208")
    layers["neighbourhoods"] = layers["neighbourhoods"].to_crs("EPSG:32648")
    park = load_park(_write(tmp_path, layers))
    assert park.crs_label == "EPSG:3405"  # the boundary's projected CRS
    for name in ("boundary", "landuse", "buildings", "plot_green", "facilities", "neighbourhoods"):
        assert getattr(park, name).crs == park.crs, name
    areas = park.landuse.set_index("parcel_id").geometry.area
    # the same parcel areas as drawn (m²), to a few cm² per hectare
    expected = {
        "G1": 10_000,
        "T1": 99_000,
        "P1": 250_000,
        "P2": 245_000,
        "P3": 297_000,
        "E1": 10_000,
        "G2": 89_000,
    }
    for pid, area in expected.items():
        assert areas[pid] == pytest.approx(area, rel=1e-5), pid
    assert park.area_ha == pytest.approx(100.0)
    report = check(park)
    assert report["VN21-PLOT-DENSITY"].features == ["P2"]
    assert report["VN-HAZ-DIST"].details["by_feature"]["F2"]["value"] == pytest.approx(
        400.0, abs=0.01
    )


def test_boundary_in_lonlat_takes_the_projected_crs_of_another_layer(tmp_path):
    layers = square_park_layers()
    layers["boundary"] = layers["boundary"].to_crs("EPSG:4326")
    park = load_park(_write(tmp_path, layers))
    assert park.crs_label == "EPSG:3405"
    assert park.area_ha == pytest.approx(100.0, rel=1e-5)
