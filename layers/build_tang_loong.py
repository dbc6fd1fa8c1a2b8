"""Build the Tằng Loỏng Industrial Park sample GeoPackage (``layers/tang_loong.gpkg``).

Usage::

    python layers/build_tang_loong.py [-o PATH]

The boundary, the tenant list, three plot areas and the place points are published facts (sources
on each constant and in ``layers/README.md``). Everything else (roads, plot positions and shapes,
green, buildings, neighbourhood footprints) is an illustrative layout drawn to those facts. The
build is deterministic: no randomness and no network, so the same inputs give the same file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely import LineString, Point, Polygon
from shapely.ops import substring

CRS = "EPSG:9208"  # VN-2000 / TM-3 104-45, the Lào Cai grid (vn-reference-tables.md §1)
WGS84 = "EPSG:4326"
DEFAULT_OUTPUT = Path(__file__).with_name("tang_loong.gpkg")

# -------------------------------------------------------------------------------------------------
# Published facts
# -------------------------------------------------------------------------------------------------

PARK_NAME = "Khu công nghiệp Tằng Loỏng"
# Boundary QH1-QH22, lon/lat (WGS84): Trangsct/ccn-laocai, file
# unit-files/_tong-hop/ranh-gioi-kcn-ccn.kml (placemark "KCN Tằng Loỏng"), quoting the 1:2,000
# zoning-plan adjustment of 30 Dec 2024 (Điều chỉnh quy hoạch phân khu tỷ lệ 1/2.000 KCN Tằng
# Loỏng). Shoelace area 1,097.67 ha.
BOUNDARY_LONLAT = [
    (104.13479263, 22.32027166), (104.14593395, 22.31059696), (104.14789696, 22.30987102),
    (104.15166530, 22.30655786), (104.15285773, 22.30308267), (104.15963425, 22.29605073),
    (104.15708468, 22.29177563), (104.16405077, 22.28183153), (104.15883185, 22.27575244),
    (104.15038188, 22.27481220), (104.14056840, 22.27371968), (104.14023883, 22.27586458),
    (104.14031525, 22.27824434), (104.13954543, 22.27928470), (104.13708473, 22.28205324),
    (104.13544044, 22.28329277), (104.13458679, 22.28436972), (104.13522185, 22.29051199),
    (104.13567344, 22.29184155), (104.13321953, 22.29420337), (104.13416121, 22.29735428),
    (104.12386420, 22.30703805),
]
# Đức Giang - Lào Cai Chemicals (captive power station, inside the park): gem.wiki
# "Duc_Giang_-_Lao_Cai_Chemicals_power_station" (Global Coal Plant Tracker, location "exact").
DUC_GIANG_LONLAT = (104.1469831, 22.3043761)
# Central WWTP of 3,000 m³/day: vietnam.vn (Báo Lào Cai, 12 Nov 2025).
WWTP_NAME = "Trạm xử lý nước thải tập trung 3.000 m³/ngày"

# The 17 facilities of Biểu "Dự tính giá trị SXCN năm 2027", Kế hoạch 72/KH-BQL of 8 Jul 2026
# (Lào Cai EZ Management Board), digitised in Trangsct/skill-sct gtsxcn-kcn-kkt-2027.json; tenant
# names as in tang-loong.md §3.1. Columns: id, tenant, plant, sector, hazard class (the project's
# reading of TCVN 4449-1987 App. III, see README), products (t/yr), main product capacity (t/yr).
FACILITIES = [
    ("F01", "Apatit Việt Nam Co. (VINACHEM)", "Apatite ore-dressing plant", "ore dressing", "III",
     "apatite concentrate grade 1 900,000", 900_000),
    ("F02", "Apatit Việt Nam, Fertiliser–Chemicals branch", "NPK plant", "NPK fertiliser", "III",
     "NPK 30,000", 30_000),
    ("F03", "Phốt pho vàng Lào Cai JSC (P1)", "Yellow-phosphorus plant P1", "yellow phosphorus",
     "I", "P4 10,000", 10_000),
    ("F04", "Phốt pho Việt Nam JSC (P2)", "Yellow-phosphorus plant P2", "yellow phosphorus", "I",
     "P4 6,000", 6_000),
    ("F05", "Đông Nam Á Lào Cai JSC (P3)", "Yellow-phosphorus plant P3", "yellow phosphorus", "I",
     "P4 18,000", 18_000),
    ("F06", "Phốt pho vàng Việt Nam Co. (P5)", "Yellow-phosphorus plant P5", "yellow phosphorus",
     "I", "P4 19,800; packaging", 19_800),
    ("F07", "Phốt pho Apatit JSC (P7)", "Yellow-phosphorus plant P7", "yellow phosphorus", "I",
     "P4 20,000", 20_000),
    ("F08", "Lavita International JSC", "Red-phosphorus and food-acid plant",
     "red phosphorus & food-grade phosphoric acid", "I",
     "red phosphorus 3,000; food-grade H3PO4 6,600", 3_000),
    ("F09", "Đức Giang Lào Cai Chemicals (P4)", "Đức Giang chemical complex",
     "yellow phosphorus, acids & fertiliser", "I",
     ("P4 43,800; DCP 50,000; MAP 20,000; H2SO4 400,000; wet-process H3PO4 100,000; "
      "food H3PO4 80,000; DAP 100,000; TSP 100,000"), 43_800),
    ("F10", "SX & XNK Bao bì Co.", "Steel-drum plant", "metal packaging", "IV",
     "steel drums 300,000 pcs", None),
    ("F11", "Apromaco Lào Cai", "Apromaco superphosphate plant", "phosphate fertiliser & acids",
     "II", "SSP 200,000; NPK 150,000; granular phosphate; H2SO4 124,500", 200_000),
    ("F12", "VIMICO (TKV)", "Lào Cai copper smelter", "copper smelting", "I",
     "copper cathode 32,000; gold 900 kg; silver 1,800 kg; gypsum 12,000; CuSO4 200", 32_000),
    ("F13", "DAP No.2 JSC – Vinachem", "DAP No.2 plant", "phosphate fertiliser & acids", "I",
     "DAP 330,000; H2SO4 420,000; H3PO4 162,000", 330_000),
    ("F14", "Việt Trung Mineral & Metallurgy Co. (VTM)", "VTM iron and steel plant",
     "iron and steel", "I",
     "steel billets 500,000; liquid oxygen 1,000; granulated blast-furnace slag 100,000", 500_000),
    ("F15", "Lào Cai Minerals & Metallurgical Materials JSC", "Metallurgical-materials plant",
     "metallurgical materials", "III",
     "recovered metal; metallurgical additives 7,500; cement raw material; aggregate", 7_500),
    ("F16", "Lao Kay Manufacturing & Trading JSC", "Slag-grinding plant", "slag grinding", "III",
     "ground yellow-P and blast-furnace slag (cement additive) 1,000,000", 1_000_000),
    ("F17", "Xanh Việt Sơn Environmental Services JSC", "Waste-recycling plant",
     "hazardous-waste recycling", "I",
     "FO-R fuel oil 4,500; solvents 6,000; Cu powder 16,500; Al ingot 9,000; Pb ingot 18,000",
     18_000),
]
FACILITY_SOURCE = "Kế hoạch 72/KH-BQL (8 Jul 2026), Biểu GTSXCN 2027"
# Sanitary isolation distance per hazard class: TCVN 4449-1987 Appendix III (eip-criteria.md §3.5).
SAFETY_DISTANCE_M = {"I": 1000, "II": 500, "III": 300, "IV": 100, "V": 50}

# Published plot areas (ha).
DAP2_HA = 70.85  # DAP No.2 site: hoahocngaynay.com; fr.vietnamplus.vn
VTM_HA = 70.0  # VTM iron and steel plant ≈70 ha: vccinews.com/prode/32662
LAO_KAY_HA = 72_032 / 1e4  # Lao Kay slag-grinding plant 72,032 m²: laodong.vn (ja)
PUBLISHED_AREA = {"F13": "70.85 ha: hoahocngaynay.com; fr.vietnamplus.vn",
                  "F14": "≈70 ha: vccinews.com/prode/32662", "F16": "72,032 m²: laodong.vn"}

# Place points (lon, lat): tang-loong.md §1.1. Footprints, sizes and populations are illustrative.
# name, kind, centre (lon, lat), footprint semi-axes (m), rotation (degrees), population
PLACES = [
    ("Phố Lu", "residential", (104.1817, 22.3220), (900, 550), 30, 15_000),  # rail junction
    ("Xuân Giao", "residential", (104.111, 22.342), (450, 300), 0, 6_000),  # apatite branch end
    ("Gia Phú", "residential", (104.10, 22.33), (600, 350), 20, 8_000),  # commune, centre not found
    ("Lào Cai", "residential", (103.9783, 22.4925), (2200, 1300), 40, 100_000),  # station point
]
POPULATION_SOURCE = "approximate, illustrative"

# -------------------------------------------------------------------------------------------------
# Illustrative layout, in metres east/north of LAYOUT_ORIGIN (EPSG:9208)
# -------------------------------------------------------------------------------------------------

LAYOUT_ORIGIN = (435_000.0, 2_464_000.0)
# name, OSM highway class, width (m), centreline
ROADS = [
    ("T2", "primary", 30, [(1426, 5320), (1650, 4300), (1900, 3300), (2150, 2400), (2400, 1500),
                           (2560, 700), (2600, 0)]),
    ("T12", "secondary", 30, [(1300, 1500), (4300, 1500)]),
    ("T19", "secondary", 30, [(700, 3300), (3400, 3300)]),
    ("D1", "tertiary", 24, [(1800, 750), (3300, 750)]),
    ("D2", "tertiary", 24, [(1200, 2400), (3950, 2400)]),
    ("D3", "tertiary", 24, [(3300, 100), (3300, 2400)]),
    ("D4", "tertiary", 24, [(550, 4200), (1675, 4200)]),
    ("N1", "service", 20, [(1100, 3300), (1100, 4200)]),
    ("N2", "service", 20, [(3000, 2400), (3000, 3300)]),
    ("N3", "service", 20, [(1300, 1950), (2275, 1950)]),
    ("N4", "service", 18, [(1100, 3750), (1787.5, 3750)]),
    ("N5", "service", 18, [(1200, 2850), (2025, 2850)]),
    ("N6", "service", 18, [(3000, 2850), (3800, 2850)]),
    ("N7", "service", 18, [(2050, 750), (1985, 1500)]),
    ("D5", "tertiary", 24, [(800, 4550), (2300, 4550)]),
]
STRIP_WIDTH_M = 25  # isolation green strip (CXCL), wider than the 10 m minimum where it exists
# Stretches of the boundary (fractions of its length, clockwise from the north vertex QH1) that have
# the isolation strip. The east and south-east edges, facing the Tằng Loỏng township, deliberately
# have none: a service road runs on the fence there instead.
STRIP_STRETCHES = [(0.0, 0.13), (0.47, 0.59), (0.66, 1.0)]
# Service roads along the boundary: name, highway, width (m), inset from the fence (m), stretches.
PERIMETER_ROADS = [
    ("Đường gom vành đai", "service", 16, STRIP_WIDTH_M, STRIP_STRETCHES),
    ("Đường gom phía đông", "service", 16, 0, [(0.14, 0.46)]),
]


class Lot(NamedTuple):
    """One parcel to cut from a block: plan code, target area (None: what is left), tenant, name."""

    code: str
    ha: float | None = None
    facility: str | None = None
    name: str | None = None


class Cut(NamedTuple):
    """Cut a block into ``items`` (Lots) in order, sweeping along ``angle`` (degrees from east)."""

    angle: float
    items: tuple


def lot(code, ha=None, name=None):
    """A parcel without a listed tenant."""
    return Lot(code, ha, None, name)


def tenant(fid, ha):
    """The factory plot (CN) of facility ``fid``."""
    return Lot("CN", ha, fid)


VACANT = "Lô đất công nghiệp (dự án khác hoặc chưa cho thuê)"
# Blocks are found by a seed point inside them; each is cut into lots. Areas marked "published" come
# from the constants above; every other area is illustrative.
BLOCK_PLAN = [
    ((2600, 3500), Cut(90, (tenant("F09", 120.0), lot("CX", None, "Cây xanh tập trung phía bắc")))),
    ((1667, 4855), Cut(90, (lot("CN", None, VACANT),))),
    ((1339, 4900), Cut(90, (lot("CN", 13, VACANT), lot("CX", None, "Cây xanh đồi phía bắc")))),
    ((1339, 4400), Cut(0, (lot("CN", 15, VACANT), lot("CX", None, "Cây xanh phía tây bắc")))),
    ((1450, 3950), Cut(0, (lot("KHO", 12, "Kho bãi logistics"), lot("CN", None, VACANT)))),
    ((1450, 3500), Cut(0, (lot("CN", 14, VACANT), lot("CN", None, VACANT)))),
    ((837, 3556), Cut(90, (lot("DPT", 36, "Bãi thải quặng đuôi cũ (đất dự trữ)"),
                           lot("MN", 8, "Hồ điều hòa phía tây"), lot("CX", None, "Cây xanh hồ")))),
    ((1600, 3050), Cut(0, (lot("BX", 5, "Bãi đỗ xe tải tập trung"), lot("CN", 16, VACANT),
                           lot("CN", None, VACANT)))),
    ((1600, 2600), Cut(0, (lot("CX", 6, "Cây xanh trung tâm"),
                           lot("HTKT", 3, "Trạm biến áp 110 kV"),
                           lot("DHDV", 5, "Trung tâm điều hành – dịch vụ KCN"),
                           lot("BX", 2.5, "Bãi đỗ xe trung tâm"), lot("CN", None, VACANT)))),
    ((2515, 2600), Cut(0, (tenant("F14", VTM_HA), lot("BX", 2.5, "Bãi đỗ xe tải VTM"),
                           lot("CN", None, VACANT)))),
    ((3200, 2600), Cut(0, (tenant("F16", LAO_KAY_HA), tenant("F15", 14),
                           lot("KHO", None, "Kho bãi xỉ và vật liệu")))),
    ((3300, 3050), Cut(0, (tenant("F17", 8), lot("HTKT", 4, "Trạm trung chuyển chất thải rắn"),
                           lot("CN", None, VACANT)))),
    ((1795, 2257), Cut(0, (tenant("F02", 12), tenant("F08", 10), tenant("F10", 5),
                           lot("CN", None, VACANT)))),
    ((1898, 1728), Cut(0, (tenant("F03", 20), tenant("F04", None)))),
    ((2789, 1952), Cut(0, (tenant("F13", DAP2_HA), lot("CX", 10, "Cây xanh dọc đường D3"),
                           lot("CN", None, VACANT)))),
    ((3604, 1802), Cut(90, (tenant("F11", 40), lot("CN", None, VACANT)))),
    ((1750, 1100), Cut(90, (tenant("F07", None),))),
    ((2250, 1100), Cut(90, (tenant("F06", None),))),
    ((2889, 1124), Cut(0, (tenant("F12", 45), lot("CN", None, VACANT)))),
    ((3787, 800), Cut(90, (lot("MN", 8, "Hồ lắng – điều hòa"), tenant("F01", 90.0),
                           lot("CN", None, VACANT)))),
    ((2265, 494), Cut(90, (tenant("F05", 28), lot("CX", None, "Cây xanh phía nam")))),
    ((2937, 494), Cut(0, (lot("XLNT", 3.0, WWTP_NAME), lot("HTKT", 4, "Trạm cấp nước"),
                          lot("CX", 8, "Cây xanh cách ly trạm XLNT"), lot("CN", None, VACANT)))),
]

# Buildings and green inside the tenant plots (all illustrative). Per facility: main-building
# density (share of the plot), plot green (share), floors, building-grid cell and internal street
# (m; cell None: one block), setback inside the green (m), floors of one tall building (or None).
# Five plots are given < 20 % green and two break the density limit on purpose (see README).
BUILDING_PLAN = {
    "F01": (0.30, 0.23, 3, 250, 20, 15, None), "F02": (0.64, 0.21, 2, 180, 8, 6, 7),
    "F03": (0.42, 0.22, 2, 150, 12, 15, None), "F04": (0.40, 0.23, 2, 150, 12, 15, None),
    "F05": (0.40, 0.22, 2, 180, 14, 15, None), "F06": (0.42, 0.21, 2, 180, 14, 15, None),
    "F07": (0.38, 0.24, 2, 180, 14, 15, None), "F08": (0.45, 0.22, 2, 150, 10, 15, None),
    "F09": (0.35, 0.12, 3, 250, 20, 15, None), "F10": (0.74, 0.10, 1, None, 0, 4, None),
    "F11": (0.42, 0.14, 2, 200, 14, 15, None), "F12": (0.40, 0.10, 3, 200, 16, 15, None),
    "F13": (0.30, 0.15, 3, 250, 20, 15, None), "F14": (0.45, 0.21, 4, 250, 20, 15, None),
    "F15": (0.45, 0.22, 2, 150, 12, 15, None), "F16": (0.48, 0.21, 2, 120, 10, 15, None),
    "F17": (0.40, 0.25, 1, 120, 10, 15, None),
}
VACANT_PLOT_GREEN = 0.22  # planned green ring on plots without a listed tenant
INDUSTRIAL_CODES = ("CN", "KHO")

# -------------------------------------------------------------------------------------------------
# Enterprises (attribute table) and the park's yes/no answers (boundary attributes), issue 11
# -------------------------------------------------------------------------------------------------

SAMPLE_YEAR = 2026  # the year the sample stands for; layers/build_tang_loong_history.py varies it
# Published figures per facility: workers ≈2,000 at the Đức Giang complex (vccinews 2021) and ≈600 at
# DAP No.2 (baophapluat); the park's total is > 5,500 workers in 28 projects (vietnam.vn, Báo Lào Cai,
# 12 Nov 2025). Lao Kay's plant starts up in 2025 (laodong.vn). Every other figure is illustrative.
PUBLISHED_WORKERS = {"F09": "workers ≈2,000: vccinews.com (2021)",
                     "F13": "workers ≈600: baophapluat.vn"}
LAO_KAY_START = 2025  # start-up year of the Lao Kay slag-grinding plant (F16): laodong.vn
# id: workers, wastewater (m³/day), reused wastewater once reuse starts (m³/day), first year of
# reuse, electricity (MWh/yr, None: not reported). Illustrative except the two published workers.
ENTERPRISE_FIGURES = {
    "F01": (350, 400, 120, 2025, None), "F02": (150, 40, 0, None, None),
    "F03": (180, 60, 0, None, None), "F04": (120, 40, 0, None, None),
    "F05": (200, 70, 0, None, None), "F06": (220, 75, 0, None, None),
    "F07": (230, 80, 0, None, None), "F08": (120, 30, 0, None, None),
    "F09": (2000, 900, 300, 2023, 700_000), "F10": (60, 10, 0, None, None),
    "F11": (300, 250, 0, None, None), "F12": (400, 300, 100, 2026, 60_000),
    "F13": (600, 500, 200, 2022, 90_000), "F14": (800, 600, 250, 2024, 400_000),
    "F15": (90, 20, 0, None, None), "F16": (80, 15, 0, None, 30_000),
    "F17": (70, 25, 0, None, None),
}
# Enterprise yes/no answers (illustrative): column → {facility: first year answered yes}; every
# other facility, and every earlier year, answers no.
ENTERPRISE_YES_FROM = {
    "recp_applied": {"F13": 2022, "F09": 2022, "F14": 2023, "F12": 2024, "F16": 2025, "F17": 2026},
    "recp_aware": {f"F{i:02d}": 2022 for i in range(1, 18)} | {"F10": 2024, "F15": 2024},
    "iso14001": {"F09": 2022, "F13": 2022, "F14": 2022, "F12": 2025},
    "symbiosis_planned": {"F13": 2022, "F09": 2022, "F14": 2022, "F12": 2024, "F16": 2025,
                          "F17": 2025, "F01": 2026},
    "complaint_rules": {"F01": 2022, "F05": 2024, "F06": 2023, "F07": 2023, "F09": 2022,
                            "F11": 2025, "F12": 2022, "F13": 2022, "F14": 2022, "F03": 2026},
    "information_disclosure": {"F09": 2022, "F13": 2022, "F14": 2023, "F12": 2023, "F01": 2025},
    "gender_equality": {"F09": 2022, "F13": 2022, "F14": 2022, "F12": 2024, "F01": 2024,
                        "F11": 2026},
    "anti_harassment": {"F09": 2023, "F13": 2023, "F14": 2025, "F12": 2026},
}
# Park-level yes/no answers (boundary attributes): column → first year answered yes (None: not
# yet), and the source of the answer. Illustrative unless a source is named.
PARK_ANSWERS = {
    "management_entity": (2011, "Lào Cai Economic Zone Management Board (laocai.gov.vn)"),
    "zoning_plan": (2011, "QĐ 601/QĐ-UBND (2011); 1:2,000 zoning-plan adjustment (30 Dec 2024)"),
    "law_compliance": (2022, None),
    "input_output_monitoring": (2026, None), "annual_report": (2025, None),
    "ghg_plan": (2026, None), "risk_monitoring": (2024, None), "climate_response_plan": (None, None),
    "eip_support_unit": (2026, None), "social_infrastructure": (None, None),
    "social_management_system": (2025, None), "social_staff": (2025, None),
    "community_budget": (2023, None), "economic_cooperation_plan": (2026, None),
    "eip_promotion": (2025, "EIP transition proposal, GEIPP II, kick-off 3 Oct 2025 (vncpc.org)"),
    "local_labour_priority": (2022, None), "sme_services": (None, None),
    "local_suppliers": (2024, None), "fees_cover_costs": (None, None),
}
# Share of water supplied that becomes wastewater: QCVN 01:2021/BXD §2.11 (≥ 80 %), used to derive
# each enterprise's water use from its wastewater.
WASTEWATER_PER_WATER = 0.8


def enterprise_ids(year: int) -> list[str]:
    """The facilities operating in ``year``: all 17, less Lao Kay before its start-up."""
    return [f[0] for f in FACILITIES if f[0] != "F16" or year >= LAO_KAY_START]


def enterprises_table(year: int = SAMPLE_YEAR) -> pd.DataFrame:
    """One row per enterprise operating in ``year`` (attribute table, no geometry)."""
    tenants = {f[0]: (f[1], f[3]) for f in FACILITIES}
    rows = []
    for fid in enterprise_ids(year):
        workers, wastewater, reused, reuse_from, energy = ENTERPRISE_FIGURES[fid]
        facts = [f"name, sector: {FACILITY_SOURCE}"]
        if fid in PUBLISHED_WORKERS:
            facts.append(PUBLISHED_WORKERS[fid])
        row = {
            "enterprise_id": "E" + fid[1:], "facility_id": fid, "name": tenants[fid][0],
            "sector": tenants[fid][1], "workers": workers,
            "wastewater_m3_d": float(wastewater),
            "reused_m3_d": float(reused if reuse_from is not None and year >= reuse_from else 0),
            "water_m3_yr": round(wastewater * 365 / WASTEWATER_PER_WATER, 1),
            "energy_mwh_yr": np.nan if energy is None else float(energy),
            "waste_t_yr": np.nan, "output_value_bn_vnd": np.nan, "ghg_t_co2e_yr": np.nan,
            "year": year,
        }
        for column, since in ENTERPRISE_YES_FROM.items():
            row[column] = fid in since and year >= since[fid]
        row["source"] = "; ".join(facts) + "; every other figure illustrative"
        row["illustrative"] = True  # each row holds illustrative figures (README: which are facts)
        rows.append(row)
    return pd.DataFrame(rows).astype({"workers": "int64", "year": "int64"})


def park_answers(year: int = SAMPLE_YEAR) -> dict[str, object]:
    """The boundary's yes/no answers in ``year``, and where each comes from."""
    answers: dict[str, object] = {
        column: since is not None and year >= since for column, (since, _) in PARK_ANSWERS.items()}
    facts = [f"{column}: {source}" for column, (_, source) in PARK_ANSWERS.items() if source]
    answers["answers_year"] = year
    answers["answers_source"] = "; ".join(facts) + "; every other answer illustrative"
    return answers


# Township of Tằng Loỏng: centre not found in any source (tang-loong.md §1.1); drawn as a band
# outside the east and south-east edges of the park, between these distances from the fence (m).
TOWNSHIP = ("Tằng Loỏng", 60, 700, 9_000, [(3300, 3700), (5600, 3700), (5600, 300), (4000, -300)])
# name, centre (layout metres), semi-axes (m), pupils
SCHOOL = ("Trường học Tằng Loỏng", (4150, 2300), (90, 60), 900)


def layout_xy(coords) -> np.ndarray:
    """Layout metres to EPSG:9208 metres."""
    return np.asarray(coords, dtype=float) + np.asarray(LAYOUT_ORIGIN)


def park_boundary() -> Polygon:
    """The 22-vertex boundary, built in WGS84 and projected to the Lào Cai grid."""
    ring = gpd.GeoSeries([Polygon(BOUNDARY_LONLAT)], crs=WGS84)
    return ring.to_crs(CRS).iloc[0]


def lonlat_points(lonlats) -> np.ndarray:
    """Project lon/lat points to EPSG:9208."""
    lon, lat = np.asarray(lonlats, dtype=float).T
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(CRS).values


def parts(geom, min_area=1.0) -> list:
    """Single polygons of ``geom`` larger than ``min_area`` (m²); slivers are dropped."""
    out = shapely.get_parts(shapely.make_valid(geom))
    return [g for g in out if isinstance(g, Polygon) and g.area >= min_area]


def bisect(f, lo, hi, target, iterations=80):
    """Solve ``f(x) == target`` for an increasing ``f`` on [lo, hi]."""
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# --- roads and the isolation strip ---------------------------------------------------------------

def stretch_sector(boundary: Polygon, stretches, depth: float):
    """Area within ``depth`` of the given stretches of the boundary (fractions of its length)."""
    ring = boundary.exterior
    lines = [substring(ring, a, b, normalized=True) for a, b in stretches]
    return shapely.union_all(shapely.buffer(lines, depth, cap_style="flat"))


def build_roads(boundary: Polygon):
    """Road centrelines (``roads`` layer, noded at junctions) and each road's land, in order."""
    attrs, lines, lands = [], [], []
    for name, highway, width, coords in ROADS:
        line = LineString(layout_xy(coords))
        attrs.append((name, highway, width)), lines.append(line)
        lands.append((name, shapely.buffer(line, width / 2, cap_style="flat")))
    for name, highway, width, inset, stretches in PERIMETER_ROADS:
        sector = stretch_sector(boundary, stretches, inset + width + 40)
        outer = boundary.buffer(-inset) if inset else boundary
        lands.append((name, outer.difference(boundary.buffer(-inset - width)).intersection(sector)))
        centre = boundary.buffer(-inset - width / 2).exterior.intersection(sector)
        for part in shapely.get_parts(shapely.line_merge(centre)):
            attrs.append((name, highway, width)), lines.append(part)
    lines = shapely.intersection(np.array(lines), boundary)
    # Split the centrelines wherever they meet, so that they form a routable network.
    segments = shapely.get_parts(shapely.union_all(lines))
    middles = shapely.line_interpolate_point(segments, 0.5, normalized=True)
    owner = shapely.distance(middles[:, None], lines[None, :]).argmin(axis=1)
    roads = gpd.GeoDataFrame([attrs[i] for i in owner], columns=["name", "highway", "width_m"],
                             geometry=segments, crs=CRS)
    return roads[roads.length > 1].reset_index(drop=True), lands


def traffic_and_strip(boundary: Polygon, road_lands):
    """GT parcels (one per road piece) and the CXCL isolation strip."""
    rows, taken = [], Polygon()
    for name, land in road_lands:
        piece = land.intersection(boundary).difference(taken)
        taken = taken.union(piece)
        rows += [(Lot("GT", None, None, name), p) for p in parts(piece)]
    band = boundary.difference(boundary.buffer(-STRIP_WIDTH_M))
    sector = stretch_sector(boundary, STRIP_STRETCHES, 2 * STRIP_WIDTH_M)
    strip = band.intersection(sector).difference(taken)
    rows += [(Lot("CXCL", None, None, "Dải cây xanh cách ly"), p) for p in parts(strip, 10.0)]
    return rows, taken.union(strip)


# --- cutting blocks into plots -------------------------------------------------------------------

def half_plane(angle_deg: float, t: float, near: Point) -> Polygon:
    """Points near ``near`` whose projection on the direction ``angle_deg`` is at most ``t``."""
    a = np.radians(angle_deg)
    d, n, big = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)]), 1e5
    c = n * (n @ np.array([near.x, near.y]))
    return Polygon([c + d * t + n * big, c + d * t - n * big, c + d * (t - big) - n * big,
                    c + d * (t - big) + n * big])


def split_block(block: Polygon, cut: Cut) -> list:
    """Cut ``block`` into the cut's items by straight cuts that hit each target area."""
    out, rest = [], block
    direction = np.array([np.cos(np.radians(cut.angle)), np.sin(np.radians(cut.angle))])
    for i, item in enumerate(cut.items):
        if i == len(cut.items) - 1:
            piece = rest
        else:
            target = item.ha * 1e4
            if target >= rest.area:
                raise ValueError(f"{item} does not fit: {rest.area / 1e4:.2f} ha left in the block")
            proj = shapely.get_coordinates(rest) @ direction

            def area_below(t, rest=rest, near=rest.centroid):
                return rest.intersection(half_plane(cut.angle, t, near)).area

            t = bisect(area_below, proj.min(), proj.max(), target)
            cutter = half_plane(cut.angle, t, rest.centroid)
            piece, rest = rest.intersection(cutter), rest.difference(cutter)
        pieces = parts(piece)
        if item.facility and len(pieces) != 1:
            raise ValueError(f"plot of {item.facility} is not one polygon; change BLOCK_PLAN")
        out += [(item, p) for p in pieces]
    return out


def plan_blocks(boundary: Polygon, taken) -> list:
    """Cut every block left between roads and strip according to BLOCK_PLAN."""
    blocks = parts(boundary.difference(taken))
    seeds = shapely.points(layout_xy([seed for seed, _ in BLOCK_PLAN]))
    rows, used = [], set()
    for block in blocks:
        hits = np.flatnonzero(shapely.contains(block, seeds))
        if len(hits) > 1:
            raise ValueError(f"seeds {hits.tolist()} of BLOCK_PLAN fall in the same block")
        if len(hits) == 0:
            if block.area > 5_000:
                p = block.representative_point()
                raise ValueError(f"block of {block.area / 1e4:.2f} ha at {p.x:.0f}, {p.y:.0f} "
                                 "has no entry in BLOCK_PLAN")
            rows.append((Lot("CX", None, None, "Cây xanh nút giao"), block))
            continue
        used.add(int(hits[0]))
        rows += split_block(block, BLOCK_PLAN[hits[0]][1])
    missing = sorted(set(range(len(BLOCK_PLAN))) - used)
    if missing:
        raise ValueError(f"BLOCK_PLAN seeds {missing} fall in no block")
    return rows


def landuse_layer(rows) -> gpd.GeoDataFrame:
    """Number the parcels per code (CN-01, GT-01 …) in build order and attach tenants."""
    tenants = {f[0]: f[1] for f in FACILITIES}
    codes = pd.Series([lot_.code for lot_, _ in rows])
    ids = codes + "-" + (codes.groupby(codes).cumcount() + 1).astype(str).str.zfill(2)
    return gpd.GeoDataFrame({
        "parcel_id": ids,
        "landuse": codes,
        "tenant": [tenants.get(lot_.facility) for lot_, _ in rows],
        "facility_id": [lot_.facility for lot_, _ in rows],
        "name": [lot_.name or tenants.get(lot_.facility) for lot_, _ in rows],
        "plot_id": ids.where(codes.isin(INDUSTRIAL_CODES), None),
        "area_basis": [PUBLISHED_AREA.get(lot_.facility, "illustrative") for lot_, _ in rows],
    }, geometry=[geom for _, geom in rows], crs=CRS)


# --- buildings, plot green, facilities -----------------------------------------------------------

def green_ring(plot: Polygon, share: float) -> tuple[Polygon, float]:
    """Green ring along the plot edge covering ``share`` of the plot, and its width (m)."""
    area = plot.area
    width = bisect(lambda w: area - plot.buffer(-w, join_style="mitre").area, 0.0, 200.0,
                   share * area)
    return plot.difference(plot.buffer(-width, join_style="mitre")), width


def main_buildings(plot: Polygon, core: Polygon, density: float, cell, street) -> list:
    """Footprints in ``core``, cut by a grid of internal streets, covering ``density`` of a plot."""
    if cell:
        x0, y0, x1, y1 = core.bounds
        xs, ys = np.arange(x0 + cell, x1, cell), np.arange(y0 + cell, y1, cell)
        grid = [LineString([(x, y0 - 1), (x, y1 + 1)]) for x in xs]
        grid += [LineString([(x0 - 1, y), (x1 + 1, y)]) for y in ys]
        if grid:
            core = core.difference(shapely.union_all(shapely.buffer(grid, street / 2)))

    def footprints(margin):
        return parts(core.buffer(-margin, join_style="mitre"), min_area=300.0)

    def built(margin):
        return -sum(g.area for g in footprints(margin))  # increasing in margin

    target = density * plot.area
    if -built(0.0) < target:
        raise ValueError(f"density {density} does not fit in the plot; change BUILDING_PLAN")
    return footprints(bisect(built, 0.0, 300.0, -target))


def buildings_and_green(landuse: gpd.GeoDataFrame):
    """Buildings in the tenant plots; plot green in every industrial plot.

    The main buildings of a tenant's plot carry its ``facility_id``: they are the source its
    safety distance is measured from (QCVN 01:2021/BXD §1.4.26). Gate houses, canteens and
    offices (``main`` false) carry none.
    """
    b_rows, g_rows = [], []
    plots = landuse[landuse.landuse.isin(INDUSTRIAL_CODES)]
    for pid, fid, plot in zip(plots.parcel_id, plots.facility_id, plots.geometry):
        if not isinstance(fid, str):  # no listed tenant
            ring, _ = green_ring(plot, VACANT_PLOT_GREEN)
            g_rows.append((pid, "planned (plot without a listed tenant)", ring))
            continue
        density, green, floors, cell, street, setback, tall = BUILDING_PLAN[fid]
        ring, width = green_ring(plot, green)
        g_rows.append((pid, "existing", ring))
        core = plot.buffer(-(width + setback), join_style="mitre")
        mains = sorted(main_buildings(plot, core, density, cell, street), key=lambda g: -g.area)
        for k, geom in enumerate(mains):
            b_rows.append((pid, fid, tall if tall and k == len(mains) - 1 else floors, True, geom))
        if setback >= 12:  # gate house, canteen and office between the green ring and the sheds
            path = plot.buffer(-(width + 6), join_style="mitre").exterior
            for frac in (0.05, 0.4, 0.7):
                p = path.interpolate(frac, normalized=True)
                aux = shapely.box(p.x - 5, p.y - 4, p.x + 5, p.y + 4)
                b_rows.append((pid, None, 1, False, aux))
    columns = ["parcel_id", "facility_id", "floors", "main", "geometry"]
    buildings = gpd.GeoDataFrame(b_rows, columns=columns, crs=CRS).astype({"floors": "int32"})
    buildings.insert(0, "building_id", [f"B{i + 1:03d}" for i in range(len(buildings))])
    plot_green = gpd.GeoDataFrame(g_rows, columns=["parcel_id", "status", "geometry"], crs=CRS)
    return buildings, plot_green.explode(index_parts=False).reset_index(drop=True)


def facilities_layer(landuse, buildings) -> gpd.GeoDataFrame:
    """One point per facility: on its largest main building; Đức Giang at the published point."""
    mains = buildings[buildings["main"]]
    largest = mains.loc[mains.area.groupby(mains.facility_id).idxmax()]
    point_of = dict(zip(largest.facility_id, largest.representative_point()))
    plot_of = landuse.dropna(subset=["facility_id"]).set_index("facility_id")
    duc_giang = lonlat_points([DUC_GIANG_LONLAT])[0]
    if not plot_of.geometry["F09"].contains(duc_giang):
        raise ValueError("the Đức Giang point (gem.wiki) is outside its plot; change BLOCK_PLAN")
    point_of["F09"] = duc_giang
    ids, tenants, plants, sectors, classes, products, capacity = zip(*FACILITIES)
    return gpd.GeoDataFrame({
        "facility_id": ids, "name": plants, "tenant": tenants, "sector": sectors,
        "hazard_class": classes,
        "safety_distance_m": [SAFETY_DISTANCE_M[c] for c in classes],
        "products": products,
        "capacity_t_per_yr": [np.nan if c is None else float(c) for c in capacity],
        "plot_id": plot_of.parcel_id[list(ids)].to_numpy(),
        "location": ["gem.wiki point" if i == "F09" else "illustrative" for i in ids],
        "source": FACILITY_SOURCE,
    }, geometry=[point_of[i] for i in ids], crs=CRS)


# --- neighbourhoods ------------------------------------------------------------------------------

def ellipse(centre: Point, semi_axes, rotation_deg) -> Polygon:
    circle = centre.buffer(1.0, quad_segs=16)
    shape = shapely.affinity.scale(circle, semi_axes[0], semi_axes[1], origin=centre)
    return shapely.affinity.rotate(shape, rotation_deg, origin=centre)


def neighbourhoods_layer(boundary: Polygon) -> gpd.GeoDataFrame:
    """Places around the park: published centre points, illustrative footprints and populations."""
    name, gap, depth, population, area = TOWNSHIP
    band = boundary.buffer(depth).difference(boundary.buffer(gap))
    township = max(parts(band.intersection(Polygon(layout_xy(area)))), key=lambda g: g.area)
    s_name, s_centre, s_size, pupils = SCHOOL
    school = ellipse(Point(layout_xy(s_centre)), s_size, 0)
    rows = [(name, "residential", township.difference(school), population,
             POPULATION_SOURCE + "; township centre not found, drawn against the east fence"),
            (s_name, "school", school, pupils, POPULATION_SOURCE + " (pupils)")]
    centres = lonlat_points([p[2] for p in PLACES])
    for (p_name, kind, _, axes, rot, pop), centre in zip(PLACES, centres):
        rows.append((p_name, kind, ellipse(centre, axes, rot), pop,
                     POPULATION_SOURCE + "; centre point from tang-loong.md §1.1"))
    df = gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "kind": [r[1] for r in rows],
         "population": np.array([r[3] for r in rows], dtype="int64"),
         "population_source": [r[4] for r in rows]},
        geometry=[r[2] for r in rows], crs=CRS)
    if (df.intersection(boundary).area > 0).any():
        raise ValueError("a neighbourhood overlaps the park")
    return df


# --- assembling, checking and writing ------------------------------------------------------------

def build_layers() -> dict[str, pd.DataFrame]:
    """Every layer of the sample, in EPSG:9208, and the attribute table ``enterprises``."""
    boundary = park_boundary()
    roads, road_lands = build_roads(boundary)
    rows, taken = traffic_and_strip(boundary, road_lands)
    rows += plan_blocks(boundary, taken)
    landuse = landuse_layer(rows)
    check_tiling(boundary, landuse)
    buildings, plot_green = buildings_and_green(landuse)
    return {
        "boundary": gpd.GeoDataFrame({"name": [PARK_NAME]} | {
            key: [value] for key, value in park_answers().items()}, geometry=[boundary], crs=CRS),
        "landuse": landuse,
        "buildings": buildings,
        "plot_green": plot_green,
        "facilities": facilities_layer(landuse, buildings),
        "neighbourhoods": neighbourhoods_layer(boundary),
        "roads": roads,
        "enterprises": enterprises_table(),
    }


def check_tiling(boundary: Polygon, landuse: gpd.GeoDataFrame) -> None:
    """Parcels are valid single polygons inside the boundary, without overlaps or large gaps."""
    geoms = landuse.geometry.values
    if not (shapely.is_valid(geoms).all() and (landuse.geom_type == "Polygon").all()):
        raise ValueError("a parcel is not a valid single Polygon")
    outside = shapely.area(shapely.difference(geoms, boundary))
    if (outside > 1.0).any():
        raise ValueError(f"parcels outside the park: {landuse.parcel_id[outside > 1.0].tolist()}")
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    if (overlap > 1.0).any():
        raise ValueError(f"{int((overlap > 1.0).sum())} parcel pairs overlap by more than 1 m²")
    gap = boundary.area - shapely.union_all(geoms).area
    if gap > 1e4:
        raise ValueError(f"{gap / 1e4:.2f} ha of the park is in no parcel")


LANDUSE_CLASS = {"CN": "industrial", "KHO": "industrial", "CX": "green", "CXCL": "green",
                 "GT": "traffic", "BX": "traffic", "HTKT": "technical", "XLNT": "technical",
                 "DHDV": "services", "MN": "water", "DPT": "reserve", "CSD": "reserve"}


def area_summary(layers) -> pd.DataFrame:
    """Area (ha) and share of the boundary per land-use class and code."""
    lu = layers["landuse"]
    total = layers["boundary"].area.iloc[0]
    df = pd.DataFrame({"class": lu.landuse.map(LANDUSE_CLASS), "code": lu.landuse, "m2": lu.area})
    out = df.groupby(["class", "code"], sort=True)["m2"].agg(["count", "sum"]).reset_index()
    out["area_ha"] = out.pop("sum") / 1e4
    out["share_pct"] = 100 * out.area_ha * 1e4 / total
    return out


def write_gpkg(layers: dict[str, pd.DataFrame], path: Path, spatial_index: bool = True) -> None:
    """Write all layers to a GeoPackage 1.2, atomically (built next to ``path``, then renamed).

    A plain DataFrame (``enterprises``) becomes an attribute table without geometry. Without
    ``spatial_index`` no R-tree is written (a smaller file; readers build what they need).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tang_loong-", dir=path.parent) as tmpdir:
        tmp = Path(tmpdir) / path.name
        for i, (name, frame) in enumerate(layers.items()):
            options = {"VERSION": "1.2"} if i == 0 else None
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                              dataset_options=options,
                              layer_options=None if spatial_index else {"SPATIAL_INDEX": "NO"})
            else:
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG",
                                        dataset_options=options)
        os.replace(tmp, path)


def output_path(argv, doc: str, default: Path, what: str) -> Path:
    """The ``-o`` argument of a build script (its docstring's first line is its description)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=default,
                        help=f"{what} (default: {default})")
    return parser.parse_args(argv).output


def main(argv=None) -> int:
    output = output_path(argv, __doc__, DEFAULT_OUTPUT, "GeoPackage to write")
    layers = build_layers()
    write_gpkg(layers, output)
    summary = area_summary(layers)
    print(f"wrote {output}")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(summary.groupby("class")[["area_ha", "share_pct"]].sum().round(2).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
