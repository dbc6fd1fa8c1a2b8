"""Build the Hòa Khánh Industrial Park sample (``layers/hoa_khanh.gpkg``, ``layers/hoa_khanh_roads.osm``).

Usage::

    python layers/build_hoa_khanh.py [-o PATH] [--roads PATH] [--no-roads]

Only the **main park of 394 ha** is drawn; the 132.6 ha extension (Decision 2001/QĐ-UB, 2004; another
developer) is left out. Facts (sources in the comments and ``layers/README.md``): the area, the
district and ward, the central WWTP's capacity, the four enterprises named in the six 2019 symbiosis
solutions and the sectors UNIDO worked with. No boundary or centroid of the park was found, so its
shape and position (a rectangle beside Quốc lộ 1A in Liên Chiểu) and the whole layout are
illustrative. Deterministic: no randomness, no network; the road extract needs ``../shared/data``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _parkbuild import Cut, Facility, Place, Spec, Zone, lot, main, roads_build, tenant

CRS = "EPSG:5899"  # VN-2000 / TM-3 107-45, the Đà Nẵng grid (vn-reference-tables.md §1; eipgis.crs.vn2000_tm)
DEFAULT_OUTPUT = HERE / "hoa_khanh.gpkg"
DEFAULT_ROADS = HERE / "hoa_khanh_roads.osm"
RESEARCH = "hoa-khanh-tra-noc.md"
VNCPC = ("VNCPC, 'Many industrial symbiotic opportunities have been identified and deployed by VNCPC in "
         "Da Nang' (vncpc.org); " + RESEARCH + " §2.1")

# Area 394 ha (303.93 leasable): DSEZA page text (copy in github.com/ItzNCT/final-dseza-landing,
# KhuCongNghiepHoaKhanh.tsx) and vccinews.com/news/35213 (2017). [S]
AREA_HA = 394.0
AREA_SOURCE = "394 ha: DSEZA (dseza.danang.gov.vn, copy 2025); vccinews.com/news/35213 (2017) [S]"
# Central WWTP: 6,000 m³/day in 2022, SBR, operator URENCO: baodanang.vn (May 2022, Dec 2023). [S]
WWTP_M3_DAY = 6000.0
WWTP_SOURCE = "6,000 m³/day (2022): baodanang.vn 202205/…3914785 [S]"

# Position: illustrative. No centroid or boundary is published (research note, Gaps 3). The park is in
# Liên Chiểu district (tenant addresses: Hòa Khánh Bắc ward) about 10 km from the airport and 5 km
# from Liên Chiểu port [S]; we put its south-east corner 150 m off Quốc lộ 1A as the open transport
# layer draws it (vertex 108.1497 E, 16.0667 N of LegoCity gid 377) and turn its long side along the road.
ANCHOR_LONLAT = (108.1497, 16.0667)
DEPTH_M = 1600.0
LENGTH_M = AREA_HA * 1e4 / DEPTH_M  # 2,462.5 m
ZONES = (Zone("Hòa Khánh", AREA_HA, DEPTH_M, AREA_SOURCE),)

# Roads: illustrative alignments. Streets in the park are numbered ("Đường số 6, KCN Hòa Khánh" in tenant
# addresses [S]); which number is where is not known. Only the three gates on the Quốc lộ 1A side cross the
# isolation strip; every other road ends at it (END m inside the fence).
STRIP_M = 10.0  # isolation green strip, the 10 m minimum of QCVN 01:2021/BXD §2.5.2
END = STRIP_M
ROADS = (
    ("Đường số 1", "primary", 36, [(END, 560), (LENGTH_M - END, 560)]),
    ("Đường số 2", "secondary", 30, [(END, 1100), (LENGTH_M - END, 1100)]),
    ("Đường số 3", "tertiary", 24, [(600, 0), (600, DEPTH_M - END)]),
    ("Đường số 4", "secondary", 30, [(1230, 0), (1230, DEPTH_M - END)]),
    ("Đường số 5", "tertiary", 24, [(1850, 0), (1850, DEPTH_M - END)]),
    ("Đường nội bộ N1", "service", 16, [(END, 280), (LENGTH_M - END, 280)]),
    ("Đường nội bộ N2", "service", 16, [(END, 830), (LENGTH_M - END, 830)]),
    ("Đường nội bộ N3", "service", 16, [(END, 1350), (LENGTH_M - END, 1350)]),
)

FACILITIES = (
    Facility("H01", "Heineken Việt Nam – nhà máy bia Đà Nẵng", "Heineken Đà Nẵng brewery", "beer brewing",
             "IV", "beer; biogas from the brewery's wastewater treatment", "D1", VNCPC + " (D1)", True, 3),
    Facility("H02", "Green Energy Co.", "Green Energy boiler and steam service", "boiler operation service",
             "IV", "steam; boiler operation as a service", "D1, D3, D6", VNCPC + " (D1, D3, D6)", True),
    Facility("H03", "Tan Long packaging-paper factory", "Tan Long packaging-paper mill", "packaging paper",
             "IV", "packaging paper; rooftop solar power", "D2, D3", VNCPC + " (D2, D3)", True),
    Facility("H04", "Viet Lang Forest Products", "Viet Lang wood-products factory", "wood products",
             "IV", "wood products; scrap wood", "D6", VNCPC + " (D6)", True),
    Facility("H05", "Cơ sở gạch không nung (chưa rõ tên, minh họa)", "Unfired-brick yard (not named)",
             "unfired bricks", "V", "unfired bricks from waste ash", "D4",
             VNCPC + " (D4: firms not named; this plant is an illustrative stand-in)", False),
    Facility("H06", "Doanh nghiệp dệt nhuộm (minh họa)", "Textile dyeing plant (illustrative)",
             "textile dyeing", "III", "dyed fabric", "",
             "sector only: UNIDO worked with food, textile and paper firms (eip-vietnam.org "
             "demonstration-detail/4) [C]; the firm is illustrative", False),
    Facility("H07", "Doanh nghiệp chế biến thực phẩm (minh họa)", "Food-processing plant (illustrative)",
             "food processing", "IV", "processed food", "",
             "sector only: UNIDO worked with food, textile and paper firms (eip-vietnam.org "
             "demonstration-detail/4) [C]; the firm is illustrative", False),
)


# (column, row) of a block: column counts the cross roads (Đường số 3, 4, 5) before it along the park,
# row the long roads (N1, Đường số 1, N2, Đường số 2, N3) between it and the Quốc lộ 1A side. Areas are illustrative.
BLOCK_PLAN = {
    (1, 0): Cut(0, (tenant("H01", 9), tenant("H02", 3), lot("CN", None, None))),
    (1, 1): Cut(0, (tenant("H03", 6), lot("CN", None, None))),
    (2, 0): Cut(0, (lot("DHDV", 3, "Trung tâm điều hành – dịch vụ KCN"), lot("CX", 4, "Cây xanh trung tâm"),
                    lot("BX", 1.5, "Bãi đỗ xe tải"),
                    lot("CN", None, None))),
    (0, 2): Cut(0, (tenant("H04", 5), tenant("H05", 3), lot("CN", None, None))),
    (1, 2): Cut(0, (lot("CX", 8, "Công viên cây xanh"), lot("CN", None, None))),
    (2, 4): Cut(0, (tenant("H06", 4), lot("KHO", 5, "Kho bãi logistics"), lot("CN", None, None))),
    (3, 2): Cut(0, (tenant("H07", 4), lot("CN", None, None))),
    (0, 4): Cut(0, (lot("CX", 8, "Cây xanh phía tây"), lot("CN", None, None))),
    (0, 5): Cut(0, (lot("CX", 7, "Cây xanh phía tây nam"), lot("CN", None, None))),
    (3, 4): Cut(180, (lot("CX", 5, "Cây xanh cách ly trạm XLNT"), lot("CN", None, None))),
    (3, 5): Cut(180, (lot("XLNT", 2.5, "Nhà máy xử lý nước thải tập trung KCN Hòa Khánh"),
                      lot("HTKT", 2, "Trạm biến áp 110 kV"), lot("MN", 3, "Hồ điều hòa"),
                      lot("CN", None, None))),
}

ILLUSTRATIVE_POP = "approximate, illustrative (no population in the research note)"
PLACES = (
    # Tenant addresses put the park in Hòa Khánh Bắc ward [S]: its houses east of Quốc lộ 1A are drawn here.
    Place("Hòa Khánh Bắc", "residential", (1200, -750), (900, 350), 0, 30_000, ILLUSTRATIVE_POP),
    # Hòa Hiệp Bắc households complained of factory smoke (sggpnews.org.vn) [S]: drawn north-west.
    Place("Hòa Hiệp Bắc", "residential", (3350, 500), (500, 350), 0, 12_000, ILLUSTRATIVE_POP),
    Place("Khu nhà ở công nhân Hòa Khánh", "residential", (900, 2050), (450, 250), 0, 5_000,
          ILLUSTRATIVE_POP),
)

SPEC = Spec(
    name="Khu công nghiệp Hòa Khánh", crs=CRS, anchor_lonlat=ANCHOR_LONLAT, anchor_uv=(0.0, -150.0),
    angle=120.0,  # the u axis points north-west along Quốc lộ 1A; v points away from the road
    zones=ZONES, roads=ROADS, strip_m=STRIP_M, block_plan=BLOCK_PLAN, plot_ha=4.0, facilities=FACILITIES,
    places=PLACES, wwtp_capacity_m3_day=WWTP_M3_DAY, wwtp_capacity_source=WWTP_SOURCE,
)

REGION = roads_build.Region(
    "eipgis Hòa Khánh sample", CRS, (107.95, 15.95, 108.35, 16.20),
    "eipgis layers/hoa_khanh.gpkg roads (illustrative park layout)",
    park_links=(("QL1A", "Đường nối KCN Hòa Khánh – QL1A (minh họa)"),),
)



def run(argv=None) -> int:
    return main(SPEC, REGION, DEFAULT_OUTPUT, DEFAULT_ROADS, argv)


if __name__ == "__main__":
    raise SystemExit(run())
