"""Build the Trà Nóc 1 & 2 Industrial Parks sample (``layers/tra_noc.gpkg``, ``layers/tra_noc_roads.osm``).

Usage::

    python layers/build_tra_noc.py [-o PATH] [--roads PATH] [--no-roads]

Trà Nóc 1 (135 ha, 1995) and Trà Nóc 2 (155 ha, 1998) are adjacent and share one central WWTP and one
authority, and the 2015–2022 symbiosis work treated them as one site ("Trà Nóc 1 & 2"). So they are
**one park**: the boundary is the union of two rectangles of the published areas (290 ha), and every
parcel and facility carries its ``zone``. Facts (sources in the comments and ``layers/README.md``):
the two areas, the wards, the airport point, the WWTP's design capacity, size and corner, what lies
around the WWTP site, the sectors and the three 2022 symbiosis proposals. No enterprise is named in
any readable source of Trà Nóc's solutions, so every facility is an illustrative stand-in for a
published sector; the shape, position and layout are illustrative. Deterministic, no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _parkbuild import Cut, Facility, Place, Spec, Zone, lot, main, roads_build, tenant

CRS = "EPSG:5897"  # VN-2000 / TM-3 105-00, the Cần Thơ grid (vn-reference-tables.md §1; eipgis.crs.vn2000_tm)
DEFAULT_OUTPUT = HERE / "tra_noc.gpkg"
DEFAULT_ROADS = HERE / "tra_noc_roads.osm"
VIETRADE = "en.vietrade.gov.vn article 1964 (2012) [C]"
SECTORS = "sector list of Trà Nóc 1+2: viet-jo.com 100331081752 (2010) [S]"
PROPOSALS = "Trà Nóc consultation 14–15 Mar 2022, khucongnghiepsinhthai-vietnam.vn/article/38 [C]"

# Areas: Trà Nóc 1 135 ha, Trà Nóc 2 155 ha (vietrade 2012) [C]. Other figures for Trà Nóc 2
# (165 ha, 157.7 ha) are secondary; the research note keeps the question open (Gaps 4).
ZONES = (Zone("Trà Nóc 1", 135.0, 1000.0, "135 ha: " + VIETRADE),
         Zone("Trà Nóc 2", 155.0, 1150.0, "155 ha: " + VIETRADE))
LENGTH_1 = 135.0 * 1e4 / 1000.0  # 1,350 m
LENGTH_M = LENGTH_1 + 155.0 * 1e4 / 1150.0  # 2,697.8 m
# Shared central WWTP: design 12,000 m³/day, under construction in 2013 (vietnamnews.vn 245872) [S]; 2 ha at
# the south-west corner of Trà Nóc 2 (123docz excerpt of the project) [S]. Capacity in operation: not found.
WWTP_M3_DAY = 12000.0
WWTP_SOURCE = "12,000 m³/day design: vietnamnews.vn/environment/245872 (2013) [S]; operating capacity not found"

# Position: illustrative. Trà Nóc 1 is about 1 km from Cần Thơ airport [C], whose aerodrome reference point
# is 10°05′02″N 105°42′36″E (VNAIC eAIP AD-2 VVCT) [C]; Trà Nóc 2 adjoins it [C] towards Ô Môn. We put the
# airport point 1.5 km inland of the middle of Trà Nóc 1's inland fence and lay the long side north-west,
# along the Hậu river (which is on the v < 0 side). No boundary or centroid of either park was found.
ARP_LONLAT = (105 + 42 / 60 + 36 / 3600, 10 + 5 / 60 + 2 / 3600)
# Gates on the inland side only (towards Quốc lộ 91 and the airport): other road ends stop at the strip.
STRIP_M = 10.0  # isolation green strip, the 10 m minimum of QCVN 01:2021/BXD §2.5.2
END = STRIP_M
ROADS = (
    ("Trục chính", "primary", 36, [(END, 500), (LENGTH_M - END, 500)]),
    ("Đường số 1", "tertiary", 24, [(450, END), (450, 1150)]),
    ("Đường số 2", "tertiary", 24, [(900, END), (900, 1150)]),
    ("Đường ranh Trà Nóc 1 – 2", "secondary", 24, [(LENGTH_1, END), (LENGTH_1, 1000)]),
    ("Đường số 3", "tertiary", 24, [(1800, END), (1800, 1150)]),
    ("Đường số 4", "tertiary", 24, [(2250, END), (2250, 1150)]),
    ("Đường nội bộ N1", "service", 16, [(END, 250), (LENGTH_M - END, 250)]),
    ("Đường nội bộ N2", "service", 16, [(END, 760), (LENGTH_M - END, 760)]),
)


def stand_in(fid, tenant, plant, sector, hazard, products, solutions, source):
    return Facility(fid, tenant, plant, sector, hazard, products, solutions,
                    source + "; the firm is an illustrative stand-in (no firm named)", False)


FACILITIES = (
    stand_in("T01", "Doanh nghiệp chế biến thủy sản (minh họa)", "Seafood-processing plant (illustrative)",
             "food processing: seafood", "III", "frozen fish fillets; type-A (low-load) wastewater", "TN-iii",
             SECTORS + "; " + PROPOSALS + " (iii)"),
    stand_in("T02", "Doanh nghiệp chế biến lương thực (minh họa)", "Rice and food plant (illustrative)",
             "food processing", "IV", "milled rice; scrap paper and board", "TN-ii",
             "priority sector food: " + VIETRADE + "; " + PROPOSALS + " (ii)"),
    stand_in("T03", "Doanh nghiệp thuộc da (minh họa)", "Leather plant (illustrative)", "leather", "II",
             "finished leather", "", SECTORS),
    stand_in("T04", "Doanh nghiệp thuốc thú y (minh họa)", "Veterinary-drug plant (illustrative)",
             "veterinary drugs", "III", "veterinary medicines", "", SECTORS),
    stand_in("T05", "Doanh nghiệp vật liệu xây dựng (minh họa)", "Building-materials plant (illustrative)",
             "building materials", "IV", "concrete products; process water", "TN-iii",
             SECTORS + "; " + PROPOSALS + " (iii)"),
    stand_in("T06", "Doanh nghiệp phân bón (minh họa)", "Fertiliser-blending plant (illustrative)",
             "fertiliser", "III", "NPK blends", "", SECTORS),
    stand_in("T07", "Doanh nghiệp hóa chất (minh họa)", "Chemical plant (illustrative)", "chemicals", "II",
             "industrial chemicals", "", SECTORS),
    stand_in("T08", "Doanh nghiệp cơ khí (minh họa)", "Machinery workshop (illustrative)", "machinery", "IV",
             "machinery", "", SECTORS + "; priority sector mechanical: " + VIETRADE),
    stand_in("T09", "Doanh nghiệp bao bì giấy (minh họa)", "Paper-packaging maker (illustrative)",
             "paper packaging", "IV", "cartons from scrap paper and board", "TN-ii",
             PROPOSALS + " (ii: 'a paper or packaging maker')"),
)


# (column, row): column counts the cross roads before the block along u (Đường số 1, 2, the zone road,
# Đường số 3, 4), row the long roads (N1, Trục chính, N2) between it and the river side. Areas illustrative.
BLOCK_PLAN = {
    (0, 1): Cut(0, (tenant("T01", 6), lot("CN", None, None))),
    (0, 2): Cut(0, (lot("CX", 3, "Cây xanh phía đông nam"), lot("CN", None, None))),
    (1, 1): Cut(0, (tenant("T02", 5), lot("CN", None, None))),
    (1, 2): Cut(0, (lot("DHDV", 3, "Trung tâm điều hành – dịch vụ KCN"), lot("CX", 5, "Cây xanh trung tâm"),
                    lot("CN", None, None))),
    (2, 0): Cut(0, (tenant("T08", 4), lot("CN", None, None))),
    (2, 3): Cut(0, (tenant("T05", 5), lot("CN", None, None))),
    (3, 1): Cut(0, (tenant("T09", 4), tenant("T04", 3), lot("CN", None, None))),
    (3, 3): Cut(0, (lot("CX", 6, "Cây xanh phía nam"), lot("CN", None, None))),
    (4, 2): Cut(0, (tenant("T06", 5), lot("KHO", 4, "Kho bãi"), lot("CN", None, None))),
    (4, 0): Cut(0, (tenant("T03", 5), lot("CX", 4, "Cây xanh ven sông"), lot("CN", None, None))),
    (5, 0): Cut(180, (lot("CX", 4, "Cây xanh ven sông phía tây bắc"), tenant("T07", 4),
                      lot("CN", None, None))),
    # WWTP at the south-west corner of Trà Nóc 2 [S]: the far, inland corner of the last block.
    (5, 3): Cut(225, (lot("XLNT", 2.0, "Nhà máy xử lý nước thải tập trung Trà Nóc (thiết kế 12.000 m³/ngày)"),
                      lot("MN", 2.0, "Hồ dự trữ nước chữa cháy"), lot("HTKT", 1.5, "Trạm biến áp"),
                      lot("CN", None, None))),
}

ILLUSTRATIVE_POP = "approximate, illustrative (no population in the research note)"
# Around the WWTP site (123docz excerpt of the WWTP project) [S]: worker flats to the west, a 10-ha resettlement
# area 100 m to the north, the Sang Trắng canal and scattered houses to the south. In the local frame west is
# (+0.77 u, +0.64 v), north (+0.64 u, −0.77 v) and south (−0.64 u, +0.77 v).
PLACES = (
    Place("Khu nhà ở công nhân Trà Nóc (1.000 căn hộ)", "residential", (2930, 1345), (200, 120), 40, 3_000,
          "1,000 worker flats planned west of the WWTP site (123docz) [S]; 3 people per flat, illustrative"),
    Place("Khu tái định cư 10 ha", "residential", (2900, 930), (178, 178), 0, 2_000,
          "10-ha resettlement area 100 m north of the WWTP site (123docz) [S]; population illustrative"),
    Place("Nhà dân ven kênh Sang Trắng", "residential", (2480, 1360), (300, 70), 0, 500,
          "scattered houses by the Sang Trắng canal south of the WWTP site (123docz) [S]; population illustrative"),
    Place("Trà Nóc (nay Thới An Đông)", "residential", (-600, 400), (450, 400), 0, 20_000, ILLUSTRATIVE_POP),
    Place("Phước Thới", "residential", (3600, 250), (500, 350), 0, 15_000, ILLUSTRATIVE_POP),
)

SPEC = Spec(
    name="Khu công nghiệp Trà Nóc 1 và 2", crs=CRS, anchor_lonlat=ARP_LONLAT,
    anchor_uv=(LENGTH_1 / 2, 1000.0 + 1500.0),
    angle=140.0,  # u points north-west along the Hậu river (towards Ô Môn); v points inland (south-west)
    zones=ZONES, roads=ROADS, strip_m=STRIP_M, block_plan=BLOCK_PLAN, plot_ha=3.0, facilities=FACILITIES,
    places=PLACES, wwtp_capacity_m3_day=WWTP_M3_DAY, wwtp_capacity_source=WWTP_SOURCE,
)

# The open layer draws Quốc lộ 91 a few km inland of its real course past the parks (it is a coarse
# national layer), so one straight illustrative link joins the park roads to it.
REGION = roads_build.Region(
    "eipgis Trà Nóc sample", CRS, (105.55, 9.95, 105.85, 10.20),
    "eipgis layers/tra_noc.gpkg roads (illustrative park layout)",
    park_links=(("QL91", "Đường nối KCN Trà Nóc – QL91 (minh họa)"),),
)


def run(argv=None) -> int:
    return main(SPEC, REGION, DEFAULT_OUTPUT, DEFAULT_ROADS, argv)


if __name__ == "__main__":
    raise SystemExit(run())
