"""Bilingual (English, Vietnamese) words of the web maps and reports, and the language check."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import InputError

__all__ = [
    "BARRIER_LABELS",
    "CHANGE_WORDS",
    "CHECK_HEADINGS",
    "CHECK_WORDS",
    "COMPARE_WORDS",
    "DATA_CHECK_WORDS",
    "HAZARD_COLOURS",
    "INVEST_WORDS",
    "KINDS",
    "LANGS",
    "MATERIAL_COLOURS",
    "MONITOR_VIEW_WORDS",
    "NOT_ASSESSED_WORDS",
    "PLAN_WORDS",
    "PORTFOLIO_WORDS",
    "QGIS_WORDS",
    "RECP_WORDS",
    "REGISTER_WORDS",
    "WORDS",
    "YES_NO_ANSWERS",
    "check_lang",
    "co2_columns",
    "co2_label",
    "measured_from_text",
    "number",
    "without_marks",
]

#: Languages maps and reports are written in.
LANGS: tuple[str, ...] = ("en", "vi")


def without_marks(text: str) -> str:
    """Vietnamese text without its tone and vowel marks, đ as d: ``"Lào Cai"`` → ``"Lao Cai"``.

    The one folding that lookups of planners' words (land-use values, province names, hazard
    classes) use, so that text typed with or without marks, composed or not, finds the same entry.
    """
    import unicodedata

    text = unicodedata.normalize("NFD", str(text).replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def check_lang(lang: object) -> str:
    """Return ``lang`` if maps and reports speak it, else raise :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(
            f"unknown language {lang!r}. Fix: use one of {', '.join(LANGS)} "
            "(en: English, vi: tiếng Việt)."
        )
    return str(lang)


_EN: dict[str, str] = {
    # layers
    "basemap": "Basemap: {name} (online)",
    "local_basemap": "Basemap: {name} (local image)",
    "boundary": "Park boundary",
    "landuse": "Land use ({n} parcels)",
    "landuse_before": "Land use: existing ({n} parcels)",
    "landuse_after": "Land use: scenario ({n} parcels)",
    "changed": "Changed parcels ({n})",
    "neighbourhoods": "Neighbourhoods ({n})",
    "facilities": "Facilities by hazard class ({n})",
    "zones": "Safety-distance zones ({n})",
    "fail_density": "Plots over building density ({n})",
    "fail_plot_green": "Plots under green share ({n})",
    "fail_strip": "Isolation strip not green ({ha} ha)",
    "fail_safety": "Safety distance not met ({n})",
    "links": "Symbiosis links ({n})",
    # fields
    "parcel": "Parcel",
    "class": "Land-use class",
    "code": "Planner's code",
    "tenant": "Tenant",
    "name": "Name",
    "area": "Area",
    "density": "Building density",
    "limit": "Limit",
    "green_share": "Green in plot",
    "required": "Required",
    "kind": "Kind",
    "population": "Population",
    "facility": "Facility",
    "sector": "Sector",
    "hazard": "Hazard class",
    "required_distance": "Required distance",
    "nearest": "Nearest neighbourhood",
    "distance": "Distance",
    "inside": "Neighbourhoods inside",
    "measured_from": "Measured from",
    "from_polygon": "facility polygon",
    "from_buildings": "{n} building(s): {ids}",
    "from_point": "facility point (no polygon or buildings)",
    "inside_zone_of": "Inside the zone of",
    "supplier": "Supplier",
    "receiver": "Receiver",
    "material": "Material",
    "quantity": "Quantity",
    "use": "Use",
    "route": "Route length",
    "network": "On road network",
    "yes": "yes",
    "no": "no (straight line)",
    "before": "Existing",
    "after": "Scenario",
    "change": "Change",
    "width": "Strip width",
    "ungreen_length": "Length to plant",
    "ungreen_area": "Area to plant",
    # title panel and legend
    "criteria_set": "Criteria set",
    "date": "Date",
    "result": "Result",
    "fails": "{n} of {total} criteria fail",
    "passes": "all {total} criteria pass",
    "scenario": "Scenario",
    "park_area": "Area",
    "parcels": "parcels",
    "legend": "Legend",
    "legend_landuse": "Land use",
    "legend_fail": "Failing criteria",
    "legend_facilities": "Facilities by hazard class",
    "legend_links": "Symbiosis links by material (width: quantity)",
    "legend_other": "Other",
    "zone_all": "Safety-distance zone",
    "nbh_inside": "Neighbourhood inside a zone",
    "offline_note": "The basemap needs internet (tick it in the layer list); every other layer "
                    "works offline.",
    "no_links": "no symbiosis links",
    # charts and report
    "chart_share_axis": "Share (%) — black mark: threshold",
    "chart_threshold": "Threshold",
    "legend_nbh": "Neighbourhoods",
    "legend_changed": "Changed parcels",
    "report_title": "Land-use appraisal",
    "summary": "Park summary",
    "criteria": "Criteria",
    "land_by_class": "Land use by class",
    "share_chart": "Land shares against their thresholds",
    "failing_features": "Failing features",
    "scenarios": "Scenarios compared",
    "symbiosis": "Industrial symbiosis",
    "map_picture": "Map",
    "notes": "Notes",
    "crs": "Coordinate reference system",
    "n_parcels": "Parcels",
    "n_facilities": "Facilities",
    "n_neighbourhoods": "Neighbourhoods",
    "overall": "Overall",
    "class_col": "Class",
    "ha_col": "Area (ha)",
    "pct_col": "Share of park",
    "unassigned": "Unassigned (no parcel)",
    "value_col": "Value",
    "feature_col": "Feature",
    "n_links": "Links",
    "total": "Total",
    "failing_count": "Failing criteria",
    "industrial_lost": "Industrial land vs existing",
    "generated": "Generated by eipgis {version} on {date}.",
    "map_note": "The interactive map (offline HTML) shows every layer; this picture is a static copy.",
    "more": "(+{n} more)",
    "source_col": "source",
}

_VI: dict[str, str] = {
    "basemap": "Bản đồ nền: {name} (trực tuyến)",
    "local_basemap": "Bản đồ nền: {name} (ảnh cục bộ)",
    "boundary": "Ranh giới khu công nghiệp",
    "landuse": "Sử dụng đất ({n} lô)",
    "landuse_before": "Sử dụng đất: hiện trạng ({n} lô)",
    "landuse_after": "Sử dụng đất: phương án ({n} lô)",
    "changed": "Lô đất thay đổi ({n})",
    "neighbourhoods": "Khu dân cư lân cận ({n})",
    "facilities": "Cơ sở sản xuất theo cấp độc hại ({n})",
    "zones": "Vùng khoảng cách an toàn môi trường ({n})",
    "fail_density": "Lô vượt mật độ xây dựng ({n})",
    "fail_plot_green": "Lô thiếu cây xanh trong lô ({n})",
    "fail_strip": "Dải cây xanh cách ly chưa trồng ({ha} ha)",
    "fail_safety": "Chưa đủ khoảng cách an toàn ({n})",
    "links": "Liên kết cộng sinh ({n})",
    "parcel": "Lô đất",
    "class": "Loại đất",
    "code": "Ký hiệu",
    "tenant": "Doanh nghiệp thuê đất",
    "name": "Tên",
    "area": "Diện tích",
    "density": "Mật độ xây dựng",
    "limit": "Giới hạn",
    "green_share": "Cây xanh trong lô",
    "required": "Yêu cầu",
    "kind": "Loại",
    "population": "Dân số",
    "facility": "Cơ sở",
    "sector": "Ngành",
    "hazard": "Cấp độc hại",
    "required_distance": "Khoảng cách yêu cầu",
    "nearest": "Khu dân cư gần nhất",
    "distance": "Khoảng cách",
    "inside": "Khu dân cư trong vùng",
    "measured_from": "Đo từ",
    "from_polygon": "ranh giới cơ sở",
    "from_buildings": "{n} công trình: {ids}",
    "from_point": "điểm cơ sở (không có ranh giới hay công trình)",
    "inside_zone_of": "Nằm trong vùng của",
    "supplier": "Bên cung cấp",
    "receiver": "Bên tiếp nhận",
    "material": "Vật chất",
    "quantity": "Khối lượng",
    "use": "Sử dụng",
    "route": "Chiều dài tuyến",
    "network": "Theo mạng lưới đường",
    "yes": "có",
    "no": "không (đường thẳng)",
    "before": "Hiện trạng",
    "after": "Phương án",
    "change": "Thay đổi",
    "width": "Chiều rộng dải",
    "ungreen_length": "Chiều dài cần trồng",
    "ungreen_area": "Diện tích cần trồng",
    "criteria_set": "Bộ tiêu chí",
    "date": "Ngày",
    "result": "Kết quả",
    "fails": "{n}/{total} tiêu chí không đạt",
    "passes": "đạt cả {total} tiêu chí",
    "scenario": "Phương án",
    "park_area": "Diện tích",
    "parcels": "lô",
    "legend": "Chú giải",
    "legend_landuse": "Sử dụng đất",
    "legend_fail": "Tiêu chí không đạt",
    "legend_facilities": "Cơ sở sản xuất theo cấp độc hại",
    "legend_links": "Liên kết cộng sinh theo vật chất (độ rộng: khối lượng)",
    "legend_other": "Khác",
    "zone_all": "Vùng khoảng cách an toàn",
    "nbh_inside": "Khu dân cư nằm trong vùng",
    "offline_note": "Bản đồ nền cần internet (bật trong danh sách lớp); mọi lớp khác dùng được "
                    "khi không có mạng.",
    "no_links": "không có liên kết cộng sinh",
    "chart_share_axis": "Tỷ lệ (%) — vạch đen: ngưỡng",
    "chart_threshold": "Ngưỡng",
    "legend_nbh": "Khu dân cư lân cận",
    "legend_changed": "Lô đất thay đổi",
    "report_title": "Đánh giá sử dụng đất",
    "summary": "Tổng quan khu công nghiệp",
    "criteria": "Các tiêu chí",
    "land_by_class": "Cơ cấu sử dụng đất",
    "share_chart": "Tỷ lệ đất so với ngưỡng",
    "failing_features": "Các đối tượng không đạt",
    "scenarios": "So sánh các phương án",
    "symbiosis": "Cộng sinh công nghiệp",
    "map_picture": "Bản đồ",
    "notes": "Ghi chú",
    "crs": "Hệ tọa độ",
    "n_parcels": "Số lô đất",
    "n_facilities": "Số cơ sở sản xuất",
    "n_neighbourhoods": "Khu dân cư lân cận",
    "overall": "Tổng thể",
    "class_col": "Loại đất",
    "ha_col": "Diện tích (ha)",
    "pct_col": "Tỷ lệ",
    "unassigned": "Chưa phân lô",
    "value_col": "Giá trị",
    "feature_col": "Đối tượng",
    "n_links": "Số liên kết",
    "total": "Tổng",
    "failing_count": "Số tiêu chí không đạt",
    "industrial_lost": "Đất công nghiệp so với hiện trạng",
    "generated": "Lập bằng eipgis {version} ngày {date}.",
    "map_note": "Bản đồ tương tác (HTML ngoại tuyến) có đủ các lớp; hình này là bản tĩnh.",
    "more": "(còn {n})",
    "source_col": "nguồn",
}

#: The words, by language.
WORDS: dict[str, dict[str, str]] = {"en": _EN, "vi": _VI}

#: Column headings of the compliance table (``eipgis check``, the report), by language.
CHECK_HEADINGS: dict[str, tuple[str, ...]] = {
    "en": ("id", "criterion", "value", "threshold", "result", "gap", "status"),
    "vi": ("mã", "tiêu chí", "giá trị", "ngưỡng", "kết quả", "thiếu hụt", "trạng thái"),
}

#: Words of the compliance table and its Markdown form (criteria ``ComplianceReport``).
CHECK_WORDS: dict[str, dict[str, str]] = {
    "en": {"pass": "PASS", "fail": "FAIL", "unconfirmed": "unconfirmed", "confirmed": "confirmed",
           "of": "of", "fail_n": "fail", "park": "Park", "set": _EN["criteria_set"],
           "area": _EN["area"], "overall": _EN["overall"], "notes": _EN["notes"], "source": "Source",
           "floors": "if > 5 floors", "of_strip": "of strip", "short": "short", "missing": "missing"},
    "vi": {"pass": "ĐẠT", "fail": "KHÔNG ĐẠT", "unconfirmed": "chưa xác nhận",
           "confirmed": "đã xác nhận", "of": "/", "fail_n": "không đạt", "park": "Khu công nghiệp",
           "set": _VI["criteria_set"], "area": _VI["area"], "overall": _VI["overall"],
           "notes": _VI["notes"], "source": "Nguồn", "floors": "nếu > 5 tầng",
           "of_strip": "dải cây xanh", "short": "còn thiếu", "missing": "còn thiếu"},
}

#: Lines of an optimizer plan's summary (``eipgis optimize``).
PLAN_WORDS: dict[str, dict[str, str]] = {
    "en": {"plot_green": "  plot green planted: {planted} ha (bare deficit {bound} ha)"},
    "vi": {"plot_green": "  cây xanh trồng trong lô: {planted} ha (thiếu hụt ban đầu {bound} ha)"},
}

#: Words of a scenario's change log (``*_changes.md``).
CHANGE_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "changes": "Change log",
        "from": "from",
        "to": "to",
        "cols": ("operation", "op", "layer", "feature", "from feature", "from", "to", "m²", "note"),
        "strip": "Green strip by class: land taken and land kept (keep)",
        "strip_cols": ("operation", "class", "taken ha", "kept ha", "parcels"),
    },
    "vi": {
        "changes": "Nhật ký thay đổi",
        "from": "từ",
        "to": "sang",
        "cols": ("thao tác", "loại", "lớp", "đối tượng", "tách từ", "từ", "sang", "m²", "ghi chú"),
        "strip": "Dải cây xanh theo loại đất: đất lấy và đất giữ lại (keep)",
        "strip_cols": ("thao tác", "loại đất", "lấy (ha)", "giữ lại (ha)", "lô đất"),
    },
}

#: Words of the scenario comparison (``eipgis scenario compare``).
COMPARE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "scenario": "scenario",
        "failing": "failing criteria",
        "lost": "industrial land lost (ha)",
        "ops": "operations",
        "pass": "✓",
        "fail": "✗",
        "land": "land use (ha)",
        "title": "Scenario comparison",
        "set": CHECK_WORDS["en"]["set"],
        "park": CHECK_WORDS["en"]["park"],
        "n_fail": "failing",
        "table": "limit per class",
    },
    "vi": {
        "scenario": "kịch bản",
        "failing": "số tiêu chí không đạt",
        "lost": "đất công nghiệp giảm (ha)",
        "ops": "số thao tác",
        "pass": "✓",
        "fail": "✗",
        "land": "sử dụng đất (ha)",
        "title": "So sánh kịch bản",
        "set": CHECK_WORDS["vi"]["set"],
        "park": CHECK_WORDS["vi"]["park"],
        "n_fail": CHECK_WORDS["vi"]["fail_n"],
        "table": "ngưỡng theo cấp",
    },
}

#: Neighbourhood kinds (the ``kind`` column), by language.
KINDS: dict[str, dict[str, str]] = {
    "en": {"residential": "residential", "school": "school", "hospital": "hospital",
           "civic": "civic building"},
    "vi": {"residential": "khu dân cư", "school": "trường học", "hospital": "bệnh viện",
           "civic": "công trình công cộng"},
}

#: Hazard classes I (most hazardous) to V: dark red to pale (ColorBrewer Reds).
HAZARD_COLOURS: dict[str, str] = {
    "I": "#67000d",
    "II": "#cb181d",
    "III": "#fb6a4a",
    "IV": "#fcae91",
    "V": "#fff5f0",
}

#: Colours for symbiosis materials, handed out in sorted order of the materials present
#: (chosen to stand apart from the land-use colours).
MATERIAL_COLOURS: tuple[str, ...] = (
    "#e6550d", "#17becf", "#e377c2", "#bcbd22", "#1f77b4", "#8c564b", "#ff7f0e",
    "#2ca02c", "#d62728", "#9467bd",
)


_CO2 = {
    "transport_co2_t": {"en": "CO₂ of transport (t/yr)", "vi": "CO₂ vận chuyển (t/năm)"},
    "avoided_co2_t": {"en": "CO₂ avoided (t/yr)", "vi": "CO₂ tránh được (t/năm)"},
    "net_co2_t": {"en": "Net CO₂ saved (t/yr)", "vi": "CO₂ giảm ròng (t/năm)"},
}


def co2_columns(columns: Iterable[object]) -> list[str]:
    """The CO₂ columns of a links table (any column whose name mentions co2)."""
    return [str(c) for c in columns if "co2" in str(c).lower()]


def co2_label(column: str, lang: str) -> str:
    """A reader's name for a CO₂ column (``net_co2_t`` → "Net CO₂ saved (t/yr)")."""
    if column in _CO2:
        return _CO2[column][lang]
    return column.replace("co2", "CO₂").replace("CO2", "CO₂").replace("_", " ")


def missing(value: object) -> bool:
    """True for None and NaN (a number that is not a number)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float, decimals: int = 0) -> str:
    """A number as the core reports write it (``1,234.5``)."""
    return f"{value:,.{decimals}f}"


def measured_from_text(kind: Any, buildings: Any, w: dict[str, str]) -> str | None:
    """What a facility's distance was measured from, in words (ids of at most 6 buildings)."""
    if kind == "buildings":
        ids = [str(b) for b in (buildings if isinstance(buildings, list | tuple) else [])]
        shown = ", ".join(ids[:6]) + (f" (+{len(ids) - 6})" if len(ids) > 6 else "")
        return w["from_buildings"].format(n=len(ids), ids=shown)
    if kind in ("polygon", "point"):
        return w[f"from_{kind}"]
    return None


# --- portfolio (eipgis portfolio: many parks at once) ---------------------------------------

#: Words of the portfolio page and the portfolio progress lines.
PORTFOLIO_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Portfolio of industrial parks", "provinces": "Provinces (geoBoundaries, simplified)",
        "parks": "Parks (outline coloured by result)", "park_points": "Parks (marker coloured by result)",
        "park": "Park", "area": "Area", "result": "Result", "failing": "Failing criteria",
        "criteria_set": "Criteria set", "date": "Date", "pass": "pass", "fail": "fail",
        "open": "no failure, some not assessed", "not_assessed": "not assessed",
        "passed": "passed", "failed": "failed", "criteria_axis": "criteria",
        "chart_alt": "Criteria passed, failed and not assessed per park",
        "chart_caption": "Criteria passed (green), failed (red) and not assessed (ochre) per park.",
        "errors": "Parks that could not be checked",
        "summary": "{n} parks checked, {fail} with failing criteria, {errors} could not be read",
        "progress": "[{done}/{total}] {park}: {text}",
        "progress_fail": "{n} of {total} criteria fail", "progress_pass": "all {total} criteria pass",
        "progress_error": "not checked: {message}",
    },
    "vi": {
        "title": "Danh mục các khu công nghiệp", "provinces": "Tỉnh, thành phố (geoBoundaries, giản lược)",
        "parks": "Các khu công nghiệp (màu viền theo kết quả)",
        "park_points": "Các khu công nghiệp (điểm màu theo kết quả)",
        "park": "Khu công nghiệp", "area": "Diện tích", "result": "Kết quả",
        "failing": "Tiêu chí không đạt", "criteria_set": "Bộ tiêu chí", "date": "Ngày",
        "pass": "đạt", "fail": "không đạt", "open": "không có tiêu chí trượt, một số chưa đánh giá",
        "not_assessed": "chưa đánh giá", "passed": "đạt", "failed": "không đạt",
        "criteria_axis": "số tiêu chí",
        "chart_alt": "Số tiêu chí đạt, không đạt và chưa đánh giá của từng khu",
        "chart_caption": "Số tiêu chí đạt (xanh), không đạt (đỏ) và chưa đánh giá (vàng đất) của từng khu.",
        "errors": "Các khu không kiểm tra được",
        "summary": "Đã kiểm tra {n} khu, {fail} khu có tiêu chí không đạt, {errors} khu không đọc được",
        "progress": "[{done}/{total}] {park}: {text}",
        "progress_fail": "{n}/{total} tiêu chí không đạt", "progress_pass": "đạt cả {total} tiêu chí",
        "progress_error": "không kiểm tra được: {message}",
    },
}


# --- investment appraisal (eipgis invest) -------------------------------------------------------

#: Words of the investment appraisal: the MACC chart and the terminal table.
INVEST_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "macc_title": "Marginal abatement cost curve (cheapest tonne of CO₂ first)",
        "macc_x": "CO₂ avoided (t/yr, cumulative)", "macc_y": "Cost per t CO₂ ({currency}/t)",
        "irr_none": "undefined",
        "case_title": "Investment case", "measure": "Measure", "kind": "Kind",
        "kind_symbiosis": "industrial symbiosis link", "kind_recp": "resource efficiency and cleaner production (RECP)",
        "partners": "Partners", "capex": "Investment (capex)", "net_per_year": "Net return per year",
        "lifetime": "Lifetime", "npv": "Net present value at {rate} %", "npv_short": "NPV", "irr": "Internal rate of return",
        "payback": "Simple payback", "discounted_payback": "Discounted payback", "co2": "CO₂ avoided per year",
        "cost_per_t": "Cost per t CO₂ avoided", "n_years": "{n} yr", "never": "not within the lifetime",
        "draft_note": "A draft for discussion with the partners and the lender: every figure comes from the "
                      "measures and parameters files named below, and the parameters marked assumption must "
                      "be replaced by quotes before a decision.",
        "capex_estimate": "The investment is an estimate: {basis}.",
        "param_status": "Parameters not taken from a source: {names}.",
        "s_summary": "Summary", "s_partners": "Partners", "s_technical": "Technical description and map",
        "s_returns": "Costs and returns", "s_sensitivity": "Sensitivity (±20 %)",
        "s_es": "Environmental and social screening and ESMP", "s_workplan": "Work plan", "s_risks": "Risks",
        "id": "Id", "name": "Name", "role": "Role", "sector": "Sector", "workers": "Workers",
        "title": "Title", "mode": "Mode", "length": "Route length", "benefit_basis": "Benefit basis",
        "capex_basis": "Investment basis", "co2_basis": "CO₂ basis", "source": "Source", "note": "Note",
        "map_alt": "The partners' plots and the route on the park's land-use map",
        "year": "Year", "cash_flow": "Cash flow", "discounted": "Discounted", "cumulative": "Cumulative discounted",
        "parameter": "Parameter", "change": "Change", "p_base": "base case", "p_capex": "investment",
        "p_benefit": "benefit", "p_discount_rate": "discount rate",
        "standard": "IFC standard", "risk": "Risk", "mitigation": "Mitigation", "indicator": "Monitoring indicator",
        "responsibility": "Responsibility", "frequency": "Frequency", "cost": "Cost",
        "es_note": "Screening figures and a draft ESMP in the structure of the IFC Performance Standards "
                   "(PS2 labour, PS3 resource efficiency and pollution prevention, PS4 community health and "
                   "safety): a starting point the planner edits (esmp.csv), not a verdict.",
        "es_missing": "Not screened: run eipgis invest with --park to screen the measure.",
        "task": "Task", "owner": "Owner", "start": "Start", "end": "End",
        "workplan_missing": "No work plan yet: give the measure an opportunity id of the register (its next "
                            "steps), or a work plan file.",
        "risks_none": "No risk recorded.",
        "risk_barriers": "Barriers recorded in the register: {text}.",
        "risk_sensitive": "The NPV turns negative when the {what} moves by {change}.",
        "risk_assumption": "{n} parameter(s) are assumptions, not quotes: {names}.",
        "risk_hazard": "Hazard exposure at the site: {text}.",
        "footer": "Written by eipgis {version}. Figures in real terms; cash flows are constant yearly returns.",
        "role_supplier": "supplier", "role_receiver": "receiver", "role_enterprise": "enterprise",
    },
    "vi": {
        "macc_title": "Đường chi phí giảm phát thải biên (tấn CO₂ rẻ nhất trước)",
        "macc_x": "CO₂ tránh được (t/năm, cộng dồn)", "macc_y": "Chi phí mỗi tấn CO₂ ({currency}/t)",
        "irr_none": "không xác định",
        "case_title": "Hồ sơ đầu tư", "measure": "Giải pháp", "kind": "Loại",
        "kind_symbiosis": "liên kết cộng sinh công nghiệp",
        "kind_recp": "sử dụng hiệu quả tài nguyên và sản xuất sạch hơn (RECP)",
        "partners": "Các bên tham gia", "capex": "Vốn đầu tư (capex)", "net_per_year": "Lợi ích ròng mỗi năm",
        "lifetime": "Vòng đời", "npv": "Giá trị hiện tại ròng với suất chiết khấu {rate} %", "npv_short": "NPV",
        "irr": "Tỷ suất hoàn vốn nội bộ", "payback": "Thời gian hoàn vốn giản đơn",
        "discounted_payback": "Thời gian hoàn vốn có chiết khấu", "co2": "CO₂ tránh được mỗi năm",
        "cost_per_t": "Chi phí mỗi tấn CO₂ tránh được", "n_years": "{n} năm", "never": "không hoàn vốn trong vòng đời",
        "draft_note": "Bản dự thảo để trao đổi với các bên và bên cho vay: mọi số liệu lấy từ tệp giải pháp và "
                      "tệp tham số nêu dưới đây; các tham số ghi là giả định phải được thay bằng báo giá trước "
                      "khi quyết định.",
        "capex_estimate": "Vốn đầu tư là số ước tính: {basis}.",
        "param_status": "Các tham số chưa có nguồn: {names}.",
        "s_summary": "Tóm tắt", "s_partners": "Các bên tham gia", "s_technical": "Mô tả kỹ thuật và bản đồ",
        "s_returns": "Chi phí và lợi ích", "s_sensitivity": "Phân tích độ nhạy (±20 %)",
        "s_es": "Sàng lọc môi trường – xã hội và kế hoạch quản lý (ESMP)", "s_workplan": "Kế hoạch thực hiện",
        "s_risks": "Rủi ro",
        "id": "Mã", "name": "Tên", "role": "Vai trò", "sector": "Ngành", "workers": "Số lao động",
        "title": "Tên giải pháp", "mode": "Phương thức", "length": "Chiều dài tuyến",
        "benefit_basis": "Cơ sở tính lợi ích", "capex_basis": "Cơ sở tính vốn đầu tư", "co2_basis": "Cơ sở tính CO₂",
        "source": "Nguồn", "note": "Ghi chú",
        "map_alt": "Các lô của các bên và tuyến trên bản đồ sử dụng đất của khu",
        "year": "Năm", "cash_flow": "Dòng tiền", "discounted": "Chiết khấu", "cumulative": "Lũy kế chiết khấu",
        "parameter": "Tham số", "change": "Thay đổi", "p_base": "phương án cơ sở", "p_capex": "vốn đầu tư",
        "p_benefit": "lợi ích", "p_discount_rate": "suất chiết khấu",
        "standard": "Tiêu chuẩn IFC", "risk": "Rủi ro", "mitigation": "Biện pháp giảm thiểu",
        "indicator": "Chỉ số giám sát", "responsibility": "Trách nhiệm", "frequency": "Tần suất", "cost": "Chi phí",
        "es_note": "Số liệu sàng lọc và bản dự thảo ESMP theo cấu trúc Tiêu chuẩn hoạt động của IFC (PS2 lao "
                   "động, PS3 hiệu quả tài nguyên và phòng ngừa ô nhiễm, PS4 sức khỏe và an toàn cộng đồng): "
                   "điểm xuất phát để người lập quy hoạch chỉnh sửa (esmp.csv), không phải kết luận.",
        "es_missing": "Chưa sàng lọc: chạy eipgis invest với --park để sàng lọc giải pháp.",
        "task": "Công việc", "owner": "Người phụ trách", "start": "Bắt đầu", "end": "Kết thúc",
        "workplan_missing": "Chưa có kế hoạch: gán cho giải pháp mã cơ hội trong sổ theo dõi (các bước tiếp "
                            "theo), hoặc một tệp kế hoạch.",
        "risks_none": "Chưa ghi nhận rủi ro.",
        "risk_barriers": "Rào cản ghi trong sổ theo dõi: {text}.",
        "risk_sensitive": "NPV chuyển sang âm khi {what} thay đổi {change}.",
        "risk_assumption": "{n} tham số là giả định, chưa phải báo giá: {names}.",
        "risk_hazard": "Mức phơi nhiễm thiên tai tại địa điểm: {text}.",
        "footer": "Lập bằng eipgis {version}. Số liệu theo giá thực; dòng tiền là lợi ích hằng năm không đổi.",
        "role_supplier": "bên cung cấp", "role_receiver": "bên tiếp nhận", "role_enterprise": "doanh nghiệp",
    },
}


# --- issue 11: data criteria, not assessed, rules by date (helper "datacrit") ---------------

#: Why a criterion is not assessed (:class:`eipgis.indicators.NotAssessed`), by language.
NOT_ASSESSED_WORDS: dict[str, dict[str, str]] = {
    "en": {"no_table": "no table '{table}'",
           "no_table_given": "no table '{table}' (pass {option} FILE)",
           "no_column": "table '{table}' has no column {column}",
           "no_answer": "no row of table '{table}' answers {column}"},
    "vi": {"no_table": "không có bảng '{table}'",
           "no_table_given": "không có bảng '{table}' (cần {option} FILE)",
           "no_column": "bảng '{table}' không có cột {column}",
           "no_answer": "không dòng nào của bảng '{table}' trả lời {column}"},
}

#: How reports show a criterion that is not assessed and the date the rules were taken at.
DATA_CHECK_WORDS: dict[str, dict[str, str]] = {
    "en": {"not_assessed": "NOT ASSESSED", "as_of": "Rules in force on",
           "not_assessed_n": "not assessed", "not_in_force": "Not in force on that date",
           "n_enterprises": "Enterprises"},
    "vi": {"not_assessed": "CHƯA ĐÁNH GIÁ", "as_of": "Quy định có hiệu lực ngày",
           "not_assessed_n": "chưa đánh giá", "not_in_force": "Chưa/không còn hiệu lực vào ngày đó",
           "n_enterprises": "Doanh nghiệp"},
}

#: Answers a yes/no column accepts (lower case), English and Vietnamese, with and without marks.
YES_NO_ANSWERS: dict[bool, frozenset[str]] = {
    True: frozenset({"true", "1", "1.0", "yes", "y", "x", "có", "co"}),
    False: frozenset({"false", "0", "0.0", "no", "n", "không", "khong"}),
}


# --- monitoring: what the store tells (``eipgis monitor show``, ``monitor report``) ----------

#: Words of the monitoring summary and dashboard, by language.
MONITOR_VIEW_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "park": CHECK_WORDS["en"]["park"],
        "records": "{n} records, {first} to {last}",
        "overview": "Indicators",
        "series": "Series (value, result)",
        "id": "id",
        "criterion": "criterion",
        "latest": "latest",
        "result": "result",
        "trend": "trend per year",
        "regression": "regression",
        "target": "target",
        "pass": CHECK_WORDS["en"]["pass"],
        "fail": CHECK_WORDS["en"]["fail"],
        "not_assessed": "NOT ASSESSED",
        "na": "n/a",
        "not_assessed_note": "Not assessed: {items}.",
        "worse": "worse since {date} ({change})",
        "target_text": "{value} by {by}: {projected} projected, {verdict}",
        "target_met": "met",
        "on_track": "on track",
        "off_track": "off track",
        "no_value": "no value yet",
        "per_year": "/yr",
        "pp_per_year": "pp/yr",
        "pp": "pp",
        "failing_features": "{n} failing",
        "empty": "The store holds no record.",
        "unused_targets": "Targets for criteria the store does not hold (check the ids): {items}.",
        # dashboard
        "dashboard_title": "Monitoring dashboard",
        "summary": "Summary",
        "charts": "Indicators over time",
        "threshold": "threshold",
        "target_line": "target",
        "trend_line": "trend",
        "chart_gap_note": "Gaps in a line are records where the criterion was not assessed.",
        "latest_map": "Latest land-use map ({date})",
        "change_map": "Land-use changes {before} → {after}",
        "no_change": "No land-use class changed between {before} and {after}.",
        "changed_area": "{ha} ha changed class",
        "class_before": "class before",
        "class_after": "class after",
        "area_ha": "area (ha)",
        "one_record": "Only one record: no change map.",
        "no_snapshot": "No stored map for this park.",
        "failing_axis": "failing features",
        "footer": "Made by eipgis {version} from {n} records on {date}.",
    },
    "vi": {
        "park": CHECK_WORDS["vi"]["park"],
        "records": "{n} lần ghi, từ {first} đến {last}",
        "overview": "Chỉ số",
        "series": "Chuỗi số liệu (giá trị, kết quả)",
        "id": "mã",
        "criterion": "tiêu chí",
        "latest": "mới nhất",
        "result": "kết quả",
        "trend": "xu hướng mỗi năm",
        "regression": "suy giảm",
        "target": "mục tiêu",
        "pass": CHECK_WORDS["vi"]["pass"],
        "fail": CHECK_WORDS["vi"]["fail"],
        "not_assessed": "CHƯA ĐÁNH GIÁ",
        "na": "chưa đánh giá",
        "not_assessed_note": "Chưa đánh giá: {items}.",
        "worse": "kém đi so với {date} ({change})",
        "target_text": "{value} trước {by}: dự báo {projected}, {verdict}",
        "target_met": "đã đạt",
        "on_track": "đúng tiến độ",
        "off_track": "chậm tiến độ",
        "no_value": "chưa có giá trị",
        "per_year": "/năm",
        "pp_per_year": "điểm %/năm",
        "pp": "điểm %",
        "failing_features": "{n} không đạt",
        "empty": "Kho dữ liệu chưa có lần ghi nào.",
        "unused_targets": "Mục tiêu cho các tiêu chí không có trong kho dữ liệu (kiểm tra lại mã): {items}.",
        "dashboard_title": "Bảng theo dõi giám sát",
        "summary": "Tóm tắt",
        "charts": "Chỉ số theo thời gian",
        "threshold": "ngưỡng",
        "target_line": "mục tiêu",
        "trend_line": "xu hướng",
        "chart_gap_note": "Chỗ đứt trên đường là những lần ghi chưa đánh giá tiêu chí.",
        "latest_map": "Bản đồ sử dụng đất mới nhất ({date})",
        "change_map": "Thay đổi sử dụng đất {before} → {after}",
        "no_change": "Không lô đất nào đổi loại đất giữa {before} và {after}.",
        "changed_area": "{ha} ha đổi loại đất",
        "class_before": "loại đất trước",
        "class_after": "loại đất sau",
        "area_ha": "diện tích (ha)",
        "one_record": "Chỉ có một lần ghi: không có bản đồ thay đổi.",
        "no_snapshot": "Kho dữ liệu không có bản đồ của khu này.",
        "failing_axis": "số đối tượng không đạt",
        "footer": "Lập bằng eipgis {version} từ {n} lần ghi ngày {date}.",
    },
}


# --- the register's re-evaluation report (issue 12) ----------------------------------------------

#: Barrier categories of the register (keys: ``eipgis.symbiosis.register.BARRIER_CATEGORIES``).
BARRIER_LABELS: dict[str, dict[str, str]] = {
    "technical": {"en": "technical", "vi": "kỹ thuật"},
    "economic": {"en": "economic / financial", "vi": "kinh tế / tài chính"},
    "regulatory": {"en": "regulatory", "vi": "pháp lý"},
    "market": {"en": "market / off-taker", "vi": "thị trường / bên tiêu thụ"},
    "organisational": {"en": "organisational / trust", "vi": "tổ chức / lòng tin"},
    "information": {"en": "information", "vi": "thông tin"},
    "distance": {"en": "distance / logistics", "vi": "khoảng cách / hậu cần"},
}

#: Words of ``eipgis register report``.
REGISTER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Re-evaluation of industrial-symbiosis solutions",
        "subtitle": "{parks}: {n} solutions in {files}",
        "changes": "Status changes since {since}",
        "changes_all": "Status changes",
        "no_changes": "No status change since {since}.",
        "date": "Date", "park": "Park", "id": "Id", "from": "From", "to": "To", "note": "Reason / note",
        "new": "new",
        "barriers": "Barriers by category and park",
        "barriers_note": "Open solutions (identified, feasibility, investment, on hold) counted once per "
                         "category of their latest barriers.",
        "category": "Category", "total": "Total",
        "by_year": "Status by year",
        "by_year_alt": "Solutions in each status at the end of each year",
        "year": "Year", "solutions": "solutions",
        "ranking": "Solutions ranked for support",
        "ranking_note": "Score = stage (1 identified, 2 feasibility, 3 investment; on hold: the stage "
                        "held) + 1 per 1,000 t CO₂/yr saved by its linked flows (at most 3; none when "
                        "unknown) − 0.5 per barrier category. Ties by id.",
        "rank": "Rank", "solution": "Solution", "status": "Status", "benefit": "CO₂ saved (t/yr)",
        "categories": "Barrier categories", "score": "Score", "unknown": "unknown",
        "illustrative": "Rows marked illustrative: {n} (their marked cells are not from a source).",
        "marked": "Illustrative cells",
        "footer": "eipgis {version}; registers: {files}; generated {date}.",
    },
    "vi": {
        "title": "Đánh giá lại các giải pháp cộng sinh công nghiệp",
        "subtitle": "{parks}: {n} giải pháp trong {files}",
        "changes": "Thay đổi trạng thái từ {since}",
        "changes_all": "Thay đổi trạng thái",
        "no_changes": "Không có thay đổi trạng thái từ {since}.",
        "date": "Ngày", "park": "KCN", "id": "Mã", "from": "Từ", "to": "Sang", "note": "Lý do / ghi chú",
        "new": "mới",
        "barriers": "Rào cản theo nhóm và KCN",
        "barriers_note": "Các giải pháp đang mở (đã xác định, nghiên cứu khả thi, đầu tư, tạm hoãn), mỗi "
                         "giải pháp tính một lần cho mỗi nhóm rào cản gần nhất.",
        "category": "Nhóm", "total": "Tổng",
        "by_year": "Trạng thái theo năm",
        "by_year_alt": "Số giải pháp ở mỗi trạng thái vào cuối mỗi năm",
        "year": "Năm", "solutions": "giải pháp",
        "ranking": "Xếp hạng giải pháp cần hỗ trợ",
        "ranking_note": "Điểm = giai đoạn (1 đã xác định, 2 nghiên cứu khả thi, 3 đầu tư; tạm hoãn: giai "
                        "đoạn khi hoãn) + 1 cho mỗi 1.000 t CO₂/năm giảm được từ các dòng liên kết (tối đa "
                        "3; 0 khi chưa biết) − 0,5 cho mỗi nhóm rào cản. Bằng điểm: theo mã.",
        "rank": "Hạng", "solution": "Giải pháp", "status": "Trạng thái", "benefit": "CO₂ giảm (t/năm)",
        "categories": "Nhóm rào cản", "score": "Điểm", "unknown": "chưa biết",
        "illustrative": "Số dòng có ô minh hoạ: {n} (các ô được đánh dấu không có nguồn).",
        "marked": "Ô minh hoạ",
        "footer": "eipgis {version}; sổ đăng ký: {files}; lập ngày {date}.",
    },
}


# --- QGIS: layer titles, Processing labels and messages (issue 15) ---------------------------

#: Words of the QGIS bridge and the Processing toolbox, by language (``{park}`` etc. are filled in).
QGIS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "land_use": "{park} — land use",
        "facilities": "{park} — facilities",
        "strip": "{id}: ungreen isolation strip",
        "criteria": "{park} — criteria ({set})",
        "scenario_land_use": "Scenario: {name} — land use",
        "scenario_criteria": "Scenario: {name} — criteria",
        "links": "Symbiosis links",
        "provider": "eipgis — eco-industrial park planning",
        "check": "Check park against criteria",
        "check_help": (
            "Checks an industrial park's layers against a criteria set (built-in vn-qcvn-01-2021 "
            "or vn-eip-decree-35, or a YAML file) and returns the land-use parcels with the "
            "criteria each fails, styled by class with failing parcels outlined red. With a "
            "land-cover or NDVI raster it adds OBS-GREEN (green seen on the ground) and flags "
            "green parcels that are green on paper only. The layers are guessed from the open "
            "project by their names and columns; check them before Run."),
        "scenario": "Run scenario",
        "scenario_help": (
            "Applies a scenario file (YAML: rezone, green strip, carve…) to the park and checks "
            "the new land use against the scenario's criteria set. The park is the layers given "
            "here or, if none, the GeoPackage the scenario file names."),
        "boundary": "Park boundary",
        "landuse": "Land-use parcels",
        "buildings": "Buildings",
        "plot_green": "Green inside plots",
        "facilities_param": "Facilities (with hazard class)",
        "neighbourhoods": "Neighbourhoods",
        "criteria_param": "Criteria set (built-in name or YAML file)",
        "scenario_criteria_param": "Criteria set (default: the scenario's own)",
        "landcover": "Land-cover or NDVI raster",
        "green_classes": "Green land-cover codes (default 10,20,30: ESA WorldCover)",
        "ndvi_min": "Read the raster as NDVI, green at NDVI ≥",
        "scenario_file": "Scenario file (YAML)",
        "repair": "Repair invalid geometries (instead of failing)",
        "lang": "Report language",
        "output": "Land use with results",
        "scenario_output": "Scenario land use with results",
        "facilities_output": "Facilities with results",
        "strip_output": "Ungreen part of the isolation strip",
        "report": "Report file (Markdown, JSON or text)",
        "passed": "Every criterion passes",
        "failing": "Failing criteria",
        "reading": "Reading the park's layers…",
        "checking": "Checking {n} criteria…",
        "running": "Scenario: {name}",
        "writing": "Writing the results…",
        "summary": "{park}: {failed} of {n} criteria fail",
    },
    "vi": {
        "land_use": "{park} — sử dụng đất",
        "facilities": "{park} — cơ sở sản xuất",
        "strip": "{id}: dải cách ly chưa có cây xanh",
        "criteria": "{park} — tiêu chí ({set})",
        "scenario_land_use": "Phương án: {name} — sử dụng đất",
        "scenario_criteria": "Phương án: {name} — tiêu chí",
        "links": "Liên kết cộng sinh",
        "provider": "eipgis — quy hoạch khu công nghiệp sinh thái",
        "check": "Kiểm tra khu theo bộ tiêu chí",
        "check_help": (
            "Kiểm tra các lớp của khu công nghiệp theo bộ tiêu chí (có sẵn: vn-qcvn-01-2021, "
            "vn-eip-decree-35, hoặc tệp YAML) và trả về các lô đất kèm những tiêu chí mỗi lô "
            "không đạt, tô màu theo loại đất, lô không đạt viền đỏ. Với ảnh lớp phủ mặt đất hoặc "
            "NDVI, thêm OBS-GREEN (cây xanh thực tế) và đánh dấu lô cây xanh chỉ có trên giấy. "
            "Các lớp được đoán từ dự án đang mở theo tên và cột; hãy kiểm tra trước khi chạy."),
        "scenario": "Chạy phương án điều chỉnh",
        "scenario_help": (
            "Áp dụng tệp phương án (YAML: đổi chức năng lô, dải cây xanh, tách lô…) cho khu và "
            "kiểm tra lại sử dụng đất mới theo bộ tiêu chí của phương án. Khu là các lớp chọn ở "
            "đây, hoặc nếu không chọn, tệp GeoPackage mà phương án ghi."),
        "boundary": "Ranh giới khu",
        "landuse": "Lô đất quy hoạch",
        "buildings": "Công trình",
        "plot_green": "Cây xanh trong lô",
        "facilities_param": "Cơ sở sản xuất (có cấp nguy hại)",
        "neighbourhoods": "Khu dân cư",
        "criteria_param": "Bộ tiêu chí (tên có sẵn hoặc tệp YAML)",
        "scenario_criteria_param": "Bộ tiêu chí (mặc định: của phương án)",
        "landcover": "Ảnh lớp phủ mặt đất hoặc NDVI",
        "green_classes": "Mã lớp phủ cây xanh (mặc định 10,20,30: ESA WorldCover)",
        "ndvi_min": "Đọc ảnh là NDVI, cây xanh khi NDVI ≥",
        "scenario_file": "Tệp phương án (YAML)",
        "repair": "Sửa hình học không hợp lệ (thay vì báo lỗi)",
        "lang": "Ngôn ngữ báo cáo",
        "output": "Sử dụng đất kèm kết quả",
        "scenario_output": "Sử dụng đất theo phương án kèm kết quả",
        "facilities_output": "Cơ sở sản xuất kèm kết quả",
        "strip_output": "Phần dải cách ly chưa có cây xanh",
        "report": "Tệp báo cáo (Markdown, JSON hoặc văn bản)",
        "passed": "Đạt mọi tiêu chí",
        "failing": "Tiêu chí không đạt",
        "reading": "Đang đọc các lớp của khu…",
        "checking": "Đang kiểm tra {n} tiêu chí…",
        "running": "Phương án: {name}",
        "writing": "Đang ghi kết quả…",
        "summary": "{park}: {failed}/{n} tiêu chí không đạt",
    },
}

#: eipgis invest --recp (issue 13 §3): messages of the RECP intensities and candidates.
RECP_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "no_candidates": "no RECP candidate: no enterprise reports energy_mwh_yr or water_m3_yr in a sector "
                         "of the catalogue; only recp_intensities.csv and an empty recp_candidates.csv are written",
        "summary": "RECP: {rows} intensity rows, {compared} compared with a benchmark; {candidates} candidate "
                   "measures (edit recp_candidates.csv and appraise it again with eipgis invest)",
    },
    "vi": {
        "no_candidates": "không có giải pháp RECP đề xuất: không doanh nghiệp nào có energy_mwh_yr hoặc "
                         "water_m3_yr trong ngành của danh mục; chỉ ghi recp_intensities.csv và "
                         "recp_candidates.csv rỗng",
        "summary": "RECP: {rows} dòng cường độ, {compared} dòng so với mức tham chiếu; {candidates} giải pháp "
                   "đề xuất (sửa recp_candidates.csv rồi thẩm định lại bằng eipgis invest)",
    },
}


# --- comments on the map (issue 14 §3) ---------------------------------------------------------

#: Topics a workshop participant picks for a comment (key → label per language), in menu order.
COMMENT_TOPICS: dict[str, dict[str, str]] = {
    "landuse": {"en": "Land use and lots", "vi": "Sử dụng đất và lô đất"},
    "green": {"en": "Green space and isolation strips", "vi": "Cây xanh và dải cách ly"},
    "safety": {"en": "Safety distances and hazards", "vi": "Khoảng cách an toàn và nguy hại"},
    "environment": {"en": "Water, air and waste", "vi": "Nước, không khí và chất thải"},
    "traffic": {"en": "Roads and transport", "vi": "Giao thông và vận tải"},
    "symbiosis": {"en": "Shared resources (symbiosis)", "vi": "Dùng chung tài nguyên (cộng sinh)"},
    "community": {"en": "Residents and communes", "vi": "Người dân và xã, phường"},
    "other": {"en": "Other", "vi": "Khác"},
}

COMMENT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "mode_on": "Add a comment",
        "mode_off": "Stop commenting",
        "hint": "Click a place or a lot on the map to comment on it.",
        "form_title": "Comment",
        "author": "Your name",
        "organisation": "Organisation",
        "topic": "Topic",
        "text": "Comment",
        "lot": "Lot",
        "place": "Place",
        "save": "Save",
        "cancel": "Cancel",
        "export": "Export comments (GeoJSON)",
        "clear": "Delete the comments kept in this browser",
        "clear_confirm": "Delete every comment kept in this browser for this map?",
        "kept": "{n} comment(s) kept in this browser (not sent anywhere)",
        "need": "Please fill in your name, the topic and the comment.",
        "browser_layer": "Comments added in this browser",
        "log_layer": "Comments from the consultation log ({n})",
        "legend": "Comments",
        "time": "Time",
        "nearest_facility": "Nearest facility",
        "section": "Comments from the consultation",
        "by_topic": "Comments by topic",
        "by_place": "Comments by place",
        "list": "The comments",
        "n_comments": "Comments",
        "topics": "Topics",
        "none": "No comment has been recorded.",
        "summary": "{n} comment(s) from {people} participant(s) of {orgs} organisation(s), {first} to {last}.",
        "outside": "not on a lot",
        "place_note": ("Place: the lot the comment was made on (clicked, or the lot containing the "
                       "point), else the nearest lot; with the nearest facility and distances "
                       "measured in the park's metric CRS."),
    },
    "vi": {
        "mode_on": "Thêm góp ý",
        "mode_off": "Dừng góp ý",
        "hint": "Nhấp vào một vị trí hoặc một lô đất trên bản đồ để góp ý.",
        "form_title": "Góp ý",
        "author": "Họ tên",
        "organisation": "Cơ quan, đơn vị",
        "topic": "Chủ đề",
        "text": "Nội dung góp ý",
        "lot": "Lô",
        "place": "Vị trí",
        "save": "Lưu",
        "cancel": "Hủy",
        "export": "Xuất góp ý (GeoJSON)",
        "clear": "Xóa các góp ý lưu trong trình duyệt này",
        "clear_confirm": "Xóa mọi góp ý về bản đồ này lưu trong trình duyệt?",
        "kept": "{n} góp ý lưu trong trình duyệt này (chưa gửi đi đâu)",
        "need": "Vui lòng ghi họ tên, chọn chủ đề và viết nội dung góp ý.",
        "browser_layer": "Góp ý thêm trong trình duyệt này",
        "log_layer": "Góp ý từ sổ tham vấn ({n})",
        "legend": "Góp ý",
        "time": "Thời gian",
        "nearest_facility": "Cơ sở gần nhất",
        "section": "Góp ý trong tham vấn",
        "by_topic": "Góp ý theo chủ đề",
        "by_place": "Góp ý theo vị trí",
        "list": "Các góp ý",
        "n_comments": "Số góp ý",
        "topics": "Chủ đề",
        "none": "Chưa có góp ý nào được ghi nhận.",
        "summary": "{n} góp ý của {people} người tham gia thuộc {orgs} cơ quan, từ {first} đến {last}.",
        "outside": "ngoài các lô",
        "place_note": ("Vị trí: lô đất được góp ý (đã nhấp, hoặc lô chứa điểm), nếu không thì lô "
                       "gần nhất; kèm cơ sở sản xuất gần nhất, khoảng cách đo trong hệ tọa độ mét "
                       "của khu."),
    },
}


# --- readable web maps (issue 14 §1): labels, context layer, north arrow, title block -----------

MAP_LABEL_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "labels": "Labels (lots, facilities, places, roads)",
        "context": "Context: roads, railways, provinces (offline)",
        "park_roads": "Park roads ({n})",
        "strip_gaps": "Gaps in the isolation strip ({n})",
        "gap": "Gap {i} in the isolation strip",
        "gap_length": "Length along the boundary",
        "north": "North",
        "data_status": "Data",
        "status_illustrative": "illustrative layout in {layers}: not survey data",
        "status_supplied": "as supplied by the park (no layer marked illustrative)",
        "railway": "Railway",
        "context_source": "Roads, railways: LegoCity (CTU-SematX), CC BY-SA 4.0; "
                          "provinces: geoBoundaries (public domain)",
        "legend_context": "Context",
        "road": "National or provincial road",
        "province_border": "Province border",
        "gap_marker": "Gap in the isolation strip (ring)",
        "north_letter": "N",
        "water": "Rivers and streams ({n})",
        "lyr_boundary": "park boundary",
        "lyr_landuse": "land use",
        "lyr_buildings": "buildings",
        "lyr_plot_green": "green inside plots",
        "lyr_facilities": "facilities",
        "lyr_neighbourhoods": "neighbourhoods",
        "lyr_enterprises": "enterprises",
    },
    "vi": {
        "labels": "Nhãn (lô, cơ sở, địa danh, đường)",
        "context": "Bối cảnh: đường, đường sắt, tỉnh (ngoại tuyến)",
        "park_roads": "Đường nội bộ khu ({n})",
        "strip_gaps": "Đoạn hở của dải cách ly ({n})",
        "gap": "Đoạn hở {i} của dải cách ly",
        "gap_length": "Chiều dài dọc ranh giới",
        "north": "Bắc",
        "data_status": "Dữ liệu",
        "status_illustrative": "bố trí minh hoạ ở {layers}: không phải số liệu khảo sát",
        "status_supplied": "theo số liệu của khu (không lớp nào ghi là minh họa)",
        "railway": "Đường sắt",
        "context_source": "Đường bộ, đường sắt: LegoCity (CTU-SematX), CC BY-SA 4.0; "
                          "ranh giới tỉnh: geoBoundaries (phạm vi công cộng)",
        "legend_context": "Bối cảnh",
        "road": "Quốc lộ, tỉnh lộ",
        "province_border": "Ranh giới tỉnh",
        "gap_marker": "Đoạn hở của dải cách ly (vòng tròn)",
        "north_letter": "B",
        "water": "Sông, suối ({n})",
        "lyr_boundary": "ranh giới khu",
        "lyr_landuse": "sử dụng đất",
        "lyr_buildings": "công trình",
        "lyr_plot_green": "cây xanh trong lô",
        "lyr_facilities": "cơ sở sản xuất",
        "lyr_neighbourhoods": "khu dân cư",
        "lyr_enterprises": "doanh nghiệp",
    },
}

# --- issue 14: Vietnamese formats, print layouts, what the report explains ----------------------
# One formatting function for numbers and dates in everything a reader sees: Babel's Vietnamese
# locale in Vietnamese output (1.097,7 ha; 02/12/2026), the core's English forms otherwise.

_ENGLISH_NUMBER = r"(?<![\w.,§/:-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\w.]|,\d)"
_ISO_DATE = r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])"


def local_number(value: float, decimals: int = 0, lang: str = "en") -> str:
    """A number as a reader of ``lang`` writes it: ``1,097.7`` (en), ``1.097,7`` (vi, Babel)."""
    if lang != "vi":
        return number(value, decimals)
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(round(float(value), decimals), format=pattern, locale="vi_VN"))


def local_date(date: Any, lang: str = "en") -> str:
    """A date (``datetime.date`` or ``YYYY-MM-DD``) as ``2026-12-02`` (en) or ``02/12/2026`` (vi).

    Any other text (a date a user wrote as words) is returned as it is.
    """
    import datetime as _dt

    try:
        day = date if isinstance(date, _dt.date) else _dt.date.fromisoformat(str(date))
    except ValueError:
        return str(date)
    if lang != "vi":
        return day.isoformat()
    from babel.dates import format_date

    return str(format_date(day, "dd/MM/yyyy", locale="vi_VN"))


def localise(text: str, lang: str) -> str:
    """A cell written in the core's English forms, with its numbers, dates and units in ``lang``.

    Only whole numbers are rewritten (``1,097.70`` → ``1.097,70``); article numbers such as
    ``§2.5.3`` or ``35/2022`` are left alone. English text is returned unchanged.
    """
    import re

    if lang != "vi" or not isinstance(text, str):
        return text

    def _num(m: re.Match[str]) -> str:
        raw = m.group(1)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        return local_number(float(raw.replace(",", "")), decimals, "vi")

    text = re.sub(_ISO_DATE, lambda m: local_date(m.group(0), "vi"), text)
    text = re.sub(_ENGLISH_NUMBER, _num, text)
    for en, vi in UNIT_WORDS.items():
        text = re.sub(rf"(?<=[\d\s]){re.escape(en)}(?![\w])", vi, text)
    return text


#: Units with a Vietnamese form (the rest, ha, m, km, %, MWh, are written alike).
UNIT_WORDS: dict[str, str] = {"t/yr": "tấn/năm", "m3/d": "m³/ngày", "MWh/yr": "MWh/năm",
                              "t CO₂/yr": "tấn CO₂/năm"}

#: Words of legal sources with a Vietnamese form (the name of the document, its parts).
SOURCE_WORDS: tuple[tuple[str, str], ...] = (
    ("Decree", "Nghị định"), ("Circular", "Thông tư"), ("Decision", "Quyết định"),
    ("Appendix", "Phụ lục"), ("Table", "Bảng"), ("Art.", "Điều"), ("form", "biểu"),
    ("ND-CP", "NĐ-CP"), ("QD-TTg", "QĐ-TTg"), ("the fallback named by", "quy định dự phòng theo"),
)


def source_text(source: str, lang: str) -> str:
    """A criterion's source in ``lang``: the names of Vietnamese legal documents in Vietnamese."""
    import re

    if lang != "vi":
        return source
    for en, vi in SOURCE_WORDS:
        source = re.sub(rf"(?<!\w){re.escape(en)}(?!\w)", vi, source)
    return source


#: Words of the print layouts (eipgis map --print) and of what the report explains (issue 14).
PRINT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "scale": "Scale 1:{n} at {paper}",
        "date": "Date",
        "criteria_set": "Criteria set",
        "status": "Data status",
        "status_text": "{fail} of {total} criteria fail; {unconfirmed} thresholds unconfirmed",
        "sources": "Sources",
        "source_park": "Park layers: {source}",
        "source_criteria": "Thresholds: {sources}",
        "crs": "Coordinates: {crs}",
        "illustrative_note": "Illustrative layout: {layers} are drawn for illustration, not surveyed.",
        "legend": "Legend",
        "north": "N",
        "made_with": "Made with eipgis {version}",
        "unconfirmed_title": "What “unconfirmed” means",
        "unconfirmed_note": ("A threshold marked unconfirmed has not been read in the text of the "
                             "document it cites (or the document is not in force for this park yet); "
                             "its result is indicative until the threshold is checked against that "
                             "document."),
        "illustrative_title": "Illustrative layers",
        "illustrative_intro": ("These layers of the park are marked illustrative in the data; "
                               "their positions or figures are not surveyed:"),
        "illustrative_row": "{layer}: {n} of {total} features (column {columns})",
        "none_illustrative": "No layer of the park is marked illustrative.",
        "meaning_title": "What the failing criteria mean",
        "layer_boundary": "Park boundary",
        "layer_landuse": "Land-use parcels",
        "layer_facilities": "Facilities",
        "layer_neighbourhoods": "Neighbourhoods",
        "layer_buildings": "Buildings",
        "layer_plot_green": "Green in plots",
        "layer_enterprises": "Enterprises",
    },
    "vi": {
        "scale": "Tỷ lệ 1:{n} trên khổ {paper}",
        "date": "Ngày",
        "criteria_set": "Bộ tiêu chí",
        "status": "Tình trạng dữ liệu",
        "status_text": "{fail}/{total} tiêu chí không đạt; {unconfirmed} ngưỡng chưa xác nhận",
        "sources": "Nguồn",
        "source_park": "Các lớp của khu: {source}",
        "source_criteria": "Ngưỡng: {sources}",
        "crs": "Hệ toạ độ: {crs}",
        "illustrative_note": "Bố trí minh hoạ: {layers} được vẽ để minh hoạ, không phải số liệu đo đạc.",
        "legend": "Chú giải",
        "north": "B",
        "made_with": "Lập bằng eipgis {version}",
        "unconfirmed_title": "“Chưa xác nhận” nghĩa là gì",
        "unconfirmed_note": ("Ngưỡng ghi “chưa xác nhận” là ngưỡng chưa được đối chiếu với văn bản "
                             "gốc mà nó dẫn (hoặc văn bản chưa có hiệu lực với khu này); kết quả của "
                             "nó chỉ mang tính tham khảo cho đến khi ngưỡng được kiểm tra lại theo "
                             "văn bản đó."),
        "illustrative_title": "Các lớp minh hoạ",
        "illustrative_intro": ("Các lớp sau của khu được đánh dấu là minh hoạ trong dữ liệu; vị trí "
                               "hoặc số liệu của chúng không phải số liệu đo đạc:"),
        "illustrative_row": "{layer}: {n}/{total} đối tượng (cột {columns})",
        "none_illustrative": "Không có lớp nào của khu được đánh dấu là minh hoạ.",
        "meaning_title": "Ý nghĩa của các tiêu chí không đạt",
        "layer_boundary": "Ranh giới khu",
        "layer_landuse": "Lô đất quy hoạch",
        "layer_facilities": "Cơ sở sản xuất",
        "layer_neighbourhoods": "Khu dân cư",
        "layer_buildings": "Công trình",
        "layer_plot_green": "Cây xanh trong lô",
        "layer_enterprises": "Doanh nghiệp",
    },
}

#: One sentence per indicator: what it means when a criterion measured with it fails.
FAILING_MEANING: dict[str, dict[str, str]] = {
    "landuse_share": {
        "en": "The park gives this land-use class a smaller (or larger) share of its area than the rule "
              "allows, so land has to be reassigned to or from it.",
        "vi": "Tỷ lệ diện tích của loại đất này trong khu thấp (hoặc cao) hơn mức quy định, nên cần "
              "chuyển đổi đất sang hoặc ra khỏi loại này.",
    },
    "plot_building_density": {
        "en": "Buildings cover more of these plots than the maximum density allows.",
        "vi": "Công trình chiếm tỷ lệ diện tích lô đất vượt mật độ xây dựng tối đa cho phép.",
    },
    "plot_green_share": {
        "en": "These factory plots keep less green land inside them than the minimum the rule asks for.",
        "vi": "Các lô nhà máy này có tỷ lệ đất cây xanh trong lô thấp hơn mức tối thiểu quy định.",
    },
    "isolation_strip": {
        "en": "Part of the isolation strip along the park edge is not green, so the park is not "
              "screened from its neighbours there.",
        "vi": "Một phần dải cách ly dọc ranh giới khu chưa có cây xanh, nên tại đó khu chưa được "
              "ngăn cách với khu vực lân cận.",
    },
    "safety_distance": {
        "en": "Homes, schools or other neighbourhoods lie closer to these facilities than the safety "
              "distance their hazard class requires.",
        "vi": "Nhà ở, trường học hoặc khu dân cư nằm gần các cơ sở này hơn khoảng cách an toàn mà cấp "
              "nguy hại của chúng yêu cầu.",
    },
    "wwtp_count": {
        "en": "The park does not have the central wastewater treatment plant the rule requires.",
        "vi": "Khu chưa có nhà máy xử lý nước thải tập trung theo quy định.",
    },
    "green_cover_share": {
        "en": "Less of the park is actually green on the ground (land cover) than the minimum share.",
        "vi": "Diện tích thực sự có cây xanh trên mặt đất (lớp phủ) của khu thấp hơn tỷ lệ tối thiểu.",
    },
    "checklist": {
        "en": "The park's management answered no (or did not answer) to this requirement.",
        "vi": "Ban quản lý khu trả lời chưa đáp ứng (hoặc chưa trả lời) yêu cầu này.",
    },
    "table_share": {
        "en": "Too few of the park's enterprises meet this requirement, by the figures they reported.",
        "vi": "Theo số liệu doanh nghiệp báo cáo, tỷ lệ doanh nghiệp trong khu đáp ứng yêu cầu này "
              "còn thấp hơn mức quy định.",
    },
    "table_count": {
        "en": "The park has fewer of these (for example symbiosis links) than the rule asks for.",
        "vi": "Số lượng (ví dụ các liên kết cộng sinh) trong khu ít hơn mức quy định.",
    },
    "table_ratio": {
        "en": "The reported quantities give a lower ratio (for example water reused) than the minimum.",
        "vi": "Tỷ lệ tính từ số liệu báo cáo (ví dụ nước tái sử dụng) thấp hơn mức tối thiểu.",
    },
}

#: What marks a cell of a park layer as illustrative (any language the data is written in).
ILLUSTRATIVE_MARKERS: tuple[str, ...] = ("illustrative", "minh hoạ", "minh họa")
