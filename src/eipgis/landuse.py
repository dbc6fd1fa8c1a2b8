"""The one land-use vocabulary: canonical classes, their bilingual names and the code mapping."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ._words import without_marks
from .errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "CLASSES",
    "COLOURS",
    "DEFAULT_MAPPING",
    "LABELS",
    "WWTP_PATTERN",
    "classify",
    "load_mapping",
    "names_wwtp",
]

#: Canonical land-use classes (English). ``industrial`` is the leasable factory/warehouse land.
CLASSES: tuple[str, ...] = (
    "industrial",
    "green",
    "water",
    "traffic",
    "technical",
    "services",
    "residential",
    "reserve",
)

#: Bilingual display names.
LABELS: dict[str, dict[str, str]] = {
    "industrial": {"en": "Industrial plots (factories, warehouses)", "vi": "Đất nhà máy, kho tàng"},
    "green": {"en": "Green space", "vi": "Đất cây xanh"},
    "water": {"en": "Water surface", "vi": "Mặt nước"},
    "traffic": {"en": "Roads and parking", "vi": "Đất giao thông, bãi đỗ xe"},
    "technical": {"en": "Technical infrastructure", "vi": "Đất hạ tầng kỹ thuật"},
    "services": {"en": "Administration and services", "vi": "Đất điều hành, dịch vụ"},
    "residential": {"en": "Residential", "vi": "Đất ở"},
    "reserve": {"en": "Reserve / unused", "vi": "Đất dự trữ, chưa sử dụng"},
}

#: Display colours: the TT 16/2025/TT-BXD (Phụ lục I, Mục 04) class colours as ACI indices,
#: converted with the AutoCAD default palette (research note vn-reference-tables.md §2.2).
COLOURS: dict[str, str] = {
    "industrial": "#5200A5",  # ACI 192 Sản xuất công nghiệp, kho bãi
    "green": "#52A500",  # ACI 72 Cây xanh sử dụng công cộng
    "water": "#003F7F",  # ACI 154 Hồ, ao, đầm
    "traffic": "#767676",  # ACI 251 Đường giao thông (GDAL palette)
    "technical": "#1C1326",  # ACI 199 Hạ tầng kỹ thuật khác
    "services": "#A50000",  # ACI 12 Khu dịch vụ
    "residential": "#A57C00",  # ACI 42 Nhóm nhà ở
    "reserve": "#C0C0C0",  # ACI 9 Đất chưa sử dụng
}

# Lot codes on 1:2,000 / 1:500 zoning plans (quy hoạch phân khu / chi tiết) of industrial parks,
# with their canonical class. Source: research note vn-reference-tables.md §2.3 (TT 16/2025 and
# the QH-Hue code tokens); codes marked [U] there are included as common usage.
_CODES: dict[str, tuple[str, ...]] = {
    "industrial": ("CN", "KCN", "KHO", "KB", "SX", "SXCN", "NM", "XN", "CNKB", "CN-KB"),
    "green": ("CX", "CXCL", "CL", "CXCD", "CXHC", "CXCC", "CV", "CXTT"),
    "traffic": ("GT", "DGT", "BX", "BDX", "P", "BDX-GT"),
    "technical": ("HTKT", "KT", "HTK", "XLNT", "TXLNT", "TBA", "CNU", "NMN", "TCN", "XLCTR", "CTR"),
    "services": ("DHDV", "TTDH", "DV", "TMDV", "CQ"),
    "water": ("MN", "HO", "SONG", "KENH"),
    "reserve": ("DPT", "DTPT", "CSD", "DCS"),
    "residential": ("NO", "OHT", "ODT", "NOXH", "ONT"),
}

# Vietnamese phrases (written without diacritics after normalisation) and English synonyms.
_WORDS: dict[str, tuple[str, ...]] = {
    "industrial": (
        "industrial", "industry", "factory", "factories", "warehouse", "warehouses", "plant",
        "manufacturing", "logistics", "storage", "dat cong nghiep", "cong nghiep", "nha may",
        "xi nghiep", "kho tang", "kho bai", "dat nha may kho tang", "san xuat cong nghiep",
        "dat san xuat cong nghiep kho bai", "dat kho tang",
    ),
    "green": (
        "green", "green space", "greenery", "park", "open space", "buffer", "buffer green",
        "isolation strip", "isolation green", "green belt", "trees", "cay xanh", "dat cay xanh",
        "cay xanh cach ly", "cay xanh chuyen dung", "cay xanh su dung han che",
        "cay xanh su dung cong cong", "cong vien", "vuon hoa",
    ),
    "traffic": (
        "traffic", "road", "roads", "street", "streets", "parking", "car park", "transport",
        "transportation", "railway", "giao thong", "dat giao thong", "duong giao thong",
        "bai do xe", "bai xe", "duong",
    ),
    "technical": (
        "technical", "infrastructure", "technical infrastructure", "utilities", "utility",
        "wwtp", "wastewater treatment", "wastewater treatment plant", "substation",
        "water supply", "water works", "waste transfer", "solid waste", "ha tang ky thuat",
        "dat ha tang ky thuat", "dau moi ha tang ky thuat", "xu ly nuoc thai",
        "tram xu ly nuoc thai", "tram bien ap", "cap nuoc", "nha may nuoc",
    ),
    "services": (
        "services", "service", "administration", "admin", "office", "offices", "commercial",
        "dich vu", "dieu hanh", "trung tam dieu hanh", "dat dieu hanh dich vu",
        "trung tam dieu hanh dich vu", "co quan", "tru so",
    ),
    "water": (
        "water", "water surface", "pond", "ponds", "lake", "river", "stream", "canal",
        "mat nuoc", "ho", "ao", "song", "suoi", "kenh", "ho ao", "song suoi",
    ),
    "reserve": (
        "reserve", "vacant", "unused", "undeveloped", "future development", "du tru",
        "du tru phat trien", "dat du tru phat trien", "chua su dung", "dat chua su dung",
    ),
    "residential": (
        "residential", "housing", "homes", "dormitory", "worker housing", "nha o", "dat o",
        "nhom nha o", "nha o cong nhan", "nha o xa hoi",
    ),
}


def _key(value: object) -> str:
    """Normalise a land-use value for lookup: no diacritics, lower case, single spaces."""
    text = without_marks(str(value)).lower()
    return " ".join(text.replace("_", " ").split())


def _code_key(value: object) -> str:
    """A lot code without its number: ``CN-01`` → ``cn``, ``CX 3a`` → ``cx``."""
    return re.sub(r"[\s\-./]*\d+[a-z]?$", "", _key(value)).strip()


def _build_default() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for cls in CLASSES:
        mapping[cls] = cls
        for code in _CODES.get(cls, ()):
            mapping[_key(code)] = cls
        for word in _WORDS.get(cls, ()):
            mapping[_key(word)] = cls
    return mapping


#: Built-in mapping from normalised value to canonical class.
DEFAULT_MAPPING: dict[str, str] = _build_default()


def load_mapping(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a park's own mapping file (CSV ``value,class`` or YAML ``{value: class}``).

    The park's entries are added to, and take precedence over, the built-in mapping.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: land-use mapping file not found. Fix: check the path.")
    pairs: dict[str, str]
    if path.suffix.lower() in (".yaml", ".yml"):
        from ._yamlfile import read_yaml_file

        data = read_yaml_file(path, error=InputError, what="land-use mapping file") or {}
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a mapping 'value: class' at the top level.")
        pairs = {str(k): str(v) for k, v in data.items()}
    else:
        import csv
        import io

        from .io import read_text_file

        text = read_text_file(path, what="land-use mapping file")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        first = 1
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["value", "class"]:
            rows, first = rows[1:], 2
        pairs = {}
        for n, row in enumerate(rows, start=first):
            if len(row) < 2:
                raise InputError(f"{path}, line {n}: expected 'value,class'.")
            pairs[row[0]] = row[1]
    bad = {v: c for v, c in pairs.items() if c.strip().lower() not in CLASSES}
    if bad:
        listed = ", ".join(f"{v!r} → {c!r}" for v, c in bad.items())
        raise InputError(
            f"{path}: unknown land-use class for {listed}. Fix: use one of {', '.join(CLASSES)}."
        )
    merged = dict(DEFAULT_MAPPING)
    merged.update({_key(v): c.strip().lower() for v, c in pairs.items()})
    return merged


def classify(values: pd.Series, mapping: Mapping[str, str] | None = None) -> pd.Series:
    """Canonical class of each value; values that cannot be mapped come back as missing (NA).

    A value is looked up as written (without diacritics, any case), then as a lot code
    without its number (``CN-01`` → ``CN``).
    """
    mapping = DEFAULT_MAPPING if mapping is None else mapping
    uniques = values.dropna().unique()
    lookup: dict[object, str | None] = {}
    for value in uniques:
        cls = mapping.get(_key(value))
        if cls is None:
            cls = mapping.get(_code_key(value))
        lookup[value] = cls
    return values.map(lookup).astype("object").rename("landuse_class")


#: Words that mark a parcel as a wastewater treatment plant, in its code or its name.
WWTP_PATTERN = r"(?i)\bxlnt\b|txlnt|xử lý nước thải|xu ly nuoc thai|wwtp|wastewater|waste water"


def names_wwtp(landuse: pd.DataFrame, *, pattern: str = WWTP_PATTERN) -> np.ndarray:
    """Whether each parcel's land-use code or ``name`` says it is a wastewater treatment plant.

    The one WWTP rule (the ``wwtp_count`` indicator and the plan evaluator both call it): the
    code and the name are joined and searched with ``pattern`` (a regular expression), both in
    composed Unicode (NFC), so a name typed in decomposed form ("Unicode tổ hợp") matches too.
    Whether the parcel is technical land is the caller's business.

    Examples
    --------
    >>> import pandas as pd
    >>> names_wwtp(pd.DataFrame({"landuse": ["XLNT-01", "HTKT"], "name": [None, "Trạm xử lý nước thải"]}))
    array([ True,  True])
    """
    text = landuse["landuse"].astype(str)
    if "name" in landuse.columns:
        text = text + " " + landuse["name"].fillna("").astype(str)
    text = text.str.normalize("NFC")
    found = text.str.contains(unicodedata.normalize("NFC", pattern), regex=True)
    return found.to_numpy(dtype=bool)
