"""The one CRS rule: which projected (metric) CRS a park is measured in, and the VN-2000 grids."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._words import without_marks
from .errors import CRSError

if TYPE_CHECKING:
    import pyproj

__all__ = [
    "AREA_OF_USE_MARGIN_DEG",
    "PROVINCES",
    "Position",
    "crs_label",
    "depends_on_place",
    "diagnose_position",
    "metric_crs",
    "province_of",
    "to_crs",
    "unusable_reason",
    "vn2000_tm",
]

#: How far (degrees) coordinates may lie outside their CRS's area of use before they are called misplaced.
AREA_OF_USE_MARGIN_DEG = 2.0

# The Earth's ellipsoids and spheres all have a semi-major axis of 6,371–6,379 km; Mars has 3,396 km.
_EARTH_SEMI_MAJOR_M = (6.30e6, 6.45e6)

_SET_CRS_FIX = "set the layer's CRS in QGIS (Layer → Set CRS), e.g. EPSG:9208 for Lào Cai"

# VN-2000 3-degree TM grids of the 63 pre-2025 provinces (Circular 973/2001/TT-TCĐC).
# slug: (name, central meridian in decimal degrees, EPSG code of the registered TM-3 CRS).
# Source: shared research note vn-reference-tables.md §1.2, checked row by row against the EPSG
# area-of-use texts of EPSG:9205–9218 and 5897–5899 and three independent lists.
# Every EPSG CRS here has k0 = 0.9999, false easting 500 000 m and datum VN-2000 (EPSG:4756).
PROVINCES: dict[str, tuple[str, float, int]] = {
    "an-giang": ("An Giang", 104.75, 9208),
    "ba-ria-vung-tau": ("Bà Rịa – Vũng Tàu", 107.75, 5899),
    "bac-giang": ("Bắc Giang", 107.00, 9214),
    "bac-kan": ("Bắc Kạn", 106.50, 9213),
    "bac-lieu": ("Bạc Liêu", 105.00, 5897),
    "bac-ninh": ("Bắc Ninh", 105.50, 9209),
    "ben-tre": ("Bến Tre", 105.75, 9210),
    "binh-dinh": ("Bình Định", 108.25, 9217),
    "binh-duong": ("Bình Dương", 105.75, 9210),
    "binh-phuoc": ("Bình Phước", 106.25, 9212),
    "binh-thuan": ("Bình Thuận", 108.50, 9218),
    "ca-mau": ("Cà Mau", 104.50, 9207),
    "can-tho": ("Cần Thơ", 105.00, 5897),
    "cao-bang": ("Cao Bằng", 105.75, 9210),
    "da-nang": ("Đà Nẵng", 107.75, 5899),
    "dak-lak": ("Đắk Lắk", 108.50, 9218),
    "dak-nong": ("Đắk Nông", 108.50, 9218),
    "dien-bien": ("Điện Biên", 103.00, 9205),
    "dong-nai": ("Đồng Nai", 107.75, 5899),
    "dong-thap": ("Đồng Tháp", 105.00, 5897),
    "gia-lai": ("Gia Lai", 108.50, 9218),
    "ha-giang": ("Hà Giang", 105.50, 9209),
    "ha-nam": ("Hà Nam", 105.00, 5897),
    "ha-noi": ("Hà Nội", 105.00, 5897),
    "ha-tinh": ("Hà Tĩnh", 105.50, 9209),
    "hai-duong": ("Hải Dương", 105.50, 9209),
    "hai-phong": ("Hải Phòng", 105.75, 9210),
    "hau-giang": ("Hậu Giang", 105.00, 5897),
    "hoa-binh": ("Hòa Bình", 106.00, 9211),
    "hung-yen": ("Hưng Yên", 105.50, 9209),
    "khanh-hoa": ("Khánh Hòa", 108.25, 9217),
    "kien-giang": ("Kiên Giang", 104.50, 9207),
    "kon-tum": ("Kon Tum", 107.50, 9216),
    "lai-chau": ("Lai Châu", 103.00, 9205),
    "lam-dong": ("Lâm Đồng", 107.75, 5899),
    "lang-son": ("Lạng Sơn", 107.25, 9215),
    "lao-cai": ("Lào Cai", 104.75, 9208),
    "long-an": ("Long An", 105.75, 9210),
    "nam-dinh": ("Nam Định", 105.50, 9209),
    "nghe-an": ("Nghệ An", 104.75, 9208),
    "ninh-binh": ("Ninh Bình", 105.00, 5897),
    "ninh-thuan": ("Ninh Thuận", 108.25, 9217),
    "phu-tho": ("Phú Thọ", 104.75, 9208),
    "phu-yen": ("Phú Yên", 108.50, 9218),
    "quang-binh": ("Quảng Bình", 106.00, 9211),
    "quang-nam": ("Quảng Nam", 107.75, 5899),
    "quang-ngai": ("Quảng Ngãi", 108.00, 5898),
    "quang-ninh": ("Quảng Ninh", 107.75, 5899),
    "quang-tri": ("Quảng Trị", 106.25, 9212),
    "soc-trang": ("Sóc Trăng", 105.50, 9209),
    "son-la": ("Sơn La", 104.00, 9206),
    "tay-ninh": ("Tây Ninh", 105.50, 9209),
    "thai-binh": ("Thái Bình", 105.50, 9209),
    "thai-nguyen": ("Thái Nguyên", 106.50, 9213),
    "thanh-hoa": ("Thanh Hóa", 105.00, 5897),
    "thua-thien-hue": ("Thừa Thiên Huế", 107.00, 9214),
    "tien-giang": ("Tiền Giang", 105.75, 9210),
    "ho-chi-minh": ("TP. Hồ Chí Minh", 105.75, 9210),
    "tra-vinh": ("Trà Vinh", 105.50, 9209),
    "tuyen-quang": ("Tuyên Quang", 106.00, 9211),
    "vinh-long": ("Vĩnh Long", 105.50, 9209),
    "vinh-phuc": ("Vĩnh Phúc", 105.00, 5897),
    "yen-bai": ("Yên Bái", 104.75, 9208),
}

# Mainland Vietnam and its near-shore islands, lon/lat (a generous box: the rule is VN-2000 here).
_VIETNAM_BBOX = (102.10, 8.30, 109.50, 23.40)


def _slug(name: str) -> str:
    text = without_marks(name).lower().strip()
    for prefix in ("tinh ", "thanh pho ", "tp. ", "tp "):
        text = text.removeprefix(prefix)
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text).split())


_ALIASES = {"hcm": "ho-chi-minh", "tp-hcm": "ho-chi-minh", "hcmc": "ho-chi-minh",
            "sai-gon": "ho-chi-minh", "hue": "thua-thien-hue", "vung-tau": "ba-ria-vung-tau",
            "con-dao": "ba-ria-vung-tau"}  # Côn Đảo: a district of Bà Rịa – Vũng Tàu

# `--crs utm` and its spellings: VN-2000 / UTM inside Vietnam, else the WGS 84 UTM zone.
_UTM_WORDS = {"utm", "vn-2000-utm", "vn2000-utm", "vn-2000-utm-zone", "vn2000-utm-zone"}
# `--crs "WGS84 UTM"`: the WGS 84 UTM zone anywhere.
_WGS84_UTM_WORDS = {"wgs84-utm", "wgs-84-utm", "wgs84-utm-zone", "wgs-84-utm-zone"}


def vn2000_tm(province: str) -> pyproj.CRS:
    """The VN-2000 provincial 3° TM grid of ``province`` (k0 = 0.9999, false easting 500 km).

    ``province`` is a name with or without diacritics ("Lào Cai", "Lao Cai", "lao-cai").
    The central meridians are those of Circular 973/2001/TT-TCĐC for the 63 pre-2025
    provinces; each is the registered EPSG CRS on the VN-2000 datum (EPSG:4756), so PROJ
    shifts it to WGS 84 with EPSG:6960, a coordinate-frame rotation (EPSG method 9607) with
    the published parameters unchanged. (A hand-written ``+towgs84`` is read in the
    position-vector convention and needs the three rotations negated.)

    Examples
    --------
    >>> from pyproj import Transformer
    >>> crs = vn2000_tm("Lào Cai")
    >>> t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    >>> [round(v, 3) for v in t.transform(103.97, 22.49)]
    [419545.887, 2488127.113]
    """
    import pyproj

    slug = _slug(province)
    slug = _ALIASES.get(slug, slug)
    if slug not in PROVINCES:
        raise CRSError(
            f"'{province}' is not one of the 63 pre-2025 provinces of Circular 973/2001/TT-TCĐC. "
            "Fix: use the old province in which the plan was drawn, e.g. 'Lào Cai' or 'Yên Bái'."
        )
    return pyproj.CRS.from_epsg(PROVINCES[slug][2])


def _utm_epsg(lon: float, lat: float) -> int:
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def _lonlat_geometry(lonlat: Any) -> Any:
    """A park's position as a shapely geometry in lon/lat: its boundary, or a (lon, lat) pair."""
    import shapely

    if isinstance(lonlat, shapely.Geometry):
        return lonlat
    lon, lat = lonlat
    return shapely.Point(float(lon), float(lat))


def _utm_of(geom: Any) -> int:
    """EPSG code of the WGS 84 UTM zone of a lon/lat geometry's centroid."""
    centre = geom.centroid
    if centre.is_empty or not (-180.0 <= centre.x <= 180.0 and -90.0 <= centre.y <= 90.0):
        raise CRSError(
            f"the boundary's centre ({centre.x:.6g}, {centre.y:.6g}) is not a lon/lat position on the "
            "Earth. Fix: set the layers' true CRS (coordinates in metres tagged EPSG:4326?)."
        )
    return _utm_epsg(centre.x, centre.y)


def province_of(lonlat: Any) -> str | None:
    """The pre-2025 province (as ``PROVINCES`` names it) that holds a park, or None outside Vietnam.

    ``lonlat`` is the park's boundary as a shapely geometry in lon/lat (EPSG:4326), or a
    (lon, lat) pair. The province is the one that holds most of the boundary's area, found in the
    simplified public-domain outlines shipped with eipgis (geoBoundaries VNM ADM1, loaded on first
    use); Côn Đảo counts as Bà Rịa – Vũng Tàu.

    Examples
    --------
    >>> province_of((103.97, 22.49))
    'Lào Cai'
    """
    from ._provinces import province_of as _outline_of

    name = _outline_of(_lonlat_geometry(lonlat))
    if name is None:
        return None
    slug = _slug(name)
    return PROVINCES[_ALIASES.get(slug, slug)][0]


def metric_crs(crs: Any, lonlat: Any = None) -> pyproj.CRS:
    """Choose the CRS a park is measured in.

    A projected CRS is kept. A geographic CRS (EPSG:4326…) inside Vietnam gives the VN-2000
    provincial 3° TM grid (Circular 973/2001/TT-TCĐC, :func:`vn2000_tm`) of the province that
    holds the park (most of its area, if it straddles a border: :func:`province_of`), because
    Vietnamese cadastral and zoning data are drawn in these grids; elsewhere it gives the WGS 84
    UTM zone of the park's centroid. ``lonlat`` is the park's boundary as a shapely geometry in
    lon/lat, or its centre as a (lon, lat) pair. ``to_crs("utm")`` is the way to VN-2000 / UTM.

    Examples
    --------
    >>> metric_crs("EPSG:4326", (103.97, 22.49)).to_epsg()  # Tằng Loỏng, Lào Cai
    9208
    >>> metric_crs("EPSG:4326", (100.60, 13.70)).to_epsg()  # Bangkok: UTM 47N
    32647
    """
    import pyproj

    crs = pyproj.CRS.from_user_input(crs)
    if crs.is_projected:
        _check_metres(crs)
        return crs
    if lonlat is None:
        raise CRSError("cannot choose a metric CRS without the park's position")
    geom = _lonlat_geometry(lonlat)
    province = province_of(geom)
    if province is not None:
        return vn2000_tm(province)
    return pyproj.CRS.from_epsg(_utm_of(geom))


def _utm_crs(text: str, lonlat: Any, *, vn2000: bool) -> pyproj.CRS:
    """The UTM zone a park lies in: VN-2000 / UTM 48N or 49N inside Vietnam when ``vn2000``."""
    import pyproj

    if lonlat is None:
        raise CRSError(
            f"'{text}' depends on where the park lies, and no park is known here. "
            "Fix: pass an EPSG code, e.g. EPSG:3405 (VN-2000 / UTM zone 48N) or EPSG:32648."
        )
    geom = _lonlat_geometry(lonlat)
    epsg = _utm_of(geom)
    if vn2000 and province_of(geom) is not None:
        return pyproj.CRS.from_epsg(3405 if geom.centroid.x < 108.0 else 3406)
    return pyproj.CRS.from_epsg(epsg)


def _check_metres(crs: pyproj.CRS) -> None:
    units = {axis.unit_name for axis in crs.axis_info}
    if not units <= {"metre", "meter"}:
        raise CRSError(
            f"{crs_label(crs)} measures in {', '.join(sorted(units))}, not metres. "
            "Fix: pass --crs with a metric CRS, e.g. the VN-2000 provincial grid."
        )


def depends_on_place(user_crs: Any) -> bool:
    """True for a ``--crs`` word ('utm') whose CRS depends on where the park lies."""
    word = _slug(str(user_crs).strip())
    return word in _UTM_WORDS or word in _WGS84_UTM_WORDS


def to_crs(user_crs: Any, *, lonlat: Any = None) -> pyproj.CRS:
    """Parse a CRS a planner typed (``EPSG:9208``, ``9208``, WKT, a province name, or ``utm``).

    ``utm`` (or ``VN-2000 UTM``) is VN-2000 / UTM inside Vietnam (EPSG:3405 west of 108° E,
    EPSG:3406 east) and the WGS 84 UTM zone elsewhere; ``WGS84 UTM`` is the WGS 84 UTM zone
    anywhere. Both need the park's position ``lonlat`` (see :func:`metric_crs`).
    """
    import pyproj

    text = str(user_crs).strip()
    word = _slug(text)
    if word in _UTM_WORDS or word in _WGS84_UTM_WORDS:
        return _utm_crs(text, lonlat, vn2000=word in _UTM_WORDS)
    try:
        # Long digit strings are not EPSG codes (and int() refuses 5,000 digits).
        crs = pyproj.CRS.from_user_input(int(text) if text.isdigit() and len(text) < 10 else text)
    except (pyproj.exceptions.CRSError, ValueError, TypeError):
        try:
            crs = vn2000_tm(text)
        except CRSError:
            raise CRSError(
                f"'{_short(user_crs)}' is neither a CRS nor a province name. "
                "Fix: pass e.g. --crs EPSG:9208, --crs 'Lào Cai' or --crs utm."
            ) from None
    reason = unusable_reason(crs)
    if reason:
        raise CRSError(
            f"--crs {crs_label(crs)} {reason}. "
            "Fix: pass a projected CRS of the Earth in metres, e.g. --crs 'Lào Cai' or --crs EPSG:9208."
        )
    if not crs.is_projected:
        raise CRSError(
            f"{crs_label(crs)} is not projected: areas and distances need metres. "
            "Fix: pass a projected CRS, e.g. EPSG:9208 (VN-2000 / TM-3 104-45)."
        )
    _check_metres(crs)
    return crs


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _horizontal(crs: pyproj.CRS) -> pyproj.CRS:
    """The horizontal part of a CRS (the source of a bound CRS, the first of a compound one)."""
    if crs.is_bound and crs.source_crs is not None:
        crs = crs.source_crs
    if crs.is_compound and crs.sub_crs_list:
        crs = crs.sub_crs_list[0]
    return crs


def unusable_reason(crs: pyproj.CRS) -> str | None:
    """Why ``crs`` cannot place features on the Earth for measuring, or None if it can.

    Refused: engineering (local) CRSs, geocentric CRSs, CRSs of other bodies (an IAU Mars
    CRS), and anything that is neither geographic nor projected.
    """
    horizontal = _horizontal(crs)
    kind = horizontal.type_name
    if horizontal.is_engineering or kind.startswith("Engineering"):
        return "is a local engineering CRS: it does not say where on the Earth the coordinates are"
    if horizontal.is_geocentric:
        return "is geocentric (X, Y, Z from the Earth's centre), not a map projection"
    if not (horizontal.is_geographic or horizontal.is_projected):
        return f"is a {kind}, which cannot place features on a map"
    ellipsoid = horizontal.ellipsoid
    if ellipsoid is None:
        return "has no ellipsoid, so it cannot be placed on the Earth"
    low, high = _EARTH_SEMI_MAJOR_M
    if not low <= ellipsoid.semi_major_metre <= high:
        return (f"is not a CRS of the Earth (its ellipsoid is '{ellipsoid.name}', "
                f"radius {ellipsoid.semi_major_metre / 1000:,.0f} km)")
    return None


def crs_label(crs: pyproj.CRS) -> str:
    """``EPSG:9208`` when the CRS has an EPSG code, else its name."""
    epsg = crs.to_epsg(min_confidence=90)
    return f"EPSG:{epsg}" if epsg else crs.name


@dataclass(frozen=True)
class Position:
    """What is wrong with where a layer's coordinates lie in its CRS.

    ``kind`` is ``"metres"`` (metres labelled with a geographic CRS), ``"swapped"`` (latitude and
    longitude swapped), ``"degrees"`` (degrees labelled with a projected CRS), ``"not-finite"``,
    or ``"far"`` (outside the CRS's area of use); ``problem`` and ``fix`` are for a planner.
    """

    kind: str
    problem: str
    fix: str


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1e5 else f"{value:.6g}"


def _in_vietnam(lon: float, lat: float) -> bool:
    xmin, ymin, xmax, ymax = _VIETNAM_BBOX
    return xmin <= lon <= xmax and ymin <= lat <= ymax


def _km_to_box(lon: float, lat: float, west: float, south: float, east: float, north: float) -> float:
    """Great-circle distance (km) from a point to the nearest point of a lon/lat box."""
    if west <= east:
        near_lon = min(max(lon, west), east)
    else:  # the box crosses the antimeridian
        near_lon = lon if (lon >= west or lon <= east) else min((west, east), key=lambda v: abs(v - lon))
    near_lat = min(max(lat, south), north)
    phi1, phi2 = math.radians(lat), math.radians(near_lat)
    dphi, dlam = phi2 - phi1, math.radians(near_lon - lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _inside(lon: float, lat: float, area: Any, margin: float) -> bool:
    west, south, east, north = area.west, area.south, area.east, area.north
    if not south - margin <= lat <= north + margin:
        return False
    if west <= east:
        return west - margin <= lon <= east + margin
    return lon >= west - margin or lon <= east + margin


@functools.lru_cache(maxsize=16)
def _lonlat_transformer(crs: pyproj.CRS) -> pyproj.Transformer:
    """CRS → WGS 84 lon/lat; built once per CRS (PROJ takes ~60 ms to pick an operation)."""
    import pyproj

    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def _to_lonlat(crs: pyproj.CRS, x: float, y: float) -> tuple[float, float]:
    import pyproj

    try:
        to_ll = _lonlat_transformer(crs)
        lon, lat = to_ll.transform(x, y, errcheck=False)
    except pyproj.exceptions.ProjError:
        return math.nan, math.nan
    return float(lon), float(lat)


def diagnose_position(
    crs: pyproj.CRS, bounds: Any, *, margin_deg: float = AREA_OF_USE_MARGIN_DEG
) -> Position | None:
    """Say what coordinates look like when they do not fit their CRS, else None.

    ``bounds`` is ``(xmin, ymin, xmax, ymax)`` of the layer in ``crs`` (x = easting or
    longitude). Coordinates impossible for a geographic CRS are recognised as metres (a
    projected grid such as VN-2000) or as latitude and longitude swapped; degrees labelled
    with a projected CRS are recognised too; anything else whose centre lies more than
    ``margin_deg`` outside the CRS's area of use is reported with its position and distance.

    Examples
    --------
    >>> import pyproj
    >>> d = diagnose_position(pyproj.CRS.from_epsg(4326), (419000, 2488000, 420000, 2489000))
    >>> d.kind
    'metres'
    """
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    label = crs_label(crs)
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
        return Position(
            "not-finite",
            "has coordinates that are not finite numbers (NaN or infinite)",
            "delete or redraw the broken features in QGIS (Vector → Geometry Tools → Check Validity)",
        )
    largest = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    if largest > 1e8:  # no CRS of the Earth has coordinates beyond ±40,000 km
        return Position(
            "not-finite",
            f"has coordinates as large as {largest:.3g}, which are no place on the Earth",
            "delete or redraw the broken features in QGIS (Vector → Geometry Tools → Check Validity)",
        )
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    at = f"({_fmt(cx)}, {_fmt(cy)})"
    horizontal = _horizontal(crs)
    if horizontal.is_geographic:
        lonlat_ok = max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90
        if not lonlat_ok:
            if max(abs(ymin), abs(ymax)) <= 180 and max(abs(xmin), abs(xmax)) <= 90:
                place = " (in Vietnam once swapped)" if _in_vietnam(cy, cx) else ""
                return Position(
                    "swapped",
                    f"says {label} but its coordinates {at} look like latitude and longitude "
                    f"swapped: x is the latitude and y the longitude{place}",
                    "swap x and y when exporting (longitude first) or in QGIS (Processing → "
                    "Swap X and Y coordinates), then export again",
                )
            vn = 0 <= xmin and xmax <= 1_000_000 and 900_000 <= ymin and ymax <= 2_700_000
            grid = "VN-2000 / a projected grid" if vn else "a projected grid"
            return Position(
                "metres",
                f"says {label} but its coordinates {at} look like metres — {grid}",
                "pass --crs 'Lào Cai' (the province whose VN-2000 grid the plan was drawn in) "
                "or " + _SET_CRS_FIX,
            )
    elif max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
        return Position(
            "degrees",
            f"says {label} (metres) but its coordinates {at} look like longitude and "
            "latitude in degrees",
            "set the layer's CRS to EPSG:4326 in QGIS (Layer → Set CRS) and export again",
        )
    lon, lat = _to_lonlat(crs, cx, cy)
    area = horizontal.area_of_use
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 89.9:
        return Position(
            "far",
            f"says {label} but its coordinates {at} are no place on the Earth in that CRS",
            _SET_CRS_FIX,
        )
    if area is None or _inside(lon, lat, area, margin_deg):
        return None
    km = _km_to_box(lon, lat, area.west, area.south, area.east, area.north)
    use = f"{area.name.rstrip('.')}: lon {area.west:g}…{area.east:g}, lat {area.south:g}…{area.north:g}"
    hint = ""
    if not horizontal.is_geographic:
        lon_s, lat_s = _to_lonlat(crs, cy, cx)
        if math.isfinite(lon_s) and math.isfinite(lat_s) and _inside(lon_s, lat_s, area, 0.0):
            hint = "; x and y look swapped"
    return Position(
        "far",
        f"says {label} but its coordinates {at} lie at lon {lon:.3f}, lat {lat:.3f}, far from "
        f"the area of use of {label} ({km:,.0f} km away; {use}), so the CRS is probably "
        f"wrong{hint}",
        "set the CRS the coordinates were drawn in (QGIS: Layer → Set CRS) and export again",
    )
