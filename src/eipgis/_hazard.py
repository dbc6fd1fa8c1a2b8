"""The one reading of a facility's hazard class (TCVN 4449-1987 Appendix III): I–V, 1–5, "Cấp II"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ._words import without_marks

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HAZARD_CLASSES", "hazard_class", "hazard_classes"]

#: Hazard classes, most hazardous first (TCVN 4449-1987 Appendix III; QCVN 01:2021 Table 2.13).
HAZARD_CLASSES: tuple[str, ...] = ("I", "II", "III", "IV", "V")

_ARABIC = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
# A leading word naming the class: "class", "cấp" (with or without its marks), "hạng", "nhóm".
_PREFIX = re.compile(r"^(?:CLASS|CAP|HANG|NHOM)\s*[:.\-]?\s*")


def hazard_class(value: object) -> str | None:
    """The canonical class (``"I"``…``"V"``) that ``value`` spells, or None when it spells none.

    Accepted: a Roman numeral in any case (``"ii"``), a number 1–5 (``2``, ``"2"``, ``2.0``),
    either one after ``class``, ``Cấp``, ``hạng`` or ``nhóm`` (any case, composed or decomposed
    Unicode: ``"Cấp II"``, ``"CẤP 2"``, ``"class iii"``). Surrounding and inner spaces are ignored.

    Examples
    --------
    >>> hazard_class("Cấp II"), hazard_class(3), hazard_class("class v"), hazard_class("VI")
    ('II', 'III', 'V', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():  # NaN, infinity or 2.5
            return None
        value = int(value)
    text = " ".join(without_marks(str(value)).upper().split())
    text = _PREFIX.sub("", text)
    text = re.sub(r"\.0+$", "", text)
    text = _ARABIC.get(text, text)
    return text if text in HAZARD_CLASSES else None


def hazard_classes(values: pd.Series) -> pd.Series:
    """:func:`hazard_class` of every value (same index); a value that spells no class gives NA.

    Each distinct value is read once, so a column of 1M facilities costs five look-ups.
    """
    import pandas as pd

    distinct = pd.unique(values.to_numpy(dtype=object))
    read = {v: hazard_class(v) for v in distinct if not pd.isna(v)}
    return values.map(read).astype("string")
